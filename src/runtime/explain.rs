//! `collectiq explain INVOICE`: why an invoice gets what, and when — its segment and why, each
//! rule with its next occurrence or why it will not fire, the guards in force, and what was done.

use jiff::Timestamp;

use super::email::RenderedEmail;
use crate::decide::books::{Books, Customer};
use crate::decide::calendar::Calendar;
use crate::decide::conditions::Judge;
use crate::decide::evaluate::{held_by_paid_claim, held_by_reply};
use crate::decide::memory::Memory;
use crate::decide::occurrences::{latest_invoice_occurrence, next_calendar_occurrence, next_invoice_occurrence};
use crate::ledger::money::group_thousands;
use crate::ledger::records::Invoice;
use crate::plan::{Guard, GuardKind, Plan, ReplyPause, Rule};
use crate::store::outbox::{Status, StoredAction};

/// The explanation, as lines for people.
pub fn explain(
    plan: &Plan,
    calendar: &Calendar,
    books: &Books,
    memory: &Memory,
    invoice: &Invoice,
    actions: &[StoredAction],
    now: Timestamp,
) -> Vec<String> {
    let today = calendar.today(now);
    let judge = Judge { today, calendar, base_currency: &books.organisation.base_currency };
    let mut lines = Vec::new();
    let days = (today - invoice.due_date).get_days();
    let timing = match days {
        d if d > 0 => format!("{d} days overdue"),
        0 => "due today".to_string(),
        d => format!("due in {} days", -d),
    };
    let customer = books.customer(invoice.contact_id);
    lines.push(format!(
        "{} — {} · {} {} owed of {} · due {} ({timing}) · {}",
        invoice.number,
        customer.map_or("(unknown customer)", |c| c.contact.name.as_str()),
        invoice.currency,
        group_thousands(invoice.amount_due),
        group_thousands(invoice.total),
        invoice.due_date,
        invoice.status
    ));
    lines.push(format!("Strategy \"{}\", days counted in {}", plan.strategy, calendar.zone_name()));
    if !invoice.is_open() {
        lines.push("Not chased: it is not an approved invoice with something still due.".into());
    }
    let Some(customer) = customer else {
        return lines;
    };
    let segment = plan.segments.iter().position(|s| s.condition.as_ref().is_none_or(|c| judge.customer(c, customer)));
    match segment {
        Some(index) => {
            let chosen = &plan.segments[index];
            lines.push(format!("Segment \"{}\": {}", chosen.name, chosen.text));
            for earlier in &plan.segments[..index] {
                lines.push(format!("  not \"{}\": {}", earlier.name, earlier.text));
            }
        }
        None if plan.segments.is_empty() => lines.push("No segments: every customer's rules apply.".into()),
        None => lines.push("No segment matches this customer: only the rules for every customer apply.".into()),
    }
    let audience = segment.map(|i| &plan.segments[i].audience);
    guards(plan, audience, memory, customer, invoice, &judge, &mut lines);
    lines.push("Rules:".into());
    let rules = audience.into_iter().flat_map(|a| a.rules.iter()).chain(plan.every_customer.rules.iter());
    for rule in rules {
        lines.push(format!("  {}", rule.text));
        lines.push(format!("    {}", rule_status(rule, calendar, memory, customer, invoice, &judge, today)));
    }
    lines.push("Done so far:".into());
    if actions.is_empty() {
        lines.push("  nothing yet".into());
    }
    for action in actions {
        let what = match (action.outcome.as_str(), action.status.as_str()) {
            ("act", status) => format!("{} ({status})", action.rule_text),
            (_, _) => format!("{} — {}", action.rule_text, action.reason.clone().unwrap_or_default()),
        };
        lines.push(format!("  {} {what}", action.decided_at.strftime("%Y-%m-%d %H:%M")));
        lines.push(format!(
            "    decided under \"{}\" plan v{} #{}",
            action.strategy,
            action.plan_version,
            action.plan_fingerprint.as_deref().unwrap_or("-")
        ));
        if let Some(email) = action.email.as_deref().and_then(|e| serde_json::from_str::<RenderedEmail>(e).ok()) {
            let when = match (action.status, action.done_at) {
                (Status::Sent, Some(at)) => format!("sent {}", at.strftime("%Y-%m-%d %H:%M")),
                (status, _) => format!("kept to send ({})", status.as_str()),
            };
            lines.push(format!(
                "    email \"{}\" to {}, {} {when}",
                email.subject,
                email.to.join(", "),
                email.message_id
            ));
        }
        if matches!(action.status, Status::Cancelled | Status::Failed)
            && let Some(why) = &action.last_error
        {
            lines.push(format!("    {}: {why}", action.status.as_str()));
        }
    }
    lines
}

