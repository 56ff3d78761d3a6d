//! The simulation itself: the runtime's evaluation, run once a day (when sending opens) on a
//! virtual clock, with nothing sent and nothing stored. Rather than evaluate every customer on
//! every day, it keeps for each customer the days on which something can happen to them (an
//! occurrence of one of their segment's rules, a wait running out, a day their segment may
//! change) and evaluates only then, and only the invoices concerned. Customers are independent,
//! so they are shared out among the cores. The result is the same as stepping through every day
//! (the tests hold it to that).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::ToSpan;
use jiff::civil::Date;
use uuid::Uuid;

use super::events::{Happened, Listener};
use super::report::Happening;
use super::scenario::{Scenario, settle};
use crate::decide::books::Customer;
use crate::decide::calendar::Calendar;
use crate::decide::conditions::Judge;
use crate::decide::days::{day_from_number, day_number};
use crate::decide::decision::{Subject, Wait};
use crate::decide::evaluate::{Context, Focus, evaluate_customer_in, segment_of};
use crate::decide::memory::Memory;
use crate::decide::occurrences::{calendar_falls_on, invoice_occurrence_days};
use crate::ledger::records::Invoice;
use crate::plan::{Balance, CustomerCondition, GuardKind, Period, Plan, Rule, Segment, Trigger};

/// Beside an invoice (by its place among the customer's open invoices at the start), what a day
/// can ask to be looked at.
const STATEMENTS: u32 = u32::MAX;

/// The rules a customer in one segment (or in none) is under, and the days statements fall on.
struct Timetable<'p> {
    invoice_triggers: Vec<&'p Trigger>,
    statement_days: Vec<i64>,
}

/// What the plan says about when things can happen, worked out once.
struct PlanFacts<'p> {
    /// By segment, then last for customers in none.
    timetables: Vec<Timetable<'p>>,
    broken_promises: bool,
    /// Whether segments depend on which invoices are overdue (so change on days after due dates).
    overdue_counts: bool,
    /// Whether segments depend on what is paid (so change the day after a payment).
    payments_count: bool,
    /// Periods of "billed in the last …" conditions, and ages of "first invoiced … ago" ones.
    billing_windows: Vec<Period>,
    customer_ages: Vec<Period>,
}

impl PlanFacts<'_> {
    fn timetable(&self, plan: &Plan, segment: Option<&Segment>) -> &Timetable<'_> {
        let index = segment_index(plan, segment).unwrap_or(self.timetables.len() - 1);
        &self.timetables[index]
    }
}

/// A simulation's decisions as each core took them, in no particular order. There can be
/// hundreds of thousands, so they are not copied into one list.
#[derive(Debug, Default)]
pub struct Happenings<'p> {
    parts: Vec<Vec<Happening<'p>>>,
    /// What customers did (replies, auto-replies, bounces, and what they did on their customer
    /// page), in no particular order.
    pub events: Vec<Happened>,
}

impl<'p> Happenings<'p> {
    pub fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(Vec::is_empty)
    }
}

impl<'p> IntoIterator for Happenings<'p> {
    type Item = Happening<'p>;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Happening<'p>>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.parts.into_iter().flatten()
    }
}

/// How many happenings a part holds, about.
const PART: usize = 4_096;

/// Every decision the plan takes over the scenario's days. The scenario's customers are taken
/// out of its books while they are simulated (payments change them) and each is put back as it
/// was: copying every customer's books would cost more than the rest of the simulation.
pub fn simulate<'p>(scenario: &mut Scenario<'p>) -> Happenings<'p> {
    let mut customers = std::mem::take(&mut scenario.books.customers);
    let simulated =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| simulate_customers(scenario, &mut customers)));
    scenario.books.customers = customers;
    simulated.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// How many customers a core takes at a time: small enough that the cores finish together
/// (customers differ, and a core of a shared machine can be held up), large enough that taking
/// them costs nothing.
const BLOCK: usize = 32;

