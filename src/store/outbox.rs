//! The outbox: every decided action, stored with its idempotency key in the transaction that
//! decides it, with the tasks and history notes it brings; and delivery's progress through it.
//! An action's key is unique, so an occurrence can be decided only once, whatever runs at once.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::codec::{format_time, id, instant, optional_instant};
use super::{Doing, Result, Store, StoreError};
use crate::runtime::decision::{Decision, Outcome, Subject};
use crate::runtime::state::RuntimeState;

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Recorded without anything to deliver (skipped, superseded, combined).
    Recorded,
    /// To deliver.
    Pending,
    /// Being delivered (if a run stops here, the next one delivers it again).
    Sending,
    Done,
    /// Not delivered, for good (a permanent refusal), or dropped before sending (paid since).
    Failed,
    Dropped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Recorded => "recorded",
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Dropped => "dropped",
        }
    }

    fn parse(text: &str) -> Status {
        match text {
            "pending" => Status::Pending,
            "sending" => Status::Sending,
            "done" => Status::Done,
            "failed" => Status::Failed,
            "dropped" => Status::Dropped,
            _ => Status::Recorded,
        }
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
}

/// A decision as the outbox records it.
#[derive(Clone, Debug)]
pub struct NewAction<'a> {
    pub decision: &'a Decision<'a>,
    pub status: Status,
    pub task: Option<NewTask>,
    pub notes: Vec<NewNote>,
}

/// Which strategy decided.
#[derive(Clone, Debug)]
pub struct Decider<'a> {
    pub strategy: &'a str,
    pub plan_version: u32,
    /// [`crate::plan::Plan::fingerprint`]: which revision of the strategy decided.
    pub plan_fingerprint: &'a str,
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
    /// The email as rendered for sending, once it has been.
    pub email: Option<String>,
    pub strategy: String,
    pub decided_at: Timestamp,
    pub attempts: u32,
    pub done_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

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
        status: Status::parse(&status),
        email: row.get("email")?,
        strategy: row.get("strategy")?,
        decided_at: instant(row, "decided_at")?,
        attempts: row.get("attempts")?,
        done_at: optional_instant(row, "done_at")?,
        last_error: row.get("last_error")?,
    })
}

/// The kind of a plan action, as stored for queries.
pub fn action_kind(action: &crate::plan::Action) -> &'static str {
    match action {
        crate::plan::Action::Email { .. } => "email",
        crate::plan::Action::CallTask { .. } => "call_task",
        crate::plan::Action::Escalate { .. } => "escalate",
        crate::plan::Action::StopChasing => "stop_chasing",
    }
}

fn outcome_parts(outcome: &Outcome) -> (&'static str, Option<String>) {
    match outcome {
        Outcome::Act => ("act", None),
        Outcome::Skipped(skip) => ("skipped", Some(skip.to_string())),
        Outcome::Superseded { by } => ("superseded", Some(format!("superseded by {by}"))),
        Outcome::Combined { into } => ("combined", Some(format!("sent within {into}"))),
    }
}

