//! The outbox: every decided action, stored with its idempotency key in the transaction that
//! decides it, with the tasks and history notes it brings; and delivery's progress through it.
//! An action's key is unique, so an occurrence can be decided only once, whatever runs at once.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use super::attachments::EmailAttachment;
use super::page_links::NewPageLink;
use super::{Result, Store};

/// Where an action stands: the outbox's state machine. Each move is one statement that succeeds
/// for exactly one process (the one whose claim it is), so no two processes can deliver the same
/// action, whatever paths they opened the database by.
///
/// ```text
/// recorded                      (skipped, superseded, combined: nothing to deliver)
/// done                          (a call task, a stop: nothing to deliver)
/// waiting ─claim─▶ claimed ─hand─▶ handed ─250─▶ sent
///    ▲                │              │
///    └──retry later───┴──────────────┘──▶ cancelled / failed
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Recorded without anything to deliver (skipped, superseded, combined).
    Recorded,
    /// Decided, with nothing to deliver (a call task, an escalation to nobody's address, a stop).
    Done,
    /// To deliver, when its next attempt is due.
    Waiting,
    /// A process has taken it on (and is checking, rendering, connecting).
    Claimed,
    /// Handed to the mail server: if the process dies now, the server may have it.
    Handed,
    /// The mail server took it.
    Sent,
    /// Not to be delivered any more (paid since, its rule gone, cancelled by hand).
    Cancelled,
    /// Not delivered, for good (a permanent refusal, or too many attempts).
    Failed,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Recorded,
        Status::Done,
        Status::Waiting,
        Status::Claimed,
        Status::Handed,
        Status::Sent,
        Status::Cancelled,
        Status::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Recorded => "recorded",
            Status::Done => "done",
            Status::Waiting => "waiting",
            Status::Claimed => "claimed",
            Status::Handed => "handed",
            Status::Sent => "sent",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// A task an action creates: a call, or an escalation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub kind: &'static str,
    pub assignee: String,
    pub summary: String,
}

/// A history note to write to Xero for an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    /// `invoice` or `contact`.
    pub subject_kind: &'static str,
    pub subject_id: Uuid,
    pub details: String,
    /// The short reference at the end of `details` (`ref 3f9a2c`) that recognises the note in
    /// the record's History when a write's answer was lost.
    pub reference: String,
}

/// A decision as the outbox records it: plain values, whatever decided it.
#[derive(Clone, Debug)]
pub struct NewAction {
    /// The idempotency key: organisation, subject, rule and occurrence.
    pub key: String,
    pub tenant_id: Uuid,
    /// `invoice` or `account`.
    pub subject_kind: &'static str,
    pub subject_id: Uuid,
    pub rule_id: String,
    pub rule_text: String,
    pub occurrence: i64,
    pub occurrence_date: Date,
    pub contact_id: Uuid,
    pub invoices: Vec<Uuid>,
    /// `email`, `call_task`, `escalate` or `stop_chasing`.
    pub action_kind: &'static str,
    /// The plan's action, as JSON.
    pub action: String,
    /// `act`, `skipped`, `superseded` or `combined`, and why when it is not `act`.
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub status: Status,
    pub task: Option<NewTask>,
    pub notes: Vec<NewNote>,
    /// The email's Message-ID, fixed when it is decided and never worked out again.
    pub message_id: Option<String>,
    /// The email as rendered when it was decided (JSON): delivery sends exactly this.
    pub email: Option<String>,
    /// The links to the customer's page the email carries, stored with it.
    pub page_links: Vec<NewPageLink>,
    /// The files the email carries (its PDFs), stored with it.
    pub attachments: Vec<EmailAttachment>,
    /// Why an action recorded as failed from the start (an email whose PDFs could not be had)
    /// failed, as `last_error`.
    pub error: Option<String>,
}

/// Which strategy decided.
#[derive(Clone, Debug)]
pub struct Decider {
    pub strategy: String,
    pub plan_version: u32,
    /// [`crate::plan::Plan::fingerprint`]: which revision of the strategy decided.
    pub plan_fingerprint: String,
}

