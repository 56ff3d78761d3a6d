//! Evaluation: given a plan, an organisation's books, what CollectIQ remembers and an instant,
//! which rule occurrences to act on now, which to record as skipped, superseded or combined, and
//! which wait — exactly as LANGUAGE.md §7 says. No I/O: the runtime and the simulator both call
//! this, the one with the store's data, the other with a simulated ledger on a virtual clock.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use smallvec::{SmallVec, smallvec};
use uuid::Uuid;

use super::books::{Books, Customer};
use super::calendar::Calendar;
use super::conditions::Judge;
use super::decision::{ActionKey, Decision, Evaluation, Invoices, Outcome, Skip, Subject, Wait, Waiting};
use super::occurrences::{
    Occurrence, day_number, invoice_occurrences, latest_calendar_occurrence, latest_invoice_occurrence,
};
use super::state::RuntimeState;
use crate::ledger::records::Invoice;
use crate::plan::{Action, Guard, GuardKind, InvoiceCondition, Plan, Rule, Segment};

/// Everything evaluation looks at, for one organisation at one instant. Decisions borrow from the
/// plan (`'p`) only, so what is remembered can change between evaluations.
pub struct Context<'p, 'a> {
    pub plan: &'p Plan,
    pub calendar: &'a Calendar,
    pub books: &'a Books,
    pub state: &'a RuntimeState,
    pub now: Timestamp,
}

/// A rule, or a guard's reaction to a broken promise, as something that fires.
struct Firing<'a> {
    id: &'a str,
    text: &'a str,
    action: &'a Action,
    condition: Option<&'a InvoiceCondition>,
}

/// An occurrence that has come due and is not handled yet.
struct Due<'a> {
    firing: Firing<'a>,
    subject: Subject,
    occurrence: Occurrence,
    invoices: Invoices,
    /// Why it may not be acted on, from the guards, whatever the timing.
    blocked: Option<Skip<'a>>,
    /// For ordering reminders of one invoice: the later stage wins.
    days_overdue: i64,
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
    let numbers: SmallVec<[Option<u32>; 16]> = rules.iter().map(|rule| context.state.rule_number(&rule.id)).collect();
    let customer_block = customer_block(context, judge, customer, &guards, judge.today);
    let mut due = Vec::new();
    let in_focus = || customer.open.iter().enumerate().filter(|(at, _)| (focus.invoice)(*at));
    context.state.warm_handled(in_focus().map(|(_, invoice)| invoice.invoice_id));
    for (_, invoice) in in_focus() {
        due_for_invoice(context, judge, customer, invoice, &rules, &numbers, &guards, customer_block.clone(), &mut due);
    }
    if focus.statements {
        due_statements(context, customer, &rules, customer_block, &mut due);
    }
    resolve(context, judge, customer, &rules, due, evaluation);
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
    match context.state.pauses.get(&customer.contact.contact_id) {
        Some(&until) if today <= until => Some(Skip::Paused { until }),
        _ => None,
    }
}

/// The promise to pay on an invoice: one entered by hand, else Xero's ExpectedPaymentDate.
fn promise_of(context: &Context<'_, '_>, invoice: &Invoice) -> Option<Date> {
    context.state.promises.get(&invoice.invoice_id).copied().or(invoice.expected_payment_date)
}

