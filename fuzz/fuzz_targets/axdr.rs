//! `Data::parse_with` on arbitrary bytes, with limits taken from the first byte: never panics;
//! whatever parses re-emits to bytes that parse to the same value; the iterator walk and the
//! internal visit see the same nodes; the owned form encodes to the same value.
#![no_main]

use dlms::axdr::{Data, Encode, Limits, OwnedData, Walker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&knob, data)) = input.split_first() else { return };
    let limits = Limits { max_depth: knob % 40, max_elements: if knob & 0x80 != 0 { 1 << 20 } else { 64 } };
    let Ok((value, used)) = Data::parse_prefix_with(data, &limits) else { return };
    assert!(used <= data.len());
    let bytes = value.to_vec().expect("a decoded value encodes");
    assert_eq!(bytes.len(), value.buffer_len());
    let (again, n) = Data::parse_prefix_with(&bytes, &Limits::UNBOUNDED).expect("re-emitted bytes parse");
    assert_eq!(n, bytes.len());
    assert_eq!(again, value);
    let walked: Vec<_> = Walker::<'_, 64>::new(value).map(|n| n.expect("64 levels hold any valid value")).collect();
    let mut visited = Vec::new();
    value.visit(|n| visited.push(n));
    assert_eq!(walked, visited);
    // The owned form encodes every element itself (booleans as 01, shortest lengths) where a
    // received sequence re-emits its bytes as received: compare values, not bytes.
    let owned = OwnedData::from(&value);
    let owned_bytes = owned.to_vec().expect("encodes");
    let (from_owned, _) = Data::parse_prefix_with(&owned_bytes, &Limits::UNBOUNDED).expect("owned bytes parse");
    assert_eq!(from_owned, value);
    assert_eq!(OwnedData::from(&from_owned), owned);
    let _ = value.to_string();
});