fn simulate_customers<'p>(scenario: &Scenario<'p>, customers: &mut [Customer]) -> Happenings<'p> {
    let facts = facts(scenario);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Starting from nothing remembered, what a customer's simulation remembers can simply be
    // cleared when it is done; otherwise each of its decisions is forgotten in turn.
    let from_nothing = scenario.state.is_empty();
    let alone = cores == 1 || customers.len() < 64;
    let blocks = std::sync::Mutex::new(customers.chunks_mut(BLOCK).enumerate());
    let run = || {
        let mut state = scenario.state.clone();
        let mut parts = Vec::new();
        let mut events = Vec::new();
        let mut happenings = Vec::with_capacity(PART);
        loop {
            // Taken in a statement of its own, so that the lock is let go before the block is run.
            let next = blocks.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).next();
            let Some((block, customers)) = next else { break };
            for (place, customer) in (block * BLOCK..).zip(customers) {
                let start = happenings.len();
                let bounced = customer.bounced.len();
                let listener =
                    Listener::new(&scenario.events, scenario.calendar, place, customer.contact.contact_id, &state);
                let listener =
                    simulate_customer(scenario, &facts, place, customer, &mut state, &mut happenings, listener);
                if let Some(listener) = listener {
                    events.extend(listener.finish(day_number(scenario.last()), customer, &mut state));
                }
                customer.bounced.truncate(bounced);
                if from_nothing {
                    state.clear();
                } else {
                    for happening in &happenings[start..] {
                        state.forget(&happening.decision);
                    }
                }
            }
            // Kept in parts of a bounded size: a list that grows by doubling copies itself.
            if happenings.len() >= PART {
                parts.push(std::mem::replace(&mut happenings, Vec::with_capacity(PART)));
            }
        }
        parts.push(happenings);
        (parts, events)
    };
    if alone {
        let (parts, events) = run();
        return Happenings { parts, events };
    }
    let mut simulated = Happenings::default();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores).map(|_| scope.spawn(run)).collect();
        for worker in workers {
            let (parts, events) = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            simulated.parts.extend(parts);
            simulated.events.extend(events);
        }
    });
    simulated
}

fn timetable<'p>(scenario: &Scenario<'p>, rules: Vec<&'p Rule>) -> Timetable<'p> {
    let (calendar_rules, invoice_rules): (Vec<&Rule>, Vec<&Rule>) =
        rules.into_iter().partition(|r| r.trigger.is_calendar());
    Timetable {
        invoice_triggers: invoice_rules.iter().map(|r| &r.trigger).collect(),
        statement_days: scenario
            .dates()
            .filter(|date| calendar_rules.iter().any(|r| calendar_falls_on(&r.trigger, *date)))
            .map(day_number)
            .collect(),
    }
}

fn facts<'p>(scenario: &Scenario<'p>) -> PlanFacts<'p> {
    let plan: &'p Plan = scenario.plan;
    let everyone = || plan.every_customer.rules.iter();
    let mut timetables: Vec<Timetable<'p>> = plan
        .segments
        .iter()
        .map(|s| timetable(scenario, s.audience.rules.iter().chain(everyone()).collect()))
        .collect();
    timetables.push(timetable(scenario, everyone().collect()));
    let guards =
        || plan.segments.iter().flat_map(|s| s.audience.guards.iter()).chain(plan.every_customer.guards.iter());
    // Segments, and "don't contact" guards (which can settle an email while it waits), change
    // with the same things.
    let mut conditions: Vec<&CustomerCondition> = plan.segments.iter().filter_map(|s| s.condition.as_ref()).collect();
    conditions.extend(guards().filter_map(|g| match &g.kind {
        GuardKind::DoNotContact { condition } => Some(condition),
        _ => None,
    }));
    let mut facts = PlanFacts {
        timetables,
        broken_promises: guards().any(|g| matches!(g.kind, GuardKind::BrokenPromise { .. })),
        overdue_counts: false,
        payments_count: false,
        billing_windows: Vec::new(),
        customer_ages: Vec::new(),
    };
    while let Some(condition) = conditions.pop() {
        match condition {
            CustomerCondition::All(all) | CustomerCondition::Any(all) => conditions.extend(all.iter()),
            CustomerCondition::Not(inner) => conditions.push(inner),
            CustomerCondition::Billed { period, .. } => facts.billing_windows.push(*period),
            CustomerCondition::FirstInvoice { age, .. } => facts.customer_ages.push(*age),
            CustomerCondition::Balance { measure, .. } => {
                facts.payments_count = true;
                facts.overdue_counts |= *measure == Balance::Overdue;
            }
            CustomerCondition::OverdueInvoices { .. } => {
                facts.payments_count = true;
                facts.overdue_counts = true;
            }
            CustomerCondition::PaysLate { .. } => facts.payments_count = true,
            _ => {}
        }
    }
    facts
}

