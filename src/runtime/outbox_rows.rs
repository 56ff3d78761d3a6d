//! What recording a decision brings with it: the task a call or an escalation creates, and the
//! history notes (at most 250 characters, naming the rule and the plan) that go to Xero for every
//! email, call and escalation, on the invoices and on the contact (or on one of them, as
//! `[xero] notes` says) — unless the strategy says "Don't log to Xero".

use uuid::Uuid;

use crate::config::NotePlaces;
use crate::decide::books::{Books, Customer};
use crate::decide::decision::{Decision, Outcome, Subject};
use crate::ledger::money::group_thousands;
use crate::plan::{Action, Plan};
use crate::store::outbox::{NewAction, NewNote, NewTask, Status};

/// Xero takes longer notes; 250 characters is what is safe everywhere.
pub const LONGEST_NOTE: usize = 250;

/// Cuts text to at most `most` characters, on a character boundary, marking the cut.
fn shortened(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_string();
    }
    let cut: String = text.chars().take(most.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The short reference a note ends with (`ref 3f9a2c`), derived from its action's key: stable,
/// so that a note whose write had no certain answer is recognised in the record's History.
pub fn note_reference(key: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes()).iter().take(3).map(|b| format!("{b:02x}")).collect()
}

/// A note of at most 250 characters, in the order that matters when room runs out: the
/// invoice number(s) first, then what was done, then the reference, which always stays. The
/// signature (the rule, the strategy and its plan) is shortened, then dropped, before what was
/// done is cut.
pub fn note_text(about: &str, what: &str, rule: &str, plan: &Plan, fingerprint: &str, reference: &str) -> String {
    let about = shortened(about, 120);
    let tail = format!(" ref {reference}");
    let signatures = [
        format!(" (rule {rule}; \"{}\" plan v{} #{fingerprint}).", plan.strategy, plan.plan_version),
        format!(
            " (rule {}; \"{}\" plan v{} #{}).",
            shortened(rule, 60),
            shortened(&plan.strategy, 30),
            plan.plan_version,
            shortened(fingerprint, 12)
        ),
        format!(" (plan v{} #{}).", plan.plan_version, shortened(fingerprint, 12)),
        ".".to_string(),
    ];
    let head = format!("{about}: {what}");
    for signature in &signatures {
        let note = format!("{head}{signature}{tail}");
        if note.chars().count() <= LONGEST_NOTE {
            return note;
        }
    }
    let room = LONGEST_NOTE.saturating_sub(about.chars().count() + 2 + 1 + tail.chars().count());
    format!("{about}: {}.{tail}", shortened(what, room))
}

fn numbers(customer: Option<&Customer>, invoices: &[Uuid]) -> String {
    let numbers: Vec<&str> = invoices
        .iter()
        .filter_map(|id| customer.and_then(|c| c.open.iter().find(|i| i.invoice_id == *id)))
        .map(|i| i.number.as_str())
        .collect();
    match numbers.len() {
        0 => "Account".to_string(),
        1..=4 => numbers.join(", "),
        n => format!("{} and {} more", numbers[..3].join(", "), n - 3),
    }
}

fn owed(customer: Option<&Customer>, invoices: &[Uuid], base: &str) -> String {
    let total = invoices
        .iter()
        .filter_map(|id| customer.and_then(|c| c.open.iter().find(|i| i.invoice_id == *id)))
        .fold(rust_decimal::Decimal::ZERO, |sum, invoice| sum + invoice.amount_due_in_base());
    format!("{base} {}", group_thousands(total))
}

/// The decisions to record, each with its status, task and notes (placed as `places` says).
pub fn prepare<'d>(plan: &Plan, books: &Books, decisions: &'d [Decision], places: NotePlaces) -> Vec<Prepared<'d>> {
    let fingerprint = plan.fingerprint();
    decisions.iter().map(|decision| prepare_one(plan, &fingerprint, books, decision, places)).collect()
}

