//! `collectiq run`: one pass — for every organisation at once, each within its own Xero budget:
//! sync, evaluate under its strategy, fetch the online-invoice links its emails show, record the
//! decisions, deliver, write notes — or, with `--dry-run`, the decisions alone, with nothing
//! changed anywhere. One run at a time per store: the store's run lock (for SQLite, a lock on the
//! database file, held by the operating system for as long as the run's process lives, so a
//! killed run leaves no stale lock).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::compose::{Composed, Composer, DefaultSender, EmailAbout, LinksFetched, invoices_shown};
use super::deliver::{Delivered, Deliverer, DeliveryError};
use super::dkim::Signer;
use super::mailer::Mailer;
use super::outbox_rows::{Prepared, prepare};
use super::page_link::PageLinker;
use super::run_error::RunError;
use crate::config::Config;
use crate::decide::books::Books;
use crate::decide::calendar::Calendar;
use crate::decide::decision::Subject;
use crate::decide::decision::{Evaluation, Outcome};
use crate::decide::evaluate::{Context, evaluate};
use crate::plan::Plan;
use crate::store::connections::OrganisationRecord;
use crate::store::outbox::{Decider, Status};
use crate::xero::budget::Priority;
use crate::xero::session::Session;
use crate::xero::sync::{Progress, SyncError, SyncOptions, Syncer};

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
    /// Fetch no links ahead for the next days' emails (the demo: its one run has no tomorrow,
    /// and the links would spend the minute of calls its history notes need).
    pub skip_links_ahead: bool,
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
    /// Online-invoice links fetched for this run's emails (once per invoice, ever), and those
    /// Xero did not give in time (their emails say how to pay otherwise).
    pub links: LinksFetched,
    /// Links fetched ahead, within the budget, for emails the plan makes in the next days.
    pub links_ahead: usize,
    /// Xero calls this organisation has spent in the last day, and its day limit.
    pub calls_today: usize,
    pub calls_per_day: u32,
    /// History notes waiting to be written once this run has done its work.
    pub notes_waiting: u64,
    /// What the decisions were, in words (for --dry-run, and the summary).
    pub lines: Vec<String>,
    /// Things the operator should know (a day's notes that do not fit in the day's budget).
    pub warnings: Vec<String>,
    /// What customers said (replies, and answers from their page) that waits for a person, by
    /// kind: `reply`, `promise`, `dispute`, `paid_claim`.
    pub waiting_for_a_person: std::collections::BTreeMap<String, u64>,
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

/// A compiled strategy and where it came from.
pub struct Strategy {
    pub path: PathBuf,
    pub plan: Arc<Plan>,
}

