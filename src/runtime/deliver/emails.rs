//! The email loop of a delivery: each waiting action claimed, checked against fresh books (cancelled
//! when paid since or no longer due, composed again when its invoice changed), handed to the mail
//! server and settled.

use jiff::Timestamp;

use super::freshness::Batch;
use super::{Delivered, Deliverer, DeliveryError, MOST_ATTEMPTS, OnTheWire, Pass, Sample, later};
use crate::decide::books::Books;
use crate::decide::calendar::Calendar;
use crate::decide::conditions::Judge;
use crate::decide::evaluate::{guards_for, held_by_paid_claim, held_by_reply, segment_of};
use crate::decide::occurrences::invoice_occurrences;
use crate::failpoint;
use crate::plan::{Action, Guard, GuardKind, Plan};
use crate::runtime::compose::{ComposeError, Composed, Composer, EmailAbout, invoices_shown};
use crate::runtime::email::{RenderedEmail, message_id};
use crate::store::StoreError;
use crate::store::outbox::{Claim, Status, StoredAction};
use crate::store::page_actions::Answer;
use crate::xero::budget::Priority;

impl Deliverer<'_> {
    pub(super) async fn deliver_emails(
        &self,
        pass: &Pass,
        mut batch: Batch,
        delivered: &mut Delivered,
        samples: &mut Vec<Sample>,
    ) -> Result<(), DeliveryError> {
        // An organisation without a plan in this run (`run --org`) waits for a run that has one.
        let Some(plan) = self.plans.get(&batch.tenant) else { return Ok(()) };
        let actions = self.store.deliverable_of(Some(batch.tenant), self.now, &pass.gone, 10_000).await?;
        let mut sending_now: Option<bool> = None;
        for action in actions {
            if self.stopping() {
                break;
            }
            // A customer's email waits for the sending window without using up an attempt.
            let to_customer = action.action_kind() != Some("escalate");
            if to_customer {
                if sending_now.is_none() {
                    sending_now = Some(self.may_send(plan, &action).await);
                }
                if sending_now == Some(false) {
                    continue;
                }
            }
            // Fresh before it is claimed: an organisation Xero will not answer for keeps its
            // emails waiting, untouched, for the next run.
            if let Err(why) = self.make_fresh(&mut batch, delivered).await {
                tracing::warn!(tenant = %batch.tenant, %why, "emails wait for the next run");
                delivered.held_back.push(why.to_string());
                break;
            }
            let claim = self.store.claim(action.id, &pass.worker, &pass.gone, self.now).await?;
            match claim {
                Claim::NotYours => continue,
                Claim::Fresh => {}
                Claim::MaybeSent => delivered.emails_resumed_after_handing += 1,
            }
            failpoint::pass("deliver:claimed");
            let (outcome, wire) = self.deliver_one(pass, &action, plan, claim, &mut batch, delivered).await;
            let settled = self.settle(pass, &action, claim, outcome, delivered).await;
            drop(wire);
            if let Some(window) = settled? {
                samples.push(window);
            }
            pass.still_here(self.store).await?;
            // Let the notes have their turn between emails: nothing else here need wait when the
            // data is fresh and the email was composed when decided.
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// Records how an attempt ended. Gives, for an email sent over SMTP, how long it waited
    /// between being complete on the wire and being recorded.
    pub(super) async fn settle(
        &self,
        pass: &Pass,
        action: &StoredAction,
        claim: Claim,
        outcome: Result<Settled, Failure>,
        delivered: &mut Delivered,
    ) -> Result<Option<Sample>, StoreError> {
        let store = self.store;
        let me = pass.worker.as_str();
        let kept = match outcome {
            Ok(Settled::Sent(written)) => {
                let answered = written.map(|written| written.elapsed());
                failpoint::pass("deliver:accepted");
                let kept = store.settle(action.id, me, Status::Sent, None, self.now).await?;
                let committed = written.map(|written| written.elapsed());
                failpoint::pass("deliver:sent");
                delivered.emails_sent += 1;
                return Ok(answered.zip(committed).filter(|_| kept));
            }
            Ok(Settled::Cancelled(why)) => {
                delivered.emails_cancelled += 1;
                store.settle(action.id, me, Status::Cancelled, Some(&why), self.now).await?
            }
            Err(Failure { permanent, why, .. }) if permanent || action.attempts + 1 >= MOST_ATTEMPTS => {
                delivered.emails_failed += 1;
                store.settle(action.id, me, Status::Failed, Some(&why), self.now).await?
            }
            Err(Failure { why, maybe_sent, .. }) => {
                delivered.emails_retrying += 1;
                // Once the server may have it, it stays so until it is settled.
                let maybe_sent = maybe_sent || claim == Claim::MaybeSent;
                store.retry_later(action.id, me, &why, later(self.now, action.attempts + 1), maybe_sent).await?
            }
        };
        if !kept {
            tracing::warn!(action = action.id, "another process took this action over while it was being delivered");
        }
        Ok(None)
    }

    /// Whether the strategy's sending window is open now for this organisation.
    pub(super) async fn may_send(&self, plan: &Plan, action: &StoredAction) -> bool {
        let zone = self.store.organisation(action.tenant_id).await.ok().flatten().and_then(|o| o.organisation.zone);
        Calendar::new(&plan.settings, zone.as_deref()).is_ok_and(|calendar| calendar.may_send_at(self.now))
    }

    /// Delivers one claimed action; gives how it ended, and the email's place on the wire (held
    /// until the outcome is recorded).
    pub(super) async fn deliver_one<'p>(
        &self,
        pass: &'p Pass,
        action: &StoredAction,
        plan: &Plan,
        claim: Claim,
        batch: &mut Batch,
        delivered: &mut Delivered,
    ) -> (Result<Settled, Failure>, Option<OnTheWire<'p>>) {
        let email = match self.email_to_send(action, plan, claim, batch, delivered).await {
            Ok(Ok(email)) => email,
            Ok(Err(settled)) => return (Ok(settled), None),
            Err(failure) => return (Err(failure), None),
        };
        // The PDFs had when the email was decided go with it, on every attempt.
        let files = match self.store.attachments_of(action.id).await {
            Ok(files) => files,
            Err(error) => return (Err(Failure::later(error)), None),
        };
        match self.store.hand(action.id, &pass.worker, self.now).await {
            Ok(true) => {}
            Ok(false) => return (Err(Failure::later("another process took this action over")), None),
            Err(error) => return (Err(Failure::later(error)), None),
        }
        let wire = pass.on_the_wire();
        failpoint::pass("deliver:handed");
        let sent = self.mailer.send(&email, &files).await.map(Settled::Sent).map_err(|error| Failure {
            permanent: error.permanent,
            why: error.message,
            maybe_sent: error.maybe_sent,
        });
        (sent, Some(wire))
    }

    /// The email to hand to the mail server, or how the action ends without one.
    pub(super) async fn email_to_send(
        &self,
        action: &StoredAction,
        plan: &Plan,
        claim: Claim,
        batch: &mut Batch,
        delivered: &mut Delivered,
    ) -> Result<Result<RenderedEmail, Settled>, Failure> {
        // A message the server may already have is the one decided: nothing is asked again.
        let maybe_sent = claim == Claim::MaybeSent;
        if !maybe_sent && let Some(why) = rule_gone(action, plan) {
            return Ok(Err(Settled::Cancelled(why)));
        }
        if batch.books.is_none() {
            let books = self.store.books(action.tenant_id).await.map_err(Failure::later)?;
            batch.books = Some(books);
        }
        let books = batch.books.as_ref().expect("read just above");
        // Every attempt, the first or a retry hours later, checks that the money is still owed.
        if let Some(why) = no_longer_owed(action, books) {
            let why = if maybe_sent {
                format!("{why} (an earlier attempt may have reached the mail server, so no note is written of it)")
            } else {
                why
            };
            return Ok(Err(Settled::Cancelled(why)));
        }
        if !maybe_sent && let Some(why) = self.held_by_the_customer(action, plan, books).await? {
            return Ok(Err(Settled::Cancelled(why)));
        }
        // An address it was composed for bounced for good since: composed again, for the
        // addresses that still work (none left: nothing to send).
        let changed = !maybe_sent && (changed_since_decided(action, books) || to_a_dead_address(action, books));
        if changed && let Some(why) = not_due_any_more(action, plan, books, self.now) {
            return Ok(Err(Settled::Cancelled(why)));
        }
        let email = match &action.email {
            // Composed when it was decided (or at an earlier attempt): the very same message goes.
            Some(kept) if !changed => serde_json::from_str::<RenderedEmail>(kept)
                .map_err(|e| Failure::permanent(format_args!("the email kept for this action is unreadable: {e}")))?,
            // Never composed (decided by an older CollectIQ), or its invoice changed since and it
            // is still due: decided again, under the same key and Message-ID.
            _ => match self.compose_now(action, plan, books).await? {
                Some(email) => {
                    delivered.emails_decided_again += u64::from(changed);
                    email
                }
                None => return Ok(Err(Settled::Cancelled("nothing to send any more".into()))),
            },
        };
        Ok(Ok(email))
    }

    /// Why an automatic email decided earlier may not go now: the customer replied since, and the
    /// strategy pauses for replies; or, for an invoice's email, they answered on their page since
    /// (a promise, a dispute, a claim to have paid) and the strategy holds the invoice for it.
    /// Escalations go to a person of ours, not to the customer.
    async fn held_by_the_customer(
        &self,
        action: &StoredAction,
        plan: &Plan,
        books: &Books,
    ) -> Result<Option<String>, Failure> {
        if action.action_kind() != Some("email") {
            return Ok(None);
        }
        let Some(customer) = books.customer(action.contact_id) else { return Ok(None) };
        let Ok(calendar) = Calendar::new(&plan.settings, books.organisation.zone.as_deref()) else { return Ok(None) };
        let today = calendar.today(self.now);
        let judge = Judge { today, calendar: &calendar, base_currency: &books.organisation.base_currency };
        let guards: Vec<&Guard> = guards_for(plan, segment_of(plan, &judge, customer)).collect();
        let replies = self.store.replies_of(action.tenant_id, action.contact_id).await.map_err(Failure::later)?;
        if let Some(skip) = replies.and_then(|replies| held_by_reply(&guards, &replies, &calendar, today)) {
            return Ok(Some(format!("{skip}: not sent")));
        }
        if action.subject_kind != "invoice" {
            return Ok(None);
        }
        // What the customer answered on their page about this invoice after it was decided.
        let answers = self.store.page_actions(action.tenant_id, action.contact_id).await.map_err(Failure::later)?;
        let since = answers.iter().filter(|answer| {
            answer.at > action.decided_at && answer.state != "replaced" && answer.invoices.contains(&action.subject_id)
        });
        for answer in since {
            let held = match &answer.answer {
                Answer::Promise { on } => guards.iter().find_map(|guard| match guard.kind {
                    GuardKind::PauseOnPromise { grace } => {
                        let until = calendar.after(*on, grace);
                        (today <= until).then(|| {
                            format!("the customer promised on their page to pay by {on}; paused until {until}")
                        })
                    }
                    _ => None,
                }),
                Answer::Dispute { .. } => guards
                    .iter()
                    .any(|guard| matches!(guard.kind, GuardKind::StopDisputed))
                    .then(|| "the customer disputed the invoice on their page".to_string()),
                Answer::PaidClaim { .. } if answer.changeable() => {
                    held_by_paid_claim(&guards, answer.at, &calendar, today).map(|skip| skip.to_string())
                }
                Answer::PaidClaim { .. } => None,
            };
            if let Some(why) = held {
                return Ok(Some(format!("{why}: not sent")));
            }
        }
        Ok(None)
    }

    /// Composes an email with the plan in force and the books as they are now, and keeps it, so
    /// that every later attempt sends the same message. Its Message-ID is the one it was given
    /// when decided, else the one its key gives.
    pub(super) async fn compose_now(
        &self,
        action: &StoredAction,
        plan: &Plan,
        books: &Books,
    ) -> Result<Option<RenderedEmail>, Failure> {
        let plan_action: Action = serde_json::from_value(action.action.clone()).map_err(Failure::permanent)?;
        let composer = Composer::new(&self.sender, self.client, self.store, self.pages, self.now);
        let statement = action.subject_kind == "account";
        let shows_links = match &plan_action {
            Action::Email { template, .. } => {
                plan.templates.get(template).is_some_and(|t| t.needs_online_links(self.pages.is_some()))
            }
            _ => false,
        };
        if shows_links {
            let shown = invoices_shown(books, action.contact_id, &action.invoices, statement);
            let patience = tokio::time::Instant::now() + self.patience;
            composer.fetch_links(action.tenant_id, &shown, patience, Priority::Now).await;
        }
        let about = EmailAbout {
            key: &action.key,
            action: &plan_action,
            contact_id: action.contact_id,
            invoices: &action.invoices,
            statement,
            rule_text: &action.rule_text,
        };
        let (mut email, links) = match composer.compose(plan, books, about).await {
            Ok(Composed::Email(email, links)) => (*email, links),
            Ok(Composed::Nothing(_)) => return Ok(None),
            Err(ComposeError { permanent, why }) => return Err(Failure { permanent, why, maybe_sent: false }),
        };
        email.message_id =
            action.message_id.clone().unwrap_or_else(|| message_id(&action.key, Some(&email.from_address)));
        let kept = serde_json::to_string(&email).map_err(Failure::permanent)?;
        self.store.set_email(action.id, &email.message_id, &kept, links).await.map_err(Failure::later)?;
        Ok(Some(email))
    }
}

