//! Names, amounts, lengths of time, dates and times as written in a strategy.

use jiff::civil::Time;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ledger::CurrencyCode;
pub use crate::ledger::money::Currency;
use crate::source::Span;

/// A quoted name (or a bare segment name): a segment, template, contact group, person, address
/// or time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// `3 days`, `2 business days`, `12 months`, `2 years`. Weeks and fortnights are read as days
/// (`a fortnight` is 14 days), so equivalent lengths make equal trees; years stay years as
/// written, and the plan counts them as 12 months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Duration {
    pub count: u32,
    pub unit: Unit,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Unit {
    /// Calendar days.
    Day,
    /// Monday to Friday, except holidays.
    BusinessDay,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

impl Duration {
    /// The length in calendar days, when the unit has a fixed length.
    pub fn fixed_days(&self) -> Option<u32> {
        (self.unit == Unit::Day).then_some(self.count)
    }

    /// The length in calendar months, for months and years.
    pub fn months(&self) -> Option<u32> {
        match self.unit {
            Unit::Month => Some(self.count),
            Unit::Year => Some(self.count.saturating_mul(12)),
            Unit::Day | Unit::BusinessDay => None,
        }
    }
}

/// `$5,000`, `5,000 NZD`, `€500`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MoneyAmount {
    pub amount: Decimal,
    pub currency: Currency,
    pub span: Span,
}

/// A currency written on its own: `billed in AUD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CurrencyName {
    pub code: CurrencyCode,
    pub span: Span,
}

/// `9am`, `17:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeOfDay {
    pub time: Time,
    pub span: Span,
}

/// `2026-12-25` (one day) or `25 December` (every year).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DateLiteral {
    pub date: CalendarDate,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CalendarDate {
    On(jiff::civil::Date),
    EveryYear { month: u8, day: u8 },
}

/// A count of things: `3 or more overdue invoices`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    pub value: u32,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Comparison {
    MoreThan,
    AtLeast,
    LessThan,
    AtMost,
}

impl Comparison {
    /// Whether `left <comparison> right` holds.
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Comparison::MoreThan => left > right,
            Comparison::AtLeast => left >= right,
            Comparison::LessThan => left < right,
            Comparison::AtMost => left <= right,
        }
    }
}

/// How a text condition compares: `whose name contains "Council"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TextMatch {
    Contains,
    StartsWith,
    EndsWith,
    Is,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}
