//! Days as a strategy counts them: in its time zone, with its holidays, business days and sending
//! window. Everything the runtime decides about "when" goes through here.

use std::sync::{Arc, OnceLock};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::days::{add_days, day_from_number, day_number};
use crate::plan::{Holiday, Period, PeriodUnit, SendingDays, SendingWindow, Settings};

#[derive(Clone)]
pub struct Calendar {
    zone: TimeZone,
    zone_name: String,
    /// Sorted, for a binary search when a year's business days are worked out.
    holidays: Vec<Date>,
    yearly: Vec<(i8, i8)>,
    window: SendingWindow,
    /// Each year's days, worked out the first time one of them is asked about. Deadlines,
    /// sending times and business-day counts are asked for every rule occurrence, and a time zone
    /// lookup or a holiday search each time was most of what deciding cost.
    days: Arc<[OnceLock<YearDays>]>,
    /// Each year's offsets from UTC, apart: finding today needs only these, which are quick to
    /// work out, so a calendar made to ask it once stays cheap.
    offsets: Arc<[OnceLock<YearOffsets>]>,
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("zone", &self.zone_name)
            .field("holidays", &self.holidays)
            .field("yearly", &self.yearly)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// The years whose days are kept worked out; others are worked out each time.
const FIRST_KEPT_YEAR: i16 = 1970;
const KEPT_YEARS: usize = 230;
const SECONDS_A_DAY: i64 = 86_400;
const SECONDS_AN_AVERAGE_YEAR: i64 = 31_556_952;

/// One year of a calendar, for each day (by ordinal, from 0): when sending opens and closes, and
/// whether it is a business day.
struct YearDays {
    opens: Vec<Timestamp>,
    closes: Vec<Timestamp>,
    business: Vec<bool>,
}

/// The time zone's offsets from UTC over one year as UTC counts it.
struct YearOffsets {
    /// From the year's first second to the first of the next (Unix seconds).
    utc: std::ops::Range<i64>,
    /// The offset (in seconds) at the year's start, then each change within it, by when.
    offset: i32,
    changes: Vec<(i64, i32)>,
}

impl YearOffsets {
    fn offset_at(&self, second: i64) -> i32 {
        self.changes.iter().take_while(|(at, _)| *at <= second).last().map_or(self.offset, |(_, offset)| *offset)
    }
}

/// Why a calendar could not be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl std::fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\" is not a time zone CollectIQ knows", self.0)
    }
}

impl std::error::Error for UnknownZone {}

