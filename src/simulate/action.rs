//! One action of a simulation as reports and lints read it.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulatedAction {
    pub at: Timestamp,
    pub date: Date,
    /// email, statement, call, escalation, stop, skipped or superseded.
    pub kind: &'static str,
    pub rule: String,
    pub segment: Option<String>,
    pub contact_id: Uuid,
    pub contact_name: String,
    pub template: Option<String>,
    pub invoice_numbers: Vec<String>,
    /// The same invoices by id (numbers can repeat, or be missing, in Xero).
    #[serde(skip)]
    pub invoice_ids: Vec<Uuid>,
    /// What the invoices concerned owe, in the base currency, when the action is decided.
    pub amount: Decimal,
    pub reason: String,
    /// What the strategy's Claim sentence claims on these invoices on the action's day, per
    /// currency (none without the sentence, or when nothing is claimed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<SimulatedClaim>,
}

/// Late-payment interest and compensation claimed in one currency, as the email shows them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulatedClaim {
    pub currency: String,
    pub interest: Decimal,
    pub compensation: Decimal,
    pub total: Decimal,
}

impl std::fmt::Display for SimulatedClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::ledger::money::group_thousands;
        write!(
            f,
            "claim {} {} (interest {}, compensation {})",
            self.currency,
            group_thousands(self.total),
            group_thousands(self.interest),
            group_thousands(self.compensation)
        )
    }
}

impl SimulatedAction {
    /// Whether this is something done to or for a customer, rather than a record of why not.
    pub fn acts(&self) -> bool {
        !matches!(self.kind, "skipped" | "superseded")
    }

    /// email, call or escalation: what reviewers count. Statements are emails too.
    pub fn channel(&self) -> &'static str {
        match self.kind {
            "email" | "statement" => "email",
            other => other,
        }
    }
}
