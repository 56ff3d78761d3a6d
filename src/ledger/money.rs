//! Money: exact decimal amounts with their currency, and how people read them.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CurrencyCode;

/// An exact amount in a currency. Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// A decimal number written as a string, such as "5000.50".
    pub amount: Decimal,
    pub currency: Currency,
}

/// The currency of an amount written in a strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Currency {
    /// `$`: the organisation's base currency, whatever it is.
    Base,
    /// `€`, `£` or a code such as `NZD`.
    Code(CurrencyCode),
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Currency::Base => f.write_str("base"),
            Currency::Code(code) => write!(f, "{code}"),
        }
    }
}

/// JSON: `"base"` or a currency code such as `"NZD"`.
impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "base" {
            return Ok(Currency::Base);
        }
        CurrencyCode::parse(&text).map(Currency::Code).ok_or_else(|| {
            serde::de::Error::custom(format!("\"{text}\" is neither \"base\" nor a currency code Xero knows"))
        })
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let code = generator.subschema_for::<CurrencyCode>();
        json_schema!({
            "description": "\"base\" for the organisation's base currency, or a currency code",
            "anyOf": [{ "const": "base" }, code]
        })
    }
}

/// As a strategy writes it: `$5,000`, `€500`, `£200.50`, `5,000 NZD`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = written_amount(self.amount);
        match self.currency {
            Currency::Base => write!(f, "${digits}"),
            Currency::Code(code) if code == CurrencyCode::EUR => write!(f, "€{digits}"),
            Currency::Code(code) if code == CurrencyCode::GBP => write!(f, "£{digits}"),
            Currency::Code(code) => write!(f, "{digits} {code}"),
        }
    }
}

/// Whole amounts without cents (`5,000`), others with at least two decimals (`5,000.50`).
fn written_amount(amount: Decimal) -> String {
    let normalized = amount.normalize();
    if normalized.scale() == 0 {
        group_thousands(normalized).trim_end_matches(".00").to_string()
    } else if normalized.scale() <= 2 {
        group_thousands(normalized)
    } else {
        let whole = group_thousands(normalized.trunc());
        let fraction = normalized.fract().abs().to_string();
        format!("{}{}", whole.trim_end_matches(".00"), fraction.trim_start_matches('0'))
    }
}

/// `1234.5` → `1,234.50`.
pub fn group_thousands(amount: Decimal) -> String {
    let fixed = format!("{:.2}", amount.abs());
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_with_two_decimals() {
        assert_eq!(group_thousands(Decimal::new(12345, 1)), "1,234.50");
        assert_eq!(group_thousands(Decimal::new(-100, 0)), "-100.00");
        assert_eq!(group_thousands(Decimal::new(123456789, 0)), "123,456,789.00");
    }

    #[test]
    fn money_reads_as_written_in_a_strategy() {
        let nzd = Currency::Code(CurrencyCode::parse("NZD").unwrap());
        assert_eq!(Money { amount: Decimal::new(500000, 2), currency: Currency::Base }.to_string(), "$5,000");
        assert_eq!(Money { amount: Decimal::new(500050, 2), currency: nzd }.to_string(), "5,000.50 NZD");
        assert_eq!(
            Money { amount: Decimal::new(5, 1), currency: Currency::Code(CurrencyCode::EUR) }.to_string(),
            "€0.50"
        );
        assert_eq!(
            Money { amount: Decimal::new(1125, 3), currency: Currency::Code(CurrencyCode::GBP) }.to_string(),
            "£1.125"
        );
    }

    #[test]
    fn currencies_read_and_write_as_strings() {
        let nzd = Currency::Code(CurrencyCode::parse("NZD").unwrap());
        assert_eq!(serde_json::to_string(&nzd).unwrap(), "\"NZD\"");
        assert_eq!(serde_json::from_str::<Currency>("\"base\"").unwrap(), Currency::Base);
        assert!(serde_json::from_str::<Currency>("\"dollars\"").is_err());
    }
}
