//! The simulation as a collections manager reads it in a terminal: day by day, what goes to whom
//! and why, then the totals and how the balance ages.

use std::fmt::Write;

use jiff::civil::Date;

use super::report::{Report, SimulatedEvent};
use crate::ledger::aging::Bucket;
use crate::ledger::money::group_thousands as format_amount;

/// Days between two lines of the aging table.
const AGING_STEP: usize = 30;
/// Records of skipped and superseded occurrences shown a day.
const SKIPS_SHOWN: usize = 5;

fn finish_day(out: &mut String, unsaid: usize) {
    if unsaid > 0 {
        let _ = writeln!(out, "  … and {unsaid} more skipped or superseded (--format json or html lists them all)");
    }
}

/// The day-by-day part, as it is written.
struct Days {
    out: String,
    current: Option<Date>,
    unsaid: usize,
    said_skips: usize,
}

impl Days {
    fn enter(&mut self, date: Date) {
        if self.current != Some(date) {
            finish_day(&mut self.out, self.unsaid);
            let _ = writeln!(self.out, "{date}");
            (self.current, self.unsaid, self.said_skips) = (Some(date), 0, 0);
        }
    }

    fn event(&mut self, event: &SimulatedEvent) {
        self.enter(event.date);
        let _ = writeln!(self.out, "  {:<11}{}", event.kind.replace('_', "-"), event.description);
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Simulation of \"{}\" for {} from {}, {} days\n",
        report.strategy, report.organisation, report.from, report.days
    );
    let mut days = Days { out, current: None, unsaid: 0, said_skips: 0 };
    // What customers did is shown on its day, before its run (it comes before it).
    let mut events = report.events.iter().peekable();
    for action in &report.actions {
        while let Some(event) = events.next_if(|e| e.date <= action.date) {
            days.event(event);
        }
        days.enter(action.date);
        // A day's records of what did not happen (a first day's catch-up can hold hundreds) are
        // shown up to a few; the JSON and HTML reports list them all.
        if !action.acts() {
            days.said_skips += 1;
            if days.said_skips > SKIPS_SHOWN {
                days.unsaid += 1;
                continue;
            }
        }
        let what = action.template.as_deref().map_or(String::new(), |t| format!(" \"{t}\""));
        let invoices = action.invoice_numbers.join(", ");
        let segment = action.segment.as_deref().map_or(String::new(), |s| format!(" [{s}]"));
        let claims: String = action.claims.iter().map(|claim| format!(", {claim}")).collect();
        let _ = writeln!(
            days.out,
            "  {:<11}{what} to {}{segment}: {invoices} ({}{claims}) — {}",
            action.kind,
            action.contact_name,
            format_amount(action.amount),
            action.reason
        );
    }
    for event in events {
        days.event(event);
    }
    finish_day(&mut days.out, days.unsaid);
    let mut out = days.out;
    if report.actions.is_empty() {
        let _ = writeln!(out, "  Nothing happens in these days.");
    }
    let totals = &report.totals;
    let _ = writeln!(out, "\nTotals: {} actions", totals.actions);
    for (heading, counts) in [("by kind", kind_counts(report)), ("by rule", pairs(&totals.by_rule))] {
        let _ = writeln!(out, "  {heading}: {}", counts.join(", "));
    }
    let _ = writeln!(out, "  by segment: {}", pairs(&totals.by_segment).join(", "));
    if totals.replies + totals.auto_replies + totals.bounces + totals.held_by_replies > 0 {
        let _ = writeln!(
            out,
            "  replies and bounces: {} replies, {} auto-replies, {} bounces ({} addresses set aside); \
             {} emails not sent because a customer had replied",
            totals.replies, totals.auto_replies, totals.bounces, totals.addresses_set_aside, totals.held_by_replies
        );
    }
    if totals.promises + totals.disputes + totals.paid_claims + totals.held_by_paid_claims > 0 {
        let _ = writeln!(
            out,
            "  customer page: {} promises, {} disputes, {} claims of payment; \
             {} reminders not sent because the customer said they had paid",
            totals.promises, totals.disputes, totals.paid_claims, totals.held_by_paid_claims
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "\nwarning: {warning}");
    }
    let _ = writeln!(out, "\nOutstanding by age (base currency)");
    let _ = write!(out, "  {:<12}", "date");
    for bucket in Bucket::ALL {
        let _ = write!(out, "{:>14}", bucket.label());
    }
    let _ = writeln!(out, "{:>14}", "total");
    let last = report.aging.len().saturating_sub(1);
    let shown = report.aging.iter().enumerate().filter(|(n, _)| n % AGING_STEP == 0 || *n == last).map(|(_, day)| day);
    for day in shown {
        let _ = write!(out, "  {:<12}", day.date.to_string());
        for bucket in Bucket::ALL {
            let _ = write!(out, "{:>14}", format_amount(day.buckets.get(bucket)));
        }
        let _ = writeln!(out, "{:>14}", format_amount(day.total));
    }
    out
}

fn kind_counts(report: &Report) -> Vec<String> {
    report.totals.by_kind.iter().map(|(kind, n)| format!("{n} {kind}")).collect()
}

fn pairs<K: std::fmt::Display>(counts: &std::collections::BTreeMap<K, usize>) -> Vec<String> {
    counts.iter().map(|(key, n)| format!("{key} {n}")).collect()
}