/// The first day on which `period` before it is no earlier than `date` (or, `past`, later than
/// it): when something dated `date` drops out of a window of that length, and when an age of that
/// length is reached (or passed). With months and business days the two can be days apart.
fn period_reaches(calendar: &Calendar, date: Date, period: Period, past: bool) -> i64 {
    let mut day = calendar.after(date, period).checked_sub(10.days()).unwrap_or(date);
    for _ in 0..400 {
        let before = calendar.before(day, period);
        if before > date || (!past && before == date) {
            break;
        }
        day = day.checked_add(1.day()).unwrap_or(day);
    }
    day_number(day)
}

/// The days on which the customer's segment (or a guard) may change, as known at the start.
fn segment_checks(scenario: &Scenario<'_>, facts: &PlanFacts<'_>, customer: &Customer, place: usize) -> Vec<i64> {
    let mut days = Vec::new();
    for (invoice, paid) in customer.open.iter().zip(&scenario.paid_by_place[place]) {
        if facts.overdue_counts {
            days.push(day_number(invoice.due_date) + 1);
        }
        if let (true, Some(paid)) = (facts.payments_count, paid) {
            days.push(paid + 1);
        }
    }
    for window in &facts.billing_windows {
        for (billed, _) in &customer.history.billed {
            // In the window from its own day (an invoice dated ahead), out of it when it has passed.
            days.extend([day_number(*billed), period_reaches(scenario.calendar, *billed, *window, false)]);
        }
    }
    if let Some(first_invoice) = customer.history.first_invoice {
        for age in &facts.customer_ages {
            days.push(period_reaches(scenario.calendar, first_invoice, *age, false));
            days.push(period_reaches(scenario.calendar, first_invoice, *age, true));
        }
    }
    let (first, last) = (day_number(scenario.from), day_number(scenario.last()));
    days.retain(|day| *day > first && *day <= last);
    days.sort_unstable();
    days.dedup();
    days.reverse();
    days
}

