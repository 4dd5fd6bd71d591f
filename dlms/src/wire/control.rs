//! The security control byte and the security header (SC ‖ IC) that starts the ciphered content
//! of every glo-, ded-, general-glo-, general-ded- and general-ciphering APDU
//! (IEC 62056-5-3, DLMS UA Green Book 9.2.7.2.4.1).
//!
//! ```text
//! security control (1) | invocation counter (4, big-endian) | information (ciphertext or plaintext) | tag (12, if A)
//! ```

use core::fmt;

use crate::{Error, Result};

/// A security suite id (bits 3..0 of the security control byte; IEC 62056-5-3 security suites).
///
/// An open newtype: every nibble value round-trips, [`SecuritySuite::is_known`] says whether it
/// is one of the three the standard defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecuritySuite(pub u8);

impl SecuritySuite {
    /// Suite 0: AES-GCM-128, AES-128 key wrap.
    pub const SUITE_0: Self = Self(0);
    /// Suite 1: AES-GCM-128, AES-128 key wrap, ECDH/ECDSA P-256, SHA-256.
    pub const SUITE_1: Self = Self(1);
    /// Suite 2: AES-GCM-256, AES-256 key wrap, ECDH/ECDSA P-384, SHA-384.
    pub const SUITE_2: Self = Self(2);

    /// The suite id.
    #[must_use]
    pub const fn id(self) -> u8 {
        self.0
    }

    /// Whether the standard defines this suite (0, 1 or 2).
    #[must_use]
    pub const fn is_known(self) -> bool {
        self.0 <= 2
    }

    /// The size of the suite's symmetric keys: 16 bytes for suites 0 and 1, 32 for suite 2.
    #[must_use]
    pub const fn key_len(self) -> Option<usize> {
        match self.0 {
            0 | 1 => Some(16),
            2 => Some(32),
            _ => None,
        }
    }

    /// Checks that the suite is known and returns its key size.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for a suite other than 0, 1 and 2.
    pub const fn require_known(self) -> Result<usize> {
        match self.key_len() {
            Some(len) => Ok(len),
            None => Err(Error::UnsupportedSuite { suite: self.0 }),
        }
    }

    /// The suite's name ("AES-GCM-128", "ECDH-ECDSA-AES-GCM-128-SHA-256", ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self.0 {
            0 => "AES-GCM-128",
            1 => "ECDH-ECDSA-AES-GCM-128-SHA-256",
            2 => "ECDH-ECDSA-AES-GCM-256-SHA-384",
            _ => "unknown",
        }
    }
}

impl fmt::Display for SecuritySuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "suite {} ({})", self.0, self.name())
    }
}

/// What a security control byte asks for: its A (authentication) and E (encryption) bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protection {
    /// Neither bit: the information is sent in clear, without a tag.
    None,
    /// A only (`0x1x`): the information is sent in clear, followed by a GMAC tag.
    Authenticated,
    /// E only (`0x2x`): the information is encrypted (AES-CTR as in GCM), no tag.
    Encrypted,
    /// A and E (`0x3x`): AES-GCM, ciphertext followed by the tag.
    AuthenticatedEncrypted,
}

impl Protection {
    /// Whether a 12-byte tag follows the information.
    #[must_use]
    pub const fn has_tag(self) -> bool {
        matches!(self, Self::Authenticated | Self::AuthenticatedEncrypted)
    }

    /// Whether the information is encrypted.
    #[must_use]
    pub const fn is_encrypted(self) -> bool {
        matches!(self, Self::Encrypted | Self::AuthenticatedEncrypted)
    }
}

/// The security control byte (Green Book 9.2.7.2.4.1; IEC 62056-5-3).
///
/// | bits | meaning |
/// |---|---|
/// | 3..0 | security suite id |
/// | 4 | A: authenticated (a tag follows) |
/// | 5 | E: encrypted |
/// | 6 | key set: 0 unicast, 1 broadcast key |
/// | 7 | compression |
///
/// Every byte value is representable; the suite is the whole low nibble (Gurux masks `0x03`,
/// which misreads suites above 3: GuruxDLMS.c `cip_crypt`).
///
/// ```
/// use dlms::security::{Protection, SecurityControl, SecuritySuite};
/// let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
/// assert_eq!(sc.to_byte(), 0x30);
/// assert_eq!(SecurityControl::from_byte(0x21).suite(), SecuritySuite::SUITE_1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityControl(u8);

