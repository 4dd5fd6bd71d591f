//! Rendering of one APDU for `meterkit dlms decode`: a JSON value with the field names of the
//! `expect` objects in the shared DLMS vectors, and an indented text tree.
//!
//! The framing code (`dlms_cmd`) hands every APDU it finds — bare, inside a wrapper PDU, or
//! reassembled from HDLC frames — to [`view`].
//!
//! Ciphered APDUs are shown as their parts (security control, invocation counter, ciphertext,
//! tag). Given keys ([`Keys`]), each ciphered APDU — on its own, or as the user-information of
//! an AARQ, AARE, RLRQ or RLRE — is also unprotected (on a copy, through
//! `SecurityContext::unprotect_apdu`) and shown with the decrypted fields of the vectors: `iv`,
//! `plaintext`, `auth_tag_verified` (`true`, `false` when no authentication key was given so
//! the tag could not be checked, `null` without a tag) and `plaintext_apdu`.

use std::fmt::Write as _;

use dlms::apdu::{
    AccessRequestSpec, AccessResponseSpec, ActionRequest, ActionResponse, ActionResponseItem, Apdu,
    AttributeDescriptor, AttributeWithSelection, AuthenticationValue, BerBitString, BlockResult,
    CipheredContent, Conformance, ConformanceTag, DataBlock, DateTimeEncoding, DateTimeField,
    GetDataResult, GetRequest, GetResponse, InvokeIdAndPriority, KeyInfo, LongInvokeIdAndPriority,
    MethodDescriptor, ObjectId, ReadResult, ResultSourceDiagnostic, SelectiveAccess, SetRequest,
    SetResponse, Tlv, UserInformation, VariableAccess, WriteResult, ciphered_name,
};
use dlms::axdr::{Data, DateTime, Encode};
use dlms::security::{
    Key, KeyId, SecurityContext, SecurityControl, SecurityPolicy, SecuritySuite, SuiteSet,
    SystemTitle, TagStatus,
};
use obis::TextForm;
use serde_json::{Map, Value, json};

/// One APDU, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct ApduView {
    /// The decoded APDU as JSON (`{"type": "get-request", "variant": "normal", ...}`).
    pub json: Value,
    /// The decoded APDU as an indented tree, one field per line, no trailing newline.
    pub tree: String,
}

/// The keys to unprotect ciphered APDUs with (never printed).
#[derive(Debug, Default, Clone)]
pub struct Keys {
    /// The sender's system title (glo- and ded- APDUs carry none; general-glo may carry an
    /// empty one).
    pub system_title: Option<SystemTitle>,
    /// The global encryption key (unicast and broadcast).
    pub ek: Option<Key>,
    /// The authentication key.
    pub ak: Option<Key>,
    /// The dedicated key (ded- APDUs).
    pub dedicated: Option<Key>,
    /// The master key (general-ciphering wrapped keys).
    pub kek: Option<Key>,
}

/// Decodes and renders one APDU.
///
/// # Errors
/// The decoder's error, as text (what was wrong and at which offset).
pub fn view(apdu: &[u8]) -> Result<ApduView, String> {
    view_with_keys(apdu, None)
}

