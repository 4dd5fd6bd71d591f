//! HDLC addresses (IEC 62056-46 6.4.2.2).
//!
//! Each address byte carries seven address bits in bits 7..1; bit 0 is the extension bit, set
//! on the last byte of the address. An address is 1, 2 or 4 bytes:
//!
//! | size | layout | used for |
//! |---|---|---|
//! | 1 | upper (7 bits) | client SAP; server with a logical device address only |
//! | 2 | upper (7 bits), lower (7 bits) | server: logical + physical device address |
//! | 4 | upper (14 bits), lower (14 bits) | server with addresses above 127 |
//!
//! The client address is always one byte; the server address is the upper HDLC address (logical
//! device) and optionally the lower HDLC address (physical device).

use core::fmt;

use crate::{Error, Result};

/// How many bytes an address takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressSize {
    /// One byte: upper address only, 7 bits.
    One = 1,
    /// Two bytes: upper and lower address, 7 bits each.
    Two = 2,
    /// Four bytes: upper and lower address, 14 bits each.
    Four = 4,
}

impl AddressSize {
    /// The number of bytes.
    #[must_use]
    pub const fn len(self) -> usize {
        self as usize
    }

    /// Always false: an address has at least one byte (provided for clippy's `len` convention).
    #[must_use]
    pub const fn is_empty(self) -> bool {
        false
    }

    /// The largest value of the upper and of the lower address in this size.
    #[must_use]
    pub const fn max_value(self) -> u16 {
        match self {
            AddressSize::One | AddressSize::Two => 0x7F,
            AddressSize::Four => 0x3FFF,
        }
    }

    /// The all-station (broadcast) value of an upper or lower address in this size.
    #[must_use]
    pub const fn all_station(self) -> u16 {
        self.max_value()
    }

    /// The "calling" physical address a server uses as source of event messages (0x7E / 0x3FFE).
    #[must_use]
    pub const fn calling(self) -> u16 {
        self.max_value() - 1
    }
}

/// An HDLC address: upper address, optional lower address, and the size on the wire.
///
/// Values are validated when an address is built, so every `Address` can be encoded.
///
/// ```
/// use dlms::hdlc::{Address, AddressSize};
/// // Server: logical device 1, physical device 17, 2-byte form (IEC 62056-46 address field).
/// let server = Address::server(1, Some(17))?;
/// assert_eq!(server.size(), AddressSize::Two);
/// assert_eq!(server.to_bytes().as_slice(), &[0x02, 0x23]);
/// // The same in the 4-byte form.
/// let wide = Address::with_size(1, Some(17), AddressSize::Four)?;
/// assert_eq!(wide.to_bytes().as_slice(), &[0x00, 0x02, 0x00, 0x23]);
/// // Public client (SAP 16).
/// assert_eq!(Address::client(16)?.to_bytes().as_slice(), &[0x21]);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address {
    upper: u16,
    lower: Option<u16>,
    size: AddressSize,
}

/// The bytes of an encoded address (at most 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBytes {
    bytes: [u8; 4],
    len: usize,
}

impl AddressBytes {
    /// The encoded bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl Address {
    /// Client address 0x00: no station.
    pub const NO_STATION: Address = Address::one(0x00);
    /// Client address 0x01: the client management process.
    pub const CLIENT_MANAGEMENT: Address = Address::one(0x01);
    /// Client address 0x10: the public client (lowest security).
    pub const PUBLIC_CLIENT: Address = Address::one(0x10);
    /// One-byte all-station (broadcast) address 0x7F.
    pub const ALL_STATION: Address = Address::one(0x7F);
    /// Server address of the management logical device (upper 1), one byte.
    pub const MANAGEMENT_LOGICAL_DEVICE: Address = Address::one(0x01);

    const fn one(upper: u16) -> Address {
        Address {
            upper,
            lower: None,
            size: AddressSize::One,
        }
    }

    /// Builds an address in the smallest size that holds the values.
    ///
    /// Without a lower address the size is 1 byte; with one it is 2 bytes when both values are
    /// below 128, else 4 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a value does not fit 14 bits, or an upper address above 127
    /// has no lower address.
    pub const fn new(upper: u16, lower: Option<u16>) -> Result<Address> {
        let size = match lower {
            None => AddressSize::One,
            Some(l) if upper <= 0x7F && l <= 0x7F => AddressSize::Two,
            Some(_) => AddressSize::Four,
        };
        Address::with_size(upper, lower, size)
    }

