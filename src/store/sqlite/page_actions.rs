//! Customers' answers from their page (migration 11): an inbox row, its details, its task and
//! notes, and what it changes, in one transaction.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::codec::{amount, day, format_time, instant};
use super::{Database, Doing, Result};
use crate::store::page_actions::{Answer, NewPageAction, PageAction, RecordedAnswer, Remittance};

const WHAT: &str = "store a customer's answer";

/// Open answers of the same kind, by the same customer, about any of the same invoices: the
/// ones a new answer replaces.
fn replaced_by_new(tx: &Transaction<'_>, action: &NewPageAction) -> Result<Vec<i64>> {
    let mut statement = tx
        .prepare(
            "SELECT p.inbound_id, p.invoices FROM page_actions p JOIN inbound i ON i.id = p.inbound_id
              WHERE p.tenant_id = ?1 AND p.contact_id = ?2 AND p.kind = ?3 AND i.state = 'open'",
        )
        .doing(WHAT)?;
    let rows = statement
        .query_map(
            params![action.tenant_id.to_string(), action.contact_id.to_string(), action.answer.kind().as_str()],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
        )
        .doing(WHAT)?;
    let mut replaced = Vec::new();
    for row in rows {
        let (id, invoices) = row.doing(WHAT)?;
        let invoices: Vec<Uuid> = serde_json::from_str(&invoices).unwrap_or_default();
        if invoices.iter().any(|invoice| action.invoices.contains(invoice)) {
            replaced.push(id);
        }
    }
    Ok(replaced)
}

