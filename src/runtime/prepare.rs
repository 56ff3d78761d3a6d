//! What recording a decision brings with it: the task a call or an escalation creates, and the
//! history notes (at most 250 characters, naming the rule and the plan) that go to Xero for every
//! email, call and escalation, on the invoices and on the contact — unless the strategy says
//! "Don't log to Xero".

use uuid::Uuid;

use super::books::{Books, Customer};
use super::decision::{Decision, Outcome};
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

/// A note of at most 250 characters that always ends by naming the rule and the plan (the
/// strategy, the plan format's version and the plan's fingerprint): what was done is shortened to
/// make room, never the signature.
pub fn note_text(what: &str, rule: &str, plan: &Plan, fingerprint: &str) -> String {
    let signature = format!(
        " (rule {}; \"{}\" plan v{} #{}).",
        shortened(rule, 90),
        shortened(&plan.strategy, 40),
        plan.plan_version,
        shortened(fingerprint, 12)
    );
    let room = LONGEST_NOTE.saturating_sub(signature.chars().count());
    // The signature is at most about 170 characters, so there is always room for what was done;
    // the last cut is what guarantees the limit whatever the names.
    shortened(&format!("{}{signature}", shortened(what, room)), LONGEST_NOTE)
}

fn numbers(customer: Option<&Customer>, invoices: &[Uuid]) -> String {
    let numbers: Vec<&str> = invoices
        .iter()
        .filter_map(|id| customer.and_then(|c| c.open.iter().find(|i| i.invoice_id == *id)))
        .map(|i| i.number.as_str())
        .collect();
    match numbers.len() {
        0 => "the account".to_string(),
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

/// The decisions to record, each with its status, task and notes.
pub fn prepare<'d>(plan: &Plan, books: &Books, decisions: &'d [Decision]) -> Vec<NewAction<'d>> {
    let fingerprint = plan.fingerprint();
    decisions.iter().map(|decision| prepare_one(plan, &fingerprint, books, decision)).collect()
}

fn prepare_one<'d>(plan: &Plan, fingerprint: &str, books: &Books, decision: &'d Decision) -> NewAction<'d> {
    if decision.outcome != Outcome::Act {
        return NewAction { decision, status: Status::Recorded, task: None, notes: Vec::new() };
    }
    let customer = books.customer(decision.contact_id);
    let name = customer.map_or("the customer", |c| c.contact.name.as_str());
    let about = numbers(customer, &decision.invoices);
    let (status, task, what) = match &decision.action {
        Action::Email { template, .. } => {
            let to = customer.map(|c| c.recipients().join(", ")).unwrap_or_default();
            (Status::Pending, None, Some(format!("CollectIQ emailed \"{template}\" to {to} about {about}")))
        }
        Action::CallTask { assignee } => {
            let summary = format!(
                "Call {name} about {about} ({} due)",
                owed(customer, &decision.invoices, &books.organisation.base_currency)
            );
            let task = NewTask { kind: "call", assignee: assignee.clone(), summary };
            (Status::Done, Some(task), Some(format!("CollectIQ asked {assignee} to call about {about}")))
        }
        Action::Escalate { to } => {
            let summary = format!(
                "Escalated: {name} owes {} on {about}; automatic emails are paused until this task is done",
                owed(customer, &decision.invoices, &books.organisation.base_currency)
            );
            let task = NewTask { kind: "escalation", assignee: to.clone(), summary };
            // The person is emailed when their address is known; that is delivered like any email.
            let status = if plan.settings.people.contains_key(to) { Status::Pending } else { Status::Done };
            (status, Some(task), Some(format!("CollectIQ escalated {about} to {to}")))
        }
        Action::StopChasing => (Status::Done, None, None),
    };
    let mut notes = Vec::new();
    if plan.settings.write_back
        && let Some(what) = what
    {
        let details = note_text(&what, decision.key.rule, plan, fingerprint);
        for invoice in &decision.invoices {
            notes.push(NewNote { subject_kind: "invoice", subject_id: *invoice, details: details.clone() });
        }
        notes.push(NewNote { subject_kind: "contact", subject_id: decision.contact_id, details });
    }
    NewAction { decision, status, task, notes }
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
    fn notes_are_kept_short_and_always_name_the_rule_and_plan() {
        let plan = plan(&"A very long strategy name ".repeat(5));
        for what in ["short".to_string(), "x".repeat(400), "é".repeat(300)] {
            let note = note_text(&what, "every/1d-after-due/email-r", &plan, "0123456789ab");
            assert!(note.chars().count() <= LONGEST_NOTE, "{note}");
            assert!(note.ends_with("(rule every/1d-after-due/email-r; \"A very long strategy name A very long s…\" plan v1 #0123456789ab)."), "{note}");
        }
        let short = note_text("CollectIQ emailed", "r", &plan, "f");
        assert!(short.starts_with("CollectIQ emailed (rule r;"), "{short}");
        assert!(note_text(&"x".repeat(400), "r", &plan, "f").contains("x…"));
        let long_rule = "segment-with-a-very-long-name/".repeat(10);
        let note = note_text(&"y".repeat(400), &long_rule, &plan, "0123456789ab");
        assert!(note.chars().count() <= LONGEST_NOTE, "{note}");
        assert!(note.contains("plan v1 #0123456789ab"), "{note}");
    }
}
