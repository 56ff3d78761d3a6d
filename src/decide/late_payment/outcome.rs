//! What the computation concludes for one invoice: the figures of a claim, the reason there is
//! none, or the half-year whose reference rate the table lacks (a warning, never a guess).

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::half_year::HalfYear;
use super::rates::Reference;
use crate::ledger::CurrencyCode;
use crate::plan::Law;

/// The late-payment claim on one invoice.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LatePayment {
    Claimed(ClaimFigures),
    NotClaimed {
        reason: NoClaim,
    },
    /// The table has no reference rate for a half-year the claim needs: nothing is claimed and
    /// the run warns, until the rate is added to the table or to `[rates]` in the config.
    RateMissing(MissingRate),
}

/// The figures of a claim, each money figure rounded to the penny (cent).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimFigures {
    pub currency: CurrencyCode,
    /// The sum of the periods' amounts.
    pub interest: Decimal,
    /// Fixed compensation under the law; zero for a contractual rate alone.
    pub compensation: Decimal,
    /// Interest plus compensation.
    pub claim_total: Decimal,
    /// The yearly rates applied, in percent, in the order they applied, each once.
    pub rates: Vec<Decimal>,
    /// The days on which interest accrued (disputed days and days with nothing owed left out).
    pub interest_days: i64,
    /// How the interest was reckoned, period by period, for `explain`.
    pub periods: Vec<InterestPeriod>,
}

/// A run of days with one principal and one rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InterestPeriod {
    /// The first day that accrues.
    pub from: Date,
    /// The last day that accrues (included).
    pub to: Date,
    pub principal: Decimal,
    /// The yearly rate, in percent.
    pub rate: Decimal,
    pub days: i64,
    /// principal × rate / 100 × days / 365, rounded half-up to the penny.
    pub amount: Decimal,
}

/// Why an invoice carries no claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoClaim {
    /// The customer is in the contact group the claim sentence excepts.
    ExceptedGroup { group: String },
    /// The law applies to debts in its own currency only.
    OtherCurrency { law: Law, currency: CurrencyCode },
    /// Nothing was owed (a zero or negative total).
    NothingOwed,
    /// Not due yet on the day computed for, or paid in full by the due date.
    NotLate,
    /// Figures beyond what exact decimals can hold: no believable invoice reaches them.
    OutOfRange,
    /// The strategy has no Claim sentence, or its claim could not be computed (no rates table,
    /// the payments unreadable): nothing is claimed rather than a guess.
    NotClaimed,
}

/// The half-year a claim needs and the table lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MissingRate {
    pub reference: Reference,
    pub half_year: HalfYear,
}

impl LatePayment {
    /// The claim's figures, when there is a claim.
    pub fn figures(&self) -> Option<&ClaimFigures> {
        match self {
            LatePayment::Claimed(figures) => Some(figures),
            _ => None,
        }
    }

    /// Interest claimed, zero when none is.
    pub fn interest(&self) -> Decimal {
        self.figures().map_or(Decimal::ZERO, |f| f.interest)
    }

    /// Compensation claimed, zero when none is.
    pub fn compensation(&self) -> Decimal {
        self.figures().map_or(Decimal::ZERO, |f| f.compensation)
    }

    /// Interest plus compensation, zero when nothing is claimed.
    pub fn claim_total(&self) -> Decimal {
        self.figures().map_or(Decimal::ZERO, |f| f.claim_total)
    }

    /// The yearly rate in percent that applies last (the one in force on the day computed for,
    /// when interest is still running); none when nothing accrued under a rate that follows the
    /// half-years.
    pub fn interest_rate(&self) -> Option<Decimal> {
        self.figures().and_then(|f| f.rates.last().copied())
    }

    /// Days on which interest accrued, zero when none is claimed.
    pub fn interest_days(&self) -> i64 {
        self.figures().map_or(0, |f| f.interest_days)
    }

    /// The warning to show when a rate is missing.
    pub fn missing_rate(&self) -> Option<MissingRate> {
        match self {
            LatePayment::RateMissing(missing) => Some(*missing),
            _ => None,
        }
    }
}

impl std::fmt::Display for MissingRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the rates table has no {} for {}, so no interest is claimed; add it under [rates.{}] in collectiq.toml",
            self.reference.title(),
            self.half_year,
            self.reference.key()
        )
    }
}
