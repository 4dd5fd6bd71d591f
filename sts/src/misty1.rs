//! EA11: the MISTY1 block cipher (RFC 2994), 8 rounds, 128-bit key, 64-bit block.
//!
//! STS uses it on the 64-bit data block written as 8 big-endian bytes, with the 16-byte decoder
//! key in natural byte order (IEC 62055-41:2018, EA11). No RustCrypto crate implements MISTY1;
//! this is our own implementation of the RFC 2994 description, checked against its test data.
//! The expanded key is zeroized on drop.

use zeroize::Zeroize;

/// A MISTY1 key schedule, ready to encrypt and decrypt blocks.
///
/// ```
/// use sts::misty1::Misty1;
/// // RFC 2994, appendix test data.
/// let key = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
///            0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
/// let m = Misty1::new(&key);
/// assert_eq!(m.encrypt(0x0123_4567_89ab_cdef), 0x8b1d_a5f5_6ab3_d07c);
/// assert_eq!(m.decrypt(0x8b1d_a5f5_6ab3_d07c), 0x0123_4567_89ab_cdef);
/// ```
#[derive(Clone)]
pub struct Misty1 {
    /// Per FO round r: KO1..KO4 then KI1..KI3.
    fo: [[u16; 7]; 8],
    /// Per FL index: KL1, KL2.
    fl: [[u16; 2]; 10],
}

impl core::fmt::Debug for Misty1 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Misty1 { .. }")
    }
}

impl Drop for Misty1 {
    fn drop(&mut self) {
        for r in &mut self.fo {
            r.zeroize();
        }
        for r in &mut self.fl {
            r.zeroize();
        }
    }
}

/// RFC 2994 2.3 function FI: a 16-bit mix of the S-boxes S9 and S7.
#[inline(always)]
fn fi(x: u16, k: u16) -> u16 {
    let d9 = s9(x >> 7) ^ (x & 0x7F);
    let d7 = (s7(x & 0x7F) ^ d9) & 0x7F;
    let d7 = d7 ^ (k >> 9);
    let d9 = s9((d9 ^ k) & 0x1FF) ^ d7;
    (d7 << 9) | d9
}

#[inline(always)]
fn s7(x: u16) -> u16 {
    // x < 128.
    u16::from(S7.get(usize::from(x)).copied().unwrap_or(0))
}

#[inline(always)]
fn s9(x: u16) -> u16 {
    // x < 512.
    S9.get(usize::from(x)).copied().unwrap_or(0)
}

impl Misty1 {
    /// Expands `key` (RFC 2994 2.2).
    #[must_use]
    #[allow(clippy::indexing_slicing)] // indices are `% 8` into 8-word arrays, or `r`, `m` < 8
    pub fn new(key: &[u8; 16]) -> Self {
        let mut k = [0u16; 8];
        for (w, pair) in k.iter_mut().zip(key.chunks_exact(2)) {
            if let [hi, lo] = *pair {
                *w = u16::from_be_bytes([hi, lo]);
            }
        }
        let mut kp = [0u16; 8];
        for i in 0..8 {
            kp[i] = fi(k[i], k[(i + 1) % 8]);
        }
        let mut fo = [[0u16; 7]; 8];
        for (r, sub) in fo.iter_mut().enumerate() {
            *sub = [
                k[r],
                k[(r + 2) % 8],
                k[(r + 7) % 8],
                k[(r + 4) % 8],
                kp[(r + 5) % 8],
                kp[(r + 1) % 8],
                kp[(r + 3) % 8],
            ];
        }
        let mut fl = [[0u16; 2]; 10];
        for (i, sub) in fl.iter_mut().enumerate() {
            let m = i / 2;
            *sub = if i % 2 == 0 {
                [k[m], kp[(m + 6) % 8]]
            } else {
                [kp[(m + 2) % 8], k[(m + 4) % 8]]
            };
        }
        k.zeroize();
        kp.zeroize();
        Self { fo, fl }
    }

    #[inline(always)]
    fn fo(&self, x: u32, r: usize) -> u32 {
        let [ko1, ko2, ko3, ko4, ki1, ki2, ki3] = self.fo.get(r).copied().unwrap_or_default();
        let mut t0 = (x >> 16) as u16;
        let mut t1 = x as u16;
        t0 = fi(t0 ^ ko1, ki1) ^ t1;
        t1 = fi(t1 ^ ko2, ki2) ^ t0;
        t0 = fi(t0 ^ ko3, ki3) ^ t1;
        t1 ^= ko4;
        (u32::from(t1) << 16) | u32::from(t0)
    }

