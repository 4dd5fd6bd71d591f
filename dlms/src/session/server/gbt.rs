//! General block transfer inside a server association (IEC 62056-5-3, the general block
//! transfer mechanism): a request arriving in General-Block-Transfer blocks is reassembled, and
//! its response goes back in blocks, up to the client's window at a time, kept in the
//! association's GBT buffer until the client acknowledges them so that lost blocks can be sent
//! again from the block after `block-number-ack`.
//!
//! A GET of a long value is streamed: GET-Response-Normal is produced block by block from the
//! application ([`Progress::More`]), never held whole. Other responses fit one PDU and are cut
//! into blocks.

use super::{
    Application, Association, Came, GetDataResult, LongGet, MAX_SELECTION_LEN, Progress,
    RequestContext, ValueWriter, dispatch, emit, parse_selection,
};
use crate::apdu::{Apdu, GeneralBlockTransfer, GetRequest, GetResponse, SelectiveAccess};
use crate::axdr::{Encode, Sink};
use crate::gbt::{LAST_BLOCK, STREAMING, WINDOW_MASK};
use crate::{Error, Result};

/// The most blocks a window holds (the 6-bit window field).
const MAX_WINDOW: usize = 63;

/// The head of a General-Block-Transfer APDU with up to 3 bytes of length: tag, control,
/// block number, ack, length.
const GBT_HEAD_MAX: usize = 1 + 1 + 2 + 2 + 3;

/// Where the blocks of a response come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Everything is in the history already (`final_block` is known).
    Done,
    /// A long GET: the value continues from the application.
    Get(LongGet),
}

/// A response being sent in blocks.
#[derive(Debug, Clone, Copy)]
pub(super) struct GbtTx {
    /// Block data per block.
    block_size: usize,
    /// History slots (blocks kept for resending).
    slots: usize,
    /// The client's window.
    window: usize,
    /// The last block produced (and kept).
    produced: u16,
    /// The last block sent.
    sent: u16,
    /// The last block the client acknowledged.
    acked: u16,
    /// The number of the final block, once produced.
    final_block: Option<u16>,
    lens: [u16; MAX_WINDOW + 1],
    source: Source,
    /// The number of the client's request block to acknowledge in our blocks.
    ack_of_request: u16,
}

/// The GBT state of an association.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct GbtState {
    /// Bytes of a request being reassembled (at the start of the GBT buffer).
    rx_len: usize,
    /// The request block expected next (1 when none is in progress).
    rx_next: u16,
    pub(super) tx: Option<GbtTx>,
}

impl GbtState {
    pub(super) fn new() -> Self {
        GbtState {
            rx_len: 0,
            rx_next: 1,
            tx: None,
        }
    }
}

