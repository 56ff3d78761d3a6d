//! How values are written to and read from SQLite: ids and dates as text, money as exact
//! decimal text, instants as RFC 3339 UTC with milliseconds (so that text order is time order).

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rust_decimal::Decimal;
use uuid::Uuid;

pub fn format_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

fn text<'a>(value: ValueRef<'a>) -> FromSqlResult<&'a str> {
    value.as_str()
}

fn invalid(what: &str, text: &str) -> FromSqlError {
    FromSqlError::Other(format!("\"{text}\" is not {what}").into())
}

pub struct Id(pub Uuid);
pub struct Day(pub Date);
pub struct Amount(pub Decimal);
pub struct Instant(pub Timestamp);

impl FromSql for Id {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = text(value)?;
        Uuid::parse_str(text).map(Id).map_err(|_| invalid("an id", text))
    }
}

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = text(value)?;
        text.parse().map(Day).map_err(|_| invalid("a date", text))
    }
}

impl FromSql for Amount {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = text(value)?;
        text.parse().map(Amount).map_err(|_| invalid("an amount", text))
    }
}

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = text(value)?;
        parse_time(text).map(Instant).ok_or_else(|| invalid("a time", text))
    }
}

pub fn id(row: &Row<'_>, column: &str) -> rusqlite::Result<Uuid> {
    row.get::<_, Id>(column).map(|v| v.0)
}

pub fn optional_id(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Uuid>> {
    row.get::<_, Option<Id>>(column).map(|v| v.map(|v| v.0))
}

pub fn day(row: &Row<'_>, column: &str) -> rusqlite::Result<Date> {
    row.get::<_, Day>(column).map(|v| v.0)
}

pub fn optional_day(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Date>> {
    row.get::<_, Option<Day>>(column).map(|v| v.map(|v| v.0))
}

pub fn amount(row: &Row<'_>, column: &str) -> rusqlite::Result<Decimal> {
    row.get::<_, Amount>(column).map(|v| v.0)
}

pub fn instant(row: &Row<'_>, column: &str) -> rusqlite::Result<Timestamp> {
    row.get::<_, Instant>(column).map(|v| v.0)
}

pub fn optional_instant(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Timestamp>> {
    row.get::<_, Option<Instant>>(column).map(|v| v.map(|v| v.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_as_text() {
        let a: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-11-25T12:00:00.5Z".parse().unwrap();
        assert_eq!(format_time(a), "2026-11-25T12:00:00.000Z");
        assert!(format_time(a) < format_time(b));
        assert_eq!(parse_time(&format_time(b)), Some(b));
    }
}
