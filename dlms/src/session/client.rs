//! The head-end side of a session.
