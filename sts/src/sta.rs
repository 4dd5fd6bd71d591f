//! EA07, the Standard Transfer Algorithm (STA) of IEC 62055-41 (6.5.3.2, Annex on EA07).
//!
//! A 64-bit block cipher with a 64-bit key: 16 rounds of a nibble substitution (one of two 4-bit
//! S-boxes per nibble, chosen by a key bit) followed by a bit permutation, the key register
//! rotating by one bit per round. The two S-boxes and the permutation are **parameters**
//! ([`StaTables`]): IEC 62055-41 publishes sample tables for tests ([`SAMPLE_TABLES`]); the
//! production tables are distributed by the STS Association to its members and are not part of
//! this crate.
//!
//! Definition (keys and blocks as unsigned integers, bit 0 = least significant):
//!
//! ```text
//! encrypt(K, D): k = ROR64(NOT K, 12)
//!     16 times: nibble i of D := (bit 4i+3 of k ? s1 : s0)[nibble i of D]   (i = 0..15)
//!               D := P(D), bit j of D moving to bit p[j];   k := ROL64(k, 1)
//! decrypt: the exact inverse.
//! ```
//!
//! The implementation is table-driven. A round works on bytes: one lookup substitutes both
//! nibbles of a byte (the two key bits select among four combinations) and one lookup places the
//! substituted byte's bits (the permutation as eight byte tables OR-ed together), so a round is 16
//! lookups and a block 256, with no bit loops. Decryption has the same shape (inverse tables,
//! rounds in reverse). The key schedule (the two selection bits per byte and round) is computed
//! once per key ([`StaKey`]). The derived tables take about 34 KiB per [`StaTables`]; build it
//! in a `static` (its constructor is a `const fn`) to keep it in flash.

use zeroize::Zeroize;

use crate::error::{Error, Result};

/// STA substitution and permutation tables, with the lookup tables derived from them.
///
/// ```
/// use sts::sta::{SAMPLE_TABLES, StaTables};
/// // Vector STA-01 (vendor script sts_token_recharge.py, IEC sample tables).
/// let c = SAMPLE_TABLES.encrypt(0x0ABC_12DE_F345_6789, 0x0B19_EB23_0100_C207);
/// assert_eq!(c, 0xC45E_D161_9406_DF95);
/// assert_eq!(SAMPLE_TABLES.decrypt(0x0ABC_12DE_F345_6789, c), 0x0B19_EB23_0100_C207);
///
/// // Production tables come from the user, e.g. from a file, or as a `static` in firmware:
/// static MY_TABLES: StaTables = match StaTables::new(
///     [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11],
///     [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5],
///     sts::sta::SAMPLE_P,
/// ) {
///     Ok(t) => t,
///     Err(_) => panic!("not a valid table set"),
/// };
/// assert_eq!(MY_TABLES.s0(), SAMPLE_TABLES.s0());
/// ```
#[derive(Clone)]
pub struct StaTables {
    s0: [u8; 16],
    s1: [u8; 16],
    p: [u8; 64],
    /// `enc_sub[b << 2 | c]`: byte `b` with its low nibble through S_(c & 1) and its high nibble
    /// through S_(c >> 1).
    enc_sub: [u8; 1024],
    /// `enc_perm[j][v]` = P(v << 8j).
    enc_perm: [[u64; 256]; 8],
    /// `dec_sub[b << 2 | c]`: as `enc_sub` with the inverse S-boxes.
    dec_sub: [u8; 1024],
    /// `dec_perm[j][v]` = P⁻¹(v << 8j).
    dec_perm: [[u64; 256]; 8],
}

impl core::fmt::Debug for StaTables {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaTables")
            .field("s0", &self.s0)
            .field("s1", &self.s1)
            .field("p", &self.p)
            .finish_non_exhaustive()
    }
}

impl PartialEq for StaTables {
    fn eq(&self, other: &Self) -> bool {
        // The derived tables are functions of these.
        self.s0 == other.s0 && self.s1 == other.s1 && self.p == other.p
    }
}

impl Eq for StaTables {}

/// The IEC 62055-41 sample substitution table used when the key bit is 0 (tests only).
pub const SAMPLE_S0: [u8; 16] = [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11];
/// The IEC 62055-41 sample substitution table used when the key bit is 1 (tests only).
pub const SAMPLE_S1: [u8; 16] = [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5];
/// The IEC 62055-41 sample permutation table: bit `j` moves to bit `SAMPLE_P[j]` (tests only).
pub const SAMPLE_P: [u8; 64] = [
    29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19,
    53, 22, 17, 48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43, 44,
    6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8,
];