#[allow(clippy::too_many_arguments)]
fn due_for_invoice<'a>(
    context: &Context<'_, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    invoice: &Invoice,
    rules: &[&'a Rule],
    numbers: &[Option<u32>],
    guards: &[&'a Guard],
    customer_block: Option<Skip<'a>>,
    due: &mut Vec<Due<'a>>,
) {
    if context.state.stopped.contains(&invoice.invoice_id) {
        return;
    }
    let today = judge.today;
    let promise = promise_of(context, invoice);
    let minimum = context.plan.settings.minimum_amount.iter().chain(guards.iter().filter_map(|g| match &g.kind {
        GuardKind::MinimumAmount { amount } => Some(amount),
        _ => None,
    }));
    let below_minimum = minimum.into_iter().any(|m| judge.below(m, invoice));
    let disputed = context.state.disputes.contains(&invoice.invoice_id)
        && guards.iter().any(|g| matches!(g.kind, GuardKind::StopDisputed));
    let standing =
        customer_block.or(disputed.then_some(Skip::Disputed)).or(below_minimum.then_some(Skip::BelowMinimum));
    let paused_by_promise = guards.iter().find_map(|g| match (&g.kind, promise) {
        (GuardKind::PauseOnPromise { grace }, Some(promised)) => {
            let until = context.calendar.after(promised, *grace);
            (today <= until).then_some(Skip::Promised { until })
        }
        _ => None,
    });
    let days_overdue = (today - invoice.due_date).get_days() as i64;
    let subject = Subject::Invoice(invoice.invoice_id);
    for (rule, &number) in rules.iter().zip(numbers).filter(|(r, _)| !r.trigger.is_calendar()) {
        let Some(occurrence) = latest_invoice_occurrence(&rule.trigger, invoice, context.calendar, today) else {
            continue;
        };
        // "3 days before the due date" of an invoice raised the day before never came round.
        if occurrence.date < invoice.date {
            continue;
        }
        let handled = context.state.handled_by_number(invoice.invoice_id, number);
        if handled.is_some_and(|n| n >= occurrence.index) {
            continue;
        }
        // Earlier occurrences of a repeating rule that passed unhandled are recorded, as one.
        let first_unhandled = handled.map_or(0, |n| n + 1);
        if occurrence.index > first_unhandled
            && let Some(before) = invoice_occurrences(&rule.trigger, invoice, context.calendar, occurrence.date)
                .into_iter()
                .find(|o| o.index == occurrence.index - 1)
        {
            due.push(Due {
                firing: Firing {
                    id: &rule.id,
                    text: &rule.text,
                    action: &rule.action,
                    condition: rule.condition.as_ref(),
                },
                subject,
                occurrence: before,
                invoices: smallvec![invoice.invoice_id],
                blocked: Some(Skip::Overtaken { count: occurrence.index - first_unhandled }),
                days_overdue,
            });
        }
        due.push(Due {
            firing: Firing { id: &rule.id, text: &rule.text, action: &rule.action, condition: rule.condition.as_ref() },
            subject,
            occurrence,
            invoices: smallvec![invoice.invoice_id],
            blocked: standing.clone().or(paused_by_promise.clone()),
            days_overdue,
        });
    }
    // A broken promise is answered once per promised day, whatever the pause says.
    if let Some(promised) = promise.filter(|p| *p < today) {
        for guard in guards {
            if let GuardKind::BrokenPromise { id, action } = &guard.kind {
                let occurrence =
                    Occurrence { index: day_number(promised), date: promised.checked_add(1.day()).unwrap_or(promised) };
                if context.state.handled_up_to(invoice.invoice_id, id).is_some_and(|n| n >= occurrence.index) {
                    continue;
                }
                due.push(Due {
                    firing: Firing { id, text: &guard.text, action, condition: None },
                    subject,
                    occurrence,
                    invoices: smallvec![invoice.invoice_id],
                    blocked: standing.clone(),
                    days_overdue,
                });
            }
        }
    }
    let _ = customer;
}

/// Statements, for customers with an overdue balance on the statement's day, on their calendar
/// days.
fn due_statements<'a>(
    context: &Context<'_, '_>,
    customer: &Customer,
    rules: &[&'a Rule],
    customer_block: Option<Skip<'a>>,
    due: &mut Vec<Due<'a>>,
) {
    let today = context.calendar.today(context.now);
    let contact = customer.contact.contact_id;
    for rule in rules.iter().filter(|r| r.trigger.is_calendar()) {
        let Some(occurrence) = latest_calendar_occurrence(&rule.trigger, today) else { continue };
        if !customer.open.iter().any(|i| i.due_date < occurrence.date) {
            continue;
        }
        if context.state.handled_up_to(contact, &rule.id).is_some_and(|n| n >= occurrence.index) {
            continue;
        }
        due.push(Due {
            firing: Firing { id: &rule.id, text: &rule.text, action: &rule.action, condition: None },
            subject: Subject::Account(contact),
            occurrence,
            invoices: customer.open.iter().map(|i| i.invoice_id).collect(),
            blocked: customer_block.clone(),
            days_overdue: 0,
        });
    }
}

/// The last instant an occurrence may still be acted on: the close of sending on the last day of
/// its catch-up window (its own day when there is no catch-up).
fn deadline(context: &Context<'_, '_>, date: Date) -> Timestamp {
    let last_day = match context.plan.settings.catch_up {
        Some(period) => context.calendar.after(date, period),
        None => date,
    };
    context.calendar.closes(last_day)
}

/// The last instant an occurrence may be acted on, counting its catch-up window from the day the
/// frequency cap releases it when the cap holds it back.
fn expiry(context: &Context<'_, '_>, customer: &Customer, item: &Due<'_>) -> Timestamp {
    let from = held_by_the_cap(context, customer, item)
        .map_or(item.occurrence.date, |released| released.max(item.occurrence.date));
    deadline(context, from)
}

fn is_email(action: &Action) -> bool {
    matches!(action, Action::Email { .. })
}

fn key<'p>(context: &Context<'_, '_>, due: &Due<'p>) -> ActionKey<'p> {
    ActionKey {
        tenant: context.books.organisation.tenant_id,
        subject: due.subject,
        rule: due.firing.id,
        occurrence: due.occurrence.index,
    }
}

