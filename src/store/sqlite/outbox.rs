//! The outbox: every decided action, stored with its idempotency key in the transaction that
//! decides it, with the tasks and history notes it brings; and delivery's progress through it.
//! An action's key is unique, so an occurrence can be decided only once, whatever runs at once.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::attachments::insert_attachments;
use super::codec::{format_time, id, instant, optional_instant};
use super::page_links::insert_page_link;
use super::workers::gone_list;
use super::{Database, Doing, Result};
use crate::store::outbox::{Claim, Decider, NewAction, Status, StoredAction};
use crate::store::page_links::NewPageLink;

fn action_from(row: &Row<'_>) -> rusqlite::Result<StoredAction> {
    let invoices: String = row.get("invoices")?;
    let action: String = row.get("action")?;
    let status: String = row.get("status")?;
    Ok(StoredAction {
        id: row.get("id")?,
        key: row.get("key")?,
        tenant_id: id(row, "tenant_id")?,
        contact_id: id(row, "contact_id")?,
        subject_kind: row.get("subject_kind")?,
        subject_id: id(row, "subject_id")?,
        rule_id: row.get("rule_id")?,
        rule_text: row.get("rule_text")?,
        occurrence: row.get("occurrence")?,
        occurrence_date: row.get("occurrence_date")?,
        invoices: serde_json::from_str(&invoices).unwrap_or_default(),
        action: serde_json::from_str(&action).unwrap_or(serde_json::Value::Null),
        outcome: row.get("outcome")?,
        reason: row.get("reason")?,
        status: Status::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("\"{status}\" is not a state of the outbox").into(),
            )
        })?,
        email: row.get("email")?,
        message_id: row.get("message_id")?,
        strategy: row.get("strategy")?,
        plan_version: row.get("plan_version")?,
        plan_fingerprint: row.get("plan_fingerprint")?,
        decided_at: instant(row, "decided_at")?,
        attempts: row.get("attempts")?,
        next_attempt_at: optional_instant(row, "next_attempt_at")?,
        claimed_by: row.get("claimed_by")?,
        handed_at: optional_instant(row, "handed_at")?,
        done_at: optional_instant(row, "done_at")?,
        last_error: row.get("last_error")?,
    })
}