impl Store {
    /// Records decisions, their tasks and notes, in one transaction. A decision whose key is
    /// already recorded (another run decided it) is left as it was. Gives the keys newly recorded.
    pub fn record_decisions(
        &mut self,
        actions: &[NewAction<'_>],
        decider: &Decider<'_>,
        now: Timestamp,
    ) -> Result<Vec<String>> {
        let tx = self.conn_mut().transaction().doing("start recording decisions")?;
        let mut recorded = Vec::new();
        let mut rule_numbers: HashMap<(Uuid, &str), i64> = HashMap::new();
        for new in actions {
            let decision = new.decision;
            let key = decision.key.to_string();
            let (subject_kind, subject_id) = match decision.key.subject {
                Subject::Invoice(id) => ("invoice", id),
                Subject::Account(id) => ("account", id),
            };
            let (outcome, reason) = outcome_parts(&decision.outcome);
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO actions (key, tenant_id, subject_kind, subject_id, rule_id, occurrence,
                         occurrence_date, contact_id, invoices, action_kind, action, rule_text, outcome, reason, status,
                         strategy, plan_version, decided_at, next_attempt_at, plan_fingerprint)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        key,
                        decision.key.tenant.to_string(),
                        subject_kind,
                        subject_id.to_string(),
                        decision.key.rule,
                        decision.key.occurrence,
                        decision.occurrence_date.to_string(),
                        decision.contact_id.to_string(),
                        serde_json::to_string(&decision.invoices).unwrap_or_default(),
                        action_kind(decision.action),
                        serde_json::to_string(&decision.action).unwrap_or_default(),
                        decision.rule_text,
                        outcome,
                        reason,
                        new.status.as_str(),
                        decider.strategy,
                        decider.plan_version,
                        format_time(now),
                        decider.plan_fingerprint
                    ])
                })
                .doing("record a decision")?;
            if inserted == 0 {
                continue;
            }
            let tenant_text = decision.key.tenant.to_string();
            let number = match rule_numbers.get(&(decision.key.tenant, decision.key.rule)) {
                Some(&number) => number,
                None => {
                    let number = handled_rule_number(&tx, &tenant_text, decision.key.rule)?;
                    rule_numbers.insert((decision.key.tenant, decision.key.rule), number);
                    number
                }
            };
            tx.prepare_cached(
                "INSERT INTO handled (tenant_id, subject, rule, occurrence) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, subject, rule) DO UPDATE SET occurrence = max(occurrence, excluded.occurrence)",
            )
            .and_then(|mut s| {
                s.execute(params![tenant_text, subject_id.as_bytes().as_slice(), number, decision.key.occurrence])
            })
            .doing("remember a handled occurrence")?;
            if let Some(task) = &new.task {
                tx.execute(
                    "INSERT OR IGNORE INTO tasks (action_key, tenant_id, contact_id, kind, assignee, invoices, summary, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        key,
                        decision.key.tenant.to_string(),
                        decision.contact_id.to_string(),
                        task.kind,
                        task.assignee,
                        serde_json::to_string(&decision.invoices).unwrap_or_default(),
                        task.summary,
                        format_time(now)
                    ],
                )
                .doing("create a task")?;
            }
            for note in &new.notes {
                tx.execute(
                    "INSERT OR IGNORE INTO notes (action_key, tenant_id, subject_kind, subject_id, details, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        key,
                        decision.key.tenant.to_string(),
                        note.subject_kind,
                        note.subject_id.to_string(),
                        note.details,
                        format_time(now)
                    ],
                )
                .doing("queue a history note")?;
            }
            recorded.push(key);
        }
        tx.commit().doing("record decisions")?;
        Ok(recorded)
    }

    /// What CollectIQ remembers for an organisation, for evaluation.
    pub fn runtime_state(&self, tenant: Uuid) -> Result<RuntimeState> {
        let tenant_text = tenant.to_string();
        let mut state = RuntimeState::default();
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
                let subject = Uuid::from_slice(subject).map_err(|_| StoreError {
                    doing: WHAT.into(),
                    reason: format!("a handled subject is {} bytes, not an id's 16", subject.len()),
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
                   AND action_kind = 'email' AND status NOT IN ('dropped', 'failed') GROUP BY contact_id",
            )
            .doing("read when customers were emailed")?;
        let rows = emailed
            .query_map([&tenant_text], |row| Ok((id(row, "contact_id")?, row.get::<_, String>(1)?)))
            .doing("read when customers were emailed")?;
        for row in rows {
            let (contact, at) = row.doing("read when customers were emailed")?;
            if let Some(at) = super::parse_time(&at) {
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
        Ok(state)
    }

    /// Actions to deliver now (pending and due, or interrupted mid-delivery), oldest first.
    pub fn deliverable(&self, now: Timestamp, limit: usize) -> Result<Vec<StoredAction>> {
        let mut statement = self
            .conn()
            .prepare(
                "SELECT * FROM actions WHERE status = 'sending'
                    OR (status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))
                 ORDER BY id LIMIT ?2",
            )
            .doing("read actions to deliver")?;
        let rows = statement
            .query_map(params![format_time(now), limit as i64], action_from)
            .doing("read actions to deliver")?;
        rows.collect::<rusqlite::Result<_>>().doing("read actions to deliver")
    }

    /// How many of the organisation's actions wait to be delivered.
    pub fn queue_depth(&self, tenant: Uuid) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM actions WHERE tenant_id = ?1 AND status IN ('pending', 'sending')",
                [tenant.to_string()],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .doing("count actions to deliver")
    }

    /// Drops the organisation's emails waiting to be delivered whose invoices are all settled
    /// now (paid, voided or credited since they were decided, as a webhook or a sync has just
    /// told), cancelling their notes as delivery would. Gives their keys.
    pub fn drop_settled(&mut self, tenant: Uuid, now: Timestamp) -> Result<Vec<String>> {
        const WHAT: &str = "drop emails about settled invoices";
        let settled: Vec<(i64, String)> = {
            let mut statement = self
                .conn()
                .prepare(
                    "SELECT a.id, a.key FROM actions a
                      WHERE a.tenant_id = ?1 AND a.status = 'pending' AND a.action_kind = 'email'
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
            self.finish(id, Status::Dropped, Some("its invoices were settled before it was sent"), now)?;
            dropped.push(key);
        }
        Ok(dropped)
    }

    /// Marks an action as being delivered, counting the attempt. False when it is no longer to be
    /// delivered (done, dropped or failed since it was read). An action left `sending` by a run
    /// that died is claimed again: only one run works on a database at a time (the run lock), so
    /// `sending` can only mean "interrupted".
    pub fn claim(&mut self, action: i64) -> Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE actions SET status = 'sending', attempts = attempts + 1 WHERE id = ?1 AND status IN ('pending', 'sending')",
                [action],
            )
            .doing("claim an action")?;
        Ok(changed == 1)
    }

    /// Keeps the email as it will be sent, so that a retry sends the very same message.
    pub fn set_email(&mut self, action: i64, email: &str) -> Result<()> {
        self.conn()
            .execute("UPDATE actions SET email = ?1 WHERE id = ?2 AND email IS NULL", params![email, action])
            .doing("keep a rendered email")?;
        Ok(())
    }

    /// Settles an action. The history notes of one that was never delivered are cancelled with it:
    /// Xero must not be told of an email that did not go. An escalation dropped because its
    /// invoices were paid first closes its task, so that it no longer holds emails back.
    pub fn finish(&mut self, action: i64, status: Status, error: Option<&str>, now: Timestamp) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start finishing an action")?;
        tx.execute(
            "UPDATE actions SET status = ?1, done_at = ?2, last_error = COALESCE(?3, last_error) WHERE id = ?4",
            params![status.as_str(), format_time(now), error, action],
        )
        .doing("finish an action")?;
        if matches!(status, Status::Dropped | Status::Failed) {
            tx.execute(
                "UPDATE notes SET status = 'cancelled'
                 WHERE status = 'pending' AND action_key = (SELECT key FROM actions WHERE id = ?1)",
                [action],
            )
            .doing("cancel the notes of an undelivered action")?;
        }
        if status == Status::Dropped {
            tx.execute(
                "UPDATE tasks SET status = 'done', done_at = ?2
                 WHERE status = 'open' AND action_key = (SELECT key FROM actions WHERE id = ?1)",
                params![action, format_time(now)],
            )
            .doing("close the task of a dropped action")?;
        }
        tx.commit().doing("finish an action")?;
        Ok(())
    }

    /// Puts an action back to be tried again later.
    pub fn retry_later(&mut self, action: i64, error: &str, at: Timestamp) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE actions SET status = 'pending', last_error = ?1, next_attempt_at = ?2 WHERE id = ?3",
                params![error, format_time(at), action],
            )
            .doing("put an action back")?;
        Ok(())
    }

    pub fn action(&self, key: &str) -> Result<Option<StoredAction>> {
        self.conn()
            .query_row("SELECT * FROM actions WHERE key = ?1", [key], action_from)
            .optional()
            .doing("read an action")
    }

    /// Every action about these subjects (invoices or customers), oldest first.
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

    /// How many actions of each outcome and status an organisation has, for summaries.
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
    use crate::runtime::decision::ActionKey;

    fn decision<'a>(rule: &'a str, action: &'a Action) -> Decision<'a> {
        Decision {
            key: ActionKey {
                tenant: Uuid::from_u128(1),
                subject: Subject::Invoice(Uuid::from_u128(10)),
                rule,
                occurrence: 0,
            },
            contact_id: Uuid::from_u128(20),
            invoices: smallvec::smallvec![Uuid::from_u128(10)],
            rule_text: "the rule",
            action,
            occurrence_date: "2026-11-25".parse().unwrap(),
            outcome: Outcome::Act,
        }
    }

    fn note(kind: &'static str, id: u128) -> NewNote {
        NewNote { subject_kind: kind, subject_id: Uuid::from_u128(id), details: "CollectIQ did something".into() }
    }

    const DECIDER: Decider<'static> = Decider { strategy: "S", plan_version: 1, plan_fingerprint: "abc" };

    fn now() -> Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_decision_is_recorded_once_however_many_runs_make_it() {
        let mut store = Store::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new() };
        let email = decision("r1", &template);
        let new = NewAction { decision: &email, status: Status::Pending, task: None, notes: vec![note("invoice", 10)] };
        assert_eq!(store.record_decisions(std::slice::from_ref(&new), &DECIDER, now()).unwrap().len(), 1);
        assert!(store.record_decisions(&[new], &DECIDER, now()).unwrap().is_empty());
        assert_eq!(store.deliverable(now(), 10).unwrap().len(), 1);
        let state = store.runtime_state(Uuid::from_u128(1)).unwrap();
        assert_eq!(state.handled_up_to(Uuid::from_u128(10), "r1"), Some(0));
        assert!(state.last_emailed.contains_key(&Uuid::from_u128(20)));
    }

    /// (subject, rule, latest occurrence) as the outbox itself says: what `handled` must agree with.
    fn from_the_outbox(store: &Store) -> Vec<(String, String, i64)> {
        let mut statement = store
            .conn()
            .prepare(
                "SELECT subject_id, rule_id, MAX(occurrence) FROM actions GROUP BY subject_id, rule_id ORDER BY 1, 2",
            )
            .unwrap();
        statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
    }

    fn from_the_state(store: &Store, subjects: &[Uuid], rules: &[&str]) -> Vec<(String, String, i64)> {
        let state = store.runtime_state(Uuid::from_u128(1)).unwrap();
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
        let mut store = Store::open_in_memory().unwrap();
        let subjects: Vec<Uuid> = (10..14u128).map(Uuid::from_u128).collect();
        let rules = ["r1", "r2", "every-7d"];
        let mut decisions = Vec::new();
        // Occurrences out of order, repeated, for several subjects and rules.
        for (n, occurrence) in [3i64, 1, 4, 1, 5, 0, 2, 6, 5, 3, 5, 8, 1, 9, 0, 7].iter().enumerate() {
            let mut d = decision(rules[n % 3], &Action::StopChasing);
            d.key.subject = Subject::Invoice(subjects[n % 4]);
            d.key.occurrence = *occurrence;
            decisions.push(d);
        }
        for d in &decisions {
            let new = NewAction { decision: d, status: Status::Recorded, task: None, notes: Vec::new() };
            store.record_decisions(&[new], &DECIDER, now()).unwrap();
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
        let mut store = Store::open_in_memory().unwrap();
        let template = Action::Email { template: "t".into(), copy: Vec::new() };
        let email = decision("r1", &template);
        let new = NewAction { decision: &email, status: Status::Pending, task: None, notes: vec![note("invoice", 10)] };
        store.record_decisions(&[new], &DECIDER, now()).unwrap();
        assert!(store.pending_notes(now(), 10).unwrap().is_empty(), "not before the email has gone");
        let action = store.deliverable(now(), 10).unwrap().remove(0);
        assert!(store.claim(action.id).unwrap());
        store.finish(action.id, Status::Dropped, Some("paid"), now()).unwrap();
        assert!(store.pending_notes(now(), 10).unwrap().is_empty());
        assert!(store.deliverable(now(), 10).unwrap().is_empty());
    }

    #[test]
    fn an_escalation_dropped_because_it_was_paid_closes_its_task() {
        let mut store = Store::open_in_memory().unwrap();
        let escalate = Action::Escalate { to: "Dana".into() };
        let escalation = decision("r2", &escalate);
        let task = NewTask { kind: "escalation", assignee: "Dana".into(), summary: "Escalated".into() };
        let new = NewAction { decision: &escalation, status: Status::Pending, task: Some(task), notes: Vec::new() };
        store.record_decisions(&[new], &DECIDER, now()).unwrap();
        assert!(store.runtime_state(Uuid::from_u128(1)).unwrap().escalated.contains(&Uuid::from_u128(20)));
        let action = store.deliverable(now(), 10).unwrap().remove(0);
        store.claim(action.id).unwrap();
        store.finish(action.id, Status::Dropped, Some("paid"), now()).unwrap();
        assert!(store.tasks(false).unwrap().is_empty(), "no open task is left behind");
        assert!(!store.runtime_state(Uuid::from_u128(1)).unwrap().escalated.contains(&Uuid::from_u128(20)));
    }
}