fn prepare_one<'d>(
    plan: &Plan,
    fingerprint: &str,
    books: &Books,
    decision: &'d Decision,
    places: NotePlaces,
) -> Prepared<'d> {
    if decision.outcome != Outcome::Act {
        return Prepared { decision, row: row(decision, Status::Recorded, None, Vec::new()) };
    }
    let customer = books.customer(decision.contact_id);
    let name = customer.map_or("the customer", |c| c.contact.name.as_str());
    let about = numbers(customer, &decision.invoices);
    let (status, task, what) = match &decision.action {
        Action::Email { template, .. } => {
            let to = customer.map(|c| c.recipients().join(", ")).unwrap_or_default();
            (Status::Waiting, None, Some(format!("CollectIQ emailed \"{template}\" to {to}")))
        }
        Action::CallTask { assignee } => {
            let summary = format!(
                "Call {name} about {about} ({} due)",
                owed(customer, &decision.invoices, &books.organisation.base_currency)
            );
            let task = NewTask { kind: "call", assignee: assignee.clone(), summary };
            (Status::Done, Some(task), Some(format!("CollectIQ asked {assignee} to call")))
        }
        Action::Escalate { to } => {
            let summary = format!(
                "Escalated: {name} owes {} on {about}; automatic emails are paused until this task is done",
                owed(customer, &decision.invoices, &books.organisation.base_currency)
            );
            let task = NewTask { kind: "escalation", assignee: to.clone(), summary };
            // The person is emailed when their address is known; that is delivered like any email.
            let status = if plan.settings.people.contains_key(to) { Status::Waiting } else { Status::Done };
            (status, Some(task), Some(format!("CollectIQ escalated to {to}")))
        }
        Action::StopChasing => (Status::Done, None, None),
    };
    let mut notes = Vec::new();
    if plan.settings.write_back
        && let Some(what) = what
    {
        let reference = note_reference(&decision.key.to_string());
        let details = note_text(&about, &what, decision.key.rule, plan, fingerprint, &reference);
        // An account-wide action (a statement) has no invoice to note it on: the contact has it.
        let on_invoices = places.on_invoices() && !decision.invoices.is_empty();
        if on_invoices {
            for invoice in &decision.invoices {
                notes.push(NewNote {
                    subject_kind: "invoice",
                    subject_id: *invoice,
                    details: details.clone(),
                    reference: reference.clone(),
                });
            }
        }
        if places.on_contact() || !on_invoices {
            notes.push(NewNote { subject_kind: "contact", subject_id: decision.contact_id, details, reference });
        }
    }
    Prepared { decision, row: row(decision, status, task, notes) }
}

/// A decision and the row the outbox records it as.
pub struct Prepared<'d> {
    pub decision: &'d Decision<'d>,
    pub row: NewAction,
}

/// A decision as plain values, with what it brings.
fn row(decision: &Decision, status: Status, task: Option<NewTask>, notes: Vec<NewNote>) -> NewAction {
    let (subject_kind, subject_id) = match decision.key.subject {
        Subject::Invoice(id) => ("invoice", id),
        Subject::Account(id) => ("account", id),
    };
    let (outcome, reason) = outcome_parts(&decision.outcome);
    NewAction {
        key: decision.key.to_string(),
        tenant_id: decision.key.tenant,
        subject_kind,
        subject_id,
        rule_id: decision.key.rule.to_string(),
        rule_text: decision.rule_text.to_string(),
        occurrence: decision.key.occurrence,
        occurrence_date: decision.occurrence_date,
        contact_id: decision.contact_id,
        invoices: decision.invoices.to_vec(),
        action_kind: action_kind(decision.action),
        action: serde_json::to_string(decision.action).unwrap_or_default(),
        outcome,
        reason,
        status,
        task,
        notes,
        message_id: None,
        email: None,
        page_links: Vec::new(),
        attachments: Vec::new(),
        error: None,
    }
}

