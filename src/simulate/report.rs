//! What a simulation shows: each day's actions with their reasons, totals per rule, kind and
//! segment, and the outstanding balance by age over time. Serialised, it is the JSON contract of
//! `collectiq simulate --format json`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::action::SimulatedAction;
use super::aging::{AgingDay, aging_over_time};
use super::events::{Happened, TRANSIENTS_THAT_COUNT, What};
use super::scenario::Scenario;
use crate::decide::decision::{Decision, Outcome, Skip, Subject};
use crate::plan::Action;

/// One decision of a simulation: the day of the run that took it (the run is when sending opens:
/// `Scenario::run_at`), the customer (by place in the scenario's books) and the segment they were
/// in (by place in the plan). Kept small: a simulation takes hundreds of thousands.
#[derive(Clone, Debug, PartialEq)]
pub struct Happening<'p> {
    pub date: Date,
    pub customer: u32,
    pub segment: Option<u32>,
    pub decision: Decision<'p>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub strategy: String,
    pub organisation: String,
    pub from: Date,
    pub days: u32,
    pub actions: Vec<SimulatedAction>,
    pub totals: Totals,
    pub aging: Vec<AgingDay>,
    /// Replies, auto-replies, bounces and what customers did on their page (promises, disputes,
    /// claims of payment), by day, numbered from 1: a pause for a reply names its event's number
    /// as the reply's message.
    pub events: Vec<SimulatedEvent>,
    /// Lints: days that would need more Xero calls than the organisation's day allows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub actions: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub by_rule: BTreeMap<String, usize>,
    pub by_segment: BTreeMap<String, usize>,
    /// Emails (and statements) not sent because the customer had replied.
    pub held_by_replies: usize,
    /// Human replies, auto-replies and bounces (permanent or not) among the events.
    pub replies: usize,
    pub auto_replies: usize,
    pub bounces: usize,
    /// Addresses set aside for good after bouncing.
    pub addresses_set_aside: usize,
    /// Promises, disputes and claims of payment among the events (from the customer page).
    pub promises: usize,
    pub disputes: usize,
    pub paid_claims: usize,
    /// Reminders not sent because the customer said the invoice was already paid.
    pub held_by_paid_claims: usize,
}

/// A reply, auto-reply, bounce, promise, dispute or claim of payment, as reports show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulatedEvent {
    /// From 1, in the order of the list (by day, then customer).
    pub number: i64,
    pub date: Date,
    /// reply, auto_reply, bounce, promise, dispute or paid_claim.
    pub kind: &'static str,
    pub contact_id: Uuid,
    pub contact_name: String,
    /// The address that bounced (none: every address the customer had).
    pub address: Option<String>,
    pub permanent: Option<bool>,
    pub handled_on: Option<Date>,
    /// The invoice a promise, dispute or claim of payment is about, by number.
    pub invoice: Option<String>,
    pub promised_on: Option<Date>,
    /// When a dispute is resolved (none: never, or not a dispute).
    pub resolved_on: Option<Date>,
    /// Where it comes from: `events.json`, or `--replies` (drawn after an email).
    pub source: &'static str,
    /// What it is and what came of it, in words.
    pub description: String,
}

/// Segments are named in reports; customers in none are in the strategy's "no segment".
pub const NO_SEGMENT: &str = "(no segment)";

fn kind(decision: &Decision) -> Option<&'static str> {
    Some(match (&decision.outcome, &decision.action) {
        (Outcome::Combined { .. }, _) => return None,
        (Outcome::Skipped(_), _) => "skipped",
        (Outcome::Superseded { .. }, _) => "superseded",
        (Outcome::Act, Action::Email { .. }) if matches!(decision.key.subject, Subject::Account(_)) => "statement",
        (Outcome::Act, Action::Email { .. }) => "email",
        (Outcome::Act, Action::CallTask { .. }) => "call",
        (Outcome::Act, Action::Escalate { .. }) => "escalation",
        (Outcome::Act, Action::StopChasing) => "stop",
    })
}

fn reason(decision: &Decision) -> String {
    match &decision.outcome {
        Outcome::Act if decision.invoices.len() > 1 && matches!(decision.key.subject, Subject::Invoice(_)) => {
            format!("{} (one email for {} invoices)", decision.rule_text, decision.invoices.len())
        }
        Outcome::Act => decision.rule_text.to_string(),
        Outcome::Skipped(skip) => format!("{}: {skip}", decision.rule_text),
        Outcome::Superseded { by } => {
            format!("{}: superseded by a later reminder for the same invoice (rule {})", decision.rule_text, by.rule)
        }
        Outcome::Combined { into } => format!("{}: sent with {into}", decision.rule_text),
    }
}

