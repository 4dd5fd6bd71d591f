//! The fields of a ciphered APDU that the codecs carry and the security layer computes with:
//! key ids, the IV and the authentication tag (IEC 62056-5-3; Green Book 9.2.7.2).

use super::code_point;
use super::title::SystemTitle;

/// Length of the DLMS authentication tag: the GCM tag truncated to 96 bits.
pub const TAG_LEN: usize = 12;

/// Length of the AES-GCM IV: system title (8) ‖ invocation counter (4).
pub const IV_LEN: usize = 12;

/// A 12-byte authentication tag.
pub type Tag = [u8; TAG_LEN];

/// A 12-byte IV.
pub type Iv = [u8; IV_LEN];

/// The AES-GCM IV: the sender's system title ‖ the invocation counter, big-endian (IEC 62056-5-3).
///
/// ```
/// use dlms::security::{iv, SystemTitle};
/// let st = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);
/// assert_eq!(iv(&st, 0x0123_4567), [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E,
///                                   0x01, 0x23, 0x45, 0x67]);
/// ```
#[must_use]
pub fn iv(system_title: &SystemTitle, invocation_counter: u32) -> Iv {
    let mut iv = [0u8; IV_LEN];
    let (title, counter) = iv.split_at_mut(8);
    title.copy_from_slice(system_title.as_bytes());
    counter.copy_from_slice(&invocation_counter.to_be_bytes());
    iv
}

code_point! {
    /// A key id as used by the Security setup (class 64) method `key_transfer` and by
    /// general-ciphering identified keys (Green Book 4.4.7; Gurux.DLMS.Python `GlobalKeyType`).
    ///
    /// An open newtype: unknown ids round-trip.
    KeyId {
        /// Global unicast encryption key (GUEK), 0.
        GLOBAL_UNICAST_ENCRYPTION = 0 => "global-unicast-encryption-key",
        /// Global broadcast encryption key (GBEK), 1.
        GLOBAL_BROADCAST_ENCRYPTION = 1 => "global-broadcast-encryption-key",
        /// (Global) authentication key (GAK), 2.
        AUTHENTICATION = 2 => "authentication-key",
        /// Master key, the key encryption key (KEK), 3.
        MASTER = 3 => "master-key",
    }
}