/// Handles one General-Block-Transfer APDU from the client: a block of a request, or an
/// acknowledgement of our blocks. Returns the APDU to send now, if any.
pub(super) fn on_block<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    block: &GeneralBlockTransfer<'_>,
    app: &mut A,
    out: &mut [u8],
    limit: usize,
) -> Result<Option<usize>> {
    let window = usize::from(block.window()).max(1);
    // An acknowledgement of our blocks (no data, not a last block).
    if block.block_data.is_empty() && !block.last_block() {
        let Some(tx) = assoc.gbt.tx.as_mut() else {
            // Nothing of ours to acknowledge: ignore, as a receiver ignores a stale ack.
            return Ok(None);
        };
        tx.window = window;
        let ack = block.block_number_ack;
        if ack > tx.sent {
            // Acknowledges blocks never sent: ignore it.
            return Ok(None);
        }
        tx.acked = tx.acked.max(ack);
        // Resend from the block after the ack (lost blocks), or go on with new ones.
        tx.sent = ack;
        return next_block(assoc, ctx, app, out, limit);
    }
    // A block of a request; a new request ends whatever response was going out.
    assoc.gbt.tx = None;
    let Some(buffer) = assoc.config.gbt_buffer.as_deref_mut() else {
        return Ok(None);
    };
    if block.block_number == 1 && assoc.gbt.rx_next != 1 {
        // A new request while the last one is unfinished: it starts over.
        assoc.gbt.rx_len = 0;
        assoc.gbt.rx_next = 1;
    }
    if block.block_number != assoc.gbt.rx_next {
        // Lost or repeated: keep what came in sequence and acknowledge it, so that the client
        // sends again from the block after it.
        return ack(assoc.gbt.rx_next.saturating_sub(1), out);
    }
    let end = assoc.gbt.rx_len + block.block_data.len();
    let Some(dst) = buffer.get_mut(assoc.gbt.rx_len..end) else {
        assoc.gbt.rx_len = 0;
        assoc.gbt.rx_next = 1;
        return super::exception(
            out,
            crate::apdu::StateError::SERVICE_NOT_ALLOWED,
            crate::apdu::ExceptionServiceError::PDU_TOO_LONG,
        );
    };
    dst.copy_from_slice(block.block_data);
    assoc.gbt.rx_len = end;
    assoc.gbt.rx_next = block.block_number.wrapping_add(1);
    if !block.last_block() {
        if block.streaming() {
            return Ok(None);
        }
        return ack(block.block_number, out);
    }
    // The request is complete.
    let request_block = block.block_number;
    let len = assoc.gbt.rx_len;
    assoc.gbt.rx_len = 0;
    assoc.gbt.rx_next = 1;
    let limit = limit.min(out.len());
    let block_size = limit.saturating_sub(GBT_HEAD_MAX);
    let Some(storage_len) = assoc.config.gbt_buffer.as_ref().map(|b| b.len()) else {
        return Ok(None);
    };
    if block_size == 0 {
        return Err(Error::BufferTooSmall {
            needed: GBT_HEAD_MAX + 1,
            available: limit,
        });
    }
    let slots = (storage_len / block_size).clamp(1, MAX_WINDOW);
    let block_size = block_size.min(storage_len);
    let mut request = [0u8; REQUEST_MAX];
    let Some(bytes) = assoc
        .config
        .gbt_buffer
        .as_deref()
        .and_then(|b| b.get(..len))
    else {
        return Ok(None);
    };
    let Some(copy) = request.get_mut(..len) else {
        return super::exception(
            out,
            crate::apdu::StateError::SERVICE_NOT_ALLOWED,
            crate::apdu::ExceptionServiceError::PDU_TOO_LONG,
        );
    };
    copy.copy_from_slice(bytes);
    let request = request.get(..len).unwrap_or_default();
    let mut tx = GbtTx {
        block_size,
        slots,
        window,
        produced: 0,
        sent: 0,
        acked: 0,
        final_block: None,
        lens: [0; MAX_WINDOW + 1],
        source: Source::Done,
        ack_of_request: request_block,
    };
    if request.first() == Some(&GeneralBlockTransfer::TAG) {
        // A block inside blocks.
        return super::exception(
            out,
            crate::apdu::StateError::SERVICE_NOT_ALLOWED,
            crate::apdu::ExceptionServiceError::OPERATION_NOT_POSSIBLE,
        );
    }
    match Apdu::parse(request) {
        Ok(Apdu::GetRequest(GetRequest::Normal {
            invoke,
            attribute,
            access,
        })) => {
            let mut selection = [0u8; MAX_SELECTION_LEN];
            let selection_len = match access {
                None => 0,
                Some(a) => {
                    let mut sink = crate::axdr::SliceSink::new(&mut selection);
                    sink.put_u8(a.selector)?;
                    a.parameters.emit_to(&mut sink)?;
                    sink.len()
                }
            };
            if let Some(result) = super::check_read(app, ctx, &attribute) {
                let n = emit(
                    &GetResponse::Normal {
                        invoke,
                        result: GetDataResult::Error(result),
                    },
                    out,
                )?;
                store_whole(assoc, &mut tx, out, n)?;
            } else {
                assoc.carried = 0;
                tx.source = Source::Get(LongGet {
                    invoke,
                    attribute,
                    selection,
                    selection_len,
                    resume: None,
                    block: 0,
                });
            }
        }
        _ => {
            // Any other request: its response is made to fit one block.
            let Some(n) = dispatch(assoc, ctx, Came::Clear, request, app, out, block_size)? else {
                return Ok(None);
            };
            store_whole(assoc, &mut tx, out, n)?;
        }
    }
    assoc.gbt.tx = Some(tx);
    next_block(assoc, ctx, app, out, limit)
}