/// The kind of a plan action, as stored for queries.
pub fn action_kind(action: &Action) -> &'static str {
    match action {
        Action::Email { .. } => "email",
        Action::CallTask { .. } => "call_task",
        Action::Escalate { .. } => "escalate",
        Action::StopChasing => "stop_chasing",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::InMemory;

    fn plan(name: &str) -> Plan {
        let text =
            format!("Strategy \"{name}\".\n\nFor every customer:\n  1 day after the due date, send the \"r\" email.\n");
        let files = InMemory::default().with("templates/r.email", "Subject: Hi\n\nHello\n");
        crate::plan::compile_bytes("s.strategy", text.into_bytes(), &files).unwrap().plan
    }

    #[test]
    fn notes_keep_the_invoice_numbers_and_reference_whatever_gives_way() {
        let plan = plan(&"A very long strategy name ".repeat(5));
        let rule = "every/1d-after-due/email-r";
        let short =
            note_text("INV-0042", "CollectIQ emailed \"r\" to a@b.example", "r", &plan, "0123456789ab", "3f9a2c");
        assert!(short.starts_with("INV-0042: CollectIQ emailed \"r\" to a@b.example (rule r;"), "{short}");
        assert!(short.ends_with("plan v1 #0123456789ab). ref 3f9a2c"), "{short}");
        // Two long recipients: the signature is shortened, then dropped, never the number.
        let recipients =
            format!("CollectIQ emailed \"r\" to {}, {}", "a".repeat(60) + "@x.example", "b".repeat(60) + "@y.example");
        let note = note_text("INV-0042", &recipients, rule, &plan, "0123456789ab", "3f9a2c");
        assert!(note.chars().count() <= LONGEST_NOTE, "{note}");
        assert!(note.starts_with("INV-0042: CollectIQ emailed"), "{note}");
        assert!(note.contains(&"b".repeat(60)), "what was done stays whole while the signature can give way: {note}");
        assert!(note.ends_with(" ref 3f9a2c"), "{note}");
        for what in ["x".repeat(400), "é".repeat(300)] {
            let note =
                note_text("INV-1, INV-2, INV-3 and 4 more", &what, &"seg/".repeat(40), &plan, "0123456789ab", "3f9a2c");
            assert!(note.chars().count() <= LONGEST_NOTE, "{note}");
            assert!(note.starts_with("INV-1, INV-2, INV-3 and 4 more: "), "{note}");
            assert!(note.ends_with("…. ref 3f9a2c"), "{note}");
        }
    }

    #[test]
    fn notes_go_where_the_setting_says_and_an_account_note_always_has_a_place() {
        use crate::decide::decision::{ActionKey, Subject};
        let plan = plan("Notes");
        let action = Action::Email { template: "r".into(), copy: Vec::new(), attach: Vec::new() };
        let organisation = crate::ledger::records::Organisation {
            tenant_id: Uuid::from_u128(1),
            name: "Org".into(),
            base_currency: "NZD".into(),
            timezone: None,
            zone: None,
            short_code: None,
            reminders_enabled: None,
            country_code: None,
        };
        let books = crate::decide::books::assemble(organisation, Vec::new(), &Default::default(), Vec::new());
        let (a, b, contact) = (Uuid::from_u128(10), Uuid::from_u128(11), Uuid::from_u128(20));
        let decision = |subject, invoices: &[Uuid]| Decision {
            key: ActionKey { tenant: Uuid::from_u128(1), subject, rule: "r", occurrence: 0 },
            contact_id: contact,
            invoices: invoices.iter().copied().collect(),
            rule_text: "r",
            action: &action,
            occurrence_date: "2026-12-01".parse().unwrap(),
            outcome: Outcome::Act,
        };
        let places = |decisions: &[Decision], setting| -> Vec<Vec<(&'static str, Uuid)>> {
            prepare(&plan, &books, decisions, setting)
                .iter()
                .map(|new| new.row.notes.iter().map(|n| (n.subject_kind, n.subject_id)).collect())
                .collect()
        };
        let consolidated = [decision(Subject::Invoice(a), &[a, b])];
        assert_eq!(
            places(&consolidated, NotePlaces::Both),
            vec![vec![("invoice", a), ("invoice", b), ("contact", contact)]]
        );
        assert_eq!(places(&consolidated, NotePlaces::Invoice), vec![vec![("invoice", a), ("invoice", b)]]);
        assert_eq!(places(&consolidated, NotePlaces::Contact), vec![vec![("contact", contact)]]);
        // A statement about no invoice in particular is noted on the contact, whatever the setting.
        let statement = [decision(Subject::Account(contact), &[])];
        assert_eq!(places(&statement, NotePlaces::Invoice), vec![vec![("contact", contact)]]);
    }

    #[test]
    fn a_reference_is_stable_and_short() {
        assert_eq!(note_reference("t/invoice/i/r/0"), note_reference("t/invoice/i/r/0"));
        assert_ne!(note_reference("t/invoice/i/r/0"), note_reference("t/invoice/i/r/1"));
        assert_eq!(note_reference("k").len(), 6);
    }
}
