//! Xero's numbers: amounts are decimals it writes as JSON numbers with their decimals kept
//! (`46.00`, a rate as `1.000000`); a few payloads quote them (`"100.00"`). Amounts are read from
//! the JSON text itself and written back the same way, exactly, as [`Decimal`]: never through a
//! float, which would lose digits and the scale (`46.00` is not `46`). So these types are read
//! from JSON text (`serde_json::from_str`/`from_slice`), not from a `serde_json::Value`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// `#[serde(with = "numbers::decimal")]` for a `Decimal` field.
pub mod decimal {
    use super::*;

    /// Written as a JSON number with the value's own scale, as Xero writes it (`46.00`).
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let written = value.to_string();
        let raw = RawValue::from_string(written).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        read(raw.get())?.ok_or_else(|| serde::de::Error::custom("a number is required here, not null"))
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
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        read(raw.get())
    }
}

/// A JSON number, or a number in a string, as written; `null` and `""` are no number.
fn read<E: serde::de::Error>(json: &str) -> Result<Option<Decimal>, E> {
    let json = json.trim();
    if json == "null" {
        return Ok(None);
    }
    let text = match json.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => json,
    };
    if text.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map(Some)
        .map_err(|_| E::custom(format!("{json} is not a decimal number")))
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
        // The scale is kept: 46.00 stays 46.00, a rate of 1.000000 stays 1.000000.
        assert_eq!(read(r#"{"amount": 46.00}"#).amount.to_string(), "46.00");
        assert_eq!(read(r#"{"amount": 1, "rate": 1.000000}"#).rate.unwrap().to_string(), "1.000000");
        // Beyond what a float holds exactly.
        assert_eq!(read(r#"{"amount": 12345678901234567.89}"#).amount.to_string(), "12345678901234567.89");
        assert_eq!(read(r#"{"amount": 1.5E3}"#).amount, Decimal::new(1500, 0));
        assert_eq!(read(r#"{"amount": 5, "rate": ""}"#).rate, None);
        assert!(serde_json::from_str::<Sample>(r#"{"amount": "lots"}"#).is_err());
    }

    #[test]
    fn written_as_numbers_with_their_decimals() {
        let sample = Sample { amount: Decimal::new(4600, 2), rate: Some(Decimal::new(1_000_000, 6)) };
        assert_eq!(serde_json::to_string(&sample).unwrap(), r#"{"amount":46.00,"rate":1.000000}"#);
    }
}