impl Report {
    /// Builds the report from a simulation's decisions, in any order: actions are listed by time,
    /// and by customer within a run, each customer's in the order they were decided.
    pub fn build<'p>(scenario: &Scenario<'p>, happenings: impl IntoIterator<Item = Happening<'p>>) -> Report {
        Report::build_with(scenario, happenings, Vec::new())
    }

    /// As `build`, with the replies, auto-replies and bounces that happened, in any order.
    pub fn build_with<'p>(
        scenario: &Scenario<'p>,
        happenings: impl IntoIterator<Item = Happening<'p>>,
        happened: Vec<Happened>,
    ) -> Report {
        let set_aside = happened.iter().map(|h| h.set_aside.len()).sum();
        let (events, numbers) = simulated_events(scenario, happened);
        // Sorted by reference: a happening is large, and there can be hundreds of thousands.
        let mut slots: Vec<Option<Happening>> = happenings.into_iter().map(Some).collect();
        let mut order: Vec<(Date, u32, usize)> =
            slots.iter().flatten().enumerate().map(|(n, h)| (h.date, h.customer, n)).collect();
        order.sort_unstable();
        let count = slots.len();
        let happenings = order.into_iter().filter_map(|(_, _, n)| slots[n].take());
        let invoices: foldhash::HashMap<Uuid, (&str, Decimal)> = scenario
            .books
            .customers
            .iter()
            .flat_map(|c| c.open.iter())
            .map(|i| (i.invoice_id, (i.number.as_str(), i.amount_due_in_base())))
            .collect();
        // Claims are reckoned as the runtime reckons them for an email (simulate/claims.rs).
        let claimed = super::claims::Claims::new(scenario.plan.settings.claim.as_ref(), scenario.claim_inputs);
        let open: foldhash::HashMap<Uuid, &crate::ledger::records::Invoice> = match &claimed {
            Some(_) => scenario.books.customers.iter().flat_map(|c| c.open.iter()).map(|i| (i.invoice_id, i)).collect(),
            None => foldhash::HashMap::default(),
        };
        let mut totals = Totals::default();
        let mut actions = Vec::with_capacity(count);
        for happening in happenings {
            let Some(kind) = kind(&happening.decision) else { continue };
            let customer = &scenario.books.customers[happening.customer as usize];
            let segment = happening.segment.map(|s| scenario.plan.segments[s as usize].name.clone());
            let mut decision = happening.decision;
            match &mut decision.outcome {
                Outcome::Skipped(Skip::Replied { message, .. }) => {
                    totals.held_by_replies += 1;
                    // A simulated reply is named by its number among the report's events.
                    if let Some(number) = numbers.get(message) {
                        *message = *number;
                    }
                }
                Outcome::Skipped(Skip::ClaimedPaid { .. }) => totals.held_by_paid_claims += 1,
                _ => {}
            }
            let known: Vec<Uuid> = decision.invoices.iter().copied().filter(|id| invoices.contains_key(id)).collect();
            let found: Vec<&(&str, Decimal)> = known.iter().filter_map(|id| invoices.get(id)).collect();
            let amount = found.iter().fold(Decimal::ZERO, |sum, (_, due)| sum + due);
            let claims = match (&claimed, kind == "email" || kind == "statement") {
                (Some(claimed), true) => {
                    claimed.of(customer, known.iter().filter_map(|id| open.get(id).copied()), happening.date)
                }
                _ => Vec::new(),
            };
            let action = SimulatedAction {
                at: scenario.run_at(happening.date),
                date: happening.date,
                kind,
                reason: reason(&decision),
                template: match &decision.action {
                    Action::Email { template, .. } => Some(template.clone()),
                    _ => None,
                },
                rule: decision.key.rule.to_string(),
                segment,
                contact_id: customer.contact.contact_id,
                contact_name: customer.contact.name.clone(),
                invoice_numbers: found.iter().map(|(number, _)| number.to_string()).collect(),
                invoice_ids: known,
                amount,
                claims,
            };
            totals.count(&action);
            actions.push(action);
        }
        let warnings = super::budget::over_budget(
            &actions,
            &scenario.books.organisation.name,
            scenario.plan.settings.write_back,
            super::budget::XERO_CALLS_PER_DAY,
        );
        for event in &events {
            let count = match event.kind {
                "reply" => &mut totals.replies,
                "auto_reply" => &mut totals.auto_replies,
                "promise" => &mut totals.promises,
                "dispute" => &mut totals.disputes,
                "paid_claim" => &mut totals.paid_claims,
                _ => &mut totals.bounces,
            };
            *count += 1;
        }
        totals.addresses_set_aside = set_aside;
        Report {
            events,
            strategy: scenario.plan.strategy.clone(),
            organisation: scenario.books.organisation.name.clone(),
            from: scenario.from,
            days: scenario.days,
            actions,
            totals,
            aging: aging_over_time(scenario),
            warnings,
        }
    }

    /// The actions decided on one day.
    pub fn on(&self, date: Date) -> impl Iterator<Item = &SimulatedAction> {
        self.actions.iter().filter(move |a| a.date == date)
    }
}

