//! What customers do on their page: promise to pay on a day, dispute an invoice, say they have
//! paid. Each answer is a customer event in the inbox (kind `promise`, `dispute` or `paid_claim`,
//! no Message-ID), stored in one transaction with its details, its task, its history notes and
//! what it changes (a promise is a promise, a dispute a dispute). An answer about an invoice that
//! nobody has acted on yet is replaced by the customer's next answer of the same kind about it:
//! kept, shown as replaced, and no longer in force.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::inbox::{InboundKind, NewInboundTask};
use super::{Result, Store};

/// What a customer answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    /// "I'll pay on ‹date›."
    Promise { on: Date },
    /// "I dispute this invoice", and why.
    Dispute { reason: String },
    /// "I've already paid": when, how much, the payment's reference, and perhaps a remittance.
    PaidClaim { paid_on: Date, amount: Decimal, reference: String, remittance: Option<Remittance> },
}

impl Answer {
    pub fn kind(&self) -> InboundKind {
        match self {
            Answer::Promise { .. } => InboundKind::Promise,
            Answer::Dispute { .. } => InboundKind::Dispute,
            Answer::PaidClaim { .. } => InboundKind::PaidClaim,
        }
    }
}

/// A file a customer sent with a claim to have paid, kept outside anything served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Remittance {
    /// Its name in the uploads folder (made by CollectIQ, never the customer's).
    pub file: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, from its content.
    pub media_type: String,
    pub size: u64,
}

/// An answer about to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPageAction {
    /// What makes it one event, unique (random, made by whoever records it): an answer sent twice
    /// (a double click, a form sent again) is stored once.
    pub digest: String,
    /// The link it came through (hex); none when entered by a person (`collectiq paid-claim`).
    pub link_id: Option<String>,
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub customer_name: String,
    pub invoices: Vec<Uuid>,
    pub answer: Answer,
    /// One line for the inbox and the task.
    pub summary: String,
    /// The task it opens for a person, if any.
    pub task: Option<NewInboundTask>,
    /// The history note for each invoice's record in Xero.
    pub notes: Vec<(Uuid, String)>,
    /// Where it came from, for the inbox (`page`, `cli`).
    pub source: String,
    pub at: Timestamp,
}

/// An answer as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageAction {
    /// Its id in the inbox.
    pub id: i64,
    pub invoices: Vec<Uuid>,
    #[serde(flatten)]
    pub answer: Answer,
    pub at: Timestamp,
    /// `open` (nobody has acted on it: the customer may change it), `handled` or `replaced`.
    pub state: String,
}

impl PageAction {
    /// Whether the customer may still change it.
    pub fn changeable(&self) -> bool {
        self.state == "open"
    }
}

/// What storing an answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedAnswer {
    /// Its id in the inbox.
    pub id: i64,
    /// False when the same answer (its digest) was stored before: nothing was stored now.
    pub new: bool,
    /// The earlier answers it replaced.
    pub replaced: Vec<i64>,
}

impl Store {
    /// Stores a customer's answer with everything it brings, in one transaction; an answer whose
    /// digest is already stored is not stored again (its id is given back, nothing replaced).
    pub async fn record_page_action(&self, action: NewPageAction) -> Result<RecordedAnswer> {
        self.call(move |db| db.record_page_action(&action)).await
    }

    /// How many of an organisation's customer events (replies and answers from the page) wait
    /// for a person, by kind (`reply`, `promise`, `dispute`, `paid_claim`).
    pub async fn open_customer_events(&self, tenant: Uuid) -> Result<Vec<(String, u64)>> {
        self.call(move |db| db.open_customer_events(tenant)).await
    }

    /// A customer's answers, newest first, replaced ones included.
    pub async fn page_actions(&self, tenant: Uuid, contact: Uuid) -> Result<Vec<PageAction>> {
        self.call(move |db| db.page_actions(tenant, contact)).await
    }
}
