//! System titles (Green Book 4.3.6; IEC 62056-5-3): 8 bytes, the first 3 the manufacturer's
//! FLAG id.

use core::fmt;

use crate::{Error, Result};

/// Length of a system title.
pub const SYSTEM_TITLE_LEN: usize = 8;

/// An 8-byte system title: the first three bytes are the manufacturer's FLAG id in ASCII
/// (`MMM`, `KFM`, `LGZ`, ...), the other five are manufacturer specific (usually the serial).
///
/// The sender's title is the first half of every AES-GCM IV, so each side must know the
/// other's: the client sends its title in the AARQ calling-AP-title, the server in the AARE
/// responding-AP-title; general-glo/ded-ciphering carry the sender's title in the APDU.
///
/// ```
/// use dlms::security::SystemTitle;
/// let st = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);
/// assert_eq!(st.manufacturer(), Some("MMM"));
/// assert_eq!(st.to_string(), "MMM 0000BC614E");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SystemTitle([u8; SYSTEM_TITLE_LEN]);

impl SystemTitle {
    /// A system title from its bytes.
    #[must_use]
    pub const fn new(bytes: [u8; SYSTEM_TITLE_LEN]) -> Self {
        Self(bytes)
    }

    /// A system title from a slice as found in an APDU.
    ///
    /// # Errors
    /// [`Error::SystemTitleLength`] when the slice is not 8 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        <[u8; SYSTEM_TITLE_LEN]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::SystemTitleLength { len: bytes.len() })
    }

    /// The bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; SYSTEM_TITLE_LEN] {
        self.0
    }

    /// The bytes, borrowed.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; SYSTEM_TITLE_LEN] {
        &self.0
    }

    /// The three-letter manufacturer id, when the first three bytes are ASCII capitals.
    #[must_use]
    pub fn manufacturer(&self) -> Option<&str> {
        let id = self.0.first_chunk::<3>()?;
        if id.iter().all(u8::is_ascii_uppercase) {
            core::str::from_utf8(id).ok()
        } else {
            None
        }
    }
}

impl From<[u8; SYSTEM_TITLE_LEN]> for SystemTitle {
    fn from(bytes: [u8; SYSTEM_TITLE_LEN]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for SystemTitle {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for SystemTitle {
    /// `MMM 0000BC614E` when the first three bytes are a manufacturer id, else 16 hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rest = match (self.manufacturer(), self.0.split_first_chunk::<3>()) {
            (Some(id), Some((_, rest))) => {
                write!(f, "{id} ")?;
                rest
            }
            _ => self.0.as_slice(),
        };
        rest.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

impl fmt::Debug for SystemTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SystemTitle({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_and_manufacturer() {
        let st = SystemTitle::new([0x4D, 0x4D, 0x4D, 0, 0, 0xBC, 0x61, 0x4E]);
        assert_eq!(st.to_string(), "MMM 0000BC614E");
        let raw = SystemTitle::new([0x2F, 0x19, 0x22, 0x91, 0x99, 0x16, 0x41, 0x03]);
        assert_eq!(raw.manufacturer(), None);
        assert_eq!(raw.to_string(), "2F19229199164103");
        assert_eq!(std::format!("{raw:?}"), "SystemTitle(2F19229199164103)");
    }

    #[test]
    fn from_slice() {
        assert_eq!(
            SystemTitle::from_slice(&[1, 2, 3]),
            Err(Error::SystemTitleLength { len: 3 })
        );
        assert_eq!(SystemTitle::from_slice(&[1; 8]).unwrap().to_bytes(), [1; 8]);
    }
}