impl SecurityControl {
    /// Mask of the suite id.
    pub const SUITE_MASK: u8 = 0x0F;
    /// A: authenticated.
    pub const AUTHENTICATED: u8 = 0x10;
    /// E: encrypted.
    pub const ENCRYPTED: u8 = 0x20;
    /// Key set: the broadcast key.
    pub const BROADCAST_KEY: u8 = 0x40;
    /// Compression.
    pub const COMPRESSED: u8 = 0x80;

    /// A security control byte for `suite` with `protection`, unicast key, no compression.
    ///
    /// The suite id is masked to its nibble.
    #[must_use]
    pub const fn new(suite: SecuritySuite, protection: Protection) -> Self {
        let bits = match protection {
            Protection::None => 0,
            Protection::Authenticated => Self::AUTHENTICATED,
            Protection::Encrypted => Self::ENCRYPTED,
            Protection::AuthenticatedEncrypted => Self::AUTHENTICATED | Self::ENCRYPTED,
        };
        Self((suite.0 & Self::SUITE_MASK) | bits)
    }

    /// The byte as found on the wire.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Self {
        Self(byte)
    }

    /// The byte to put on the wire.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self.0
    }

    /// The same byte with the key-set bit set (broadcast key) or cleared (unicast key).
    #[must_use]
    pub const fn with_broadcast_key(self, broadcast: bool) -> Self {
        if broadcast {
            Self(self.0 | Self::BROADCAST_KEY)
        } else {
            Self(self.0 & !Self::BROADCAST_KEY)
        }
    }

    /// The same byte with the compression bit set or cleared.
    #[must_use]
    pub const fn with_compression(self, compressed: bool) -> Self {
        if compressed {
            Self(self.0 | Self::COMPRESSED)
        } else {
            Self(self.0 & !Self::COMPRESSED)
        }
    }

    /// The security suite id (bits 3..0).
    #[must_use]
    pub const fn suite(self) -> SecuritySuite {
        SecuritySuite(self.0 & Self::SUITE_MASK)
    }

    /// Whether the A bit is set (a tag follows).
    #[must_use]
    pub const fn is_authenticated(self) -> bool {
        self.0 & Self::AUTHENTICATED != 0
    }

    /// Whether the E bit is set.
    #[must_use]
    pub const fn is_encrypted(self) -> bool {
        self.0 & Self::ENCRYPTED != 0
    }

    /// Whether the broadcast key is used (key-set bit).
    #[must_use]
    pub const fn uses_broadcast_key(self) -> bool {
        self.0 & Self::BROADCAST_KEY != 0
    }

    /// Whether the information is compressed.
    #[must_use]
    pub const fn is_compressed(self) -> bool {
        self.0 & Self::COMPRESSED != 0
    }

    /// The A and E bits as a [`Protection`].
    #[must_use]
    pub const fn protection(self) -> Protection {
        match (self.is_authenticated(), self.is_encrypted()) {
            (false, false) => Protection::None,
            (true, false) => Protection::Authenticated,
            (false, true) => Protection::Encrypted,
            (true, true) => Protection::AuthenticatedEncrypted,
        }
    }
}

impl From<u8> for SecurityControl {
    fn from(byte: u8) -> Self {
        Self(byte)
    }
}

impl From<SecurityControl> for u8 {
    fn from(sc: SecurityControl) -> Self {
        sc.0
    }
}

impl fmt::Debug for SecurityControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecurityControl({self})")
    }
}

impl fmt::Display for SecurityControl {
    /// `0x30 (suite 0, authenticated, encrypted)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#04x} (suite {}", self.0, self.suite().0)?;
        if self.is_authenticated() {
            f.write_str(", authenticated")?;
        }
        if self.is_encrypted() {
            f.write_str(", encrypted")?;
        }
        if self.uses_broadcast_key() {
            f.write_str(", broadcast key")?;
        }
        if self.is_compressed() {
            f.write_str(", compressed")?;
        }
        f.write_str(")")
    }
}

/// Length of the security header of a ciphered APDU: the security control byte (1) and the
/// invocation counter (4) of the DLMS Green Book ciphered APDUs (the system title and lengths around it are
/// not counted).
pub const SECURITY_HEADER_LEN: usize = 5;

mod field {
    use core::ops::{Range, RangeFrom};

    pub const CONTROL: usize = 0;
    pub const COUNTER: Range<usize> = 1..5;
    pub const INFORMATION: RangeFrom<usize> = 5..;
}

