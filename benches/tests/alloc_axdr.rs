//! Decoding A-XDR data and APDUs allocates nothing: a counting global allocator watches the
//! decoders and the walks over the benchmark inputs and a few public vectors.
//!
//! One test function, so that no other test thread allocates while a region is measured.

use std::alloc::System;
use std::hint::black_box;

use dlms::apdu::{Aarq, Apdu, DataNotification, GetDataResult, GetResponse};
use dlms::axdr::{Data, Encode, NodeKind};
use meterkit_benches::{GETREQ_HEX, NOTIF242_HEX, PROFILE1000_HEX, hex};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns the number of allocations (and reallocations) it made.
fn allocations(f: impl FnOnce() -> u64) -> usize {
    let region = Region::new(GLOBAL);
    black_box(f());
    let stats = region.change();
    stats.allocations + stats.reallocations
}

fn fold(d: &Data<'_>) -> u64 {
    let mut acc = 0u64;
    d.visit(|n| {
        if let NodeKind::Value(v) = n.kind {
            acc = acc.wrapping_add(v.as_integer().map_or(1, |i| i as u64));
        }
    });
    for node in d.walk() {
        acc = acc.wrapping_add(node.map_or(0, |n| n.depth as u64));
    }
    acc
}

#[test]
fn decoding_and_walking_allocate_nothing() {
    let notif = hex(NOTIF242_HEX);
    let profile = hex(PROFILE1000_HEX);
    let getreq = hex(GETREQ_HEX);
    // ACSE-04 (u9n/dlms-cosem @c52e9d4 tests/test_asce/test_aarq.py::test_parse_ciphered_low_security2,
    // Green Book ciphered example): an AARQ with a glo-initiate-request.
    let aarq = hex(concat!(
        "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a8008313233",
        "3435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211",
        "be6841db204d39ee6fdb8e356855",
    ));
    // GET-03 (u9n/dlms-cosem @c52e9d4 tests/test_xdlms/test_get.py::TestGetRequestWithList).
    let with_list = hex("c003c102000100002a0000ff020000080000010000ff0200");

    let n = allocations(|| {
        let n = DataNotification::parse(&notif).unwrap();
        fold(&n.body)
    });
    assert_eq!(n, 0, "DataNotification (notif242)");

    let n = allocations(|| {
        let GetResponse::Normal {
            result: GetDataResult::Data(d),
            ..
        } = GetResponse::parse(&profile).unwrap()
        else {
            return 0;
        };
        fold(&d)
    });
    assert_eq!(
        n, 0,
        "GET-Response with the 1,000-row profile (profile1000)"
    );

    let n = allocations(|| {
        let mut acc = 0;
        for bytes in [&getreq, &aarq, &with_list, &notif, &profile] {
            let apdu = Apdu::parse(bytes).unwrap();
            acc += apdu.type_name().len() as u64;
            if let Apdu::GetRequest(dlms::apdu::GetRequest::WithList { attributes, .. }) = apdu {
                acc += attributes.iter().count() as u64;
            }
        }
        acc + u64::from(Aarq::parse(&aarq).unwrap().calling_ap_title.is_some())
    });
    assert_eq!(
        n, 0,
        "Apdu::parse over GET, AARQ, GET-with-list, notification, profile"
    );

    // The counter is live: an owned copy does allocate.
    let n = allocations(|| {
        let d = Data::parse(&profile[4..]).unwrap();
        dlms::axdr::OwnedData::from(&d).to_vec().unwrap().len() as u64
    });
    assert!(n > 0);
}