impl Calendar {
    /// The strategy's calendar: its own time zone, else the organisation's, else UTC.
    pub fn new(settings: &Settings, organisation_zone: Option<&str>) -> Result<Calendar, UnknownZone> {
        let name = settings.time_zone.as_deref().or(organisation_zone).unwrap_or("UTC");
        let zone = TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))?;
        let mut holidays = Vec::new();
        let mut yearly = Vec::new();
        for holiday in &settings.holidays {
            match *holiday {
                Holiday::Date(date) => holidays.push(date),
                Holiday::EveryYear { month, day } => yearly.push((month as i8, day as i8)),
            }
        }
        holidays.sort_unstable();
        holidays.dedup();
        yearly.sort_unstable();
        yearly.dedup();
        Ok(Calendar {
            zone,
            zone_name: name.to_string(),
            holidays,
            yearly,
            window: settings.sending_window.clone(),
            days: (0..KEPT_YEARS).map(|_| OnceLock::new()).collect(),
            offsets: (0..KEPT_YEARS).map(|_| OnceLock::new()).collect(),
        })
    }

    /// Where a year's worked-out parts are kept, if it is one that is kept.
    fn kept(year: i16) -> Option<usize> {
        usize::try_from(year - FIRST_KEPT_YEAR).ok().filter(|index| *index < KEPT_YEARS)
    }

    /// The worked-out days of `date`'s year, and the day's place in it.
    fn year_of(&self, date: Date) -> Option<(&YearDays, usize)> {
        let year = self.days[Calendar::kept(date.year())?].get_or_init(|| self.work_out_days(date.first_of_year()));
        Some((year, usize::try_from(date.day_of_year() - 1).ok()?))
    }

    fn work_out_days(&self, first: Date) -> YearDays {
        let days = first.days_in_year() as usize;
        let mut year = YearDays {
            opens: Vec::with_capacity(days),
            closes: Vec::with_capacity(days),
            business: Vec::with_capacity(days),
        };
        let mut day = first;
        for _ in 0..days {
            year.opens.push(self.instant(day, self.window.start));
            year.closes.push(self.instant(day, self.window.end));
            year.business.push(self.work_out_business_day(day));
            day = day.tomorrow().unwrap_or(day);
        }
        year
    }

    fn work_out_offsets(&self, first: Date) -> YearOffsets {
        let start = day_number(first) * SECONDS_A_DAY;
        let utc = start..start + i64::from(first.days_in_year()) * SECONDS_A_DAY;
        let start = Timestamp::from_second(start).unwrap_or(Timestamp::UNIX_EPOCH);
        let changes = self
            .zone
            .following(start)
            .map(|change| (change.timestamp().as_second(), change.offset().seconds()))
            .take_while(|(at, _)| *at < utc.end)
            .collect();
        YearOffsets { utc, offset: self.zone.to_offset(start).seconds(), changes }
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The day it is at `now`, where the strategy counts days.
    pub fn today(&self, now: Timestamp) -> Date {
        self.kept_today(now).unwrap_or_else(|| self.zone.to_datetime(now).date())
    }

    /// As `today`, from the offsets worked out for the year (UTC's) `now` falls in.
    fn kept_today(&self, now: Timestamp) -> Option<Date> {
        // Whole seconds from here on, which before 1970 would round the wrong way.
        if now < Timestamp::UNIX_EPOCH {
            return None;
        }
        let second = now.as_second();
        let guess = (second / SECONDS_AN_AVERAGE_YEAR) as usize;
        for index in [guess, guess.saturating_sub(1), guess + 1] {
            let first = Date::new(FIRST_KEPT_YEAR.checked_add(i16::try_from(index).ok()?)?, 1, 1).ok()?;
            let year = self.offsets[Calendar::kept(first.year())?].get_or_init(|| self.work_out_offsets(first));
            if year.utc.contains(&second) {
                let local = second + i64::from(year.offset_at(second));
                return day_from_number(local.div_euclid(SECONDS_A_DAY));
            }
        }
        None
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok() || self.yearly.binary_search(&(date.month(), date.day())).is_ok()
    }

    pub fn is_business_day(&self, date: Date) -> bool {
        match self.year_of(date) {
            Some((year, day)) => year.business[day],
            None => self.work_out_business_day(date),
        }
    }

    fn work_out_business_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.is_holiday(date)
    }

    /// Whether emails may go out on this day at all.
    pub fn is_sending_day(&self, date: Date) -> bool {
        match self.window.days {
            SendingDays::BusinessDays | SendingDays::Weekdays => self.is_business_day(date),
            SendingDays::EveryDay => !self.is_holiday(date),
        }
    }

    /// `date` moved by `period` (backwards when `forwards` is false). Business days step over
    /// weekends and holidays; months keep the day where the month has it (else its last day).
    pub fn shift(&self, date: Date, period: Period, forwards: bool) -> Date {
        let count = i64::from(period.count);
        let signed = if forwards { count } else { -count };
        match period.unit {
            PeriodUnit::Days => add_days(date, signed).unwrap_or(date),
            PeriodUnit::Months => date.checked_add(signed.months()).unwrap_or(date),
            PeriodUnit::BusinessDays => {
                let mut day = date;
                let mut left = count;
                while left > 0 {
                    match if forwards { day.tomorrow() } else { day.yesterday() } {
                        Ok(next) => day = next,
                        Err(_) => break,
                    }
                    if self.is_business_day(day) {
                        left -= 1;
                    }
                }
                day
            }
        }
    }

    pub fn after(&self, date: Date, period: Period) -> Date {
        self.shift(date, period, true)
    }

    pub fn before(&self, date: Date, period: Period) -> Date {
        self.shift(date, period, false)
    }

    fn instant(&self, date: Date, time: crate::plan::ClockTime) -> Timestamp {
        let at = date.to_datetime(Time::new(time.hour as i8, time.minute as i8, 0, 0).unwrap_or(Time::midnight()));
        // In a gap (a clock change) the instant just after it.
        self.zone.to_ambiguous_timestamp(at).compatible().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// When sending opens on a day (whether or not it is a sending day).
    pub fn opens(&self, date: Date) -> Timestamp {
        match self.year_of(date) {
            Some((year, day)) => year.opens[day],
            None => self.instant(date, self.window.start),
        }
    }

    /// When sending closes on a day.
    pub fn closes(&self, date: Date) -> Timestamp {
        match self.year_of(date) {
            Some((year, day)) => year.closes[day],
            None => self.instant(date, self.window.end),
        }
    }

    /// Whether an email may go out at this instant.
    pub fn may_send_at(&self, at: Timestamp) -> bool {
        let day = self.today(at);
        self.is_sending_day(day) && at >= self.opens(day) && at < self.closes(day)
    }

    /// The first instant at or after `from` when an email may go out (within a year; a calendar
    /// without any sending day gives `None`).
    pub fn next_sending_moment(&self, from: Timestamp) -> Option<Timestamp> {
        let mut day = self.today(from);
        for _ in 0..370 {
            if self.is_sending_day(day) {
                let (opens, closes) = (self.opens(day), self.closes(day));
                if from < closes {
                    return Some(from.max(opens));
                }
            }
            day = day.checked_add(1.day()).ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(days: SendingDays, zone: Option<&str>, holidays: Vec<Holiday>) -> Settings {
        let mut settings = crate::decide::testing::settings();
        settings.sending_window.days = days;
        settings.time_zone = zone.map(str::to_string);
        settings.holidays = holidays;
        settings
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn business_days_step_over_weekends_and_holidays() {
        let christmas = Holiday::Date(date("2026-12-25"));
        let new_year = Holiday::EveryYear { month: 1, day: 1 };
        let calendar =
            Calendar::new(&settings(SendingDays::BusinessDays, None, vec![christmas, new_year]), None).unwrap();
        let two = Period { count: 2, unit: PeriodUnit::BusinessDays };
        // Friday + 2 business days is Tuesday.
        assert_eq!(calendar.after(date("2026-11-27"), two), date("2026-12-01"));
        // Over Christmas (Friday) and the weekend.
        assert_eq!(calendar.after(date("2026-12-24"), two), date("2026-12-29"));
        assert_eq!(calendar.before(date("2026-12-29"), two), date("2026-12-24"));
        assert!(!calendar.is_business_day(date("2027-01-01")));
        let month = Period { count: 1, unit: PeriodUnit::Months };
        assert_eq!(calendar.after(date("2026-01-31"), month), date("2026-02-28"));
    }

    #[test]
    fn the_window_is_in_the_strategy_zone() {
        let calendar =
            Calendar::new(&settings(SendingDays::BusinessDays, Some("Pacific/Auckland"), vec![]), None).unwrap();
        // 2026-11-25 09:00 in Auckland (UTC+13) is 2026-11-24 20:00 UTC.
        assert_eq!(calendar.opens(date("2026-11-25")), at("2026-11-24T20:00:00Z"));
        assert!(calendar.may_send_at(at("2026-11-24T20:30:00Z")));
        assert!(!calendar.may_send_at(at("2026-11-24T19:59:00Z")));
        // Friday 17:30 in Auckland: next is Monday 09:00.
        let friday_evening = at("2026-11-27T04:30:00Z");
        assert_eq!(calendar.next_sending_moment(friday_evening), Some(at("2026-11-29T20:00:00Z")));
        assert_eq!(calendar.today(at("2026-11-24T20:30:00Z")), date("2026-11-25"));
    }

    #[test]
    fn the_kept_days_are_the_time_zone_s_own() {
        let zones = ["Pacific/Auckland", "America/Sao_Paulo", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"];
        for name in zones {
            let calendar = Calendar::new(&settings(SendingDays::BusinessDays, Some(name), vec![]), None).unwrap();
            let zone = TimeZone::get(name).unwrap();
            let mut instants: Vec<Timestamp> =
                (0..4_000).map(|n| Timestamp::from_second(n * 1_000_003 + n % 7).unwrap()).collect();
            // Just before 1970, where whole seconds round towards it.
            instants.extend([Timestamp::new(0, -500_000_000).unwrap(), Timestamp::new(-1, 0).unwrap()]);
            // Either side of every change of offset in a stretch of years, to the second.
            let changes =
                zone.following(at("2000-01-01T00:00:00Z")).take_while(|c| c.timestamp() < at("2040-01-01T00:00:00Z"));
            for change in changes {
                let second = change.timestamp().as_second();
                instants.extend((second - 2..=second + 1).map(|s| Timestamp::from_second(s).unwrap()));
            }
            for instant in instants {
                assert_eq!(calendar.today(instant), zone.to_datetime(instant).date(), "{name} at {instant}");
            }
            for day in (0..20_000).step_by(97) {
                let date = Date::constant(1975, 1, 1).checked_add(day.days()).unwrap();
                let start = Time::new(9, 0, 0, 0).unwrap();
                assert_eq!(
                    calendar.opens(date),
                    zone.to_ambiguous_timestamp(date.to_datetime(start)).compatible().unwrap()
                );
            }
        }
    }

    #[test]
    fn every_day_sends_at_weekends_but_not_on_holidays() {
        let boxing = Holiday::Date(date("2026-12-26"));
        let calendar = Calendar::new(&settings(SendingDays::EveryDay, None, vec![boxing]), Some("UTC")).unwrap();
        assert!(calendar.is_sending_day(date("2026-11-28")));
        assert!(!calendar.is_sending_day(date("2026-12-26")));
        assert!(Calendar::new(&settings(SendingDays::EveryDay, Some("Mars/Olympus"), vec![]), None).is_err());
    }
}
