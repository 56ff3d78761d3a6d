//! When occurrences meet: timing and catch-up, guards, addresses, a later reminder superseding an
//! earlier one, the frequency cap, and emails combined into one (LANGUAGE.md §7).

use jiff::Timestamp;
use jiff::civil::Date;
use smallvec::SmallVec;

use super::{Context, Due};
use crate::decide::books::Customer;
use crate::decide::conditions::Judge;
use crate::decide::days::day_number;
use crate::decide::decision::{ActionKey, Decision, Evaluation, Outcome, Skip, Subject, Wait, Waiting};
use crate::plan::{Action, Guard, GuardKind, Rule};

/// The call task for a customer no address reaches any more, when the strategy names nobody.
static UNASSIGNED_CALL: Action = Action::CallTask { assignee: String::new() };
use uuid::Uuid;

/// The last instant an occurrence may still be acted on: the close of sending on the last day of
/// its catch-up window (its own day when there is no catch-up).
pub(super) fn deadline(context: &Context<'_, '_>, date: Date) -> Timestamp {
    let last_day = match context.plan.settings.catch_up {
        Some(period) => context.calendar.after(date, period),
        None => date,
    };
    context.calendar.closes(last_day)
}

/// The last instant an occurrence may be acted on, counting its catch-up window from the day the
/// frequency cap releases it when the cap holds it back.
pub(super) fn expiry(context: &Context<'_, '_>, customer: &Customer, item: &Due<'_>) -> Timestamp {
    let from = held_by_the_cap(context, customer, item)
        .map_or(item.occurrence.date, |released| released.max(item.occurrence.date));
    deadline(context, from)
}

pub(super) fn is_email(action: &Action) -> bool {
    matches!(action, Action::Email { .. })
}

pub(super) fn key<'p>(context: &Context<'_, '_>, due: &Due<'p>) -> ActionKey<'p> {
    ActionKey {
        tenant: context.books.organisation.tenant_id,
        subject: due.subject,
        rule: due.firing.id,
        occurrence: due.occurrence.index,
    }
}

pub(super) fn decision<'p>(
    context: &Context<'_, '_>,
    customer: &Customer,
    due: &Due<'p>,
    outcome: Outcome<'p>,
) -> Decision<'p> {
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
#[allow(clippy::too_many_arguments)]
pub(super) fn resolve<'p>(
    context: &Context<'p, '_>,
    judge: &Judge<'_>,
    customer: &Customer,
    rules: &[&'p Rule],
    guards: &[&'p Guard],
    email_block: Option<Skip<'p>>,
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
                context.memory.promises.contains_key(&id)
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
    let escalated = context.memory.escalated.contains(&customer.contact.contact_id) || escalating;
    let mut emails: Vec<Due<'p>> = Vec::new();
    let mut unreachable_by_email: Vec<Due<'p>> = Vec::new();
    for item in due {
        let skip = cannot_act(&item).or_else(|| {
            if is_email(item.firing.action) && escalated {
                Some(Skip::Escalated)
            } else if is_email(item.firing.action) && email_block.is_some() {
                email_block.clone()
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
    call_instead(context, customer, rules, guards, &unreachable_by_email, evaluation);
    resolve_emails(context, customer, emails, evaluation);
}

/// One call a day for a customer CollectIQ could not email, about every invoice it could not
/// email them about, when the strategy has someone who makes calls.
pub(super) fn call_instead<'p>(
    context: &Context<'_, '_>,
    customer: &Customer,
    rules: &[&'p Rule],
    guards: &[&'p Guard],
    unreachable: &[Due<'p>],
    evaluation: &mut Evaluation<'p>,
) {
    let Some(first) = unreachable.first() else { return };
    // A customer whose every address bounced gets the call the bounce guard names (unassigned
    // when none does); one who never had an address, the strategy's own call task, if any.
    let after_bounces = customer.lost_by_bounces().then(|| {
        guards
            .iter()
            .find_map(|g| match &g.kind {
                GuardKind::OnBounce { action } => Some(action),
                _ => None,
            })
            .unwrap_or(&UNASSIGNED_CALL)
    });
    let Some(call_task) =
        after_bounces.or_else(|| rules.iter().map(|r| &r.action).find(|a| matches!(a, Action::CallTask { .. })))
    else {
        return;
    };
    let today = context.calendar.today(context.now);
    let mut call = decision(context, customer, first, Outcome::Act);
    call.key.subject = Subject::Account(customer.contact.contact_id);
    call.key.rule = "call-instead";
    call.key.occurrence = day_number(today);
    call.rule_text = if customer.lost_by_bounces() {
        "Every address bounced: call instead"
    } else {
        "No email address: call instead"
    };
    call.action = call_task;
    call.occurrence_date = today;
    call.invoices = unreachable.iter().flat_map(|d| d.invoices.iter().copied()).collect();
    call.invoices.sort();
    call.invoices.dedup();
    evaluation.decisions.push(call);
}

pub(super) fn resolve_emails<'p>(
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

pub(super) fn waiting<'p>(context: &Context<'_, '_>, customer: &Customer, due: &Due<'p>, wait: Wait) -> Waiting<'p> {
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
pub(super) fn cap_after(context: &Context<'_, '_>, sent: Timestamp) -> Timestamp {
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
pub(super) fn held_by_the_cap(context: &Context<'_, '_>, customer: &Customer, item: &Due<'_>) -> Option<Date> {
    context.plan.settings.frequency_cap?;
    if !is_email(item.firing.action) {
        return None;
    }
    let last = *context.memory.last_emailed.get(&customer.contact.contact_id)?;
    let release = cap_after(context, last);
    (release > context.calendar.opens(item.occurrence.date)).then(|| context.calendar.today(release))
}

/// Until when the cap holds this customer's emails back, if it does now.
pub(super) fn capped_until(context: &Context<'_, '_>, customer: &Customer) -> Option<Timestamp> {
    context.plan.settings.frequency_cap?;
    let last = *context.memory.last_emailed.get(&customer.contact.contact_id)?;
    let until = cap_after(context, last);
    (context.now < until).then_some(until)
}
