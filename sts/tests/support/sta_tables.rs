//! Locating the production STA tables at run time.
//!
//! The production ("real") STA tables are distributed by the STS Association to its members;
//! they are never copied into this repository. Tests that need them read the JSON file named by
//! the environment variable `STS_TABLES`, by default `../shared/vectors/sts/sta_tables.json`
//! beside the repository. When it is absent they print a notice and skip, unless
//! `STS_TABLES_REQUIRED=1` (set by `.ci/run`), which makes absence a failure.
//!
//! Shared by the `sts` and `meterkit-cli` tests (`#[path]`); both crates sit one directory below
//! the workspace root.
#![allow(dead_code)]

use std::path::PathBuf;

/// The path of the table file, or `None` (after printing why) when the tests should skip.
///
/// # Panics
/// When the file is absent and `STS_TABLES_REQUIRED=1`.
pub fn sta_tables_path(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("STS_TABLES").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("shared")
                .join("vectors")
                .join("sts")
                .join("sta_tables.json")
        },
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var("STS_TABLES_REQUIRED").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: STS_TABLES_REQUIRED=1 but the STA table file {} does not exist",
        path.display()
    );
    eprintln!(
        "NOTICE: {test} skipped: the production STA tables are not at {} \
         (set STS_TABLES to the JSON file; tests never embed them)",
        path.display()
    );
    None
}

/// One table set (`"sample"` or `"real"`) of the file: `(s0, s1, p)`.
pub fn read_table_set(path: &std::path::Path, set: &str) -> ([u8; 16], [u8; 16], [u8; 64]) {
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let table = |name: &str| -> Vec<u8> {
        json[set][name]
            .as_array()
            .unwrap_or_else(|| panic!("{set}.{name} missing in {}", path.display()))
            .iter()
            .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
            .collect()
    };
    (
        table("s0").try_into().unwrap(),
        table("s1").try_into().unwrap(),
        table("p").try_into().unwrap(),
    )
}
