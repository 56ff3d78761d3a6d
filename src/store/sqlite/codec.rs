//! How values are written to and read from SQLite: ids and dates as text, money as exact
//! decimal text, instants as RFC 3339 UTC with milliseconds (so that text order is time order).

use compact_str::CompactString;
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Row, RowIndex};
use rust_decimal::Decimal;
use uuid::Uuid;

pub fn format_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_time(text: &str) -> Option<Timestamp> {
    plain_time(text).or_else(|| text.parse().ok())
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
pub struct ShortText(pub CompactString);

/// A text value's bytes, not checked to be UTF-8: ids, dates and amounts are read a million at a
/// time, and their quick readers accept ASCII only, so a check first would be a second look.
fn unchecked_text<'a>(value: ValueRef<'a>) -> FromSqlResult<&'a [u8]> {
    match value {
        ValueRef::Text(bytes) => Ok(bytes),
        _ => Err(FromSqlError::InvalidType),
    }
}

impl FromSql for Id {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let bytes = unchecked_text(value)?;
        Uuid::try_parse_ascii(bytes).map(Id).map_err(|_| invalid("an id", &String::from_utf8_lossy(bytes)))
    }
}

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        if let Some(day) = plain_date(unchecked_text(value)?) {
            return Ok(Day(day));
        }
        let text = text(value)?;
        text.parse().map(Day).map_err(|_| invalid("a date", text))
    }
}

/// Digits at `range` of `text` as a number: the store's own dates are read a million at a time,
/// and a general parser costs more than the rest of a row together.
fn digits(text: &[u8], range: std::ops::Range<usize>) -> Option<i32> {
    text.get(range)?.iter().try_fold(0i32, |n, b| b.is_ascii_digit().then(|| n * 10 + i32::from(b - b'0')))
}

/// `YYYY-MM-DD`, as the store writes dates; anything else goes to the general parser.
fn plain_date(bytes: &[u8]) -> Option<Date> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(bytes, 0..4)?, digits(bytes, 5..7)?, digits(bytes, 8..10)?);
    Date::new(year as i16, month as i8, day as i8).ok()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as [`format_time`] writes instants.
fn plain_time(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    if bytes.len() != 24 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' || bytes[19] != b'.' {
        return None;
    }
    if bytes[23] != b'Z' {
        return None;
    }
    let date = plain_date(&bytes[..10])?;
    let (hour, minute, second) = (digits(bytes, 11..13)?, digits(bytes, 14..16)?, digits(bytes, 17..19)?);
    let millis = digits(bytes, 20..23)?;
    let time = jiff::civil::Time::new(hour as i8, minute as i8, second as i8, millis * 1_000_000).ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(date.to_datetime(time)).ok()
}

impl FromSql for Amount {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        if let Some(amount) = plain_amount(unchecked_text(value)?) {
            return Ok(Amount(amount));
        }
        let text = text(value)?;
        text.parse().map(Amount).map_err(|_| invalid("an amount", text))
    }
}

/// `-1234.56`, as the store writes amounts (at most 18 digits); anything else goes to the
/// general parser. Keeps the scale as written, as the general parser does.
fn plain_amount(text: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &[][..]),
    };
    if whole.is_empty() || whole.len() + fraction.len() > 18 || digits.last() == Some(&b'.') {
        return None;
    }
    let mut mantissa: i64 = 0;
    for &byte in whole.iter().chain(fraction) {
        if !byte.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + i64::from(byte - b'0');
    }
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, fraction.len() as u32))
}

impl FromSql for ShortText {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        text(value).map(|text| ShortText(text.into()))
    }
}

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = text(value)?;
        parse_time(text).map(Instant).ok_or_else(|| invalid("a time", text))
    }
}

pub fn id<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Uuid> {
    row.get::<_, Id>(column).map(|v| v.0)
}

pub fn optional_id<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Option<Uuid>> {
    row.get::<_, Option<Id>>(column).map(|v| v.map(|v| v.0))
}

pub fn day<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Date> {
    row.get::<_, Day>(column).map(|v| v.0)
}

pub fn optional_day<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Option<Date>> {
    row.get::<_, Option<Day>>(column).map(|v| v.map(|v| v.0))
}

pub fn amount<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Decimal> {
    row.get::<_, Amount>(column).map(|v| v.0)
}

/// A text kept inline when short (see [`crate::ledger::records::Invoice`]).
pub fn short_text<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<CompactString> {
    row.get::<_, ShortText>(column).map(|v| v.0)
}

pub fn optional_short_text<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Option<CompactString>> {
    row.get::<_, Option<ShortText>>(column).map(|v| v.map(|v| v.0))
}

pub fn instant<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Timestamp> {
    row.get::<_, Instant>(column).map(|v| v.0)
}

pub fn optional_instant<I: RowIndex>(row: &Row<'_>, column: I) -> rusqlite::Result<Option<Timestamp>> {
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

    #[test]
    fn the_quick_readers_agree_with_the_general_ones() {
        for text in ["2026-11-25", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(plain_date(text.as_bytes()), Some(text.parse().unwrap()), "{text}");
        }
        for text in ["2026-02-30", "2026-13-01", "2026-1-01", "2026-11-25x", "２０２６-11-25"] {
            assert_eq!(plain_date(text.as_bytes()), None, "{text}");
        }
        for text in ["2026-11-25T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2026-03-29T01:30:00.250Z"] {
            assert_eq!(plain_time(text), Some(text.parse().unwrap()), "{text}");
        }
        assert_eq!(plain_time("2026-11-25T24:00:00.000Z"), None);
        for text in ["0", "0.00", "1150.00", "-12.5", "1.0000", "999999999999999999", "0.000001", "-0.00"] {
            let quick = plain_amount(text.as_bytes()).unwrap();
            let general: Decimal = text.parse().unwrap();
            assert_eq!((quick, quick.scale()), (general, general.scale()), "{text}");
            assert_eq!(quick.to_string(), general.to_string(), "{text}");
        }
        for text in ["", "-", ".5", "5.", "1e3", "+1", "1.2.3", "12a", "1234567890123456789"] {
            assert_eq!(plain_amount(text.as_bytes()), None, "{text}");
        }
        // What the quick reader does not take, the general one still reads.
        assert_eq!(parse_time("2026-11-25T12:00:00Z"), Some("2026-11-25T12:00:00Z".parse().unwrap()));
    }
}