    #[inline(always)]
    fn fl(&self, x: u32, i: usize) -> u32 {
        let [kl1, kl2] = self.fl.get(i).copied().unwrap_or_default();
        let mut d0 = (x >> 16) as u16;
        let mut d1 = x as u16;
        d1 ^= d0 & kl1;
        d0 ^= d1 | kl2;
        (u32::from(d0) << 16) | u32::from(d1)
    }

    #[inline(always)]
    fn fl_inv(&self, x: u32, i: usize) -> u32 {
        let [kl1, kl2] = self.fl.get(i).copied().unwrap_or_default();
        let mut d0 = (x >> 16) as u16;
        let mut d1 = x as u16;
        d0 ^= d1 | kl2;
        d1 ^= d0 & kl1;
        (u32::from(d0) << 16) | u32::from(d1)
    }

    /// Encrypts one block (the 8 bytes as a big-endian integer).
    #[must_use]
    pub fn encrypt(&self, block: u64) -> u64 {
        let mut d0 = (block >> 32) as u32;
        let mut d1 = block as u32;
        for r in (0..8).step_by(2) {
            d0 = self.fl(d0, r);
            d1 = self.fl(d1, r + 1);
            d1 ^= self.fo(d0, r);
            d0 ^= self.fo(d1, r + 1);
        }
        d0 = self.fl(d0, 8);
        d1 = self.fl(d1, 9);
        (u64::from(d1) << 32) | u64::from(d0)
    }

    /// Decrypts one block.
    #[must_use]
    pub fn decrypt(&self, block: u64) -> u64 {
        let mut d0 = block as u32;
        let mut d1 = (block >> 32) as u32;
        d0 = self.fl_inv(d0, 8);
        d1 = self.fl_inv(d1, 9);
        for r in (0..8).step_by(2).rev() {
            d0 ^= self.fo(d1, r + 1);
            d1 ^= self.fo(d0, r);
            d0 = self.fl_inv(d0, r);
            d1 = self.fl_inv(d1, r + 1);
        }
        (u64::from(d0) << 32) | u64::from(d1)
    }
}

// S-boxes S7 and S9 of RFC 2994 section 2.3 (values in decimal, as printed there).
const S7: [u8; 128] = [
    27, 50, 51, 90, 59, 16, 23, 84, 91, 26, 114, 115, 107, 44, 102, 73, 31, 36, 19, 108, 55, 46,
    63, 74, 93, 15, 64, 86, 37, 81, 28, 4, 11, 70, 32, 13, 123, 53, 68, 66, 43, 30, 65, 20, 75,
    121, 21, 111, 14, 85, 9, 54, 116, 12, 103, 83, 40, 10, 126, 56, 2, 7, 96, 41, 25, 18, 101, 47,
    48, 57, 8, 104, 95, 120, 42, 76, 100, 69, 117, 61, 89, 72, 3, 87, 124, 79, 98, 60, 29, 33, 94,
    39, 106, 112, 77, 58, 1, 109, 110, 99, 24, 119, 35, 5, 38, 118, 0, 49, 45, 122, 127, 97, 80,
    34, 17, 6, 71, 22, 82, 78, 113, 62, 105, 67, 52, 92, 88, 125,
];

