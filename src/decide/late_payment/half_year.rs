//! Half-years: the unit the reference rates are published in. Every late-payment reference rate
//! is fixed for a half-year (the rate in force on 1 January or 1 July, or on the 31 December or
//! 30 June before it), so the rates table is keyed by half-year, written `2024-H1`.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Serialize, Serializer};

/// January–June (`H1`) or July–December (`H2`) of a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfYear {
    pub year: i16,
    /// `false` for January–June, `true` for July–December.
    pub second: bool,
}

impl HalfYear {
    /// The half-year `date` falls in.
    pub fn of(date: Date) -> HalfYear {
        HalfYear { year: date.year(), second: date.month() >= 7 }
    }

    /// 1 January or 1 July; `None` only at the calendar's edge.
    pub fn first_day(self) -> Option<Date> {
        Date::new(self.year, if self.second { 7 } else { 1 }, 1).ok()
    }

    /// The half-year after this one.
    pub fn next(self) -> Option<HalfYear> {
        if self.second {
            Some(HalfYear { year: self.year.checked_add(1)?, second: false })
        } else {
            Some(HalfYear { year: self.year, second: true })
        }
    }
}

impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-H{}", self.year, if self.second { 2 } else { 1 })
    }
}

/// Written as in the table, `2024-H1`, so that it can key a JSON object.
impl Serialize for HalfYear {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for HalfYear {
    type Err = ();

    /// `2024-H1` or `2024-H2` (the `H` in either case).
    fn from_str(text: &str) -> Result<HalfYear, ()> {
        let (year, half) = text.split_once('-').ok_or(())?;
        let year: i16 = year.parse().map_err(|_| ())?;
        if !(1900..=2999).contains(&year) {
            return Err(());
        }
        match half {
            "H1" | "h1" => Ok(HalfYear { year, second: false }),
            "H2" | "h2" => Ok(HalfYear { year, second: true }),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn june_is_the_first_half_and_july_the_second() {
        assert_eq!(HalfYear::of(date(2024, 6, 30)).to_string(), "2024-H1");
        assert_eq!(HalfYear::of(date(2024, 7, 1)).to_string(), "2024-H2");
        assert_eq!("2024-H2".parse::<HalfYear>(), Ok(HalfYear { year: 2024, second: true }));
        assert_eq!(HalfYear { year: 2024, second: true }.next(), Some(HalfYear { year: 2025, second: false }));
        assert!("2024-H3".parse::<HalfYear>().is_err());
        assert!("H1".parse::<HalfYear>().is_err());
    }
}
