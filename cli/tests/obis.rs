//! `meterkit obis ...` end to end: the built binary, its output and its exit status.

use std::process::{Command, Output};

fn meterkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meterkit"))
        .args(args)
        .output()
        .expect("run meterkit")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn explain_prints_canonical_form_description_and_name() {
    let o = meterkit(&["obis", "explain", "1-0:2.8.1*255"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("1-0:2.8.1*255\n"), "{text}");
    assert!(
        text.contains("description: Active energy export (\u{2212}A), tariff 1"),
        "{text}"
    );
    assert!(
        text.contains("name:        active_energy_export_t1 (interface class 3)"),
        "{text}"
    );
    assert!(text.contains("D = 8        time integral 1"), "{text}");
}

#[test]
fn explain_json_one_object_per_code() {
    let o = meterkit(&[
        "obis",
        "explain",
        "--json",
        "1.0.2.8.1.255",
        "0000010000FF",
        "C.1.0",
        "1-0:99.1.0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        serde_json::json!({
            "code": "1-0:2.8.1*255",
            "groups": [1, 0, 2, 8, 1, 255],
            "name": "active_energy_export_t1",
            "description": "Active energy export (\u{2212}A), tariff 1",
        })
    );
    assert_eq!(lines[1]["name"], "clock");
    assert_eq!(lines[2]["code"], "0-0:96.1.0*255");
    assert_eq!(lines[2]["name"], "serial_number");
    assert_eq!(lines[3]["name"], "load_profile_1");
    assert_eq!(
        lines[3]["description"],
        "Load profile with recording period 1"
    );
}

#[test]
fn explain_accepts_registry_names() {
    let o = meterkit(&["obis", "explain", "--json", "voltage-l1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["code"], "1-0:32.7.0*255");
    assert_eq!(v["description"], "Voltage L1, instantaneous value");
}

#[test]
fn a_bad_code_is_one_line_naming_the_group_and_exits_2() {
    let o = meterkit(&["obis", "explain", "1-0:2.8.256"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("value group E"), "{err}");
    assert!(err.contains("256 is out of range"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn good_codes_are_still_printed_next_to_a_bad_one() {
    let o = meterkit(&["obis", "explain", "--json", "1-0:1.8.0", "1-0-1.8.0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(
        stderr(&o).contains("separators match no OBIS form"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn list_filters_with_a_pattern() {
    let o = meterkit(&["obis", "list", "--json", "1-0:1..2.8.*"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("active_energy_")),
        "{names:?}"
    );
    let bad = meterkit(&["obis", "list", "1-0:4..1.8.0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("value group C"), "{}", stderr(&bad));
}
