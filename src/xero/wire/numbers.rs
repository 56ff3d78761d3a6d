//! Xero's numbers: amounts are decimals it writes as JSON numbers with their decimals kept
//! (`46.00`, a rate as `1.000000`); a few payloads quote them (`"100.00"`). Amounts are read and
//! written exactly, as [`Decimal`], never through a float we keep.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// `#[serde(with = "numbers::decimal")]` for a `Decimal` field.
pub mod decimal {
    use super::*;

    /// Written as a JSON number with the value's own scale, as Xero writes it (`46.00`).
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// `#[serde(with = "numbers::optional_decimal", default)]` for an `Option<Decimal>` field.
pub mod optional_decimal {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => decimal::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_any(OptionalDecimalVisitor)
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a decimal number, or a decimal number in a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Decimal, E> {
        Decimal::from_str(text.trim())
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map_err(|_| E::custom(format!("\"{text}\" is not a number")))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    /// Through the shortest text that reads back as the same float, so `0.1` is 0.1 exactly.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
        if !value.is_finite() {
            return Err(E::custom("not a finite number"));
        }
        self.visit_str(&format!("{value}"))
    }
}

struct OptionalDecimalVisitor;

impl<'de> Visitor<'de> for OptionalDecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a decimal number or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if text.trim().is_empty() { Ok(None) } else { DecimalVisitor.visit_str(text).map(Some) }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        DecimalVisitor.visit_i64(value).map(Some)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        DecimalVisitor.visit_u64(value).map(Some)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        DecimalVisitor.visit_f64(value).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Sample {
        #[serde(with = "super::decimal")]
        amount: Decimal,
        #[serde(with = "super::optional_decimal", default, skip_serializing_if = "Option::is_none")]
        rate: Option<Decimal>,
    }

    #[test]
    fn numbers_and_strings_read_exactly() {
        let read = |json: &str| serde_json::from_str::<Sample>(json).unwrap();
        assert_eq!(read(r#"{"amount": 46.00}"#).amount, Decimal::new(46, 0));
        assert_eq!(read(r#"{"amount": "100.10"}"#).amount, Decimal::new(10010, 2));
        assert_eq!(read(r#"{"amount": 0.1}"#).amount, Decimal::new(1, 1));
        assert_eq!(read(r#"{"amount": 1234567.89}"#).amount, Decimal::new(123456789, 2));
        assert_eq!(read(r#"{"amount": 5, "rate": null}"#).rate, None);
        assert_eq!(read(r#"{"amount": 5, "rate": 1.000000}"#).rate, Some(Decimal::ONE));
        assert!(serde_json::from_str::<Sample>(r#"{"amount": "lots"}"#).is_err());
    }

    #[test]
    fn written_as_numbers_with_their_decimals() {
        let sample = Sample { amount: Decimal::new(4600, 2), rate: Some(Decimal::new(1_000_000, 6)) };
        assert_eq!(serde_json::to_string(&sample).unwrap(), r#"{"amount":46.00,"rate":1.000000}"#);
    }
}
