//! The crate's error type.
//!
//! One enum for the whole crate (`#[non_exhaustive]`, `Copy`), grouped by layer. Every variant
//! says what was wrong and where: the field, and the byte offset into the input the decoder was
//! given. Faults of the peer (bad bytes on the wire) are distinct from misuse by the caller
//! (`BufferTooSmall`, `InvalidArgument`).

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- shared by every layer ----------------------------------------------------------
    /// The input ends before `field` is complete.
    #[error("truncated {field} at offset {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Offset of the field in the input.
        offset: usize,
        /// How many more bytes the field needs.
        needed: usize,
    },
    /// The caller's output buffer cannot hold what is to be written (caller error).
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A value passed in by the caller is outside what the protocol can express (caller error).
    #[error("invalid argument {what}")]
    InvalidArgument {
        /// What was wrong.
        what: &'static str,
    },
    // ---- link layer (HDLC, wrapper) -------------------------------------------------------
    /// A byte that must be the HDLC flag `0x7E` is something else (IEC 62056-46, frame format type 3).
    #[error("expected the HDLC flag 0x7E at offset {offset}, found 0x{found:02X}")]
    BadFlag {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// The frame format field does not announce frame format type 3 (`0xA` in the top nibble).
    #[error("frame format type 0x{found:X} at offset {offset} is not type 3 (0xA)")]
    BadFrameFormat {
        /// Offset of the format field.
        offset: usize,
        /// The format type found (top nibble of the first format byte).
        found: u8,
    },
    /// The frame length in the format field does not match the bytes between the flags.
    #[error("format field length {declared} does not match the {actual} bytes between the flags")]
    LengthMismatch {
        /// Length announced by the format field (or wrapper header).
        declared: usize,
        /// Bytes actually present.
        actual: usize,
    },
    /// An HDLC address has no byte with the extension bit set within its first four bytes.
    #[error("{field} at offset {offset} is longer than 4 bytes")]
    AddressTooLong {
        /// Which address (`"destination address"` or `"source address"`).
        field: &'static str,
        /// Offset of the address.
        offset: usize,
    },
    /// An HDLC address is 3 bytes long; only 1, 2 and 4 bytes are defined (IEC 62056-46 6.4.2.2).
    #[error("{field} at offset {offset} is {len} bytes long (1, 2 or 4 allowed)")]
    BadAddressLength {
        /// Which address.
        field: &'static str,
        /// Offset of the address.
        offset: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// The header check sequence is wrong.
    #[error("bad HCS at offset {offset}: computed 0x{expected:04X}, frame has 0x{found:04X}")]
    BadHcs {
        /// Offset of the HCS.
        offset: usize,
        /// The CRC computed over the header.
        expected: u16,
        /// The HCS found in the frame.
        found: u16,
    },
    /// The frame check sequence is wrong.
    #[error("bad FCS at offset {offset}: computed 0x{expected:04X}, frame has 0x{found:04X}")]
    BadFcs {
        /// Offset of the FCS.
        offset: usize,
        /// The CRC computed over the frame.
        expected: u16,
        /// The FCS found in the frame.
        found: u16,
    },
    /// A frame is longer than the receiver's buffer (or than the 11-bit length can express).
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLong {
        /// Length of the frame in bytes, flags included.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The LLC header of an information field is not the expected one (IEC 62056-46, LLC sub-layer).
    #[error("bad LLC header {found:02X?} at offset {offset}")]
    BadLlc {
        /// Offset of the LLC header.
        offset: usize,
        /// The three bytes found (fewer bytes are padded with zero).
        found: [u8; 3],
    },
    /// The HDLC parameter negotiation field of an SNRM or UA frame is malformed.
    #[error("bad HDLC parameter field at offset {offset}: {what}")]
    BadParameters {
        /// Offset of the offending byte in the information field.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A reassembled APDU (or LSDU) does not fit the receive buffer.
    #[error("reassembled data of at least {len} bytes exceeds the buffer of {capacity} bytes")]
    ApduTooLong {
        /// Bytes received so far (at least).
        len: usize,
        /// Capacity of the reassembly buffer.
        capacity: usize,
    },
    /// A general-block-transfer block comes after a gap: `expected` is the block that is
    /// missing (IEC 62056-5-3, general block transfer).
    #[error("general-block-transfer: block {expected} is missing (block {found} came instead)")]
    GbtBlockMissing {
        /// The number of the block that should have come next.
        expected: u16,
        /// The number of the block that came.
        found: u16,
    },
    /// A general-block-transfer block was already received, or block 1 of a new APDU came
    /// before the last block of the one in progress.
    #[error("general-block-transfer: block {block} is repeated")]
    GbtBlockRepeated {
        /// The block's number.
        block: u16,
    },
    /// The wrapper header does not carry version 0x0001 (IEC 62056-47, wrapper header).
    #[error("wrapper version 0x{found:04X} at offset {offset} is not 0x0001")]
    BadWrapperVersion {
        /// Offset of the version field.
        offset: usize,
        /// The version found.
        found: u16,
    },
    /// An operation needs a connected link (caller error).
    #[error("the HDLC link is not connected")]
    NotConnected,
    /// The link is still busy with an earlier APDU or command (caller error).
    #[error("the link is busy: wait for the previous APDU or command to complete")]
    LinkBusy,
    // ---- application layer (A-XDR, ACSE, xDLMS) -------------------------------------------
    /// A tag or CHOICE selector that the decoded structure does not define (peer fault).
    #[error("unknown {field} tag 0x{tag:02X} at offset {offset}")]
    UnknownTag {
        /// What the tag selects (`"data"`, `"apdu"`, `"get-request"`, ...).
        field: &'static str,
        /// The tag byte.
        tag: u8,
        /// Offset of the tag in the input.
        offset: usize,
    },
    /// A length field uses a form this encoding forbids (0x80, or more than four length bytes),
    /// or a length does not fit the field (peer fault).
    #[error("invalid length of {field} at offset {offset}")]
    InvalidLength {
        /// The field whose length is wrong.
        field: &'static str,
        /// Offset of the length in the input.
        offset: usize,
    },
    /// A field holds a value its definition does not allow (peer fault).
    #[error("invalid {field} at offset {offset}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// Offset of the field in the input.
        offset: usize,
    },
    /// A mandatory component is absent (peer fault).
    #[error("missing {field} in the component ending at offset {offset}")]
    MissingField {
        /// The missing component.
        field: &'static str,
        /// Offset of the end of the enclosing component.
        offset: usize,
    },
    /// A component appears twice (peer fault).
    #[error("duplicate {field} at offset {offset}")]
    DuplicateField {
        /// The repeated component.
        field: &'static str,
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// Arrays and structures nest deeper than [`Limits::max_depth`](crate::axdr::Limits)
    /// allows (peer fault, or a limit the caller set too low).
    #[error("nesting deeper than {limit} level(s) at offset {offset}")]
    DepthExceeded {
        /// The limit in force.
        limit: u8,
        /// Offset of the container that went too deep.
        offset: usize,
    },
    /// A value holds more elements than [`Limits::max_elements`](crate::axdr::Limits) allows
    /// (peer fault, or a limit the caller set too low).
    #[error("more than {limit} element(s) at offset {offset}")]
    TooManyElements {
        /// The limit in force.
        limit: u32,
        /// Offset of the element that went over the limit.
        offset: usize,
    },
    /// An element count cannot be right: even at one byte per element it needs more bytes than
    /// are left (peer fault).
    #[error(
        "{field} claims {count} element(s) at offset {offset} with only {available} byte(s) left"
    )]
    CountTooLarge {
        /// The sequence whose count is wrong.
        field: &'static str,
        /// The count read.
        count: u32,
        /// Bytes left after the count.
        available: usize,
        /// Offset of the count in the input.
        offset: usize,
    },
    /// Bytes follow a complete APDU or value that was expected to end the input (peer fault).
    #[error("{count} byte(s) after the end of the {field} at offset {offset}")]
    TrailingBytes {
        /// What ended.
        field: &'static str,
        /// Offset of the first extra byte.
        offset: usize,
        /// How many extra bytes there are.
        count: usize,
    },
    // ---- security ---------------------------------------------------------------------------
    /// The authentication tag does not match: a wrong key (EK or AK) or altered data
    /// (IEC 62056-5-3 security suites; NIST SP 800-38D 7.2). The two cannot be told apart.
    #[error("authentication tag mismatch: wrong key or altered data")]
    TagMismatch,
    /// The invocation counter is not greater than the last one accepted under this key
    /// and direction: a replayed or stale APDU (Green Book 9.2.7.2.4.2).
    #[error("invocation counter {counter:#010x} replayed or stale (last accepted {last:#010x})")]
    Replay {
        /// The counter found in the APDU.
        counter: u32,
        /// The last counter accepted under this key and direction.
        last: u32,
    },
    /// The sending invocation counter is exhausted: the key must be renewed before anything
    /// else is protected with it (a counter value must never repeat under one key).
    #[error("invocation counter exhausted: renew the key")]
    CounterExhausted,
    /// The system title in the APDU is not the one expected from this peer.
    #[error("wrong system title {found:02x?}, expected {expected:02x?}")]
    WrongSystemTitle {
        /// The title the peer announced (AARQ/AARE) or that was configured.
        expected: [u8; 8],
        /// The title found in the APDU.
        found: [u8; 8],
    },
    /// A system title is not 8 bytes long (or is empty where the policy does not accept it).
    #[error("system title of {len} byte(s); 8 expected")]
    SystemTitleLength {
        /// The length found.
        len: usize,
    },
    /// A ciphered push carries the system title of no meter the listener knows.
    #[error("push from unknown system title {title:02x?}")]
    UnknownSystemTitle {
        /// The system title the push carries.
        title: [u8; 8],
    },
    /// No system title is known for the peer, and the APDU carries none (caller error).
    #[error("the peer's system title is not known")]
    MissingSystemTitle,
    /// The security suite nibble of the security control byte is not 0, 1 or 2.
    #[error("unsupported security suite {suite}")]
    UnsupportedSuite {
        /// The suite id found (security control byte bits 3..0).
        suite: u8,
    },
    /// The APDU uses a known suite that the context and its policy do not accept.
    #[error("security suite {found} not accepted (context uses suite {expected})")]
    SuiteNotAccepted {
        /// The suite the context was set up for.
        expected: u8,
        /// The suite found in the security control byte.
        found: u8,
    },
    /// A key does not have the size the security suite needs (16 bytes for suites 0 and 1,
    /// 32 for suite 2), or a key is neither 16 nor 32 bytes long.
    #[error("key of {found} bytes where suite {suite} needs {expected}")]
    KeySize {
        /// The suite the key is used with.
        suite: u8,
        /// The key size the suite needs.
        expected: usize,
        /// The key size given.
        found: usize,
    },
    /// The key needed for this operation is not configured (caller error).
    #[error("no {key} configured")]
    MissingKey {
        /// Which key is missing.
        key: &'static str,
    },
    /// The security control byte asks for compression, which is not supported.
    #[error("compressed APDU (security control {control:#04x}): compression is not supported")]
    CompressionUnsupported {
        /// The security control byte.
        control: u8,
    },
    /// The APDU's protection (security control byte) is below what the policy requires:
    /// encryption without authentication, or no protection at all.
    #[error("security control {control:#04x} not accepted by the security policy")]
    ProtectionNotAccepted {
        /// The security control byte.
        control: u8,
    },
    /// The additional authenticated data (security control byte, authentication key and the
    /// general-ciphering fields) does not fit the fixed-size buffer it is built in.
    #[error("additional authenticated data of {len} bytes exceeds {max}")]
    AadTooLong {
        /// Its length.
        len: usize,
        /// The maximum supported.
        max: usize,
    },
    /// RFC 3394 key unwrap failed its integrity check: wrong master key (KEK) or altered data.
    #[error("key unwrap integrity check failed: wrong master key or altered data")]
    KeyUnwrap,
    /// An HLS challenge is not 8 to 64 bytes long (Green Book 9.2.7.4).
    #[error("challenge of {len} bytes; 8 to 64 expected")]
    ChallengeLength {
        /// The length found.
        len: usize,
    },
    /// The server rejected the association: the AARE's result (1 rejected-permanent, 2
    /// rejected-transient) and its diagnostic (IEC 62056-5-3, the A-ASSOCIATE service).
    #[error(
        "association rejected (result {result}, {} diagnostic {diagnostic})",
        if *by_provider { "acse-service-provider" } else { "acse-service-user" }
    )]
    AssociationRejected {
        /// The association result.
        result: u8,
        /// The result-source-diagnostic value.
        diagnostic: u8,
        /// Whether the diagnostic is the ACSE service provider's (else the service user's).
        by_provider: bool,
    },
    /// The peer's password (LLS) or its answer to our HLS challenge, f(challenge), is wrong.
    #[error("authentication failed: wrong password or wrong response to the challenge")]
    AuthenticationFailed,
    /// The authentication mechanism is not one this function or build supports.
    #[error("authentication mechanism {mechanism} not supported here")]
    MechanismUnsupported {
        /// The mechanism id (the last arc of 2.16.756.5.8.2.x).
        mechanism: u8,
    },
    /// The key-info of a general-ciphering APDU names a key this context cannot use: an
    /// identified key other than the global unicast (0) and broadcast (1) keys (choice 0), a
    /// key-encryption key other than the master key (choice 1), a key agreement other than
    /// one-pass Diffie-Hellman, or any agreement in a build without elliptic curves (choice 2).
    #[error("general-ciphering key-info choice {choice} with value {value} not supported")]
    KeyInfoUnsupported {
        /// The key-info choice: 0 identified, 1 wrapped, 2 agreed key.
        choice: u8,
        /// The key id, KEK id or key-parameters value.
        value: u8,
    },
    /// An ECDSA signature does not verify (or is not r ‖ s of the curve's size).
    #[error("ECDSA signature invalid")]
    BadSignature,
    /// An elliptic-curve key is malformed: a public key not on the curve, or a private key out
    /// of range.
    #[error("invalid elliptic-curve key")]
    BadEcKey,
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
