//! The LLC header that starts the first information field of an LSDU (IEC 62056-46, LLC
//! sub-layer).
//!
//! | direction | bytes |
//! |---|---|
//! | client → server (command) | `E6 E6 00` |
//! | server → client (response, pushes) | `E6 E7 00` |
//!
//! Only the first segment of a segmented LSDU carries it; SNRM, UA, DISC, DM and FRMR
//! information fields carry none.

use crate::{Error, Result};

/// The LLC header of a command (client to server).
pub const LLC_COMMAND: [u8; 3] = [0xE6, 0xE6, 0x00];
/// The LLC header of a response (server to client, and pushes).
pub const LLC_RESPONSE: [u8; 3] = [0xE6, 0xE7, 0x00];

/// An LLC header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Llc {
    /// `E6 E6 00`: client to server.
    Command,
    /// `E6 E7 00`: server to client.
    Response,
}

impl Llc {
    /// The three bytes.
    #[must_use]
    pub const fn bytes(self) -> [u8; 3] {
        match self {
            Llc::Command => LLC_COMMAND,
            Llc::Response => LLC_RESPONSE,
        }
    }

    /// Splits an LLC header off the start of `info`, if there is one.
    ///
    /// ```
    /// use dlms::hdlc::Llc;
    /// assert_eq!(Llc::split(&[0xE6, 0xE7, 0x00, 0x0F]), (Some(Llc::Response), &[0x0F][..]));
    /// // L+G E450 GBT pushes: later UI frames start directly with the APDU
    /// // (esphome/esphome PR #16942).
    /// assert_eq!(Llc::split(&[0xE0, 0x40]), (None, &[0xE0, 0x40][..]));
    /// ```
    #[must_use]
    pub fn split(info: &[u8]) -> (Option<Llc>, &[u8]) {
        match info.split_first_chunk::<3>() {
            Some((&LLC_COMMAND, rest)) => (Some(Llc::Command), rest),
            Some((&LLC_RESPONSE, rest)) => (Some(Llc::Response), rest),
            _ => (None, info),
        }
    }

    /// Removes the expected LLC header from the start of `info`.
    ///
    /// # Errors
    /// [`Error::BadLlc`] (offset 0 of `info`) when `info` does not start with this header.
    pub fn strip(self, info: &[u8]) -> Result<&[u8]> {
        match info.split_first_chunk::<3>() {
            Some((head, rest)) if *head == self.bytes() => Ok(rest),
            _ => {
                let mut found = [0u8; 3];
                for (f, b) in found.iter_mut().zip(info) {
                    *f = *b;
                }
                Err(Error::BadLlc { offset: 0, found })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_strip() {
        // HDLC-06 (u9n TestInformationFrame): E6 E6 00 then the AARQ tag 0x60.
        assert_eq!(
            Llc::split(&[0xE6, 0xE6, 0x00, 0x60]),
            (Some(Llc::Command), &[0x60][..])
        );
        assert_eq!(
            Llc::Response.strip(&[0xE6, 0xE7, 0x00, 0x61]),
            Ok(&[0x61][..])
        );
        assert_eq!(
            Llc::split(&[0xE6, 0xE6, 0x01]),
            (None, &[0xE6, 0xE6, 0x01][..])
        );
        assert_eq!(Llc::split(&[0xE6]), (None, &[0xE6][..]));
    }

    #[test]
    fn negative() {
        assert_eq!(
            Llc::Response.strip(&[0xE6, 0xE6, 0x00, 0x61]),
            Err(Error::BadLlc {
                offset: 0,
                found: [0xE6, 0xE6, 0x00]
            })
        );
        assert_eq!(
            Llc::Command.strip(&[0xE6]),
            Err(Error::BadLlc {
                offset: 0,
                found: [0xE6, 0, 0]
            })
        );
    }
}
