//! Delivery: the outbox's waiting actions carried out — emails (composed when they were decided
//! and sent exactly as kept; checked against fresh data first, and cancelled if paid since or if
//! their rule has left the strategy, composed again if their invoice changed and is still due),
//! escalation emails to the person named — while the history notes of what is done drain to Xero
//! beside them, within the organisation's budget. Organisations are delivered at once, each on
//! its own Xero budget, sharing the SMTP sessions; one organisation's outage never holds another.
//! Data is kept fresh by one incremental sync of the organisation when a batch outlasts the
//! freshness limit, never by a call per email.
//!
//! Every step is a move of the outbox's state machine that only the claiming process can make;
//! failures are tried again with growing waits; work a dead process held is taken over, as the
//! same message with the same Message-ID.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::compose::{ComposeError, Composed, Composer, DefaultSender, EmailAbout, invoices_shown};
use super::email::{RenderedEmail, message_id};
use super::mailer::Mailer;
use crate::decide::books::Books;
use crate::decide::calendar::Calendar;
use crate::decide::occurrences::invoice_occurrences;
use crate::failpoint;
use crate::plan::{Action, Plan};
use crate::store::outbox::{Claim, Status, StoredAction};
use crate::store::tasks::{NoteClaim, PendingNote};
use crate::store::{Store, StoreError};
use crate::xero::budget::Priority;
use crate::xero::client::{ApiError, Get, XeroClient};
use crate::xero::sync::{SyncOptions, Syncer};
use crate::xero::wire;

/// An action tried this many times is given up (and shown as failed).
pub const MOST_ATTEMPTS: u32 = 8;

pub struct Deliverer<'a> {
    pub store: &'a Store,
    pub mailer: &'a Mailer,
    /// Xero, for online invoice links and history notes; none in a dry world.
    pub client: Option<&'a XeroClient>,
    /// Makes an organisation's data fresh again (one incremental sync) when it is older than the
    /// freshness limit; none in a dry world.
    pub syncer: Option<&'a Syncer>,
    /// The plan each organisation runs under.
    pub plans: &'a HashMap<Uuid, Arc<Plan>>,
    pub sender: DefaultSender,
    pub freshness: SignedDuration,
    /// The longest an email waits on Xero for a link it can go without, or an organisation's
    /// batch for fresh data before it waits for the next run.
    pub patience: Duration,
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
    /// Notes put back for later because the organisation's day budget is spent (down to the
    /// reserve kept for syncs): written when it allows, never dropped.
    pub notes_deferred: u64,
    /// Emails composed again, under the same Message-ID, because their invoice changed after they
    /// were decided and they are still due.
    pub emails_decided_again: u64,
    /// Incremental syncs made during delivery because a batch outlasted the freshness limit.
    pub fresh_syncs: u64,
    /// Organisations whose emails wait for the next run: their data could not be made fresh.
    pub held_back: Vec<String>,
    /// How long emails stayed between being complete on the wire and recorded as sent.
    pub sent_window: Option<Window>,
}