impl Totals {
    fn count(&mut self, action: &SimulatedAction) {
        self.actions += 1;
        *self.by_kind.entry(action.kind).or_default() += 1;
        *self.by_rule.entry(action.rule.clone()).or_default() += 1;
        *self.by_segment.entry(action.segment.clone().unwrap_or_else(|| NO_SEGMENT.into())).or_default() += 1;
    }
}

/// The events that happened, by day and customer, numbered; and the number each reply's
/// provisional message number stands for.
fn simulated_events(
    scenario: &Scenario<'_>,
    mut happened: Vec<Happened>,
) -> (Vec<SimulatedEvent>, foldhash::HashMap<i64, i64>) {
    happened.sort_by_key(|h| (h.event.day, h.event.customer, h.sequence));
    let mut numbers = foldhash::HashMap::default();
    let mut events = Vec::with_capacity(happened.len());
    for (n, h) in happened.into_iter().enumerate() {
        let number = n as i64 + 1;
        numbers.insert(h.provisional(), number);
        let customer = &scenario.books.customers[h.event.customer as usize];
        let name = &customer.contact.name;
        let invoice = h.event.what.invoice().map(|id| {
            customer.open.iter().find(|i| i.invoice_id == id).map_or_else(|| id.to_string(), |i| i.number.to_string())
        });
        let invoice_number = invoice.clone().unwrap_or_default();
        let (mut promised_on, mut resolved_on) = (None, None);
        let (kind, address, permanent, handled_on, description) = match &h.event.what {
            What::Reply { handled_on } => {
                let handled = match handled_on {
                    Some(day) => format!("handled on {day}"),
                    None => "never handled".into(),
                };
                let why = if h.event.drawn { "after an email" } else { "as events.json says" };
                ("reply", None, None, *handled_on, format!("{name} replied (message {number}, {why}); {handled}"))
            }
            What::AutoReply => (
                "auto_reply",
                None,
                None,
                None,
                format!("{name} sent an automatic reply (message {number}): it changes nothing"),
            ),
            What::Bounce { address, permanent } => {
                let which = address.clone().unwrap_or_else(|| "every address".into());
                let outcome = match (h.set_aside.is_empty(), *permanent) {
                    (false, true) => format!("permanent: {} never emailed again", h.set_aside.join(", ")),
                    (false, false) => format!(
                        "temporary, the third within 7 days: counted as permanent; {} never emailed again",
                        h.set_aside.join(", ")
                    ),
                    (true, false) if h.transients < TRANSIENTS_THAT_COUNT => format!(
                        "temporary ({} of {TRANSIENTS_THAT_COUNT} within 7 days before it counts as permanent)",
                        h.transients
                    ),
                    (true, _) => "already set aside".to_string(),
                };
                ("bounce", address.clone(), Some(*permanent), None, format!("bounce of {which} for {name}, {outcome}"))
            }
            What::Promise { promised_on: on, .. } => {
                promised_on = Some(*on);
                let said = format!("{name} promised on their page to pay {invoice_number} on {on}");
                ("promise", None, None, None, said)
            }
            What::Dispute { resolved_on: resolved, .. } => {
                resolved_on = *resolved;
                let until = match resolved {
                    Some(day) => format!("resolved on {day}"),
                    None => "never resolved".into(),
                };
                ("dispute", None, None, None, format!("{name} disputed {invoice_number} on their page; {until}"))
            }
            What::PaidClaim { .. } => (
                "paid_claim",
                None,
                None,
                None,
                format!("{name} said on their page that {invoice_number} is already paid"),
            ),
        };
        events.push(SimulatedEvent {
            number,
            date: h.event.day,
            kind,
            contact_id: customer.contact.contact_id,
            contact_name: name.clone(),
            address,
            permanent,
            handled_on,
            invoice,
            promised_on,
            resolved_on,
            source: if h.event.drawn { "--replies" } else { "events.json" },
            description,
        });
    }
    (events, numbers)
}
