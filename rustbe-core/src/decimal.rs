//! Money and other exact decimals: [`Decimal`] as a JSON number, written with its scale
//! (`19.90`, not `19.9` nor `"19.90"`), and read from a JSON number only.
//!
//! The derive puts these on every `Decimal` field of a resource's bodies and view; a
//! hand-written DTO names them with `#[serde(with = "rustbe_core::decimal::number")]` (or
//! `option`, for an `Option<Decimal>`).
//!
//! ```
//! use rust_decimal::Decimal;
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Line {
//!     #[serde(with = "rustbe_core::decimal::number")]
//!     unit_price: Decimal,
//! }
//! let line: Line = serde_json::from_str(r#"{"unit_price": 0.10}"#).unwrap();
//! assert_eq!(line.unit_price * Decimal::from(3), Decimal::new(30, 2));
//! let json = serde_json::to_string(&Line { unit_price: Decimal::new(1990, 2) }).unwrap();
//! assert_eq!(json, r#"{"unit_price":19.90}"#);
//! assert!(serde_json::from_str::<Line>(r#"{"unit_price": "19.90"}"#).is_err());
//! ```
//!
//! Reading goes through the number's shortest decimal text (what `f64`'s `Display` writes), so
//! every number a client writes with up to 15 significant digits reads back exactly: `0.1` is
//! `0.1`, never `0.1000000000000000055…`.

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serialize, Serializer};

/// The JSON text of `value`: a number with its scale.
fn raw(value: &Decimal) -> Result<Box<serde_json::value::RawValue>, serde_json::Error> {
    serde_json::value::RawValue::from_string(value.to_string())
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Decimal;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
        if !value.is_finite() {
            return Err(E::invalid_value(de::Unexpected::Float(value), &self));
        }
        Decimal::from_str(&value.to_string()).map_err(|_| {
            E::invalid_value(
                de::Unexpected::Float(value),
                &"a number of at most 28 digits",
            )
        })
    }
}

/// A decimal from query-string text: any number JSON Schema calls one, in plain or scientific
/// notation. A value past `Decimal`'s range is its nearest bound, and one finer than 28 decimal
/// places is rounded: a list filter compares with it, where that is the same answer.
///
/// ```
/// use rust_decimal::Decimal;
/// use rustbe_core::decimal::parse_query;
/// assert_eq!(parse_query("19.90").unwrap(), Decimal::new(1990, 2));
/// assert_eq!(parse_query("1e2").unwrap(), Decimal::from(100));
/// assert_eq!(parse_query("-2.5e-301").unwrap(), Decimal::ZERO);
/// assert_eq!(parse_query("1e300").unwrap(), Decimal::MAX);
/// assert!(parse_query("cheap").is_err());
/// assert!(parse_query("NaN").is_err());
/// ```
///
/// # Errors
/// A message for the client when `raw` is not a number.
pub fn parse_query(raw: &str) -> Result<Decimal, String> {
    let raw = raw.trim();
    if let Ok(value) = Decimal::from_str(raw).or_else(|_| Decimal::from_scientific(raw)) {
        return Ok(value);
    }
    let number: f64 = raw
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| "must be a number".to_owned())?;
    use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
    if number >= Decimal::MAX.to_f64().unwrap_or(f64::MAX) {
        return Ok(Decimal::MAX);
    }
    if number <= Decimal::MIN.to_f64().unwrap_or(f64::MIN) {
        return Ok(Decimal::MIN);
    }
    Ok(Decimal::from_f64(number).unwrap_or(Decimal::ZERO))
}

/// [`parse_query`] as an SQL value: what the derive's filters on `Decimal` fields call.
///
/// # Errors
/// As [`parse_query`].
#[doc(hidden)]
pub fn parse_filter(raw: &str) -> Result<sea_orm::Value, String> {
    parse_query(raw).map(Into::into)
}

/// `Decimal` as a JSON number.
pub mod number {
    use super::{Decimal, Deserializer, NumberVisitor, Serialize, Serializer, raw};

    /// Writes `value` as a JSON number with its scale.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        raw(value)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }

    /// Reads a JSON number (a string is refused).
    ///
    /// # Errors
    /// When the value is not a number, or has more than 28 digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// `Option<Decimal>` as a JSON number or `null`.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Body {
///     #[serde(default, with = "rustbe_core::decimal::option")]
///     discount: Option<rust_decimal::Decimal>,
/// }
/// let body: Body = serde_json::from_str(r#"{"discount": null}"#).unwrap();
/// assert!(body.discount.is_none());
/// let body: Body = serde_json::from_str(r#"{"discount": 1.5}"#).unwrap();
/// assert_eq!(body.discount.unwrap().to_string(), "1.5");
/// ```
pub mod option {
    use super::{Decimal, Deserializer, NumberVisitor, Serializer};
    use serde::Deserialize;

