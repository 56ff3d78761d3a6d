//! Which rule occurrences have come due for a customer: per invoice, under the guards, and the
//! statements on their calendar days.

use jiff::ToSpan;
use jiff::civil::Date;
use smallvec::smallvec;

use super::{Context, Due, Firing, held_by_paid_claim};
use crate::decide::books::Customer;
use crate::decide::conditions::Judge;
use crate::decide::days::day_number;
use crate::decide::decision::{Skip, Subject};
use crate::decide::occurrences::Occurrence;
use crate::decide::occurrences::{invoice_occurrences, latest_calendar_occurrence, latest_invoice_occurrence};
use crate::ledger::records::Invoice;
use crate::plan::{Guard, GuardKind, Rule};

/// The promise to pay on an invoice: one entered by hand, else Xero's ExpectedPaymentDate.
pub(super) fn promise_of(context: &Context<'_, '_>, invoice: &Invoice) -> Option<Date> {
    context.memory.promises.get(&invoice.invoice_id).copied().or(invoice.expected_payment_date)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn due_for_invoice<'a>(
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
    if context.memory.stopped.contains(&invoice.invoice_id) {
        return;
    }
    let today = judge.today;
    let promise = promise_of(context, invoice);
    let minimum = context.plan.settings.minimum_amount.iter().chain(guards.iter().filter_map(|g| match &g.kind {
        GuardKind::MinimumAmount { amount } => Some(amount),
        _ => None,
    }));
    let below_minimum = minimum.into_iter().any(|m| judge.below(m, invoice));
    let disputed = context.memory.disputes.contains(&invoice.invoice_id)
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
    let claimed_paid = context
        .memory
        .paid_claims
        .get(&invoice.invoice_id)
        .and_then(|claimed| held_by_paid_claim(guards, *claimed, context.calendar, today));
    // A claim of payment pauses like a promise: after what stands whatever the day (a dispute,
    // the minimum), and only this invoice.
    let paused = standing.clone().or(paused_by_promise).or(claimed_paid.clone());
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
        let handled = context.memory.handled_by_number(invoice.invoice_id, number);
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
            blocked: paused.clone(),
            days_overdue,
        });
    }
    // A broken promise is answered once per promised day, whatever the promise's own pause says;
    // but not while the customer says the invoice is paid: that answer would be a reminder.
    if let Some(promised) = promise.filter(|p| *p < today) {
        for guard in guards {
            if let GuardKind::BrokenPromise { id, action } = &guard.kind {
                let occurrence =
                    Occurrence { index: day_number(promised), date: promised.checked_add(1.day()).unwrap_or(promised) };
                if context.memory.handled_up_to(invoice.invoice_id, id).is_some_and(|n| n >= occurrence.index) {
                    continue;
                }
                due.push(Due {
                    firing: Firing { id, text: &guard.text, action, condition: None },
                    subject,
                    occurrence,
                    invoices: smallvec![invoice.invoice_id],
                    blocked: standing.clone().or(claimed_paid.clone()),
                    days_overdue,
                });
            }
        }
    }
    let _ = customer;
}

/// Statements, for customers with an overdue balance on the statement's day, on their calendar
/// days.
pub(super) fn due_statements<'a>(
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
        if context.memory.handled_up_to(contact, &rule.id).is_some_and(|n| n >= occurrence.index) {
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
