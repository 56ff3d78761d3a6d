//! The inbox's tables (migration 9).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::codec::{format_time, id, instant, optional_instant};
use super::{Database, Doing, Result};
use crate::store::inbox::{
    BounceFacts, Concerned, InboundKind, InboundMessage, KnownCustomer, MailboxCursor, NewInbound, NewInboundTask,
    NumberedInvoice, Permanence, SentEmail, Stored, Suppressed,
};

/// The key of a task or note an inbound message created, unique per customer it concerns.
fn inbound_key(message: i64, concerned: &Concerned) -> String {
    format!("inbox:{message}:{}:{}", concerned.tenant_id, concerned.contact_id)
}

fn message_from(row: &Row<'_>) -> rusqlite::Result<InboundMessage> {
    let kind: String = row.get("kind")?;
    let bounce = match row.get::<_, Option<String>>("bounce_address")? {
        Some(address) => Some(BounceFacts {
            address,
            permanence: row
                .get::<_, Option<String>>("permanence")?
                .as_deref()
                .and_then(Permanence::parse)
                .unwrap_or(Permanence::Transient),
            status: row.get("bounce_status")?,
        }),
        None => None,
    };
    Ok(InboundMessage {
        id: row.get("id")?,
        message_id: row.get("message_id")?,
        source: row.get("source")?,
        received_at: instant(row, "received_at")?,
        sent_at: optional_instant(row, "sent_at")?,
        from: row.get("from_address")?,
        from_name: row.get("from_name")?,
        subject: row.get("subject")?,
        kind: InboundKind::parse(&kind).unwrap_or(InboundKind::Unreadable),
        bounce,
        reason: row.get("reason")?,
        state: row.get("state")?,
        assignee: row.get("assignee")?,
        handled_at: optional_instant(row, "handled_at")?,
        excerpt: row.get("excerpt")?,
        size: row.get::<_, i64>("size")?.max(0) as u64,
        concerns: Vec::new(),
    })
}