    /// Builds an address of the given size.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the lower address is absent for a 2- or 4-byte address,
    /// present for a 1-byte one, or a value is too large for the size.
    pub const fn with_size(upper: u16, lower: Option<u16>, size: AddressSize) -> Result<Address> {
        let max = size.max_value();
        let ok = match (size, lower) {
            (AddressSize::One, None) => upper <= max,
            (AddressSize::Two | AddressSize::Four, Some(l)) => upper <= max && l <= max,
            _ => false,
        };
        if ok {
            Ok(Address { upper, lower, size })
        } else {
            Err(Error::InvalidArgument {
                what: "HDLC address: value too large for its size, or lower address missing",
            })
        }
    }

    /// A client address (one byte, SAP 0..=127).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `sap` is above 127.
    pub const fn client(sap: u8) -> Result<Address> {
        Address::with_size(sap as u16, None, AddressSize::One)
    }

    /// A server address from its logical device address and optional physical device address,
    /// in the smallest size (see [`Address::new`]).
    ///
    /// # Errors
    /// As [`Address::new`].
    pub const fn server(logical: u16, physical: Option<u16>) -> Result<Address> {
        Address::new(logical, physical)
    }

    /// The upper HDLC address (client SAP, or server logical device address).
    #[must_use]
    pub const fn upper(&self) -> u16 {
        self.upper
    }

    /// The lower HDLC address (server physical device address), if present.
    #[must_use]
    pub const fn lower(&self) -> Option<u16> {
        self.lower
    }

    /// The size on the wire.
    #[must_use]
    pub const fn size(&self) -> AddressSize {
        self.size
    }

