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

mod emails;
mod freshness;
mod notes;

use freshness::Batch;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::compose::DefaultSender;
use super::mailer::Mailer;
use crate::decide::books::Books;
use crate::plan::Plan;
use crate::runtime::page_link::PageLinker;
use crate::store::{Store, StoreError};
use crate::xero::client::XeroClient;
use crate::xero::sync::Syncer;

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
    /// Makes the links to customers' pages an email composed at delivery carries.
    pub pages: Option<&'a PageLinker>,
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
pub(super) fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(match attempts {
        0 | 1 => 1,
        2 => 5,
        3 => 30,
        _ => 120,
    })
}

pub(super) fn later(now: Timestamp, attempts: u32) -> Timestamp {
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
pub(super) struct OnTheWire<'p>(&'p Pass);

impl Drop for OnTheWire<'_> {
    fn drop(&mut self) {
        self.0.on_the_wire.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Pass {
    /// Says again, every minute, that this worker is still about.
    async fn still_here(&self, store: &Store) -> Result<(), StoreError> {
        // Marked as said before saying it, so that the loops and the heartbeat of one pass do
        // not all say it in the same minute; put back if it could not be said.
        let before = {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if seen.elapsed() <= Duration::from_secs(60) {
                return Ok(());
            }
            std::mem::replace(&mut *seen, std::time::Instant::now())
        };
        if let Err(error) = store.register_worker(Timestamp::now()).await {
            *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = before;
            return Err(error);
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
