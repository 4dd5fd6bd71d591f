//! The information field of an FRMR (frame reject) response (ISO/IEC 13239, modulo 8).
//!
//! Three octets: the rejected control field; V(S), C/R and V(R); the reason bits W, X, Y, Z.
//! Public sources disagree on the bit order of the last two octets (jDLMS reads W as 0x80 and
//! reverses V(S)/V(R)); no meter capture with an FRMR information field is public. This module
//! follows ISO/IEC 13239 numbering, where the first transmitted bit is the least significant
//! one, the same convention as the control field: octet 2 is `V(R)<<5 | C/R<<4 | V(S)<<1`,
//! octet 3 is `W=0x01, X=0x02, Y=0x04, Z=0x08`. [`FrmrInfo::raw`] keeps the bytes.

use crate::{Error, Result};

/// A decoded FRMR information field.
///
/// ```
/// use dlms::hdlc::FrmrInfo;
/// let info = FrmrInfo::parse(&[0x2F, 0x64, 0x01])?;
/// assert_eq!(info.rejected_control, 0x2F);
/// assert_eq!((info.vs, info.vr, info.response), (2, 3, false));
/// assert!(info.w && !info.x && !info.y && !info.z);
/// assert_eq!(info.to_bytes(), [0x2F, 0x64, 0x01]);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FrmrInfo {
    /// The control field of the rejected frame.
    pub rejected_control: u8,
    /// V(S) of the station sending the FRMR.
    pub vs: u8,
    /// C/R: the rejected frame was a response (true) or a command (false).
    pub response: bool,
    /// V(R) of the station sending the FRMR.
    pub vr: u8,
    /// W: the control field is undefined or not implemented.
    pub w: bool,
    /// X: an information field came with a frame that does not permit one (set with W).
    pub x: bool,
    /// Y: the information field is longer than the receiver accepts.
    pub y: bool,
    /// Z: the received N(R) is invalid.
    pub z: bool,
}

impl FrmrInfo {
    /// Decodes the first three bytes of an FRMR information field.
    ///
    /// # Errors
    /// [`Error::Truncated`] when there are fewer than three bytes.
    pub fn parse(info: &[u8]) -> Result<FrmrInfo> {
        let Some(&[control, seq, reasons]) = info.first_chunk::<3>() else {
            return Err(Error::Truncated {
                field: "FRMR information field",
                offset: info.len(),
                needed: 3 - info.len(),
            });
        };
        Ok(FrmrInfo {
            rejected_control: control,
            vs: (seq >> 1) & 0x07,
            response: seq & 0x10 != 0,
            vr: seq >> 5,
            w: reasons & 0x01 != 0,
            x: reasons & 0x02 != 0,
            y: reasons & 0x04 != 0,
            z: reasons & 0x08 != 0,
        })
    }

    /// Encodes the three bytes (V(S) and V(R) taken modulo 8).
    #[must_use]
    pub const fn to_bytes(&self) -> [u8; 3] {
        let seq = ((self.vr & 0x07) << 5) | ((self.response as u8) << 4) | ((self.vs & 0x07) << 1);
        let reasons =
            (self.w as u8) | ((self.x as u8) << 1) | ((self.y as u8) << 2) | ((self.z as u8) << 3);
        [self.rejected_control, seq, reasons]
    }

    /// The three bytes as received or sent.
    #[must_use]
    pub const fn raw(&self) -> [u8; 3] {
        self.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_bits() {
        let i = FrmrInfo {
            rejected_control: 0x11,
            vs: 7,
            response: true,
            vr: 1,
            w: false,
            x: false,
            y: true,
            z: true,
        };
        assert_eq!(i.to_bytes(), [0x11, 0x3E, 0x0C]);
        assert_eq!(FrmrInfo::parse(&[0x11, 0x3E, 0x0C, 0xFF]), Ok(i));
    }

    #[test]
    fn negative() {
        assert_eq!(
            FrmrInfo::parse(&[0x11]),
            Err(Error::Truncated {
                field: "FRMR information field",
                offset: 1,
                needed: 2
            })
        );
    }

    proptest! {
        #[test]
        fn roundtrip(b in any::<[u8; 3]>()) {
            let mut canonical = b;
            canonical[1] &= 0xFE;
            canonical[2] &= 0x0F;
            let i = FrmrInfo::parse(&b).unwrap();
            prop_assert_eq!(i.to_bytes(), canonical);
            prop_assert_eq!(FrmrInfo::parse(&i.to_bytes()), Ok(i));
        }
    }
}
