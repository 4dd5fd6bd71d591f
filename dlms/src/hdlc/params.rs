//! HDLC parameter negotiation in SNRM and UA (IEC 62056-46 6.4.4.3.2, ISO/IEC 13239).
//!
//! ```text
//!  81          format identifier
//!  80 LL       group identifier (HDLC parameters), group length
//!  05 len v    maximum information field length, transmit
//!  06 len v    maximum information field length, receive
//!  07 len v    window size, transmit
//!  08 len v    window size, receive
//! ```
//! Values are big-endian, 1, 2 or 4 bytes long (meters vary: a Kamstrup UA sends 116 as
//! `00 74`). Transmit and receive are from the sender's point of view. A missing field or
//! parameter means the default: 128 bytes and window 1.

use crate::{Error, Result};

/// The format identifier of the parameter field.
pub const FORMAT_IDENTIFIER: u8 = 0x81;
/// The group identifier of the HDLC parameter group.
pub const GROUP_HDLC: u8 = 0x80;
/// The group identifier of the user-defined parameter group (skipped).
pub const GROUP_USER: u8 = 0xF0;

/// Parameter identifiers of the HDLC group.
pub mod id {
    /// Maximum information field length, transmit.
    pub const MAX_INFO_TX: u8 = 0x05;
    /// Maximum information field length, receive.
    pub const MAX_INFO_RX: u8 = 0x06;
    /// Window size, transmit.
    pub const WINDOW_TX: u8 = 0x07;
    /// Window size, receive.
    pub const WINDOW_RX: u8 = 0x08;
}

/// The default maximum information field length (both directions).
pub const DEFAULT_MAX_INFO: u16 = 128;
/// The default window size (both directions).
pub const DEFAULT_WINDOW: u8 = 1;
/// The largest maximum information field length a frame can carry with 4-byte addresses.
pub const MAX_INFO_LIMIT: u16 = 2030;
/// The largest window size of modulo-8 numbering.
pub const MAX_WINDOW: u8 = 7;

/// Link parameters: information field lengths and window sizes, from one side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HdlcParameters {
    /// Maximum information field length this side transmits.
    pub max_info_tx: u16,
    /// Maximum information field length this side receives.
    pub max_info_rx: u16,
    /// Window size (frames in flight) this side transmits.
    pub window_tx: u8,
    /// Window size this side receives.
    pub window_rx: u8,
}

impl HdlcParameters {
    /// The defaults: 128 bytes and window 1 in both directions.
    pub const DEFAULT: HdlcParameters = HdlcParameters {
        max_info_tx: DEFAULT_MAX_INFO,
        max_info_rx: DEFAULT_MAX_INFO,
        window_tx: DEFAULT_WINDOW,
        window_rx: DEFAULT_WINDOW,
    };

    /// The values in force for us, from what we proposed and what the peer announced (from its
    /// own point of view): each direction takes the smaller value.
    ///
    /// Windows are brought into 1..=7 (a peer announcing 0 gets 1).
    ///
    /// # Errors
    /// [`Error::BadParameters`] when a resulting information field length is below 4 bytes
    /// (no room for the LLC header and data).
    ///
    /// ```
    /// use dlms::hdlc::HdlcParameters;
    /// // Landis+Gyr E650 UA (jDLMS HdlcFrameTest::decode1): TX 128, RX 62, windows 1.
    /// let meter = HdlcParameters { max_info_tx: 128, max_info_rx: 62, window_tx: 1, window_rx: 1 };
    /// let ours = HdlcParameters { max_info_tx: 1024, max_info_rx: 1024, window_tx: 7, window_rx: 7 };
    /// let used = HdlcParameters::negotiate(&ours, &meter)?;
    /// assert_eq!((used.max_info_tx, used.max_info_rx, used.window_tx), (62, 128, 1));
    /// # Ok::<(), dlms::Error>(())
    /// ```
    pub fn negotiate(ours: &HdlcParameters, peer: &HdlcParameters) -> Result<HdlcParameters> {
        let used = HdlcParameters {
            max_info_tx: ours.max_info_tx.min(peer.max_info_rx),
            max_info_rx: ours.max_info_rx.min(peer.max_info_tx),
            window_tx: ours.window_tx.min(peer.window_rx).clamp(1, MAX_WINDOW),
            window_rx: ours.window_rx.min(peer.window_tx).clamp(1, MAX_WINDOW),
        };
        if used.max_info_tx < 4 || used.max_info_rx < 4 {
            return Err(Error::BadParameters {
                offset: 0,
                what: "maximum information field length below 4 bytes",
            });
        }
        Ok(used)
    }