    /// Writes a number with its scale, or `null`.
    ///
    /// # Errors
    /// The serializer's.
    #[allow(clippy::ref_option, reason = "the signature serde's `with` calls")]
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::number::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a JSON number or `null`.
    ///
    /// # Errors
    /// When the value is neither.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Option::<Number>::deserialize(deserializer).map(|n| n.map(|n| n.0))
    }

    struct Number(Decimal);

    impl<'de> Deserialize<'de> for Number {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(NumberVisitor).map(Number)
        }
    }
}

/// A `PATCH` field of `Decimal`: absent, `null` or a JSON number.
///
/// ```
/// use rustbe_core::resource::Patch;
/// #[derive(serde::Deserialize)]
/// struct Changes {
///     #[serde(default, with = "rustbe_core::decimal::patch")]
///     price: Patch<rust_decimal::Decimal>,
/// }
/// let changes: Changes = serde_json::from_str(r#"{"price": 2.50}"#).unwrap();
/// assert_eq!(changes.price.value().unwrap().to_string(), "2.5");
/// let changes: Changes = serde_json::from_str("{}").unwrap();
/// assert_eq!(changes.price, Patch::Absent);
/// ```
pub mod patch {
    use super::{Decimal, Deserializer};
    use crate::resource::Patch;

    /// Reads a JSON number or `null`.
    ///
    /// # Errors
    /// When the value is neither.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Patch<Decimal>, D::Error> {
        Ok(match super::option::deserialize(deserializer)? {
            Some(value) => Patch::Value(value),
            None => Patch::Null,
        })
    }
}

/// What a view's borrowed `Decimal` fields serialize with: written with the column's
/// `SCALE` (or as they are, with [`view::NONE`]).
#[doc(hidden)]
pub mod view {
    use super::{Decimal, Serializer};

    /// No declared scale: the value is written as it is.
    pub const NONE: u32 = u32::MAX;

    fn with_scale<const SCALE: u32>(value: Decimal) -> Decimal {
        if SCALE == NONE {
            return value;
        }
        let mut value = value;
        value.rescale(SCALE);
        value
    }

    #[allow(
        clippy::trivially_copy_pass_by_ref,
        reason = "the signature serde's `serialize_with` calls"
    )]
    pub fn scaled<const SCALE: u32, S: Serializer>(
        value: &&Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::number::serialize(&with_scale::<SCALE>(**value), serializer)
    }

    #[allow(
        clippy::ref_option,
        clippy::trivially_copy_pass_by_ref,
        reason = "the signature serde's `serialize_with` calls"
    )]
    pub fn scaled_option<const SCALE: u32, S: Serializer>(
        value: &&Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::option::serialize(&value.map(with_scale::<SCALE>), serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug)]
    struct Price {
        #[serde(with = "number")]
        value: Decimal,
    }

    fn read(json: &str) -> Result<Decimal, serde_json::Error> {
        serde_json::from_str::<Price>(&format!(r#"{{"value": {json}}}"#)).map(|p| p.value)
    }

    #[test]
    fn numbers_read_exactly() {
        assert_eq!(read("0.1").unwrap(), Decimal::new(1, 1));
        assert_eq!(read("19.99").unwrap(), Decimal::new(1999, 2));
        assert_eq!(read("7").unwrap(), Decimal::from(7));
        assert_eq!(read("-3").unwrap(), Decimal::from(-3));
        assert_eq!(read("1e2").unwrap(), Decimal::from(100));
        let sum: Decimal = ["0.10", "0.10", "0.10", "0.20"]
            .iter()
            .map(|n| read(n).unwrap())
            .sum();
        assert_eq!(sum, Decimal::new(50, 2));
    }

    #[test]
    fn other_json_is_refused() {
        for json in [r#""1.5""#, "true", "null", "[1]", "1e40"] {
            let err = read(json).unwrap_err().to_string();
            assert!(
                err.contains("expected a number") || err.contains("28 digits"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn numbers_are_written_with_their_scale() {
        let json = serde_json::to_string(&Price {
            value: Decimal::new(50, 2),
        })
        .unwrap();
        assert_eq!(json, r#"{"value":0.50}"#);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["value"].as_f64(), Some(0.5));
    }
}