/// The IEC 62055-41 **sample** tables — published for tests, not for production systems.
///
/// Sources: IEC 62055-41 sample tables as quoted by NectarAPI/tokens-service (commented-out
/// "Sample table"), the vendor script sts_token_recharge.py (`*_S`), which asserts vector STA-01.
#[allow(clippy::panic)] // evaluated at compile time; the sample tables are valid permutations.
pub static SAMPLE_TABLES: StaTables = match StaTables::new(SAMPLE_S0, SAMPLE_S1, SAMPLE_P) {
    Ok(t) => t,
    Err(_) => panic!("the sample tables are permutations"),
};

/// Checks that `t` holds each of `0..N` once; the first bad index and value otherwise.
#[allow(clippy::indexing_slicing)] // i < N; v is checked against N before it indexes `seen`
const fn check_permutation<const N: usize>(t: &[u8; N]) -> core::result::Result<(), (usize, u8)> {
    let mut seen = [false; N];
    let mut i = 0;
    while i < N {
        let v = t[i] as usize;
        if v >= N || seen[v] {
            return Err((i, t[i]));
        }
        seen[v] = true;
        i += 1;
    }
    Ok(())
}

#[allow(clippy::indexing_slicing)] // v < 16; `s` is a checked permutation of 0..16
const fn invert16(s: &[u8; 16]) -> [u8; 16] {
    let mut inv = [0u8; 16];
    let mut v = 0;
    while v < 16 {
        inv[s[v] as usize] = v as u8;
        v += 1;
    }
    inv
}

/// `[where bit t goes for t in 0..64]` as single-bit words: `P` (`inverse == false`) or `P⁻¹`.
#[allow(clippy::indexing_slicing)] // j < 64; `p` is a checked permutation of 0..64
const fn bit_images(p: &[u8; 64], inverse: bool) -> [u64; 64] {
    let mut img = [0u64; 64];
    let mut j = 0;
    while j < 64 {
        if inverse {
            img[p[j] as usize] = 1 << j;
        } else {
            img[j] = 1 << p[j];
        }
        j += 1;
    }
    img
}

/// The byte tables of a bit permutation given by its single-bit images.
#[allow(clippy::indexing_slicing)] // j < 8, v < 256, 8j + t < 64
const fn byte_tables(img: &[u64; 64]) -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut j = 0;
    while j < 8 {
        let mut v = 0;
        while v < 256 {
            let mut out = 0;
            let mut bit = 0;
            while bit < 8 {
                if (v >> bit) & 1 == 1 {
                    out |= img[8 * j + bit];
                }
                bit += 1;
            }
            t[j][v] = out;
            v += 1;
        }
        j += 1;
    }
    t
}

/// The byte substitution table for the S-box pair (`c` bit 0 selects the low nibble's box,
/// bit 1 the high nibble's).
#[allow(clippy::indexing_slicing)] // b < 256, c < 4, nibbles < 16
const fn byte_sub(s0: &[u8; 16], s1: &[u8; 16]) -> [u8; 1024] {
    let mut t = [0u8; 1024];
    let mut b = 0;
    while b < 256 {
        let mut c = 0;
        while c < 4 {
            let lo = if c & 1 == 0 { s0[b & 15] } else { s1[b & 15] };
            let hi = if c & 2 == 0 { s0[b >> 4] } else { s1[b >> 4] };
            t[(b << 2) | c] = (hi << 4) | lo;
            c += 1;
        }
        b += 1;
    }
    t
}

/// The first round key: `ROR64(NOT K, 12)`.
const fn first_round_key(key: u64) -> u64 {
    (!key).rotate_right(12)
}

impl StaTables {
    /// Tables from the two substitution tables (`s0` used when the key bit is 0, `s1` when it
    /// is 1; each maps a nibble to its substitute) and the permutation (`p[j]` = where bit `j`
    /// goes). The tables a vendor receives from the STS Association go here.
    ///
    /// # Errors
    /// [`Error::InvalidTables`] when a table is not a permutation.
    #[allow(clippy::indexing_slicing)] // every index is below the array length (loop bounds, nibbles)
    pub const fn new(s0: [u8; 16], s1: [u8; 16], p: [u8; 64]) -> Result<Self> {
        if let Err((index, value)) = check_permutation(&s0) {
            return Err(Error::InvalidTables {
                table: "s0",
                index,
                value,
            });
        }
        if let Err((index, value)) = check_permutation(&s1) {
            return Err(Error::InvalidTables {
                table: "s1",
                index,
                value,
            });
        }
        if let Err((index, value)) = check_permutation(&p) {
            return Err(Error::InvalidTables {
                table: "p",
                index,
                value,
            });
        }
        Ok(Self {
            s0,
            s1,
            p,
            enc_sub: byte_sub(&s0, &s1),
            enc_perm: byte_tables(&bit_images(&p, false)),
            dec_sub: byte_sub(&invert16(&s0), &invert16(&s1)),
            dec_perm: byte_tables(&bit_images(&p, true)),
        })
    }

