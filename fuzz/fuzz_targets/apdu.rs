//! `Apdu::parse` on arbitrary bytes: never panics, and whatever parses re-emits to bytes that
//! parse to the same value (and re-emit to themselves).
#![no_main]

use dlms::apdu::{Apdu, Encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(apdu) = Apdu::parse(data) else { return };
    let bytes = apdu.to_vec().expect("a decoded APDU encodes");
    assert_eq!(bytes.len(), apdu.buffer_len());
    let again = Apdu::parse(&bytes).expect("re-emitted bytes parse");
    assert_eq!(again, apdu);
    assert_eq!(again.to_vec().expect("encodes"), bytes);
});