    /// The same parameters seen from the other side (transmit and receive swapped).
    #[must_use]
    pub const fn swapped(&self) -> HdlcParameters {
        HdlcParameters {
            max_info_tx: self.max_info_rx,
            max_info_rx: self.max_info_tx,
            window_tx: self.window_rx,
            window_rx: self.window_tx,
        }
    }
}

impl Default for HdlcParameters {
    fn default() -> Self {
        HdlcParameters::DEFAULT
    }
}

/// The parameters present in a negotiation field, as announced (`None` when absent).
///
/// ```
/// use dlms::hdlc::ParametersRepr;
/// // UA information field of u9n/dlms-cosem TestUAFrame (HDLC-03): max info 154, windows 1.
/// let info = [0x81, 0x80, 0x12, 0x05, 0x01, 0x9A, 0x06, 0x01, 0x9A,
///             0x07, 0x04, 0, 0, 0, 1, 0x08, 0x04, 0, 0, 0, 1];
/// let p = ParametersRepr::parse(&info)?;
/// assert_eq!(p.max_info_tx, Some(154));
/// assert_eq!(p.window_rx, Some(1));
/// let mut out = [0u8; 32];
/// let n = p.emit(&mut out)?;
/// assert_eq!(&out[..n], &info[..]);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParametersRepr {
    /// Maximum information field length, transmit.
    pub max_info_tx: Option<u32>,
    /// Maximum information field length, receive.
    pub max_info_rx: Option<u32>,
    /// Window size, transmit.
    pub window_tx: Option<u32>,
    /// Window size, receive.
    pub window_rx: Option<u32>,
}

impl ParametersRepr {
    /// Parses the information field of an SNRM or UA frame (empty: nothing announced).
    ///
    /// Unknown parameters of the HDLC group and other groups (the user group `F0`) are skipped.
    ///
    /// # Errors
    /// [`Error::BadParameters`] for a format identifier other than 0x81, a group or parameter
    /// running past the field, or a known parameter whose value is not 1 to 4 bytes.
    pub fn parse(info: &[u8]) -> Result<ParametersRepr> {
        let mut repr = ParametersRepr::default();
        for p in parameters(info) {
            let p = p?;
            let slot = match p.id {
                id::MAX_INFO_TX => &mut repr.max_info_tx,
                id::MAX_INFO_RX => &mut repr.max_info_rx,
                id::WINDOW_TX => &mut repr.window_tx,
                id::WINDOW_RX => &mut repr.window_rx,
                _ => continue,
            };
            *slot = Some(p.value);
        }
        Ok(repr)
    }

    /// The parameters in force for the announcing side: absent values take the defaults,
    /// values above the field's range saturate.
    #[must_use]
    pub fn to_parameters(&self) -> HdlcParameters {
        let info =
            |v: Option<u32>| v.map_or(DEFAULT_MAX_INFO, |v| u16::try_from(v).unwrap_or(u16::MAX));
        let window =
            |v: Option<u32>| v.map_or(DEFAULT_WINDOW, |v| u8::try_from(v).unwrap_or(u8::MAX));
        HdlcParameters {
            max_info_tx: info(self.max_info_tx),
            max_info_rx: info(self.max_info_rx),
            window_tx: window(self.window_tx),
            window_rx: window(self.window_rx),
        }
    }

