//! Head-end use of `obis`: a meter's object list arrives as logical names (here: the registry's
//! codes plus a few billing-period values); keep the ones a pattern selects and print what they
//! are. Run with a pattern of your own:
//!
//! ```sh
//! cargo run -p meterkit-examples --example obis_filter -- '1-0:*.8.1..4**'
//! ```
use obis::{ObisCode, Pattern, registry};

fn main() {
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "1-0:1..2.8.*".to_owned());
    let pattern: Pattern = match text.parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("not a pattern: {text:?}: {e}");
            std::process::exit(2);
        }
    };
    // What a meter might announce in its association's object list.
    let mut object_list: Vec<ObisCode> = registry::all().iter().map(|o| o.code).collect();
    object_list.extend((1..=3).map(|f| ObisCode::new(1, 0, 1, 8, 0, f)));

    println!("objects matching {pattern}:");
    for code in object_list.into_iter().filter(|c| pattern.matches(*c)) {
        let name = registry::by_code(code).map_or("-", |o| o.name);
        println!("  {code:<16} {name:<28} {}", code.describe());
    }
}