/// Whether an invoice of the action changed in Xero after the action was decided (a payment, a
/// new due date, an edit): its email, composed then, may say something no longer true.
pub(super) fn changed_since_decided(action: &StoredAction, books: &Books) -> bool {
    let Some(customer) = books.customer(action.contact_id) else { return false };
    customer
        .open
        .iter()
        .any(|invoice| action.invoices.contains(&invoice.invoice_id) && invoice.updated > action.decided_at)
}
/// Why an action whose invoice changed is not due under its rule any more (its due date moved,
/// so the occurrence it was decided for has not come, or is not one any more).
pub(super) fn not_due_any_more(action: &StoredAction, plan: &Plan, books: &Books, now: Timestamp) -> Option<String> {
    if action.subject_kind != "invoice" {
        return None;
    }
    let rule = plan
        .segments
        .iter()
        .flat_map(|s| s.audience.rules.iter())
        .chain(plan.every_customer.rules.iter())
        .find(|rule| rule.id == action.rule_id)?;
    let invoice = books.customer(action.contact_id)?.open.iter().find(|i| i.invoice_id == action.subject_id)?;
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).ok()?;
    let today = calendar.today(now);
    let due =
        invoice_occurrences(&rule.trigger, invoice, &calendar, today).iter().any(|o| o.index == action.occurrence);
    (!due).then(|| {
        format!(
            "{} changed in Xero after this was decided (now due {}): not due under its rule any more",
            invoice.number, invoice.due_date
        )
    })
}
/// Whether the email kept for an action goes to an address that has bounced for good since.
fn to_a_dead_address(action: &StoredAction, books: &Books) -> bool {
    let Some(customer) = books.customer(action.contact_id).filter(|c| !c.bounced.is_empty()) else { return false };
    let Some(kept) = action.email.as_deref().and_then(|e| serde_json::from_str::<RenderedEmail>(e).ok()) else {
        return false;
    };
    kept.to.iter().any(|to| customer.bounced.contains(&to.trim().to_lowercase()))
}

