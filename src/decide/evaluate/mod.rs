//! Evaluation: given a plan, an organisation's books, what CollectIQ remembers and an instant,
//! which rule occurrences to act on now, which to record as skipped, superseded or combined, and
//! which wait — exactly as LANGUAGE.md §7 says. No I/O: the runtime and the simulator both call
//! this, the one with the store's data, the other with a simulated ledger on a virtual clock.

use jiff::Timestamp;
use jiff::civil::Date;
use smallvec::SmallVec;

mod collisions;
mod due;

use collisions::resolve;
use due::{due_for_invoice, due_statements};

use super::books::{Books, Customer};
use super::calendar::Calendar;
use super::conditions::Judge;
use super::decision::{Evaluation, Invoices, Skip, Subject};
use super::memory::Memory;
use super::occurrences::Occurrence;
use crate::plan::{Action, Guard, GuardKind, InvoiceCondition, PAID_CLAIM_PAUSE, Plan, ReplyPause, Rule, Segment};

/// Everything evaluation looks at, for one organisation at one instant. Decisions borrow from the
/// plan (`'p`) only, so what is remembered can change between evaluations.
pub struct Context<'p, 'a> {
    pub plan: &'p Plan,
    pub calendar: &'a Calendar,
    pub books: &'a Books,
    pub memory: &'a Memory,
    pub now: Timestamp,
}

/// A rule, or a guard's reaction to a broken promise, as something that fires.
pub(super) struct Firing<'a> {
    pub(super) id: &'a str,
    pub(super) text: &'a str,
    pub(super) action: &'a Action,
    pub(super) condition: Option<&'a InvoiceCondition>,
}

/// An occurrence that has come due and is not handled yet.
pub(super) struct Due<'a> {
    pub(super) firing: Firing<'a>,
    pub(super) subject: Subject,
    pub(super) occurrence: Occurrence,
    pub(super) invoices: Invoices,
    /// Why it may not be acted on, from the guards, whatever the timing.
    pub(super) blocked: Option<Skip<'a>>,
    /// For ordering reminders of one invoice: the later stage wins.
    pub(super) days_overdue: i64,
}

/// Customers are independent of one another, so large books are shared out among the cores; the
/// result is the same, in the same order, as one pass over them.
pub fn evaluate<'p>(context: &Context<'p, '_>) -> Evaluation<'p> {
    const WORTH_SHARING: usize = 2_000;
    let customers = &context.books.customers;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || customers.len() < WORTH_SHARING {
        return evaluate_customers(context, customers);
    }
    let share = customers.len().div_ceil(cores);
    let parts: Vec<Evaluation<'p>> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            customers.chunks(share).map(|chunk| scope.spawn(move || evaluate_customers(context, chunk))).collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut evaluation = Evaluation::default();
    for part in parts {
        evaluation.decisions.extend(part.decisions);
        evaluation.waiting.extend(part.waiting);
    }
    evaluation
}

fn evaluate_customers<'p>(context: &Context<'p, '_>, customers: &[Customer]) -> Evaluation<'p> {
    let today = context.calendar.today(context.now);
    let judge = judge_on(context, today);
    let mut evaluation = Evaluation::default();
    for customer in customers {
        evaluate_customer(context, &judge, customer, &mut evaluation);
    }
    evaluation
}

/// What conditions are judged by on a day, in the context's calendar and base currency.
fn judge_on<'c>(context: &'c Context<'_, '_>, today: Date) -> Judge<'c> {
    Judge { today, calendar: context.calendar, base_currency: &context.books.organisation.base_currency }
}

/// The first segment whose condition the customer meets on the judge's day, if any.
pub fn segment_of<'p>(plan: &'p Plan, judge: &Judge<'_>, customer: &Customer) -> Option<&'p Segment> {
    plan.segments.iter().find(|segment| segment.condition.as_ref().is_none_or(|c| judge.customer(c, customer)))
}

/// What to look at when deciding for one customer: everything (a run), or only what can have
/// come due (the simulator, which knows when each occurrence falls).
pub struct Focus<'f> {
    /// Whether an open invoice (by its place in the customer's open invoices) is looked at.
    pub invoice: &'f dyn Fn(usize) -> bool,
    pub statements: bool,
}

/// One customer's decisions at `context.now`, in the segment given, looking only at what `focus`
/// picks. It decides exactly what [`evaluate`] decides for the customer as long as every invoice
/// with an occurrence due, waiting or newly in reach (a change of segment) is picked.
pub fn evaluate_customer_in<'p>(
    context: &Context<'p, '_>,
    customer: &Customer,
    segment: Option<&'p Segment>,
    focus: &Focus<'_>,
) -> Evaluation<'p> {
    let judge = judge_on(context, context.calendar.today(context.now));
    let mut evaluation = Evaluation::default();
    if !customer.open.is_empty() {
        decide_for_customer(context, &judge, customer, segment, focus, &mut evaluation);
    }
    evaluation
}

