//! What a strategy claims from late payers: statutory interest and compensation under a named
//! law, a contractual rate, or both, and who is spared. The plan only says what is claimed; the
//! figures are computed by `decide::late_payment`, which reads these types.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `Claim …` settings, merged: at most one law and at most one contractual rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The statute whose interest and compensation are claimed; none for a contractual rate alone.
    pub law: Option<Law>,
    /// A contractual rate, which replaces the statutory rate (compensation still follows the law).
    pub contractual_rate: Option<ContractualRate>,
    /// Customers in this Xero contact group are not claimed from (consumers, say).
    pub except_group: Option<String>,
}

/// A late-payment statute, and its member-state variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Law {
    /// The Late Payment of Commercial Debts (Interest) Act 1998: GBP debts.
    UkLatePaymentAct,
    /// Directive 2011/7/EU on combating late payment: EUR debts.
    EuLatePaymentDirective,
    /// The Directive as Germany applies it (BGB § 288): 9 points over the Basiszinssatz.
    EuLatePaymentDirectiveGermany,
}

/// `Claim interest at 2% a month.`: simple interest at a rate the contract sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractualRate {
    /// The rate as written, in percent (`2` for 2%).
    pub percent: Decimal,
    pub per: RatePeriod,
}

/// What a contractual rate is counted per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatePeriod {
    Month,
    Year,
}

impl Law {
    /// The law as `fmt` writes it after "under the".
    pub fn title(self) -> &'static str {
        match self {
            Law::UkLatePaymentAct => "UK Late Payment Act",
            Law::EuLatePaymentDirective => "EU Late Payment Directive",
            Law::EuLatePaymentDirectiveGermany => "EU Late Payment Directive as applied in Germany",
        }
    }
}

impl ContractualRate {
    /// The yearly rate in percent: a monthly rate counts twelve times a year (2% a month is 24%
    /// a year), which is how a simple monthly rate is read when interest accrues by the day.
    pub fn yearly_percent(self) -> Decimal {
        match self.per {
            RatePeriod::Month => self.percent * Decimal::from(12),
            RatePeriod::Year => self.percent,
        }
    }
}
