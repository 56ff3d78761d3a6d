//! The simulation itself: the runtime's evaluation, run once a day (when sending opens) on a
//! virtual clock, with nothing sent and nothing stored. Rather than evaluate every customer on
//! every day, it keeps for each customer a timeline of the days on which something can happen to
//! them (an occurrence of any rule of any segment, a wait running out, a day their segment may
//! change) and evaluates only then, and only the invoices concerned. Customers are independent,
//! so they are shared out among the cores. The result is the same as stepping through every day.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::ToSpan;
use jiff::civil::Date;

use super::report::Happening;
use super::scenario::{Scenario, settle};
use crate::plan::{CustomerCondition, GuardKind, Period, PeriodUnit, Plan, Segment, Trigger};
use crate::runtime::books::Customer;
use crate::runtime::conditions::Judge;
use crate::runtime::decision::{Subject, Wait};
use crate::runtime::evaluate::{Context, Focus, evaluate_customer_in, segment_of};
use crate::runtime::occurrences::{calendar_falls_on, day_number, invoice_occurrences};
use crate::runtime::state::RuntimeState;

/// What a day on a customer's timeline asks for, beside an invoice (by its place among the
/// customer's open invoices at the start).
const EVERYTHING: u32 = u32::MAX;
const STATEMENTS: u32 = u32::MAX - 1;
/// A day the customer's segment may change.
const SEGMENT: u32 = u32::MAX - 2;

/// What the plan says about when things can happen, worked out once.
struct PlanFacts<'p> {
    invoice_triggers: Vec<&'p Trigger>,
    statement_days: Vec<i64>,
    broken_promises: bool,
    /// Periods of "billed in the last …" conditions, and ages of "first invoiced … ago" ones.
    billing_windows: Vec<Period>,
    customer_ages: Vec<Period>,
}

