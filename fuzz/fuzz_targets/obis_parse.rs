//! The OBIS text parsers on arbitrary bytes: never panic; whatever parses as a code prints in
//! every text form, each of which parses back to the same code, and describes itself without
//! panicking; whatever parses as a pattern prints a pattern that compiles to the same sets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obis::{ObisCode, Pattern, TextForm};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(code) = text.parse::<ObisCode>() {
        for form in [TextForm::Canonical, TextForm::DottedF, TextForm::AllDots, TextForm::Hex] {
            let printed = code.display(form).to_string();
            assert_eq!(printed.parse::<ObisCode>(), Ok(code), "{printed}");
        }
        let _ = code.describe().to_string();
    }
    if let Ok(pattern) = text.parse::<Pattern>() {
        let printed = pattern.to_string();
        assert_eq!(printed.parse::<Pattern>(), Ok(pattern), "{printed}");
    }
});
