//! `collectiq run`: one pass — sync, evaluate every organisation under its strategy, record the
//! decisions, deliver, write notes — or, with `--dry-run`, the decisions alone, with nothing
//! changed anywhere. One run at a time per database: a lock file beside it, held by the
//! operating system for as long as the run's process lives (so a killed run leaves no stale lock).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::books::Books;
use super::calendar::Calendar;
use super::compose::{Composed, Composer, DefaultSender, EmailAbout};
use super::decision::Subject;
use super::decision::{Evaluation, Outcome};
use super::deliver::{Delivered, Deliverer};
use super::evaluate::{Context, evaluate};
use super::mailer::Mailer;
use super::prepare::prepare;
use crate::config::Config;
use crate::plan::Plan;
use crate::store::Store;
use crate::store::connections::OrganisationRecord;
use crate::store::outbox::{Decider, NewAction, Status};
use crate::xero::session::Session;
use crate::xero::sync::{Progress, SyncOptions, Syncer};

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub organisation: Option<String>,
    /// Strategies to apply; the configured ones when empty.
    pub strategies: Vec<PathBuf>,
    pub dry_run: bool,
    /// The instant to run as (back-dated or scripted runs); now when absent.
    pub at: Option<Timestamp>,
    /// Sync before evaluating (on by default; tests and the simulator may skip it).
    pub sync: bool,
    /// Set to stop delivering after the email in hand (autopilot's graceful shutdown).
    pub stop: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// What a run did for one organisation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrgRun {
    pub organisation: String,
    pub tenant_id: Uuid,
    pub strategy: Option<String>,
    pub acted: u64,
    pub skipped: u64,
    pub superseded: u64,
    pub combined: u64,
    pub waiting: u64,
    /// What the decisions were, in words (for --dry-run, and the summary).
    pub lines: Vec<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    pub at: String,
    pub dry_run: bool,
    pub organisations: Vec<OrgRun>,
    pub delivered: Delivered,
    pub sync_errors: Vec<String>,
}

/// Holds the run lock for the rest of the process's life.
///
/// The lock is a convenience (a second run is told at once that another is busy); what keeps two
/// processes from delivering the same action is the outbox's claim, made in the database. It is
/// taken on the database file itself, not on a path, so that every name of the file (a symbolic
/// link, another folder) meets the same lock: `flock` on a descriptor of its own. That descriptor
/// is never closed while the process lives: closing any descriptor of a file drops the POSIX
/// locks the process holds on it, and SQLite's own locks are POSIX locks.
pub struct RunLock {
    file: std::mem::ManuallyDrop<File>,
}

impl Drop for RunLock {
    /// Lets go of the lock but keeps the descriptor open: closing it would drop SQLite's locks on
    /// the file too. (One descriptor per lock taken: a process takes one or two.)
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the database's run lock, or says another run holds it.
pub fn lock(database: &Path) -> Result<RunLock, String> {
    crate::store::create_private(database).map_err(|error| error.to_string())?;
    let path = crate::store::home_of(database).map_err(|error| error.to_string())?;
    let file = File::open(&path).map_err(|error| format!("cannot open {} to lock it: {error}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(RunLock { file: std::mem::ManuallyDrop::new(file) }),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another CollectIQ run (or autopilot) is working on {}; try again when it has finished",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(error)) => Err(format!("cannot take the run lock: {error}")),
    }
}

/// A compiled strategy and where it came from.
pub struct Strategy {
    pub path: PathBuf,
    pub plan: Arc<Plan>,
}

/// Compiles the strategies to apply, or says which does not compile and why.
pub fn load_strategies(paths: &[PathBuf]) -> Result<Vec<Strategy>, String> {
    if paths.is_empty() {
        return Err(
            "no strategy to run: give --strategy PATH, set COLLECTIQ_STRATEGY, or list them under [runtime] strategies in collectiq.toml"
                .into(),
        );
    }
    paths
        .iter()
        .map(|path| match crate::plan::compile_path(path) {
            Ok(compiled) => Ok(Strategy { path: path.clone(), plan: Arc::new(compiled.plan) }),
            Err(error) => {
                Err(format!("{} does not compile; run `collectiq check {}`: {error}", path.display(), path.display()))
            }
        })
        .collect()
}

/// The strategy an organisation runs under: the first that names it, else the first that names
/// no organisation.
pub fn strategy_for<'s>(strategies: &'s [Strategy], organisation: &str) -> Option<&'s Strategy> {
    strategies
        .iter()
        .find(|s| s.plan.organisations.iter().any(|name| name.eq_ignore_ascii_case(organisation)))
        .or_else(|| strategies.iter().find(|s| s.plan.organisations.is_empty()))
}

pub fn mailer(config: &Config) -> Result<Mailer, String> {
    if let Some(folder) = &config.email.capture {
        return Mailer::folder(folder);
    }
    match &config.email.smtp_url {
        Some(url) => Mailer::smtp(url, config.email.smtp_username.clone(), config.email.smtp_password.clone()),
        None => Err("no way to send email: set COLLECTIQ_SMTP_URL (or [email] smtp_url), or [email] capture to keep emails in a folder".into()),
    }
}

