//! Protecting and unprotecting the information of a ciphered APDU in place, given the parts of
//! its security header (IEC 62056-5-3; Green Book 9.2.7.2.4).
//!
//! | SC | information | tag | AAD |
//! |---|---|---|---|
//! | `0x3x` | AES-GCM ciphertext | 12 bytes | `SC ‖ AK` (+ general-ciphering fields, see [`AadExtension`]) |
//! | `0x1x` | plaintext in clear | 12 bytes (GMAC) | `SC ‖ AK ‖ plaintext` |
//! | `0x2x` | AES-CTR ciphertext (GCM without the tag) | none | — |
//! | `0x0x` | plaintext in clear | none | — |
//!
//! The IV is the sender's system title followed by the invocation counter (big-endian).

use super::gcm::Cipher;
use super::keys::Key;
use crate::apdu::GeneralHeader;
use crate::wire::SystemTitle;
use crate::wire::{Protection, SECURITY_HEADER_LEN, SecurityControl, SecurityHeader};
use crate::wire::{Tag, iv};
use crate::{Error, Result};

/// The general-ciphering fields that extend the authenticated-and-encrypted AAD (a
/// [`GeneralHeader`]): `SC ‖ AK ‖ transaction-id ‖ originator-system-title ‖
/// recipient-system-title ‖ date-time ‖ other-information`, each field as an A-XDR length
/// followed by its bytes (`00` when absent).
///
/// **Single source**: only Gurux Python (`GXDLMSChippering.getAuthenticatedData`) documents this
/// layout publicly, and it applies it for suites 1 and 2 (not confirmed by a second
/// implementation). It is an input option: pass it only when the peer is known to
/// authenticate these fields.
pub type AadExtension<'a> = GeneralHeader<'a>;

/// The largest AAD [`seal_in_place`] and [`open_in_place`] build for authenticated encryption:
/// `SC ‖ AK` is at most 33 bytes; the rest is room for the general-ciphering fields.
pub const MAX_AAD_LEN: usize = 512;

/// A fixed-capacity AAD buffer: 33 bytes (`SC ‖ AK`) on the common path, [`MAX_AAD_LEN`]
/// with the general-ciphering extension.
struct Aad<const N: usize> {
    buf: [u8; N],
    len: usize,
}

/// Runs `f` on the AAD `SC ‖ AK [‖ extension]`, built on the stack and wiped afterwards.
fn with_aad<T>(
    control: SecurityControl,
    ak: &Key,
    ext: Option<&AadExtension<'_>>,
    f: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    match ext {
        None => f(Aad::<33>::build(control, ak, None)?.as_bytes()),
        Some(_) => f(Aad::<MAX_AAD_LEN>::build(control, ak, ext)?.as_bytes()),
    }
}

impl<const N: usize> Aad<N> {
    fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.len + bytes.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(Error::AadTooLong { len: end, max: N })?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// An A-XDR length (1, 2 or 3 bytes; 16-bit lengths suffice under [`MAX_AAD_LEN`]).
    fn push_length(&mut self, len: usize) -> Result<()> {
        match u8::try_from(len) {
            Ok(short) if short < 0x80 => self.push(&[short]),
            Ok(byte) => self.push(&[0x81, byte]),
            Err(_) => match u16::try_from(len) {
                Ok(word) => {
                    let [hi, lo] = word.to_be_bytes();
                    self.push(&[0x82, hi, lo])
                }
                Err(_) => Err(Error::AadTooLong { len, max: N }),
            },
        }
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    fn build(control: SecurityControl, ak: &Key, ext: Option<&AadExtension<'_>>) -> Result<Self> {
        let mut aad = Self::new();
        aad.push(&[control.to_byte()])?;
        aad.push(ak.as_bytes())?;
        if let Some(ext) = ext {
            for field in ext.fields() {
                aad.push_length(field.len())?;
                aad.push(field)?;
            }
        }
        Ok(aad)
    }
}

impl<const N: usize> Drop for Aad<N> {
    fn drop(&mut self) {
        // The AAD holds the authentication key; only the bytes written need wiping (wiping all
        // 512 bytes with volatile writes costs more than decrypting a short APDU).
        if let Some(used) = self.buf.get_mut(..self.len) {
            zeroize::Zeroize::zeroize(used);
        }
    }
}

/// Everything besides the data that protecting or unprotecting needs.
#[derive(Debug, Clone, Copy)]
pub struct CipheringParams<'a> {
    /// The security control byte.
    pub control: SecurityControl,
    /// The sender's system title (first half of the IV).
    pub system_title: &'a SystemTitle,
    /// The invocation counter (second half of the IV).
    pub invocation_counter: u32,
    /// The authentication key (needed when the A bit is set).
    pub authentication_key: Option<&'a Key>,
    /// The general-ciphering AAD extension (authenticated encryption only).
    pub aad_extension: Option<&'a AadExtension<'a>>,
}