fn decision<'p>(context: &Context<'_, '_>, customer: &Customer, due: &Due<'p>, outcome: Outcome<'p>) -> Decision<'p> {
    Decision {
        key: key(context, due),
        contact_id: customer.contact.contact_id,
        invoices: due.invoices.clone(),
        rule_text: due.firing.text,
        action: due.firing.action,
        occurrence_date: due.occurrence.date,
        outcome,
    }
}

/// Turns the customer's due occurrences into decisions: timing, guards, addresses, superseding,
/// the frequency cap and consolidation.
fn resolve<'p>(
    context: &Context<'p, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    rules: &[&'p Rule],
    due: Vec<Due<'p>>,
    evaluation: &mut Evaluation<'p>,
) {
    if due.is_empty() {
        return;
    }
    let now = context.now;
    let has_address = customer.has_recipient();
    let invoice_of = |id: Uuid| customer.open.iter().find(|i| i.invoice_id == id);
    // Why an occurrence cannot act, whatever else fires with it: too late, a guard, its condition.
    let cannot_act = |item: &Due<'p>| -> Option<Skip<'p>> {
        if let Some(overtaken @ Skip::Overtaken { .. }) = &item.blocked {
            return Some(overtaken.clone());
        }
        let promised = match item.subject {
            Subject::Invoice(id) => {
                context.state.promises.contains_key(&id)
                    || invoice_of(id).is_some_and(|i| i.expected_payment_date.is_some())
            }
            Subject::Account(_) => false,
        };
        let deadline = expiry(context, customer, item);
        if now > deadline {
            Some(Skip::Missed { deadline })
        } else if let Some(blocked) = item.blocked.clone() {
            Some(blocked)
        } else if let (Some(condition), Subject::Invoice(id)) = (item.firing.condition, item.subject)
            && !invoice_of(id).is_some_and(|invoice| judge.invoice(condition, invoice, promised))
        {
            Some(Skip::ConditionNotMet)
        } else {
            None
        }
    };
    // Only an escalation that really happens now holds back the emails due with it.
    let escalating = due.iter().any(|d| matches!(d.firing.action, Action::Escalate { .. }) && cannot_act(d).is_none());
    let escalated = context.state.escalated.contains(&customer.contact.contact_id) || escalating;
    let mut emails: Vec<Due<'p>> = Vec::new();
    let mut unreachable_by_email: Vec<Due<'p>> = Vec::new();
    for item in due {
        let skip = cannot_act(&item).or_else(|| {
            if is_email(item.firing.action) && escalated {
                Some(Skip::Escalated)
            } else if is_email(item.firing.action) && !has_address {
                Some(Skip::NoAddress)
            } else {
                None
            }
        });
        match skip {
            Some(Skip::NoAddress) => {
                evaluation.decisions.push(decision(context, customer, &item, Outcome::Skipped(Skip::NoAddress)));
                unreachable_by_email.push(item);
            }
            Some(skip) => evaluation.decisions.push(decision(context, customer, &item, Outcome::Skipped(skip))),
            None if is_email(item.firing.action) => emails.push(item),
            // Tasks and stops need no sending window.
            None => evaluation.decisions.push(decision(context, customer, &item, Outcome::Act)),
        }
    }
    call_instead(context, customer, rules, &unreachable_by_email, evaluation);
    resolve_emails(context, customer, emails, evaluation);
}