    /// All four parameters present, with the given values.
    #[must_use]
    pub fn from_parameters(p: &HdlcParameters) -> ParametersRepr {
        ParametersRepr {
            max_info_tx: Some(u32::from(p.max_info_tx)),
            max_info_rx: Some(u32::from(p.max_info_rx)),
            window_tx: Some(u32::from(p.window_tx)),
            window_rx: Some(u32::from(p.window_rx)),
        }
    }

    fn entries(&self) -> [(u8, Option<u32>, usize); 4] {
        // Gurux and jDLMS: information lengths in 1 byte below 256, else 2 (4 above 65535);
        // windows always in 4 bytes.
        let info_len = |v: Option<u32>| match v {
            Some(0..=0xFF) => 1,
            Some(0x100..=0xFFFF) => 2,
            _ => 4,
        };
        [
            (
                id::MAX_INFO_TX,
                self.max_info_tx,
                info_len(self.max_info_tx),
            ),
            (
                id::MAX_INFO_RX,
                self.max_info_rx,
                info_len(self.max_info_rx),
            ),
            (id::WINDOW_TX, self.window_tx, 4),
            (id::WINDOW_RX, self.window_rx, 4),
        ]
    }

    /// The length of the emitted field (0 when nothing is present: no information field).
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let group: usize = self
            .entries()
            .iter()
            .filter(|e| e.1.is_some())
            .map(|e| 2 + e.2)
            .sum();
        if group == 0 { 0 } else { 3 + group }
    }

    /// Emits the field into the start of `buf`, returning its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `buf` is shorter than [`ParametersRepr::buffer_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let available = buf.len();
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall {
            needed: len,
            available,
        })?;
        if len == 0 {
            return Ok(0);
        }
        let mut w = Writer { out, at: 0 };
        // The group length is at most 4 * 6 bytes.
        w.put(&[FORMAT_IDENTIFIER, GROUP_HDLC, (len - 3) as u8]);
        for (id, value, size) in self.entries() {
            if let Some(v) = value {
                w.put(&[id, size as u8]);
                w.put(v.to_be_bytes().get(4 - size..).unwrap_or(&[]));
            }
        }
        Ok(len)
    }
}

struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.out.get_mut(self.at..self.at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.at += bytes.len();
    }
}

/// One parameter of the HDLC group, as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter<'a> {
    /// Parameter identifier (see [`id`]).
    pub id: u8,
    /// The value bytes.
    pub raw: &'a [u8],
    /// The value, big-endian (0 for unknown parameters longer than 4 bytes).
    pub value: u32,
    /// Offset of the parameter identifier in the information field.
    pub offset: usize,
}

/// Iterates over the parameters of the HDLC group of a negotiation field, checking the
/// structure as it goes (the first error ends the iteration).
///
/// ```
/// let info = [0x81, 0x80, 0x06, 0x05, 0x02, 0x00, 0x74, 0x09, 0x00];
/// let found: Vec<_> = dlms::hdlc::parameters(&info).map(|p| p.map(|p| (p.id, p.value, p.raw.len())))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(found, [(0x05, 116, 2), (0x09, 0, 0)]);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn parameters(info: &[u8]) -> Parameters<'_> {
    Parameters {
        info,
        at: 0,
        group_end: 0,
        in_hdlc_group: false,
        done: info.is_empty(),
    }
}

/// Iterator returned by [`parameters`].
#[derive(Debug, Clone)]
pub struct Parameters<'a> {
    info: &'a [u8],
    at: usize,
    group_end: usize,
    in_hdlc_group: bool,
    done: bool,
}