impl Database {
    pub fn record_page_action(&mut self, action: &NewPageAction) -> Result<RecordedAnswer> {
        let tx = self.conn_mut().transaction().doing(WHAT)?;
        let now = format_time(action.at);
        let tenant = action.tenant_id.to_string();
        let contact = action.contact_id.to_string();
        let invoices = serde_json::to_string(&action.invoices).unwrap_or_else(|_| "[]".into());
        if let Some(id) = tx
            .query_row("SELECT id FROM inbound WHERE digest = ?1", [&action.digest], |row| row.get::<_, i64>(0))
            .optional()
            .doing(WHAT)?
        {
            return Ok(RecordedAnswer { id, new: false, replaced: Vec::new() });
        }
        let replaced = replaced_by_new(&tx, action)?;
        let (excerpt, size) = match &action.answer {
            Answer::Promise { .. } => (None, 0),
            Answer::Dispute { reason } => (Some(reason.clone()), 0),
            Answer::PaidClaim { reference, remittance, .. } => {
                (Some(reference.clone()), remittance.as_ref().map_or(0, |r| r.size))
            }
        };
        tx.execute(
            "INSERT INTO inbound (message_id, digest, source, received_at, from_name, subject, kind, reason, state, excerpt, size)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9)",
            params![
                action.digest,
                action.source,
                now,
                action.customer_name,
                action.summary,
                action.answer.kind().as_str(),
                match action.source.as_str() {
                    "page" => "from the customer's page",
                    _ => "entered by a person",
                },
                excerpt,
                size as i64,
            ],
        )
        .doing(WHAT)?;
        let inbound = tx.last_insert_rowid();
        let key = format!("inbox:{inbound}:{tenant}:{contact}");
        let task = action
            .task
            .as_ref()
            .map(|t| serde_json::json!({ "kind": t.kind, "assignee": t.assignee, "summary": t.summary }).to_string());
        tx.execute(
            "INSERT INTO inbound_concerns (inbound_id, tenant_id, contact_id, name, invoices, task, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                inbound,
                tenant,
                contact,
                action.customer_name,
                invoices,
                task,
                action.notes.first().map(|(_, note)| note)
            ],
        )
        .doing(WHAT)?;
        let (promised_on, reason, paid_on, amount, reference, remittance) = match &action.answer {
            Answer::Promise { on } => (Some(on.to_string()), None, None, None, None, None),
            Answer::Dispute { reason } => (None, Some(reason.as_str()), None, None, None, None),
            Answer::PaidClaim { paid_on, amount, reference, remittance } => (
                None,
                None,
                Some(paid_on.to_string()),
                Some(amount.to_string()),
                Some(reference.as_str()),
                remittance.as_ref(),
            ),
        };
        tx.execute(
            "INSERT INTO page_actions (inbound_id, link_id, tenant_id, contact_id, kind, invoices, promised_on, reason,
                 paid_on, amount, reference, upload, upload_type, upload_size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                inbound,
                action.link_id,
                tenant,
                contact,
                action.answer.kind().as_str(),
                invoices,
                promised_on,
                reason,
                paid_on,
                amount,
                reference,
                remittance.map(|r| r.file.as_str()),
                remittance.map(|r| r.media_type.as_str()),
                remittance.map(|r| r.size as i64),
            ],
        )
        .doing(WHAT)?;
        for old in &replaced {
            tx.execute("UPDATE inbound SET state = 'replaced', handled_at = ?2 WHERE id = ?1", params![old, now])
                .doing(WHAT)?;
            tx.execute("UPDATE page_actions SET replaced_by = ?2 WHERE inbound_id = ?1", params![old, inbound])
                .doing(WHAT)?;
            // The task for what the customer said before goes: the new answer has its own.
            tx.execute(
                "UPDATE tasks SET status = 'replaced', done_at = ?2 WHERE action_key LIKE 'inbox:' || ?1 || ':%' AND status = 'open'",
                params![old, now],
            )
            .doing(WHAT)?;
        }
        if let Some(task) = &action.task {
            tx.execute(
                "INSERT INTO tasks (action_key, tenant_id, contact_id, kind, assignee, invoices, summary, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![key, tenant, contact, task.kind, task.assignee, invoices, task.summary, now],
            )
            .doing(WHAT)?;
        }
        for (invoice, note) in &action.notes {
            tx.execute(
                "INSERT OR IGNORE INTO notes (action_key, tenant_id, subject_kind, subject_id, details, reference)
                 VALUES (?1, ?2, 'invoice', ?3, ?4, ?5)",
                params![key, tenant, invoice.to_string(), note, note.rsplit_once(" ref ").map(|(_, r)| r)],
            )
            .doing(WHAT)?;
        }
        for invoice in &action.invoices {
            match &action.answer {
                Answer::Promise { on } => tx.execute(
                    "INSERT INTO promises (tenant_id, invoice_id, promised_on, recorded_at, source) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET promised_on = excluded.promised_on,
                         recorded_at = excluded.recorded_at, source = excluded.source",
                    params![tenant, invoice.to_string(), on.to_string(), now, action.source],
                ),
                Answer::Dispute { .. } => {
                    super::memory::open_dispute(&tx, &tenant, &invoice.to_string(), &now)?;
                    Ok(0)
                }
                // A claim is in force while its inbox event is open: `memory` reads it there.
                Answer::PaidClaim { .. } => Ok(0),
            }
            .doing(WHAT)?;
        }
        // A crash here must leave nothing of the answer: the customer is told it failed.
        crate::failpoint::pass("page:before-commit");
        tx.commit().doing(WHAT)?;
        Ok(RecordedAnswer { id: inbound, new: true, replaced })
    }

    pub fn open_customer_events(&self, tenant: Uuid) -> Result<Vec<(String, u64)>> {
        const READ: &str = "count what customers said that waits for a person";
        let mut statement = self
            .conn()
            .prepare(
                "SELECT i.kind, COUNT(DISTINCT i.id) FROM inbound i JOIN inbound_concerns c ON c.inbound_id = i.id
                  WHERE c.tenant_id = ?1 AND i.state = 'open' AND i.history = 0
                    AND i.kind IN ('reply', 'promise', 'dispute', 'paid_claim')
                  GROUP BY i.kind ORDER BY i.kind",
            )
            .doing(READ)?;
        let rows = statement
            .query_map([tenant.to_string()], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?.max(0) as u64)))
            .doing(READ)?;
        rows.collect::<rusqlite::Result<_>>().doing(READ)
    }

    pub fn page_actions(&self, tenant: Uuid, contact: Uuid) -> Result<Vec<PageAction>> {
        const READ: &str = "read a customer's answers";
        let mut statement = self
            .conn()
            .prepare(
                "SELECT p.*, i.received_at, i.state FROM page_actions p JOIN inbound i ON i.id = p.inbound_id
                  WHERE p.tenant_id = ?1 AND p.contact_id = ?2 ORDER BY p.inbound_id DESC",
            )
            .doing(READ)?;
        let rows = statement.query_map(params![tenant.to_string(), contact.to_string()], action_from).doing(READ)?;
        rows.collect::<rusqlite::Result<_>>().doing(READ)
    }
}

fn action_from(row: &Row<'_>) -> rusqlite::Result<PageAction> {
    let invoices: String = row.get("invoices")?;
    let kind: String = row.get("kind")?;
    let answer = match kind.as_str() {
        "promise" => Answer::Promise { on: day(row, "promised_on")? },
        "dispute" => Answer::Dispute { reason: row.get::<_, Option<String>>("reason")?.unwrap_or_default() },
        _ => Answer::PaidClaim {
            paid_on: day(row, "paid_on")?,
            amount: amount(row, "amount")?,
            reference: row.get::<_, Option<String>>("reference")?.unwrap_or_default(),
            remittance: match row.get::<_, Option<String>>("upload")? {
                Some(file) => Some(Remittance {
                    file,
                    media_type: row.get::<_, Option<String>>("upload_type")?.unwrap_or_default(),
                    size: row.get::<_, Option<i64>>("upload_size")?.unwrap_or(0).max(0) as u64,
                }),
                None => None,
            },
        },
    };
    Ok(PageAction {
        id: row.get("inbound_id")?,
        invoices: serde_json::from_str(&invoices).unwrap_or_default(),
        answer,
        at: instant(row, "received_at")?,
        state: row.get("state")?,
    })
}
