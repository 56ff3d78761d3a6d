//! Call tasks and escalations, the history notes waiting to be written to Xero, and what people
//! enter by hand: promises to pay, disputes and pauses.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::codec::{format_time, id, instant, optional_instant};
use super::{Database, Doing, Result};
use crate::store::tasks::{NoteClaim, PendingNote, QueuedNote, Task};

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

impl Database {
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

    pub fn set_task_done(&mut self, task: i64, done: bool, now: Timestamp) -> Result<bool> {
        let tx = self.conn_mut().transaction().doing("update a task")?;
        let changed = if done {
            tx.execute("UPDATE tasks SET status = 'done', done_at = ?1 WHERE id = ?2", params![format_time(now), task])
        } else {
            tx.execute("UPDATE tasks SET status = 'open', done_at = NULL WHERE id = ?1", [task])
        }
        .doing("update a task")?;
        // A reply's task done (or a customer answer's) is the reply handled, once no other customer's task for the same
        // reply (it may concern several organisations) is still open: the chase resumes.
        if done {
            tx.execute(
                "UPDATE inbound SET state = 'handled', handled_at = coalesce(handled_at, ?2)
                  WHERE state = 'open'
                    AND id = (SELECT CAST(substr(action_key, 7, instr(substr(action_key, 7), ':') - 1) AS INTEGER)
                                FROM tasks WHERE id = ?1 AND kind IN ('reply', 'dispute', 'paid_claim') AND action_key LIKE 'inbox:%')
                    AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind IN ('reply', 'dispute', 'paid_claim') AND t.status = 'open'
                                      AND t.action_key LIKE 'inbox:' || inbound.id || ':%')",
                params![task, format_time(now)],
            )
            .doing("mark a reply handled")?;
        }
        tx.commit().doing("update a task")?;
        Ok(changed == 1)
    }

    pub fn pending_notes(&self, now: Timestamp, gone: &[String], limit: usize) -> Result<Vec<PendingNote>> {
        self.pending_notes_of(None, now, gone, limit)
    }

    pub fn pending_notes_of(
        &self,
        tenant: Option<Uuid>,
        now: Timestamp,
        gone: &[String],
        limit: usize,
    ) -> Result<Vec<PendingNote>> {
        let gone = super::workers::gone_list(gone);
        let mut statement = self
            .conn()
            .prepare_cached(
                // Only once the action itself is done: the note says what happened, not what may.
                // Notes from the inbox have no action: what they say has happened already.
                "SELECT notes.* FROM notes LEFT JOIN actions ON actions.key = notes.action_key
                 WHERE ((notes.status = 'pending' AND (notes.next_attempt_at IS NULL OR notes.next_attempt_at <= ?1))
                        OR (notes.status = 'writing'
                            AND (notes.claimed_by IS NULL OR notes.claimed_by IN (SELECT value FROM json_each(?3)))))
                   AND (actions.status IN ('sent', 'done') OR (actions.key IS NULL AND notes.action_key LIKE 'inbox:%'))
                   AND (?4 IS NULL OR notes.tenant_id = ?4)
                 ORDER BY notes.id LIMIT ?2",
            )
            .doing("read notes to write")?;
        let rows = statement
            .query_map(params![format_time(now), limit as i64, gone, tenant.map(|t| t.to_string())], |row| {
                Ok(PendingNote {
                    id: row.get("id")?,
                    action_key: row.get("action_key")?,
                    tenant_id: id(row, "tenant_id")?,
                    subject_kind: row.get("subject_kind")?,
                    subject_id: id(row, "subject_id")?,
                    details: row.get("details")?,
                    reference: row.get("reference")?,
                    attempts: row.get("attempts")?,
                })
            })
            .doing("read notes to write")?;
        rows.collect::<rusqlite::Result<_>>().doing("read notes to write")
    }

    pub fn claim_note(&mut self, note: i64, worker: &str, gone: &[String], now: Timestamp) -> Result<NoteClaim> {
        let gone = super::workers::gone_list(gone);
        let maybe = self
            .conn()
            .query_row(
                "UPDATE notes SET status = 'writing', claimed_by = ?2, attempts = attempts + 1,
                        maybe_written = CASE WHEN status = 'writing' THEN 1 ELSE maybe_written END
                  WHERE id = ?1
                    AND ((status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?4))
                      OR (status = 'writing' AND (claimed_by IS NULL OR claimed_by IN (SELECT value FROM json_each(?3)))))
                 RETURNING maybe_written",
                params![note, worker, gone, format_time(now)],
                |row| row.get::<_, bool>(0),
            )
            .optional()
            .doing("claim a note")?;
        Ok(match maybe {
            None => NoteClaim::NotYours,
            Some(false) => NoteClaim::Write,
            Some(true) => NoteClaim::LookFirst,
        })
    }

    pub fn note_written(&mut self, note: i64, worker: &str, now: Timestamp) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE notes SET status = 'done', done_at = ?1, claimed_by = NULL WHERE id = ?2 AND claimed_by = ?3",
                params![format_time(now), note, worker],
            )
            .doing("mark a note written")?;
        Ok(())
    }

    pub fn note_failed(
        &mut self,
        note: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        maybe_written: bool,
    ) -> Result<()> {
        let status = if retry_at.is_some() { "pending" } else { "failed" };
        self.conn()
            .execute(
                "UPDATE notes SET status = ?1, last_error = ?2, next_attempt_at = COALESCE(?3, next_attempt_at),
                        maybe_written = max(maybe_written, ?4), claimed_by = NULL
                  WHERE id = ?5 AND claimed_by = ?6",
                params![status, error, retry_at.map(format_time), maybe_written, note, worker],
            )
            .doing("record a failed note")?;
        Ok(())
    }

    pub fn defer_note(&mut self, note: i64, worker: &str, until: Timestamp, why: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE notes SET status = 'pending', attempts = max(attempts - 1, 0), next_attempt_at = ?1,
                        last_error = ?2, claimed_by = NULL
                  WHERE id = ?3 AND claimed_by = ?4",
                params![format_time(until), why, note, worker],
            )
            .doing("put a note back to wait")?;
        Ok(())
    }

    pub fn notes_waiting(&self, tenant: Uuid) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM notes WHERE tenant_id = ?1 AND status IN ('pending', 'writing')",
                [tenant.to_string()],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .doing("count the notes waiting")
    }

    pub fn notes_queue(&self, state: Option<&str>, limit: usize) -> Result<Vec<QueuedNote>> {
        let mut statement = self
            .conn()
            .prepare(
                "SELECT id, action_key, subject_kind, subject_id, status, attempts, next_attempt_at, last_error,
                        maybe_written, reference
                   FROM notes WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2",
            )
            .doing("list the notes queue")?;
        let rows = statement
            .query_map(params![state, limit as i64], |row| {
                Ok(QueuedNote {
                    id: row.get(0)?,
                    action_key: row.get(1)?,
                    subject_kind: row.get(2)?,
                    subject_id: row.get(3)?,
                    status: row.get(4)?,
                    attempts: row.get(5)?,
                    next_attempt_at: row.get(6)?,
                    last_error: row.get(7)?,
                    maybe_written: row.get(8)?,
                    reference: row.get(9)?,
                })
            })
            .doing("list the notes queue")?;
        rows.collect::<rusqlite::Result<_>>().doing("list the notes queue")
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
        let (tenant, invoice, at) = (tenant.to_string(), invoice.to_string(), format_time(now));
        match open {
            true => super::memory::open_dispute(self.conn(), &tenant, &invoice, &at),
            false => super::memory::resolve_dispute(self.conn(), &tenant, &invoice, &at),
        }
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