/// The longest request taken in blocks.
const REQUEST_MAX: usize = 1024;

/// Puts a whole response (in `out[..n]`) into the history as blocks.
fn store_whole(assoc: &mut Association<'_>, tx: &mut GbtTx, out: &[u8], n: usize) -> Result<()> {
    let Some(storage) = assoc.config.gbt_buffer.as_deref_mut() else {
        return Ok(());
    };
    let blocks = n.div_ceil(tx.block_size).max(1);
    if blocks > tx.slots {
        // The buffer cannot keep the response: send it in fewer, larger blocks is not
        // possible either, so keep only what fits (the response is cut short).
        return Err(Error::BufferTooSmall {
            needed: n,
            available: tx.slots * tx.block_size,
        });
    }
    for (i, chunk) in out
        .get(..n)
        .unwrap_or_default()
        .chunks(tx.block_size)
        .enumerate()
    {
        let at = i * tx.block_size;
        if let Some(dst) = storage.get_mut(at..at + chunk.len()) {
            dst.copy_from_slice(chunk);
        }
        if let Some(l) = tx.lens.get_mut(i) {
            *l = chunk.len() as u16;
        }
    }
    tx.produced = blocks as u16;
    tx.final_block = Some(blocks as u16);
    Ok(())
}

fn ack(block_number_ack: u16, out: &mut [u8]) -> Result<Option<usize>> {
    emit(
        &GeneralBlockTransfer {
            block_control: 1,
            block_number: 0,
            block_number_ack,
            block_data: &[],
        },
        out,
    )
    .map(Some)
}

/// The next block to send, if the window allows one: produced if new, else taken from the
/// history (a resend).
pub(super) fn next_block<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    out: &mut [u8],
    limit: usize,
) -> Result<Option<usize>> {
    let Some(mut tx) = assoc.gbt.tx else {
        return Ok(None);
    };
    if tx.final_block.is_some_and(|f| tx.acked >= f) {
        assoc.gbt.tx = None;
        return Ok(None);
    }
    let number = tx.sent.wrapping_add(1);
    let window_end = tx.acked.saturating_add(tx.window.min(tx.slots) as u16);
    if number > window_end || tx.final_block.is_some_and(|f| number > f) {
        // Wait for the client's acknowledgement.
        return Ok(None);
    }
    if number <= tx.produced.saturating_sub(tx.slots as u16) {
        // Older than the history keeps: cannot be sent again.
        assoc.gbt.tx = None;
        return super::exception(
            out,
            crate::apdu::StateError::SERVICE_NOT_ALLOWED,
            crate::apdu::ExceptionServiceError::OPERATION_NOT_POSSIBLE,
        );
    }
    if number > tx.produced {
        produce(assoc, ctx, app, &mut tx, number)?;
    }
    let slot = usize::from(number - 1) % tx.slots;
    let len = usize::from(tx.lens.get(slot).copied().unwrap_or(0));
    let last = tx.final_block == Some(number);
    // Streaming while more blocks of this window follow.
    let streaming = !last && number < window_end;
    let control = (if last { LAST_BLOCK } else { 0 })
        | (if streaming { STREAMING } else { 0 })
        | (tx.slots.min(usize::from(WINDOW_MASK)) as u8 & WINDOW_MASK);
    let Some(storage) = assoc.config.gbt_buffer.as_deref() else {
        return Ok(None);
    };
    let at = slot * tx.block_size;
    let data = storage.get(at..at + len).unwrap_or_default();
    let block = GeneralBlockTransfer {
        block_control: control,
        block_number: number,
        block_number_ack: tx.ack_of_request,
        block_data: data,
    };
    let n = block.emit(out.get_mut(..limit.min(out.len())).unwrap_or_default())?;
    tx.sent = number;
    assoc.gbt.tx = Some(tx);
    Ok(Some(n))
}

