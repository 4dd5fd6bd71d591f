//! Restoring a decoder from arbitrary bytes (a corrupted non-volatile memory image) never panics;
//! whatever restores saves again and restores to the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::Algorithm;
use sts::decoder::{Decoder, DecoderConfig};

fuzz_target!(|data: &[u8]| {
    for alg in [Algorithm::Ea09, Algorithm::Ea11] {
        if let Ok(d) = Decoder::<'_, 16>::restore(data, alg, DecoderConfig::default()) {
            let mut image = [0u8; Decoder::<'static, 16>::STATE_LEN];
            d.save(&mut image).unwrap();
            let again = Decoder::<'_, 16>::restore(&image, alg, DecoderConfig::default()).unwrap();
            let mut image2 = [0u8; Decoder::<'static, 16>::STATE_LEN];
            again.save(&mut image2).unwrap();
            assert_eq!(image, image2);
        }
    }
});