/// Compiles the strategies to apply, or says which does not compile and why.
pub fn load_strategies(paths: &[PathBuf]) -> Result<Vec<Strategy>, RunError> {
    if paths.is_empty() {
        return Err(RunError::NoStrategy);
    }
    paths
        .iter()
        .map(|path| match crate::plan::compile_path(path) {
            Ok(compiled) => Ok(Strategy { path: path.clone(), plan: Arc::new(compiled.plan) }),
            Err(cause) => Err(RunError::StrategyDoesNotCompile { path: path.clone(), cause }),
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

pub fn mailer(config: &Config) -> Result<Mailer, RunError> {
    let mailer = match (&config.email.capture, &config.email.smtp_url) {
        (Some(folder), _) => Mailer::folder(folder)?,
        (None, Some(url)) => Mailer::smtp(
            url,
            config.email.smtp_username.clone(),
            config.email.smtp_password.clone(),
            config.email.sessions,
        )?,
        (None, None) => return Err(RunError::NoMailer),
    };
    Ok(match &config.email.dkim {
        Some(settings) => mailer.signed_with(Signer::new(settings)?),
        None => mailer,
    })
}

/// How many links each organisation fetches ahead per run, for emails of the next days: a
/// minute's budget, spent as background calls beside the notes.
const LINKS_AHEAD_PER_RUN: usize = 60;
/// How far ahead links are fetched.
const LINKS_AHEAD_DAYS: i64 = 3;

/// One pass over the chosen organisations, each on its own at once.
pub async fn run(
    config: &Config,
    session: &Session,
    organisations: Vec<OrganisationRecord>,
    options: &RunOptions,
    progress: Arc<dyn Progress>,
) -> Result<RunReport, RunError> {
    let now = options.at.unwrap_or_else(Timestamp::now);
    let strategies =
        load_strategies(if options.strategies.is_empty() { &config.runtime.strategies } else { &options.strategies })?;
    let mut report = RunReport { at: now.to_string(), dry_run: options.dry_run, ..RunReport::default() };
    // A mail server that cannot be used is said before anything is decided.
    let mailer = if options.dry_run { None } else { Some(mailer(config)?) };
    let sender = DefaultSender::from_config(config)?;
    // A key that cannot be read stops the run before anything is decided, like a mail server.
    let pages = if options.dry_run { None } else { PageLinker::from_config(&config.page)? };
    let syncer = Syncer::new(session.client.clone(), session.store.clone(), progress);
    let mut plans: HashMap<Uuid, Arc<Plan>> = HashMap::new();
    for org in &organisations {
        if let Some(strategy) = strategy_for(&strategies, &org.organisation.name) {
            plans.insert(org.organisation.tenant_id, strategy.plan.clone());
        }
    }
    let deliverer = mailer.as_ref().map(|mailer| Deliverer {
        store: &session.store,
        mailer,
        client: Some(&session.client),
        syncer: Some(&syncer),
        plans: &plans,
        sender: sender.clone(),
        pages: pages.as_ref(),
        freshness: config.runtime.freshness,
        patience: config.runtime.patience,
        now,
        stop: options.stop.as_deref(),
    });
    let pass = match &deliverer {
        Some(deliverer) => Some(deliverer.begin().await?),
        None => None,
    };
    let batch = Organisations {
        config,
        session,
        syncer: &syncer,
        strategies: &strategies,
        sender: &sender,
        pages: pages.as_ref(),
        now,
        options,
    };
    let work = futures_util::future::join_all(
        organisations.iter().map(|org| batch.one(org, deliverer.as_ref().zip(pass.as_ref()))),
    );
    let done = match (&deliverer, &pass) {
        (Some(deliverer), Some(pass)) => tokio::select! {
            done = work => done,
            _ = deliverer.heartbeat(pass) => unreachable!("the heartbeat never ends"),
        },
        _ => work.await,
    };
    let mut deliveries = Vec::new();
    for (line, sync_error, delivered) in done {
        if let Some(error) = sync_error {
            report.sync_errors.push(format!("{}: {error}", line.organisation));
        }
        report.organisations.push(line);
        deliveries.extend(delivered);
    }
    if let Some(deliverer) = &deliverer {
        report.delivered = deliverer.finish(deliveries).await?;
    }
    session.client.write_calls_down(None).await;
    for line in &mut report.organisations {
        line.notes_waiting = session.store.notes_waiting(line.tenant_id).await.unwrap_or_default();
        line.calls_today = session.client.spent_today(line.tenant_id).await;
        line.calls_per_day = session.client.per_day();
        line.waiting_for_a_person =
            session.store.open_customer_events(line.tenant_id).await.unwrap_or_default().into_iter().collect();
    }
    Ok(report)
}

/// What every organisation's batch shares.
struct Organisations<'a> {
    config: &'a Config,
    session: &'a Session,
    syncer: &'a Syncer,
    strategies: &'a [Strategy],
    sender: &'a DefaultSender,
    pages: Option<&'a PageLinker>,
    now: Timestamp,
    options: &'a RunOptions,
}

type Delivery = Result<(Delivered, Vec<super::deliver::Sample>), DeliveryError>;

impl Organisations<'_> {
    /// One organisation's batch: its sync, its decisions (with the links its emails show), its
    /// deliveries and notes, and links fetched ahead. Gives its line of the report, its sync's
    /// error, and what delivery did.
    async fn one(
        &self,
        org: &OrganisationRecord,
        delivery: Option<(&Deliverer<'_>, &super::deliver::Pass)>,
    ) -> (OrgRun, Option<Arc<SyncError>>, Option<Delivery>) {
        let tenant = org.organisation.tenant_id;
        let mut line = OrgRun { organisation: org.organisation.name.clone(), tenant_id: tenant, ..OrgRun::default() };
        let Some(strategy) = strategy_for(self.strategies, &org.organisation.name) else {
            line.error = Some("no strategy applies to this organisation".into());
            return (line, None, None);
        };
        line.strategy = Some(strategy.path.display().to_string());
        let mut sync_error = None;
        if self.options.sync && !self.options.dry_run {
            // Right before the batch, one incremental sync: of everything when the last is older
            // than the freshness limit, else of what emails depend on (contacts and invoices, two
            // calls when little changed): every invoice is fresh at once, none is fetched alone.
            let recent = org.last_sync_at.is_some_and(|at| {
                at.checked_add(self.config.runtime.freshness).is_ok_and(|fresh| fresh > Timestamp::now())
            });
            let options = SyncOptions { full: false, freshness_only: recent };
            let synced = self.syncer.sync_org(org, options).await;
            sync_error = synced.error;
        }
        let composer =
            Composer::new(self.sender, Some(&self.session.client), &self.session.store, self.pages, self.now);
        // What earlier runs left waiting is still delivered when today's deciding fails.
        let books = match decide(self.session, &composer, org, &strategy.plan, self, &mut line).await {
            Ok(books) => Some(books),
            Err(error) => {
                line.error = Some(error.to_string());
                None
            }
        };
        let Some((deliverer, pass)) = delivery else { return (line, sync_error, None) };
        let ahead = match &books {
            Some(books) if !self.options.skip_links_ahead => self.links_wanted_ahead(org, &strategy.plan, books).await,
            _ => Vec::new(),
        };
        let fetch_ahead = async {
            if ahead.is_empty() {
                return 0;
            }
            let deadline = tokio::time::Instant::now() + self.config.runtime.patience;
            composer.fetch_links(tenant, &ahead, deadline, Priority::Background).await.fetched
        };
        let (delivered, links_ahead) = tokio::join!(deliverer.deliver_organisation(pass, tenant, books), fetch_ahead);
        line.links_ahead = links_ahead;
        (line, sync_error, Some(delivered))
    }

    /// The invoices, not yet with a link, that the plan will email in the next days: their links
    /// are fetched ahead, as background calls, so that those emails need not wait for them. At
    /// most a minute's budget per run.
    async fn links_wanted_ahead(&self, org: &OrganisationRecord, plan: &Plan, books: &Books) -> Vec<Uuid> {
        let tenant = org.organisation.tenant_id;
        // Looking ahead costs an evaluation a day: not worth it when no template shows a link.
        if !plan.templates.values().any(|template| template.needs_online_links(self.pages.is_some())) {
            return Vec::new();
        }
        let Ok(calendar) = Calendar::new(&plan.settings, org.organisation.zone.as_deref()) else {
            return Vec::new();
        };
        let Ok(memory) = self.session.store.memory(tenant).await else {
            return Vec::new();
        };
        let mut wanted = Vec::new();
        for days in 1..=LINKS_AHEAD_DAYS {
            let Ok(then) = self.now.checked_add(jiff::SignedDuration::from_hours(24 * days)) else { continue };
            let evaluation = evaluate(&Context { plan, calendar: &calendar, books, memory: &memory, now: then });
            for decision in evaluation.decisions.iter().filter(|d| d.outcome == Outcome::Act) {
                if shows_links(plan, decision.action, self.pages.is_some()) {
                    let statement = matches!(decision.key.subject, Subject::Account(_));
                    wanted.extend(invoices_shown(books, decision.contact_id, &decision.invoices, statement));
                }
            }
        }
        wanted.sort();
        wanted.dedup();
        let Ok(kept) = self.session.store.online_links(tenant, &wanted).await else {
            return Vec::new();
        };
        wanted.retain(|invoice| !kept.contains_key(invoice));
        wanted.truncate(LINKS_AHEAD_PER_RUN);
        wanted
    }
}

/// Evaluates one organisation and records what it decided (unless dry), each email composed
/// and kept with its decision, after the links it shows are fetched; gives the books it decided
/// from.
async fn decide(
    session: &Session,
    composer: &Composer<'_>,
    org: &OrganisationRecord,
    plan: &Plan,
    batch: &Organisations<'_>,
    line: &mut OrgRun,
) -> Result<Books, RunError> {
    let (now, dry_run) = (batch.now, batch.options.dry_run);
    let tenant = org.organisation.tenant_id;
    let calendar = Calendar::new(&plan.settings, org.organisation.zone.as_deref())?;
    let (books, memory) = session.store.books_and_memory(tenant).await?;
    let evaluation = evaluate(&Context { plan, calendar: &calendar, books: &books, memory: &memory, now });
    summarise(&books, &evaluation, line);
    if dry_run {
        return Ok(books);
    }
    let mut actions = prepare(plan, &books, &evaluation.decisions, batch.config.xero.notes);
    // The links every email shows, fetched before any is composed: several at once, within the
    // organisation's budget; a link Xero will not give is not waited for past the patience.
    let shown: Vec<Uuid> = actions
        .iter()
        .filter(|new| {
            new.row.status == Status::Waiting && shows_links(plan, new.decision.action, batch.pages.is_some())
        })
        .flat_map(|new| {
            let decision = new.decision;
            let statement = matches!(decision.key.subject, Subject::Account(_));
            invoices_shown(&books, decision.contact_id, &decision.invoices, statement)
        })
        .collect();
    let deadline = tokio::time::Instant::now() + batch.config.runtime.patience;
    line.links = composer.fetch_links(tenant, &shown, deadline, Priority::Now).await;
    compose_emails(composer, plan, &books, &mut actions).await;
    let links = line.links;
    budget_warning(session, org, &actions, links, line).await;
    let fingerprint = plan.fingerprint();
    let decider =
        Decider { strategy: plan.strategy.clone(), plan_version: plan.plan_version, plan_fingerprint: fingerprint };
    let rows = actions.into_iter().map(|prepared| prepared.row).collect();
    session.store.record_decisions(rows, decider, now).await?;
    Ok(books)
}

/// Whether an action is an email whose template needs online-invoice links (`pages`: page
/// links are made).
fn shows_links(plan: &Plan, action: &crate::plan::Action, pages: bool) -> bool {
    match action {
        crate::plan::Action::Email { template, .. } => {
            plan.templates.get(template).is_some_and(|t| t.needs_online_links(pages))
        }
        _ => false,
    }
}

/// Says when today's notes will not fit in what is left of the organisation's day budget: they
/// are written over the next day instead (never over the limit, never dropped).
async fn budget_warning(
    session: &Session,
    org: &OrganisationRecord,
    actions: &[Prepared<'_>],
    links: LinksFetched,
    line: &mut OrgRun,
) {
    let tenant = org.organisation.tenant_id;
    let notes = actions.iter().map(|new| new.row.notes.len()).sum::<usize>();
    let waiting = session.store.notes_waiting(tenant).await.unwrap_or_default() as usize;
    let spent = session.client.spent_today(tenant).await;
    let limit = session.client.per_day() as usize;
    let needed = spent + notes + waiting + links.fetched;
    if needed > limit {
        line.warnings.push(format!(
            "{} would need {needed} Xero calls in a day ({spent} spent, {} notes to write); Xero allows {limit} a day, so some notes are written tomorrow",
            org.organisation.name,
            notes + waiting
        ));
    }
}

/// Composes the emails among new actions, so that each is kept as decided: an edit of the
/// strategy or a template before delivery changes nothing already decided. Each email's
/// Message-ID is fixed here. One that cannot be composed now (a template that fails) is composed
/// again at delivery, where its failure is recorded.
async fn compose_emails(composer: &Composer<'_>, plan: &Plan, books: &Books, actions: &mut [Prepared<'_>]) {
    for new in actions.iter_mut().filter(|new| new.row.status == Status::Waiting) {
        let decision = new.decision;
        let key = decision.key.to_string();
        new.row.message_id = Some(super::email::message_id(&key, composer.sender_of(plan).0.as_deref()));
        let about = EmailAbout {
            key: &key,
            action: decision.action,
            contact_id: decision.contact_id,
            invoices: &decision.invoices,
            statement: matches!(decision.key.subject, Subject::Account(_)),
            rule_text: decision.rule_text,
        };
        match composer.compose(plan, books, about).await {
            Ok(Composed::Email(email, links)) => {
                new.row.email = serde_json::to_string(&email).ok();
                // Links open only if the email that carries them is recorded.
                if new.row.email.is_some() {
                    new.row.page_links = links;
                }
            }
            Ok(Composed::Nothing(_)) => continue,
            // Composed again at delivery; its PDFs are had now all the same, so that the email
            // delivery composes finds them stored.
            Err(_) => {}
        }
        attach_files(composer, plan, books, new).await;
    }
}

/// Has the PDFs a composed email asks for (`with the invoice PDF`, `with a statement PDF`), to be
/// stored with it; one whose PDFs cannot all be had is recorded as failed with why, and nothing
/// of it is sent (runtime/attach.rs).
async fn attach_files(composer: &Composer<'_>, plan: &Plan, books: &Books, new: &mut Prepared<'_>) {
    let decision = new.decision;
    let asked = super::attach::asked(decision.action);
    if asked.is_empty() {
        return;
    }
    let today = composer.today(plan, books);
    let mut claims = std::collections::HashMap::new();
    if let Some(customer) = books.customer(decision.contact_id).filter(|_| plan.settings.claim.is_some()) {
        let open: Vec<&crate::ledger::records::Invoice> = customer.open.iter().collect();
        for (invoice, claim) in open.iter().zip(composer.claims(plan, books, customer, &open, today).await) {
            claims.insert(invoice.invoice_id, (claim.interest(), claim.compensation()));
        }
    }
    let about = super::attach::AttachFor {
        books,
        contact_id: decision.contact_id,
        invoices: &decision.invoices,
        statement: matches!(decision.key.subject, Subject::Account(_)),
        today,
        claims,
        locale: composer.locale(books).clone(),
    };
    match super::attach::attachments(composer.client, composer.store, asked, &about).await {
        Ok(files) => new.row.attachments = files,
        Err(error) => {
            tracing::warn!(%error, key = %decision.key, "an email's PDFs could not be had");
            new.row.status = Status::Failed;
            new.row.error = Some(error.to_string());
            new.row.email = None;
            new.row.page_links = Vec::new();
            // Xero is told only of emails that went.
            new.row.notes = Vec::new();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_a_strategy_or_with_a_broken_one_says_which() {
        assert!(matches!(load_strategies(&[]), Err(RunError::NoStrategy)));
        let missing = PathBuf::from("/nowhere/wholesale.strategy");
        let refused = load_strategies(std::slice::from_ref(&missing));
        assert!(matches!(&refused, Err(RunError::StrategyDoesNotCompile { path, .. }) if *path == missing));
        let help = refused.err().and_then(|error| error.help()).unwrap_or_default();
        assert!(help.contains("collectiq check /nowhere/wholesale.strategy"), "{help}");
    }
}
