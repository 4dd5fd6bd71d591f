//! Suites 1 and 2: ECDH and ECDSA known answers (NIST CAVP, RFC 6979), HLS mechanism 7 on both
//! sides, and ECDH + KDF agreement.
#![cfg(all(feature = "p256", feature = "p384"))]

mod security_util;

use dlms::Error;
use dlms::security::ecc::{p256, p384};
use dlms::security::{
    AlgorithmId, Challenge, Exchange, HlsSecret, SecuritySuite, SystemTitle, derive_key,
};
use security_util::{ST_OTHER, ST_SENDER, hex};

/// A deterministic test RNG (xorshift; not for real use).
struct TestRng(u64);

impl rand_core::TryRng for TestRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for TestRng {}

// NIST CAVP "ECC CDH Primitive" test vectors (SP 800-56A, KAS ECC CDH, ecccdhtestvectors.zip),
// [P-256] COUNT = 0 and [P-384] COUNT = 0: dIUT, QCAVS (the peer's key), QIUT (ours), ZIUT.
#[test]
fn ecdh_p256_nist_cavp_count_0() {
    let own = p256::SecretKey::from_slice(&hex(
        "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
    ))
    .unwrap();
    let peer = p256::PublicKey::from_slice(&hex(
        "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287
         db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
    ))
    .unwrap();
    assert_eq!(
        own.public_key().to_raw().to_vec(),
        hex(
            "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230
             28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141"
        )
    );
    assert_eq!(
        own.diffie_hellman(&peer).as_bytes().to_vec(),
        hex("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b")
    );
}