#[derive(Clone, Debug)]
pub struct StoredAction {
    pub id: i64,
    pub key: String,
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub rule_id: String,
    pub rule_text: String,
    pub occurrence: i64,
    pub occurrence_date: String,
    pub invoices: Vec<Uuid>,
    /// The plan's action, as JSON.
    pub action: serde_json::Value,
    pub outcome: String,
    pub reason: Option<String>,
    pub status: Status,
    /// The email as rendered for sending (when it was decided, or for an action decided before
    /// emails were kept from the start, at its first delivery attempt).
    pub email: Option<String>,
    pub message_id: Option<String>,
    pub strategy: String,
    pub plan_version: u32,
    pub plan_fingerprint: Option<String>,
    pub decided_at: Timestamp,
    pub attempts: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub claimed_by: Option<String>,
    pub handed_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

impl StoredAction {
    /// The plan action's kind (`email`, `escalate`, ...).
    pub fn action_kind(&self) -> Option<&str> {
        self.action.get("kind").and_then(|kind| kind.as_str())
    }
}

/// What a claim found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Another process holds it, or it is no longer to be delivered.
    NotYours,
    /// Taken on; it had not been handed to a mail server before.
    Fresh,
    /// Taken on after an earlier attempt handed it to the mail server and never learnt the
    /// outcome (the process died, or the server's answer was lost): the server may already have
    /// it, and gets it again under the same Message-ID.
    MaybeSent,
}

impl Store {
    /// Records decisions, their tasks and notes, in one transaction. A decision whose key is
    /// already recorded (another run decided it) is left as it was. Gives the keys newly recorded.
    pub async fn record_decisions(
        &self,
        actions: Vec<NewAction>,
        decider: Decider,
        now: Timestamp,
    ) -> Result<Vec<String>> {
        self.call(move |db| db.record_decisions(&actions, &decider, now)).await
    }

    /// Actions to deliver now, oldest first: waiting ones whose attempt is due, and claims whose
    /// process is gone (`gone`, from [`Store::gone_workers`]), which are resumed as they were.
    pub async fn deliverable(&self, now: Timestamp, gone: &[String], limit: usize) -> Result<Vec<StoredAction>> {
        let gone = gone.to_vec();
        self.call(move |db| db.deliverable(now, &gone, limit)).await
    }

    /// The same, for one organisation (`Some`) or all.
    pub async fn deliverable_of(
        &self,
        tenant: Option<Uuid>,
        now: Timestamp,
        gone: &[String],
        limit: usize,
    ) -> Result<Vec<StoredAction>> {
        let gone = gone.to_vec();
        self.call(move |db| db.deliverable_of(tenant, now, &gone, limit)).await
    }

    /// How many of the organisation's actions wait to be delivered.
    pub async fn queue_depth(&self, tenant: Uuid) -> Result<u64> {
        self.call(move |db| db.queue_depth(tenant)).await
    }

    /// Cancels the organisation's emails waiting to be delivered whose invoices are all settled
    /// now (paid, voided or credited since they were decided, as a webhook or a sync has just
    /// told), cancelling their notes as delivery would. Gives their keys.
    pub async fn drop_settled(&self, tenant: Uuid, now: Timestamp) -> Result<Vec<String>> {
        self.call(move |db| db.drop_settled(tenant, now)).await
    }

    /// Takes an action on for this worker, counting the attempt: a waiting action that is due, or
    /// one whose claim belongs to a process that is gone (`gone`). One statement, so exactly one
    /// process gets it. Gives what the claim found.
    pub async fn claim(&self, action: i64, worker: &str, gone: &[String], now: Timestamp) -> Result<Claim> {
        let worker = worker.to_owned();
        let gone = gone.to_vec();
        self.call(move |db| db.claim(action, &worker, &gone, now)).await
    }

    /// Records that the email is about to go to the mail server: from here a death may leave the
    /// server holding it. False when the claim is no longer this worker's.
    pub async fn hand(&self, action: i64, worker: &str, now: Timestamp) -> Result<bool> {
        let worker = worker.to_owned();
        self.call(move |db| db.hand(action, &worker, now)).await
    }

