//! Invariants that cannot fail, checked in debug builds.
//!
//! The crate does not panic on input (see the crate docs), so a range that is in bounds by
//! construction is still taken with `get`. These helpers say why it cannot fail and
//! `debug_assert!` it, so tests and fuzzing catch a broken invariant; release builds keep
//! the non-panicking fallback (an empty slice).

/// `slice`, which is `Some` by construction (`why` says why): a `debug_assert!` failure in
/// debug builds when it is not, an empty slice in release builds.
#[track_caller]
#[must_use]
pub(crate) fn in_bounds<'a, T>(slice: Option<&'a [T]>, why: &'static str) -> &'a [T] {
    debug_assert!(slice.is_some(), "out of bounds: {why}");
    slice.unwrap_or(&[])
}
