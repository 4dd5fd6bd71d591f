//! AES-GCM with 96-bit IVs and 12-byte tags, GMAC and the tag-less CTR mode, in place, on
//! RustCrypto `aes-gcm`, `aes`, `ghash` and `ctr` (NIST SP 800-38D; IEC 62056-5-3 suites 0-2).
//!
//! Nothing here knows DLMS framing: [`super::seal_in_place`] and [`super::open_in_place`] build
//! the IV and the additional authenticated data from the security header and call this.

use aes::cipher::{BlockCipherEncrypt, InnerIvInit, KeyInit, StreamCipherCore};
use aes::{Aes128, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::U12;
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;

use super::keys::Key;
use crate::wire::{IV_LEN, Iv, TAG_LEN, Tag};
use crate::{Error, Result};

type Gcm128 = AesGcm<Aes128, U12, U12>;
type Gcm256 = AesGcm<Aes256, U12, U12>;
type Block = Array<u8, aes_gcm::aead::consts::U16>;

// No `Box` without `alloc`; a `Cipher` is built once per key, so the size difference is moot.
#[allow(clippy::large_enum_variant)]
enum Engine {
    Aes128 {
        gcm: Gcm128,
        aes: Aes128,
        ghash: GHash,
    },
    Aes256 {
        gcm: Gcm256,
        aes: Aes256,
        ghash: GHash,
    },
}

/// An AES key prepared for GCM, GMAC and CTR: the expanded AES key schedule and the GHASH key,
/// built once per key and reused for every APDU.
///
/// The key schedules are wiped on drop (the RustCrypto `zeroize` features are enabled).
/// `Debug` prints the key size only.
pub struct Cipher {
    engine: Engine,
}

impl core::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Cipher(AES-{}-GCM)", self.key_len() * 8)
    }
}

fn ghash_for<A: BlockCipherEncrypt<BlockSize = aes_gcm::aead::consts::U16>>(aes: &A) -> GHash {
    let mut h = Block::default();
    aes.encrypt_block(&mut h);
    let ghash = GHash::new(&h);
    zeroize::Zeroize::zeroize(h.as_mut_slice());
    ghash
}

/// J0 + `counter` for a 96-bit IV (NIST SP 800-38D 7.1): IV ‖ counter (32-bit, big-endian).
fn counter_block(iv: &Iv, counter: u32) -> Block {
    let mut block = Block::default();
    let (head, tail) = block.as_mut_slice().split_at_mut(IV_LEN);
    head.copy_from_slice(iv);
    tail.copy_from_slice(&counter.to_be_bytes());
    block
}

fn truncate(full: &[u8]) -> Tag {
    let mut tag = [0u8; TAG_LEN];
    if let Some(head) = full.get(..TAG_LEN) {
        tag.copy_from_slice(head);
    }
    tag
}

/// GHASH over a sequence of byte strings treated as one AAD (zero-padded once at the end), as
/// GMAC needs when the AAD is `SC ‖ AK ‖ information` and the pieces are not contiguous.
struct GhashStream {
    ghash: GHash,
    partial: Block,
    filled: usize,
    total: u64,
}

impl GhashStream {
    fn new(ghash: GHash) -> Self {
        Self {
            ghash,
            partial: Block::default(),
            filled: 0,
            total: 0,
        }
    }

    fn feed(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let take = (16 - self.filled).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.partial.get_mut(self.filled..self.filled + take) {
                dst.copy_from_slice(head);
            }
            self.filled += take;
            data = rest;
            if self.filled < 16 {
                return;
            }
            self.ghash.update(core::slice::from_ref(&self.partial));
            self.filled = 0;
        }
        let (blocks, rest) = Block::slice_as_chunks(data);
        self.ghash.update(blocks);
        if let Some(dst) = self.partial.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        self.filled = rest.len();
    }

    /// GHASH(A ‖ pad ‖ len(A) ‖ len(C) = 0).
    fn finish(mut self) -> Block {
        if self.filled > 0 {
            if let Some(pad) = self.partial.get_mut(self.filled..) {
                pad.fill(0);
            }
            self.ghash.update(core::slice::from_ref(&self.partial));
        }
        let mut lengths = Block::default();
        if let Some(a) = lengths.get_mut(..8) {
            a.copy_from_slice(&self.total.wrapping_mul(8).to_be_bytes());
        }
        self.ghash.update(core::slice::from_ref(&lengths));
        self.ghash.finalize()
    }
}

