//! `collectiq autopilot`: CollectIQ running unattended. One process, holding the database's run
//! lock for as long as it lives, that
//! - receives Xero's webhooks and fetches what they say changed, dropping any email still waiting
//!   to go about an invoice that has just been paid;
//! - syncs every organisation incrementally on a schedule, and in full once a day;
//! - runs the strategies on a schedule, for each organisation while its sending window is open;
//! - answers `GET /healthz`;
//! - on SIGTERM or Ctrl-C, stops taking work, finishes the email it is sending, and exits: what
//!   was not sent waits in the outbox for the next start.

pub mod health;
pub mod serve;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{Notify, watch};
use tracing::{error, info, warn};

use self::health::{HealthState, LastRun, Runs};
use crate::config::Config;
use crate::decide::calendar::{Calendar, UnknownZone};
use crate::inbox::Importer;
use crate::inbox::fetch::watch;
use crate::inbox::policies::policies;
use crate::page::headers::secure;
use crate::page::{self, PageError, PageState, not_found_anywhere};
use crate::runtime::RunError;
use crate::runtime::run::{RunOptions, Strategy, load_strategies, run, strategy_for};
use crate::store::connections::OrganisationRecord;
use crate::store::{Store, StoreError};
use crate::xero::client::RetryPolicy;
use crate::xero::receiver::{Receiver, router, work_off};
use crate::xero::session::{Session, SessionError};
use crate::xero::sync::{Quiet, SyncOptions, Syncer};

#[derive(Clone, Debug)]
pub struct Schedule {
    /// How often to sync incrementally.
    pub sync_every: SignedDuration,
    /// How often to read everything again, to catch what incremental syncs cannot see.
    pub reconcile_every: SignedDuration,
    /// How often to run the strategies (while sending windows are open).
    pub run_every: SignedDuration,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            sync_every: SignedDuration::from_mins(10),
            reconcile_every: SignedDuration::from_hours(24),
            run_every: SignedDuration::from_mins(15),
        }
    }
}

/// A lock that another task's panic does not spoil: the store's own transactions keep it whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The connected organisations; none, said in the log, when the store cannot be read.
async fn organisations(store: &Store) -> Vec<OrganisationRecord> {
    store.organisations().await.unwrap_or_else(|error| {
        error!(%error, "read organisations");
        Vec::new()
    })
}

/// Why an organisation is left out of a scheduled run.
#[derive(Debug, thiserror::Error)]
enum NotRun {
    #[error("no strategy applies to this organisation")]
    NoStrategy,
    #[error("{0}")]
    Zone(UnknownZone),
}

/// What stops the autopilot from starting.
#[derive(Debug, thiserror::Error)]
pub enum AutopilotError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot listen on {address}: {cause}")]
    Listen { address: SocketAddr, cause: std::io::Error },
    #[error(transparent)]
    Page(#[from] PageError),
}

impl AutopilotError {
    pub fn help(&self) -> Option<String> {
        match self {
            AutopilotError::Session(SessionError::Store(error)) | AutopilotError::Store(error) => error.help(),
            AutopilotError::Session(SessionError::OAuth(_)) => {
                Some("check [xero] client_id and the identity host in collectiq.toml".into())
            }
            AutopilotError::Run(error) => error.help(),
            AutopilotError::Listen { .. } => Some("choose another address with --listen".into()),
            AutopilotError::Page(error) => error.help(),
        }
    }
}

