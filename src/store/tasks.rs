//! Call tasks and escalations, the history notes waiting to be written to Xero, and what people
//! enter by hand: promises to pay, disputes and pauses.

use super::{Result, Store};
use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Task {
    pub id: i64,
    pub action_key: String,
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    /// `call` or `escalation`.
    pub kind: String,
    pub assignee: String,
    pub invoices: Vec<Uuid>,
    pub summary: String,
    pub created_at: Timestamp,
    /// `open` or `done`.
    pub status: String,
    pub done_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingNote {
    pub id: i64,
    pub action_key: String,
    pub tenant_id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub details: String,
    /// The short reference at the end of `details`, to recognise the note in Xero's History.
    pub reference: Option<String>,
    pub attempts: u32,
}

/// A history note as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QueuedNote {
    pub id: i64,
    pub action_key: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// `pending`, `writing`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub maybe_written: bool,
    pub reference: Option<String>,
}

/// A note taken on for writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteClaim {
    /// Another process has it, or it is no longer waiting.
    NotYours,
    /// Never tried with an uncertain outcome: write it.
    Write,
    /// A write may have reached Xero (its answer was lost, or the process writing it died): look
    /// for it in the record's History before writing it again.
    LookFirst,
}

/// A note that failed this many times is left failed (and shown), not tried for ever.
pub const MOST_NOTE_ATTEMPTS: u32 = 8;

impl Store {
    pub async fn tasks(&self, include_done: bool) -> Result<Vec<Task>> {
        self.call(move |db| db.tasks(include_done)).await
    }

    pub async fn task(&self, task: i64) -> Result<Option<Task>> {
        self.call(move |db| db.task(task)).await
    }

    /// Marks a task done (`done`) or open again; gives false when there is no such task.
    pub async fn set_task_done(&self, task: i64, done: bool, now: Timestamp) -> Result<bool> {
        self.call(move |db| db.set_task_done(task, done, now)).await
    }

    /// Notes to write now: waiting ones whose action has been carried out and whose attempt is
    /// due, and notes a process that is gone (`gone`) was writing.
    pub async fn pending_notes(&self, now: Timestamp, gone: &[String], limit: usize) -> Result<Vec<PendingNote>> {
        let gone = gone.to_vec();
        self.call(move |db| db.pending_notes(now, &gone, limit)).await
    }

    /// The same, for one organisation (`Some`) or all.
    pub async fn pending_notes_of(
        &self,
        tenant: Option<Uuid>,
        now: Timestamp,
        gone: &[String],
        limit: usize,
    ) -> Result<Vec<PendingNote>> {
        let gone = gone.to_vec();
        self.call(move |db| db.pending_notes_of(tenant, now, &gone, limit)).await
    }

    /// Takes a note on for this worker, in one statement (exactly one process gets it). A note
    /// taken over from a process that died while writing it may be in Xero already.
    pub async fn claim_note(&self, note: i64, worker: &str, gone: &[String], now: Timestamp) -> Result<NoteClaim> {
        let worker = worker.to_owned();
        let gone = gone.to_vec();
        self.call(move |db| db.claim_note(note, &worker, &gone, now)).await
    }

    /// The note is in Xero (written now, or found there).
    pub async fn note_written(&self, note: i64, worker: &str, now: Timestamp) -> Result<()> {
        let worker = worker.to_owned();
        self.call(move |db| db.note_written(note, &worker, now)).await
    }

    /// A failed write: tried again at `retry_at`, or given up after too many attempts.
    /// `maybe_written` when Xero may have stored it all the same (the answer never came).
    pub async fn note_failed(
        &self,
        note: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        maybe_written: bool,
    ) -> Result<()> {
        let worker = worker.to_owned();
        let error = error.to_owned();
        self.call(move |db| db.note_failed(note, &worker, &error, retry_at, maybe_written)).await
    }

    /// Puts a note back to wait until `until` without counting the attempt: the organisation's
    /// budget for the day is spent (down to the reserve kept for syncs), which is no fault of the
    /// note's. It is written when the budget allows, never dropped.
    pub async fn defer_note(&self, note: i64, worker: &str, until: Timestamp, why: &str) -> Result<()> {
        let worker = worker.to_owned();
        let why = why.to_owned();
        self.call(move |db| db.defer_note(note, &worker, until, &why)).await
    }

    /// How many of the organisation's notes wait to be written (or are being written).
    pub async fn notes_waiting(&self, tenant: Uuid) -> Result<u64> {
        self.call(move |db| db.notes_waiting(tenant)).await
    }

    /// Notes in the queue, newest first, in one state or all (for `collectiq outbox list`).
    pub async fn notes_queue(&self, state: Option<&str>, limit: usize) -> Result<Vec<QueuedNote>> {
        let state = state.map(str::to_owned);
        self.call(move |db| db.notes_queue(state.as_deref(), limit)).await
    }

    pub async fn note_counts(&self, tenant: Uuid) -> Result<(u64, u64, u64)> {
        self.call(move |db| db.note_counts(tenant)).await
    }

    pub async fn set_promise(&self, tenant: Uuid, invoice: Uuid, on: Option<Date>, now: Timestamp) -> Result<()> {
        self.call(move |db| db.set_promise(tenant, invoice, on, now)).await
    }

    pub async fn set_dispute(&self, tenant: Uuid, invoice: Uuid, open: bool, now: Timestamp) -> Result<()> {
        self.call(move |db| db.set_dispute(tenant, invoice, open, now)).await
    }

    pub async fn set_pause(&self, tenant: Uuid, contact: Uuid, until: Option<Date>, now: Timestamp) -> Result<()> {
        self.call(move |db| db.set_pause(tenant, contact, until, now)).await
    }
}
