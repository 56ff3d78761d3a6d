//! Delivery: the outbox's waiting actions carried out — emails (composed when they were decided
//! and sent exactly as kept; checked against fresh data first, and cancelled if paid since or if
//! their rule has left the strategy), escalation emails to the person named — while the history
//! notes of what is done drain to Xero beside them. Every step is a move of the outbox's state
//! machine that only the claiming process can make; failures are tried again with growing
//! waits; work a dead process held is taken over, as the same message with the same Message-ID.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::books::Books;
use super::calendar::Calendar;
use super::compose::{ComposeError, Composed, Composer, DefaultSender, EmailAbout};
use super::email::{RenderedEmail, message_id};
use super::mailer::Mailer;
use crate::failpoint;
use crate::plan::{Action, Plan};
use crate::store::outbox::{Claim, Status, StoredAction};
use crate::store::receivables::Records;
use crate::store::tasks::{NoteClaim, PendingNote};
use crate::store::{Store, StoreError};
use crate::xero::client::{ApiError, Get, XeroClient};
use crate::xero::{convert, wire};

/// An action tried this many times is given up (and shown as failed).
pub const MOST_ATTEMPTS: u32 = 8;

pub struct Deliverer<'a> {
    pub store: &'a Mutex<Store>,
    pub mailer: &'a Mailer,
    /// Xero, for freshness checks, online invoice links and history notes; none in a dry world.
    pub client: Option<&'a XeroClient>,
    /// The plan each organisation runs under.
    pub plans: &'a HashMap<Uuid, Arc<Plan>>,
    pub sender: DefaultSender,
    pub freshness: SignedDuration,
    /// The run's instant: what is due, the freshness of data and every retry are reckoned from it.
    pub now: Timestamp,
    /// Set when the process is asked to stop: the email being sent is finished, the rest wait
    /// in the outbox for the next run.
    pub stop: Option<&'a AtomicBool>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Delivered {
    pub emails_sent: u64,
    pub emails_failed: u64,
    pub emails_retrying: u64,
    /// Emails not sent: their invoices were paid, voided or credited since, or their rule has
    /// left the strategy.
    pub emails_cancelled: u64,
    /// Emails taken over from a process that died after handing them to the mail server: sent
    /// again under their own Message-ID (the server may have had them already).
    pub emails_resumed_after_handing: u64,
    pub notes_written: u64,
    /// Notes whose earlier write had no certain answer, found in Xero's History and not written
    /// again.
    pub notes_found_in_xero: u64,
    pub notes_failed: u64,
    /// How long emails stayed between being complete on the wire and recorded as sent.
    pub sent_window: Option<Window>,
}

/// Milliseconds from an email's final dot on the wire to its "sent" commit, and the part of that
/// spent waiting for the server's answer (the rest is CollectIQ's own commit).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Window {
    pub emails: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// From the final dot to the server's 250 being read.
    pub answer_median_ms: f64,
    pub answer_p99_ms: f64,
}

/// One email's window: (until the server's answer was read, until the commit).
type Sample = (Duration, Duration);

impl Window {
    fn of(samples: Vec<Sample>) -> Option<Window> {
        if samples.is_empty() {
            return None;
        }
        let sorted = |mut durations: Vec<Duration>| {
            durations.sort();
            durations
        };
        let answers = sorted(samples.iter().map(|s| s.0).collect());
        let whole = sorted(samples.iter().map(|s| s.1).collect());
        let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        let at = |list: &[Duration], q: f64| list[((list.len() as f64 * q).ceil() as usize).clamp(1, list.len()) - 1];
        Some(Window {
            emails: whole.len(),
            median_ms: ms(at(&whole, 0.5)),
            p99_ms: ms(at(&whole, 0.99)),
            max_ms: ms(whole[whole.len() - 1]),
            answer_median_ms: ms(at(&answers, 0.5)),
            answer_p99_ms: ms(at(&answers, 0.99)),
        })
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits between tries: 1 minute, 5, 30, then 2 hours.
fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(match attempts {
        0 | 1 => 1,
        2 => 5,
        3 => 30,
        _ => 120,
    })
}

fn later(now: Timestamp, attempts: u32) -> Timestamp {
    now.checked_add(backoff(attempts)).unwrap_or(now)
}

/// What this delivery pass is: who it is, and whose claims it may take over.
struct Pass<'a> {
    worker: &'a str,
    gone: Vec<String>,
    emails_done: AtomicBool,
    /// An email is with the mail server and not yet recorded: the notes keep off the store
    /// meanwhile, so that its "sent" commit never waits behind theirs (both share one task, and
    /// a commit holds it until it is on disk).
    on_the_wire: tokio::sync::watch::Sender<bool>,
    /// When this worker last said it is still about (for workers on other hosts, that is its lease).
    seen: std::sync::Mutex<std::time::Instant>,
}