/// One call a day for a customer CollectIQ could not email, about every invoice it could not
/// email them about, when the strategy has someone who makes calls.
fn call_instead<'p>(
    context: &Context<'_, '_>,
    customer: &Customer,
    rules: &[&'p Rule],
    unreachable: &[Due<'p>],
    evaluation: &mut Evaluation<'p>,
) {
    let Some(first) = unreachable.first() else { return };
    let Some(call_task) = rules.iter().map(|r| &r.action).find(|a| matches!(a, Action::CallTask { .. })) else {
        return;
    };
    let today = context.calendar.today(context.now);
    let mut call = decision(context, customer, first, Outcome::Act);
    call.key.subject = Subject::Account(customer.contact.contact_id);
    call.key.rule = "call-instead";
    call.key.occurrence = day_number(today);
    call.rule_text = "No email address: call instead";
    call.action = call_task;
    call.occurrence_date = today;
    call.invoices = unreachable.iter().flat_map(|d| d.invoices.iter().copied()).collect();
    call.invoices.sort();
    call.invoices.dedup();
    evaluation.decisions.push(call);
}

fn resolve_emails<'p>(
    context: &Context<'_, '_>,
    customer: &Customer,
    emails: Vec<Due<'p>>,
    evaluation: &mut Evaluation<'p>,
) {
    if emails.is_empty() {
        return;
    }
    // Per invoice, only the latest reminder goes; the earlier ones are superseded by it. A
    // customer has a handful due at once, so a list searched through does better than a map.
    let mut latest: SmallVec<[(Subject, usize); 8]> = SmallVec::new();
    for (index, item) in emails.iter().enumerate() {
        if let Subject::Invoice(_) = item.subject {
            match latest.iter_mut().find(|(subject, _)| *subject == item.subject) {
                Some((_, best)) => {
                    let current = &emails[*best];
                    if (item.occurrence.date, item.firing.id) > (current.occurrence.date, current.firing.id) {
                        *best = index;
                    }
                }
                None => latest.push((item.subject, index)),
            }
        }
    }
    let superseded_by: Vec<Option<ActionKey<'p>>> = emails
        .iter()
        .enumerate()
        .map(|(index, item)| match latest.iter().find(|(subject, _)| *subject == item.subject) {
            Some(&(_, best)) if best != index => Some(key(context, &emails[best])),
            _ => None,
        })
        .collect();
    let mut going: Vec<Due<'p>> = Vec::new();
    for (item, by) in emails.into_iter().zip(superseded_by) {
        match by {
            Some(by) => {
                evaluation.decisions.push(decision(context, customer, &item, Outcome::Superseded { by: Box::new(by) }))
            }
            None => going.push(item),
        }
    }
    // Timing: the sending window, then the frequency cap.
    let now = context.now;
    if !context.calendar.may_send_at(now) {
        match context.calendar.next_sending_moment(now) {
            Some(next) => {
                for item in going {
                    evaluation.waiting.push(waiting(context, customer, &item, Wait::Window { next }));
                }
            }
            None => {
                for item in going {
                    evaluation.decisions.push(decision(context, customer, &item, Outcome::Skipped(Skip::NoSendingDay)));
                }
            }
        }
        return;
    }
    if let Some(until) = capped_until(context, customer) {
        for item in going {
            evaluation.waiting.push(waiting(context, customer, &item, Wait::FrequencyCap { until }));
        }
        return;
    }
    // The most overdue first: it is the one that goes (alone under a cap, or carrying the others).
    going.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.firing.id.cmp(b.firing.id)));
    let (statements, invoices): (Vec<Due<'p>>, Vec<Due<'p>>) =
        going.into_iter().partition(|d| matches!(d.subject, Subject::Account(_)));
    let capped = context.plan.settings.frequency_cap.is_some();
    let mut sent_one = false;
    // Combined, the invoices' reminders go as one; otherwise each goes on its own, as statements do.
    let one_by_one: Vec<Due<'p>> = if context.plan.settings.consolidate && invoices.len() > 1 {
        let lead = &invoices[0];
        let lead_key = key(context, lead);
        let mut combined = decision(context, customer, lead, Outcome::Act);
        combined.invoices = invoices.iter().flat_map(|d| d.invoices.clone()).collect();
        evaluation.decisions.push(combined);
        for item in &invoices[1..] {
            evaluation.decisions.push(decision(
                context,
                customer,
                item,
                Outcome::Combined { into: Box::new(lead_key) },
            ));
        }
        sent_one = true;
        statements
    } else {
        invoices.into_iter().chain(statements).collect()
    };
    for item in one_by_one {
        if capped && sent_one {
            let until = cap_after(context, now);
            evaluation.waiting.push(waiting(context, customer, &item, Wait::FrequencyCap { until }));
            continue;
        }
        evaluation.decisions.push(decision(context, customer, &item, Outcome::Act));
        sent_one = true;
    }
}

