//! When a rule's trigger comes round. An invoice trigger gives numbered occurrences counted from
//! the invoice's dates (so a due date that moves takes its future occurrences with it); a calendar
//! trigger gives one occurrence per matching day, numbered by the day.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday as CivilWeekday};
use smallvec::{SmallVec, smallvec};

use super::calendar::Calendar;
use super::days::{add_days, day_from_number, day_number};
use crate::ledger::records::Invoice;
use crate::plan::{DayOfMonth, Period, PeriodUnit, Trigger, Weekday};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    /// 0 for one-off triggers, the repetition for repeating ones, the day for calendar ones.
    pub index: i64,
    pub date: Date,
}

/// An invoice trigger's occurrences: mostly one, or a few, kept without an allocation.
pub type Occurrences = SmallVec<[Occurrence; 4]>;

/// The occurrences of an invoice trigger, in order, up to `last` (inclusive).
pub fn invoice_occurrences(trigger: &Trigger, invoice: &Invoice, calendar: &Calendar, last: Date) -> Occurrences {
    let one = |date: Date| if date <= last { smallvec![Occurrence { index: 0, date }] } else { Occurrences::new() };
    match trigger {
        Trigger::BeforeDue { offset } => one(calendar.before(invoice.due_date, *offset)),
        Trigger::OnDue => one(invoice.due_date),
        Trigger::Overdue { offset } => one(calendar.after(invoice.due_date, *offset)),
        Trigger::AfterIssue { offset } => one(calendar.after(invoice.date, *offset)),
        Trigger::Repeating { every, from, until } => {
            let (start, end) = repeating_bounds(invoice, *from, *until, calendar, last);
            repeating(start, end, *every, calendar)
        }
        Trigger::Weekly { .. } | Trigger::Monthly { .. } => Occurrences::new(),
    }
}

/// The days (as numbers) after `after`, up to `last`, on which an invoice trigger's occurrences
/// fall, handed to `day`. The same days as [`invoice_occurrences`] gives; the simulator asks this
/// for every open invoice whenever a customer's rules change, so repetitions by days are counted
/// out rather than listed.
pub fn invoice_occurrence_days(
    trigger: &Trigger,
    invoice: &Invoice,
    calendar: &Calendar,
    after: i64,
    last: Date,
    mut day: impl FnMut(i64),
) {
    match trigger {
        Trigger::Repeating { every, from, until } if every.unit == PeriodUnit::Days && every.count > 0 => {
            let (start, end) = repeating_bounds(invoice, *from, *until, calendar, last);
            let start = day_number(start);
            let step = i64::from(every.count);
            // The first repetition after `after`: a whole number of steps from the start.
            let skipped = if after < start { 0 } else { (after - start) / step + 1 };
            let mut next = start + skipped * step;
            while next <= day_number(end) {
                day(next);
                next += step;
            }
        }
        _ => {
            for occurrence in invoice_occurrences(trigger, invoice, calendar, last) {
                let number = day_number(occurrence.date);
                if number > after {
                    day(number);
                }
            }
        }
    }
}

/// The first and last days a repeating trigger can fall on for an invoice, up to `last`.
fn repeating_bounds(
    invoice: &Invoice,
    from: Period,
    until: Option<Period>,
    calendar: &Calendar,
    last: Date,
) -> (Date, Date) {
    let start = calendar.after(invoice.due_date, from);
    let end = until.map(|until| calendar.after(invoice.due_date, until)).map_or(last, |end| end.min(last));
    (start, end)
}

fn repeating(start: Date, end: Date, every: crate::plan::Period, calendar: &Calendar) -> Occurrences {
    if start > end || every.count == 0 {
        return Occurrences::new();
    }
    if every.unit == PeriodUnit::Days {
        // Straight arithmetic: an invoice a year overdue need not be stepped through.
        let step = i64::from(every.count);
        let count = (end - start).get_days() as i64 / step;
        return (0..=count)
            .filter_map(|k| add_days(start, k * step).map(|date| Occurrence { index: k, date }))
            .collect();
    }
    let mut occurrences = Occurrences::new();
    let mut date = start;
    while date <= end {
        occurrences.push(Occurrence { index: occurrences.len() as i64, date });
        let next = calendar.after(date, every);
        if next <= date {
            break;
        }
        date = next;
    }
    occurrences
}

