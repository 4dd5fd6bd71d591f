//! Wire-level building blocks shared by the codecs (`axdr`, `apdu`) and `security`.
//!
//! A leaf: nothing here imports another module of this crate but [`crate::error`], so `axdr`,
//! `apdu` and `security` can all depend on it without depending on each other. Every public
//! item is re-exported from the module that documents it (`dlms::axdr::Sink`,
//! `dlms::security::SecurityControl`, `dlms::security::KeyId`, ...).
//!
//! - [`Reader`]: the bounds-checked cursor the A-XDR and BER decoders read with;
//! - [`Sink`], [`SliceSink`], [`Encode`]: where the encoders write;
//! - the security control byte and header ([`SecurityControl`], [`SecurityHeader`]), the
//!   system title ([`SystemTitle`]), the key id ([`KeyId`]), the IV and the tag;
//! - `code_point!`: open newtypes over `u8` code points with names.

mod control;
mod fields;
mod reader;
mod sink;
mod title;

pub use control::{
    Protection, SECURITY_HEADER_LEN, SecurityControl, SecurityHeader, SecurityHeaderRepr,
    SecuritySuite,
};
pub use fields::{IV_LEN, Iv, KeyId, TAG_LEN, Tag, iv};
pub(crate) use reader::Reader;
pub use sink::{Encode, Sink, SliceSink, length_len, put_length, put_octets};
pub use title::{SYSTEM_TITLE_LEN, SystemTitle};

/// An open newtype over a `u8` code point, with named constants and their names.
macro_rules! code_point {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$cmeta:meta])* $konst:ident = $value:literal => $text:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u8);

        impl $name {
            $($(#[$cmeta])* pub const $konst: Self = Self($value);)*

            /// The name of the value, or `None` for one the standard does not assign.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "unknown({})", self.0),
                }
            }
        }
    };
}
pub(crate) use code_point;
