//! Shared inputs for the criterion benches in `benches/` and the allocation tests in `tests/`.
//!
//! The inputs in `data/` are the benchmark inputs shared with our peer measurements (one hex
//! line each); they are compiled in, so a bench never depends on the working directory.

/// A 32-byte HDLC I-frame carrying a GET-Response-Normal (`hdlc/parse/32`).
pub const HDLC32_HEX: &str = include_str!("../data/hdlc32.hex");
/// The largest single HDLC I-frame, 2,049 bytes with flags (`hdlc/parse/2049`).
pub const HDLC_BIG_HEX: &str = include_str!("../data/hdlc_big.hex");
/// A 242-byte DataNotification (plaintext of a Landis+Gyr E450 push).
pub const NOTIF242_HEX: &str = include_str!("../data/notif242.hex");
/// A GET-Response-Normal carrying a 1,000-row profile-generic buffer (32,008 bytes).
pub const PROFILE1000_HEX: &str = include_str!("../data/profile1000.hex");
/// A 1,024-byte general-glo-ciphering APDU, Green Book suite-0 keys.
pub const GGLO1K_HEX: &str = include_str!("../data/gglo1k.hex");
/// The expected GET-Request-Normal for class 3, `1-0:1.8.0*255`, attribute 2.
pub const GETREQ_HEX: &str = include_str!("../data/getreq.hex");

/// Decodes a hex string (whitespace ignored).
///
/// # Panics
/// On a non-hex character or an odd number of digits: the inputs are compiled in, so this is a
/// bug in the data, not an input error.
#[must_use]
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => panic!("not a hex digit: {:?}", char::from(b)),
        })
        .collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_have_the_documented_sizes() {
        assert_eq!(hex(HDLC32_HEX).len(), 32);
        assert_eq!(hex(HDLC_BIG_HEX).len(), 2049);
        assert_eq!(hex(NOTIF242_HEX).len(), 242);
        assert_eq!(hex(PROFILE1000_HEX).len(), 32_008);
        assert_eq!(hex(GGLO1K_HEX).len(), 1024);
        assert_eq!(hex(GETREQ_HEX).len(), 13);
    }
}