    /// The number of bytes on the wire.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.size.len()
    }

    /// Always false: an address has at least one byte (provided for clippy's `len` convention).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// True when the upper address is the all-station value.
    #[must_use]
    pub const fn is_all_station(&self) -> bool {
        self.upper == self.size.all_station()
    }

    /// True when the upper or the lower address is the all-station value (a broadcast).
    #[must_use]
    pub const fn is_broadcast(&self) -> bool {
        self.is_all_station() || matches!(self.lower, Some(l) if l == self.size.all_station())
    }

    /// True for the no-station address (upper 0, lower absent or 0).
    #[must_use]
    pub const fn is_no_station(&self) -> bool {
        self.upper == 0 && matches!(self.lower, None | Some(0))
    }

    /// Compares logical and physical parts, not bytes; a missing lower address matches any.
    ///
    /// Meters answer from a 4-byte address when addressed with 2 bytes, or without the physical
    /// address they were addressed with (Pietro Fiorentini gas meters, u9n/dlms-cosem #108).
    ///
    /// ```
    /// use dlms::hdlc::{Address, AddressSize};
    /// let asked = Address::server(1, Some(17))?;
    /// assert!(asked.matches(&Address::with_size(1, Some(17), AddressSize::Four)?));
    /// assert!(asked.matches(&Address::server(1, None)?));
    /// assert!(!asked.matches(&Address::server(1, Some(18))?));
    /// # Ok::<(), dlms::Error>(())
    /// ```
    #[must_use]
    pub const fn matches(&self, other: &Address) -> bool {
        if self.upper != other.upper {
            return false;
        }
        match (self.lower, other.lower) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// Encodes the address.
    #[must_use]
    pub const fn to_bytes(&self) -> AddressBytes {
        let u = self.upper;
        let l = match self.lower {
            Some(l) => l,
            None => 0,
        };
        let bytes = match self.size {
            AddressSize::One => [((u as u8) << 1) | 1, 0, 0, 0],
            AddressSize::Two => [(u as u8) << 1, ((l as u8) << 1) | 1, 0, 0],
            AddressSize::Four => [
                (((u >> 7) & 0x7F) as u8) << 1,
                ((u & 0x7F) as u8) << 1,
                (((l >> 7) & 0x7F) as u8) << 1,
                (((l & 0x7F) as u8) << 1) | 1,
            ],
        };
        AddressBytes {
            bytes,
            len: self.size.len(),
        }
    }

    /// Decodes an address at the start of `bytes`, returning it and its length (bytes after it
    /// are left alone).
    ///
    /// # Errors
    /// [`Error::Truncated`] when `bytes` ends before the byte with the extension bit,
    /// [`Error::AddressTooLong`] when the first four bytes have no extension bit,
    /// [`Error::BadAddressLength`] for a 3-byte address.
    pub fn parse_prefix(bytes: &[u8]) -> Result<(Address, usize)> {
        Address::decode(bytes, "address", 0)
    }

    /// Decodes an address that must fill `bytes` exactly (1, 2 or 4 bytes).
    ///
    /// # Errors
    /// As [`Address::parse_prefix`], and [`Error::TrailingBytes`] when bytes follow the one
    /// with the extension bit.
    pub fn parse(bytes: &[u8]) -> Result<Address> {
        let (address, used) = Address::parse_prefix(bytes)?;
        if used != bytes.len() {
            return Err(Error::TrailingBytes {
                field: "address",
                offset: used,
                count: bytes.len() - used,
            });
        }
        Ok(address)
    }

    /// [`Address::parse_prefix`] with the field name and offset used in errors.
    pub(crate) fn decode(
        bytes: &[u8],
        field: &'static str,
        offset: usize,
    ) -> Result<(Address, usize)> {
        let len = Address::scan_len(bytes, field, offset)?;
        Ok((Address::from_wire(bytes, len), len))
    }

    /// Decodes the first `len` bytes (1, 2 or 4, found by [`Address::scan_len`]); missing
    /// bytes read as zero.
    #[inline]
    pub(crate) fn from_wire(bytes: &[u8], len: usize) -> Address {
        let b = |i: usize| u16::from(bytes.get(i).copied().unwrap_or(0) >> 1);
        match len {
            1 => Address::one(b(0)),
            2 => Address {
                upper: b(0),
                lower: Some(b(1)),
                size: AddressSize::Two,
            },
            _ => Address {
                upper: (b(0) << 7) | b(1),
                lower: Some((b(2) << 7) | b(3)),
                size: AddressSize::Four,
            },
        }
    }

    /// The length of the address at the start of `bytes` (1, 2 or 4).
    #[inline]
    pub(crate) fn scan_len(bytes: &[u8], field: &'static str, offset: usize) -> Result<usize> {
        for (i, &byte) in bytes.iter().take(4).enumerate() {
            if byte & 1 == 1 {
                return match i + 1 {
                    3 => Err(Error::BadAddressLength {
                        field,
                        offset,
                        len: 3,
                    }),
                    len => Ok(len),
                };
            }
        }
        if bytes.len() >= 4 {
            Err(Error::AddressTooLong { field, offset })
        } else {
            Err(Error::Truncated {
                field,
                offset: offset + bytes.len(),
                needed: 1,
            })
        }
    }
}

impl fmt::Display for Address {
    /// `upper` or `upper/lower`, decimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lower {
            Some(l) => write!(f, "{}/{}", self.upper, l),
            None => write!(f, "{}", self.upper),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(a: Address, bytes: &[u8]) {
        assert_eq!(a.to_bytes().as_slice(), bytes, "{a:?}");
        assert_eq!(Address::parse_prefix(bytes), Ok((a, bytes.len())));
    }

    #[test]
    fn notes_examples() {
        // IEC 62056-46 address examples (computed, decoded by the Gurux translator); the 4-byte
        // 17/5481 address is the E650 address of jDLMS HdlcFrameTest::decode5 (HDLC-15).
        roundtrip(Address::client(16).unwrap(), &[0x21]);
        roundtrip(Address::client(1).unwrap(), &[0x03]);
        roundtrip(Address::server(1, None).unwrap(), &[0x03]);
        roundtrip(Address::server(1, Some(17)).unwrap(), &[0x02, 0x23]);
        roundtrip(
            Address::with_size(1, Some(17), AddressSize::Four).unwrap(),
            &[0x00, 0x02, 0x00, 0x23],
        );
        roundtrip(
            Address::server(17, Some(5481)).unwrap(),
            &[0x00, 0x22, 0x54, 0xD3],
        );
        // EPRI Green Book example (HDLC-17): CE FF = upper 0x67, lower 0x7F (all-station).
        let a = Address::server(0x67, Some(0x7F)).unwrap();
        roundtrip(a, &[0xCE, 0xFF]);
        assert!(a.is_broadcast());
        assert!(!a.is_all_station());
    }