    /// The substitution table used when the key bit is 0.
    #[must_use]
    pub const fn s0(&self) -> &[u8; 16] {
        &self.s0
    }

    /// The substitution table used when the key bit is 1.
    #[must_use]
    pub const fn s1(&self) -> &[u8; 16] {
        &self.s1
    }

    /// The permutation table (bit `j` moves to bit `p[j]`).
    #[must_use]
    pub const fn p(&self) -> &[u8; 64] {
        &self.p
    }

    /// Encrypts the 64-bit `block` under the 64-bit decoder `key` (canonical big-endian value).
    #[must_use]
    pub fn encrypt(&self, key: u64, block: u64) -> u64 {
        self.encrypt_with(&StaKey::new(key), block)
    }

    /// Decrypts the 64-bit `block` under the 64-bit decoder `key`.
    #[must_use]
    pub fn decrypt(&self, key: u64, block: u64) -> u64 {
        self.decrypt_with(&StaKey::new(key), block)
    }

    /// Encrypts with a prepared key schedule.
    #[must_use]
    pub fn encrypt_with(&self, key: &StaKey, block: u64) -> u64 {
        let mut d = block;
        for sel in &key.sel {
            d = sub_perm(&self.enc_sub, &self.enc_perm, d, sel);
        }
        d
    }

    /// Decrypts with a prepared key schedule: P⁻¹, then for rounds 15..=1 the inverse
    /// substitution followed by P⁻¹, then the inverse substitution of round 0.
    #[must_use]
    pub fn decrypt_with(&self, key: &StaKey, block: u64) -> u64 {
        let mut d = 0;
        for (j, t) in self.dec_perm.iter().enumerate() {
            d |= at(t, (block >> (8 * j)) as u8);
        }
        let (first, rest) = key.sel.split_first().unwrap_or((&[0; 8], &[]));
        for sel in rest.iter().rev() {
            d = sub_perm(&self.dec_sub, &self.dec_perm, d, sel);
        }
        let mut out = 0;
        for (j, &c) in first.iter().enumerate() {
            out |= u64::from(sub(&self.dec_sub, (d >> (8 * j)) as u8, c)) << (8 * j);
        }
        out
    }
}

/// `table[i]` (every u8 is an index of a 256-entry table).
#[inline(always)]
fn at(table: &[u64; 256], i: u8) -> u64 {
    table.get(usize::from(i)).copied().unwrap_or(0)
}

/// The byte substitution: `table[b << 2 | c]`.
#[inline(always)]
fn sub(table: &[u8; 1024], b: u8, c: u8) -> u8 {
    // (b << 2 | c & 3) < 1024.
    let i = (usize::from(b) << 2) | usize::from(c & 3);
    table.get(i).copied().unwrap_or(0)
}

/// One round: substitute each byte (selection bits `sel[j]`), then permute by byte tables.
#[inline(always)]
fn sub_perm(sub_t: &[u8; 1024], perm: &[[u64; 256]; 8], d: u64, sel: &[u8; 8]) -> u64 {
    let mut out = 0;
    for (j, (t, &c)) in perm.iter().zip(sel).enumerate() {
        out |= at(t, sub(sub_t, (d >> (8 * j)) as u8, c));
    }
    out
}

/// An EA07 key schedule: for each of the 16 rounds and each byte of the block, the two key bits
/// that select the S-boxes of its nibbles. Zeroized on drop.
#[derive(Clone)]
pub struct StaKey {
    sel: [[u8; 8]; 16],
}

impl StaKey {
    /// The schedule of the 64-bit decoder key `key` (canonical big-endian value).
    #[must_use]
    pub fn new(key: u64) -> Self {
        let mut k = first_round_key(key);
        let mut sel = [[0u8; 8]; 16];
        for round in &mut sel {
            // Byte j gets bit 8j+3 (low nibble) in bit 0 and bit 8j+7 (high nibble) in bit 1.
            let x = ((k >> 3) & 0x0101_0101_0101_0101) | ((k >> 6) & 0x0202_0202_0202_0202);
            *round = x.to_le_bytes();
            k = k.rotate_left(1);
        }
        k.zeroize();
        Self { sel }
    }
}

