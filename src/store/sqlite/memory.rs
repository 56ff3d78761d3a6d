//! What CollectIQ remembers beside Xero's data, read back for evaluation as one
//! [`Memory`]: occurrences handled, invoices stopped, promises, disputes and pauses entered by
//! hand, open escalations, and when each customer was last emailed. The outbox and the tasks
//! write it; this reads it.

use jiff::civil::Date;
use uuid::Uuid;

use super::codec::id;
use super::{Database, Doing, Result, StoreError};
use crate::decide::memory::{Heard, Memory, Replies};

impl Database {
    pub fn memory(&self, tenant: Uuid) -> Result<Memory> {
        let tenant_text = tenant.to_string();
        let mut state = Memory::default();
        {
            const WHAT: &str = "read handled occurrences";
            // Looked up once per row, among a few dozen rules: a sorted list does it without
            // hashing.
            let mut numbers: Vec<(i64, u32)> = Vec::new();
            let mut rules = self
                .conn()
                .prepare("SELECT number, rule_id FROM handled_rules WHERE tenant_id = ?1 ORDER BY number")
                .doing(WHAT)?;
            for rule in
                rules.query_map([&tenant_text], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).doing(WHAT)?
            {
                let (number, rule) = rule.doing(WHAT)?;
                numbers.push((number, state.number_rule(&rule)));
            }
            let mut statement = self
                .conn()
                .prepare("SELECT subject, rule, occurrence FROM handled WHERE tenant_id = ?1")
                .doing(WHAT)?;
            let mut handled = Vec::new();
            let mut rows = statement.query([&tenant_text]).doing(WHAT)?;
            while let Some(row) = rows.next().doing(WHAT)? {
                let subject = row.get_ref(0).and_then(|v| Ok(v.as_blob()?)).doing(WHAT)?;
                let subject = Uuid::from_slice(subject).map_err(|_| StoreError::Unreadable {
                    doing: WHAT.into(),
                    what: format!("a handled subject is {} bytes, not an id's 16", subject.len()),
                })?;
                let rule: i64 = row.get(1).doing(WHAT)?;
                let occurrence: i64 = row.get(2).doing(WHAT)?;
                if let Ok(at) = numbers.binary_search_by_key(&rule, |&(stored, _)| stored) {
                    handled.push(((subject, numbers[at].1), occurrence));
                }
            }
            state.set_remembered_handled(handled);
        }
        let mut stops = self
            .conn()
            .prepare("SELECT invoices FROM actions WHERE tenant_id = ?1 AND outcome = 'act' AND action_kind = 'stop_chasing'")
            .doing("read stopped invoices")?;
        for invoices in stops.query_map([&tenant_text], |row| row.get::<_, String>(0)).doing("read stopped invoices")? {
            let invoices: Vec<Uuid> =
                serde_json::from_str(&invoices.doing("read stopped invoices")?).unwrap_or_default();
            state.stopped.extend(invoices);
        }
        let mut emailed = self
            .conn()
            .prepare(
                "SELECT contact_id, MAX(decided_at) FROM actions WHERE tenant_id = ?1 AND outcome = 'act'
                   AND action_kind = 'email' AND status NOT IN ('cancelled', 'failed') GROUP BY contact_id",
            )
            .doing("read when customers were emailed")?;
        let rows = emailed
            .query_map([&tenant_text], |row| Ok((id(row, "contact_id")?, row.get::<_, String>(1)?)))
            .doing("read when customers were emailed")?;
        for row in rows {
            let (contact, at) = row.doing("read when customers were emailed")?;
            if let Some(at) = super::codec::parse_time(&at) {
                state.last_emailed.insert(contact, at);
            }
        }
        let pairs = |sql: &str| -> Result<Vec<(Uuid, Option<String>)>> {
            let mut statement = self.conn().prepare(sql).doing("read entries made by hand")?;
            let rows = statement
                .query_map([&tenant_text], |row| Ok((id(row, "subject")?, row.get::<_, Option<String>>(1)?)))
                .doing("read entries made by hand")?;
            rows.collect::<rusqlite::Result<_>>().doing("read entries made by hand")
        };
        for (invoice, on) in pairs("SELECT invoice_id AS subject, promised_on FROM promises WHERE tenant_id = ?1")? {
            if let Some(on) = on.and_then(|d| d.parse::<Date>().ok()) {
                state.promises.insert(invoice, on);
            }
        }
        for (invoice, _) in
            pairs("SELECT invoice_id AS subject, NULL FROM disputes WHERE tenant_id = ?1 AND resolved_at IS NULL")?
        {
            state.disputes.insert(invoice);
        }
        for (contact, until) in pairs("SELECT contact_id AS subject, until FROM pauses WHERE tenant_id = ?1")? {
            if let Some(until) = until.and_then(|d| d.parse::<Date>().ok()) {
                state.pauses.insert(contact, until);
            }
        }
        for (contact, _) in pairs(
            "SELECT contact_id AS subject, NULL FROM tasks WHERE tenant_id = ?1 AND kind = 'escalation' AND status = 'open'",
        )? {
            state.escalated.insert(contact);
        }
        const REPLIES: &str = "read the replies customers sent";
        let mut replies = self
            .conn()
            .prepare(
                "SELECT c.contact_id, i.id, i.received_at, i.state FROM inbound_concerns c
                   JOIN inbound i ON i.id = c.inbound_id
                  WHERE c.tenant_id = ?1 AND i.kind = 'reply' AND i.history = 0 ORDER BY i.id",
            )
            .doing(REPLIES)?;
        let rows = replies
            .query_map([&tenant_text], |row| {
                Ok((id(row, 0)?, row.get::<_, i64>(1)?, super::codec::instant(row, 2)?, row.get::<_, String>(3)?))
            })
            .doing(REPLIES)?;
        for row in rows {
            let (contact, message, at, open) = row.doing(REPLIES)?;
            let heard = Heard { message, at };
            let known = state.replies.get(&contact).copied();
            state.replies.insert(contact, Replies::hear(known, heard, open == "open"));
        }
        const CLAIMS: &str = "read what customers say they have paid";
        let mut claims = self
            .conn()
            .prepare(
                "SELECT p.invoices, i.received_at FROM page_actions p JOIN inbound i ON i.id = p.inbound_id
                  WHERE p.tenant_id = ?1 AND p.kind = 'paid_claim' AND i.state = 'open' ORDER BY i.id",
            )
            .doing(CLAIMS)?;
        let rows = claims
            .query_map([&tenant_text], |row| Ok((row.get::<_, String>(0)?, super::codec::instant(row, 1)?)))
            .doing(CLAIMS)?;
        for row in rows {
            let (invoices, at) = row.doing(CLAIMS)?;
            for invoice in serde_json::from_str::<Vec<Uuid>>(&invoices).unwrap_or_default() {
                state.paid_claims.insert(invoice, at);
            }
        }
        Ok(state)
    }
}