/// Runs until `shutdown` completes, then stops gracefully. Prints the address it listens on.
pub async fn autopilot(
    config: Config,
    listen: SocketAddr,
    schedule: Schedule,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AutopilotError> {
    // Strategies that do not compile stop it at once, rather than at its first run.
    let strategies = load_strategies(&config.runtime.strategies)?;
    // The lock first: another run may be sealing tokens or migrating the store.
    let store = Store::open(&config.database).await?;
    let _lock = store.lock_runs().await?;
    let session = Arc::new(Session::with_store(&config, store, RetryPolicy::default()).await?);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|cause| AutopilotError::Listen { address: listen, cause })?;
    let address = listener.local_addr().map_err(|cause| AutopilotError::Listen { address: listen, cause })?;
    let (stop_sender, stopped) = watch::channel(false);
    let stop = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(Mutex::new(Runs::default()));
    let arrived = Arc::new(Notify::new());
    let organisations = session.store.organisations().await?;
    let app = app(&config, &session.store, runs.clone(), arrived.clone(), &organisations, &strategies).await?;
    info!(%address, "autopilot listening: GET /healthz, POST /webhooks/xero, the customers' pages under /p/");
    println!("http://{address}");
    let webhooks = tokio::spawn(webhook_worker(session.clone(), arrived, stopped.clone()));
    let scheduler =
        tokio::spawn(scheduler(config.clone(), session.clone(), schedule, runs, stop.clone(), stopped.clone()));
    // Each mailbox replies go to is read as mail comes (IMAP IDLE), or every few minutes.
    let importer = Importer::new(session.store.clone(), policies(&organisations, &strategies));
    let inboxes: Vec<_> = config
        .inbox
        .mailboxes
        .iter()
        .map(|mailbox| tokio::spawn(watch(mailbox.clone(), importer.clone(), config.inbox.poll, stopped.clone())))
        .collect();
    let mut server_stopped = stopped.clone();
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = server_stopped.wait_for(|stopped| *stopped).await;
    });
    let server = tokio::spawn(async move { server.await });
    shutdown.await;
    info!("stopping: finishing the email in hand; the rest wait in the outbox");
    stop.store(true, Ordering::SeqCst);
    let _ = stop_sender.send(true);
    let (scheduled, worked, served) = tokio::join!(scheduler, webhooks, server);
    for inbox in inboxes {
        let _ = inbox.await;
    }
    for outcome in [scheduled, worked] {
        if let Err(error) = outcome {
            error!(%error, "a task ended badly");
        }
    }
    if let Ok(Err(error)) = served {
        error!(%error, "the HTTP server ended badly");
    }
    info!("stopped");
    Ok(())
}

/// What `autopilot` and `collectiq serve` answer: `GET /healthz`, Xero's webhooks (when a key is
/// set), and the customers' pages, with the security headers on every response and the pages'
/// friendly 404 for anything else.
pub async fn app(
    config: &Config,
    store: &Store,
    runs: Arc<Mutex<Runs>>,
    arrived: Arc<Notify>,
    organisations: &[OrganisationRecord],
    strategies: &[Strategy],
) -> Result<axum::Router, AutopilotError> {
    // Health checks read on a connection of their own, so that a run holding the store (loading
    // a large ledger, say) never keeps a health check waiting.
    let health_store = store.read_only().await?;
    let health = Arc::new(HealthState { store: health_store, runs, started_at: Timestamp::now() });
    let mut app = axum::Router::new().route("/healthz", axum::routing::get(health::healthz)).with_state(health);
    match config.webhooks.key.clone() {
        Some(key) => {
            let receiver = Arc::new(Receiver { key, store: store.clone(), arrived });
            app = app.merge(router(receiver));
        }
        None => {
            warn!("no webhook key is configured (COLLECTIQ_WEBHOOK_KEY): webhooks are off, syncs alone keep data fresh")
        }
    }
    let pages = Arc::new(PageState::new(config, store.clone(), policies(organisations, strategies))?);
    if config.page.base_url.is_none() {
        warn!(
            "no [page] base_url is set: emails carry no links to customers' pages (the pages are served all the same)"
        );
    }
    let not_found = axum::Router::new().fallback(not_found_anywhere).with_state(pages.clone());
    Ok(app.merge(page::router(pages)).merge(not_found).layer(axum::middleware::from_fn(secure)))
}

/// Fetches what webhooks announce, then drops emails waiting to go about invoices now settled.
async fn webhook_worker(session: Arc<Session>, arrived: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    loop {
        let worked = tokio::select! {
            worked = work_off(&session.client, &session.store) => worked,
            // What is half fetched is fetched again: events stay until done.
            _ = stopped.wait_for(|stopped| *stopped) => return,
        };
        match worked {
            Ok(worked) if worked.events > 0 => {
                info!(
                    events = worked.events,
                    invoices = worked.invoices,
                    contacts = worked.contacts,
                    failed = worked.failed,
                    "webhooks worked off"
                );
                if worked.invoices > 0 {
                    drop_settled(&session.store).await;
                }
            }
            Ok(_) => {}
            Err(error) => error!(%error, "webhooks"),
        }
        tokio::select! {
            _ = arrived.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = stopped.wait_for(|stopped| *stopped) => return,
        }
    }
}

async fn drop_settled(store: &Store) {
    for org in organisations(store).await {
        match store.drop_settled(org.organisation.tenant_id, Timestamp::now()).await {
            Ok(dropped) if !dropped.is_empty() => {
                info!(organisation = %org.organisation.name, dropped = dropped.len(), "emails about invoices paid since dropped");
            }
            Ok(_) => {}
            Err(error) => error!(%error, "drop emails about settled invoices"),
        }
    }
}