fn evaluate_customer<'p>(
    context: &Context<'p, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    evaluation: &mut Evaluation<'p>,
) {
    if customer.open.is_empty() {
        return;
    }
    let segment = segment_of(context.plan, judge, customer);
    decide_for_customer(context, judge, customer, segment, &Focus { invoice: &|_| true, statements: true }, evaluation);
}

fn decide_for_customer<'p>(
    context: &Context<'p, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    segment: Option<&'p Segment>,
    focus: &Focus<'_>,
    evaluation: &mut Evaluation<'p>,
) {
    let plan = context.plan;
    // On the stack: the simulator decides for one customer hundreds of thousands of times.
    let rules: SmallVec<[&'p Rule; 16]> =
        segment.into_iter().flat_map(|s| s.audience.rules.iter()).chain(plan.every_customer.rules.iter()).collect();
    let guards: SmallVec<[&'p Guard; 8]> =
        segment.into_iter().flat_map(|s| s.audience.guards.iter()).chain(plan.every_customer.guards.iter()).collect();
    let numbers: SmallVec<[Option<u32>; 16]> = rules.iter().map(|rule| context.memory.rule_number(&rule.id)).collect();
    let customer_block = customer_block(context, judge, customer, &guards, judge.today);
    let email_block = replied(context, customer, &guards, judge.today);
    let mut due = Vec::new();
    let in_focus = || customer.open.iter().enumerate().filter(|(at, _)| (focus.invoice)(*at));
    context.memory.warm_handled(in_focus().map(|(_, invoice)| invoice.invoice_id));
    for (_, invoice) in in_focus() {
        due_for_invoice(context, judge, customer, invoice, &rules, &numbers, &guards, customer_block.clone(), &mut due);
    }
    if focus.statements {
        due_statements(context, customer, &rules, customer_block, &mut due);
    }
    resolve(context, judge, customer, &rules, &guards, email_block, due, evaluation);
}

fn replied<'p>(context: &Context<'_, '_>, customer: &Customer, guards: &[&'p Guard], today: Date) -> Option<Skip<'p>> {
    held_by_reply(guards, context.memory.replies.get(&customer.contact.contact_id)?, context.calendar, today)
}

/// The guards that apply to a customer: their segment's, then every customer's.
pub fn guards_for<'p>(plan: &'p Plan, segment: Option<&'p Segment>) -> impl Iterator<Item = &'p Guard> {
    segment.into_iter().flat_map(|s| s.audience.guards.iter()).chain(plan.every_customer.guards.iter())
}

/// A reply from the customer that holds back their automatic emails today, as the strategy's
/// reply guard says (until it is handled, when none does). Delivery asks too, of an email decided
/// before the reply came.
pub fn held_by_reply<'p>(
    guards: &[&'p Guard],
    replies: &crate::decide::memory::Replies,
    calendar: &Calendar,
    today: Date,
) -> Option<Skip<'p>> {
    let pause = guards
        .iter()
        .find_map(|g| match &g.kind {
            GuardKind::OnReply { pause } => Some(*pause),
            _ => None,
        })
        .unwrap_or(ReplyPause::Handled);
    let day_of = |at| calendar.today(at);
    match pause {
        ReplyPause::Never => None,
        ReplyPause::Handled => {
            let open = replies.first_open?;
            Some(Skip::Replied { on: day_of(open.at), message: open.message, until: None })
        }
        ReplyPause::Period { period } => {
            let on = day_of(replies.latest.at);
            let until = calendar.after(on, period);
            (today <= until).then_some(Skip::Replied { on, message: replies.latest.message, until: Some(until) })
        }
    }
}

/// A claim, made at `claimed`, that an invoice is already paid, if it still holds back the
/// invoice's reminders today: for as long as the strategy's paid-claim guard says, counted from
/// the day of the claim ([`PAID_CLAIM_PAUSE`] when none says).
pub fn held_by_paid_claim<'p>(
    guards: &[&Guard],
    claimed: Timestamp,
    calendar: &Calendar,
    today: Date,
) -> Option<Skip<'p>> {
    let period = guards
        .iter()
        .find_map(|g| match &g.kind {
            GuardKind::OnPaidClaim { period } => Some(*period),
            _ => None,
        })
        .unwrap_or(PAID_CLAIM_PAUSE);
    let on = calendar.today(claimed);
    let until = calendar.after(on, period);
    (today <= until).then_some(Skip::ClaimedPaid { on, until })
}

/// A guard or pause that stops everything for this customer today.
fn customer_block<'p>(
    context: &Context<'_, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    guards: &[&'p Guard],
    today: Date,
) -> Option<Skip<'p>> {
    for guard in guards {
        if let GuardKind::DoNotContact { condition } = &guard.kind
            && judge.customer(condition, customer)
        {
            return Some(Skip::DoNotContact { guard: &guard.text });
        }
    }
    match context.memory.pauses.get(&customer.contact.contact_id) {
        Some(&until) if today <= until => Some(Skip::Paused { until }),
        _ => None,
    }
}
