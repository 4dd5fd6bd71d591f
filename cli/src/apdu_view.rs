//! Rendering of one APDU for `meterkit dlms decode`: a JSON value with the field names of the
//! `expect` objects in the shared DLMS vectors, and an indented text tree.
//!
//! The framing code (`dlms_cmd`) hands every APDU it finds — bare, inside a wrapper PDU, or
//! reassembled from HDLC frames — to [`view`].

use serde_json::{Value, json};

/// One APDU, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct ApduView {
    /// The decoded APDU as JSON (`{"type": "get-request", "variant": "normal", ...}`).
    pub json: Value,
    /// The decoded APDU as an indented tree, one field per line, no trailing newline.
    pub tree: String,
}

/// Decodes and renders one APDU.
///
/// Until the application layer lands this only reports the tag and the length.
pub fn view(apdu: &[u8]) -> Result<ApduView, String> {
    let Some(&tag) = apdu.first() else {
        return Err("empty APDU".to_string());
    };
    Ok(ApduView {
        json: json!({ "tag": tag, "length": apdu.len() }),
        tree: format!("apdu tag 0x{tag:02X}, {} bytes", apdu.len()),
    })
}
