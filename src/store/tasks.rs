//! Call tasks and escalations, the history notes waiting to be written to Xero, and what people
//! enter by hand: promises to pay, disputes and pauses.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::codec::{format_time, id, instant, optional_instant};
use super::{Doing, Result, Store};

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

fn task_from(row: &Row<'_>) -> rusqlite::Result<Task> {
    let invoices: String = row.get("invoices")?;
    Ok(Task {
        id: row.get("id")?,
        action_key: row.get("action_key")?,
        tenant_id: id(row, "tenant_id")?,
        contact_id: id(row, "contact_id")?,
        kind: row.get("kind")?,
        assignee: row.get("assignee")?,
        invoices: serde_json::from_str(&invoices).unwrap_or_default(),
        summary: row.get("summary")?,
        created_at: instant(row, "created_at")?,
        status: row.get("status")?,
        done_at: optional_instant(row, "done_at")?,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingNote {
    pub id: i64,
    pub action_key: String,
    pub tenant_id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub details: String,
    pub attempts: u32,
}

/// A note that failed this many times is left failed (and shown), not tried for ever.
pub const MOST_NOTE_ATTEMPTS: u32 = 8;

impl Store {
    pub fn tasks(&self, include_done: bool) -> Result<Vec<Task>> {
        let sql = if include_done {
            "SELECT * FROM tasks ORDER BY id"
        } else {
            "SELECT * FROM tasks WHERE status = 'open' ORDER BY id"
        };
        let mut statement = self.conn().prepare(sql).doing("list tasks")?;
        let rows = statement.query_map([], task_from).doing("list tasks")?;
        rows.collect::<rusqlite::Result<_>>().doing("list tasks")
    }

    pub fn task(&self, task: i64) -> Result<Option<Task>> {
        self.conn().query_row("SELECT * FROM tasks WHERE id = ?1", [task], task_from).optional().doing("read a task")
    }

    /// Marks a task done (`done`) or open again; gives false when there is no such task.
    pub fn set_task_done(&mut self, task: i64, done: bool, now: Timestamp) -> Result<bool> {
        let changed = if done {
            self.conn().execute(
                "UPDATE tasks SET status = 'done', done_at = ?1 WHERE id = ?2",
                params![format_time(now), task],
            )
        } else {
            self.conn().execute("UPDATE tasks SET status = 'open', done_at = NULL WHERE id = ?1", [task])
        }
        .doing("update a task")?;
        Ok(changed == 1)
    }

    pub fn pending_notes(&self, now: Timestamp, limit: usize) -> Result<Vec<PendingNote>> {
        let mut statement = self
            .conn()
            .prepare(
                // Only once the action itself is done: the note says what happened, not what may.
                "SELECT notes.* FROM notes JOIN actions ON actions.key = notes.action_key
                 WHERE notes.status = 'pending' AND actions.status = 'done'
                   AND (notes.next_attempt_at IS NULL OR notes.next_attempt_at <= ?1)
                 ORDER BY notes.id LIMIT ?2",
            )
            .doing("read notes to write")?;
        let rows = statement
            .query_map(params![format_time(now), limit as i64], |row| {
                Ok(PendingNote {
                    id: row.get("id")?,
                    action_key: row.get("action_key")?,
                    tenant_id: id(row, "tenant_id")?,
                    subject_kind: row.get("subject_kind")?,
                    subject_id: id(row, "subject_id")?,
                    details: row.get("details")?,
                    attempts: row.get("attempts")?,
                })
            })
            .doing("read notes to write")?;
        rows.collect::<rusqlite::Result<_>>().doing("read notes to write")
    }

    pub fn note_written(&mut self, note: i64, now: Timestamp) -> Result<()> {
        self.conn()
            .execute("UPDATE notes SET status = 'done', done_at = ?1 WHERE id = ?2", params![format_time(now), note])
            .doing("mark a note written")?;
        Ok(())
    }

    /// A failed write: tried again at `retry_at`, or given up after too many attempts.
    pub fn note_failed(&mut self, note: i64, error: &str, retry_at: Option<Timestamp>) -> Result<()> {
        match retry_at {
            Some(at) => self.conn().execute(
                "UPDATE notes SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2 WHERE id = ?3",
                params![error, format_time(at), note],
            ),
            None => self.conn().execute(
                "UPDATE notes SET attempts = attempts + 1, last_error = ?1, status = 'failed' WHERE id = ?2",
                params![error, note],
            ),
        }
        .doing("record a failed note")?;
        Ok(())
    }

    pub fn note_counts(&self, tenant: Uuid) -> Result<(u64, u64, u64)> {
        let count = |status: &str| -> Result<u64> {
            self.conn()
                .query_row(
                    "SELECT COUNT(*) FROM notes WHERE tenant_id = ?1 AND status = ?2",
                    params![tenant.to_string(), status],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n as u64)
                .doing("count notes")
        };
        Ok((count("done")?, count("pending")?, count("failed")?))
    }

    pub fn set_promise(&mut self, tenant: Uuid, invoice: Uuid, on: Option<Date>, now: Timestamp) -> Result<()> {
        match on {
            Some(on) => self.conn().execute(
                "INSERT INTO promises (tenant_id, invoice_id, promised_on, recorded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET promised_on = excluded.promised_on, recorded_at = excluded.recorded_at",
                params![tenant.to_string(), invoice.to_string(), on.to_string(), format_time(now)],
            ),
            None => self.conn().execute(
                "DELETE FROM promises WHERE tenant_id = ?1 AND invoice_id = ?2",
                params![tenant.to_string(), invoice.to_string()],
            ),
        }
        .doing("record a promise")?;
        Ok(())
    }

    pub fn set_dispute(&mut self, tenant: Uuid, invoice: Uuid, open: bool, now: Timestamp) -> Result<()> {
        if open {
            self.conn().execute(
                "INSERT INTO disputes (tenant_id, invoice_id, opened_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET opened_at = excluded.opened_at, resolved_at = NULL",
                params![tenant.to_string(), invoice.to_string(), format_time(now)],
            )
        } else {
            self.conn().execute(
                "UPDATE disputes SET resolved_at = ?1 WHERE tenant_id = ?2 AND invoice_id = ?3",
                params![format_time(now), tenant.to_string(), invoice.to_string()],
            )
        }
        .doing("record a dispute")?;
        Ok(())
    }

    pub fn set_pause(&mut self, tenant: Uuid, contact: Uuid, until: Option<Date>, now: Timestamp) -> Result<()> {
        match until {
            Some(until) => self.conn().execute(
                "INSERT INTO pauses (tenant_id, contact_id, until, recorded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, contact_id) DO UPDATE SET until = excluded.until, recorded_at = excluded.recorded_at",
                params![tenant.to_string(), contact.to_string(), until.to_string(), format_time(now)],
            ),
            None => self.conn().execute(
                "DELETE FROM pauses WHERE tenant_id = ?1 AND contact_id = ?2",
                params![tenant.to_string(), contact.to_string()],
            ),
        }
        .doing("record a pause")?;
        Ok(())
    }
}