const S9: [u16; 512] = [
    451, 203, 339, 415, 483, 233, 251, 53, 385, 185, 279, 491, 307, 9, 45, 211, 199, 330, 55, 126,
    235, 356, 403, 472, 163, 286, 85, 44, 29, 418, 355, 280, 331, 338, 466, 15, 43, 48, 314, 229,
    273, 312, 398, 99, 227, 200, 500, 27, 1, 157, 248, 416, 365, 499, 28, 326, 125, 209, 130, 490,
    387, 301, 244, 414, 467, 221, 482, 296, 480, 236, 89, 145, 17, 303, 38, 220, 176, 396, 271,
    503, 231, 364, 182, 249, 216, 337, 257, 332, 259, 184, 340, 299, 430, 23, 113, 12, 71, 88, 127,
    420, 308, 297, 132, 349, 413, 434, 419, 72, 124, 81, 458, 35, 317, 423, 357, 59, 66, 218, 402,
    206, 193, 107, 159, 497, 300, 388, 250, 406, 481, 361, 381, 49, 384, 266, 148, 474, 390, 318,
    284, 96, 373, 463, 103, 281, 101, 104, 153, 336, 8, 7, 380, 183, 36, 25, 222, 295, 219, 228,
    425, 82, 265, 144, 412, 449, 40, 435, 309, 362, 374, 223, 485, 392, 197, 366, 478, 433, 195,
    479, 54, 238, 494, 240, 147, 73, 154, 438, 105, 129, 293, 11, 94, 180, 329, 455, 372, 62, 315,
    439, 142, 454, 174, 16, 149, 495, 78, 242, 509, 133, 253, 246, 160, 367, 131, 138, 342, 155,
    316, 263, 359, 152, 464, 489, 3, 510, 189, 290, 137, 210, 399, 18, 51, 106, 322, 237, 368, 283,
    226, 335, 344, 305, 327, 93, 275, 461, 121, 353, 421, 377, 158, 436, 204, 34, 306, 26, 232, 4,
    391, 493, 407, 57, 447, 471, 39, 395, 198, 156, 208, 334, 108, 52, 498, 110, 202, 37, 186, 401,
    254, 19, 262, 47, 429, 370, 475, 192, 267, 470, 245, 492, 269, 118, 276, 427, 117, 268, 484,
    345, 84, 287, 75, 196, 446, 247, 41, 164, 14, 496, 119, 77, 378, 134, 139, 179, 369, 191, 270,
    260, 151, 347, 352, 360, 215, 187, 102, 462, 252, 146, 453, 111, 22, 74, 161, 313, 175, 241,
    400, 10, 426, 323, 379, 86, 397, 358, 212, 507, 333, 404, 410, 135, 504, 291, 167, 440, 321,
    60, 505, 320, 42, 341, 282, 417, 408, 213, 294, 431, 97, 302, 343, 476, 114, 394, 170, 150,
    277, 239, 69, 123, 141, 325, 83, 95, 376, 178, 46, 32, 469, 63, 457, 487, 428, 68, 56, 20, 177,
    363, 171, 181, 90, 386, 456, 468, 24, 375, 100, 207, 109, 256, 409, 304, 346, 5, 288, 443, 445,
    224, 79, 214, 319, 452, 298, 21, 6, 255, 411, 166, 67, 136, 80, 351, 488, 289, 115, 382, 188,
    194, 201, 371, 393, 501, 116, 460, 486, 424, 405, 31, 65, 13, 442, 50, 61, 465, 128, 168, 87,
    441, 354, 328, 217, 261, 98, 122, 33, 511, 274, 264, 448, 169, 285, 432, 422, 205, 243, 92,
    258, 91, 473, 324, 502, 173, 165, 58, 459, 310, 383, 70, 225, 30, 477, 230, 311, 506, 389, 140,
    143, 64, 437, 190, 120, 0, 172, 272, 350, 292, 2, 444, 162, 234, 112, 508, 278, 348, 76, 450,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: [u8; 16] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ];

    #[test]
    fn rfc2994_vectors() {
        // RFC 2994, "Appendix: Test data" (also KellyKinyama/nectar_sts_dart misty1_test.dart).
        let m = Misty1::new(&KEY);
        assert_eq!(m.encrypt(0x0123_4567_89ab_cdef), 0x8b1d_a5f5_6ab3_d07c);
        assert_eq!(m.encrypt(0xfedc_ba98_7654_3210), 0x04b6_8240_b13b_e95d);
        assert_eq!(m.decrypt(0x8b1d_a5f5_6ab3_d07c), 0x0123_4567_89ab_cdef);
        assert_eq!(m.decrypt(0x04b6_8240_b13b_e95d), 0xfedc_ba98_7654_3210);
    }

    #[test]
    fn sboxes_are_permutations() {
        let mut seen = [false; 512];
        for &v in &S9 {
            assert!(!seen[usize::from(v)]);
            seen[usize::from(v)] = true;
        }
        let mut seen = [false; 128];
        for &v in &S7 {
            assert!(!seen[usize::from(v)]);
            seen[usize::from(v)] = true;
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let m = Misty1::new(&KEY);
        assert_eq!(std::format!("{m:?}"), "Misty1 { .. }");
    }

    proptest! {
        #[test]
        fn round_trip(key in any::<[u8; 16]>(), block in any::<u64>()) {
            let m = Misty1::new(&key);
            prop_assert_eq!(m.decrypt(m.encrypt(block)), block);
        }
    }
}