/// The days after `after` on which something of the timetable's can fall due for the customer,
/// latest first (so that the next is at the end). `promised` are the days after promises the
/// customer page will bring (with each invoice's place), when a broken one is answered.
fn events(
    scenario: &Scenario<'_>,
    facts: &PlanFacts<'_>,
    timetable: &Timetable<'_>,
    customer: &Customer,
    places: &[u32],
    promised: &[(i64, u32)],
    after: i64,
) -> Vec<(i64, u32)> {
    let last = day_number(scenario.last());
    let mut days = Vec::new();
    for (invoice, &place) in customer.open.iter().zip(places) {
        for trigger in &timetable.invoice_triggers {
            invoice_occurrence_days(trigger, invoice, scenario.calendar, after, scenario.last(), |day| {
                days.push((day, place));
            });
        }
        let promise = scenario.state.promises.get(&invoice.invoice_id).copied().or(invoice.expected_payment_date);
        if let (true, Some(promised)) = (facts.broken_promises, promise) {
            days.push((day_number(promised) + 1, place));
        }
    }
    days.extend(promised.iter().filter(|(_, place)| places.contains(place)));
    days.extend(timetable.statement_days.iter().map(|day| (*day, STATEMENTS)));
    days.retain(|(day, _)| *day > after && *day <= last);
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

fn segment_index(plan: &Plan, segment: Option<&Segment>) -> Option<usize> {
    segment.and_then(|s| plan.segments.iter().position(|candidate| std::ptr::eq(candidate, s)))
}

/// What one day asks to be looked at.
#[derive(Default)]
struct DayWork {
    everything: bool,
    statements: bool,
    segment: bool,
    /// Something the customer did came (a reply, a bounce, a promise, a dispute, a claim).
    heard: bool,
    invoices: Vec<u32>,
}

impl DayWork {
    fn add(&mut self, what: u32) {
        if what == STATEMENTS {
            self.statements = true;
        } else {
            self.invoices.push(what);
        }
    }
}

/// A customer's coming days: segment checks and the occurrences of their segment's rules, both
/// known ahead (latest first), and waits, known as they begin.
struct Timeline {
    checks: Vec<i64>,
    events: Vec<(i64, u32)>,
    waits: BinaryHeap<Reverse<(i64, u32)>>,
    /// Days the customer does something (replies, bounces, uses their customer page): what waits
    /// is looked at again (it may now be held back).
    heard: BinaryHeap<Reverse<i64>>,
}

impl Timeline {
    fn next_day(&mut self) -> Option<(i64, DayWork)> {
        let day = [
            self.checks.last().copied(),
            self.events.last().map(|e| e.0),
            self.waits.peek().map(|w| w.0.0),
            self.heard.peek().map(|h| h.0),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let mut work = DayWork::default();
        while self.heard.peek().is_some_and(|h| h.0 == day) {
            self.heard.pop();
            work.heard = true;
        }
        while self.checks.last() == Some(&day) {
            self.checks.pop();
            work.segment = true;
        }
        while self.events.last().is_some_and(|e| e.0 == day) {
            work.add(self.events.pop().map_or(0, |e| e.1));
        }
        while self.waits.peek().is_some_and(|w| w.0.0 == day) {
            work.add(self.waits.pop().map_or(0, |w| w.0.1));
        }
        Some((day, work))
    }
}

/// A customer's books while they are simulated: payments take invoices out (remembering where
/// each was), and when done with (dropped) the books are put back as they were.
struct CustomerBooks<'c> {
    customer: &'c mut Customer,
    /// Where each open invoice was at the start.
    places: Vec<u32>,
    /// The day each invoice, by its place at the start, is paid.
    paid: &'c [Option<i64>],
    taken_out: Vec<(u32, Invoice)>,
    payments_known: usize,
}

impl<'c> CustomerBooks<'c> {
    fn new(customer: &'c mut Customer, paid: &'c [Option<i64>]) -> CustomerBooks<'c> {
        let places = (0..customer.open.len() as u32).collect();
        let payments_known = customer.history.days_late.len();
        CustomerBooks { customer, places, paid, taken_out: Vec::new(), payments_known }
    }

    /// The first day, from `after` on, on which one of the open invoices is paid.
    fn next_payment(&self, after: i64) -> i64 {
        let paid = self.places.iter().filter_map(|place| self.paid[*place as usize]);
        paid.filter(|day| *day >= after).min().unwrap_or(i64::MAX)
    }

    /// Takes out the invoices paid before `day`, as the day-by-day reference does.
    fn settle(&mut self, day: i64) {
        let (places, paid) = (&self.places, self.paid);
        for (at, invoice) in settle(self.customer, day, |at, _| paid[places[at] as usize]) {
            self.taken_out.push((self.places.remove(at), invoice));
        }
    }

    /// The place at the start of an open invoice.
    fn place_of(&self, invoice: Uuid) -> Option<u32> {
        self.customer.open.iter().position(|i| i.invoice_id == invoice).map(|at| self.places[at])
    }
}

impl Drop for CustomerBooks<'_> {
    fn drop(&mut self) {
        self.customer.history.days_late.truncate(self.payments_known);
        let open = self.customer.open.drain(..);
        let mut all: Vec<(u32, Invoice)> = self.places.drain(..).zip(open).chain(self.taken_out.drain(..)).collect();
        all.sort_unstable_by_key(|(place, _)| *place);
        self.customer.open.extend(all.into_iter().map(|(_, invoice)| invoice));
    }
}