/// Opens a dispute on an invoice (again, if it was resolved), and begins a period of its history
/// unless one is open already. Every way a dispute is opened (by hand, from the customer's page)
/// comes through here, so the history cannot miss one.
pub(super) fn open_dispute(conn: &rusqlite::Connection, tenant: &str, invoice: &str, at: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO disputes (tenant_id, invoice_id, opened_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET opened_at = excluded.opened_at, resolved_at = NULL",
        rusqlite::params![tenant, invoice, at],
    )
    .doing("record a dispute")?;
    conn.execute(
        "INSERT OR IGNORE INTO dispute_history (tenant_id, invoice_id, opened_at)
         SELECT ?1, ?2, ?3 WHERE NOT EXISTS (
             SELECT 1 FROM dispute_history WHERE tenant_id = ?1 AND invoice_id = ?2 AND resolved_at IS NULL)",
        rusqlite::params![tenant, invoice, at],
    )
    .doing("record a dispute")?;
    Ok(())
}

/// Resolves an invoice's open dispute, ending its period in the history.
pub(super) fn resolve_dispute(conn: &rusqlite::Connection, tenant: &str, invoice: &str, at: &str) -> Result<()> {
    conn.execute(
        "UPDATE disputes SET resolved_at = ?3 WHERE tenant_id = ?1 AND invoice_id = ?2",
        rusqlite::params![tenant, invoice, at],
    )
    .doing("record a dispute")?;
    conn.execute(
        "UPDATE dispute_history SET resolved_at = ?3 WHERE tenant_id = ?1 AND invoice_id = ?2 AND resolved_at IS NULL",
        rusqlite::params![tenant, invoice, at],
    )
    .doing("record a dispute")?;
    Ok(())
}

impl Database {
    /// Every period each of these invoices was disputed, oldest first.
    pub fn dispute_periods(
        &self,
        tenant: Uuid,
        invoices: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<crate::store::memory::DisputePeriod>>> {
        let mut periods = std::collections::HashMap::new();
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT opened_at, resolved_at FROM dispute_history WHERE tenant_id = ?1 AND invoice_id = ?2
                 ORDER BY opened_at",
            )
            .doing("read when invoices were disputed")?;
        for invoice in invoices {
            let rows = statement
                .query_map(rusqlite::params![tenant.to_string(), invoice.to_string()], |row| {
                    Ok((
                        row.get::<_, super::codec::Instant>(0)?.0,
                        row.get::<_, Option<super::codec::Instant>>(1)?.map(|i| i.0),
                    ))
                })
                .doing("read when invoices were disputed")?;
            let found = rows.collect::<rusqlite::Result<Vec<_>>>().doing("read when invoices were disputed")?;
            if !found.is_empty() {
                periods.insert(*invoice, found);
            }
        }
        Ok(periods)
    }
}