fn concerned_from(row: &Row<'_>) -> rusqlite::Result<Concerned> {
    let invoices: String = row.get("invoices")?;
    let task: Option<String> = row.get("task")?;
    Ok(Concerned {
        tenant_id: id(row, "tenant_id")?,
        contact_id: id(row, "contact_id")?,
        name: row.get("name")?,
        invoices: serde_json::from_str(&invoices).unwrap_or_default(),
        task: task.and_then(|t| serde_json::from_str::<TaskColumn>(&t).ok()).map(|t| NewInboundTask {
            kind: t.kind,
            assignee: t.assignee,
            summary: t.summary,
        }),
        note: row.get("note")?,
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TaskColumn {
    kind: String,
    assignee: String,
    summary: String,
}

fn store_cursor(tx: &Transaction<'_>, mailbox: &str, cursor: MailboxCursor) -> Result<()> {
    tx.execute(
        "INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid) VALUES (?1, ?2, ?3)
         ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
             last_uid = CASE WHEN mailbox_cursors.uid_validity = excluded.uid_validity
                             THEN max(mailbox_cursors.last_uid, excluded.last_uid) ELSE excluded.last_uid END",
        params![mailbox, cursor.uid_validity, cursor.last_uid],
    )
    .doing("move the mailbox's cursor")?;
    Ok(())
}

fn customer_from(row: &Row<'_>) -> rusqlite::Result<(Uuid, Uuid, String, String)> {
    Ok((id(row, 0)?, id(row, 1)?, row.get(2)?, row.get(3)?))
}

impl Database {
    pub fn store_inbound(&mut self, message: &NewInbound, cursor: Option<&(String, MailboxCursor)>) -> Result<Stored> {
        const WHAT: &str = "store an inbound message";
        let tx = self.conn_mut().transaction().doing(WHAT)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM inbound WHERE digest = ?1 OR (?2 IS NOT NULL AND message_id = ?2) ORDER BY id LIMIT 1",
                params![message.digest, message.message_id],
                |row| row.get(0),
            )
            .optional()
            .doing(WHAT)?;
        let stored = match existing {
            Some(id) => Stored::AlreadyHad(id),
            None => {
                let now = format_time(message.received_at);
                let bounce = message.bounce.as_ref();
                tx.execute(
                    "INSERT INTO inbound (message_id, digest, source, received_at, sent_at, from_address, from_name,
                         subject, kind, bounce_address, permanence, bounce_status, reason, state, excerpt, size, history)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                    params![
                        message.message_id,
                        message.digest,
                        message.source,
                        now,
                        message.sent_at.map(format_time),
                        message.from,
                        message.from_name,
                        message.subject,
                        message.kind.as_str(),
                        bounce.map(|b| b.address.to_lowercase()),
                        bounce.map(|b| b.permanence.as_str()),
                        bounce.and_then(|b| b.status.clone()),
                        message.reason,
                        if message.open { "open" } else { "handled" },
                        message.excerpt,
                        message.size as i64,
                        message.history,
                    ],
                )
                .doing(WHAT)?;
                let inbound = tx.last_insert_rowid();
                for concerned in &message.concerns {
                    let task = concerned.task.as_ref().map(|t| {
                        serde_json::json!({ "kind": t.kind, "assignee": t.assignee, "summary": t.summary }).to_string()
                    });
                    tx.execute(
                        "INSERT OR IGNORE INTO inbound_concerns (inbound_id, tenant_id, contact_id, name, invoices, task, note)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            inbound,
                            concerned.tenant_id.to_string(),
                            concerned.contact_id.to_string(),
                            concerned.name,
                            serde_json::to_string(&concerned.invoices).unwrap_or_else(|_| "[]".into()),
                            task,
                            concerned.note,
                        ],
                    )
                    .doing(WHAT)?;
                    let key = inbound_key(inbound, concerned);
                    if let Some(task) = &concerned.task {
                        tx.execute(
                            "INSERT OR IGNORE INTO tasks (action_key, tenant_id, contact_id, kind, assignee, invoices, summary, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            params![
                                key,
                                concerned.tenant_id.to_string(),
                                concerned.contact_id.to_string(),
                                task.kind,
                                task.assignee,
                                serde_json::to_string(&concerned.invoices).unwrap_or_else(|_| "[]".into()),
                                task.summary,
                                now,
                            ],
                        )
                        .doing(WHAT)?;
                    }
                    if let Some(note) = &concerned.note {
                        tx.execute(
                            "INSERT OR IGNORE INTO notes (action_key, tenant_id, subject_kind, subject_id, details, reference)
                             VALUES (?1, ?2, 'contact', ?3, ?4, ?5)",
                            params![
                                key,
                                concerned.tenant_id.to_string(),
                                concerned.contact_id.to_string(),
                                note,
                                note.rsplit_once(" ref ").map(|(_, reference)| reference),
                            ],
                        )
                        .doing(WHAT)?;
                    }
                }
                for (address, reason) in &message.suppress {
                    tx.execute(
                        "INSERT INTO suppressed_addresses (address, since, reason, inbound_id) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (address) DO NOTHING",
                        params![address.to_lowercase(), now, reason, inbound],
                    )
                    .doing(WHAT)?;
                }
                // A crash here must leave nothing of the message, and the cursor where it was.
                crate::failpoint::pass("inbox:before-commit");
                Stored::New(inbound)
            }
        };
        if let Some((mailbox, cursor)) = cursor {
            store_cursor(&tx, mailbox, *cursor)?;
        }
        tx.commit().doing(WHAT)?;
        Ok(stored)
    }

    pub fn move_mailbox_cursor(&mut self, mailbox: &str, cursor: MailboxCursor) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("move the mailbox's cursor")?;
        store_cursor(&tx, mailbox, cursor)?;
        tx.commit().doing("move the mailbox's cursor")
    }

    pub fn mailbox_cursor(&self, mailbox: &str) -> Result<Option<MailboxCursor>> {
        self.conn()
            .query_row("SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = ?1", [mailbox], |row| {
                Ok(MailboxCursor { uid_validity: row.get(0)?, last_uid: row.get(1)? })
            })
            .optional()
            .doing("read the mailbox's cursor")
    }

    fn with_concerns(&self, mut message: InboundMessage) -> Result<InboundMessage> {
        const WHAT: &str = "read the customers a message concerns";
        let mut statement = self
            .conn()
            .prepare_cached("SELECT * FROM inbound_concerns WHERE inbound_id = ?1 ORDER BY name, tenant_id")
            .doing(WHAT)?;
        let rows = statement.query_map([message.id], concerned_from).doing(WHAT)?;
        message.concerns = rows.collect::<rusqlite::Result<_>>().doing(WHAT)?;
        Ok(message)
    }

    pub fn inbound_messages(&self, all: bool) -> Result<Vec<InboundMessage>> {
        const WHAT: &str = "list inbound messages";
        let sql = if all {
            "SELECT * FROM inbound ORDER BY id"
        } else {
            "SELECT * FROM inbound WHERE state = 'open' OR kind IN ('unmatched', 'unreadable', 'bounce') ORDER BY id"
        };
        let mut statement = self.conn().prepare(sql).doing(WHAT)?;
        let messages: Vec<InboundMessage> =
            statement.query_map([], message_from).doing(WHAT)?.collect::<rusqlite::Result<_>>().doing(WHAT)?;
        messages.into_iter().map(|m| self.with_concerns(m)).collect()
    }

    pub fn inbound_message(&self, id: i64) -> Result<Option<InboundMessage>> {
        let message = self
            .conn()
            .query_row("SELECT * FROM inbound WHERE id = ?1", [id], message_from)
            .optional()
            .doing("read an inbound message")?;
        message.map(|m| self.with_concerns(m)).transpose()
    }

    pub fn handle_inbound(&mut self, id: i64, now: Timestamp) -> Result<bool> {
        const WHAT: &str = "mark a message handled";
        let tx = self.conn_mut().transaction().doing(WHAT)?;
        let changed = tx
            .execute(
                "UPDATE inbound SET state = 'handled', handled_at = coalesce(handled_at, ?2) WHERE id = ?1",
                params![id, format_time(now)],
            )
            .doing(WHAT)?;
        tx.execute(
            "UPDATE tasks SET status = 'done', done_at = ?2 WHERE status = 'open' AND action_key LIKE ?1",
            params![format!("inbox:{id}:%"), format_time(now)],
        )
        .doing(WHAT)?;
        tx.commit().doing(WHAT)?;
        Ok(changed == 1)
    }

    pub fn assign_inbound(&mut self, id: i64, to: &str) -> Result<bool> {
        const WHAT: &str = "assign a message";
        let tx = self.conn_mut().transaction().doing(WHAT)?;
        let changed = tx.execute("UPDATE inbound SET assignee = ?2 WHERE id = ?1", params![id, to]).doing(WHAT)?;
        tx.execute(
            "UPDATE tasks SET assignee = ?2 WHERE status = 'open' AND action_key LIKE ?1",
            params![format!("inbox:{id}:%"), to],
        )
        .doing(WHAT)?;
        tx.commit().doing(WHAT)?;
        Ok(changed == 1)
    }

    pub fn replies_of(&self, tenant: Uuid, contact: Uuid) -> Result<Option<crate::decide::memory::Replies>> {
        use crate::decide::memory::{Heard, Replies};
        const WHAT: &str = "read a customer's replies";
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT i.id, i.received_at, i.state FROM inbound_concerns c JOIN inbound i ON i.id = c.inbound_id
                  WHERE c.tenant_id = ?1 AND c.contact_id = ?2 AND i.kind = 'reply' AND i.history = 0 ORDER BY i.id",
            )
            .doing(WHAT)?;
        let rows = statement
            .query_map(params![tenant.to_string(), contact.to_string()], |row| {
                Ok((row.get::<_, i64>(0)?, instant(row, 1)?, row.get::<_, String>(2)?))
            })
            .doing(WHAT)?;
        let mut replies = None;
        for row in rows {
            let (message, at, state) = row.doing(WHAT)?;
            replies = Some(Replies::hear(replies, Heard { message, at }, state == "open"));
        }
        Ok(replies)
    }

    pub fn transient_bounces(&self, address: &str, since: Timestamp) -> Result<u32> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM inbound WHERE kind = 'bounce' AND bounce_address = ?1 AND history = 0
                   AND permanence = 'transient' AND received_at >= ?2",
                params![address.to_lowercase(), format_time(since)],
                |row| row.get(0),
            )
            .doing("count an address's transient bounces")
    }

    pub fn suppressed_addresses(&self) -> Result<Vec<Suppressed>> {
        const WHAT: &str = "read suppressed addresses";
        let mut statement = self
            .conn()
            .prepare_cached("SELECT address, since, reason, inbound_id FROM suppressed_addresses ORDER BY address")
            .doing(WHAT)?;
        let rows = statement
            .query_map([], |row| {
                Ok(Suppressed {
                    address: row.get(0)?,
                    since: instant(row, 1)?,
                    reason: row.get(2)?,
                    message: row.get(3)?,
                })
            })
            .doing(WHAT)?;
        rows.collect::<rusqlite::Result<_>>().doing(WHAT)
    }

    /// The suppressed addresses alone, for setting them aside in books.
    pub fn suppressed_set(&self) -> Result<foldhash::HashSet<String>> {
        const WHAT: &str = "read suppressed addresses";
        let mut statement = self.conn().prepare_cached("SELECT address FROM suppressed_addresses").doing(WHAT)?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0)).doing(WHAT)?;
        rows.collect::<rusqlite::Result<_>>().doing(WHAT)
    }

    pub fn unsuppress(&mut self, address: &str) -> Result<bool> {
        let changed = self
            .conn()
            .execute("DELETE FROM suppressed_addresses WHERE address = ?1", [address.trim().to_lowercase()])
            .doing("lift an address's suppression")?;
        Ok(changed > 0)
    }

    pub fn sent_email(&self, message_id: &str) -> Result<Option<SentEmail>> {
        const WHAT: &str = "look up an email CollectIQ sent";
        let bracketed = format!("<{}>", message_id.trim_matches(|c| c == '<' || c == '>'));
        let row = self
            .conn()
            .query_row(
                "SELECT tenant_id, contact_id, invoices, json_extract(email, '$.to') FROM actions
                  WHERE message_id = ?1 ORDER BY id LIMIT 1",
                [&bracketed],
                |row| Ok((id(row, 0)?, id(row, 1)?, row.get::<_, String>(2)?, row.get::<_, Option<String>>(3)?)),
            )
            .optional()
            .doing(WHAT)?;
        Ok(row.map(|(tenant_id, contact_id, invoices, to)| SentEmail {
            tenant_id,
            contact_id,
            invoices: serde_json::from_str(&invoices).unwrap_or_default(),
            to: to.and_then(|to| serde_json::from_str(&to).ok()).unwrap_or_default(),
        }))
    }

    fn addresses_of(&self, tenant: Uuid, contact: Uuid) -> Result<Vec<String>> {
        const WHAT: &str = "read a customer's addresses";
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT lower(trim(email)) FROM contacts WHERE tenant_id = ?1 AND contact_id = ?2 AND email IS NOT NULL
                 UNION
                 SELECT lower(trim(email)) FROM contact_persons WHERE tenant_id = ?1 AND contact_id = ?2 AND email IS NOT NULL",
            )
            .doing(WHAT)?;
        let rows = statement
            .query_map(params![tenant.to_string(), contact.to_string()], |row| row.get::<_, String>(0))
            .doing(WHAT)?;
        let addresses: Vec<String> = rows.collect::<rusqlite::Result<_>>().doing(WHAT)?;
        Ok(addresses.into_iter().filter(|a| !a.is_empty()).collect())
    }

    fn known(&self, found: Vec<(Uuid, Uuid, String, String)>) -> Result<Vec<KnownCustomer>> {
        let mut customers = Vec::with_capacity(found.len());
        for (tenant_id, contact_id, name, organisation) in found {
            let addresses = self.addresses_of(tenant_id, contact_id)?;
            customers.push(KnownCustomer { tenant_id, contact_id, name, organisation, addresses });
        }
        Ok(customers)
    }

    pub fn customers_with_address(&self, address: &str) -> Result<Vec<KnownCustomer>> {
        const WHAT: &str = "find customers by address";
        let address = address.trim().to_lowercase();
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT c.tenant_id, c.contact_id, c.name, o.name FROM contacts c
                   JOIN organisations o ON o.tenant_id = c.tenant_id
                  WHERE lower(trim(c.email)) = ?1
                 UNION
                 SELECT c.tenant_id, c.contact_id, c.name, o.name FROM contact_persons p
                   JOIN contacts c ON c.tenant_id = p.tenant_id AND c.contact_id = p.contact_id
                   JOIN organisations o ON o.tenant_id = c.tenant_id
                  WHERE lower(trim(p.email)) = ?1
                 ORDER BY 4, 3",
            )
            .doing(WHAT)?;
        let found: Vec<_> =
            statement.query_map([&address], customer_from).doing(WHAT)?.collect::<rusqlite::Result<_>>().doing(WHAT)?;
        self.known(found)
    }

    pub fn known_customer(&self, tenant: Uuid, contact: Uuid) -> Result<Option<KnownCustomer>> {
        let found = self
            .conn()
            .query_row(
                "SELECT c.tenant_id, c.contact_id, c.name, o.name FROM contacts c
                   JOIN organisations o ON o.tenant_id = c.tenant_id
                  WHERE c.tenant_id = ?1 AND c.contact_id = ?2",
                params![tenant.to_string(), contact.to_string()],
                customer_from,
            )
            .optional()
            .doing("read a customer")?;
        Ok(self.known(found.into_iter().collect())?.pop())
    }

    pub fn open_invoices_numbered(&self, numbers: &[String]) -> Result<Vec<NumberedInvoice>> {
        const WHAT: &str = "find open invoices by number";
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT i.tenant_id, i.contact_id, c.name, o.name, i.invoice_id, i.number FROM invoices i
                   JOIN contacts c ON c.tenant_id = i.tenant_id AND c.contact_id = i.contact_id
                   JOIN organisations o ON o.tenant_id = i.tenant_id
                  WHERE i.number = ?1 AND i.status = 'AUTHORISED' AND CAST(i.amount_due AS REAL) > 0",
            )
            .doing(WHAT)?;
        let mut found = Vec::new();
        for number in numbers {
            let rows = statement
                .query_map([number], |row| Ok((customer_from(row)?, id(row, 4)?, row.get::<_, String>(5)?)))
                .doing(WHAT)?;
            for row in rows {
                found.push(row.doing(WHAT)?);
            }
        }
        let mut invoices = Vec::with_capacity(found.len());
        for (customer, invoice_id, number) in found {
            if let Some(customer) = self.known(vec![customer])?.pop() {
                invoices.push(NumberedInvoice { invoice_id, number, customer });
            }
        }
        Ok(invoices)
    }
}
