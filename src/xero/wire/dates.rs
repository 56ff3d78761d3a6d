//! Xero's dates: `"/Date(1539993600000+0000)/"` (milliseconds since 1970, UTC, with an offset
//! that is always `+0000` in practice), sometimes without the offset, and in a few places ISO
//! 8601 strings. [`XeroDateTime`] reads them all and writes Xero's own form.

use std::fmt;

use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant as Xero sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct XeroDateTime(pub Timestamp);

impl XeroDateTime {
    pub fn from_millis(millis: i64) -> Option<XeroDateTime> {
        Timestamp::from_millisecond(millis).ok().map(XeroDateTime)
    }

    pub fn millis(&self) -> i64 {
        self.0.as_millisecond()
    }

    /// Midnight UTC of a calendar date, as Xero writes invoice and due dates.
    pub fn from_date(date: jiff::civil::Date) -> XeroDateTime {
        XeroDateTime(
            jiff::tz::TimeZone::UTC
                .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
                .unwrap_or(Timestamp::UNIX_EPOCH),
        )
    }

    /// The calendar date in UTC, which is how Xero means invoice and due dates.
    pub fn date(&self) -> jiff::civil::Date {
        jiff::tz::TimeZone::UTC.to_datetime(self.0).date()
    }

    /// Reads `/Date(ms)/`, `/Date(ms+hhmm)/` (also with escaped slashes) or an ISO 8601 text.
    pub fn parse(text: &str) -> Option<XeroDateTime> {
        let text = text.trim();
        let unescaped = text.replace("\\/", "/");
        if let Some(inner) = unescaped.strip_prefix("/Date(").and_then(|rest| rest.strip_suffix(")/")) {
            return parse_ms_date(inner);
        }
        iso(text)
    }
}

/// `1539993600000+0000` or `1539993600000`: the milliseconds are already UTC; the offset only
/// says which zone the writer was in.
fn parse_ms_date(inner: &str) -> Option<XeroDateTime> {
    let split = inner.rfind(['+', '-']).filter(|&at| at > 0).unwrap_or(inner.len());
    let millis: i64 = inner[..split].parse().ok()?;
    XeroDateTime::from_millis(millis)
}

/// ISO 8601 with or without a zone (no zone means UTC), and plain dates.
fn iso(text: &str) -> Option<XeroDateTime> {
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(XeroDateTime(timestamp));
    }
    if let Ok(datetime) = text.parse::<jiff::civil::DateTime>() {
        return jiff::tz::TimeZone::UTC.to_timestamp(datetime).ok().map(XeroDateTime);
    }
    text.parse::<jiff::civil::Date>().ok().map(XeroDateTime::from_date)
}

impl fmt::Display for XeroDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/Date({}+0000)/", self.millis())
    }
}

impl Serialize for XeroDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for XeroDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        XeroDateTime::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("\"{text}\" is not a Xero date")))
    }
}

/// Xero's `If-Modified-Since` precision: whole seconds.
pub fn truncate_to_second(timestamp: Timestamp) -> Timestamp {
    Timestamp::from_second(timestamp.as_second()).unwrap_or(timestamp)
}

/// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`), or ISO 8601, as `If-Modified-Since` carries.
pub fn parse_http_date(text: &str) -> Option<Timestamp> {
    if let Ok(timestamp) = jiff::fmt::rfc2822::parse(text).map(|zoned| zoned.timestamp()) {
        return Some(timestamp);
    }
    iso(text).map(|date| date.0)
}

pub fn format_http_date(timestamp: Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&timestamp).unwrap_or_default()
}

/// A day later than `timestamp`, for generators and tests.
pub fn days_after(timestamp: Timestamp, days: i64) -> Timestamp {
    timestamp.checked_add((days * 24).hours()).unwrap_or(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_xero_sends() {
        let expected = XeroDateTime::from_millis(1_539_993_600_000).unwrap();
        for text in [
            "/Date(1539993600000+0000)/",
            "/Date(1539993600000)/",
            "\\/Date(1539993600000+0000)\\/",
            "/Date(1539993600000+1300)/",
            "2018-10-20T00:00:00",
            "2018-10-20T00:00:00Z",
            "2018-10-20",
        ] {
            assert_eq!(XeroDateTime::parse(text), Some(expected), "{text}");
        }
        assert_eq!(XeroDateTime::parse("/Date(-86400000)/").map(|d| d.millis()), Some(-86_400_000));
        assert_eq!(XeroDateTime::parse("not a date"), None);
        assert_eq!(XeroDateTime::parse("/Date(abc)/"), None);
    }

    #[test]
    fn writes_xeros_form() {
        let date = XeroDateTime::from_date(jiff::civil::date(2018, 10, 20));
        assert_eq!(date.to_string(), "/Date(1539993600000+0000)/");
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"/Date(1539993600000+0000)/\"");
        assert_eq!(date.date(), jiff::civil::date(2018, 10, 20));
    }

    #[test]
    fn http_dates_round_trip() {
        let stamp: Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(format_http_date(stamp), "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(stamp));
        assert_eq!(parse_http_date("2015-10-21T07:28:00"), Some(stamp));
    }
}