impl core::fmt::Debug for StaKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaKey { .. }")
    }
}

impl Drop for StaKey {
    fn drop(&mut self) {
        for r in &mut self.sel {
            r.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, bit by bit (the `convention` text of the shared table file).
    fn reference_encrypt(t: &StaTables, key: u64, block: u64) -> u64 {
        let mut k = (!key).rotate_right(12);
        let mut d = block;
        for _ in 0..16 {
            let mut s = 0;
            for i in 0..16 {
                let sel = (k >> (4 * i + 3)) & 1;
                let box_ = if sel == 0 { t.s0 } else { t.s1 };
                s |= u64::from(box_[((d >> (4 * i)) & 0xF) as usize]) << (4 * i);
            }
            let mut p = 0;
            for j in 0..64 {
                if (s >> j) & 1 == 1 {
                    p |= 1 << t.p[j];
                }
            }
            d = p;
            k = k.rotate_left(1);
        }
        d
    }

    #[test]
    fn sample_vector() {
        // Vector STA-01: sts_token_recharge.py (public vendor script) asserts
        // insert_class_bits(sta(0x0B19EB230100C207, key 0x0ABC12DEF3456789), 0) ==
        // 0x2C45ED1618406DF95 with the sample ("_S") tables.
        let t = &SAMPLE_TABLES;
        assert_eq!(
            t.encrypt(0x0ABC_12DE_F345_6789, 0x0B19_EB23_0100_C207),
            0xC45E_D161_9406_DF95
        );
        assert_eq!(
            t.decrypt(0x0ABC_12DE_F345_6789, 0xC45E_D161_9406_DF95),
            0x0B19_EB23_0100_C207
        );
        assert_eq!(
            reference_encrypt(t, 0x0ABC_12DE_F345_6789, 0x0B19_EB23_0100_C207),
            0xC45E_D161_9406_DF95
        );
    }

    #[test]
    fn sample_tables_are_the_published_ones() {
        // IEC 62055-41 sample tables (as quoted by NectarAPI/tokens-service): the S-boxes are
        // mutual inverses.
        assert_eq!(invert16(&SAMPLE_S0), SAMPLE_S1);
        assert_eq!(SAMPLE_TABLES.s0(), &SAMPLE_S0);
        assert_eq!(SAMPLE_TABLES.p(), &SAMPLE_P);
    }

    #[test]
    fn rejects_bad_tables() {
        let mut s = SAMPLE_S0;
        s[3] = s[4];
        assert_eq!(
            StaTables::new(s, SAMPLE_S1, SAMPLE_P).err(),
            Some(Error::InvalidTables {
                table: "s0",
                index: 4,
                value: s[4]
            })
        );
        let mut s = SAMPLE_S1;
        s[0] = 16;
        assert!(matches!(
            StaTables::new(SAMPLE_S0, s, SAMPLE_P),
            Err(Error::InvalidTables { table: "s1", .. })
        ));
        let mut p = SAMPLE_P;
        p[63] = 64;
        assert!(matches!(
            StaTables::new(SAMPLE_S0, SAMPLE_S1, p),
            Err(Error::InvalidTables { table: "p", .. })
        ));
    }

    fn shuffled<const N: usize>(seed: u64) -> [u8; N] {
        let mut t = [0u8; N];
        for (i, v) in t.iter_mut().enumerate() {
            *v = i as u8;
        }
        let mut x = seed | 1;
        for i in (1..N).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t.swap(i, (x % (i as u64 + 1)) as usize);
        }
        t
    }

    proptest! {
        #[test]
        fn matches_reference_and_inverts(key in any::<u64>(), block in any::<u64>(), seed in any::<u64>()) {
            // Arbitrary (non-sample) tables: the fast path must follow the definition.
            let t = StaTables::new(shuffled(seed), shuffled(seed.rotate_left(7)), shuffled(seed.rotate_left(19))).unwrap();
            let c = t.encrypt(key, block);
            prop_assert_eq!(c, reference_encrypt(&t, key, block));
            prop_assert_eq!(t.decrypt(key, c), block);
            let c = SAMPLE_TABLES.encrypt(key, block);
            prop_assert_eq!(SAMPLE_TABLES.decrypt(key, c), block);
        }
    }
}