/// Every decision the plan takes over the scenario's days, in no particular order.
pub fn simulate(scenario: &Scenario<'_>) -> Vec<Happening> {
    let facts = facts(scenario);
    let customers = scenario.books.customers.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = customers.div_ceil(cores).max(1);
    let run = |places: std::ops::Range<usize>| {
        let mut state = scenario.state.clone();
        let mut happenings = Vec::new();
        for place in places {
            simulate_customer(scenario, &facts, place, &mut state, &mut happenings);
        }
        happenings
    };
    if cores == 1 || customers < 64 {
        return run(0..customers);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..customers)
            .step_by(share)
            .map(|start| {
                let run = &run;
                scope.spawn(move || run(start..(start + share).min(customers)))
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

fn facts<'p>(scenario: &Scenario<'p>) -> PlanFacts<'p> {
    let plan: &'p Plan = scenario.plan;
    let rules = plan.segments.iter().flat_map(|s| s.audience.rules.iter()).chain(plan.every_customer.rules.iter());
    let (calendar_rules, invoice_rules): (Vec<_>, Vec<_>) = rules.partition(|r| r.trigger.is_calendar());
    let guards =
        || plan.segments.iter().flat_map(|s| s.audience.guards.iter()).chain(plan.every_customer.guards.iter());
    let mut conditions: Vec<&CustomerCondition> = plan.segments.iter().filter_map(|s| s.condition.as_ref()).collect();
    conditions.extend(guards().filter_map(|g| match &g.kind {
        GuardKind::DoNotContact { condition } => Some(condition),
        _ => None,
    }));
    let (mut billing_windows, mut customer_ages) = (Vec::new(), Vec::new());
    while let Some(condition) = conditions.pop() {
        match condition {
            CustomerCondition::All(all) | CustomerCondition::Any(all) => conditions.extend(all.iter()),
            CustomerCondition::Not(inner) => conditions.push(inner),
            CustomerCondition::Billed { period, .. } => billing_windows.push(*period),
            CustomerCondition::FirstInvoice { age, .. } => customer_ages.push(*age),
            _ => {}
        }
    }
    let statement_days = scenario
        .dates()
        .filter(|date| calendar_rules.iter().any(|r| calendar_falls_on(&r.trigger, *date)))
        .map(day_number)
        .collect();
    PlanFacts {
        invoice_triggers: invoice_rules.iter().map(|r| &r.trigger).collect(),
        statement_days,
        broken_promises: guards().any(|g| matches!(g.kind, GuardKind::BrokenPromise { .. })),
        billing_windows,
        customer_ages,
    }
}

/// The days around the one on which a period counted from `date` runs out: exactly that day for
/// days, a few either side for months and business days, whose lengths vary.
fn around(scenario: &Scenario<'_>, date: Date, period: Period) -> std::ops::RangeInclusive<i64> {
    let end = day_number(scenario.calendar.after(date, period));
    match period.unit {
        PeriodUnit::Days => end - 1..=end + 1,
        PeriodUnit::Months | PeriodUnit::BusinessDays => end - 3..=end + 10,
    }
}

/// The days something can happen to a customer, as known at the start.
fn timeline(scenario: &Scenario<'_>, facts: &PlanFacts<'_>, customer: &Customer) -> BinaryHeap<Reverse<(i64, u32)>> {
    let (first, last) = (day_number(scenario.from), day_number(scenario.last()));
    let mut days = vec![(first, EVERYTHING)];
    for (place, invoice) in customer.open.iter().enumerate() {
        let place = place as u32;
        for trigger in &facts.invoice_triggers {
            for occurrence in invoice_occurrences(trigger, invoice, scenario.calendar, scenario.last()) {
                days.push((day_number(occurrence.date), place));
            }
        }
        let promise = scenario.state.promises.get(&invoice.invoice_id).copied().or(invoice.expected_payment_date);
        if let (true, Some(promised)) = (facts.broken_promises, promise) {
            days.push((day_number(promised) + 1, place));
        }
        days.push((day_number(invoice.due_date) + 1, SEGMENT));
        if let Some(paid) = scenario.paid_on.get(&invoice.invoice_id) {
            days.push((day_number(*paid) + 1, SEGMENT));
        }
    }
    for window in &facts.billing_windows {
        for (billed, _) in &customer.history.billed {
            days.extend(around(scenario, *billed, *window).map(|day| (day, SEGMENT)));
        }
    }
    if let Some(first_invoice) = customer.history.first_invoice {
        for age in &facts.customer_ages {
            days.extend(around(scenario, first_invoice, *age).map(|day| (day, SEGMENT)));
        }
    }
    days.extend(facts.statement_days.iter().map(|day| (*day, STATEMENTS)));
    days.retain(|(day, _)| (first..=last).contains(day));
    days.sort_unstable();
    days.dedup();
    days.into_iter().map(Reverse).collect()
}

/// What one day of a customer's timeline asks to be looked at.
#[derive(Default)]
struct DayWork {
    everything: bool,
    statements: bool,
    segment: bool,
    invoices: Vec<u32>,
}

fn take_day(timeline: &mut BinaryHeap<Reverse<(i64, u32)>>) -> Option<(i64, DayWork)> {
    let Reverse((day, _)) = *timeline.peek()?;
    let mut work = DayWork::default();
    while let Some(&Reverse((next, what))) = timeline.peek() {
        if next != day {
            break;
        }
        timeline.pop();
        match what {
            EVERYTHING => work.everything = true,
            STATEMENTS => work.statements = true,
            SEGMENT => work.segment = true,
            place => work.invoices.push(place),
        }
    }
    Some((day, work))
}

fn segment_index(plan: &Plan, segment: Option<&Segment>) -> Option<usize> {
    segment.and_then(|s| plan.segments.iter().position(|candidate| std::ptr::eq(candidate, s)))
}

fn simulate_customer(
    scenario: &Scenario<'_>,
    facts: &PlanFacts<'_>,
    place: usize,
    state: &mut RuntimeState,
    happenings: &mut Vec<Happening>,
) {
    let original = &scenario.books.customers[place];
    if original.open.is_empty() {
        return;
    }
    let (plan, calendar) = (scenario.plan, scenario.calendar);
    let mut customer = original.clone();
    // Where each of the customer's open invoices was at the start, as payments take some out.
    let mut places: Vec<u32> = (0..customer.open.len() as u32).collect();
    let mut timeline = timeline(scenario, facts, original);
    let first = day_number(scenario.from);
    let last = day_number(scenario.last());
    let mut segment: Option<Option<&Segment>> = None;
    // What came due but waits (for the window or the cap): looked at again whenever the
    // customer is, since what happens to them meanwhile (an escalation, an email) can settle it.
    let mut waiting_invoices: Vec<u32> = Vec::new();
    let mut statements_waiting = false;
    while let Some((day, mut work)) = take_day(&mut timeline) {
        if day > last || customer.open.is_empty() {
            break;
        }
        let Ok(date) = scenario.from.checked_add((day - first).days()) else { break };
        for gone in settle(&mut customer, date, &scenario.paid_on) {
            places.remove(gone);
        }
        if customer.open.is_empty() {
            break;
        }
        if work.everything || work.segment || segment.is_none() {
            let judge = Judge { today: date, calendar, base_currency: &scenario.books.organisation.base_currency };
            let now_in = segment_of(plan, &judge, &customer);
            // A customer who moves comes under new rules, some of whose occurrences may be due.
            work.everything |= segment.is_some_and(|before| segment_index(plan, before) != segment_index(plan, now_in));
            segment = Some(now_in);
        }
        if !work.everything && !work.statements && work.invoices.is_empty() {
            continue;
        }
        let now = scenario.run_at(date);
        work.invoices.append(&mut waiting_invoices);
        let wanted = |at: usize| work.everything || work.invoices.contains(&places[at]);
        let focus = Focus { invoice: &wanted, statements: work.everything || work.statements || statements_waiting };
        let context = Context { plan, calendar, books: &scenario.books, state: &*state, now };
        let in_segment = segment.flatten();
        let evaluation = evaluate_customer_in(&context, &customer, in_segment, &focus);
        statements_waiting = false;
        for waiting in &evaluation.waiting {
            let released = match waiting.wait {
                Wait::Window { next } => next,
                Wait::FrequencyCap { until } => until,
            };
            // The first run after its catch-up window closes records it as missed.
            let mut expired = day_number(calendar.today(waiting.expires));
            if scenario.run_at(calendar.today(waiting.expires)) <= waiting.expires {
                expired += 1;
            }
            let when = day_number(calendar.today(released)).min(expired).max(day + 1);
            let what = match waiting.key.subject {
                Subject::Account(_) => STATEMENTS,
                Subject::Invoice(id) => match customer.open.iter().position(|i| i.invoice_id == id) {
                    Some(at) => places[at],
                    None => continue,
                },
            };
            if what == STATEMENTS {
                statements_waiting = true;
            } else {
                waiting_invoices.push(what);
            }
            timeline.push(Reverse((when, what)));
        }
        let segment = segment_index(plan, in_segment);
        for decision in evaluation.decisions {
            state.remember(&decision, now);
            happenings.push(Happening { date, at: now, customer: place, segment, decision });
        }
    }
}