/// The last occurrence of an invoice trigger on or before `today`.
pub fn latest_invoice_occurrence(
    trigger: &Trigger,
    invoice: &Invoice,
    calendar: &Calendar,
    today: Date,
) -> Option<Occurrence> {
    let one = |date: Date| (date <= today).then_some(Occurrence { index: 0, date });
    match trigger {
        Trigger::BeforeDue { offset } => one(calendar.before(invoice.due_date, *offset)),
        Trigger::OnDue => one(invoice.due_date),
        Trigger::Overdue { offset } => one(calendar.after(invoice.due_date, *offset)),
        Trigger::AfterIssue { offset } => one(calendar.after(invoice.date, *offset)),
        Trigger::Repeating { every, from, until } if every.unit == PeriodUnit::Days && every.count > 0 => {
            let (start, end) = repeating_bounds(invoice, *from, *until, calendar, today);
            if start > end {
                return None;
            }
            let step = i64::from(every.count);
            let index = (day_number(end) - day_number(start)) / step;
            day_from_number(day_number(start) + index * step).map(|date| Occurrence { index, date })
        }
        _ => invoice_occurrences(trigger, invoice, calendar, today).pop(),
    }
}

/// The first occurrence of an invoice trigger after `today`, if any (for `explain`).
pub fn next_invoice_occurrence(
    trigger: &Trigger,
    invoice: &Invoice,
    calendar: &Calendar,
    today: Date,
) -> Option<Occurrence> {
    let horizon = today.checked_add(2.years()).unwrap_or(today);
    invoice_occurrences(trigger, invoice, calendar, horizon).into_iter().find(|o| o.date > today)
}

fn civil(day: Weekday) -> CivilWeekday {
    match day {
        Weekday::Monday => CivilWeekday::Monday,
        Weekday::Tuesday => CivilWeekday::Tuesday,
        Weekday::Wednesday => CivilWeekday::Wednesday,
        Weekday::Thursday => CivilWeekday::Thursday,
        Weekday::Friday => CivilWeekday::Friday,
        Weekday::Saturday => CivilWeekday::Saturday,
        Weekday::Sunday => CivilWeekday::Sunday,
    }
}

/// Whether a calendar trigger falls on `date`.
pub fn calendar_falls_on(trigger: &Trigger, date: Date) -> bool {
    match trigger {
        Trigger::Weekly { day } => date.weekday() == civil(*day),
        Trigger::Monthly { day: DayOfMonth::Last } => date.last_of_month() == date,
        Trigger::Monthly { day: DayOfMonth::Day(n) } => {
            let wanted = (*n as i8).min(date.days_in_month());
            date.day() == wanted
        }
        _ => false,
    }
}

/// The last day on or before `today` that a calendar trigger falls on (within two months).
pub fn latest_calendar_occurrence(trigger: &Trigger, today: Date) -> Option<Occurrence> {
    let mut date = today;
    for _ in 0..62 {
        if calendar_falls_on(trigger, date) {
            return Some(Occurrence { index: day_number(date), date });
        }
        date = date.checked_sub(1.day()).ok()?;
    }
    None
}

/// The first day after `today` that a calendar trigger falls on.
pub fn next_calendar_occurrence(trigger: &Trigger, today: Date) -> Option<Occurrence> {
    let mut date = today;
    for _ in 0..62 {
        date = date.checked_add(1.day()).ok()?;
        if calendar_falls_on(trigger, date) {
            return Some(Occurrence { index: day_number(date), date });
        }
    }
    None
}