impl Delivered {
    /// Adds another organisation's counts to these (the window is worked out once, at the end).
    fn add(&mut self, other: Delivered) {
        self.emails_sent += other.emails_sent;
        self.emails_failed += other.emails_failed;
        self.emails_retrying += other.emails_retrying;
        self.emails_cancelled += other.emails_cancelled;
        self.emails_resumed_after_handing += other.emails_resumed_after_handing;
        self.notes_written += other.notes_written;
        self.notes_found_in_xero += other.notes_found_in_xero;
        self.notes_failed += other.notes_failed;
        self.notes_deferred += other.notes_deferred;
        self.emails_decided_again += other.emails_decided_again;
        self.fresh_syncs += other.fresh_syncs;
        self.held_back.extend(other.held_back);
    }
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
pub type Sample = (Duration, Duration);

impl Window {
    pub fn of(samples: Vec<Sample>) -> Option<Window> {
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

/// What stops delivery: the store failing under it. (An email or a note that fails is recorded
/// as failed or retried, not an error of the run.)
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeliveryError {
    pub fn help(&self) -> Option<String> {
        match self {
            DeliveryError::Store(error) => error.help(),
        }
    }
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
pub struct Pass {
    worker: String,
    gone: Vec<String>,
    /// How many emails are with the mail server and not yet recorded: the notes keep off the
    /// store meanwhile, so that a "sent" commit never waits behind theirs (a commit holds the
    /// store until it is on disk).
    on_the_wire: tokio::sync::watch::Sender<usize>,
    /// When this worker last said it is still about (for workers on other hosts, that is its lease).
    seen: std::sync::Mutex<std::time::Instant>,
}

/// An email on the wire, counted until it is recorded.
struct OnTheWire<'p>(&'p Pass);

impl Drop for OnTheWire<'_> {
    fn drop(&mut self) {
        self.0.on_the_wire.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Pass {
    /// Says again, every minute, that this worker is still about.
    async fn still_here(&self, store: &Store) -> Result<(), StoreError> {
        let due = self.seen.lock().unwrap_or_else(|p| p.into_inner()).elapsed() > Duration::from_secs(60);
        if due {
            store.register_worker(Timestamp::now()).await?;
            *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = std::time::Instant::now();
        }
        Ok(())
    }

    fn on_the_wire(&self) -> OnTheWire<'_> {
        self.on_the_wire.send_modify(|n| *n += 1);
        OnTheWire(self)
    }

    /// Waits until an email has been recorded (its notes may now be written), or a little while.
    async fn next_email_settled(&self) {
        let mut wire = self.on_the_wire.subscribe();
        let settled = async {
            let _ = wire.wait_for(|on| *on > 0).await;
            let _ = wire.wait_for(|on| *on == 0).await;
        };
        let _ = tokio::time::timeout(Duration::from_millis(20), settled).await;
    }

    /// Waits while emails are on the wire.
    async fn keep_off_the_wire(&self) {
        // Woken the moment the last is recorded, so the notes go in the gap before the next.
        let mut wire = self.on_the_wire.subscribe();
        let _ = wire.wait_for(|on| *on == 0).await;
    }
}

/// One organisation's batch: the books its emails are checked against, and until when they are
/// known fresh (read from the store once, then kept: the run's instant does not move).
struct Batch {
    tenant: Uuid,
    books: Option<Books>,
    fresh_until: Option<std::time::Instant>,
}

impl Deliverer<'_> {
    /// Registers this worker and learns whose claims it may take over.
    pub async fn begin(&self) -> Result<Pass, DeliveryError> {
        let worker = self.store.register_worker(Timestamp::now()).await?;
        self.store.forget_gone_workers(Timestamp::now()).await?;
        let mut gone = self.store.gone_workers(Timestamp::now()).await?;
        // Work this process still holds from an earlier pass (one that stopped on an error)
        // is taken up again: one pass at a time runs in a process.
        gone.push(worker.id.clone());
        Ok(Pass {
            worker: worker.id.clone(),
            gone,
            on_the_wire: tokio::sync::watch::Sender::new(0),
            seen: std::sync::Mutex::new(std::time::Instant::now()),
        })
    }

    /// Says every few seconds that the worker is still about: one Xero call can wait minutes on
    /// rate limits, and no process elsewhere may take its claims over meanwhile. Never ends.
    pub async fn heartbeat(&self, pass: &Pass) {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            pass.keep_off_the_wire().await;
            if let Err(error) = pass.still_here(self.store).await {
                tracing::warn!(%error, "could not say this worker is still about");
            }
        }
    }

    /// Closes the SMTP sessions and adds up what each organisation's delivery did.
    pub async fn finish(
        &self,
        done: Vec<Result<(Delivered, Vec<Sample>), DeliveryError>>,
    ) -> Result<Delivered, DeliveryError> {
        self.mailer.close().await;
        if let Some(client) = self.client {
            client.write_calls_down(None).await;
        }
        let mut delivered = Delivered::default();
        let mut samples = Vec::new();
        for result in done {
            let (one, window) = result?;
            delivered.add(one);
            samples.extend(window);
        }
        delivered.sent_window = Window::of(samples);
        Ok(delivered)
    }

    /// One organisation's emails, and its notes beside them.
    pub async fn deliver_organisation(
        &self,
        pass: &Pass,
        tenant: Uuid,
        books: Option<Books>,
    ) -> Result<(Delivered, Vec<Sample>), DeliveryError> {
        let emails_done = AtomicBool::new(false);
        let mut delivered = Delivered::default();
        let mut notes = Delivered::default();
        let mut samples = Vec::new();
        let (emails, written) = tokio::join!(
            async {
                let batch = Batch { tenant, books, fresh_until: None };
                let result = self.deliver_emails(pass, batch, &mut delivered, &mut samples).await;
                emails_done.store(true, Ordering::SeqCst);
                result
            },
            self.drain_notes(pass, tenant, &emails_done, &mut notes)
        );
        emails?;
        written?;
        delivered.add(notes);
        Ok((delivered, samples))
    }

