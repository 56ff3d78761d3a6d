//! Late-payment interest and compensation (LANGUAGE.md §11, docs/email.md): what a strategy's
//! `Claim …` settings claim on one invoice, on one day. Pure: the caller hands in the claim, the
//! invoice as a [`Debt`], the customer's contact groups, the day and the rates table, and reads
//! back a [`LatePayment`]. Nothing here ever changes an invoice; the figures are shown in emails,
//! statements, `explain` and the simulator.

mod accrual;
mod compensation;
mod debt;
mod explain;
mod half_year;
mod outcome;
mod rates;
mod records_to_debt;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod properties;

use jiff::civil::Date;
use rust_decimal::Decimal;

pub use debt::{Debt, Dispute, Reduction};
pub use half_year::HalfYear;
pub use outcome::{ClaimFigures, InterestPeriod, LatePayment, MissingRate, NoClaim};
pub use rates::{Origin, Overrides, RateTable, RatesError, Reference, Series};

use self::accrual::{AccrualError, RateRule};
use crate::ledger::CurrencyCode;
use crate::plan::{Claim, Law};

/// What `claim` claims on `debt` on the day `as_of`, from a customer in `customer_groups`.
pub fn late_payment(
    claim: &Claim,
    debt: &Debt,
    customer_groups: &[&str],
    as_of: Date,
    rates: &RateTable,
) -> LatePayment {
    let not_claimed = |reason| LatePayment::NotClaimed { reason };
    if let Some(group) = &claim.except_group
        && customer_groups.iter().any(|g| g.eq_ignore_ascii_case(group))
    {
        return not_claimed(NoClaim::ExceptedGroup { group: group.clone() });
    }
    if let Some(law) = claim.law
        && debt.currency != currency(law)
    {
        return not_claimed(NoClaim::OtherCurrency { law, currency: debt.currency });
    }
    if debt.total <= Decimal::ZERO {
        return not_claimed(NoClaim::NothingOwed);
    }
    if !late(debt, as_of) {
        return not_claimed(NoClaim::NotLate);
    }
    let rule = match rate_rule(claim, debt, rates) {
        Ok(rule) => rule,
        Err(missing) => return LatePayment::RateMissing(missing),
    };
    let periods = match accrual::periods(debt, as_of, rule, rates) {
        Ok(periods) => periods,
        Err(AccrualError::Missing(missing)) => return LatePayment::RateMissing(missing),
        Err(AccrualError::OutOfRange) => return not_claimed(NoClaim::OutOfRange),
    };
    let Some(interest) = periods.iter().try_fold(Decimal::ZERO, |sum, p| sum.checked_add(p.amount)) else {
        return not_claimed(NoClaim::OutOfRange);
    };
    let compensation = claim.law.map_or(Decimal::ZERO, |law| compensation::compensation(law, debt.total));
    let mut applied: Vec<Decimal> = Vec::new();
    for period in &periods {
        if applied.last() != Some(&period.rate) {
            applied.push(period.rate);
        }
    }
    if let (true, RateRule::Fixed(rate)) = (applied.is_empty(), rule) {
        applied.push(rate.max(Decimal::ZERO));
    }
    LatePayment::Claimed(ClaimFigures {
        currency: debt.currency,
        interest,
        compensation,
        claim_total: interest + compensation,
        rates: applied,
        interest_days: periods.iter().map(|p| p.days).sum(),
        periods,
    })
}

/// The currency a law's claims are made in.
pub fn currency(law: Law) -> CurrencyCode {
    match law {
        Law::UkLatePaymentAct => CurrencyCode::GBP,
        Law::EuLatePaymentDirective | Law::EuLatePaymentDirectiveGermany => CurrencyCode::EUR,
    }
}

/// The reference rate a law adds its points to, and how many.
pub fn reference(law: Law) -> (Reference, Decimal) {
    match law {
        Law::UkLatePaymentAct => (Reference::BankOfEngland, Decimal::from(8)),
        Law::EuLatePaymentDirective => (Reference::EcbMainRefinancing, Decimal::from(8)),
        Law::EuLatePaymentDirectiveGermany => (Reference::Basiszinssatz, Decimal::from(9)),
    }
}

/// Late on `as_of`: past the due date with something still owed at the end of it.
fn late(debt: &Debt, as_of: Date) -> bool {
    let paid_by_due: Decimal = debt.reductions.iter().filter(|r| r.date <= debt.due_date).map(|r| r.amount).sum();
    as_of > debt.due_date && paid_by_due < debt.total
}

/// A contract's rate replaces the law's. The UK Act's rate is fixed for the debt by the half-year
/// it fell due in (its table entry is Bank Rate on the 31 December or 30 June before); the
/// Directive's follows the half-years while interest runs.
fn rate_rule(claim: &Claim, debt: &Debt, rates: &RateTable) -> Result<RateRule, MissingRate> {
    if let Some(contractual) = claim.contractual_rate {
        return Ok(RateRule::Fixed(contractual.yearly_percent()));
    }
    let Some(law) = claim.law else {
        return Ok(RateRule::Fixed(Decimal::ZERO));
    };
    let (reference, points) = reference(law);
    match law {
        Law::UkLatePaymentAct => {
            let half_year = HalfYear::of(debt.due_date);
            let rate = rates.rate(reference, half_year).ok_or(MissingRate { reference, half_year })?;
            Ok(RateRule::Fixed(rate + points))
        }
        Law::EuLatePaymentDirective | Law::EuLatePaymentDirectiveGermany => {
            Ok(RateRule::FollowsHalfYears { reference, points })
        }
    }
}