fn guards(
    plan: &Plan,
    audience: Option<&crate::plan::Audience>,
    memory: &Memory,
    customer: &Customer,
    invoice: &Invoice,
    judge: &Judge<'_>,
    lines: &mut Vec<String>,
) {
    let all = all_guards(plan, audience);
    let mut any = false;
    for guard in all {
        any = true;
        let holds = match &guard.kind {
            GuardKind::DoNotContact { condition } => judge.customer(condition, customer),
            GuardKind::StopDisputed => memory.disputes.contains(&invoice.invoice_id),
            GuardKind::PauseOnPromise { .. } | GuardKind::BrokenPromise { .. } => {
                memory.promises.contains_key(&invoice.invoice_id) || invoice.expected_payment_date.is_some()
            }
            GuardKind::MinimumAmount { amount } => judge.below(amount, invoice),
            GuardKind::OnReply { .. } => memory.replies.get(&customer.contact.contact_id).is_some_and(|replies| {
                let guards: Vec<&Guard> = all_guards(plan, audience).collect();
                held_by_reply(&guards, replies, judge.calendar, judge.today).is_some()
            }),
            GuardKind::OnPaidClaim { .. } => memory.paid_claims.get(&invoice.invoice_id).is_some_and(|claimed| {
                let guards: Vec<&Guard> = all_guards(plan, audience).collect();
                held_by_paid_claim(&guards, *claimed, judge.calendar, judge.today).is_some()
            }),
            GuardKind::OnBounce { .. } => customer.lost_by_bounces(),
        };
        lines.push(format!("Guard: {} — {}", guard.text, if holds { "applies now" } else { "does not apply" }));
    }
    if let Some(until) = memory.pauses.get(&customer.contact.contact_id) {
        lines.push(format!("Paused by hand until {until}"));
    }
    if let Some(promised) = memory.promises.get(&invoice.invoice_id).or(invoice.expected_payment_date.as_ref()) {
        lines.push(format!("Promised to pay on {promised}"));
    }
    if let Some(claimed) = memory.paid_claims.get(&invoice.invoice_id) {
        let guards: Vec<&Guard> = all_guards(plan, audience).collect();
        let on = judge.calendar.today(*claimed).strftime("%-d %B %Y");
        match held_by_paid_claim(&guards, *claimed, judge.calendar, judge.today) {
            Some(skip) => lines.push(format!("This invoice is {skip}")),
            None => lines.push(format!("The customer said on {on} that they have paid; the pause has ended")),
        }
    }
    if let Some(replies) = memory.replies.get(&customer.contact.contact_id) {
        let pause = all_guards(plan, audience).find_map(|g| match &g.kind {
            GuardKind::OnReply { pause } => Some(*pause),
            _ => None,
        });
        let day = |at: Timestamp| judge.calendar.today(at).strftime("%-d %B %Y").to_string();
        match (pause.unwrap_or(ReplyPause::Handled), replies.first_open) {
            (ReplyPause::Handled, Some(open)) => lines.push(format!(
                "Paused: the customer replied on {}, message {}, not yet handled (`collectiq inbox handle {}` resumes the chase)",
                day(open.at),
                open.message,
                open.message
            )),
            (ReplyPause::Period { period }, _) => {
                let on = judge.calendar.today(replies.latest.at);
                let until = judge.calendar.after(on, period);
                let state = if judge.today <= until { "paused until" } else { "the pause ended on" };
                lines.push(format!(
                    "The customer replied on {}, message {}: {state} {}",
                    day(replies.latest.at),
                    replies.latest.message,
                    until.strftime("%-d %B %Y")
                ));
            }
            (ReplyPause::Never, _) => lines.push(format!(
                "The customer replied on {}, message {}; the strategy keeps chasing when a customer replies",
                day(replies.latest.at),
                replies.latest.message
            )),
            (ReplyPause::Handled, None) => lines.push(format!(
                "The customer last replied on {}, message {}, handled: chasing goes on",
                day(replies.latest.at),
                replies.latest.message
            )),
        }
    }
    for address in &customer.bounced {
        lines.push(format!(
            "Not emailed at {address}: it bounced for good (`collectiq inbox unsuppress {address}` lifts it)"
        ));
    }
    if memory.escalated.contains(&customer.contact.contact_id) {
        lines.push("Escalated: automatic emails wait until the escalation task is done".into());
    }
    if !any {
        lines.push("No guards.".into());
    }
}

fn all_guards<'p>(plan: &'p Plan, audience: Option<&'p crate::plan::Audience>) -> impl Iterator<Item = &'p Guard> {
    audience.into_iter().flat_map(|a| a.guards.iter()).chain(plan.every_customer.guards.iter())
}

fn rule_status(
    rule: &Rule,
    calendar: &Calendar,
    memory: &Memory,
    customer: &Customer,
    invoice: &Invoice,
    judge: &Judge<'_>,
    today: jiff::civil::Date,
) -> String {
    if rule.trigger.is_calendar() {
        let next = next_calendar_occurrence(&rule.trigger, today).map(|o| o.date.to_string()).unwrap_or_default();
        return format!("a statement rule for the whole account; next on {next} if the customer is then overdue");
    }
    if memory.stopped.contains(&invoice.invoice_id) {
        return "won't fire: chasing this invoice was stopped".into();
    }
    if let Some(condition) = &rule.condition
        && !judge.invoice(
            condition,
            invoice,
            memory.promises.contains_key(&invoice.invoice_id) || invoice.expected_payment_date.is_some(),
        )
    {
        return "won't fire as things stand: its condition does not hold for this invoice".into();
    }
    let handled = memory.handled_up_to(invoice.invoice_id, &rule.id);
    let latest = latest_invoice_occurrence(&rule.trigger, invoice, calendar, today);
    let next = next_invoice_occurrence(&rule.trigger, invoice, calendar, today);
    let _ = customer;
    match (latest, handled, next) {
        (Some(latest), Some(done), _) if done >= latest.index && next.is_none() => {
            format!("done (last occurrence on {})", latest.date)
        }
        (_, _, Some(next)) => match handled {
            Some(_) => format!("handled so far; next on {}", next.date),
            None => format!("next on {}", next.date),
        },
        (Some(latest), None, None) => format!("due since {}: the next run decides it", latest.date),
        (Some(latest), Some(_), None) => format!("due since {}: the next run decides it", latest.date),
        (None, _, None) => "won't fire: its day has passed or never comes for this invoice".into(),
    }
}
