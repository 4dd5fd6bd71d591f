//! The BER decoders of the ACSE APDUs (AARQ, AARE, RLRQ, RLRE) on arbitrary bytes: never
//! panic, and whatever parses re-emits to bytes that parse to the same value.
#![no_main]

use dlms::apdu::{Aare, Aarq, Encode, Rlre, Rlrq};
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($ty:ident, $data:expr) => {
        if let Ok(v) = $ty::parse($data) {
            let bytes = v.to_vec().expect("a decoded APDU encodes");
            assert_eq!(bytes.len(), v.buffer_len());
            let again = $ty::parse(&bytes).expect("re-emitted bytes parse");
            assert_eq!(again, v);
            assert_eq!(again.to_vec().expect("encodes"), bytes);
        }
    };
}

fuzz_target!(|data: &[u8]| {
    round_trip!(Aarq, data);
    round_trip!(Aare, data);
    round_trip!(Rlrq, data);
    round_trip!(Rlre, data);
});
