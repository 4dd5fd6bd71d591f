//! HCS and FCS: CRC-16/X.25 (ISO/IEC 13239, as used by IEC 62056-46).
//!
//! Polynomial 0x1021 processed reflected, initial value 0xFFFF, final XOR 0xFFFF; the check
//! sequence is transmitted low byte first. The table-driven implementation of the `crc` crate
//! with sixteen 256-entry tables (slice-by-16, 8 KiB of read-only data) does the work.
//!
//! A CRC run over data followed by its own check sequence always ends on the same value
//! ([`GOOD_CHECK`]); frame parsing uses that to verify the HCS and the FCS in one pass over the
//! frame, continuing the header digest into the information field.

use crc::{CRC_16_IBM_SDLC, Crc, Digest, Table};

/// The CRC engine: CRC-16/X.25 (alias CRC-16/IBM-SDLC), slice-by-16 tables built at compile time.
static X25: Crc<u16, Table<16>> = Crc::<u16, Table<16>>::new(&CRC_16_IBM_SDLC);

/// What [`fcs`] returns over any bytes followed by their correct check sequence (low byte first).
///
/// This is the "good FCS" residue 0xF0B8 of ISO/IEC 13239 after the final XOR.
pub const GOOD_CHECK: u16 = 0xF0B8 ^ 0xFFFF;

/// Computes the HCS/FCS of `bytes` (ISO/IEC 13239 16-bit FCS).
///
/// The value goes on the wire low byte first (`u16::to_le_bytes`).
///
/// ```
/// // u9n/dlms-cosem tests/test_hdlc/test_hdlc.py::TestCrc: 03 3F -> 5B EC on the wire.
/// assert_eq!(dlms::hdlc::fcs(&[0x03, 0x3F]).to_le_bytes(), [0x5B, 0xEC]);
/// assert_eq!(dlms::hdlc::fcs(b"123456789"), 0x906E);
/// ```
#[must_use]
pub fn fcs(bytes: &[u8]) -> u16 {
    X25.checksum(bytes)
}

/// Checks bytes that end with their own check sequence (low byte first).
///
/// ```
/// assert!(dlms::hdlc::fcs_ok(&[0x03, 0x3F, 0x5B, 0xEC]));
/// assert!(!dlms::hdlc::fcs_ok(&[0x03, 0x3F, 0x5B, 0xED]));
/// ```
#[must_use]
pub fn fcs_ok(bytes_with_check: &[u8]) -> bool {
    bytes_with_check.len() >= 2 && X25.checksum(bytes_with_check) == GOOD_CHECK
}

/// A running CRC-16/X.25 computation.
pub(crate) fn digest() -> Digest<'static, u16, Table<16>> {
    X25.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The CRC-16/X.25 catalogue check value ("123456789" -> 0x906E); IEC 62056-46 HCS/FCS.
        assert_eq!(fcs(b"123456789"), 0x906E);
    }

    #[test]
    fn u9n_vector() {
        // u9n/dlms-cosem @c52e9d4 tests/test_hdlc/test_hdlc.py::TestCrc (HDLC-10): 03 3F -> 5B EC.
        assert_eq!(fcs(&[0x03, 0x3F]), 0xEC5B);
        assert!(fcs_ok(&[0x03, 0x3F, 0x5B, 0xEC]));
    }

    #[test]
    fn jdlms_fcs_vector() {
        // jDLMS FcsCalcTest / EPRI PUT_SNRM (HDLC-02): "A00A000200232193" -> FCS bytes 18 71.
        let body = [0xA0, 0x0A, 0x00, 0x02, 0x00, 0x23, 0x21, 0x93];
        assert_eq!(fcs(&body).to_le_bytes(), [0x18, 0x71]);
    }

    #[test]
    fn residue_holds_for_any_data() {
        let data: [u8; 40] = core::array::from_fn(|i| (i * 37 + 11) as u8);
        for len in 0..data.len() {
            let mut buf = [0u8; 42];
            buf[..len].copy_from_slice(&data[..len]);
            let c = fcs(&data[..len]).to_le_bytes();
            buf[len..len + 2].copy_from_slice(&c);
            assert!(fcs_ok(&buf[..len + 2]), "len {len}");
            buf[0] ^= 1;
            assert!(!fcs_ok(&buf[..len + 2]), "len {len}");
        }
        assert!(!fcs_ok(&[0x7E]));
    }

    #[test]
    fn digest_continues() {
        let mut d = digest();
        d.update(b"1234");
        d.update(b"56789");
        assert_eq!(d.finalize(), 0x906E);
    }
}