fn waiting<'p>(context: &Context<'_, '_>, customer: &Customer, due: &Due<'p>, wait: Wait) -> Waiting<'p> {
    Waiting {
        key: key(context, due),
        contact_id: customer.contact.contact_id,
        occurrence_date: due.occurrence.date,
        expires: expiry(context, customer, due),
        wait,
    }
}

/// The first moment the cap allows another email after one sent at `sent`: the opening of
/// sending on the day the cap's period ends.
fn cap_after(context: &Context<'_, '_>, sent: Timestamp) -> Timestamp {
    match context.plan.settings.frequency_cap {
        Some(cap) => {
            let day = context.calendar.after(context.calendar.today(sent), cap);
            context.calendar.next_sending_moment(context.calendar.opens(day)).unwrap_or(sent)
        }
        None => sent,
    }
}

/// The day the frequency cap releases an email it held back when it came due. A held email waits
/// (LANGUAGE.md §7), so its catch-up window runs from then, not from its own day.
fn held_by_the_cap(context: &Context<'_, '_>, customer: &Customer, item: &Due<'_>) -> Option<Date> {
    context.plan.settings.frequency_cap?;
    if !is_email(item.firing.action) {
        return None;
    }
    let last = *context.state.last_emailed.get(&customer.contact.contact_id)?;
    let release = cap_after(context, last);
    (release > context.calendar.opens(item.occurrence.date)).then(|| context.calendar.today(release))
}

/// Until when the cap holds this customer's emails back, if it does now.
fn capped_until(context: &Context<'_, '_>, customer: &Customer) -> Option<Timestamp> {
    context.plan.settings.frequency_cap?;
    let last = *context.state.last_emailed.get(&customer.contact.contact_id)?;
    let until = cap_after(context, last);
    (context.now < until).then_some(until)
}