#[test]
fn ecdh_p384_nist_cavp_count_0() {
    let own = p384::SecretKey::from_slice(&hex(
        "3cc3122a68f0d95027ad38c067916ba0eb8c38894d22e1b15618b6818a661774ad463b205da88cf699ab4d43c9cf98a1",
    ))
    .unwrap();
    let peer = p384::PublicKey::from_slice(&hex(
        "a7c76b970c3b5fe8b05d2838ae04ab47697b9eaf52e764592efda27fe7513272734466b400091adbf2d68c58e0c50066
         ac68f19f2e1cb879aed43a9969b91a0839c4c38a49749b661efedf243451915ed0905a32b060992b468c64766fc8437a",
    ))
    .unwrap();
    assert_eq!(
        own.public_key().to_raw().to_vec(),
        hex("9803807f2f6d2fd966cdd0290bd410c0190352fbec7ff6247de1302df86f25d34fe4a97bef60cff548355c015dbb3e5f
             ba26ca69ec2f5b5d9dad20cc9da711383a9dbe34ea3fa5a2af75b46502629ad54dd8b7d73a8abb06a3a3be47d650cc99")
    );
    assert_eq!(
        own.diffie_hellman(&peer).as_bytes().to_vec(),
        hex(
            "5f9d29dc5e31a163060356213669c8ce132e22f57c9a04f40ba7fcead493b457e5621e766c40a2e3d4d6a04b25e533f1"
        )
    );
}

// RFC 6979 A.2.5 (P-256, SHA-256) and A.2.6 (P-384, SHA-384): deterministic signatures of
// "sample" and "test"; raw r || s as DLMS carries them.
#[test]
fn ecdsa_p256_rfc6979() {
    let key = p256::SecretKey::from_slice(&hex(
        "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
    ))
    .unwrap();
    let public = key.public_key();
    // RFC 6979 A.2.5 public key Ux, Uy.
    assert_eq!(
        public.to_raw().to_vec(),
        hex(
            "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6
             7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
        )
    );
    for (msg, sig) in [
        (
            &b"sample"[..],
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716
             f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            &b"test"[..],
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367
             019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ] {
        let signature = key.sign(&[msg]);
        assert_eq!(signature.to_vec(), hex(sig));
        // The message may come in pieces.
        let (a, b) = msg.split_at(2);
        assert_eq!(key.sign(&[a, b]), signature);
        assert_eq!(public.verify(&[msg], &signature), Ok(()));
        let mut bad = signature;
        bad[63] ^= 1;
        assert_eq!(public.verify(&[msg], &bad), Err(Error::BadSignature));
        assert_eq!(
            public.verify(&[b"other"], &signature),
            Err(Error::BadSignature)
        );
        assert_eq!(
            public.verify(&[msg], &signature[..63]),
            Err(Error::BadSignature)
        );
    }
}

#[test]
fn ecdsa_p384_rfc6979() {
    let key = p384::SecretKey::from_slice(&hex(
        "6b9d3dad2e1b8c1c05b19875b6659f4de23c3b667bf297ba9aa47740787137d896d5724e4c70a825f872c9ea60d2edf5",
    ))
    .unwrap();
    for (msg, sig) in [
        (
            &b"sample"[..],
            "94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46
             99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8",
        ),
        (
            &b"test"[..],
            "8203b63d3c853e8d77227fb377bcf7b7b772e97892a80f36ab775d509d7a5feb0542a7f0812998da8f1dd3ca3cf023db
             ddd0760448d42d8a43af45af836fce4de8be06b485e9b61b827c2f13173923e06a739f040649a667bf3b828246baa5a5",
        ),
    ] {
        let signature = key.sign(&[msg]);
        assert_eq!(signature.to_vec(), hex(sig));
        assert_eq!(key.public_key().verify(&[msg], &signature), Ok(()));
        assert_eq!(key.public_key().verify(&[b"x"], &signature), Err(Error::BadSignature));
    }
}

#[test]
fn public_key_encodings() {
    let key = p256::SecretKey::from_slice(&[7; 32]).unwrap().public_key();
    let raw = key.to_raw();
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(&raw);
    assert_eq!(p256::PublicKey::from_slice(&sec1).unwrap(), key);
    assert_eq!(p256::PublicKey::from_slice(&raw).unwrap(), key);
    let mut off_curve = raw;
    off_curve[63] ^= 1;
    assert_eq!(
        p256::PublicKey::from_slice(&off_curve),
        Err(Error::BadEcKey)
    );
    assert_eq!(
        p256::PublicKey::from_slice(&raw[..40]),
        Err(Error::BadEcKey)
    );
    assert_eq!(
        p256::SecretKey::from_slice(&[0; 32]).unwrap_err(),
        Error::BadEcKey
    );
    assert_eq!(
        p256::SecretKey::from_slice(&[0xFF; 32]).unwrap_err(),
        Error::BadEcKey
    );
    let secret = p256::SecretKey::from_slice(&[7; 32]).unwrap();
    assert_eq!(secret.to_bytes(), [7; 32]);
    assert_eq!(format!("{secret:?}"), "p256::SecretKey(..)");
}

/// HLS mechanism 7 (spodes-rs association_ln.rs + signature.rs, Gurux gxdlms-go): f(StoC) is the
/// client's signature over ST_C || ST_S || StoC || CtoS, f(CtoS) the server's over
/// ST_S || ST_C || CtoS || StoC.
#[test]
fn hls_ecdsa_both_sides() {
    let mut rng = TestRng(0x9E37_79B9_7F4A_7C15);
    let client_key = p256::SecretKey::random(&mut rng);
    let server_key = p256::SecretKey::random(&mut rng);
    let (client_pub, server_pub) = (client_key.public_key(), server_key.public_key());
    let ctos = Challenge::generate(&mut rng, 32).unwrap();
    let stoc = Challenge::generate(&mut rng, 48).unwrap();
    let c = SystemTitle::new(ST_OTHER);
    let s = SystemTitle::new(ST_SENDER);
    let client_view = Exchange {
        own_title: &c,
        peer_title: &s,
        own_challenge: ctos.as_bytes(),
        peer_challenge: stoc.as_bytes(),
    };
    let server_view = Exchange {
        own_title: &s,
        peer_title: &c,
        own_challenge: stoc.as_bytes(),
        peer_challenge: ctos.as_bytes(),
    };
    let client = HlsSecret::EcdsaP256 {
        own: &client_key,
        peer: &server_pub,
    };
    let server = HlsSecret::EcdsaP256 {
        own: &server_key,
        peer: &client_pub,
    };
    assert_eq!(client.mechanism(), dlms::apdu::MechanismName::HLS_ECDSA);
    let f_stoc = client.respond(&client_view, 0).unwrap();
    assert_eq!(f_stoc.as_bytes().len(), 64);
    // What is signed, checked independently of `HlsSecret`.
    assert_eq!(
        client_pub.verify(
            &[&ST_OTHER, &ST_SENDER, stoc.as_bytes(), ctos.as_bytes()],
            f_stoc.as_bytes()
        ),
        Ok(())
    );
    assert_eq!(server.verify(&server_view, f_stoc.as_bytes()), Ok(None));
    let f_ctos = server.respond(&server_view, 0).unwrap();
    assert_eq!(client.verify(&client_view, f_ctos.as_bytes()), Ok(None));
    // A server cannot replay the client's signature, and a bit flip fails.
    assert_eq!(
        client.verify(&client_view, f_stoc.as_bytes()),
        Err(Error::AuthenticationFailed)
    );
    let mut bad = f_ctos.as_bytes().to_vec();
    bad[0] ^= 1;
    assert_eq!(
        client.verify(&client_view, &bad),
        Err(Error::AuthenticationFailed)
    );

    // P-384: 96-byte responses.
    let a = p384::SecretKey::random(&mut rng);
    let b = p384::SecretKey::random(&mut rng);
    let (a_pub, b_pub) = (a.public_key(), b.public_key());
    let client = HlsSecret::EcdsaP384 {
        own: &a,
        peer: &b_pub,
    };
    let server = HlsSecret::EcdsaP384 {
        own: &b,
        peer: &a_pub,
    };
    let f = client.respond(&client_view, 0).unwrap();
    assert_eq!(f.as_bytes().len(), 96);
    assert_eq!(server.verify(&server_view, f.as_bytes()), Ok(None));
}

/// One-pass Diffie-Hellman as in Green Book Annex C (NIST SP 800-56A): party U (the client) sends
/// an ephemeral public key, party V (the server) uses its static key; both derive the same key with
/// the SP 800-56A KDF over AlgorithmID || ST_U || ST_V.
#[test]
fn ecdh_and_kdf_agree_on_both_sides() {
    let mut rng = TestRng(42);
    let u = SystemTitle::new(ST_SENDER);
    let v = SystemTitle::new(ST_OTHER);

    let ephemeral = p256::SecretKey::random(&mut rng);
    let server_static = p256::SecretKey::random(&mut rng);
    let on_the_wire = ephemeral.public_key().to_raw();
    let z_u = ephemeral.diffie_hellman(&server_static.public_key());
    let z_v = server_static.diffie_hellman(&p256::PublicKey::from_slice(&on_the_wire).unwrap());
    assert_eq!(z_u.as_bytes(), z_v.as_bytes());
    let k_u = derive_key(
        SecuritySuite::SUITE_1,
        z_u.as_bytes(),
        AlgorithmId::AES_GCM_128,
        &u,
        &v,
    )
    .unwrap();
    let k_v = derive_key(
        SecuritySuite::SUITE_1,
        z_v.as_bytes(),
        AlgorithmId::AES_GCM_128,
        &u,
        &v,
    )
    .unwrap();
    assert_eq!(k_u, k_v);
    assert_eq!(k_u.len(), 16);

    let e = p384::SecretKey::random(&mut rng);
    let s = p384::SecretKey::random(&mut rng);
    let z1 = e.diffie_hellman(&s.public_key());
    let z2 = s.diffie_hellman(&e.public_key());
    assert_eq!(z1.as_bytes(), z2.as_bytes());
    let key = derive_key(
        SecuritySuite::SUITE_2,
        z1.as_bytes(),
        AlgorithmId::AES_GCM_256,
        &u,
        &v,
    )
    .unwrap();
    assert_eq!(key.len(), 32);
}