impl<'a> Parameters<'a> {
    fn fail(&mut self, offset: usize, what: &'static str) -> Option<Result<Parameter<'a>>> {
        self.done = true;
        Some(Err(Error::BadParameters { offset, what }))
    }
}

impl<'a> Iterator for Parameters<'a> {
    type Item = Result<Parameter<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.at == 0 {
            if self.info.first() != Some(&FORMAT_IDENTIFIER) {
                return self.fail(0, "format identifier is not 0x81");
            }
            self.at = 1;
        }
        loop {
            if self.at >= self.group_end {
                // Start of a group (or the end of the field).
                if self.at >= self.info.len() {
                    self.done = true;
                    return None;
                }
                let (Some(&group), Some(&len)) =
                    (self.info.get(self.at), self.info.get(self.at + 1))
                else {
                    return self.fail(self.at, "group header cut short");
                };
                let end = self.at + 2 + usize::from(len);
                if end > self.info.len() {
                    return self.fail(self.at + 1, "group length runs past the field");
                }
                self.in_hdlc_group = group == GROUP_HDLC;
                self.at += 2;
                self.group_end = end;
                if !self.in_hdlc_group {
                    self.at = end;
                }
                continue;
            }
            let offset = self.at;
            let (Some(&pid), Some(&plen)) = (self.info.get(offset), self.info.get(offset + 1))
            else {
                return self.fail(offset, "parameter header cut short");
            };
            let end = offset + 2 + usize::from(plen);
            if end > self.group_end {
                return self.fail(offset + 1, "parameter length runs past its group");
            }
            let raw = self.info.get(offset + 2..end).unwrap_or(&[]);
            self.at = end;
            let known = (id::MAX_INFO_TX..=id::WINDOW_RX).contains(&pid);
            if known && !(1..=4).contains(&raw.len()) {
                return self.fail(offset + 1, "parameter value must be 1 to 4 bytes");
            }
            let value = if raw.len() <= 4 {
                raw.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b))
            } else {
                0
            };
            return Some(Ok(Parameter {
                id: pid,
                raw,
                value,
                offset,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn public_vectors() {
        // (information field, tx, rx, sizes) from the UA frames HDLC-03 (u9n TestUAFrame),
        // HDLC-04 (u9n test_find_4_byte_address), HDLC-11 (jDLMS decode1, L+G E650),
        // HDLC-12 (jDLMS decode2, Kamstrup), HDLC-18 (GuruxDLMS.c issue #1).
        let cases = [
            ("81801205019a06019a070400000001080400000001", 154, 154),
            ("8180140502008006020080070400000001080400000001", 128, 128),
            ("81801205018006013e070400000001080400000001", 128, 62),
            ("8180140502007406020074070400000001080400000001", 116, 116),
            ("8180140502010006020100070400000001080400000001", 256, 256),
        ];
        for (info, tx, rx) in cases {
            let info = hex(info);
            let p = ParametersRepr::parse(&info).unwrap();
            assert_eq!(p.max_info_tx, Some(tx));
            assert_eq!(p.max_info_rx, Some(rx));
            assert_eq!((p.window_tx, p.window_rx), (Some(1), Some(1)));
            let q = p.to_parameters();
            assert_eq!((q.max_info_tx, q.max_info_rx), (tx as u16, rx as u16));
        }
        // Gurux-style emission: 1-byte values below 256 (HDLC-03 and HDLC-11 re-emit exactly).
        for info in [
            "81801205019a06019a070400000001080400000001",
            "81801205018006013e070400000001080400000001",
        ] {
            let info = hex(info);
            let mut out = [0u8; 32];
            let n = ParametersRepr::parse(&info)
                .unwrap()
                .emit(&mut out)
                .unwrap();
            assert_eq!(&out[..n], &info[..]);
        }
        // ISO/IEC 13239 parameter negotiation (IEC 62056-46): SNRM parameters with 2-byte max-info
        // values (computed, decoded by Gurux.DLMS.Python).
        let snrm = hex("8180140502008006020080070400000001080400000001");
        assert_eq!(
            ParametersRepr::parse(&snrm).unwrap().to_parameters(),
            HdlcParameters::DEFAULT
        );
    }

    #[test]
    fn defaults_and_partial() {
        assert_eq!(
            ParametersRepr::parse(&[]).unwrap(),
            ParametersRepr::default()
        );
        assert_eq!(
            ParametersRepr::default().to_parameters(),
            HdlcParameters::DEFAULT
        );
        assert_eq!(ParametersRepr::default().buffer_len(), 0);
        let only_rx = hex("818004060200c8");
        let p = ParametersRepr::parse(&only_rx).unwrap().to_parameters();
        assert_eq!(p.max_info_rx, 200);
        assert_eq!(p.max_info_tx, 128);
        // Values above the range saturate; a 4-byte information length is accepted.
        let big = hex("818006050400012345");
        assert_eq!(
            ParametersRepr::parse(&big)
                .unwrap()
                .to_parameters()
                .max_info_tx,
            u16::MAX
        );
    }

    #[test]
    fn skips_unknown_parameters_and_groups() {
        // jDLMS skips a user group F0; unknown parameters of the HDLC group are skipped too.
        let info = hex("8180070901aa05020100f002bbcc");
        let p = ParametersRepr::parse(&info).unwrap();
        assert_eq!(p.max_info_tx, Some(256));
        let user_first = hex("81f002bbcc8003070103");
        assert_eq!(
            ParametersRepr::parse(&user_first).unwrap().window_tx,
            Some(3)
        );
        let long_unknown = hex("81800709050102030405");
        let ps: std::vec::Vec<_> = parameters(&long_unknown).collect();
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].unwrap().value, 0);
    }

    #[test]
    fn negative() {
        let bad = |info: &str, offset, what| {
            assert_eq!(
                ParametersRepr::parse(&hex(info)),
                Err(Error::BadParameters { offset, what }),
                "{info}"
            );
        };
        bad("82801205019a", 0, "format identifier is not 0x81");
        bad("818012", 2, "group length runs past the field");
        bad("8180", 1, "group header cut short");
        bad("81800205", 2, "group length runs past the field");
        bad("818003050200", 4, "parameter length runs past its group");
        bad("81800105", 3, "parameter header cut short");
        bad("8180020500", 4, "parameter value must be 1 to 4 bytes");
        bad(
            "8180070505010203040500",
            4,
            "parameter value must be 1 to 4 bytes",
        );
        // A format identifier alone announces nothing.
        assert_eq!(
            ParametersRepr::parse(&[0x81]),
            Ok(ParametersRepr::default())
        );
    }

    #[test]
    fn negotiation() {
        let ours = HdlcParameters {
            max_info_tx: 512,
            max_info_rx: 256,
            window_tx: 3,
            window_rx: 0,
        };
        let peer = HdlcParameters {
            max_info_tx: 128,
            max_info_rx: 1024,
            window_tx: 9,
            window_rx: 2,
        };
        let used = HdlcParameters::negotiate(&ours, &peer).unwrap();
        assert_eq!(
            used,
            HdlcParameters {
                max_info_tx: 512,
                max_info_rx: 128,
                window_tx: 2,
                window_rx: 1
            }
        );
        let tiny = HdlcParameters {
            max_info_rx: 3,
            ..peer
        };
        assert!(HdlcParameters::negotiate(&ours, &tiny).is_err());
        assert_eq!(used.swapped().swapped(), used);
        let mut buf = [0u8; 2];
        assert_eq!(
            ParametersRepr::from_parameters(&used).emit(&mut buf),
            Err(Error::BufferTooSmall {
                needed: 22,
                available: 2
            })
        );
    }

    proptest! {
        #[test]
        fn roundtrip(tx in proptest::option::of(any::<u32>()), rx in proptest::option::of(any::<u32>()),
                     wtx in proptest::option::of(any::<u32>()), wrx in proptest::option::of(any::<u32>())) {
            let repr = ParametersRepr { max_info_tx: tx, max_info_rx: rx, window_tx: wtx, window_rx: wrx };
            let mut buf = [0u8; 40];
            let n = repr.emit(&mut buf).unwrap();
            prop_assert_eq!(n, repr.buffer_len());
            prop_assert_eq!(ParametersRepr::parse(&buf[..n]), Ok(repr));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = ParametersRepr::parse(&bytes);
            let _ = parameters(&bytes).count();
        }
    }
}