/// A zero-copy view of ciphered content: the security header followed by the information
/// (and the tag, which this view leaves in the information; see [`crate::security::split_content`]).
///
/// After [`SecurityHeader::check_len`] (or [`SecurityHeader::new_checked`]) succeeds no accessor
/// panics; on a short buffer made with [`SecurityHeader::new_unchecked`] the getters read zeros
/// and the setters write nothing, they never panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SecurityHeader<T> {
    /// Wraps a buffer without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks that it holds a whole header.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than [`SECURITY_HEADER_LEN`].
    pub fn new_checked(buffer: T) -> Result<Self> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the buffer holds a whole header.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than [`SECURITY_HEADER_LEN`].
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < SECURITY_HEADER_LEN {
            return Err(Error::Truncated {
                field: "security header",
                offset: 0,
                needed: SECURITY_HEADER_LEN - len,
            });
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The security control byte.
    pub fn security_control(&self) -> SecurityControl {
        SecurityControl(
            self.buffer
                .as_ref()
                .get(field::CONTROL)
                .copied()
                .unwrap_or(0),
        )
    }

    /// The invocation counter.
    pub fn invocation_counter(&self) -> u32 {
        self.buffer
            .as_ref()
            .get(field::COUNTER)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_be_bytes)
    }

    /// The information after the header (ciphertext or plaintext, and the tag if any).
    pub fn information(&self) -> &[u8] {
        self.buffer.as_ref().get(field::INFORMATION).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> SecurityHeader<T> {
    /// Sets the security control byte.
    pub fn set_security_control(&mut self, sc: SecurityControl) {
        if let Some(b) = self.buffer.as_mut().get_mut(field::CONTROL) {
            *b = sc.0;
        }
    }

    /// Sets the invocation counter.
    pub fn set_invocation_counter(&mut self, ic: u32) {
        if let Some(b) = self.buffer.as_mut().get_mut(field::COUNTER) {
            b.copy_from_slice(&ic.to_be_bytes());
        }
    }

    /// The information after the header, mutable (to decrypt or encrypt it in place).
    pub fn information_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(field::INFORMATION)
            .unwrap_or(&mut [])
    }
}

/// The security header as values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityHeaderRepr {
    /// The security control byte.
    pub control: SecurityControl,
    /// The invocation counter.
    pub invocation_counter: u32,
}

impl SecurityHeaderRepr {
    /// Reads the header. Every byte value is accepted here (the suite and bits are judged by
    /// whoever unprotects the content).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than [`SECURITY_HEADER_LEN`].
    pub fn parse<T: AsRef<[u8]>>(header: &SecurityHeader<T>) -> Result<Self> {
        header.check_len()?;
        Ok(Self {
            control: header.security_control(),
            invocation_counter: header.invocation_counter(),
        })
    }