/// The day a calendar occurrence's number stands for.
pub fn calendar_day(index: i64) -> Option<Date> {
    day_from_number(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Period, PeriodUnit};

    #[test]
    fn day_numbers_agree_with_the_calendar() {
        let epoch = Date::constant(1970, 1, 1);
        for date in ["1970-01-01", "1969-12-31", "2000-02-29", "2026-11-25", "2100-03-01", "0001-01-01", "9999-12-31"] {
            let date: Date = date.parse().unwrap();
            assert_eq!(day_number(date), (date - epoch).get_days() as i64, "{date}");
        }
        let mut date = Date::constant(2023, 12, 25);
        for _ in 0..1_000 {
            assert_eq!(day_number(date.tomorrow().unwrap()), day_number(date) + 1, "{date}");
            date = date.tomorrow().unwrap();
        }
    }

    #[test]
    fn occurrence_days_are_the_occurrences_after_a_day() {
        let calendar = calendar();
        let invoice = invoice("2026-10-01");
        let last: Date = "2027-03-01".parse().unwrap();
        let triggers = [
            Trigger::Repeating { every: days(7), from: days(5), until: None },
            Trigger::Repeating { every: days(14), from: days(19), until: Some(days(61)) },
            Trigger::Repeating { every: Period { count: 1, unit: PeriodUnit::Months }, from: days(0), until: None },
            Trigger::Overdue { offset: days(10) },
        ];
        for trigger in &triggers {
            let all = invoice_occurrences(trigger, &invoice, &calendar, last);
            for after in [i64::MIN, day_number(invoice.due_date), day_number(invoice.due_date) + 12, 20_600, 99_999] {
                let mut counted = Vec::new();
                invoice_occurrence_days(trigger, &invoice, &calendar, after, last, |day| counted.push(day));
                let listed: Vec<i64> = all.iter().map(|o| day_number(o.date)).filter(|day| *day > after).collect();
                assert_eq!(counted, listed, "{trigger:?} after {after}");
            }
        }
    }

    #[test]
    fn numbers_give_their_days_back() {
        let mut date = Date::constant(1899, 12, 25);
        for _ in 0..100_000 {
            assert_eq!(day_from_number(day_number(date)), Some(date), "{date}");
            date = date.checked_add(3.days()).unwrap();
        }
        for date in [Date::MIN, Date::MAX, Date::constant(0, 2, 29), Date::constant(-1, 12, 31)] {
            assert_eq!(day_from_number(day_number(date)), Some(date), "{date}");
        }
        assert_eq!(day_from_number(day_number(Date::MAX) + 1), None);
        assert_eq!(add_days(Date::constant(2026, 11, 25), -30), Some(Date::constant(2026, 10, 26)));
    }

    fn days(count: u32) -> Period {
        Period { count, unit: PeriodUnit::Days }
    }

    fn calendar() -> Calendar {
        Calendar::new(&crate::decide::testing::settings(), Some("UTC")).unwrap()
    }

    fn invoice(due: &str) -> Invoice {
        Invoice {
            tenant_id: uuid::Uuid::nil(),
            invoice_id: uuid::Uuid::nil(),
            number: "INV-1".into(),
            reference: None,
            contact_id: uuid::Uuid::nil(),
            status: "AUTHORISED".into(),
            date: "2026-10-01".parse().unwrap(),
            due_date: due.parse().unwrap(),
            currency: "NZD".into(),
            currency_rate: rust_decimal::Decimal::ONE,
            total: rust_decimal::Decimal::TEN,
            amount_due: rust_decimal::Decimal::TEN,
            amount_paid: rust_decimal::Decimal::ZERO,
            amount_credited: rust_decimal::Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn one_off_triggers_follow_the_due_date() {
        let calendar = calendar();
        let due = invoice("2026-11-01");
        let three_days = Trigger::Overdue { offset: days(3) };
        assert_eq!(latest_invoice_occurrence(&three_days, &due, &calendar, date("2026-11-03")), None);
        let occurrence = latest_invoice_occurrence(&three_days, &due, &calendar, date("2026-11-04")).unwrap();
        assert_eq!((occurrence.index, occurrence.date), (0, date("2026-11-04")));
        let moved = invoice("2026-11-10");
        assert_eq!(latest_invoice_occurrence(&three_days, &moved, &calendar, date("2026-11-04")), None);
        let before = Trigger::BeforeDue { offset: days(3) };
        assert_eq!(
            next_invoice_occurrence(&before, &moved, &calendar, date("2026-11-04")).unwrap().date,
            date("2026-11-07")
        );
    }

    #[test]
    fn repeating_triggers_count_their_occurrences() {
        let calendar = calendar();
        let due = invoice("2026-11-01");
        let weekly = Trigger::Repeating { every: days(7), from: days(8), until: Some(days(29)) };
        // From 9 November every 7 days to 30 November: 9, 16, 23, 30.
        let all = invoice_occurrences(&weekly, &due, &calendar, date("2027-01-01"));
        let dates: Vec<String> = all.iter().map(|o| o.date.to_string()).collect();
        assert_eq!(dates, ["2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]);
        let latest = latest_invoice_occurrence(&weekly, &due, &calendar, date("2026-11-25")).unwrap();
        assert_eq!((latest.index, latest.date), (2, date("2026-11-23")));
        let open_ended = Trigger::Repeating { every: days(14), from: days(60), until: None };
        let far = latest_invoice_occurrence(&open_ended, &due, &calendar, date("2027-11-01")).unwrap();
        assert_eq!(far.index, (365 - 60) / 14);
    }

    #[test]
    fn calendar_triggers_fall_on_their_days() {
        let monday = Trigger::Weekly { day: Weekday::Monday };
        assert_eq!(latest_calendar_occurrence(&monday, date("2026-11-25")).unwrap().date, date("2026-11-23"));
        let last = Trigger::Monthly { day: DayOfMonth::Last };
        assert_eq!(latest_calendar_occurrence(&last, date("2026-11-25")).unwrap().date, date("2026-10-31"));
        let thirty_first = Trigger::Monthly { day: DayOfMonth::Day(31) };
        assert!(calendar_falls_on(&thirty_first, date("2026-11-30")), "the 31st falls on a 30-day month's last day");
        let occurrence = next_calendar_occurrence(&monday, date("2026-11-25")).unwrap();
        assert_eq!(calendar_day(occurrence.index), Some(date("2026-11-30")));
    }
}
