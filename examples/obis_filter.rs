//! Tool / head-end use of `obis`: read OBIS codes (any text form) from the command line and
//! print each in canonical form.
//!
//! ```sh
//! cargo run -p meterkit-examples --example obis_filter -- 1.8.0 0100020801FF
//! ```
use obis::ObisCode;

fn main() {
    for arg in std::env::args().skip(1) {
        match arg.parse::<ObisCode>() {
            Ok(code) => println!("{arg:>20} -> {code}"),
            Err(e) => println!("{arg:>20} -> error: {e}"),
        }
    }
}