/// Why an email is not owed any more: none of the invoices it is about is still open.
pub(super) fn no_longer_owed(action: &StoredAction, books: &Books) -> Option<String> {
    let customer = books.customer(action.contact_id)?;
    let still_open = action.invoices.iter().any(|id| customer.open.iter().any(|i| i.invoice_id == *id));
    (!still_open && !action.invoices.is_empty()).then(|| "paid, voided or credited before it was sent".to_string())
}
/// Why an action is not to be delivered under the plan in force: its rule has left the strategy.
/// (Rules CollectIQ adds itself, such as `call-instead`, are never emails.)
pub(super) fn rule_gone(action: &StoredAction, plan: &Plan) -> Option<String> {
    let known = plan
        .segments
        .iter()
        .flat_map(|s| s.audience.rules.iter())
        .chain(plan.every_customer.rules.iter())
        .any(|rule| rule.id == action.rule_id);
    (!known).then(|| format!("its rule {} is no longer in the strategy \"{}\"", action.rule_id, plan.strategy))
}
pub(super) enum Settled {
    /// Taken by the mail server; when its final dot was written, over SMTP.
    Sent(Option<std::time::Instant>),
    Cancelled(String),
}
pub(super) struct Failure {
    permanent: bool,
    why: String,
    /// The message was complete on the wire before the failure: the server may have it.
    maybe_sent: bool,
}
impl Failure {
    /// A failure no retry mends; `why` is kept in the outbox for the operator.
    fn permanent(why: impl std::fmt::Display) -> Failure {
        Failure { permanent: true, why: why.to_string(), maybe_sent: false }
    }

    /// A failure worth trying again.
    fn later(why: impl std::fmt::Display) -> Failure {
        Failure { permanent: false, why: why.to_string(), maybe_sent: false }
    }
}
