//! Receiving pushes without an association (IEC 62056-5-3, the DATA-NOTIFICATION and
//! EVENT-NOTIFICATION services): a head-end's listener for many meters.
//!
//! A [`PushListener`] takes the APDUs a link handed up as pushes (HDLC UI or I frames outside a
//! connection, wrapper PDUs, UDP datagrams), puts together those that came in general block
//! transfer blocks (one per UI frame, as Landis+Gyr E450 meters send them), and decrypts a
//! ciphered push with the security context of the meter whose system title it carries
//! (general-glo-ciphering names its sender). Nothing is allocated: the contexts are the
//! caller's slice, the reassembly buffer the caller's.
//!
//! ```
//! use dlms::axdr::Data;
//! use dlms::security::{SecurityContext, SecuritySuite, SystemTitle};
//! use dlms::session::push::{Push, PushListener};
//! let mut meters: [SecurityContext; 0] = [];
//! let mut listener = PushListener::new(&mut meters, [0u8; 512]).accept_clear(true);
//! // A DataNotification in clear: invoke id 1, no time stamp, double-long-unsigned 5000.
//! let mut apdu = [0x0F, 0, 0, 0, 1, 0x00, 0x06, 0, 0, 0x13, 0x88];
//! let Push::Data { meter, notification } = listener.handle(&mut apdu)? else { panic!() };
//! assert_eq!(meter, None);
//! assert_eq!(notification.body, Data::DoubleLongUnsigned(5000));
//! # Ok::<(), dlms::Error>(())
//! ```

use crate::apdu::{
    Apdu, DataNotification, EventNotification, GeneralBlockTransfer, GeneralGloCiphering,
    plain_tag_of,
};
use crate::gbt::{GbtReassembler, GbtStatus};
use crate::security::SecurityContext;
use crate::{Error, Result};

/// What a push APDU brought.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Push<'a> {
    /// A DataNotification; `meter` is the index of the context that decrypted it (`None`: it
    /// came in clear).
    Data {
        /// The meter, by its index in the listener's contexts.
        meter: Option<usize>,
        /// The notification.
        notification: DataNotification<'a>,
    },
    /// An EventNotification.
    Event {
        /// The meter, by its index in the listener's contexts.
        meter: Option<usize>,
        /// The notification.
        notification: EventNotification<'a>,
    },
    /// A block of a push in general block transfer; more follow.
    Partial {
        /// The block's number.
        block_number: u16,
    },
}

/// A listener for pushes from many meters (see the [module docs](self)).
#[derive(Debug)]
pub struct PushListener<'m, B> {
    meters: &'m mut [SecurityContext],
    gbt: GbtReassembler<B>,
    accept_clear: bool,
}

impl<'m, B: AsRef<[u8]> + AsMut<[u8]>> PushListener<'m, B> {
    /// A listener decrypting with `meters` (each context holds the head-end's system title
    /// as its own, the meter's as its peer's, and the meter's keys and counters), putting
    /// pushes in general block transfer together in `gbt_buffer` (its length bounds them).
    /// Pushes in clear are refused unless [`accept_clear`](Self::accept_clear).
    pub fn new(meters: &'m mut [SecurityContext], gbt_buffer: B) -> Self {
        PushListener {
            meters,
            gbt: GbtReassembler::new(gbt_buffer),
            accept_clear: false,
        }
    }

    /// Whether pushes in clear are taken (a HAN port without encryption).
    #[must_use]
    pub fn accept_clear(mut self, accept: bool) -> Self {
        self.accept_clear = accept;
        self
    }

    /// The meters' contexts (their invocation counters, for persistence).
    pub fn meters(&self) -> &[SecurityContext] {
        self.meters
    }

    /// Takes one push APDU (decrypted in place when ciphered).
    ///
    /// A general-block-transfer block is put together with the ones before it; a block 1
    /// while another push is unfinished starts the new push (the end of the last one was
    /// lost).
    ///
    /// # Errors
    /// [`Error::UnknownSystemTitle`] for a ciphered push from a meter the listener has no
    /// context for; [`Error::MissingSystemTitle`] for a service-specific ciphered APDU (which
    /// names no sender) when there is more than one context; the errors of
    /// [`SecurityContext::unprotect_apdu`] (a replayed push: [`Error::Replay`]);
    /// [`Error::ProtectionNotAccepted`] for a push in clear unless accepted; the errors of
    /// [`GbtReassembler::push`] and of decoding; [`Error::UnknownTag`] for an APDU that is no
    /// push.
    pub fn handle<'s>(&'s mut self, apdu: &'s mut [u8]) -> Result<Push<'s>> {
        let bytes: &'s mut [u8] = if apdu.first() == Some(&GeneralBlockTransfer::TAG) {
            let block = GeneralBlockTransfer::parse(apdu)?;
            let status = match self.gbt.push(&block) {
                Err(Error::GbtBlockRepeated { block: 1 }) => {
                    self.gbt.reset();
                    self.gbt.push(&block)?
                }
                other => other?,
            };
            match status {
                GbtStatus::Complete(_) => {}
                GbtStatus::Partial { block_number } | GbtStatus::Skipped { block_number } => {
                    return Ok(Push::Partial { block_number });
                }
            }
            let Some(whole) = self.gbt.completed_mut() else {
                debug_assert!(false, "the push just completed");
                return Err(Error::InvalidArgument {
                    what: "no completed push",
                });
            };
            whole
        } else {
            apdu
        };
        decode(self.meters, self.accept_clear, bytes)
    }
}

fn decode<'s>(
    meters: &mut [SecurityContext],
    accept_clear: bool,
    bytes: &'s mut [u8],
) -> Result<Push<'s>> {
    let Some(&tag) = bytes.first() else {
        return Err(Error::Truncated {
            field: "apdu",
            offset: 0,
            needed: 1,
        });
    };
    let (meter, plain): (Option<usize>, &'s [u8]) = match tag {
        GeneralGloCiphering::TAG_GLO | GeneralGloCiphering::TAG_DED => {
            let title: [u8; 8] = {
                let envelope = GeneralGloCiphering::parse(bytes)?;
                envelope
                    .system_title
                    .try_into()
                    .map_err(|_| Error::SystemTitleLength {
                        len: envelope.system_title.len(),
                    })?
            };
            let index = meters
                .iter()
                .position(|m| m.peer_title().is_some_and(|t| *t.as_bytes() == title))
                .ok_or(Error::UnknownSystemTitle { title })?;
            let context = meters
                .get_mut(index)
                .ok_or(Error::UnknownSystemTitle { title })?;
            (Some(index), context.unprotect_apdu(bytes)?.plaintext)
        }
        t if plain_tag_of(t).is_some() => {
            // glo-/ded- envelopes name no sender: only one meter can be meant.
            let [context] = meters else {
                return Err(Error::MissingSystemTitle);
            };
            (Some(0), context.unprotect_apdu(bytes)?.plaintext)
        }
        DataNotification::TAG | EventNotification::TAG if !accept_clear => {
            return Err(Error::ProtectionNotAccepted { control: 0 });
        }
        _ => (None, bytes),
    };
    match Apdu::parse(plain)? {
        Apdu::DataNotification(notification) => Ok(Push::Data {
            meter,
            notification,
        }),
        Apdu::EventNotification(notification) => Ok(Push::Event {
            meter,
            notification,
        }),
        _ => Err(Error::UnknownTag {
            field: "push",
            tag: plain.first().copied().unwrap_or(tag),
            offset: 0,
        }),
    }
}