impl Cipher {
    /// Prepares `key` (16 bytes: AES-128, 32 bytes: AES-256).
    #[must_use]
    pub fn new(key: &Key) -> Self {
        let raw = key.raw();
        let engine = if key.len() == 32 {
            let mut k32 = Array::from(*raw);
            let aes = Aes256::new(&k32);
            zeroize::Zeroize::zeroize(k32.as_mut_slice());
            Engine::Aes256 {
                gcm: Gcm256::from(aes.clone()),
                ghash: ghash_for(&aes),
                aes,
            }
        } else {
            let mut k16 = Array::default();
            k16.iter_mut().zip(raw.iter()).for_each(|(d, s)| *d = *s);
            let aes = Aes128::new(&k16);
            zeroize::Zeroize::zeroize(k16.as_mut_slice());
            Engine::Aes128 {
                gcm: Gcm128::from(aes.clone()),
                ghash: ghash_for(&aes),
                aes,
            }
        };
        Self { engine }
    }

    /// The key size in bytes: 16 or 32.
    #[must_use]
    pub const fn key_len(&self) -> usize {
        match self.engine {
            Engine::Aes128 { .. } => 16,
            Engine::Aes256 { .. } => 32,
        }
    }

    /// AES-GCM encryption in place; returns the tag truncated to 12 bytes (SP 800-38D 7.1).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `data` or `aad` exceed the GCM limits (2^36 - 32 bytes of
    /// data, 2^61 - 1 of AAD).
    pub fn encrypt_in_place(&self, iv: &Iv, aad: &[u8], data: &mut [u8]) -> Result<Tag> {
        let nonce = Array::from(*iv);
        let tag = match &self.engine {
            Engine::Aes128 { gcm, .. } => gcm.encrypt_inout_detached(&nonce, aad, data.into()),
            Engine::Aes256 { gcm, .. } => gcm.encrypt_inout_detached(&nonce, aad, data.into()),
        }
        .map_err(|_| Error::InvalidArgument {
            what: "data too long for AES-GCM",
        })?;
        Ok(truncate(&tag))
    }

    /// AES-GCM decryption in place after the tag is verified (constant-time, by `aes-gcm`);
    /// on a mismatch `data` is left as it was (SP 800-38D 7.2).
    ///
    /// # Errors
    /// [`Error::TagMismatch`] when the tag does not verify (or the lengths exceed the GCM limits).
    pub fn decrypt_in_place(&self, iv: &Iv, aad: &[u8], data: &mut [u8], tag: &Tag) -> Result<()> {
        let nonce = Array::from(*iv);
        let tag = Array::from(*tag);
        match &self.engine {
            Engine::Aes128 { gcm, .. } => {
                gcm.decrypt_inout_detached(&nonce, aad, data.into(), &tag)
            }
            Engine::Aes256 { gcm, .. } => {
                gcm.decrypt_inout_detached(&nonce, aad, data.into(), &tag)
            }
        }
        .map_err(|_| Error::TagMismatch)
    }

    /// The GCM keystream applied to `data` without a tag: AES-CTR from the counter block
    /// IV ‖ 00000002, byte-identical to the GCM ciphertext (encryption-only APDUs, IEC 62056-5-3).
    /// Encrypts and decrypts alike.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `data` is longer than the 32-bit counter can cover.
    pub fn apply_keystream(&self, iv: &Iv, data: &mut [u8]) -> Result<()> {
        let start = counter_block(iv, 2);
        let result = match &self.engine {
            Engine::Aes128 { aes, .. } => {
                ctr::CtrCore::<&Aes128, ctr::flavors::Ctr32BE>::inner_iv_init(aes, &start)
                    .try_apply_keystream_partial(data.into())
            }
            Engine::Aes256 { aes, .. } => {
                ctr::CtrCore::<&Aes256, ctr::flavors::Ctr32BE>::inner_iv_init(aes, &start)
                    .try_apply_keystream_partial(data.into())
            }
        };
        result.map_err(|_| Error::InvalidArgument {
            what: "data too long for AES-CTR",
        })
    }