    #[test]
    fn reserved_values() {
        assert!(Address::ALL_STATION.is_all_station());
        assert!(Address::NO_STATION.is_no_station());
        assert_eq!(Address::PUBLIC_CLIENT.to_bytes().as_slice(), &[0x21]);
        assert_eq!(AddressSize::Four.all_station(), 0x3FFF);
        assert_eq!(AddressSize::Two.calling(), 0x7E);
        assert_eq!(AddressSize::Four.calling(), 0x3FFE);
        let wide_all = Address::with_size(0x3FFF, Some(0x3FFF), AddressSize::Four).unwrap();
        assert!(wide_all.is_all_station());
        roundtrip(wide_all, &[0xFE, 0xFE, 0xFE, 0xFF]);
    }

    #[test]
    fn size_selection_and_limits() {
        assert_eq!(
            Address::new(5, Some(200)).unwrap().size(),
            AddressSize::Four
        );
        assert_eq!(
            Address::new(200, Some(5)).unwrap().size(),
            AddressSize::Four
        );
        assert!(Address::new(200, None).is_err());
        assert!(Address::client(128).is_err());
        assert!(Address::new(0x4000, Some(0)).is_err());
        assert!(Address::with_size(1, None, AddressSize::Two).is_err());
        assert!(Address::with_size(1, Some(1), AddressSize::One).is_err());
        assert!(Address::with_size(0x80, Some(1), AddressSize::Two).is_err());
    }

    #[test]
    fn matching() {
        let asked = Address::server(1, Some(17)).unwrap();
        assert!(asked.matches(&Address::with_size(1, Some(17), AddressSize::Four).unwrap()));
        assert!(asked.matches(&Address::server(1, None).unwrap()));
        assert!(!asked.matches(&Address::server(2, Some(17)).unwrap()));
        assert!(!asked.matches(&Address::server(1, Some(16)).unwrap()));
    }

    #[test]
    fn negative() {
        assert_eq!(
            Address::parse_prefix(&[0x02, 0x04, 0x07]),
            Err(Error::BadAddressLength {
                field: "address",
                offset: 0,
                len: 3
            })
        );
        assert_eq!(
            Address::parse_prefix(&[0x02, 0x04, 0x06, 0x08, 0x01]),
            Err(Error::AddressTooLong {
                field: "address",
                offset: 0
            })
        );
        assert_eq!(
            Address::parse_prefix(&[0x02, 0x04]),
            Err(Error::Truncated {
                field: "address",
                offset: 2,
                needed: 1
            })
        );
        assert!(Address::parse_prefix(&[]).is_err());
        // `parse` takes the whole input; `parse_prefix` leaves the rest.
        assert_eq!(
            Address::parse_prefix(&[0x21, 0x03]),
            Ok((Address::one(0x10), 1))
        );
        assert_eq!(
            Address::parse(&[0x21, 0x03]),
            Err(Error::TrailingBytes {
                field: "address",
                offset: 1,
                count: 1
            })
        );
        assert_eq!(Address::parse(&[0x02, 0x23]), Address::server(1, Some(17)));
    }

    #[test]
    fn display() {
        use std::string::ToString;
        assert_eq!(Address::server(1, Some(17)).unwrap().to_string(), "1/17");
        assert_eq!(Address::client(16).unwrap().to_string(), "16");
    }

    fn any_address() -> impl Strategy<Value = Address> {
        prop_oneof![
            (0u16..=0x7F).prop_map(|u| Address::with_size(u, None, AddressSize::One).unwrap()),
            (0u16..=0x7F, 0u16..=0x7F).prop_map(|(u, l)| Address::with_size(
                u,
                Some(l),
                AddressSize::Two
            )
            .unwrap()),
            (0u16..=0x3FFF, 0u16..=0x3FFF).prop_map(|(u, l)| Address::with_size(
                u,
                Some(l),
                AddressSize::Four
            )
            .unwrap()),
        ]
    }

    proptest! {
        #[test]
        fn parse_emit_roundtrip(a in any_address()) {
            let bytes = a.to_bytes();
            prop_assert_eq!(Address::parse_prefix(bytes.as_slice()), Ok((a, a.len())));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..6)) {
            if let Ok((a, n)) = Address::parse_prefix(&bytes) {
                let encoded = a.to_bytes();
                prop_assert_eq!(encoded.as_slice(), &bytes[..n]);
            }
        }
    }
}