impl Database {
    pub fn record_decisions(
        &mut self,
        actions: &[NewAction],
        decider: &Decider,
        now: Timestamp,
    ) -> Result<Vec<String>> {
        let tx = self.conn_mut().transaction().doing("start recording decisions")?;
        let mut recorded = Vec::new();
        let mut rule_numbers: HashMap<(Uuid, &str), i64> = HashMap::new();
        for new in actions {
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO actions (key, tenant_id, subject_kind, subject_id, rule_id, occurrence,
                         occurrence_date, contact_id, invoices, action_kind, action, rule_text, outcome, reason, status,
                         strategy, plan_version, decided_at, next_attempt_at, plan_fingerprint, message_id, email,
                         last_error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20, ?21,
                         ?22)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        new.key,
                        new.tenant_id.to_string(),
                        new.subject_kind,
                        new.subject_id.to_string(),
                        new.rule_id,
                        new.occurrence,
                        new.occurrence_date.to_string(),
                        new.contact_id.to_string(),
                        serde_json::to_string(&new.invoices).unwrap_or_default(),
                        new.action_kind,
                        new.action,
                        new.rule_text,
                        new.outcome,
                        new.reason,
                        new.status.as_str(),
                        decider.strategy,
                        decider.plan_version,
                        format_time(now),
                        decider.plan_fingerprint,
                        new.message_id,
                        new.email,
                        new.error
                    ])
                })
                .doing("record a decision")?;
            if inserted == 0 {
                continue;
            }
            // Read now: the statements below insert rows of their own.
            let action = tx.last_insert_rowid();
            let tenant_text = new.tenant_id.to_string();
            let number = match rule_numbers.get(&(new.tenant_id, new.rule_id.as_str())) {
                Some(&number) => number,
                None => {
                    let number = handled_rule_number(&tx, &tenant_text, &new.rule_id)?;
                    rule_numbers.insert((new.tenant_id, new.rule_id.as_str()), number);
                    number
                }
            };
            tx.prepare_cached(
                "INSERT INTO handled (tenant_id, subject, rule, occurrence) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, subject, rule) DO UPDATE SET occurrence = max(occurrence, excluded.occurrence)",
            )
            .and_then(|mut s| {
                s.execute(params![tenant_text, new.subject_id.as_bytes().as_slice(), number, new.occurrence])
            })
            .doing("remember a handled occurrence")?;
            if let Some(task) = &new.task {
                tx.execute(
                    "INSERT OR IGNORE INTO tasks (action_key, tenant_id, contact_id, kind, assignee, invoices, summary, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        new.key,
                        tenant_text,
                        new.contact_id.to_string(),
                        task.kind,
                        task.assignee,
                        serde_json::to_string(&new.invoices).unwrap_or_default(),
                        task.summary,
                        format_time(now)
                    ],
                )
                .doing("create a task")?;
            }
            insert_attachments(&tx, action, &new.attachments)?;
            if !new.page_links.is_empty() {
                for link in &new.page_links {
                    insert_page_link(&tx, &NewPageLink { action_id: Some(action), ..link.clone() })?;
                }
            }
            for note in &new.notes {
                tx.execute(
                    "INSERT OR IGNORE INTO notes (action_key, tenant_id, subject_kind, subject_id, details, next_attempt_at, reference)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        new.key,
                        tenant_text,
                        note.subject_kind,
                        note.subject_id.to_string(),
                        note.details,
                        format_time(now),
                        note.reference
                    ],
                )
                .doing("queue a history note")?;
            }
            recorded.push(new.key.clone());
        }
        tx.commit().doing("record decisions")?;
        Ok(recorded)
    }

    /// Actions to deliver now, oldest first: waiting ones whose attempt is due, and claims whose
    /// process is gone (`gone`, from [`Database::gone_workers`]), which are resumed as they were.
    pub fn deliverable(&self, now: Timestamp, gone: &[String], limit: usize) -> Result<Vec<StoredAction>> {
        self.deliverable_of(None, now, gone, limit)
    }

    pub fn deliverable_of(
        &self,
        tenant: Option<Uuid>,
        now: Timestamp,
        gone: &[String],
        limit: usize,
    ) -> Result<Vec<StoredAction>> {
        let mut statement = self
            .conn()
            .prepare(
                "SELECT * FROM actions
                  WHERE ((status = 'waiting' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))
                         OR (status IN ('claimed', 'handed')
                             AND (claimed_by IS NULL OR claimed_by IN (SELECT value FROM json_each(?3)))))
                    AND (?4 IS NULL OR tenant_id = ?4)
                  ORDER BY id LIMIT ?2",
            )
            .doing("read actions to deliver")?;
        let rows = statement
            .query_map(
                params![format_time(now), limit as i64, gone_list(gone), tenant.map(|t| t.to_string())],
                action_from,
            )
            .doing("read actions to deliver")?;
        rows.collect::<rusqlite::Result<_>>().doing("read actions to deliver")
    }

    pub fn queue_depth(&self, tenant: Uuid) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM actions WHERE tenant_id = ?1 AND status IN ('waiting', 'claimed', 'handed')",
                [tenant.to_string()],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .doing("count actions to deliver")
    }

    pub fn drop_settled(&mut self, tenant: Uuid, now: Timestamp) -> Result<Vec<String>> {
        const WHAT: &str = "cancel emails about settled invoices";
        let settled: Vec<(i64, String)> = {
            let mut statement = self
                .conn()
                .prepare(
                    "SELECT a.id, a.key FROM actions a
                      WHERE a.tenant_id = ?1 AND a.status = 'waiting' AND a.action_kind = 'email'
                        AND NOT EXISTS (
                            SELECT 1 FROM json_each(a.invoices) j
                              JOIN invoices i ON i.tenant_id = a.tenant_id AND i.invoice_id = j.value
                             WHERE i.status = 'AUTHORISED' AND CAST(i.amount_due AS REAL) > 0)",
                )
                .doing(WHAT)?;
            let rows = statement.query_map([tenant.to_string()], |row| Ok((row.get(0)?, row.get(1)?))).doing(WHAT)?;
            rows.collect::<rusqlite::Result<_>>().doing(WHAT)?
        };
        let mut dropped = Vec::with_capacity(settled.len());
        for (id, key) in settled {
            if self.cancel_waiting(id, "its invoices were settled before it was sent", now)? {
                dropped.push(key);
            }
        }
        Ok(dropped)
    }

    pub fn claim(&mut self, action: i64, worker: &str, gone: &[String], now: Timestamp) -> Result<Claim> {
        let claimed = self
            .conn()
            .query_row(
                "UPDATE actions SET status = 'claimed', claimed_by = ?2, claimed_at = ?3, attempts = attempts + 1
                  WHERE id = ?1
                    AND ((status = 'waiting' AND (next_attempt_at IS NULL OR next_attempt_at <= ?3))
                      OR (status IN ('claimed', 'handed')
                          AND (claimed_by IS NULL OR claimed_by IN (SELECT value FROM json_each(?4)))))
                 RETURNING handed_at",
                params![action, worker, format_time(now), gone_list(gone)],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()
            .doing("claim an action")?;
        Ok(match claimed {
            None => Claim::NotYours,
            Some(None) => Claim::Fresh,
            Some(Some(_)) => Claim::MaybeSent,
        })
    }

    pub fn hand(&mut self, action: i64, worker: &str, now: Timestamp) -> Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE actions SET status = 'handed', handed_at = ?3
                  WHERE id = ?1 AND claimed_by = ?2 AND status IN ('claimed', 'handed')",
                params![action, worker, format_time(now)],
            )
            .doing("record an email handed to the mail server")?;
        Ok(changed == 1)
    }

    pub fn set_email(&mut self, action: i64, message_id: &str, email: &str, links: &[NewPageLink]) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("keep a rendered email")?;
        tx.execute(
            "UPDATE actions SET email = ?1, message_id = COALESCE(message_id, ?2) WHERE id = ?3 AND email IS NULL",
            params![email, message_id, action],
        )
        .doing("keep a rendered email")?;
        // The email about to go carries these links, whichever composition the row keeps.
        for link in links {
            insert_page_link(&tx, &NewPageLink { action_id: Some(action), ..link.clone() })?;
        }
        tx.commit().doing("keep a rendered email")?;
        Ok(())
    }

    pub fn settle(
        &mut self,
        action: i64,
        worker: &str,
        status: Status,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool> {
        let tx = self.conn_mut().transaction().doing("start settling an action")?;
        let changed = tx
            .execute(
                "UPDATE actions SET status = ?1, done_at = ?2, last_error = COALESCE(?3, last_error)
                  WHERE id = ?4 AND claimed_by = ?5 AND status IN ('claimed', 'handed')",
                params![status.as_str(), format_time(now), error, action, worker],
            )
            .doing("settle an action")?;
        if changed == 1 {
            after_settling(&tx, action, status, now)?;
        }
        tx.commit().doing("settle an action")?;
        Ok(changed == 1)
    }

    pub fn cancel_waiting(&mut self, action: i64, reason: &str, now: Timestamp) -> Result<bool> {
        let tx = self.conn_mut().transaction().doing("start cancelling an action")?;
        let changed = tx
            .execute(
                "UPDATE actions SET status = 'cancelled', done_at = ?1, last_error = ?2 WHERE id = ?3 AND status = 'waiting'",
                params![format_time(now), reason, action],
            )
            .doing("cancel an action")?;
        if changed == 1 {
            after_settling(&tx, action, Status::Cancelled, now)?;
        }
        tx.commit().doing("cancel an action")?;
        Ok(changed == 1)
    }

    pub fn retry_later(
        &mut self,
        action: i64,
        worker: &str,
        error: &str,
        at: Timestamp,
        maybe_sent: bool,
    ) -> Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE actions SET status = 'waiting', last_error = ?1, next_attempt_at = ?2, claimed_by = NULL,
                        handed_at = CASE WHEN ?5 THEN handed_at END
                  WHERE id = ?3 AND claimed_by = ?4 AND status IN ('claimed', 'handed')",
                params![error, format_time(at), action, worker, maybe_sent],
            )
            .doing("put an action back")?;
        Ok(changed == 1)
    }

    pub fn retry_by_hand(&mut self, action: i64) -> Result<bool> {
        let tx = self.conn_mut().transaction().doing("start putting an action back")?;
        let changed = tx
            .execute(
                "UPDATE actions SET status = 'waiting', attempts = 0, next_attempt_at = NULL, claimed_by = NULL,
                        handed_at = NULL, done_at = NULL
                  WHERE id = ?1 AND status IN ('waiting', 'failed', 'cancelled')
                    AND action_kind IN ('email', 'escalate') AND outcome = 'act'",
                params![action],
            )
            .doing("put an action back")?;
        if changed == 1 {
            tx.execute(
                "UPDATE notes SET status = 'pending', attempts = 0, next_attempt_at = NULL
                  WHERE status = 'cancelled' AND action_key = (SELECT key FROM actions WHERE id = ?1)",
                params![action],
            )
            .doing("queue the notes of an action again")?;
        }
        tx.commit().doing("put an action back")?;
        Ok(changed == 1)
    }

    pub fn invoice_numbers(&self, tenant: Uuid, invoices: &[Uuid]) -> Result<Vec<String>> {
        let mut statement = self
            .conn()
            .prepare_cached("SELECT number FROM invoices WHERE tenant_id = ?1 AND invoice_id = ?2")
            .doing("read invoice numbers")?;
        let mut numbers = Vec::with_capacity(invoices.len());
        for invoice in invoices {
            let number: Option<String> = statement
                .query_row(params![tenant.to_string(), invoice.to_string()], |row| row.get(0))
                .optional()
                .doing("read invoice numbers")?;
            numbers.push(number.unwrap_or_else(|| invoice.to_string()));
        }
        Ok(numbers)
    }

    pub fn action_by_id(&self, action: i64) -> Result<Option<StoredAction>> {
        self.conn()
            .query_row("SELECT * FROM actions WHERE id = ?1", [action], action_from)
            .optional()
            .doing("read an action")
    }

    pub fn outbox(&self, state: Option<Status>, limit: usize) -> Result<Vec<StoredAction>> {
        let mut statement = self
            .conn()
            .prepare(
                "SELECT * FROM actions
                  WHERE outcome = 'act' AND action_kind IN ('email', 'escalate') AND status != 'done'
                    AND (?1 IS NULL OR status = ?1)
                  ORDER BY id DESC LIMIT ?2",
            )
            .doing("list the outbox")?;
        let rows = statement
            .query_map(params![state.map(Status::as_str), limit as i64], action_from)
            .doing("list the outbox")?;
        rows.collect::<rusqlite::Result<_>>().doing("list the outbox")
    }

    pub fn action(&self, key: &str) -> Result<Option<StoredAction>> {
        self.conn()
            .query_row("SELECT * FROM actions WHERE key = ?1", [key], action_from)
            .optional()
            .doing("read an action")
    }

    pub fn actions_about(&self, tenant: Uuid, subjects: &[Uuid]) -> Result<Vec<StoredAction>> {
        let mut found = Vec::new();
        let mut statement = self
            .conn()
            .prepare("SELECT * FROM actions WHERE tenant_id = ?1 AND (subject_id = ?2 OR invoices LIKE ?3) ORDER BY id")
            .doing("read actions")?;
        for subject in subjects {
            let rows = statement
                .query_map(params![tenant.to_string(), subject.to_string(), format!("%{subject}%")], action_from)
                .doing("read actions")?;
            for row in rows {
                let action = row.doing("read actions")?;
                if !found.iter().any(|a: &StoredAction| a.id == action.id) {
                    found.push(action);
                }
            }
        }
        found.sort_by_key(|a| a.id);
        Ok(found)
    }

    pub fn action_counts(&self, tenant: Uuid) -> Result<HashMap<(String, String), u64>> {
        let mut statement = self
            .conn()
            .prepare("SELECT outcome, status, COUNT(*) FROM actions WHERE tenant_id = ?1 GROUP BY outcome, status")
            .doing("count actions")?;
        let rows = statement
            .query_map([tenant.to_string()], |row| Ok(((row.get(0)?, row.get(1)?), row.get::<_, i64>(2)? as u64)))
            .doing("count actions")?;
        rows.collect::<rusqlite::Result<_>>().doing("count actions")
    }
}