    /// GMAC: the GCM tag of an empty plaintext with the concatenation of `aad` as additional
    /// data (SP 800-38D 3: GMAC), truncated to 12 bytes. The pieces need not be contiguous.
    #[must_use]
    pub fn gmac(&self, iv: &Iv, aad: &[&[u8]]) -> Tag {
        let (ghash, mut mask) = match &self.engine {
            Engine::Aes128 { aes, ghash, .. } => {
                let mut j0 = counter_block(iv, 1);
                aes.encrypt_block(&mut j0);
                (ghash.clone(), j0)
            }
            Engine::Aes256 { aes, ghash, .. } => {
                let mut j0 = counter_block(iv, 1);
                aes.encrypt_block(&mut j0);
                (ghash.clone(), j0)
            }
        };
        let mut stream = GhashStream::new(ghash);
        for piece in aad {
            stream.feed(piece);
        }
        let s = stream.finish();
        for (m, x) in mask.iter_mut().zip(s.iter()) {
            *m ^= *x;
        }
        truncate(&mask)
    }

    /// Checks a GMAC tag in constant time.
    ///
    /// # Errors
    /// [`Error::TagMismatch`] when it does not match.
    pub fn verify_gmac(&self, iv: &Iv, aad: &[&[u8]], tag: &Tag) -> Result<()> {
        if bool::from(self.gmac(iv, aad).ct_eq(tag)) {
            Ok(())
        } else {
            Err(Error::TagMismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        let s: std::string::String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn iv(s: &str) -> Iv {
        hex(s).try_into().unwrap()
    }

    #[test]
    fn gmac_equals_gcm_of_empty_plaintext() {
        // Any split of the AAD gives the tag of the contiguous AAD through `aes-gcm`.
        let cipher = Cipher::new(&Key::aes128([7; 16]));
        let aad: Vec<u8> = (0..70u8).collect();
        let iv = [3u8; 12];
        let reference = cipher.encrypt_in_place(&iv, &aad, &mut []).unwrap();
        for split in [0, 1, 15, 16, 17, 33, 69, 70] {
            let (a, b) = aad.split_at(split);
            for split2 in [0, b.len() / 2, b.len()] {
                let (b1, b2) = b.split_at(split2);
                assert_eq!(
                    cipher.gmac(&iv, &[a, b1, b2]),
                    reference,
                    "{split} {split2}"
                );
            }
        }
        let cipher = Cipher::new(&Key::aes256([9; 32]));
        let reference = cipher.encrypt_in_place(&iv, &aad, &mut []).unwrap();
        assert_eq!(cipher.gmac(&iv, &[&aad[..5], &aad[5..]]), reference);
    }

    #[test]
    fn ctr_equals_gcm_ciphertext() {
        for key in [Key::aes128([1; 16]), Key::aes256([2; 32])] {
            let cipher = Cipher::new(&key);
            let iv = [5u8; 12];
            let plain: Vec<u8> = (0..100u8).collect();
            let mut gcm = plain.clone();
            cipher.encrypt_in_place(&iv, b"aad", &mut gcm).unwrap();
            let mut ctr = plain.clone();
            cipher.apply_keystream(&iv, &mut ctr).unwrap();
            assert_eq!(gcm, ctr);
            cipher.apply_keystream(&iv, &mut ctr).unwrap();
            assert_eq!(ctr, plain);
        }
    }

    // NIST GCM known answers: "The Galois/Counter Mode of Operation (GCM)", McGrew and Viega,
    // the specification NIST SP 800-38D refers to, test cases 3 and 4 (AES-128) and 15 and 16
    // (AES-256); tags truncated to 96 bits as SP 800-38D 5.2.1.2 defines (MSB_96).
    const P60: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                       1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    const A20: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
    const K128: &str = "feffe9928665731c6d6a8f9467308308";
    const K256: &str = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    const IV_TC: &str = "cafebabefacedbaddecaf888";

    fn known_answer(key: &str, iv_hex: &str, aad: &str, plain: &str, cipher_hex: &str, tag: &str) {
        let cipher = Cipher::new(&Key::from_slice(&hex(key)).unwrap());
        let iv = iv(iv_hex);
        let mut data = hex(plain);
        let t = cipher.encrypt_in_place(&iv, &hex(aad), &mut data).unwrap();
        assert_eq!(data, hex(cipher_hex));
        assert_eq!(t[..], hex(tag)[..12]);
        cipher
            .decrypt_in_place(&iv, &hex(aad), &mut data, &t)
            .unwrap();
        assert_eq!(data, hex(plain));
        let mut flipped = t;
        flipped[11] ^= 1;
        let mut ct = hex(cipher_hex);
        assert_eq!(
            cipher.decrypt_in_place(&iv, &hex(aad), &mut ct, &flipped),
            Err(Error::TagMismatch)
        );
        assert_eq!(ct, hex(cipher_hex), "data untouched on a tag mismatch");
    }

    #[test]
    fn nist_gcm_aes128_test_case_3() {
        known_answer(
            K128,
            IV_TC,
            "",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4",
        );
    }

    #[test]
    fn nist_gcm_aes128_test_case_4() {
        known_answer(
            K128,
            IV_TC,
            A20,
            P60,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        );
    }

    #[test]
    fn nist_gcm_aes256_test_case_15() {
        known_answer(
            K256,
            IV_TC,
            "",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c",
        );
    }

    #[test]
    fn nist_gcm_aes256_test_case_16() {
        known_answer(
            K256,
            IV_TC,
            A20,
            P60,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        );
    }

    // NIST CAVP gcmEncryptExtIV128.rsp, [Keylen = 128] [IVlen = 96] [PTlen = 128] [Taglen = 96]:
    // a 96-bit tag computed by NIST's tool, not by truncating one of ours.
    #[test]
    fn nist_cavp_aes128_96_bit_tag() {
        // [AADlen = 0] Count = 0
        known_answer(
            "f00fdd018c02e03576008b516ea971ad",
            "3b3e276f9e98b1ecb7ce6d28",
            "",
            "2853e66b7b1b3e1fa3d1f37279ac82be",
            "55d2da7a3fb773b8a073db499e24bf62",
            "cba06bb4f6e097199250b0d1",
        );
        // [AADlen = 160]
        known_answer(
            "70fb02388301f16c4193b0fc70683f3f",
            "aec612be7c1ddb659a4b315c",
            "3859b3c9d0b42d45c43e8ebd4c8cbde1b6eb2106",
            "68e6bc0b08b8adbdc00005ae44723c8e",
            "a7c52a23b09062a1fb77d47ff83a114f",
            "79f91fa572220432ee3a6495",
        );
    }

    // GMAC of nothing = the GCM tag of test cases 1 (AES-128) and 13 (AES-256) of the GCM
    // specification: zero key, zero IV, no AAD, no plaintext. The AAD path of GMAC is checked
    // against `aes-gcm` above and against the Green Book HLS-GMAC vectors (tests/security_vectors.rs).
    #[test]
    fn gcm_spec_test_cases_1_and_13_empty() {
        // Test case 1 (AES-128) and 13 (AES-256): zero key, zero IV, nothing: tag only.
        let c = Cipher::new(&Key::aes128([0; 16]));
        assert_eq!(
            c.gmac(&[0; 12], &[]).to_vec(),
            hex("58e2fccefa7e3061367f1d57")
        );
        let c = Cipher::new(&Key::aes256([0; 32]));
        assert_eq!(
            c.gmac(&[0; 12], &[]).to_vec(),
            hex("530f8afbc74536b9a963b4f1")
        );
    }

    #[test]
    fn debug_hides_key() {
        let c = Cipher::new(&Key::aes128([0x42; 16]));
        assert_eq!(std::format!("{c:?}"), "Cipher(AES-128-GCM)");
    }
}
