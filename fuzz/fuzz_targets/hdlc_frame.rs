//! The HDLC frame view and representation on arbitrary bytes: accessors never panic, whatever
//! parses re-emits to the same bytes, and the same holds for a copy whose HCS and FCS were
//! filled in (so that the fuzzer gets past the checksums). The parameter field and FRMR
//! decoders run on the same bytes, with round trips.
#![no_main]

use dlms::hdlc::{FrmrInfo, HdlcFrame, HdlcFrameRepr, ParametersRepr, parameters, scan};
use libfuzzer_sys::fuzz_target;

fn roundtrip(bytes: &[u8]) {
    if let Ok(repr) = HdlcFrameRepr::parse_bytes(bytes) {
        let mut out = vec![0u8; repr.buffer_len()];
        assert_eq!(repr.emit_to_slice(&mut out), Ok(bytes.len()));
        assert_eq!(out, bytes);
    }
}

fuzz_target!(|data: &[u8]| {
    let f = HdlcFrame::new_unchecked(data);
    let _ = (f.dst(), f.src(), f.control(), f.info(), f.hcs(), f.fcs(), f.length());
    let _ = (f.computed_fcs(), f.computed_hcs(), f.segmented(), f.dst_bytes(), f.src_bytes());
    roundtrip(data);
    let _ = scan(data);

    // The same bytes with correct checksums.
    if HdlcFrame::new_checked(data).is_ok() {
        let mut fixed = data.to_vec();
        let mut view = HdlcFrame::new_unchecked(&mut fixed[..]);
        view.fill_checksums().expect("structure was checked");
        let fixed_view = HdlcFrame::new_unchecked(&fixed[..]);
        assert!(fixed_view.check_checksums().is_ok());
        roundtrip(&fixed);
        let repr = HdlcFrameRepr::parse_bytes(&fixed).expect("valid frame");
        assert_eq!(repr.info, fixed_view.info());
    }

    if let Ok(p) = ParametersRepr::parse(data) {
        let mut out = [0u8; 40];
        let n = p.emit(&mut out).expect("40 bytes hold any field");
        assert_eq!(ParametersRepr::parse(&out[..n]), Ok(p));
    }
    let _ = parameters(data).count();
    if let Ok(i) = FrmrInfo::parse(data) {
        assert_eq!(FrmrInfo::parse(&i.to_bytes()), Ok(i));
    }
});