/// Syncs, reconciles and runs, each when its time comes, one thing at a time.
async fn scheduler(
    config: Config,
    session: Arc<Session>,
    schedule: Schedule,
    runs: Arc<Mutex<Runs>>,
    stop: Arc<AtomicBool>,
    mut stopped: watch::Receiver<bool>,
) {
    let started = Timestamp::now();
    let (mut next_sync, mut next_run) = (started, started);
    let mut next_reconcile = reconcile_due(&session, schedule.reconcile_every, started).await;
    let syncer = Syncer::new(session.client.clone(), session.store.clone(), Arc::new(Quiet));
    loop {
        let now = Timestamp::now();
        if now >= next_reconcile || now >= next_sync {
            let full = now >= next_reconcile;
            tokio::select! {
                _ = sync(&syncer, &session, full) => {}
                // A sync stopped part way resumes where it was, next time.
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
            drop_settled(&session.store).await;
            next_sync = now + schedule.sync_every;
            if full {
                next_reconcile = now + schedule.reconcile_every;
            }
        }
        if *stopped.borrow() {
            return;
        }
        if now >= next_run {
            run_open_windows(&config, &session, &runs, &stop).await;
            next_run = now + schedule.run_every;
        }
        let wake = next_sync.min(next_run).min(next_reconcile);
        let wait = Timestamp::now().duration_until(wake).max(SignedDuration::from_millis(50));
        tokio::select! {
            _ = tokio::time::sleep(wait.unsigned_abs()) => {}
            _ = stopped.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// When the daily full sync is next due: now if the last was more than a day ago (or never).
async fn reconcile_due(session: &Session, every: SignedDuration, now: Timestamp) -> Timestamp {
    let organisations = match session.store.organisations().await {
        Ok(organisations) => organisations,
        Err(error) => {
            error!(%error, "read organisations; reconciling now");
            return now;
        }
    };
    organisations.iter().map(|o| o.last_full_sync_at.map_or(now, |at| at + every)).min().unwrap_or(now + every)
}

async fn sync(syncer: &Syncer, session: &Session, full: bool) {
    let organisations = organisations(&session.store).await;
    for report in syncer.sync(&organisations, SyncOptions { full, ..SyncOptions::default() }).await {
        match report.error {
            Some(error) => warn!(organisation = %report.name, full, %error, "sync failed; the next one will try again"),
            None => info!(organisation = %report.name, full, calls = report.calls, "synced"),
        }
    }
}

/// Runs each organisation whose strategy's sending window is open now.
async fn run_open_windows(config: &Config, session: &Session, runs: &Mutex<Runs>, stop: &Arc<AtomicBool>) {
    let strategies = match load_strategies(&config.runtime.strategies) {
        Ok(strategies) => strategies,
        Err(error) => return error!(%error, "load strategies"),
    };
    let organisations = organisations(&session.store).await;
    let now = Timestamp::now();
    let mut open: Vec<OrganisationRecord> = Vec::new();
    for org in organisations {
        let tenant = org.organisation.tenant_id;
        let calendar = match strategy_for(&strategies, &org.organisation.name) {
            Some(strategy) => {
                Calendar::new(&strategy.plan.settings, org.organisation.zone.as_deref()).map_err(NotRun::Zone)
            }
            None => Err(NotRun::NoStrategy),
        };
        match calendar {
            Ok(calendar) if calendar.may_send_at(now) => open.push(org),
            Ok(_) => {}
            Err(error) => {
                warn!(organisation = %org.organisation.name, %error, "not run");
                // Kept as text for /healthz.
                let last = LastRun { at: now, acted: 0, error: Some(error.to_string()) };
                lock(runs).last.insert(tenant, last);
            }
        }
    }
    if open.is_empty() {
        return;
    }
    let options = RunOptions { sync: false, stop: Some(stop.clone()), ..RunOptions::default() };
    let result = run(config, session, open.clone(), &options, Arc::new(Quiet)).await;
    let mut runs = lock(runs);
    match result {
        Ok(report) => {
            for org in &report.organisations {
                info!(organisation = %org.organisation, acted = org.acted, skipped = org.skipped, waiting = org.waiting, error = org.error.as_deref().unwrap_or(""), "ran");
                runs.last.insert(org.tenant_id, LastRun { at: now, acted: org.acted, error: org.error.clone() });
            }
            info!(
                sent = report.delivered.emails_sent,
                retrying = report.delivered.emails_retrying,
                cancelled = report.delivered.emails_cancelled,
                "delivered"
            );
        }
        Err(error) => {
            error!(%error, "run failed");
            let error = error.to_string();
            for org in &open {
                runs.last.insert(org.organisation.tenant_id, LastRun { at: now, acted: 0, error: Some(error.clone()) });
            }
        }
    }
}