impl CipheringParams<'_> {
    fn check(&self, cipher: &Cipher) -> Result<()> {
        let control = self.control;
        if control.is_compressed() {
            return Err(Error::CompressionUnsupported {
                control: control.to_byte(),
            });
        }
        let suite = control.suite();
        let expected = suite.require_known()?;
        if cipher.key_len() != expected {
            return Err(Error::KeySize {
                suite: suite.id(),
                expected,
                found: cipher.key_len(),
            });
        }
        if self.aad_extension.is_some()
            && control.protection() != Protection::AuthenticatedEncrypted
        {
            return Err(Error::InvalidArgument {
                what: "the general-ciphering AAD extension applies to authenticated encryption only",
            });
        }
        Ok(())
    }

    fn authentication_key(&self) -> Result<&Key> {
        self.authentication_key.ok_or(Error::MissingKey {
            key: "authentication key",
        })
    }
}

/// Whether and how the tag of unprotected information was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagStatus {
    /// The tag was verified.
    Verified,
    /// A tag was present but not checked: no authentication key, and the policy allowed it
    /// (`SecurityPolicy::allow_unverified_tag`). The data may have been altered.
    NotVerified,
    /// The security control byte announces no tag (encryption only, or no protection).
    Absent,
}

/// Protects `data` in place as `params.control` asks and returns the tag when the A bit is set
/// (IEC 62056-5-3): encrypts it (E), computes the GMAC over it in clear (A only) or
/// both (A and E).
///
/// # Errors
/// [`Error::UnsupportedSuite`], [`Error::KeySize`] (key size does not fit the suite),
/// [`Error::CompressionUnsupported`], [`Error::MissingKey`] (A set, no authentication key),
/// [`Error::AadTooLong`], [`Error::InvalidArgument`] (AAD extension without A and E; data
/// beyond the GCM limits).
///
/// ```
/// use dlms::security::{seal_in_place, CipheringParams, Cipher, Key, Protection,
///                      SecurityControl, SecuritySuite, SystemTitle};
/// // Green Book suite-0 example: GET clock time, SC 0x30, IC 0x01234567.
/// let ek = Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
///                       0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]);
/// let ak = Key::aes128([0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
///                       0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]);
/// let title = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);
/// let mut data = [0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00];
/// let params = CipheringParams {
///     control: SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted),
///     system_title: &title,
///     invocation_counter: 0x0123_4567,
///     authentication_key: Some(&ak),
///     aad_extension: None,
/// };
/// let tag = seal_in_place(&Cipher::new(&ek), &params, &mut data)?.unwrap();
/// assert_eq!(data[..4], [0x41, 0x13, 0x12, 0xFF]);
/// assert_eq!(tag[..4], [0x7D, 0x82, 0x5C, 0x3B]);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn seal_in_place(
    cipher: &Cipher,
    params: &CipheringParams<'_>,
    data: &mut [u8],
) -> Result<Option<Tag>> {
    params.check(cipher)?;
    let iv = iv(params.system_title, params.invocation_counter);
    let sc = [params.control.to_byte()];
    match params.control.protection() {
        Protection::AuthenticatedEncrypted => {
            let ak = params.authentication_key()?;
            with_aad(params.control, ak, params.aad_extension, |aad| {
                cipher.encrypt_in_place(&iv, aad, data).map(Some)
            })
        }
        Protection::Authenticated => {
            let ak = params.authentication_key()?;
            Ok(Some(cipher.gmac(&iv, &[&sc, ak.as_bytes(), data])))
        }
        Protection::Encrypted => cipher.apply_keystream(&iv, data).map(|()| None),
        Protection::None => Ok(None),
    }
}

