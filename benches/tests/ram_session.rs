//! The static RAM of a meter's session stack, as the table in the module docs of
//! `dlms::session::server` gives it: the server session with one association, an HDLC server
//! link for 1 KiB PDUs (the link and its storage), and the session's request and response
//! buffers. The bounds keep the table true: each is the measured size rounded up to the next
//! 256 bytes, so a change that grows a structure past it has to update the table.

use core::mem::size_of;

use dlms::hdlc::{Address, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{HdlcServer, ServerConfig as LinkServerConfig};
use dlms::security::SecurityContext;
use dlms::session::client::Client;
use dlms::session::server::Server;

/// The request and the response buffer of the session (1 KiB PDUs).
const PDU: usize = 1024;

fn link_config() -> LinkServerConfig {
    let mut c = LinkServerConfig::new(Address::server(1, Some(17)).unwrap());
    c.max_apdu_rx = PDU;
    c.max_apdu_tx = PDU;
    c
}

/// The HDLC link's storage for 1 KiB PDUs and default parameters (128-byte information
/// fields): one frame, the receive and the transmit buffer.
fn link_storage() -> usize {
    HdlcServer::<[u8; 0]>::storage_len(&link_config())
}

#[test]
fn the_server_stack_fits_its_table() {
    let server1 = size_of::<Server<'static, 1>>();
    let server2 = size_of::<Server<'static, 2>>();
    let per_association = server2 - server1;
    let security = size_of::<SecurityContext>();
    let link = size_of::<HdlcServer<[u8; 0]>>();
    let storage = link_storage();
    let buffers = 2 * PDU;
    let total = server1 + link + storage + buffers;
    let client = size_of::<Client<'static>>();
    println!("Server<'_, 1>                          {server1:>6} bytes");
    println!("  each further association             {per_association:>6} bytes");
    println!("  of which the SecurityContext         {security:>6} bytes");
    println!("HdlcServer (without storage)           {link:>6} bytes");
    println!("HdlcServer storage, 1 KiB PDUs         {storage:>6} bytes");
    println!("request + response buffers            {buffers:>6} bytes");
    println!("total                                  {total:>6} bytes");
    println!(
        "(the caller's frame buffer for poll_transmit: up to {MAX_FRAME_LEN_WITH_FLAGS} bytes)"
    );
    println!("Client (head end)                      {client:>6} bytes");

    let round = |n: usize| n.div_ceil(256) * 256;
    // The session's own part does not depend on the features; the security context does (the
    // elliptic-curve keys of suites 1 and 2, features p256 and p384).
    assert!(
        server1 - security <= round(SERVER_1 - SECURITY),
        "Server<1> without its SecurityContext: {} bytes",
        server1 - security
    );
    assert!(
        per_association - security <= round(PER_ASSOCIATION - SECURITY),
        "an association without its SecurityContext: {} bytes",
        per_association - security
    );
    assert!(
        security <= round(SECURITY_WITH_EC),
        "SecurityContext: {security} bytes"
    );
    assert!(link <= round(LINK), "HdlcServer: {link} bytes");
    assert_eq!(storage, STORAGE, "the HDLC storage for 1 KiB PDUs");
}

/// The sizes measured (x86-64, Rust 1.95, `dlms` with `std` only) and written into the table.
const SERVER_1: usize = 5280;
const PER_ASSOCIATION: usize = 5264;
const SECURITY: usize = 4080;
/// The security context with the elliptic-curve suites (features p256 and p384).
const SECURITY_WITH_EC: usize = 4416;
const LINK: usize = 1008;
const STORAGE: usize = 2199;
