//! Application sessions (IEC 62056-5-3, the DLMS/COSEM application layer): associations
//! that own the security of every APDU, on either side.
//!
//! - [`server`]: the meter side. Associations keyed by client SAP, each with its own
//!   authentication, security policy and access rights; requests dispatched to an
//!   [`server::Application`] by (class id, logical name, attribute or method); block transfer
//!   of large attributes, produced block by block in a buffer of one PDU.
//! - [`association`]: what both sides build from the APDU types: the AARQ and AARE
//!   authentication fields, the HLS ACTION on the current Association LN and its answer, the
//!   exception-response for a refused ciphered APDU, the Security setup `key_transfer`.
//! - [`push`]: a head-end's listener for pushes from many meters, without an association:
//!   GBT-carried pushes put together, each decrypted with the context of the meter whose
//!   system title it carries.
//! - [`client`]: the head-end side. Associate (AARQ/AARE, LLS, HLS passes 3 and 4), GET, SET
//!   and ACTION with block transfer, release.
//!
//! Both are sans-IO and work on whole APDUs: an APDU in, an APDU out. They never see a frame,
//! a socket or a clock; the caller moves APDUs between a session and a link (HDLC,
//! IEC 62056-46, or the wrapper, IEC 62056-47) and passes the time in where a timer matters.
//! Randomness (HLS challenges) comes from the caller's `rand_core::CryptoRng`.

pub mod association;
pub mod client;
pub mod push;
pub mod server;

use crate::security::HlsSecret;

/// How an association authenticates (IEC 62056-5-3, the authentication mechanisms of the
/// association; Green Book 9.2.7.4).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Authentication<'a> {
    /// Lowest level security (mechanism 0): no authentication.
    None,
    /// Low level security (mechanism 1): a password sent in the AARQ.
    Lls {
        /// The password.
        password: &'a [u8],
    },
    /// High level security with GMAC (mechanism 5), with the keys of the association's
    /// security context.
    HlsGmac,
    /// High level security with another mechanism (2, 3, 4, 6 or 7) and its secret.
    Hls(HlsSecret<'a>),
}

impl core::fmt::Debug for Authentication<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the password or the secret.
        f.write_str(match self {
            Authentication::None => "None",
            Authentication::Lls { .. } => "Lls",
            Authentication::HlsGmac => "HlsGmac",
            Authentication::Hls(_) => "Hls",
        })
    }
}

impl Authentication<'_> {
    /// The mechanism name the AARQ and AARE carry (`None` for mechanism 0, which is sent as
    /// no mechanism name at all).
    #[must_use]
    pub fn mechanism(&self) -> Option<crate::apdu::MechanismName> {
        use crate::apdu::MechanismName;
        match self {
            Authentication::None => None,
            Authentication::Lls { .. } => Some(MechanismName::LOW_LEVEL_SECURITY),
            Authentication::HlsGmac => Some(MechanismName::HLS_GMAC),
            Authentication::Hls(secret) => Some(secret.mechanism()),
        }
    }
}
