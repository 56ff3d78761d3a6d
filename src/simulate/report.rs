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
use super::scenario::Scenario;
use crate::decide::decision::{Decision, Outcome, Subject};
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
        let mut totals = Totals::default();
        let mut actions = Vec::with_capacity(count);
        for happening in happenings {
            let Some(kind) = kind(&happening.decision) else { continue };
            let customer = &scenario.books.customers[happening.customer as usize];
            let segment = happening.segment.map(|s| scenario.plan.segments[s as usize].name.clone());
            let decision = happening.decision;
            let known: Vec<Uuid> = decision.invoices.iter().copied().filter(|id| invoices.contains_key(id)).collect();
            let found: Vec<&(&str, Decimal)> = known.iter().filter_map(|id| invoices.get(id)).collect();
            let amount = found.iter().fold(Decimal::ZERO, |sum, (_, due)| sum + due);
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
        Report {
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