    /// Keeps the email as it will be sent, for an action decided before emails were rendered when
    /// decided: rendered once, at its first attempt, with the plan in force, then sent as kept.
    /// The links to the customer's page it carries are stored with it, in one transaction.
    pub async fn set_email(&self, action: i64, message_id: &str, email: &str, links: Vec<NewPageLink>) -> Result<()> {
        let message_id = message_id.to_owned();
        let email = email.to_owned();
        self.call(move |db| db.set_email(action, &message_id, &email, &links)).await
    }

    /// Settles an action this worker holds: sent, done, cancelled or failed. The history notes of
    /// one that was never delivered are cancelled with it: Xero must not be told of an email that
    /// did not go. An escalation cancelled because its invoices were paid first closes its task,
    /// so that it no longer holds emails back. False when the claim is no longer this worker's.
    pub async fn settle(
        &self,
        action: i64,
        worker: &str,
        status: Status,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool> {
        let worker = worker.to_owned();
        let error = error.map(str::to_owned);
        self.call(move |db| db.settle(action, &worker, status, error.as_deref(), now)).await
    }

    /// Cancels an action that waits to be delivered (not one a process holds). False when it
    /// was not waiting.
    pub async fn cancel_waiting(&self, action: i64, reason: &str, now: Timestamp) -> Result<bool> {
        let reason = reason.to_owned();
        self.call(move |db| db.cancel_waiting(action, &reason, now)).await
    }

    /// Puts an action this worker holds back to wait for a later attempt. `maybe_sent` when the
    /// message was complete on the wire before the failure (the server's answer was lost): the
    /// next attempt then knows the server may have it.
    pub async fn retry_later(
        &self,
        action: i64,
        worker: &str,
        error: &str,
        at: Timestamp,
        maybe_sent: bool,
    ) -> Result<bool> {
        let worker = worker.to_owned();
        let error = error.to_owned();
        self.call(move |db| db.retry_later(action, &worker, &error, at, maybe_sent)).await
    }

    /// `collectiq outbox retry`: a failed or cancelled action (or a waiting one) waits again,
    /// due at the next run whatever its instant, with its attempts counted afresh; its notes are
    /// queued again. False when it is sent, held by a process, or has nothing to deliver.
    pub async fn retry_by_hand(&self, action: i64) -> Result<bool> {
        self.call(move |db| db.retry_by_hand(action)).await
    }

    /// The numbers of invoices (their ids where an invoice is no longer in the store).
    pub async fn invoice_numbers(&self, tenant: Uuid, invoices: &[Uuid]) -> Result<Vec<String>> {
        let invoices = invoices.to_vec();
        self.call(move |db| db.invoice_numbers(tenant, &invoices)).await
    }

    /// An action by its number in the outbox.
    pub async fn action_by_id(&self, action: i64) -> Result<Option<StoredAction>> {
        self.call(move |db| db.action_by_id(action)).await
    }

    /// Actions that were or are to be delivered (not the ones merely recorded), newest first,
    /// in one state or all.
    pub async fn outbox(&self, state: Option<Status>, limit: usize) -> Result<Vec<StoredAction>> {
        self.call(move |db| db.outbox(state, limit)).await
    }

    pub async fn action(&self, key: &str) -> Result<Option<StoredAction>> {
        let key = key.to_owned();
        self.call(move |db| db.action(&key)).await
    }

    /// Every action about these subjects (invoices or customers), oldest first.
    pub async fn actions_about(&self, tenant: Uuid, subjects: &[Uuid]) -> Result<Vec<StoredAction>> {
        let subjects = subjects.to_vec();
        self.call(move |db| db.actions_about(tenant, &subjects)).await
    }

    /// How many actions of each outcome and status an organisation has, for summaries.
    pub async fn action_counts(&self, tenant: Uuid) -> Result<HashMap<(String, String), u64>> {
        self.call(move |db| db.action_counts(tenant)).await
    }
}
