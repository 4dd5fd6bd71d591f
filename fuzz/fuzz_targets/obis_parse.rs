//! The OBIS text parser on arbitrary bytes: never panics, and whatever parses prints in the
//! canonical form, which parses back to the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obis::ObisCode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(code) = text.parse::<ObisCode>() {
        let canonical = code.to_string();
        assert_eq!(canonical.parse::<ObisCode>(), Ok(code), "{canonical}");
    }
});