/// Decodes and renders one APDU, unprotecting the ciphered APDUs in it with `keys`.
///
/// # Errors
/// The decoder's error, or the reason a ciphered APDU does not unprotect (wrong key, altered
/// data, missing key or title), as one line of text.
pub fn view_with_keys(apdu: &[u8], keys: Option<&Keys>) -> Result<ApduView, String> {
    let decoded = Apdu::parse(apdu).map_err(|e| e.to_string())?;
    let json = apdu_json(&decoded, keys)?;
    let mut tree = String::new();
    render(&mut tree, 0, None, &json);
    while tree.ends_with('\n') {
        tree.pop();
    }
    Ok(ApduView { json, tree })
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(value: u8, name: Option<&str>) -> Value {
    json!({ "code": value, "name": name })
}

// ---- A-XDR ---------------------------------------------------------------------------------------

/// The `{"type": ..., "value" | "items": ...}` tree of a value.
fn data_json(d: &Data<'_>) -> Value {
    let ty = d.data_type().name().unwrap_or("unknown");
    let value = match *d {
        Data::Array(ref s) | Data::Structure(ref s) => {
            return json!({ "type": ty, "items": s.iter().map(|e| data_json(&e)).collect::<Vec<_>>() });
        }
        Data::CompactArray(c) => {
            let items: Vec<Value> = c.elements().iter().map(|e| data_json(&e)).collect();
            return json!({ "type": ty, "description": hex(c.description()), "items": items });
        }
        Data::Null | Data::DontCare => return json!({ "type": ty }),
        Data::Boolean(b) => json!(b),
        Data::BitString(b) => json!(
            b.iter()
                .map(|bit| if bit { '1' } else { '0' })
                .collect::<String>()
        ),
        Data::OctetString(b) => json!(hex(b)),
        Data::VisibleString(b) | Data::Utf8String(b) => json!(text(b)),
        Data::Bcd(v) => json!(format!("{v:02x}")),
        Data::Float32(v) => json!(v),
        Data::Float64(v) => json!(v),
        Data::DateTime(v) => json!(hex(&v.to_bytes())),
        Data::Date(v) => json!(hex(&v.to_bytes())),
        Data::Time(v) => json!(hex(&v.to_bytes())),
        ref other => match other.as_integer() {
            Some(i) => match i64::try_from(i) {
                Ok(v) => json!(v),
                Err(_) => json!(u64::try_from(i).unwrap_or(u64::MAX)),
            },
            None => Value::Null,
        },
    };
    json!({ "type": ty, "value": value })
}

fn date_time_json(dt: &DateTime) -> Value {
    json!({
        "hex": hex(&dt.to_bytes()),
        "decoded": {
            "year": dt.date.year,
            "month": dt.date.month,
            "day_of_month": dt.date.day_of_month,
            "day_of_week": dt.date.day_of_week,
            "hour": dt.time.hour,
            "minute": dt.time.minute,
            "second": dt.time.second,
            "hundredths": dt.time.hundredths,
            "deviation_minutes": dt.deviation.minutes(),
            "clock_status": dt.clock_status.0,
        }
    })
}

fn date_time_field_json(f: &DateTimeField) -> Value {
    match f {
        DateTimeField::Absent => Value::Null,
        DateTimeField::Present { value, encoding } => {
            let mut v = date_time_json(value);
            let form = match encoding {
                DateTimeEncoding::Length => None,
                DateTimeEncoding::FlagAndLength => Some("flag-and-length"),
                DateTimeEncoding::Flag => Some("flag"),
                DateTimeEncoding::DataTag => Some("data-tag"),
            };
            if let (Some(form), Some(obj)) = (form, v.as_object_mut()) {
                obj.insert("encoding".into(), json!(form));
            }
            v
        }
    }
}

// ---- xDLMS building blocks -------------------------------------------------------------------------

fn invoke_json(i: InvokeIdAndPriority) -> Value {
    json!({
        "raw": i.0,
        "invoke_id": i.invoke_id(),
        "service_class": if i.confirmed() { "confirmed" } else { "unconfirmed" },
        "priority": if i.high_priority() { "high" } else { "normal" },
    })
}

fn long_invoke_json(i: LongInvokeIdAndPriority) -> Value {
    json!({
        "raw": i.0,
        "invoke_id": i.invoke_id(),
        "self_descriptive": i.self_descriptive(),
        "processing_option": if i.break_on_error() { "break-on-error" } else { "continue-on-error" },
        "service_class": if i.confirmed() { "confirmed" } else { "unconfirmed" },
        "priority": if i.high_priority() { "high" } else { "normal" },
    })
}

fn attribute_json(a: &AttributeDescriptor) -> Value {
    json!({
        "class_id": a.class_id,
        "instance_id": hex(a.instance_id.as_bytes()),
        "obis": a.instance_id.display(TextForm::DottedF).to_string(),
        "attribute_id": a.attribute_id,
    })
}

fn method_json(m: &MethodDescriptor) -> Value {
    json!({
        "class_id": m.class_id,
        "instance_id": hex(m.instance_id.as_bytes()),
        "obis": m.instance_id.display(TextForm::DottedF).to_string(),
        "method_id": m.method_id,
    })
}

fn selective_access_json(sa: &SelectiveAccess<'_>) -> Value {
    let name = match sa.selector {
        1 => Some("range-descriptor"),
        2 => Some("entry-descriptor"),
        _ => None,
    };
    json!({
        "access_selector": sa.selector,
        "selector_name": name,
        "access_parameters": data_json(&sa.parameters),
    })
}

fn access_selection_json(sa: &Option<SelectiveAccess<'_>>) -> Value {
    sa.as_ref().map_or(Value::Null, selective_access_json)
}

fn with_selection_json(a: &AttributeWithSelection<'_>) -> Value {
    json!({
        "cosem_attribute_descriptor": attribute_json(&a.attribute),
        "access_selection": access_selection_json(&a.access),
    })
}

fn get_data_result_json(r: &GetDataResult<'_>) -> Value {
    match r {
        GetDataResult::Data(d) => json!({ "data": data_json(d) }),
        GetDataResult::Error(e) => json!({ "data_access_result": code(e.0, e.name()) }),
    }
}

fn datablock_json(b: &DataBlock<'_>) -> Value {
    json!({ "last_block": b.last_block, "block_number": b.block_number, "raw_data": hex(b.raw_data) })
}

fn action_item_json(i: &ActionResponseItem<'_>) -> Value {
    json!({
        "result": code(i.result.0, i.result.name()),
        "return_parameters": i.return_parameters.as_ref().map_or(Value::Null, get_data_result_json),
    })
}

fn conformance_json(c: Conformance, tag: ConformanceTag) -> Value {
    let mut v = json!({ "hex": hex(&c.to_bytes()), "flags": c.names().collect::<Vec<_>>() });
    if tag == ConformanceTag::Short
        && let Some(o) = v.as_object_mut()
    {
        o.insert("tag_encoding".into(), json!("5f"));
    }
    v
}

fn security_control_json(sc: SecurityControl) -> Value {
    json!({
        "raw": sc.to_byte(),
        "security_suite": sc.suite().id(),
        "authenticated": sc.is_authenticated(),
        "encrypted": sc.is_encrypted(),
        "broadcast_key": sc.uses_broadcast_key(),
        "compressed": sc.is_compressed(),
    })
}

fn ciphered_content_fields(obj: &mut Map<String, Value>, c: &CipheredContent<'_>) {
    let encrypted = c.security_control.is_encrypted();
    obj.insert("length".into(), json!(c.len()));
    obj.insert(
        "security_control".into(),
        security_control_json(c.security_control),
    );
    obj.insert("invocation_counter".into(), json!(c.invocation_counter));
    obj.insert(
        "ciphertext".into(),
        if encrypted {
            json!(hex(c.information))
        } else {
            Value::Null
        },
    );
    obj.insert(
        "plaintext_in_clear".into(),
        if encrypted {
            Value::Null
        } else {
            json!(hex(c.information))
        },
    );
    obj.insert(
        "auth_tag".into(),
        c.auth_tag.map_or(Value::Null, |t| json!(hex(t))),
    );
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

// ---- ACSE ----------------------------------------------------------------------------------------

fn oid_json(oid: ObjectId<'_>, name: Option<&str>) -> Value {
    json!({ "oid": oid.to_string(), "name": name })
}

fn bits_json(b: BerBitString<'_>, flag: &str) -> Value {
    let bits: String = b.bits().map(|x| if x { '1' } else { '0' }).collect();
    object(vec![("bits", json!(bits)), (flag, json!(b.bit(0)))])
}

fn auth_value_json(a: &AuthenticationValue<'_>) -> Value {
    let mut v = json!({ "choice": a.choice_name(), "value": hex(a.value) });
    if !a.value.is_empty()
        && a.value.iter().all(|b| (0x20..0x7F).contains(b))
        && let Some(o) = v.as_object_mut()
    {
        o.insert("text".into(), json!(text(a.value)));
    }
    v
}

fn tlv_json(t: &Tlv<'_>) -> Value {
    match t.tag {
        0x02 => t
            .as_unsigned()
            .map_or_else(|| json!(hex(t.value)), |v| json!(v)),
        _ => json!(hex(t.value)),
    }
}

fn user_information_json(u: &UserInformation<'_>, keys: Option<&Keys>) -> Result<Value, String> {
    let bytes = u.to_vec().unwrap_or_default();
    let apdu = match *u {
        UserInformation::InitiateRequest(i) => Apdu::InitiateRequest(i),
        UserInformation::InitiateResponse(i) => Apdu::InitiateResponse(i),
        UserInformation::ConfirmedServiceError(e) => Apdu::ConfirmedServiceError(e),
        UserInformation::Ciphered(c) => Apdu::Ciphered(c),
        UserInformation::GeneralGlo(g) => Apdu::GeneralGloCiphering(g),
        UserInformation::GeneralCiphering(g) => Apdu::GeneralCiphering(g),
    };
    Ok(json!({ "hex": hex(&bytes), "apdu": apdu_json(&apdu, keys)? }))
}

/// Adds `"user_information"` (the decoded xDLMS APDU an ACSE APDU carries), when there is one.
fn push_user_information(
    obj: &mut Map<String, Value>,
    u: Option<&UserInformation<'_>>,
    keys: Option<&Keys>,
) -> Result<(), String> {
    let v = u.map(|u| user_information_json(u, keys)).transpose()?;
    push_opt(obj, "user_information", v);
    Ok(())
}

fn push_opt(obj: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        obj.insert(key.into(), v);
    }
}

// ---- the APDUs -----------------------------------------------------------------------------------

fn apdu_json(apdu: &Apdu<'_>, keys: Option<&Keys>) -> Result<Value, String> {
    // The sender's title of a ciphered user-information is the AARQ's calling-AP-title or the
    // AARE's responding-AP-title, unless one was given.
    let ap_title = match apdu {
        Apdu::Aarq(a) => a.calling_ap_title,
        Apdu::Aare(a) => a.responding_ap_title,
        _ => None,
    };
    let titled;
    let keys = match (
        keys,
        ap_title.and_then(|t| SystemTitle::from_slice(t.value).ok()),
    ) {
        (Some(k), Some(title)) if k.system_title.is_none() => {
            titled = Keys {
                system_title: Some(title),
                ..k.clone()
            };
            Some(&titled)
        }
        _ => keys,
    };
    let mut o = Map::new();
    o.insert("type".into(), json!(apdu.type_name()));
    match apdu {
        Apdu::Aarq(a) => {
            push_opt(
                &mut o,
                "protocol_version",
                a.protocol_version.map(|b| bits_json(b, "version1")),
            );
            let ctx = a.application_context_name;
            o.insert(
                "application_context_name".into(),
                oid_json(ctx, ctx.application_context().and_then(|c| c.name())),
            );
            push_opt(
                &mut o,
                "called_ap_title",
                a.called_ap_title.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "called_ae_qualifier",
                a.called_ae_qualifier.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "called_ap_invocation_id",
                a.called_ap_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "called_ae_invocation_id",
                a.called_ae_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "calling_ap_title",
                a.calling_ap_title.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "calling_ae_qualifier",
                a.calling_ae_qualifier.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "calling_ap_invocation_id",
                a.calling_ap_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "calling_ae_invocation_id",
                a.calling_ae_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "sender_acse_requirements",
                a.sender_acse_requirements
                    .map(|b| bits_json(b, "authentication")),
            );
            push_opt(
                &mut o,
                "mechanism_name",
                a.mechanism_name
                    .map(|m| oid_json(m, m.mechanism().and_then(|x| x.name()))),
            );
            push_opt(
                &mut o,
                "calling_authentication_value",
                a.calling_authentication_value.as_ref().map(auth_value_json),
            );
            push_opt(
                &mut o,
                "implementation_information",
                a.implementation_information.map(|b| json!(hex(b))),
            );
            push_user_information(&mut o, a.user_information.as_ref(), keys)?;
        }
        Apdu::Aare(a) => {
            push_opt(
                &mut o,
                "protocol_version",
                a.protocol_version.map(|b| bits_json(b, "version1")),
            );
            let ctx = a.application_context_name;
            o.insert(
                "application_context_name".into(),
                oid_json(ctx, ctx.application_context().and_then(|c| c.name())),
            );
            o.insert("result".into(), code(a.result.0, a.result.name()));
            let diag = match a.result_source_diagnostic {
                ResultSourceDiagnostic::User(d) => {
                    json!({ "source": "acse-service-user", "code": d.0, "name": d.name() })
                }
                ResultSourceDiagnostic::Provider(d) => {
                    json!({ "source": "acse-service-provider", "code": d.0, "name": d.name() })
                }
            };
            o.insert("result_source_diagnostic".into(), diag);
            push_opt(
                &mut o,
                "responding_ap_title",
                a.responding_ap_title.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "responding_ae_qualifier",
                a.responding_ae_qualifier.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "responding_ap_invocation_id",
                a.responding_ap_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "responding_ae_invocation_id",
                a.responding_ae_invocation_id.as_ref().map(tlv_json),
            );
            push_opt(
                &mut o,
                "responder_acse_requirements",
                a.responder_acse_requirements
                    .map(|b| bits_json(b, "authentication")),
            );
            push_opt(
                &mut o,
                "mechanism_name",
                a.mechanism_name
                    .map(|m| oid_json(m, m.mechanism().and_then(|x| x.name()))),
            );
            push_opt(
                &mut o,
                "responding_authentication_value",
                a.responding_authentication_value
                    .as_ref()
                    .map(auth_value_json),
            );
            push_opt(
                &mut o,
                "implementation_information",
                a.implementation_information.map(|b| json!(hex(b))),
            );
            push_user_information(&mut o, a.user_information.as_ref(), keys)?;
        }
        Apdu::Rlrq(r) => {
            push_opt(&mut o, "reason", r.reason.map(|x| code(x.0, x.name())));
            push_user_information(&mut o, r.user_information.as_ref(), keys)?;
        }
        Apdu::Rlre(r) => {
            push_opt(&mut o, "reason", r.reason.map(|x| code(x.0, x.name())));
            push_user_information(&mut o, r.user_information.as_ref(), keys)?;
        }
        Apdu::InitiateRequest(i) => {
            o.insert(
                "dedicated_key".into(),
                i.dedicated_key.map_or(Value::Null, |k| json!(hex(k))),
            );
            o.insert("response_allowed".into(), json!(i.response_allowed()));
            o.insert(
                "proposed_quality_of_service".into(),
                json!(i.proposed_quality_of_service),
            );
            o.insert(
                "proposed_dlms_version_number".into(),
                json!(i.proposed_dlms_version_number),
            );
            o.insert(
                "proposed_conformance".into(),
                conformance_json(i.proposed_conformance, i.conformance_tag),
            );
            o.insert(
                "client_max_receive_pdu_size".into(),
                json!(i.client_max_receive_pdu_size),
            );
        }
        Apdu::InitiateResponse(i) => {
            o.insert(
                "negotiated_quality_of_service".into(),
                json!(i.negotiated_quality_of_service),
            );
            o.insert(
                "negotiated_dlms_version_number".into(),
                json!(i.negotiated_dlms_version_number),
            );
            o.insert(
                "negotiated_conformance".into(),
                conformance_json(i.negotiated_conformance, i.conformance_tag),
            );
            o.insert(
                "server_max_receive_pdu_size".into(),
                json!(i.server_max_receive_pdu_size),
            );
            o.insert("vaa_name".into(), json!(i.vaa_name));
        }
        Apdu::ConfirmedServiceError(e) => {
            o.insert("service".into(), code(e.service.0, e.service.name()));
            o.insert(
                "service_error".into(),
                json!({ "class": code(e.error.class.0, e.error.class.name()), "code": e.error.value, "name": e.error.name() }),
            );
        }
        Apdu::ExceptionResponse(e) => {
            o.insert(
                "state_error".into(),
                code(e.state_error.0, e.state_error.name()),
            );
            o.insert(
                "service_error".into(),
                code(e.service_error.0, e.service_error.name()),
            );
            o.insert("invocation_counter".into(), json!(e.invocation_counter));
        }
        Apdu::GetRequest(g) => {
            o.insert("variant".into(), json!(g.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(g.invoke()));
            match g {
                GetRequest::Normal {
                    attribute, access, ..
                } => {
                    o.insert(
                        "cosem_attribute_descriptor".into(),
                        attribute_json(attribute),
                    );
                    o.insert("access_selection".into(), access_selection_json(access));
                }
                GetRequest::Next { block_number, .. } => {
                    o.insert("block_number".into(), json!(block_number));
                }
                GetRequest::WithList { attributes, .. } => {
                    o.insert(
                        "attribute_descriptor_list".into(),
                        attributes.iter().map(|a| with_selection_json(&a)).collect(),
                    );
                }
            }
        }
        Apdu::GetResponse(g) => {
            o.insert("variant".into(), json!(g.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(g.invoke()));
            match g {
                GetResponse::Normal { result, .. } => {
                    o.insert("result".into(), get_data_result_json(result));
                }
                GetResponse::WithDataBlock {
                    last_block,
                    block_number,
                    result,
                    ..
                } => {
                    o.insert("last_block".into(), json!(last_block));
                    o.insert("block_number".into(), json!(block_number));
                    let r = match result {
                        BlockResult::RawData(raw) => json!({ "raw_data": hex(raw) }),
                        BlockResult::Error(e) => {
                            json!({ "data_access_result": code(e.0, e.name()) })
                        }
                    };
                    o.insert("result".into(), r);
                }
                GetResponse::WithList { results, .. } => {
                    o.insert(
                        "results".into(),
                        results.iter().map(|r| get_data_result_json(&r)).collect(),
                    );
                }
            }
        }
        Apdu::SetRequest(s) => {
            o.insert("variant".into(), json!(s.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(s.invoke()));
            match s {
                SetRequest::Normal {
                    attribute,
                    access,
                    value,
                    ..
                } => {
                    o.insert(
                        "cosem_attribute_descriptor".into(),
                        attribute_json(attribute),
                    );
                    o.insert("access_selection".into(), access_selection_json(access));
                    o.insert("value".into(), data_json(value));
                }
                SetRequest::WithFirstDataBlock {
                    attribute,
                    access,
                    block,
                    ..
                } => {
                    o.insert(
                        "cosem_attribute_descriptor".into(),
                        attribute_json(attribute),
                    );
                    o.insert("access_selection".into(), access_selection_json(access));
                    o.insert("datablock".into(), datablock_json(block));
                }
                SetRequest::WithDataBlock { block, .. } => {
                    o.insert("datablock".into(), datablock_json(block));
                }
                SetRequest::WithList {
                    attributes, values, ..
                } => {
                    o.insert(
                        "attribute_descriptor_list".into(),
                        attributes.iter().map(|a| with_selection_json(&a)).collect(),
                    );
                    o.insert(
                        "value_list".into(),
                        values.iter().map(|v| data_json(&v)).collect(),
                    );
                }
                SetRequest::WithListAndFirstDataBlock {
                    attributes, block, ..
                } => {
                    o.insert(
                        "attribute_descriptor_list".into(),
                        attributes.iter().map(|a| with_selection_json(&a)).collect(),
                    );
                    o.insert("datablock".into(), datablock_json(block));
                }
            }
        }
        Apdu::SetResponse(s) => {
            o.insert("variant".into(), json!(s.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(s.invoke()));
            match s {
                SetResponse::Normal { result, .. } => {
                    o.insert("result".into(), code(result.0, result.name()));
                }
                SetResponse::DataBlock { block_number, .. } => {
                    o.insert("block_number".into(), json!(block_number));
                }
                SetResponse::LastDataBlock {
                    result,
                    block_number,
                    ..
                } => {
                    o.insert("result".into(), code(result.0, result.name()));
                    o.insert("block_number".into(), json!(block_number));
                }
                SetResponse::LastDataBlockWithList {
                    results,
                    block_number,
                    ..
                } => {
                    o.insert(
                        "results".into(),
                        results.iter().map(|r| code(r.0, r.name())).collect(),
                    );
                    o.insert("block_number".into(), json!(block_number));
                }
                SetResponse::WithList { results, .. } => {
                    o.insert(
                        "results".into(),
                        results.iter().map(|r| code(r.0, r.name())).collect(),
                    );
                }
            }
        }
        Apdu::ActionRequest(a) => {
            o.insert("variant".into(), json!(a.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(a.invoke()));
            match a {
                ActionRequest::Normal {
                    method, parameters, ..
                } => {
                    o.insert("cosem_method_descriptor".into(), method_json(method));
                    o.insert(
                        "method_invocation_parameters".into(),
                        parameters.as_ref().map_or(Value::Null, data_json),
                    );
                }
                ActionRequest::NextPBlock { block_number, .. } => {
                    o.insert("block_number".into(), json!(block_number));
                }
                ActionRequest::WithList {
                    methods,
                    parameters,
                    ..
                } => {
                    o.insert(
                        "cosem_method_descriptor_list".into(),
                        methods.iter().map(|m| method_json(&m)).collect(),
                    );
                    o.insert(
                        "method_invocation_parameters".into(),
                        parameters.iter().map(|p| data_json(&p)).collect(),
                    );
                }
                ActionRequest::WithFirstPBlock { method, block, .. } => {
                    o.insert("cosem_method_descriptor".into(), method_json(method));
                    o.insert("pblock".into(), datablock_json(block));
                }
                ActionRequest::WithListAndFirstPBlock { methods, block, .. } => {
                    o.insert(
                        "cosem_method_descriptor_list".into(),
                        methods.iter().map(|m| method_json(&m)).collect(),
                    );
                    o.insert("pblock".into(), datablock_json(block));
                }
                ActionRequest::WithPBlock { block, .. } => {
                    o.insert("pblock".into(), datablock_json(block));
                }
            }
        }
        Apdu::ActionResponse(a) => {
            o.insert("variant".into(), json!(a.variant_name()));
            o.insert("invoke_id_and_priority".into(), invoke_json(a.invoke()));
            match a {
                ActionResponse::Normal { response, .. } => {
                    o.insert("single_response".into(), action_item_json(response));
                }
                ActionResponse::WithPBlock { block, .. } => {
                    o.insert("pblock".into(), datablock_json(block));
                }
                ActionResponse::WithList { responses, .. } => {
                    o.insert(
                        "list_of_responses".into(),
                        responses.iter().map(|r| action_item_json(&r)).collect(),
                    );
                }
                ActionResponse::NextPBlock { block_number, .. } => {
                    o.insert("block_number".into(), json!(block_number));
                }
            }
        }
        Apdu::EventNotification(e) => {
            o.insert("time".into(), date_time_field_json(&e.time));
            o.insert(
                "cosem_attribute_descriptor".into(),
                attribute_json(&e.attribute),
            );
            o.insert("attribute_value".into(), data_json(&e.value));
        }
        Apdu::DataNotification(n) => {
            o.insert(
                "long_invoke_id_and_priority".into(),
                long_invoke_json(n.long_invoke_id),
            );
            o.insert("date_time".into(), date_time_field_json(&n.date_time));
            o.insert("notification_body".into(), data_json(&n.body));
        }
        Apdu::GeneralBlockTransfer(g) => {
            o.insert(
                "block_control".into(),
                json!({ "raw": g.block_control, "last_block": g.last_block(), "streaming": g.streaming(), "window": g.window() }),
            );
            o.insert("block_number".into(), json!(g.block_number));
            o.insert("block_number_ack".into(), json!(g.block_number_ack));
            o.insert("block_data".into(), json!(hex(g.block_data)));
        }
        Apdu::AccessRequest(a) => {
            o.insert(
                "long_invoke_id_and_priority".into(),
                long_invoke_json(a.long_invoke_id),
            );
            o.insert("date_time".into(), date_time_field_json(&a.date_time));
            o.insert(
                "access_request_specification".into(),
                a.requests.iter().map(|r| access_spec_json(&r)).collect(),
            );
            o.insert(
                "access_request_list_of_data".into(),
                a.data.iter().map(|d| data_json(&d)).collect(),
            );
        }
        Apdu::AccessResponse(a) => {
            o.insert(
                "long_invoke_id_and_priority".into(),
                long_invoke_json(a.long_invoke_id),
            );
            o.insert("date_time".into(), date_time_field_json(&a.date_time));
            o.insert(
                "access_request_specification".into(),
                a.requests.map_or(Value::Null, |l| {
                    l.iter().map(|r| access_spec_json(&r)).collect()
                }),
            );
            o.insert(
                "access_response_list_of_data".into(),
                a.data.iter().map(|d| data_json(&d)).collect(),
            );
            let specs: Vec<Value> = a
                .responses
                .iter()
                .map(|r| match r {
                    AccessResponseSpec::Get(x) => {
                        json!({ "kind": "get", "result": code(x.0, x.name()) })
                    }
                    AccessResponseSpec::Set(x) => {
                        json!({ "kind": "set", "result": code(x.0, x.name()) })
                    }
                    AccessResponseSpec::Action(x) => {
                        json!({ "kind": "action", "result": code(x.0, x.name()) })
                    }
                })
                .collect();
            o.insert("access_response_specification".into(), specs.into());
        }
        Apdu::ReadRequest(r) => {
            o.insert(
                "variable_access_specification".into(),
                r.variables.iter().map(|v| variable_json(&v)).collect(),
            );
        }
        Apdu::ReadResponse(r) => {
            let results: Vec<Value> = r
                .results
                .iter()
                .map(|x| match x {
                    ReadResult::Data(d) => json!({ "data": data_json(&d) }),
                    ReadResult::Error(e) => json!({ "data_access_error": code(e.0, e.name()) }),
                    ReadResult::DataBlock { last_block, block_number, raw_data } => json!({
                        "data_block_result": { "last_block": last_block, "block_number": block_number, "raw_data": hex(raw_data) }
                    }),
                    ReadResult::BlockNumber(n) => json!({ "block_number": n }),
                })
                .collect();
            o.insert("results".into(), results.into());
        }
        Apdu::WriteRequest(w) => {
            o.insert(
                "variable_access_specification".into(),
                w.variables.iter().map(|v| variable_json(&v)).collect(),
            );
            o.insert(
                "list_of_data".into(),
                w.values.iter().map(|d| data_json(&d)).collect(),
            );
        }
        Apdu::UnconfirmedWriteRequest(w) => {
            o.insert(
                "variable_access_specification".into(),
                w.variables.iter().map(|v| variable_json(&v)).collect(),
            );
            o.insert(
                "list_of_data".into(),
                w.values.iter().map(|d| data_json(&d)).collect(),
            );
        }
        Apdu::WriteResponse(w) => {
            let results: Vec<Value> = w
                .results
                .iter()
                .map(|x| match x {
                    WriteResult::Success => json!({ "success": null }),
                    WriteResult::Error(e) => json!({ "data_access_error": code(e.0, e.name()) }),
                    WriteResult::BlockNumber(n) => json!({ "block_number": n }),
                })
                .collect();
            o.insert("results".into(), results.into());
        }
        Apdu::InformationReportRequest(r) => {
            o.insert("current_time".into(), date_time_field_json(&r.current_time));
            o.insert(
                "variable_access_specification".into(),
                r.variables.iter().map(|v| variable_json(&v)).collect(),
            );
            o.insert(
                "list_of_data".into(),
                r.values.iter().map(|d| data_json(&d)).collect(),
            );
        }
        Apdu::Ciphered(c) => {
            o.insert("type".into(), json!(ciphered_name(c.tag)));
            o.insert("tag".into(), json!(c.tag));
            ciphered_content_fields(&mut o, &c.content);
            decrypted_fields(&mut o, apdu, keys)?;
        }
        Apdu::GeneralGloCiphering(g) => {
            o.insert("tag".into(), json!(g.tag));
            o.insert("system_title".into(), json!(hex(g.system_title)));
            ciphered_content_fields(&mut o, &g.content);
            decrypted_fields(&mut o, apdu, keys)?;
        }
        Apdu::GeneralCiphering(g) => {
            o.insert("tag".into(), json!(dlms::apdu::GeneralCiphering::TAG));
            general_header_fields(&mut o, &g.header);
            let key_info = match g.key_info {
                None => Value::Null,
                Some(KeyInfo::Identified { key_id }) => {
                    json!({ "choice": "identified-key", "key_id": code(key_id.0, key_id.name()) })
                }
                Some(KeyInfo::Wrapped {
                    kek_id,
                    key_ciphered_data,
                }) => {
                    json!({ "choice": "wrapped-key", "kek_id": kek_id, "key_ciphered_data": hex(key_ciphered_data) })
                }
                Some(KeyInfo::Agreed {
                    key_parameters,
                    key_ciphered_data,
                }) => json!({
                    "choice": "agreed-key",
                    "key_parameters": hex(key_parameters),
                    "key_ciphered_data": hex(key_ciphered_data)
                }),
            };
            o.insert("key_info".into(), key_info);
            ciphered_content_fields(&mut o, &g.content);
            decrypted_fields(&mut o, apdu, keys)?;
        }
        Apdu::GeneralSigning(g) => {
            o.insert("tag".into(), json!(dlms::apdu::GeneralSigning::TAG));
            general_header_fields(&mut o, &g.header);
            o.insert("content".into(), json!(hex(g.content)));
            o.insert(
                "content_apdu".into(),
                match Apdu::parse(g.content) {
                    Ok(a) => apdu_json(&a, keys)?,
                    Err(_) => Value::Null,
                },
            );
            o.insert("signature".into(), json!(hex(g.signature)));
        }
        _ => {}
    }
    Ok(Value::Object(o))
}

/// A context that unprotects whatever `keys` allow, for a tool: every suite, tag-less and
/// unverified APDUs accepted (reported as such), the recipient of a general-ciphering APDU
/// taken as us.
fn tool_context(apdu: &Apdu<'_>, keys: &Keys) -> Result<SecurityContext, dlms::Error> {
    let (control, recipient) = match apdu {
        Apdu::Ciphered(c) => (c.content.security_control, None),
        Apdu::GeneralGloCiphering(g) => (g.content.security_control, None),
        Apdu::GeneralCiphering(g) => (
            g.content.security_control,
            SystemTitle::from_slice(g.header.recipient_system_title).ok(),
        ),
        _ => {
            return Err(dlms::Error::InvalidArgument {
                what: "not ciphered",
            });
        }
    };
    let suite = control.suite();
    suite.require_known()?;
    let mut ctx = SecurityContext::new(suite, recipient.unwrap_or(SystemTitle::new([0; 8])))?;
    let all = SuiteSet::EMPTY
        .with(SecuritySuite::SUITE_0)
        .with(SecuritySuite::SUITE_1)
        .with(SecuritySuite::SUITE_2);
    let mut policy = SecurityPolicy::STRICT
        .allow_unauthenticated(true)
        .allow_empty_system_title(true)
        .allow_unverified_tag(true);
    policy.extra_suites = all;
    ctx.set_policy(policy);
    ctx.set_peer_title(keys.system_title);
    for (id, key) in [
        (KeyId::GLOBAL_UNICAST_ENCRYPTION, &keys.ek),
        (KeyId::GLOBAL_BROADCAST_ENCRYPTION, &keys.ek),
        (KeyId::AUTHENTICATION, &keys.ak),
        (KeyId::MASTER, &keys.kek),
    ] {
        if let Some(key) = key {
            ctx.set_key(id, key.clone())?;
        }
    }
    ctx.set_dedicated_key(keys.dedicated.clone())?;
    Ok(ctx)
}

/// `iv`, `plaintext`, `auth_tag_verified` and `plaintext_apdu` of a ciphered APDU, when keys
/// are given.
fn decrypted_fields(
    o: &mut Map<String, Value>,
    apdu: &Apdu<'_>,
    keys: Option<&Keys>,
) -> Result<(), String> {
    let Some(keys) = keys else { return Ok(()) };
    let name = apdu.type_name();
    let fail = |e: dlms::Error| format!("{name}: {e}");
    let mut ctx = tool_context(apdu, keys).map_err(fail)?;
    let mut bytes = apdu.to_vec().map_err(fail)?;
    let got = ctx.unprotect_apdu(&mut bytes).map_err(fail)?;
    o.insert(
        "iv".into(),
        json!(hex(&dlms::security::iv(
            &got.system_title,
            got.invocation_counter
        ))),
    );
    o.insert("plaintext".into(), json!(hex(got.plaintext)));
    o.insert(
        "auth_tag_verified".into(),
        match got.tag {
            TagStatus::Verified => json!(true),
            TagStatus::NotVerified => json!(false),
            TagStatus::Absent => Value::Null,
        },
    );
    let inner = match Apdu::parse(got.plaintext) {
        Ok(inner) => apdu_json(&inner, Some(keys))?,
        Err(_) => Value::Null,
    };
    o.insert("plaintext_apdu".into(), inner);
    Ok(())
}

fn general_header_fields(o: &mut Map<String, Value>, h: &dlms::apdu::GeneralHeader<'_>) {
    o.insert("transaction_id".into(), json!(hex(h.transaction_id)));
    o.insert(
        "originator_system_title".into(),
        json!(hex(h.originator_system_title)),
    );
    o.insert(
        "recipient_system_title".into(),
        json!(hex(h.recipient_system_title)),
    );
    o.insert("date_time".into(), json!(hex(h.date_time)));
    o.insert("other_information".into(), json!(hex(h.other_information)));
}

fn access_spec_json(s: &AccessRequestSpec<'_>) -> Value {
    match s {
        AccessRequestSpec::Get(a) => {
            json!({ "kind": "get", "cosem_attribute_descriptor": attribute_json(a) })
        }
        AccessRequestSpec::Set(a) => {
            json!({ "kind": "set", "cosem_attribute_descriptor": attribute_json(a) })
        }
        AccessRequestSpec::Action(m) => {
            json!({ "kind": "action", "cosem_method_descriptor": method_json(m) })
        }
        AccessRequestSpec::GetWithSelection { attribute, access } => json!({
            "kind": "get-with-selection",
            "cosem_attribute_descriptor": attribute_json(attribute),
            "access_selection": selective_access_json(access)
        }),
        AccessRequestSpec::SetWithSelection { attribute, access } => json!({
            "kind": "set-with-selection",
            "cosem_attribute_descriptor": attribute_json(attribute),
            "access_selection": selective_access_json(access)
        }),
    }
}

fn variable_json(v: &VariableAccess<'_>) -> Value {
    match v {
        VariableAccess::Name(n) => json!({ "kind": "variable-name", "variable_name": n }),
        VariableAccess::Parameterized {
            name,
            selector,
            parameter,
        } => json!({
            "kind": "parameterized-access", "variable_name": name, "selector": selector, "parameter": data_json(parameter)
        }),
        VariableAccess::BlockNumber(n) => {
            json!({ "kind": "block-number-access", "block_number": n })
        }
        VariableAccess::ReadDataBlock {
            last_block,
            block_number,
            raw_data,
        } => json!({
            "kind": "read-data-block-access", "last_block": last_block, "block_number": block_number, "raw_data": hex(raw_data)
        }),
        VariableAccess::WriteDataBlock {
            last_block,
            block_number,
        } => {
            json!({ "kind": "write-data-block-access", "last_block": last_block, "block_number": block_number })
        }
    }
}

// ---- the text tree -------------------------------------------------------------------------------

/// Writes `v` as an indented tree. A-XDR nodes (`{"type", "value" | "items"}`) print as one
/// line `type value` with their items below; other objects print one `key: value` per line.
fn render(out: &mut String, indent: usize, key: Option<&str>, v: &Value) {
    let pad = "  ".repeat(indent);
    let label = key.map(|k| format!("{k}: ")).unwrap_or_default();
    match v {
        Value::Object(o) if is_data_node(o) => {
            let ty = o.get("type").and_then(Value::as_str).unwrap_or("?");
            match (o.get("items"), o.get("value")) {
                (Some(Value::Array(items)), _) => {
                    let _ = writeln!(out, "{pad}{label}{ty} ({} items)", items.len());
                    for item in items {
                        render(out, indent + 1, None, item);
                    }
                }
                (_, Some(value)) => {
                    let _ = writeln!(out, "{pad}{label}{ty} {}", scalar(value));
                }
                _ => {
                    let _ = writeln!(out, "{pad}{label}{ty}");
                }
            }
        }
        Value::Object(o) => {
            let title = o.get("type").and_then(Value::as_str);
            match (key, title) {
                (Some(k), Some(t)) => {
                    let _ = writeln!(out, "{pad}{k}: {t}");
                }
                (Some(k), None) => {
                    let _ = writeln!(out, "{pad}{k}:");
                }
                (None, Some(t)) => {
                    let _ = writeln!(out, "{pad}{t}");
                }
                (None, None) => {}
            }
            let inner = if key.is_some() || title.is_some() {
                indent + 1
            } else {
                indent
            };
            for (k, v) in o {
                if k != "type" || title.is_none() {
                    render(out, inner, Some(k), v);
                }
            }
        }
        Value::Array(items) => {
            let _ = writeln!(out, "{pad}{label}({} items)", items.len());
            for item in items {
                render(out, indent + 1, Some("-"), item);
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{label}{}", scalar(other));
        }
    }
}

fn is_data_node(o: &Map<String, Value>) -> bool {
    o.get("type").and_then(Value::as_str).is_some()
        && (o.contains_key("value") || o.contains_key("items") || o.len() == 1)
        && o.keys()
            .all(|k| matches!(k.as_str(), "type" | "value" | "items" | "description"))
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public `apdu` records of ../shared/vectors/dlms/public.json and the APDUs of its
    /// HDLC and wrapper records (`apdu_hex` + `expect.apdu`), copied with their `source`.
    const VECTORS: &str = include_str!("apdu_view_vectors.json");

    /// Fields of the vectors that need keys (decryption).
    const KEYED: [&str; 4] = ["iv", "plaintext", "auth_tag_verified", "plaintext_apdu"];

    fn strip_keyed(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for k in KEYED {
                    o.remove(k);
                }
                o.values_mut().for_each(strip_keyed);
            }
            Value::Array(a) => a.iter_mut().for_each(strip_keyed),
            _ => {}
        }
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The keys of a vector record (`keys.system_title`, `ek`, `ak`).
    fn record_keys(r: &Value) -> Option<Keys> {
        let k = r.get("keys")?;
        let key = |name: &str| Some(Key::from_slice(&unhex(k[name].as_str()?)).unwrap());
        Some(Keys {
            system_title: Some(
                SystemTitle::from_slice(&unhex(k["system_title"].as_str()?)).unwrap(),
            ),
            ek: key("ek"),
            ak: key("ak"),
            ..Keys::default()
        })
    }

    fn green_book_keys(ak: bool) -> Keys {
        Keys {
            system_title: Some(SystemTitle::new([0x4D, 0x4D, 0x4D, 0, 0, 0xBC, 0x61, 0x4E])),
            ek: Some(Key::from_slice(&unhex("000102030405060708090a0b0c0d0e0f")).unwrap()),
            ak: ak.then(|| Key::from_slice(&unhex("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf")).unwrap()),
            ..Keys::default()
        }
    }

    #[test]
    fn every_public_apdu_vector_renders_its_expect_object() {
        let records: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
        assert_eq!(
            records.len(),
            40,
            "32 apdu records, 2 HDLC frames and 2 wrapper PDUs with APDUs, 4 cipher records"
        );
        let mut keyed = 0;
        for r in &records {
            let id = r["id"].as_str().unwrap();
            let bytes = unhex(r["hex"].as_str().unwrap());
            let expect = r["expect"].clone();
            // Without keys, the parts; with the record's keys, also the decrypted fields.
            let mut stripped = expect.clone();
            strip_keyed(&mut stripped);
            let got = view(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(
                got.json,
                stripped,
                "{id}\n{}",
                serde_json::to_string_pretty(&got.json).unwrap()
            );
            assert!(!got.tree.is_empty() && !got.tree.ends_with('\n'), "{id}");
            if let Some(keys) = record_keys(r) {
                keyed += 1;
                let got =
                    view_with_keys(&bytes, Some(&keys)).unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(
                    got.json,
                    expect,
                    "{id}\n{}",
                    serde_json::to_string_pretty(&got.json).unwrap()
                );
                assert!(got.tree.contains("auth_tag_verified:"), "{id}");
            }
        }
        assert_eq!(
            keyed, 6,
            "ACSE-04, ACSE-13, SEC-01, SEC-01b, SEC-02, SEC-03"
        );
    }

    #[test]
    fn decryption_without_the_authentication_key_or_with_a_wrong_key() {
        // SEC-01 (u9n/dlms-cosem test_security.py; jDLMS CipheringTest, Green Book).
        let sec01 = unhex("c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b");
        let got = view_with_keys(&sec01, Some(&green_book_keys(false))).unwrap();
        assert_eq!(
            got.json["auth_tag_verified"],
            json!(false),
            "tag not checked"
        );
        assert_eq!(got.json["plaintext"], json!("c0010000080000010000ff0200"));
        let mut wrong = green_book_keys(true);
        wrong.ak = Some(Key::aes128([0; 16]));
        assert_eq!(
            view_with_keys(&sec01, Some(&wrong)).unwrap_err(),
            "glo-get-request: authentication tag mismatch: wrong key or altered data"
        );
        let mut untitled = green_book_keys(true);
        untitled.system_title = None;
        assert_eq!(
            view_with_keys(&sec01, Some(&untitled)).unwrap_err(),
            "glo-get-request: the peer's system title is not known"
        );
        // ded- APDUs need the dedicated key.
        let mut ded = sec01.clone();
        ded[0] = 0xD0;
        assert_eq!(
            view_with_keys(&ded, Some(&green_book_keys(true))).unwrap_err(),
            "ded-get-request: no dedicated key configured"
        );
        // The title of a ciphered AARQ comes from its calling-AP-title (ACSE-04, u9n test_aarq.py).
        let acse04 = unhex(
            "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a80083132333435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211be6841db204d39ee6fdb8e356855",
        );
        let got = view_with_keys(&acse04, Some(&untitled)).unwrap();
        assert_eq!(
            got.json["user_information"]["apdu"]["plaintext_apdu"]["dedicated_key"],
            json!("00112233445566778899aabbccddeeff")
        );
    }

    #[test]
    fn tree_rendering() {
        // GET-Response-Normal, double-long-unsigned 5009 (jDLMS `cosem.asn` layout).
        let v = view(&unhex("c401c1000600001391")).unwrap();
        assert_eq!(
            v.tree,
            "get-response\n  variant: normal\n  invoke_id_and_priority:\n    raw: 193\n    invoke_id: 1\n    \
             service_class: confirmed\n    priority: high\n  result:\n    data: double-long-unsigned 5009"
        );
        // A structure prints its items below it.
        let n = view(&unhex("0f0000000100020209060100010800ff0600001388")).unwrap();
        assert!(n.tree.contains("notification_body: structure (2 items)\n    octet-string 0100010800ff\n    double-long-unsigned 5000"), "{}", n.tree);
    }

    #[test]
    fn errors_are_one_line() {
        assert_eq!(
            view(&[]).unwrap_err(),
            "truncated apdu at offset 0: 1 more byte(s) needed"
        );
        assert_eq!(
            view(&[0x77]).unwrap_err(),
            "unknown apdu tag 0x77 at offset 0"
        );
    }

    #[test]
    fn other_apdus_render() {
        // GET/SET/ACTION, exception, short-name, ACCESS and GBT examples (computed, decoded by the
        // Gurux translator): every one renders with its type.
        for (h, ty) in [
            ("d80101", "exception-response"),
            ("0e010601", "confirmed-service-error"),
            ("0501 02fa10", "read-request"),
            ("0c0100060000 0001", "read-response"),
            ("0601 02fa10 01 0600000001", "write-request"),
            ("0d0100", "write-response"),
            (
                "e0c000010000 0d c001c100030100010800ff0200",
                "general-block-transfer",
            ),
            (
                "d9 00000001 00 02 0100030100010800ff02 0100030100020800ff02 02 00 00",
                "access-request",
            ),
            (
                "c1 02 c1 0001 0000600100ff 02 00 00 00000001 04 09020102",
                "set-request",
            ),
            ("c3 01 c1 0046 0000600 30aff 01 01 0f00", "action-request"),
            (
                "c2 00 0008 0000010000ff 02 090c07e8011601 0c1e0000ffc400",
                "event-notification-request",
            ),
            (
                "db 08 4d4d4d0000bc614e 11 10 01234567 c00100000800000100 00ff02",
                "general-glo-ciphering",
            ),
        ] {
            let bytes = unhex(&h.replace(' ', ""));
            let v = view(&bytes).unwrap_or_else(|e| panic!("{h}: {e}"));
            assert_eq!(v.json["type"], ty, "{h}");
        }
    }
}
