//! The meter side of a session.
