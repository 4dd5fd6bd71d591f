//! The HDLC control field (ISO/IEC 13239 modulo-8, as profiled by IEC 62056-46).
//!
//! | frame | byte | |
//! |---|---|---|
//! | I | `N(R)<<5 \| P/F<<4 \| N(S)<<1` | information, numbered |
//! | RR / RNR / REJ / SREJ | `N(R)<<5 \| P/F<<4 \| 0x01 / 0x05 / 0x09 / 0x0D` | supervisory |
//! | SNRM, DISC, UA, DM, FRMR, UI | `0x83`, `0x43`, `0x63`, `0x0F`, `0x87`, `0x03` (+ `0x10` for P/F) | unnumbered |
//!
//! Every byte decodes to exactly one [`Control`] and encodes back to the same byte; bytes that
//! are no frame type DLMS uses decode to [`Control::Unknown`].

use core::fmt;

/// The P/F bit.
const PF: u8 = 0x10;

/// A decoded control field.
///
/// ```
/// use dlms::hdlc::Control;
/// // IEC 62056-46: I-frame N(S)=1, N(R)=2, F=1 is 0x52; RR N(R)=2 with P is 0x51;
/// // SNRM with P is 0x93.
/// assert_eq!(Control::from(0x52), Control::I { ns: 1, nr: 2, pf: true });
/// assert_eq!(u8::from(Control::Rr { nr: 2, pf: true }), 0x51);
/// assert_eq!(Control::from(0x93), Control::Snrm { pf: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// Information frame.
    I {
        /// Send sequence number N(S), 0..=7.
        ns: u8,
        /// Receive sequence number N(R), 0..=7.
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Receive ready.
    Rr {
        /// Receive sequence number N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Receive not ready.
    Rnr {
        /// Receive sequence number N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Reject (ISO/IEC 13239; not used by DLMS stacks).
    Rej {
        /// Receive sequence number N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Selective reject (ISO/IEC 13239; not used by DLMS stacks).
    Srej {
        /// Receive sequence number N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Set normal response mode (connect).
    Snrm {
        /// Poll bit.
        pf: bool,
    },
    /// Disconnect.
    Disc {
        /// Poll bit.
        pf: bool,
    },
    /// Unnumbered acknowledge.
    Ua {
        /// Final bit.
        pf: bool,
    },
    /// Disconnected mode.
    Dm {
        /// Final bit.
        pf: bool,
    },
    /// Frame reject.
    Frmr {
        /// Final bit.
        pf: bool,
    },
    /// Unnumbered information (pushes, broadcasts).
    Ui {
        /// Poll/final bit.
        pf: bool,
    },
    /// A U-frame byte that none of the above uses (kept as received).
    Unknown(u8),
}

/// The frame type named by a control field, without its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// Information.
    I,
    /// Receive ready.
    Rr,
    /// Receive not ready.
    Rnr,
    /// Reject.
    Rej,
    /// Selective reject.
    Srej,
    /// Set normal response mode.
    Snrm,
    /// Disconnect.
    Disc,
    /// Unnumbered acknowledge.
    Ua,
    /// Disconnected mode.
    Dm,
    /// Frame reject.
    Frmr,
    /// Unnumbered information.
    Ui,
    /// Not a frame type DLMS uses.
    Unknown,
}

impl FrameType {
    /// The usual abbreviation (`"I"`, `"RR"`, `"SNRM"`, ..., `"unknown"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FrameType::I => "I",
            FrameType::Rr => "RR",
            FrameType::Rnr => "RNR",
            FrameType::Rej => "REJ",
            FrameType::Srej => "SREJ",
            FrameType::Snrm => "SNRM",
            FrameType::Disc => "DISC",
            FrameType::Ua => "UA",
            FrameType::Dm => "DM",
            FrameType::Frmr => "FRMR",
            FrameType::Ui => "UI",
            FrameType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Control {
    /// Decodes a control byte (never fails: unused U-frame bytes become [`Control::Unknown`]).
    #[must_use]
    pub const fn from_byte(b: u8) -> Control {
        let pf = b & PF != 0;
        let nr = b >> 5;
        if b & 0x01 == 0 {
            return Control::I {
                ns: (b >> 1) & 0x07,
                nr,
                pf,
            };
        }
        if b & 0x03 == 0x01 {
            return match (b >> 2) & 0x03 {
                0 => Control::Rr { nr, pf },
                1 => Control::Rnr { nr, pf },
                2 => Control::Rej { nr, pf },
                _ => Control::Srej { nr, pf },
            };
        }
        match b & !PF {
            0x83 => Control::Snrm { pf },
            0x43 => Control::Disc { pf },
            0x63 => Control::Ua { pf },
            0x0F => Control::Dm { pf },
            0x87 => Control::Frmr { pf },
            0x03 => Control::Ui { pf },
            _ => Control::Unknown(b),
        }
    }

    /// Encodes the control byte. N(S) and N(R) are taken modulo 8.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        const fn p(pf: bool) -> u8 {
            if pf { PF } else { 0 }
        }
        const fn s(nr: u8, pf: bool, kind: u8) -> u8 {
            ((nr & 0x07) << 5) | p(pf) | kind
        }
        match self {
            Control::I { ns, nr, pf } => ((nr & 0x07) << 5) | p(pf) | ((ns & 0x07) << 1),
            Control::Rr { nr, pf } => s(nr, pf, 0x01),
            Control::Rnr { nr, pf } => s(nr, pf, 0x05),
            Control::Rej { nr, pf } => s(nr, pf, 0x09),
            Control::Srej { nr, pf } => s(nr, pf, 0x0D),
            Control::Snrm { pf } => 0x83 | p(pf),
            Control::Disc { pf } => 0x43 | p(pf),
            Control::Ua { pf } => 0x63 | p(pf),
            Control::Dm { pf } => 0x0F | p(pf),
            Control::Frmr { pf } => 0x87 | p(pf),
            Control::Ui { pf } => 0x03 | p(pf),
            Control::Unknown(b) => b,
        }
    }

    /// The frame type.
    #[must_use]
    pub const fn frame_type(self) -> FrameType {
        match self {
            Control::I { .. } => FrameType::I,
            Control::Rr { .. } => FrameType::Rr,
            Control::Rnr { .. } => FrameType::Rnr,
            Control::Rej { .. } => FrameType::Rej,
            Control::Srej { .. } => FrameType::Srej,
            Control::Snrm { .. } => FrameType::Snrm,
            Control::Disc { .. } => FrameType::Disc,
            Control::Ua { .. } => FrameType::Ua,
            Control::Dm { .. } => FrameType::Dm,
            Control::Frmr { .. } => FrameType::Frmr,
            Control::Ui { .. } => FrameType::Ui,
            Control::Unknown(_) => FrameType::Unknown,
        }
    }

    /// The poll/final bit.
    #[must_use]
    pub const fn pf(self) -> bool {
        self.to_byte() & PF != 0
    }

    /// N(S) of an I-frame.
    #[must_use]
    pub const fn ns(self) -> Option<u8> {
        match self {
            Control::I { ns, .. } => Some(ns),
            _ => None,
        }
    }

    /// N(R) of an I- or S-frame.
    #[must_use]
    pub const fn nr(self) -> Option<u8> {
        match self {
            Control::I { nr, .. }
            | Control::Rr { nr, .. }
            | Control::Rnr { nr, .. }
            | Control::Rej { nr, .. }
            | Control::Srej { nr, .. } => Some(nr),
            _ => None,
        }
    }

    /// The same control field with the P/F bit set or cleared.
    #[must_use]
    pub const fn with_pf(self, pf: bool) -> Control {
        let b = self.to_byte();
        Control::from_byte(if pf { b | PF } else { b & !PF })
    }
}

impl From<u8> for Control {
    fn from(b: u8) -> Control {
        Control::from_byte(b)
    }
}

impl From<Control> for u8 {
    fn from(c: Control) -> u8 {
        c.to_byte()
    }
}

impl fmt::Display for Control {
    /// `I N(S)=1 N(R)=2 F`, `RR N(R)=2 P/F`, `SNRM P/F`, `unknown 0xC0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Control::Unknown(b) = self {
            return write!(f, "unknown 0x{b:02X}");
        }
        f.write_str(self.frame_type().name())?;
        if let Some(ns) = self.ns() {
            write!(f, " N(S)={ns}")?;
        }
        if let Some(nr) = self.nr() {
            write!(f, " N(R)={nr}")?;
        }
        if self.pf() {
            f.write_str(" P/F")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_roundtrips() {
        for b in 0..=255u8 {
            assert_eq!(Control::from_byte(b).to_byte(), b, "0x{b:02X}");
        }
    }

    #[test]
    fn known_values() {
        // IEC 62056-46 control field (Gurux, u9n and EPRI agree; jDLMS 1.7.0's UI 0xC0 is wrong).
        let cases = [
            (
                0x10,
                Control::I {
                    ns: 0,
                    nr: 0,
                    pf: true,
                },
            ),
            (
                0x30,
                Control::I {
                    ns: 0,
                    nr: 1,
                    pf: true,
                },
            ),
            (
                0x32,
                Control::I {
                    ns: 1,
                    nr: 1,
                    pf: true,
                },
            ),
            (
                0x52,
                Control::I {
                    ns: 1,
                    nr: 2,
                    pf: true,
                },
            ),
            (
                0x54,
                Control::I {
                    ns: 2,
                    nr: 2,
                    pf: true,
                },
            ),
            (
                0x74,
                Control::I {
                    ns: 2,
                    nr: 3,
                    pf: true,
                },
            ),
            (
                0x96,
                Control::I {
                    ns: 3,
                    nr: 4,
                    pf: true,
                },
            ),
            (0x51, Control::Rr { nr: 2, pf: true }),
            (0x31, Control::Rr { nr: 1, pf: true }),
            (0x35, Control::Rnr { nr: 1, pf: true }),
            (0x19, Control::Rej { nr: 0, pf: true }),
            (0x1D, Control::Srej { nr: 0, pf: true }),
            (0x93, Control::Snrm { pf: true }),
            (0x83, Control::Snrm { pf: false }),
            (0x53, Control::Disc { pf: true }),
            (0x73, Control::Ua { pf: true }),
            (0x1F, Control::Dm { pf: true }),
            (0x97, Control::Frmr { pf: true }),
            (0x13, Control::Ui { pf: true }),
            (0x03, Control::Ui { pf: false }),
            (
                0xC0,
                Control::I {
                    ns: 0,
                    nr: 6,
                    pf: false,
                },
            ),
            (0xC3, Control::Unknown(0xC3)),
            (0x2F, Control::Unknown(0x2F)),
        ];
        for (b, c) in cases {
            assert_eq!(Control::from(b), c, "0x{b:02X}");
            assert_eq!(u8::from(c), b);
        }
    }

    #[test]
    fn accessors() {
        let c = Control::I {
            ns: 3,
            nr: 5,
            pf: false,
        };
        assert_eq!(c.frame_type(), FrameType::I);
        assert_eq!((c.ns(), c.nr(), c.pf()), (Some(3), Some(5), false));
        assert_eq!(
            c.with_pf(true),
            Control::I {
                ns: 3,
                nr: 5,
                pf: true
            }
        );
        assert_eq!(Control::Ua { pf: true }.nr(), None);
        assert_eq!(Control::Unknown(0x2F).frame_type(), FrameType::Unknown);
        assert_eq!(Control::Rr { nr: 9, pf: false }.to_byte(), 0x21);
    }

    #[test]
    fn display() {
        use std::string::ToString;
        assert_eq!(Control::from(0x52).to_string(), "I N(S)=1 N(R)=2 P/F");
        assert_eq!(Control::from(0x93).to_string(), "SNRM P/F");
        assert_eq!(Control::from(0x2F).to_string(), "unknown 0x2F");
        assert_eq!(FrameType::Snrm.to_string(), "SNRM");
    }
}
