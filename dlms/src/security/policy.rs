//! What a receiver accepts beyond the standard (IEC 62056-5-3): relaxations for real meters.

use crate::wire::SecuritySuite;

/// A set of security suites (bit n = suite n, for the 16 possible suite ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SuiteSet(u16);

impl SuiteSet {
    /// No suite.
    pub const EMPTY: Self = Self(0);

    /// The set with `suite` added.
    #[must_use]
    pub const fn with(self, suite: SecuritySuite) -> Self {
        Self(self.0 | (1 << (suite.0 & 0x0F)))
    }

    /// Whether `suite` is in the set.
    #[must_use]
    pub const fn contains(self, suite: SecuritySuite) -> bool {
        suite.0 < 16 && self.0 & (1 << suite.0) != 0
    }
}

/// Which APDUs a [`super::SecurityContext`] accepts beyond what the standard requires.
///
/// The default, [`SecurityPolicy::STRICT`], accepts only:
/// - the security suite the context was made for;
/// - authenticated APDUs (A bit set; SC `0x1x` or `0x3x`), whose tag is verified;
/// - a system title of exactly 8 bytes in general-glo/ded-ciphering, equal to the peer's title
///   when that is known.
///
/// Each relaxation below is a behaviour of real meters (issue threads cited per field) and
/// must be switched on explicitly:
///
/// ```
/// use dlms::security::{SecurityPolicy, SecuritySuite};
/// // A push listener for Kaifa meters that send SC 0x21 (suite 1 id, AES-128 key, no tag):
/// let policy = SecurityPolicy::STRICT
///     .also_accept_suite(SecuritySuite::SUITE_1)
///     .allow_unauthenticated(true);
/// assert!(policy.allow_unauthenticated);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SecurityPolicy {
    /// Suites accepted besides the context's own, provided the key size fits (16 bytes for
    /// suites 0 and 1, 32 for suite 2). Kaifa MA309 sends SC `0x21` (suite 1 id) with the
    /// AES-128 key of a suite-0 setup (tirolerstefan/kaifa #8).
    pub extra_suites: SuiteSet,
    /// Accept APDUs without a tag: encryption only (SC `0x2x`; Netz NOE / Kaifa / KMS pushes,
    /// Apollon77/ioBroker.smartmeter #298) or no protection at all (SC `0x0x`). Nothing
    /// authenticates them; their invocation counter is still checked and recorded.
    pub allow_unauthenticated: bool,
    /// Require the E bit (refuse authentication-only APDUs, SC `0x1x`).
    pub require_encryption: bool,
    /// Accept a zero-length system title in general-glo/ded-ciphering (`DB 00 …`) and use the
    /// peer's known title instead (valid per the u9n/dlms-cosem tests; Gurux does the same).
    pub allow_empty_system_title: bool,
    /// Without an authentication key, decrypt authenticated-and-encrypted APDUs (and pass
    /// authentication-only ones) without checking the tag, and report
    /// [`super::TagStatus::NotVerified`] (users who only have the encryption key of their meter;
    /// arendst/Tasmota #8790). The data may have been altered. Has no effect when the
    /// authentication key is set: then the tag is always checked.
    pub allow_unverified_tag: bool,
}

impl SecurityPolicy {
    /// The strict default (see the type's documentation).
    pub const STRICT: Self = Self {
        extra_suites: SuiteSet::EMPTY,
        allow_unauthenticated: false,
        require_encryption: false,
        allow_empty_system_title: false,
        allow_unverified_tag: false,
    };

    /// Also accepts `suite` (when the key size fits).
    #[must_use]
    pub const fn also_accept_suite(mut self, suite: SecuritySuite) -> Self {
        self.extra_suites = self.extra_suites.with(suite);
        self
    }

    /// Sets [`SecurityPolicy::allow_unauthenticated`].
    #[must_use]
    pub const fn allow_unauthenticated(mut self, allow: bool) -> Self {
        self.allow_unauthenticated = allow;
        self
    }

    /// Sets [`SecurityPolicy::require_encryption`].
    #[must_use]
    pub const fn require_encryption(mut self, require: bool) -> Self {
        self.require_encryption = require;
        self
    }

    /// Sets [`SecurityPolicy::allow_empty_system_title`].
    #[must_use]
    pub const fn allow_empty_system_title(mut self, allow: bool) -> Self {
        self.allow_empty_system_title = allow;
        self
    }

    /// Sets [`SecurityPolicy::allow_unverified_tag`].
    #[must_use]
    pub const fn allow_unverified_tag(mut self, allow: bool) -> Self {
        self.allow_unverified_tag = allow;
        self
    }
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self::STRICT
    }
}