/// Simulates one customer (at `place` in the books) over the scenario's days, with what they do
/// back (`listener`), which it gives back to be finished.
fn simulate_customer<'p, 's>(
    scenario: &Scenario<'p>,
    facts: &PlanFacts<'p>,
    place: usize,
    customer: &mut Customer,
    state: &mut Memory,
    happenings: &mut Vec<Happening<'p>>,
    mut listener: Option<Listener<'s>>,
) -> Option<Listener<'s>> {
    if customer.open.is_empty() {
        return listener;
    }
    let (plan, calendar) = (scenario.plan, scenario.calendar);
    let first = day_number(scenario.from);
    let last = day_number(scenario.last());
    let mut timeline = Timeline {
        checks: segment_checks(scenario, facts, customer, place),
        events: Vec::new(),
        waits: BinaryHeap::new(),
        heard: listener.iter().flat_map(|l| l.days_to_come()).map(Reverse).collect(),
    };
    // A promise the customer page brings is known ahead, like one remembered at the start.
    let promised: Vec<(i64, u32)> = match (&listener, facts.broken_promises) {
        (Some(listener), true) => listener
            .promises_to_come()
            .filter_map(|(invoice, on)| {
                let at = customer.open.iter().position(|i| i.invoice_id == invoice)?;
                Some((day_number(on) + 1, at as u32))
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut books = CustomerBooks::new(customer, &scenario.paid_by_place[place]);
    let mut segment: Option<Option<&Segment>> = None;
    // What came due but waits (for the window or the cap): looked at again whenever the
    // customer is, since what happens to them meanwhile (an escalation, an email) can settle it.
    let mut waiting_invoices: Vec<u32> = Vec::new();
    let mut statements_waiting = false;
    // The first day a payment takes an invoice out: settling waits until then.
    let mut next_payment = books.next_payment(i64::MIN);
    let mut today = Some((first, DayWork { everything: true, ..DayWork::default() }));
    while let Some((day, mut work)) = today.take().or_else(|| timeline.next_day()) {
        if day > last {
            break;
        }
        let Some(date) = day_from_number(day) else { break };
        if next_payment < day {
            books.settle(day);
            next_payment = books.next_payment(day - 1);
        }
        if books.customer.open.is_empty() {
            break;
        }
        if work.everything || work.segment {
            let judge = Judge { today: date, calendar, base_currency: &scenario.books.organisation.base_currency };
            let now_in = segment_of(plan, &judge, books.customer);
            let moved = segment.is_none_or(|before| segment_index(plan, before) != segment_index(plan, now_in));
            if moved {
                // New rules, some of whose occurrences may already be due, and new days ahead.
                work.everything = true;
                let timetable = facts.timetable(plan, now_in);
                timeline.events = events(scenario, facts, timetable, books.customer, &books.places, &promised, day);
            }
            segment = Some(now_in);
        }
        let waits = !waiting_invoices.is_empty() || statements_waiting;
        let something =
            work.everything || work.statements || !work.invoices.is_empty() || ((work.segment || work.heard) && waits);
        if !something {
            continue;
        }
        let now = scenario.run_at(date);
        if let Some(listener) = listener.as_mut() {
            listener.until(day, books.customer, state);
        }
        work.invoices.append(&mut waiting_invoices);
        let wanted = |at: usize| work.everything || work.invoices.contains(&books.places[at]);
        let focus = Focus { invoice: &wanted, statements: work.everything || work.statements || statements_waiting };
        let context = Context { plan, calendar, books: &scenario.books, memory: &*state, now };
        let in_segment = segment.flatten();
        let evaluation = evaluate_customer_in(&context, books.customer, in_segment, &focus);
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
                Subject::Invoice(id) => match books.place_of(id) {
                    Some(place) => place,
                    None => continue,
                },
            };
            if what == STATEMENTS {
                statements_waiting = true;
            } else {
                waiting_invoices.push(what);
            }
            timeline.waits.push(Reverse((when, what)));
        }
        let segment = segment_index(plan, in_segment).map(|s| s as u32);
        for decision in evaluation.decisions {
            state.remember(&decision, now);
            if let Some(day) = listener.as_mut().and_then(|l| l.after(&decision, date)) {
                timeline.heard.push(Reverse(day));
            }
            happenings.push(Happening { date, customer: place as u32, segment, decision });
        }
    }
    listener
}
