//! `serde` support: an [`ObisCode`] is its canonical string (`"1-0:1.8.0*255"`); any text form
//! deserialises.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::ObisCode;

impl Serialize for ObisCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObisCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ObisCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OBIS code such as \"1-0:1.8.0*255\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ObisCode, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::ObisCode;
    use std::prelude::rust_2024::*;

    #[test]
    fn canonical_string_round_trip() {
        let code = ObisCode::new(1, 0, 2, 8, 1, 255);
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"1-0:2.8.1*255\"");
        assert_eq!(serde_json::from_str::<ObisCode>(&json).unwrap(), code);
        assert_eq!(
            serde_json::from_str::<ObisCode>("\"0100020801FF\"").unwrap(),
            code
        );
        let err = serde_json::from_str::<ObisCode>("\"1-0:2.8.999\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("value group E"), "{err}");
        assert!(serde_json::from_str::<ObisCode>("[1,0,2,8,1,255]").is_err());
    }
}
