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
