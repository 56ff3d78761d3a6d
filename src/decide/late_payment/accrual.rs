//! Simple interest, day by day, cut into periods: a new period starts wherever the principal, the
//! rate or the dispute state changes. Days are counted on a 365-day year, leap years included
//! (the UK Act's daily rate is the yearly rate over 365, and the same basis is used everywhere so
//! that one figure reads the same in every claim).

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use super::debt::Debt;
use super::half_year::HalfYear;
use super::outcome::{InterestPeriod, MissingRate};
use super::rates::{RateTable, Reference};
use crate::decide::days::{day_from_number, day_number};

/// How the yearly rate of a day is found.
#[derive(Clone, Copy, Debug)]
pub enum RateRule {
    /// One rate for the whole debt (the UK Act's, or a contract's), in percent.
    Fixed(Decimal),
    /// The reference rate of each day's half-year plus some points (the Directive's).
    FollowsHalfYears { reference: Reference, points: Decimal },
}

/// Why no periods could be worked out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AccrualError {
    Missing(MissingRate),
    OutOfRange,
}

/// The periods in which interest accrued on `debt`, from the day after its due date to `as_of`,
/// both included. A payment or credit dated D still counts on D (the usual "days late" count:
/// paid one day after the due date is one day of interest) and reduces the principal from D + 1.
/// Disputed days accrue nothing; neither do days with nothing left owing.
pub fn periods(
    debt: &Debt,
    as_of: Date,
    rule: RateRule,
    rates: &RateTable,
) -> Result<Vec<InterestPeriod>, AccrualError> {
    let start = day_number(debt.due_date) + 1;
    let end = day_number(as_of);
    if end < start {
        return Ok(Vec::new());
    }
    let mut cuts = vec![start, end + 1];
    cuts.extend(debt.reductions.iter().map(|r| day_number(r.date) + 1));
    for dispute in &debt.disputes {
        cuts.push(day_number(dispute.from));
        cuts.extend(dispute.until.map(|until| day_number(until) + 1));
    }
    if let RateRule::FollowsHalfYears { .. } = rule {
        cuts.extend(half_year_starts(start, end));
    }
    cuts.retain(|cut| (start..=end + 1).contains(cut));
    cuts.sort_unstable();
    cuts.dedup();

    let mut runs: Vec<(i64, i64, Decimal, Decimal)> = Vec::new();
    for pair in cuts.windows(2) {
        let (first, next) = (pair[0], pair[1]);
        if disputed(debt, first) {
            continue;
        }
        let principal = principal_on(debt, first).ok_or(AccrualError::OutOfRange)?;
        if principal <= Decimal::ZERO {
            continue;
        }
        let rate = rate_on(first, rule, rates)?;
        match runs.last_mut() {
            Some(last) if last.1 == first && last.2 == principal && last.3 == rate => last.1 = next,
            _ => runs.push((first, next, principal, rate)),
        }
    }
    runs.into_iter()
        .map(|(first, next, principal, rate)| {
            let days = next - first;
            let amount = interest(principal, rate, days).ok_or(AccrualError::OutOfRange)?;
            Ok(InterestPeriod {
                from: day_from_number(first).ok_or(AccrualError::OutOfRange)?,
                to: day_from_number(next - 1).ok_or(AccrualError::OutOfRange)?,
                principal,
                rate,
                days,
                amount,
            })
        })
        .collect()
}

/// principal × rate% × days / 365, rounded half-up (half a penny goes up) to the penny.
pub fn interest(principal: Decimal, rate: Decimal, days: i64) -> Option<Decimal> {
    let exact = principal.checked_mul(rate)?.checked_mul(Decimal::from(days))?.checked_div(Decimal::from(36_500))?;
    Some(exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// What was still owed on the day numbered `day`: the total less what was paid or credited on
/// earlier days, never below nothing.
fn principal_on(debt: &Debt, day: i64) -> Option<Decimal> {
    let mut principal = debt.total;
    for reduction in debt.reductions.iter().filter(|r| day_number(r.date) < day) {
        principal = principal.checked_sub(reduction.amount)?;
    }
    Some(principal.max(Decimal::ZERO))
}

fn disputed(debt: &Debt, day: i64) -> bool {
    debt.disputes
        .iter()
        .any(|dispute| day_number(dispute.from) <= day && dispute.until.is_none_or(|until| day <= day_number(until)))
}

/// The yearly rate in percent on the day numbered `day`; never below zero (a negative reference
/// rate lowers the statutory rate, it never turns interest into a refund).
fn rate_on(day: i64, rule: RateRule, rates: &RateTable) -> Result<Decimal, AccrualError> {
    let rate = match rule {
        RateRule::Fixed(rate) => rate,
        RateRule::FollowsHalfYears { reference, points } => {
            let date = day_from_number(day).ok_or(AccrualError::OutOfRange)?;
            let half_year = HalfYear::of(date);
            let reference_rate =
                rates.rate(reference, half_year).ok_or(AccrualError::Missing(MissingRate { reference, half_year }))?;
            reference_rate + points
        }
    };
    Ok(rate.max(Decimal::ZERO))
}

/// The day numbers of 1 January and 1 July after `start`, up to `end`.
fn half_year_starts(start: i64, end: i64) -> Vec<i64> {
    let mut starts = Vec::new();
    let Some(mut half) = day_from_number(start).map(HalfYear::of) else {
        return starts;
    };
    while let Some(next) = half.next() {
        let Some(first) = next.first_day().map(day_number) else {
            break;
        };
        if first > end {
            break;
        }
        starts.push(first);
        half = next;
    }
    starts
}
