//! What a change of strategy does to real customers: both plans simulated over the same books
//! and payments, then compared: emails, calls and escalations per day and in all, the customers
//! who would be in another segment, and the invoices whose next action changes.

use std::collections::HashMap;
use std::fmt::Write;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::action::SimulatedAction;
use super::report::{NO_SEGMENT, Report};
use super::scenario::Scenario;
use crate::decide::conditions::Judge;
use crate::decide::evaluate::segment_of;
use crate::ledger::money::group_thousands;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub emails: usize,
    pub calls: usize,
    pub escalations: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayImpact {
    pub date: Date,
    pub old: Counts,
    pub new: Counts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentChange {
    pub contact_id: Uuid,
    pub contact_name: String,
    pub old: String,
    pub new: String,
}

/// The first thing done about an invoice in a simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NextAction {
    pub date: Date,
    pub kind: &'static str,
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NextActionChange {
    pub invoice_number: String,
    pub contact_name: String,
    pub amount: Decimal,
    pub old: Option<NextAction>,
    pub new: Option<NextAction>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Impact {
    pub from: Date,
    pub days: u32,
    pub old: Counts,
    pub new: Counts,
    /// Days on which either plan does anything.
    pub per_day: Vec<DayImpact>,
    pub segment_changes: Vec<SegmentChange>,
    /// How many invoices' next action changes; `next_actions` lists the largest of them.
    pub next_actions_changed: usize,
    pub next_actions: Vec<NextActionChange>,
}

impl Counts {
    /// Counts an action on its channel (statements are emails; skips count nowhere).
    pub fn count(&mut self, action: &SimulatedAction) {
        match action.channel() {
            "email" => self.emails += 1,
            "call" => self.calls += 1,
            "escalation" => self.escalations += 1,
            _ => {}
        }
    }
}

fn per_day(old: &Report, new: &Report) -> (Vec<DayImpact>, Counts, Counts) {
    let mut days: std::collections::BTreeMap<Date, (Counts, Counts)> = Default::default();
    let (mut old_total, mut new_total) = (Counts::default(), Counts::default());
    for action in &old.actions {
        days.entry(action.date).or_default().0.count(action);
        old_total.count(action);
    }
    for action in &new.actions {
        days.entry(action.date).or_default().1.count(action);
        new_total.count(action);
    }
    let per_day = days
        .into_iter()
        .filter(|(_, (o, n))| *o != Counts::default() || *n != Counts::default())
        .map(|(date, (old, new))| DayImpact { date, old, new })
        .collect();
    (per_day, old_total, new_total)
}

fn segment_changes(old: &Scenario<'_>, new: &Scenario<'_>) -> Vec<SegmentChange> {
    let base = &old.books.organisation.base_currency;
    let old_judge = Judge { today: old.from, calendar: old.calendar, base_currency: base };
    let new_judge = Judge { today: new.from, calendar: new.calendar, base_currency: base };
    let name = |s: Option<&crate::plan::Segment>| s.map_or(NO_SEGMENT.to_string(), |s| s.name.clone());
    old.books
        .customers
        .iter()
        .filter(|c| !c.open.is_empty())
        .filter_map(|customer| {
            let before = name(segment_of(old.plan, &old_judge, customer));
            let after = name(segment_of(new.plan, &new_judge, customer));
            (before != after).then(|| SegmentChange {
                contact_id: customer.contact.contact_id,
                contact_name: customer.contact.name.clone(),
                old: before,
                new: after,
            })
        })
        .collect()
}

fn first_actions(report: &Report) -> HashMap<Uuid, NextAction> {
    let mut first = HashMap::new();
    for action in report.actions.iter().filter(|a| a.acts()) {
        for id in &action.invoice_ids {
            first.entry(*id).or_insert_with(|| NextAction {
                date: action.date,
                kind: action.kind,
                rule: action.rule.clone(),
            });
        }
    }
    first
}

fn next_action_changes(old: &Scenario<'_>, old_report: &Report, new_report: &Report) -> Vec<NextActionChange> {
    let (before, after) = (first_actions(old_report), first_actions(new_report));
    let mut changes: Vec<NextActionChange> = old
        .books
        .customers
        .iter()
        .flat_map(|c| c.open.iter().map(move |i| (c, i)))
        .filter_map(|(customer, invoice)| {
            let (old, new) = (before.get(&invoice.invoice_id), after.get(&invoice.invoice_id));
            (old != new).then(|| NextActionChange {
                invoice_number: invoice.number.to_string(),
                contact_name: customer.contact.name.clone(),
                amount: invoice.amount_due_in_base(),
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect();
    changes.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.invoice_number.cmp(&b.invoice_number)));
    changes
}

/// Compares two simulations of the same books (one per plan), listing at most `top` invoices.
pub fn impact(old: &Scenario<'_>, old_report: &Report, new: &Scenario<'_>, new_report: &Report, top: usize) -> Impact {
    let (per_day, old_total, new_total) = per_day(old_report, new_report);
    let mut next_actions = next_action_changes(old, old_report, new_report);
    let next_actions_changed = next_actions.len();
    next_actions.truncate(top);
    Impact {
        from: old.from,
        days: old.days,
        old: old_total,
        new: new_total,
        per_day,
        segment_changes: segment_changes(old, new),
        next_actions_changed,
        next_actions,
    }
}

fn change(old: usize, new: usize) -> String {
    match new as i64 - old as i64 {
        0 => "no change".into(),
        d if d > 0 => format!("+{d}"),
        d => d.to_string(),
    }
}

fn next(action: &Option<NextAction>) -> String {
    action.as_ref().map_or("nothing".into(), |a| format!("{} {} ({})", a.date, a.kind, a.rule))
}

impl Impact {
    pub fn is_empty(&self) -> bool {
        self.old == self.new && self.segment_changes.is_empty() && self.next_actions_changed == 0
    }

    /// Markdown for a pull request.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### Impact over {} days from {}\n", self.days, self.from);
        if self.is_empty() {
            let _ = writeln!(out, "No customer would be treated differently.");
            return out;
        }
        let _ = writeln!(out, "| | before | after | change |\n|---|---:|---:|---:|");
        for (name, old, new) in [
            ("emails", self.old.emails, self.new.emails),
            ("calls", self.old.calls, self.new.calls),
            ("escalations", self.old.escalations, self.new.escalations),
        ] {
            let _ = writeln!(out, "| {name} | {old} | {new} | {} |", change(old, new));
        }
        let changed: Vec<&DayImpact> = self.per_day.iter().filter(|d| d.old != d.new).collect();
        if !changed.is_empty() {
            let _ = writeln!(out, "\n**Days that change** ({} of them)\n", changed.len());
            let _ = writeln!(out, "| date | emails | calls | escalations |\n|---|---:|---:|---:|");
            for day in changed {
                let cell =
                    |old: usize, new: usize| if old == new { old.to_string() } else { format!("{old} → {new}") };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    day.date,
                    cell(day.old.emails, day.new.emails),
                    cell(day.old.calls, day.new.calls),
                    cell(day.old.escalations, day.new.escalations)
                );
            }
        }
        if !self.segment_changes.is_empty() {
            let _ = writeln!(out, "\n**Customers changing segment** ({})\n", self.segment_changes.len());
            let _ = writeln!(out, "| customer | before | after |\n|---|---|---|");
            for change in &self.segment_changes {
                let _ = writeln!(out, "| {} | {} | {} |", cell_text(&change.contact_name), change.old, change.new);
            }
        }
        if self.next_actions_changed > 0 {
            let _ = writeln!(
                out,
                "\n**Invoices whose next action changes** ({}; the largest {} shown)\n",
                self.next_actions_changed,
                self.next_actions.len()
            );
            let _ = writeln!(out, "| invoice | customer | owed | before | after |\n|---|---|---:|---|---|");
            for change in &self.next_actions {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    cell_text(&change.invoice_number),
                    cell_text(&change.contact_name),
                    group_thousands(change.amount),
                    next(&change.old),
                    next(&change.new)
                );
            }
        }
        out
    }
}

/// Text safe inside a markdown table cell.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