impl Pass<'_> {
    /// Says again, every minute, that this worker is still about.
    fn still_here(&self, store: &Mutex<Store>) -> Result<(), StoreError> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.elapsed() > Duration::from_secs(60) {
            lock(store).register_worker(Timestamp::now())?;
            *seen = std::time::Instant::now();
        }
        Ok(())
    }

    /// Waits until the next email has been recorded (its notes may now be written), or a little
    /// while.
    async fn next_email_settled(&self) {
        let mut wire = self.on_the_wire.subscribe();
        let settled = async {
            let _ = wire.wait_for(|on| *on).await;
            let _ = wire.wait_for(|on| !on).await;
        };
        let _ = tokio::time::timeout(Duration::from_millis(20), settled).await;
    }

    /// Waits while an email is on the wire.
    async fn keep_off_the_wire(&self) {
        // Woken the moment the email is recorded, so the notes go in the gap before the next.
        let mut wire = self.on_the_wire.subscribe();
        let _ = wire.wait_for(|on| !on).await;
    }
}

impl Deliverer<'_> {
    /// Delivers what is due, writing history notes as their actions are done. `books` are
    /// organisations' books already read (by the run that just decided); the others are read
    /// when first needed.
    pub async fn deliver(&self, books: HashMap<Uuid, Books>) -> Result<Delivered, StoreError> {
        let (worker, gone) = {
            let store = lock(self.store);
            let worker = store.register_worker(Timestamp::now())?;
            store.forget_gone_workers(Timestamp::now())?;
            let mut gone = store.gone_workers(Timestamp::now())?;
            // Work this process still holds from an earlier pass (one that stopped on an error)
            // is taken up again: one pass at a time runs in a process.
            gone.push(worker.id.clone());
            (worker, gone)
        };
        let pass = Pass {
            worker: &worker.id,
            gone,
            emails_done: AtomicBool::new(false),
            on_the_wire: tokio::sync::watch::Sender::new(false),
            seen: std::sync::Mutex::new(std::time::Instant::now()),
        };
        let mut delivered = Delivered::default();
        let mut notes = Delivered::default();
        let work = async {
            tokio::join!(
                async {
                    let result = self.deliver_emails(&pass, books, &mut delivered).await;
                    pass.emails_done.store(true, Ordering::SeqCst);
                    result
                },
                self.drain_notes(&pass, &mut notes)
            )
        };
        // One Xero call can wait minutes on rate limits: the worker says it is still about
        // meanwhile, so that no process elsewhere takes its claims over.
        let heartbeat = async {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                pass.keep_off_the_wire().await;
                if let Err(error) = pass.still_here(self.store) {
                    tracing::warn!(%error, "could not say this worker is still about");
                }
            }
        };
        let (emails, written) = tokio::select! {
            done = work => done,
            _ = heartbeat => unreachable!("the heartbeat never ends"),
        };
        emails?;
        written?;
        delivered.notes_written = notes.notes_written;
        delivered.notes_found_in_xero = notes.notes_found_in_xero;
        delivered.notes_failed = notes.notes_failed;
        self.mailer.close().await;
        Ok(delivered)
    }

    /// Whether the process has been asked to stop.
    fn stopping(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::SeqCst))
    }

    async fn deliver_emails(
        &self,
        pass: &Pass<'_>,
        mut books: HashMap<Uuid, Books>,
        delivered: &mut Delivered,
    ) -> Result<(), StoreError> {
        let mut sending_now: HashMap<Uuid, bool> = HashMap::new();
        let mut windows = Vec::new();
        let actions = lock(self.store).deliverable(self.now, &pass.gone, 10_000)?;
        for action in actions {
            if self.stopping() {
                break;
            }
            // Another organisation's action (`run --org`) waits for a run that has its strategy,
            // and a customer's email waits for the sending window, without using up an attempt.
            let Some(plan) = self.plans.get(&action.tenant_id) else { continue };
            let to_customer = action.action_kind() != Some("escalate");
            if to_customer && !*sending_now.entry(action.tenant_id).or_insert_with(|| self.may_send(plan, &action)) {
                continue;
            }
            let claim = lock(self.store).claim(action.id, pass.worker, &pass.gone, self.now)?;
            match claim {
                Claim::NotYours => continue,
                Claim::Fresh => {}
                Claim::MaybeSent => delivered.emails_resumed_after_handing += 1,
            }
            failpoint::pass("deliver:claimed");
            let outcome = self.deliver_one(pass, &action, plan, claim, &mut books).await;
            let settled = self.settle(pass, &action, claim, outcome, delivered);
            pass.on_the_wire.send_replace(false);
            if let Some(window) = settled? {
                windows.push(window);
            }
            pass.still_here(self.store)?;
            // Let the notes have their turn between emails: nothing else here need wait when the
            // data is fresh and the email was composed when decided.
            tokio::task::yield_now().await;
        }
        delivered.sent_window = Window::of(windows);
        Ok(())
    }

    /// Records how an attempt ended. Gives, for an email sent over SMTP, how long it waited
    /// between being complete on the wire and being recorded.
    fn settle(
        &self,
        pass: &Pass<'_>,
        action: &StoredAction,
        claim: Claim,
        outcome: Result<Settled, Failure>,
        delivered: &mut Delivered,
    ) -> Result<Option<Sample>, StoreError> {
        let answered = self.mailer.last_written().map(|written| written.elapsed());
        let mut store = lock(self.store);
        let me = pass.worker;
        let kept = match outcome {
            Ok(Settled::Sent) => {
                failpoint::pass("deliver:accepted");
                let kept = store.settle(action.id, me, Status::Sent, None, self.now)?;
                let committed = self.mailer.last_written().map(|written| written.elapsed());
                failpoint::pass("deliver:sent");
                delivered.emails_sent += 1;
                return Ok(answered.zip(committed).filter(|_| kept));
            }
            Ok(Settled::Cancelled(why)) => {
                delivered.emails_cancelled += 1;
                store.settle(action.id, me, Status::Cancelled, Some(&why), self.now)?
            }
            Err(Failure { permanent, why, .. }) if permanent || action.attempts + 1 >= MOST_ATTEMPTS => {
                delivered.emails_failed += 1;
                store.settle(action.id, me, Status::Failed, Some(&why), self.now)?
            }
            Err(Failure { why, maybe_sent, .. }) => {
                delivered.emails_retrying += 1;
                // Once the server may have it, it stays so until it is settled.
                let maybe_sent = maybe_sent || claim == Claim::MaybeSent;
                store.retry_later(action.id, me, &why, later(self.now, action.attempts + 1), maybe_sent)?
            }
        };
        if !kept {
            tracing::warn!(action = action.id, "another process took this action over while it was being delivered");
        }
        Ok(None)
    }

    /// Whether the strategy's sending window is open now for this organisation.
    fn may_send(&self, plan: &Plan, action: &StoredAction) -> bool {
        let zone = lock(self.store).organisation(action.tenant_id).ok().flatten().and_then(|o| o.organisation.zone);
        Calendar::new(&plan.settings, zone.as_deref()).is_ok_and(|calendar| calendar.may_send_at(self.now))
    }

    async fn deliver_one(
        &self,
        pass: &Pass<'_>,
        action: &StoredAction,
        plan: &Plan,
        claim: Claim,
        books: &mut HashMap<Uuid, Books>,
    ) -> Result<Settled, Failure> {
        // A message the server may already have is the one decided: its rule is not asked again.
        let maybe_sent = claim == Claim::MaybeSent;
        if !maybe_sent && let Some(why) = rule_gone(action, plan) {
            return Ok(Settled::Cancelled(why));
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = books.entry(action.tenant_id) {
            slot.insert(Books::load(&lock(self.store), action.tenant_id).map_err(|e| Failure::later(e.to_string()))?);
        }
        // Every attempt, the first or a retry hours later, checks that the money is still owed.
        self.make_fresh(action, books).await?;
        if let Some(why) = no_longer_owed(action, &books[&action.tenant_id]) {
            let why = if maybe_sent {
                format!("{why} (an earlier attempt may have reached the mail server, so no note is written of it)")
            } else {
                why
            };
            return Ok(Settled::Cancelled(why));
        }
        let email = match &action.email {
            // Composed when it was decided (or at an earlier attempt): the very same message goes.
            Some(kept) => serde_json::from_str::<RenderedEmail>(kept)
                .map_err(|e| Failure::permanent(format!("the email kept for this action is unreadable: {e}")))?,
            None => match self.compose_now(action, plan, &books[&action.tenant_id]).await? {
                Some(email) => email,
                None => return Ok(Settled::Cancelled("nothing to send any more".into())),
            },
        };
        if !lock(self.store).hand(action.id, pass.worker, self.now).map_err(|e| Failure::later(e.to_string()))? {
            return Err(Failure::later("another process took this action over".into()));
        }
        pass.on_the_wire.send_replace(true);
        failpoint::pass("deliver:handed");
        self.mailer.send(&email).await.map(|_| Settled::Sent).map_err(|error| Failure {
            permanent: error.permanent,
            why: error.message,
            maybe_sent: error.maybe_sent,
        })
    }

    /// Composes, with the plan in force, an email decided before emails were composed when
    /// decided, and keeps it, so that every later attempt sends the same message. Its
    /// Message-ID is the one it was given when decided, else the one its key gives.
    async fn compose_now(
        &self,
        action: &StoredAction,
        plan: &Plan,
        books: &Books,
    ) -> Result<Option<RenderedEmail>, Failure> {
        let plan_action: Action =
            serde_json::from_value(action.action.clone()).map_err(|e| Failure::permanent(e.to_string()))?;
        let composer = Composer { sender: &self.sender, client: self.client, store: self.store, now: self.now };
        let about = EmailAbout {
            key: &action.key,
            action: &plan_action,
            contact_id: action.contact_id,
            invoices: &action.invoices,
            statement: action.subject_kind == "account",
            rule_text: &action.rule_text,
        };
        let mut email = match composer.compose(plan, books, about).await {
            Ok(Composed::Email(email)) => *email,
            Ok(Composed::Nothing(_)) => return Ok(None),
            Err(ComposeError { permanent, why }) => return Err(Failure { permanent, why, maybe_sent: false }),
        };
        email.message_id = action.message_id.clone().unwrap_or_else(|| message_id(&action.key));
        let kept = serde_json::to_string(&email).map_err(|e| Failure::permanent(e.to_string()))?;
        lock(self.store).set_email(action.id, &email.message_id, &kept).map_err(|e| Failure::later(e.to_string()))?;
        Ok(Some(email))
    }

    /// Before an email goes, its invoices must be known unpaid by a recent sync: if the last sync
    /// is older than the freshness limit at the run's instant, they are fetched again. An
    /// invoice Xero does not return is no longer known unpaid; an answer that does not come is a
    /// reason to try later, never to send on old data.
    async fn make_fresh(&self, action: &StoredAction, books: &mut HashMap<Uuid, Books>) -> Result<(), Failure> {
        let Some(client) = self.client else { return Ok(()) };
        let organisation =
            lock(self.store).organisation(action.tenant_id).map_err(|e| Failure::later(e.to_string()))?;
        let Some(organisation) = organisation else { return Err(Failure::later("the organisation is gone".into())) };
        let stale = organisation
            .last_sync_at
            .is_none_or(|at| at.checked_add(self.freshness).is_ok_and(|fresh| fresh <= self.now));
        if !stale || action.invoices.is_empty() {
            return Ok(());
        }
        let grant = organisation.grant_id.ok_or_else(|| Failure::later("the organisation is not connected".into()))?;
        let answers = crate::xero::sync::fetch_by_ids::<wire::Envelope<wire::Invoices>>(
            client,
            action.tenant_id,
            grant,
            "Invoices",
            action.invoices.clone(),
        )
        .await
        .map_err(|error| {
            Failure::later(format!("could not confirm with Xero that the invoices are unpaid: {error}"))
        })?;
        let mut fresh = Vec::new();
        for answer in answers.iter().flat_map(|a| a.items.items.iter()) {
            let invoice = convert::invoice(action.tenant_id, answer)
                .map_err(|error| Failure::later(format!("Xero's answer for an invoice is unreadable: {error}")))?;
            fresh.push(invoice);
        }
        let _ = lock(self.store).save_records(action.tenant_id, &Records::Invoices(fresh.clone()));
        let Some(customer) = books.get_mut(&action.tenant_id).and_then(|b| b.customer_mut(action.contact_id)) else {
            return Ok(());
        };
        customer.open.retain(|invoice| !action.invoices.contains(&invoice.invoice_id));
        customer.open.extend(fresh.into_iter().filter(|i| i.is_open() && i.contact_id == action.contact_id));
        customer.open.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
        Ok(())
    }

    /// Writes history notes as their actions are done, until the emails are delivered and the
    /// queue is empty (or the process is asked to stop: notes wait for the next start).
    async fn drain_notes(&self, pass: &Pass<'_>, delivered: &mut Delivered) -> Result<(), StoreError> {
        let Some(client) = self.client else { return Ok(()) };
        let mut grants: HashMap<Uuid, Option<i64>> = HashMap::new();
        loop {
            if self.stopping() {
                return Ok(());
            }
            // Read whether the emails are done before looking: a note whose email was sent just
            // before is then certainly seen.
            let emails_done = pass.emails_done.load(Ordering::SeqCst);
            pass.keep_off_the_wire().await;
            let notes = lock(self.store).pending_notes(self.now, &pass.gone, 100)?;
            if notes.is_empty() {
                if emails_done {
                    return Ok(());
                }
                pass.next_email_settled().await;
                continue;
            }
            let mut handled = false;
            for note in notes {
                if self.stopping() {
                    return Ok(());
                }
                pass.still_here(self.store)?;
                let grant = match grants.get(&note.tenant_id) {
                    Some(grant) => *grant,
                    None => {
                        let grant = lock(self.store).organisation(note.tenant_id)?.and_then(|o| o.grant_id);
                        grants.insert(note.tenant_id, grant);
                        grant
                    }
                };
                handled |= self.write_note(pass, client, grant, &note, delivered).await?;
            }
            if !handled {
                // Every note read was taken by another process meanwhile: wait before reading again.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// Writes one note: claimed, then looked for in the record's History if an earlier write may
    /// have reached Xero, then written. Gives whether this process took the note on.
    async fn write_note(
        &self,
        pass: &Pass<'_>,
        client: &XeroClient,
        grant: Option<i64>,
        note: &PendingNote,
        delivered: &mut Delivered,
    ) -> Result<bool, StoreError> {
        pass.keep_off_the_wire().await;
        let claim = lock(self.store).claim_note(note.id, pass.worker, &pass.gone, self.now)?;
        if claim == NoteClaim::NotYours {
            return Ok(false);
        }
        let retry =
            (note.attempts + 1 < crate::store::tasks::MOST_NOTE_ATTEMPTS).then(|| later(self.now, note.attempts + 1));
        let Some(grant) = grant else {
            let why = "the organisation is no longer connected; run `collectiq connect` and `collectiq outbox list`";
            // Tried again later, with the usual waits: connecting again brings it back.
            lock(self.store).note_failed(note.id, pass.worker, why, retry, claim == NoteClaim::LookFirst)?;
            delivered.notes_failed += 1;
            return Ok(true);
        };
        failpoint::pass("notes:claimed");
        let path = match note.subject_kind.as_str() {
            "invoice" => format!("Invoices/{}/History", note.subject_id),
            _ => format!("Contacts/{}/History", note.subject_id),
        };
        if claim == NoteClaim::LookFirst {
            let history: Result<wire::Envelope<wire::HistoryRecords>, ApiError> =
                client.get(note.tenant_id, grant, &Get::new(path.clone())).await;
            pass.keep_off_the_wire().await;
            match history {
                Ok(history) if already_there(&history.items.items, note) => {
                    lock(self.store).note_written(note.id, pass.worker, self.now)?;
                    delivered.notes_found_in_xero += 1;
                    return Ok(true);
                }
                Ok(_) => {}
                Err(error) => {
                    let why = format!("could not read the History to see whether the note is there: {error}");
                    lock(self.store).note_failed(note.id, pass.worker, &why, retry, true)?;
                    delivered.notes_failed += 1;
                    return Ok(true);
                }
            }
        }
        let body = serde_json::json!({ "HistoryRecords": [{ "Details": note.details }] });
        let written: Result<wire::Envelope<wire::HistoryRecords>, ApiError> =
            client.put(note.tenant_id, grant, &path, &body).await;
        pass.keep_off_the_wire().await;
        match written {
            Ok(_) => {
                failpoint::pass("notes:answered");
                lock(self.store).note_written(note.id, pass.worker, self.now)?;
                failpoint::pass("notes:written");
                delivered.notes_written += 1;
            }
            Err(error) => {
                // No certain answer (a 5xx, a dropped connection, a body cut short): Xero may
                // have stored it. The next attempt looks in the History first.
                let maybe = matches!(error, ApiError::GaveUp { .. } | ApiError::Unexpected { .. });
                lock(self.store).note_failed(note.id, pass.worker, &error.to_string(), retry, maybe)?;
                delivered.notes_failed += 1;
            }
        }
        Ok(true)
    }
}

/// Whether a note is among a record's History entries, by its reference.
fn already_there(records: &[wire::HistoryRecord], note: &PendingNote) -> bool {
    let Some(reference) = note.reference.as_deref() else {
        // A note queued before notes carried references: its whole text identifies it.
        return records.iter().any(|r| r.details.as_deref() == Some(note.details.as_str()));
    };
    let marker = format!("ref {reference}");
    records.iter().any(|r| r.details.as_deref().is_some_and(|details| details.ends_with(&marker)))
}

/// Why an email is not owed any more: none of the invoices it is about is still open.
fn no_longer_owed(action: &StoredAction, books: &Books) -> Option<String> {
    let customer = books.customer(action.contact_id)?;
    let still_open = action.invoices.iter().any(|id| customer.open.iter().any(|i| i.invoice_id == *id));
    (!still_open && !action.invoices.is_empty()).then(|| "paid, voided or credited before it was sent".to_string())
}

/// Why an action is not to be delivered under the plan in force: its rule has left the strategy.
/// (Rules CollectIQ adds itself, such as `call-instead`, are never emails.)
fn rule_gone(action: &StoredAction, plan: &Plan) -> Option<String> {
    let known = plan
        .segments
        .iter()
        .flat_map(|s| s.audience.rules.iter())
        .chain(plan.every_customer.rules.iter())
        .any(|rule| rule.id == action.rule_id);
    (!known).then(|| format!("its rule {} is no longer in the strategy \"{}\"", action.rule_id, plan.strategy))
}

enum Settled {
    Sent,
    Cancelled(String),
}

struct Failure {
    permanent: bool,
    why: String,
    /// The message was complete on the wire before the failure: the server may have it.
    maybe_sent: bool,
}

impl Failure {
    fn permanent(why: String) -> Failure {
        Failure { permanent: true, why, maybe_sent: false }
    }

    fn later(why: String) -> Failure {
        Failure { permanent: false, why, maybe_sent: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_reports_median_and_99th_percentile() {
        let samples = (1..=100).map(|n| (Duration::from_micros(n * 100), Duration::from_millis(n))).collect();
        let window = Window::of(samples).unwrap();
        assert_eq!((window.emails, window.median_ms, window.p99_ms, window.max_ms), (100, 50.0, 99.0, 100.0));
        assert_eq!((window.answer_median_ms, window.answer_p99_ms), (5.0, 9.9));
        assert!(Window::of(Vec::new()).is_none());
    }
}