/// Produces block `number` (the one after the last produced) into its history slot.
fn produce<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    tx: &mut GbtTx,
    number: u16,
) -> Result<()> {
    let Source::Get(mut long) = tx.source else {
        debug_assert!(false, "a whole response is in the history from the start");
        return Ok(());
    };
    let slot = usize::from(number - 1) % tx.slots;
    let at = slot * tx.block_size;
    let Some(storage) = assoc.config.gbt_buffer.as_deref_mut() else {
        return Ok(());
    };
    let Some(region) = storage.get_mut(at..at + tx.block_size) else {
        return Ok(());
    };
    let mut start = 0;
    if number == 1 {
        // GET-Response-Normal with data: C4 01 invoke 00, then the value.
        let head = [GetResponse::TAG, 1, long.invoke.0, 0];
        start = head.len().min(region.len());
        if let (Some(dst), Some(src)) = (region.get_mut(..start), head.get(..start)) {
            dst.copy_from_slice(src);
        }
    }
    // The carry of the last block opens this one.
    let pending = assoc.carried;
    let take = pending.min(region.len() - start);
    if let (Some(dst), Some(src)) = (region.get_mut(start..start + take), assoc.carry.get(..take)) {
        dst.copy_from_slice(src);
    }
    assoc.carry.copy_within(take..pending, 0);
    let first = number == 1;
    let (len, carried, outcome) = {
        let mut w = ValueWriter::new(region, start + take, &mut assoc.carry, true);
        w.carried = pending - take;
        let mut outcome = Ok(long.resume);
        if (first || long.resume.is_some()) && !w.is_full() {
            let selection: Option<SelectiveAccess<'_>> =
                match long.selection.get(..long.selection_len) {
                    Some(s) if !s.is_empty() => parse_selection(s),
                    _ => None,
                };
            let resume = if first { None } else { long.resume };
            outcome = match app.get(ctx, &long.attribute, selection.as_ref(), resume, &mut w) {
                Ok(Progress::Done) => Ok(None),
                Ok(Progress::More(p)) => Ok(Some(p)),
                Err(result) => Err(result),
            };
        }
        (w.len(), w.carried, outcome)
    };
    let (len, carried, resume) = match outcome {
        Ok(resume) => (len, carried, resume),
        Err(result) if first => {
            // Nothing sent yet: the response is the error.
            let n = emit(
                &GetResponse::Normal {
                    invoke: long.invoke,
                    result: GetDataResult::Error(result),
                },
                region_of(assoc, at, tx.block_size),
            )?;
            (n, 0, None)
        }
        // The value broke off mid-transfer: end it here (the client finds the value short).
        Err(_) => (len, 0, None),
    };
    assoc.carried = carried;
    long.resume = resume;
    long.block = u32::from(number);
    if let Some(l) = tx.lens.get_mut(slot) {
        *l = len as u16;
    }
    tx.produced = number;
    if resume.is_none() && carried == 0 {
        tx.final_block = Some(number);
        tx.source = Source::Done;
    } else {
        tx.source = Source::Get(long);
    }
    Ok(())
}

/// The history slot at `at`, `len` bytes (empty if outside the buffer).
fn region_of<'a>(assoc: &'a mut Association<'_>, at: usize, len: usize) -> &'a mut [u8] {
    assoc
        .config
        .gbt_buffer
        .as_deref_mut()
        .and_then(|b| b.get_mut(at..at + len))
        .unwrap_or_default()
}