/// Unprotects `data` in place (decrypts it and/or verifies its tag) as `params.control` says
/// (IEC 62056-5-3). `tag` must be given exactly when the A bit is set.
///
/// With A and E set, the tag is verified before anything is decrypted; on a mismatch `data` is
/// left untouched.
///
/// # Errors
/// [`Error::TagMismatch`] (wrong EK or AK, altered data or tag), and the errors of
/// [`seal_in_place`]; [`Error::InvalidArgument`] when a tag is given without the A bit or
/// missing with it.
pub fn open_in_place(
    cipher: &Cipher,
    params: &CipheringParams<'_>,
    data: &mut [u8],
    tag: Option<&Tag>,
) -> Result<TagStatus> {
    params.check(cipher)?;
    let iv = iv(params.system_title, params.invocation_counter);
    let sc = [params.control.to_byte()];
    match (params.control.protection(), tag) {
        (Protection::AuthenticatedEncrypted, Some(tag)) => {
            let ak = params.authentication_key()?;
            with_aad(params.control, ak, params.aad_extension, |aad| {
                cipher.decrypt_in_place(&iv, aad, data, tag)
            })?;
            Ok(TagStatus::Verified)
        }
        (Protection::Authenticated, Some(tag)) => {
            let ak = params.authentication_key()?;
            cipher.verify_gmac(&iv, &[&sc, ak.as_bytes(), data], tag)?;
            Ok(TagStatus::Verified)
        }
        (Protection::Encrypted, None) => cipher
            .apply_keystream(&iv, data)
            .map(|()| TagStatus::Absent),
        (Protection::None, None) => Ok(TagStatus::Absent),
        (Protection::Authenticated | Protection::AuthenticatedEncrypted, None) => {
            Err(Error::InvalidArgument {
                what: "the security control byte announces a tag and none was given",
            })
        }
        (Protection::Encrypted | Protection::None, Some(_)) => Err(Error::InvalidArgument {
            what: "a tag was given and the security control byte announces none",
        }),
    }
}

/// Splits ciphered content (`SC ‖ IC ‖ information [‖ tag]`, what follows the length in every
/// ciphered APDU) into the header, the information (mutable, to unprotect in place) and the
/// tag, as the security control byte announces it.
///
/// # Errors
/// [`Error::Truncated`] when the content is shorter than the header (offset 0), or leaves less
/// than the 12-byte tag the security control byte announces after it (offset 5).
///
/// ```
/// use dlms::security::split_content;
/// let mut content = [0x30, 0x01, 0x23, 0x45, 0x67, 0xAA, 0xBB, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/// let (header, info, tag) = split_content(&mut content)?;
/// assert_eq!(header.invocation_counter, 0x0123_4567);
/// assert_eq!(info, &[0xAA, 0xBB]);
/// assert_eq!(tag.unwrap()[11], 11);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn split_content(
    content: &mut [u8],
) -> Result<(crate::wire::SecurityHeaderRepr, &mut [u8], Option<&Tag>)> {
    let header = crate::wire::SecurityHeaderRepr::parse(&SecurityHeader::new_unchecked(&*content))?;
    let body = content
        .get_mut(SECURITY_HEADER_LEN..)
        .ok_or(Error::Truncated {
            field: "security header",
            offset: 0,
            needed: SECURITY_HEADER_LEN,
        })?;
    let info_len = crate::apdu::information_len(header.control, body.len(), SECURITY_HEADER_LEN)?;
    let (info, tag) = body.split_at_mut(info_len.min(body.len()));
    Ok((header, info, <&Tag>::try_from(&*tag).ok()))
}