fn lock_store(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One pass over the chosen organisations.
pub async fn run(
    config: &Config,
    session: &Session,
    organisations: Vec<OrganisationRecord>,
    options: &RunOptions,
    progress: Arc<dyn Progress>,
) -> Result<RunReport, String> {
    let now = options.at.unwrap_or_else(Timestamp::now);
    let strategies =
        load_strategies(if options.strategies.is_empty() { &config.runtime.strategies } else { &options.strategies })?;
    let mut report = RunReport { at: now.to_string(), dry_run: options.dry_run, ..RunReport::default() };
    if options.sync && !options.dry_run {
        let syncer = Syncer::new(session.client.clone(), session.store.clone(), progress);
        for synced in syncer.sync(&organisations, SyncOptions { full: false }).await {
            if let Some(error) = synced.error {
                report.sync_errors.push(format!("{}: {error}", synced.name));
            }
        }
    }
    // A mail server that cannot be used is said before anything is decided.
    let mailer = if options.dry_run { None } else { Some(mailer(config)?) };
    let sender = DefaultSender { address: config.email.from.clone(), name: config.email.name.clone() };
    let composer = Composer { sender: &sender, client: Some(&session.client), store: &session.store, now };
    let mut plans: HashMap<Uuid, Arc<Plan>> = HashMap::new();
    // The books each decision was made from, handed on to delivery rather than read again.
    let mut books: HashMap<Uuid, Books> = HashMap::new();
    for org in &organisations {
        let tenant = org.organisation.tenant_id;
        let mut line = OrgRun { organisation: org.organisation.name.clone(), tenant_id: tenant, ..OrgRun::default() };
        let Some(strategy) = strategy_for(&strategies, &org.organisation.name) else {
            line.error = Some("no strategy applies to this organisation".into());
            report.organisations.push(line);
            continue;
        };
        line.strategy = Some(strategy.path.display().to_string());
        plans.insert(tenant, strategy.plan.clone());
        match decide(session, &composer, org, &strategy.plan, now, options.dry_run, &mut line).await {
            Ok(decided) => {
                books.insert(tenant, decided);
            }
            Err(error) => line.error = Some(error),
        }
        report.organisations.push(line);
    }
    if let Some(mailer) = &mailer {
        let deliverer = Deliverer {
            store: &session.store,
            mailer,
            client: Some(&session.client),
            plans: &plans,
            sender: sender.clone(),
            freshness: config.runtime.freshness,
            now,
            stop: options.stop.as_deref(),
        };
        report.delivered = deliverer.deliver(books).await.map_err(|e| e.to_string())?;
    }
    Ok(report)
}

/// Evaluates one organisation and records what it decided (unless dry), each email composed
/// and kept with its decision; gives the books it decided from.
async fn decide(
    session: &Session,
    composer: &Composer<'_>,
    org: &OrganisationRecord,
    plan: &Plan,
    now: Timestamp,
    dry_run: bool,
    line: &mut OrgRun,
) -> Result<Books, String> {
    let tenant = org.organisation.tenant_id;
    let calendar = Calendar::new(&plan.settings, org.organisation.zone.as_deref()).map_err(|e| e.to_string())?;
    let (books, state) = Books::load_with_state(&lock_store(&session.store), tenant).map_err(|e| e.to_string())?;
    let evaluation = evaluate(&Context { plan, calendar: &calendar, books: &books, state: &state, now });
    summarise(&books, &evaluation, line);
    if dry_run {
        return Ok(books);
    }
    let mut actions = prepare(plan, &books, &evaluation.decisions);
    compose_emails(composer, plan, &books, &mut actions).await;
    let fingerprint = plan.fingerprint();
    let decider = Decider { strategy: &plan.strategy, plan_version: plan.plan_version, plan_fingerprint: &fingerprint };
    lock_store(&session.store).record_decisions(&actions, &decider, now).map_err(|e| e.to_string())?;
    Ok(books)
}

/// Composes the emails among new actions, so that each is kept as decided: an edit of the
/// strategy or a template before delivery changes nothing already decided. Each email's
/// Message-ID is fixed here. One that cannot be composed now (a template that fails) is composed
/// again at delivery, where its failure is recorded.
async fn compose_emails(composer: &Composer<'_>, plan: &Plan, books: &Books, actions: &mut [NewAction<'_>]) {
    for new in actions.iter_mut().filter(|new| new.status == Status::Waiting) {
        let decision = new.decision;
        let key = decision.key.to_string();
        new.message_id = Some(super::email::message_id(&key));
        let about = EmailAbout {
            key: &key,
            action: decision.action,
            contact_id: decision.contact_id,
            invoices: &decision.invoices,
            statement: matches!(decision.key.subject, Subject::Account(_)),
            rule_text: decision.rule_text,
        };
        if let Ok(Composed::Email(email)) = composer.compose(plan, books, about).await {
            new.email = serde_json::to_string(&email).ok();
        }
    }
}

fn summarise(books: &Books, evaluation: &Evaluation, line: &mut OrgRun) {
    for decision in &evaluation.decisions {
        let open = books.customer(decision.contact_id).map(|c| c.open.as_slice()).unwrap_or_default();
        let number =
            |id: &Uuid| open.iter().find(|i| i.invoice_id == *id).map(|i| i.number.to_string()).unwrap_or_default();
        match &decision.outcome {
            Outcome::Act => line.acted += 1,
            Outcome::Skipped(_) => line.skipped += 1,
            Outcome::Superseded { .. } => line.superseded += 1,
            Outcome::Combined { .. } => line.combined += 1,
        }
        let customer = books.customer(decision.contact_id).map(|c| c.contact.name.clone()).unwrap_or_default();
        let invoices: Vec<String> = decision.invoices.iter().map(number).collect();
        let outcome = match &decision.outcome {
            Outcome::Act => "do".to_string(),
            Outcome::Skipped(skip) => format!("skip ({skip})"),
            Outcome::Superseded { .. } => "superseded".to_string(),
            Outcome::Combined { .. } => "combined into another email".to_string(),
        };
        line.lines.push(format!("{outcome}: {} — {customer} {}", decision.rule_text, invoices.join(", ")));
    }
    line.waiting = evaluation.waiting.len() as u64;
}
