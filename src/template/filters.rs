//! The filters templates use for money and dates, written in the email's locale.

use std::str::FromStr;

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};
use rust_decimal::Decimal;

use crate::ledger::locale::{DateLength, Locale};

/// Adds `money` and `date`, writing in `locale`, to a template environment.
pub fn register(env: &mut minijinja::Environment<'_>, locale: &Locale) {
    let for_money = locale.clone();
    env.add_filter("money", move |value: Value, currency: Option<String>| money(&for_money, value, currency));
    let for_dates = locale.clone();
    env.add_filter("date", move |value: Value, format: Option<String>| date(&for_dates, value, format));
}

/// `{{ invoice.amount_due | money }}` → `1,234.50`; `money(invoice.currency)` → `NZD 1,234.50`
/// (`1.234,50 NZD` in German).
fn money(locale: &Locale, value: Value, currency: Option<String>) -> Result<String, Error> {
    let amount = Decimal::from_str(&value.to_string())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("money needs an amount, not {value}")))?;
    Ok(match currency {
        Some(code) => locale.money(amount, &code),
        None => locale.amount(amount),
    })
}

/// `{{ invoice.due_date | date }}` → `25 December 2026` (`December 25, 2026` in the US);
/// `date("medium")`, `date("short")` for shorter forms in the locale; any other argument is a
/// strftime format used as written: `date("%d/%m/%Y")` → `25/12/2026`.
fn date(locale: &Locale, value: Value, format: Option<String>) -> Result<String, Error> {
    let text = value.to_string();
    let date = jiff::civil::Date::from_str(&text).map_err(|_| {
        Error::new(ErrorKind::InvalidOperation, format!("date needs a date such as 2026-12-25, not {value}"))
    })?;
    let format = format.as_deref().unwrap_or("long");
    if let Some(length) = DateLength::named(format) {
        return Ok(locale.date(date, length));
    }
    jiff::fmt::strtime::format(format, date).map_err(|error| {
        Error::new(ErrorKind::InvalidOperation, format!("cannot format a date with \"{format}\": {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_locale(tag: &str, template: &str) -> String {
        let mut env = minijinja::Environment::new();
        register(&mut env, &Locale::parse(tag).unwrap());
        env.render_str(template, minijinja::context! { amount => "1234567.125", due => "2026-12-05" }).unwrap()
    }

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        let locale = Locale::default();
        assert_eq!(money(&locale, Value::from("1234.5"), None).unwrap(), "1,234.50");
        assert_eq!(money(&locale, Value::from("1234567.125"), Some("NZD".into())).unwrap(), "NZD 1,234,567.13");
        assert_eq!(money(&locale, Value::from("-20"), None).unwrap(), "-20.00");
        assert!(money(&locale, Value::from("lots"), None).is_err());
    }

    #[test]
    fn dates_read_like_a_letter_by_default() {
        let locale = Locale::default();
        assert_eq!(date(&locale, Value::from("2026-12-05"), None).unwrap(), "5 December 2026");
        assert_eq!(date(&locale, Value::from("2026-12-05"), Some("%d/%m/%Y".into())).unwrap(), "05/12/2026");
        assert!(date(&locale, Value::from("someday"), None).is_err());
    }

    #[test]
    fn the_filters_write_in_the_locale_they_were_given() {
        let template = "{{ amount | money('EUR') }} · {{ due | date }} · {{ due | date('short') }}";
        assert_eq!(in_locale("de-DE", template), "1.234.567,13 EUR · 5. Dezember 2026 · 05.12.26");
        assert_eq!(in_locale("en-US", template), "EUR 1,234,567.13 · December 5, 2026 · 12/5/26");
        assert_eq!(in_locale("en-GB", template), "EUR 1,234,567.13 · 5 December 2026 · 05/12/2026");
    }
}