/// What settling an action brings: the notes of an action that did not go are cancelled, and an
/// escalation cancelled because its invoices were paid closes its task.
fn after_settling(tx: &rusqlite::Transaction<'_>, action: i64, status: Status, now: Timestamp) -> Result<()> {
    if matches!(status, Status::Cancelled | Status::Failed) {
        tx.execute(
            "UPDATE notes SET status = 'cancelled'
             WHERE status = 'pending' AND action_key = (SELECT key FROM actions WHERE id = ?1)",
            [action],
        )
        .doing("cancel the notes of an undelivered action")?;
    }
    if status == Status::Cancelled {
        tx.execute(
            "UPDATE tasks SET status = 'done', done_at = ?2
             WHERE status = 'open' AND action_key = (SELECT key FROM actions WHERE id = ?1)",
            params![action, format_time(now)],
        )
        .doing("close the task of a cancelled action")?;
    }
    Ok(())
}

/// The number a rule's handled occurrences are kept under, numbering it if it is new.
fn handled_rule_number(tx: &rusqlite::Transaction<'_>, tenant: &str, rule: &str) -> Result<i64> {
    const WHAT: &str = "number a rule";
    let known: Option<i64> = tx
        .query_row(
            "SELECT number FROM handled_rules WHERE tenant_id = ?1 AND rule_id = ?2",
            params![tenant, rule],
            |r| r.get(0),
        )
        .optional()
        .doing(WHAT)?;
    if let Some(number) = known {
        return Ok(number);
    }
    tx.query_row(
        "INSERT INTO handled_rules (tenant_id, rule_id, number)
         SELECT ?1, ?2, COALESCE(MAX(number), 0) + 1 FROM handled_rules WHERE tenant_id = ?1
         RETURNING number",
        params![tenant, rule],
        |r| r.get(0),
    )
    .doing(WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use crate::store::outbox::{NewNote, NewTask};
    use crate::store::tasks::NoteClaim;

    /// A decision about invoice `subject`, as the runtime would hand it over.
    fn row(rule: &str, action: &Action, subject: u128, occurrence: i64) -> NewAction {
        let tenant = Uuid::from_u128(1);
        let subject_id = Uuid::from_u128(subject);
        NewAction {
            key: format!("{tenant}/invoice/{subject_id}/{rule}/{occurrence}"),
            tenant_id: tenant,
            subject_kind: "invoice",
            subject_id,
            rule_id: rule.into(),
            rule_text: "the rule".into(),
            occurrence,
            occurrence_date: "2026-11-25".parse().unwrap(),
            contact_id: Uuid::from_u128(20),
            invoices: vec![subject_id],
            action_kind: match action {
                Action::Email { .. } => "email",
                Action::CallTask { .. } => "call_task",
                Action::Escalate { .. } => "escalate",
                Action::StopChasing => "stop_chasing",
            },
            action: serde_json::to_string(action).unwrap(),
            outcome: "act",
            reason: None,
            status: Status::Waiting,
            task: None,
            notes: Vec::new(),
            message_id: Some("<m@collectiq.invalid>".into()),
            email: None,
            page_links: Vec::new(),
            attachments: Vec::new(),
            error: None,
        }
    }

    fn decision(rule: &str, action: &Action) -> NewAction {
        row(rule, action, 10, 0)
    }

    fn note(kind: &'static str, id: u128) -> NewNote {
        NewNote {
            subject_kind: kind,
            subject_id: Uuid::from_u128(id),
            details: "CollectIQ did something ref 000001".into(),
            reference: "000001".into(),
        }
    }

    fn waiting(decision: &NewAction, notes: Vec<NewNote>) -> NewAction {
        NewAction { notes, ..decision.clone() }
    }

    const ME: &str = "me";
    const NONE_GONE: &[String] = &[];

    fn decider() -> Decider {
        Decider { strategy: "S".into(), plan_version: 1, plan_fingerprint: "abc".into() }
    }

    fn now() -> Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_decision_is_recorded_once_however_many_runs_make_it() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let email = decision("r1", &template);
        let new = waiting(&email, vec![note("invoice", 10)]);
        assert_eq!(store.record_decisions(std::slice::from_ref(&new), &decider(), now()).unwrap().len(), 1);
        assert!(store.record_decisions(&[new], &decider(), now()).unwrap().is_empty());
        assert_eq!(store.deliverable(now(), NONE_GONE, 10).unwrap().len(), 1);
        let state = store.memory(Uuid::from_u128(1)).unwrap();
        assert_eq!(state.handled_up_to(Uuid::from_u128(10), "r1"), Some(0));
        assert!(state.last_emailed.contains_key(&Uuid::from_u128(20)));
    }

    /// (subject, rule, latest occurrence) as the outbox itself says: what `handled` must agree with.
    fn from_the_outbox(store: &Database) -> Vec<(String, String, i64)> {
        let mut statement = store
            .conn()
            .prepare(
                "SELECT subject_id, rule_id, MAX(occurrence) FROM actions GROUP BY subject_id, rule_id ORDER BY 1, 2",
            )
            .unwrap();
        statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
    }

    fn from_the_state(store: &Database, subjects: &[Uuid], rules: &[&str]) -> Vec<(String, String, i64)> {
        let state = store.memory(Uuid::from_u128(1)).unwrap();
        let mut found = Vec::new();
        for subject in subjects {
            for rule in rules {
                if let Some(occurrence) = state.handled_up_to(*subject, rule) {
                    found.push((subject.to_string(), rule.to_string(), occurrence));
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn handled_occurrences_agree_with_the_outbox_and_the_migration_rebuilds_them() {
        let mut store = Database::open_in_memory().unwrap();
        let subjects: Vec<Uuid> = (10..14u128).map(Uuid::from_u128).collect();
        let rules = ["r1", "r2", "every-7d"];
        let mut decisions = Vec::new();
        // Occurrences out of order, repeated, for several subjects and rules.
        for (n, occurrence) in [3i64, 1, 4, 1, 5, 0, 2, 6, 5, 3, 5, 8, 1, 9, 0, 7].iter().enumerate() {
            decisions.push(row(rules[n % 3], &Action::StopChasing, 10 + (n % 4) as u128, *occurrence));
        }
        for d in &decisions {
            let new = NewAction { status: Status::Recorded, ..waiting(d, Vec::new()) };
            store.record_decisions(&[new], &decider(), now()).unwrap();
        }
        let expected = from_the_outbox(&store);
        assert_eq!(expected.len(), 12, "four subject and rule pairs decided twice, lower occurrence last");
        assert_eq!(from_the_state(&store, &subjects, &rules), expected);
        // A database from before the table existed gets it from its outbox.
        store.conn().execute_batch("DELETE FROM handled; DELETE FROM handled_rules;").unwrap();
        let rebuild = super::super::schema::MIGRATIONS[3].split("WITHOUT ROWID;").last().unwrap();
        store.conn().execute_batch(rebuild).unwrap();
        assert_eq!(from_the_state(&store, &subjects, &rules), expected);
    }

    #[test]
    fn notes_wait_for_their_action_and_go_with_it_when_it_is_dropped() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let email = decision("r1", &template);
        let new = waiting(&email, vec![note("invoice", 10)]);
        store.record_decisions(&[new], &decider(), now()).unwrap();
        assert!(store.pending_notes(now(), NONE_GONE, 10).unwrap().is_empty(), "not before the email has gone");
        let action = store.deliverable(now(), NONE_GONE, 10).unwrap().remove(0);
        assert_eq!(store.claim(action.id, ME, NONE_GONE, now()).unwrap(), Claim::Fresh);
        assert!(store.settle(action.id, ME, Status::Cancelled, Some("paid"), now()).unwrap());
        assert!(store.pending_notes(now(), NONE_GONE, 10).unwrap().is_empty());
        assert!(store.deliverable(now(), NONE_GONE, 10).unwrap().is_empty());
    }

    #[test]
    fn an_escalation_dropped_because_it_was_paid_closes_its_task() {
        let mut store = Database::open_in_memory().unwrap();
        let escalate = Action::Escalate { to: "Dana".into() };
        let escalation = decision("r2", &escalate);
        let task = NewTask { kind: "escalation", assignee: "Dana".into(), summary: "Escalated".into() };
        let new = NewAction { task: Some(task), ..waiting(&escalation, Vec::new()) };
        store.record_decisions(&[new], &decider(), now()).unwrap();
        assert!(store.memory(Uuid::from_u128(1)).unwrap().escalated.contains(&Uuid::from_u128(20)));
        let action = store.deliverable(now(), NONE_GONE, 10).unwrap().remove(0);
        store.claim(action.id, ME, NONE_GONE, now()).unwrap();
        store.settle(action.id, ME, Status::Cancelled, Some("paid"), now()).unwrap();
        assert!(store.tasks(false).unwrap().is_empty(), "no open task is left behind");
        assert!(!store.memory(Uuid::from_u128(1)).unwrap().escalated.contains(&Uuid::from_u128(20)));
    }

    #[test]
    fn a_run_s_decisions_are_recorded_together_or_not_at_all() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let (first, second) = (row("r1", &template, 10, 0), row("r1", &template, 11, 0));
        // The second decision's note is refused, as a full disk or a lost connection would.
        store
            .conn()
            .execute_batch(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON notes WHEN NEW.subject_id = '{}'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
                second.subject_id
            ))
            .unwrap();
        let notes =
            |new: &NewAction| NewAction { notes: vec![note("invoice", new.subject_id.as_u128())], ..new.clone() };
        assert!(store.record_decisions(&[notes(&first), notes(&second)], &decider(), now()).is_err());
        assert!(store.action(&first.key).unwrap().is_none(), "nothing of the run is half-recorded");
        assert!(store.memory(Uuid::from_u128(1)).unwrap().handled_up_to(first.subject_id, "r1").is_none());
        store.conn().execute_batch("DROP TRIGGER refuse").unwrap();
        assert_eq!(store.record_decisions(&[notes(&first), notes(&second)], &decider(), now()).unwrap().len(), 2);
    }

    #[test]
    fn a_claim_is_had_by_one_worker_and_taken_over_only_from_one_that_is_gone() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let email = decision("r1", &template);
        store.record_decisions(&[waiting(&email, vec![note("invoice", 10)])], &decider(), now()).unwrap();
        let id = store.action(&email.key).unwrap().unwrap().id;
        assert_eq!(store.action_by_id(id).unwrap().unwrap().message_id.as_deref(), Some("<m@collectiq.invalid>"));
        assert_eq!(store.claim(id, "a", NONE_GONE, now()).unwrap(), Claim::Fresh);
        // Another worker finds it claimed by a live one: nothing to do, whatever it tries.
        assert_eq!(store.claim(id, "b", NONE_GONE, now()).unwrap(), Claim::NotYours);
        assert!(!store.hand(id, "b", now()).unwrap());
        assert!(!store.settle(id, "b", Status::Sent, None, now()).unwrap());
        assert!(store.deliverable(now(), NONE_GONE, 10).unwrap().is_empty());
        assert!(store.hand(id, "a", now()).unwrap());
        // "a" dies after handing it to the mail server: "b" takes it over and knows it may repeat.
        let gone = vec!["a".to_string()];
        assert_eq!(store.deliverable(now(), &gone, 10).unwrap().len(), 1);
        assert_eq!(store.claim(id, "b", &gone, now()).unwrap(), Claim::MaybeSent);
        assert!(!store.settle(id, "a", Status::Sent, None, now()).unwrap(), "the dead worker's word no longer counts");
        assert!(store.hand(id, "b", now()).unwrap());
        assert!(store.settle(id, "b", Status::Sent, None, now()).unwrap());
        assert_eq!(store.action_by_id(id).unwrap().unwrap().status, Status::Sent);
        assert_eq!(store.claim(id, "c", &gone, now()).unwrap(), Claim::NotYours, "sent is final");
        // Its note is now to be written, by one worker at a time.
        let note = store.pending_notes(now(), NONE_GONE, 10).unwrap().remove(0);
        assert_eq!(store.claim_note(note.id, "b", NONE_GONE, now()).unwrap(), NoteClaim::Write);
        assert_eq!(store.claim_note(note.id, "c", NONE_GONE, now()).unwrap(), NoteClaim::NotYours);
        // "b" dies mid-write: the note may be in Xero, so "c" looks before writing.
        let gone = vec!["b".to_string()];
        assert_eq!(store.claim_note(note.id, "c", &gone, now()).unwrap(), NoteClaim::LookFirst);
        store.note_written(note.id, "c", now()).unwrap();
        assert!(store.pending_notes(now(), &gone, 10).unwrap().is_empty());
    }

    #[test]
    fn a_retry_waits_for_its_time_and_a_lost_answer_is_remembered() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let email = decision("r1", &template);
        store.record_decisions(&[waiting(&email, vec![note("invoice", 10)])], &decider(), now()).unwrap();
        let id = store.deliverable(now(), NONE_GONE, 10).unwrap()[0].id;
        store.claim(id, ME, NONE_GONE, now()).unwrap();
        let in_a_minute = now() + jiff::SignedDuration::from_mins(1);
        assert!(store.retry_later(id, ME, "421 try later", in_a_minute, false).unwrap());
        assert!(store.deliverable(now(), NONE_GONE, 10).unwrap().is_empty());
        assert_eq!(store.claim(id, ME, NONE_GONE, now()).unwrap(), Claim::NotYours, "not before its time");
        assert_eq!(store.claim(id, ME, NONE_GONE, in_a_minute).unwrap(), Claim::Fresh);
        store.settle(id, ME, Status::Sent, None, in_a_minute).unwrap();
        let note = store.pending_notes(in_a_minute, NONE_GONE, 10).unwrap().remove(0);
        store.claim_note(note.id, ME, NONE_GONE, in_a_minute).unwrap();
        store.note_failed(note.id, ME, "500 from Xero", Some(in_a_minute), true).unwrap();
        assert_eq!(store.claim_note(note.id, ME, NONE_GONE, in_a_minute).unwrap(), NoteClaim::LookFirst);
    }

    #[test]
    fn cancelling_and_retrying_by_hand() {
        let mut store = Database::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        let email = decision("r1", &template);
        store.record_decisions(&[waiting(&email, vec![note("invoice", 10)])], &decider(), now()).unwrap();
        let id = store.deliverable(now(), NONE_GONE, 10).unwrap()[0].id;
        assert!(store.cancel_waiting(id, "cancelled by hand", now()).unwrap());
        assert!(!store.cancel_waiting(id, "again", now()).unwrap());
        assert_eq!(store.outbox(Some(Status::Cancelled), 10).unwrap().len(), 1);
        assert!(store.retry_by_hand(id).unwrap());
        let again = store.action_by_id(id).unwrap().unwrap();
        assert_eq!((again.status, again.attempts), (Status::Waiting, 0));
        store.claim(id, ME, NONE_GONE, now()).unwrap();
        assert!(!store.retry_by_hand(id).unwrap(), "not while a process holds it");
    }

    #[test]
    fn two_processes_racing_for_the_same_actions_never_both_get_one() {
        // Two connections to one file, as two processes would have, with no run lock between
        // them: the claim alone decides.
        let dir = std::env::temp_dir().join(format!("collectiq-claims-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("c.db");
        let template = Action::Email { template: "t".into(), copy: Vec::new(), attach: Vec::new() };
        {
            let mut store = Database::open(&path).unwrap();
            let decisions: Vec<NewAction> = (0..200).map(|n| row("r1", &template, 1000 + n, 0)).collect();
            let new: Vec<NewAction> = decisions.iter().map(|d| waiting(d, Vec::new())).collect();
            store.record_decisions(&new, &decider(), now()).unwrap();
        }
        let racers: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|worker| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut store = Database::open(&path).unwrap();
                    let mut mine = Vec::new();
                    for action in store.deliverable(now(), NONE_GONE, 1000).unwrap() {
                        if store.claim(action.id, worker, NONE_GONE, now()).unwrap() == Claim::Fresh {
                            assert!(store.hand(action.id, worker, now()).unwrap());
                            assert!(store.settle(action.id, worker, Status::Sent, None, now()).unwrap());
                            mine.push(action.id);
                        }
                    }
                    mine
                })
            })
            .collect();
        let mut claimed: Vec<i64> = racers.into_iter().flat_map(|racer| racer.join().unwrap()).collect();
        let total = claimed.len();
        claimed.sort();
        claimed.dedup();
        assert_eq!((total, claimed.len()), (200, 200), "every action delivered by exactly one worker");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
