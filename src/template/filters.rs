//! The filters templates use for money and dates.

use std::str::FromStr;

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::ledger::money::group_thousands;

/// `{{ invoice.amount_due | money }}` → `1,234.50`; `money(invoice.currency)` → `NZD 1,234.50`.
pub fn money(value: Value, currency: Option<String>) -> Result<String, Error> {
    let amount = Decimal::from_str(&value.to_string())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("money needs an amount, not {value}")))?;
    Ok(match currency {
        Some(code) => money_text(amount, &code),
        None => group_thousands(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)),
    })
}

/// `NZD 1,234.50`: an amount to the cent, as every email and component shows money.
pub fn money_text(amount: Decimal, currency: &str) -> String {
    let formatted = group_thousands(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
    format!("{currency} {formatted}")
}

/// `{{ invoice.due_date | date }}` → `25 December 2026`; `date("%d/%m/%Y")` → `25/12/2026`.
pub fn date(value: Value, format: Option<String>) -> Result<String, Error> {
    let text = value.to_string();
    let date = jiff::civil::Date::from_str(&text).map_err(|_| {
        Error::new(ErrorKind::InvalidOperation, format!("date needs a date such as 2026-12-25, not {value}"))
    })?;
    let format = format.as_deref().unwrap_or("%-d %B %Y");
    jiff::fmt::strtime::format(format, date).map_err(|error| {
        Error::new(ErrorKind::InvalidOperation, format!("cannot format a date with \"{format}\": {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        assert_eq!(money(Value::from("1234.5"), None).unwrap(), "1,234.50");
        assert_eq!(money(Value::from("1234567.125"), Some("NZD".into())).unwrap(), "NZD 1,234,567.13");
        assert_eq!(money(Value::from("-20"), None).unwrap(), "-20.00");
        assert_eq!(money(Value::from("0.5"), None).unwrap(), "0.50");
        assert!(money(Value::from("lots"), None).is_err());
    }

    #[test]
    fn dates_read_like_a_letter_by_default() {
        assert_eq!(date(Value::from("2026-12-05"), None).unwrap(), "5 December 2026");
        assert_eq!(date(Value::from("2026-12-05"), Some("%d/%m/%Y".into())).unwrap(), "05/12/2026");
        assert!(date(Value::from("someday"), None).is_err());
    }
}