    /// Whether the process has been asked to stop.
    fn stopping(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::SeqCst))
    }

    async fn deliver_emails(
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
    async fn settle(
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
    async fn may_send(&self, plan: &Plan, action: &StoredAction) -> bool {
        let zone = self.store.organisation(action.tenant_id).await.ok().flatten().and_then(|o| o.organisation.zone);
        Calendar::new(&plan.settings, zone.as_deref()).is_ok_and(|calendar| calendar.may_send_at(self.now))
    }

    /// Delivers one claimed action; gives how it ended, and the email's place on the wire (held
    /// until the outcome is recorded).
    async fn deliver_one<'p>(
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
        match self.store.hand(action.id, &pass.worker, self.now).await {
            Ok(true) => {}
            Ok(false) => return (Err(Failure::later("another process took this action over")), None),
            Err(error) => return (Err(Failure::later(error)), None),
        }
        let wire = pass.on_the_wire();
        failpoint::pass("deliver:handed");
        let sent = self.mailer.send(&email).await.map(Settled::Sent).map_err(|error| Failure {
            permanent: error.permanent,
            why: error.message,
            maybe_sent: error.maybe_sent,
        });
        (sent, Some(wire))
    }

    /// The email to hand to the mail server, or how the action ends without one.
    async fn email_to_send(
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
        let changed = !maybe_sent && changed_since_decided(action, books);
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

    /// Composes an email with the plan in force and the books as they are now, and keeps it, so
    /// that every later attempt sends the same message. Its Message-ID is the one it was given
    /// when decided, else the one its key gives.
    async fn compose_now(
        &self,
        action: &StoredAction,
        plan: &Plan,
        books: &Books,
    ) -> Result<Option<RenderedEmail>, Failure> {
        let plan_action: Action = serde_json::from_value(action.action.clone()).map_err(Failure::permanent)?;
        let composer = Composer { sender: &self.sender, client: self.client, store: self.store, now: self.now };
        let statement = action.subject_kind == "account";
        let shows_links = match &plan_action {
            Action::Email { template, .. } => plan.templates.get(template).is_some_and(|t| t.shows_links()),
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
        let mut email = match composer.compose(plan, books, about).await {
            Ok(Composed::Email(email)) => *email,
            Ok(Composed::Nothing(_)) => return Ok(None),
            Err(ComposeError { permanent, why }) => return Err(Failure { permanent, why, maybe_sent: false }),
        };
        email.message_id = action.message_id.clone().unwrap_or_else(|| message_id(&action.key));
        let kept = serde_json::to_string(&email).map_err(Failure::permanent)?;
        self.store.set_email(action.id, &email.message_id, &kept).await.map_err(Failure::later)?;
        Ok(Some(email))
    }

    /// Before an email goes, its invoices must be known unpaid by a sync no older than the
    /// freshness limit (at the run's instant). When the last sync is older, or this batch has
    /// outlasted the limit since it made them fresh, one incremental sync of the organisation
    /// makes every invoice fresh at once. Xero not answering is waited out for a while, then the
    /// organisation's emails wait for the next run: never sent on old data.
    async fn make_fresh(&self, batch: &mut Batch, delivered: &mut Delivered) -> Result<(), HeldBack> {
        let Some(syncer) = self.syncer else { return Ok(()) };
        let freshness = self.freshness.unsigned_abs();
        let stale = match batch.fresh_until {
            Some(until) => std::time::Instant::now() >= until,
            None => {
                let organisation = self.store.organisation(batch.tenant).await?;
                let Some(organisation) = organisation else { return Err(HeldBack::Gone) };
                // Stale at the run's instant, or by the clock: a run whose deciding took a while
                // (links fetched at Xero's pace) does not send on data older than the limit.
                let fresh_until = organisation.last_sync_at.and_then(|at| at.checked_add(self.freshness).ok());
                match fresh_until {
                    Some(until) if until > self.now && until > Timestamp::now() => {
                        let left = until.duration_since(Timestamp::now()).unsigned_abs();
                        batch.fresh_until = Some(std::time::Instant::now() + left);
                        false
                    }
                    _ => true,
                }
            }
        };
        if !stale {
            return Ok(());
        }
        let patience = std::time::Instant::now() + self.patience;
        loop {
            let organisation = self.store.organisation(batch.tenant).await?;
            let Some(organisation) = organisation else { return Err(HeldBack::Gone) };
            let options = SyncOptions { full: false, freshness_only: true };
            let report = syncer.sync_org(&organisation, options).await;
            delivered.fresh_syncs += 1;
            let Some(error) = report.error else { break };
            let pause = Duration::from_secs(30);
            if self.stopping() || std::time::Instant::now() + pause > patience {
                return Err(HeldBack::NotFresh { organisation: organisation.organisation.name, error });
            }
            tokio::time::sleep(pause).await;
        }
        batch.fresh_until = Some(std::time::Instant::now() + freshness);
        batch.books = Some(self.store.books(batch.tenant).await?);
        Ok(())
    }

    /// Writes the organisation's history notes as their actions are done, until its emails are
    /// delivered and its queue is empty (or the process is asked to stop: notes wait for the next
    /// start). Notes are background calls: they leave a reserve of the organisation's budget to
    /// the syncs and links that emails wait for.
    async fn drain_notes(
        &self,
        pass: &Pass,
        tenant: Uuid,
        emails_done: &AtomicBool,
        delivered: &mut Delivered,
    ) -> Result<(), DeliveryError> {
        let Some(client) = self.client else { return Ok(()) };
        let grant = self.store.organisation(tenant).await?.and_then(|o| o.grant_id);
        loop {
            if self.stopping() {
                return Ok(());
            }
            // Read whether the emails are done before looking: a note whose email was sent just
            // before is then certainly seen.
            let done = emails_done.load(Ordering::SeqCst);
            pass.keep_off_the_wire().await;
            let notes = self.store.pending_notes_of(Some(tenant), self.now, &pass.gone, 100).await?;
            if notes.is_empty() {
                if done {
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
                pass.still_here(self.store).await?;
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
        pass: &Pass,
        client: &XeroClient,
        grant: Option<i64>,
        note: &PendingNote,
        delivered: &mut Delivered,
    ) -> Result<bool, StoreError> {
        pass.keep_off_the_wire().await;
        let claim = self.store.claim_note(note.id, &pass.worker, &pass.gone, self.now).await?;
        if claim == NoteClaim::NotYours {
            return Ok(false);
        }
        let me = pass.worker.as_str();
        let retry =
            (note.attempts + 1 < crate::store::tasks::MOST_NOTE_ATTEMPTS).then(|| later(self.now, note.attempts + 1));
        let Some(grant) = grant else {
            let why = "the organisation is no longer connected; run `collectiq connect` and `collectiq outbox list`";
            // Tried again later, with the usual waits: connecting again brings it back.
            self.store.note_failed(note.id, me, why, retry, claim == NoteClaim::LookFirst).await?;
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
                client.get(note.tenant_id, grant, &Get::new(path.clone()).in_background()).await;
            pass.keep_off_the_wire().await;
            match history {
                Ok(history) if already_there(&history.items.items, note) => {
                    self.store.note_written(note.id, me, self.now).await?;
                    delivered.notes_found_in_xero += 1;
                    return Ok(true);
                }
                Ok(_) => {}
                Err(ApiError::DayBudgetSpent) => {
                    self.defer(note, me, delivered).await?;
                    return Ok(true);
                }
                Err(error) => {
                    let why = format!("could not read the History to see whether the note is there: {error}");
                    self.store.note_failed(note.id, me, &why, retry, true).await?;
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
                self.store.note_written(note.id, me, self.now).await?;
                failpoint::pass("notes:written");
                delivered.notes_written += 1;
            }
            // Never sent: the day's budget (short of the reserve) is spent.
            Err(ApiError::DayBudgetSpent) => self.defer(note, me, delivered).await?,
            Err(error) => {
                // No certain answer (a 5xx, a dropped connection, a body cut short): Xero may
                // have stored it. The next attempt looks in the History first.
                let maybe = matches!(error, ApiError::GaveUp { .. } | ApiError::Unexpected { .. });
                let why = error.to_string();
                self.store.note_failed(note.id, me, &why, retry, maybe).await?;
                delivered.notes_failed += 1;
            }
        }
        Ok(true)
    }

    /// Puts a note back until the budget allows, without counting the attempt.
    async fn defer(&self, note: &PendingNote, worker: &str, delivered: &mut Delivered) -> Result<(), StoreError> {
        let why = "the organisation's Xero calls for the day are spent (a reserve is kept for syncs); written when the budget allows";
        let until = self.now.checked_add(SignedDuration::from_hours(1)).unwrap_or(self.now);
        self.store.defer_note(note.id, worker, until, why).await?;
        delivered.notes_deferred += 1;
        Ok(())
    }
}

/// Whether an invoice of the action changed in Xero after the action was decided (a payment, a
/// new due date, an edit): its email, composed then, may say something no longer true.
fn changed_since_decided(action: &StoredAction, books: &Books) -> bool {
    let Some(customer) = books.customer(action.contact_id) else { return false };
    customer
        .open
        .iter()
        .any(|invoice| action.invoices.contains(&invoice.invoice_id) && invoice.updated > action.decided_at)
}

/// Why an action whose invoice changed is not due under its rule any more (its due date moved,
/// so the occurrence it was decided for has not come, or is not one any more).
fn not_due_any_more(action: &StoredAction, plan: &Plan, books: &Books, now: Timestamp) -> Option<String> {
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
    /// Taken by the mail server; when its final dot was written, over SMTP.
    Sent(Option<std::time::Instant>),
    Cancelled(String),
}

struct Failure {
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

/// Why an organisation's emails wait for the next run.
#[derive(Debug, thiserror::Error)]
enum HeldBack {
    #[error("the organisation is gone")]
    Gone,
    #[error(
        "{organisation}: could not make the data fresh before emailing ({error}); its emails wait for the next run"
    )]
    NotFresh { organisation: String, error: String },
    #[error(transparent)]
    Store(#[from] StoreError),
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