    /// The number of bytes [`SecurityHeaderRepr::emit`] writes: [`SECURITY_HEADER_LEN`].
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        SECURITY_HEADER_LEN
    }

    /// Writes the header into the first [`SECURITY_HEADER_LEN`] bytes of the view's buffer.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when the buffer is shorter than [`SECURITY_HEADER_LEN`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut SecurityHeader<T>) -> Result<()> {
        let available = header.buffer.as_ref().len();
        if available < SECURITY_HEADER_LEN {
            return Err(Error::BufferTooSmall {
                needed: SECURITY_HEADER_LEN,
                available,
            });
        }
        header.set_security_control(self.control);
        header.set_invocation_counter(self.invocation_counter);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Header of the Green Book suite-0 glo-get-request (vector SEC-01): SC 0x30, IC 0x01234567.
    const HEADER: [u8; 7] = [0x30, 0x01, 0x23, 0x45, 0x67, 0x41, 0x13];

    #[test]
    fn deconstruct() {
        let h = SecurityHeader::new_checked(&HEADER[..]).unwrap();
        assert_eq!(h.security_control(), SecurityControl::from_byte(0x30));
        assert_eq!(h.invocation_counter(), 0x0123_4567);
        assert_eq!(h.information(), &[0x41, 0x13]);
    }

    #[test]
    fn construct() {
        let mut buf = [0xA5u8; 7];
        let mut h = SecurityHeader::new_unchecked(&mut buf[..]);
        h.set_security_control(SecurityControl::from_byte(0x30));
        h.set_invocation_counter(0x0123_4567);
        h.information_mut().copy_from_slice(&[0x41, 0x13]);
        assert_eq!(buf, HEADER);
    }

    #[test]
    fn parse() {
        let repr = SecurityHeaderRepr::parse(&SecurityHeader::new_unchecked(&HEADER[..])).unwrap();
        assert_eq!(
            repr,
            SecurityHeaderRepr {
                control: SecurityControl::from_byte(0x30),
                invocation_counter: 0x0123_4567
            }
        );
    }

    #[test]
    fn emit() {
        let repr = SecurityHeaderRepr {
            control: SecurityControl::new(
                SecuritySuite::SUITE_0,
                Protection::AuthenticatedEncrypted,
            ),
            invocation_counter: 0x0123_4567,
        };
        let mut buf = [0xA5u8; 5];
        repr.emit(&mut SecurityHeader::new_unchecked(&mut buf[..]))
            .unwrap();
        assert_eq!(buf, HEADER[..5]);
        assert_eq!(repr.buffer_len(), 5);
    }

    #[test]
    fn truncated_header() {
        for len in 0..SECURITY_HEADER_LEN {
            assert_eq!(
                SecurityHeader::new_checked(&HEADER[..len]).unwrap_err(),
                Error::Truncated {
                    field: "security header",
                    offset: 0,
                    needed: SECURITY_HEADER_LEN - len
                }
            );
        }
        let short = SecurityHeader::new_unchecked(&HEADER[..2]);
        assert_eq!(short.invocation_counter(), 0);
        assert_eq!(short.information(), &[] as &[u8]);
        let mut buf = [0u8; 3];
        let repr = SecurityHeaderRepr {
            control: SecurityControl::from_byte(0x30),
            invocation_counter: 1,
        };
        assert_eq!(
            repr.emit(&mut SecurityHeader::new_unchecked(&mut buf[..])),
            Err(Error::BufferTooSmall {
                needed: 5,
                available: 3
            })
        );
    }

    #[test]
    fn control_bits() {
        // Values from Gurux `cip_crypt` and dlms-cosem-rs (`SecurityControl::new(1,true,true)`
        // == 0x31).
        for (byte, suite, a, e, b, c) in [
            (0x30, 0, true, true, false, false),
            (0x20, 0, false, true, false, false),
            (0x10, 0, true, false, false, false),
            (0x31, 1, true, true, false, false),
            (0x32, 2, true, true, false, false),
            (0x21, 1, false, true, false, false),
            (0x70, 0, true, true, true, false),
            (0xB1, 1, true, true, false, true),
            (0x0F, 15, false, false, false, false),
        ] {
            let sc = SecurityControl::from_byte(byte);
            assert_eq!(sc.suite(), SecuritySuite(suite), "{byte:#x}");
            assert_eq!(sc.is_authenticated(), a);
            assert_eq!(sc.is_encrypted(), e);
            assert_eq!(sc.uses_broadcast_key(), b);
            assert_eq!(sc.is_compressed(), c);
            let rebuilt = SecurityControl::new(sc.suite(), sc.protection())
                .with_broadcast_key(b)
                .with_compression(c);
            assert_eq!(rebuilt.to_byte(), byte);
        }
        assert_eq!(
            SecurityControl::new(SecuritySuite::SUITE_1, Protection::AuthenticatedEncrypted)
                .to_byte(),
            0x31
        );
    }

    #[test]
    fn suites() {
        assert_eq!(SecuritySuite::SUITE_0.key_len(), Some(16));
        assert_eq!(SecuritySuite::SUITE_1.key_len(), Some(16));
        assert_eq!(SecuritySuite::SUITE_2.key_len(), Some(32));
        assert_eq!(
            SecuritySuite(3).require_known(),
            Err(Error::UnsupportedSuite { suite: 3 })
        );
        assert!(!SecuritySuite(3).is_known());
    }

    #[test]
    fn display() {
        use std::string::ToString;
        assert_eq!(
            SecurityControl::from_byte(0x30).to_string(),
            "0x30 (suite 0, authenticated, encrypted)"
        );
        assert_eq!(
            SecurityControl::from_byte(0xC2).to_string(),
            "0xc2 (suite 2, broadcast key, compressed)"
        );
        assert_eq!(
            SecuritySuite::SUITE_2.to_string(),
            "suite 2 (ECDH-ECDSA-AES-GCM-256-SHA-384)"
        );
    }

    proptest::proptest! {
        #[test]
        fn header_roundtrip(sc: u8, ic: u32) {
            let repr = SecurityHeaderRepr { control: SecurityControl::from_byte(sc), invocation_counter: ic };
            let mut buf = [0u8; SECURITY_HEADER_LEN];
            repr.emit(&mut SecurityHeader::new_unchecked(&mut buf[..])).unwrap();
            proptest::prop_assert_eq!(SecurityHeaderRepr::parse(&SecurityHeader::new_unchecked(&buf[..])).unwrap(), repr);
        }

        #[test]
        fn header_never_panics(bytes: std::vec::Vec<u8>) {
            let h = SecurityHeader::new_unchecked(&bytes[..]);
            let _ = (h.security_control(), h.invocation_counter(), h.information());
            let _ = SecurityHeaderRepr::parse(&h);
        }
    }
}
