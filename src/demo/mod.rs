//! `collectiq demo`: the whole flow with nothing to set up. The embedded sandbox stands in for a
//! Xero organisation (Harbour Wholesale Ltd); CollectIQ connects to it as it would to Xero
//! (OAuth, headless), syncs, checks and simulates the wholesale example strategy, then runs it:
//! emails are written to the demo folder as `.eml` files instead of being sent (DKIM-signed with
//! the demo's own key), and history notes go to the sandbox. Everything it makes is in the demo
//! folder, to look at afterwards.

mod dkim;
mod hearing;
mod page;

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::{Config, ConfigError, Overrides};
use crate::decide::calendar::{Calendar, UnknownZone};
use crate::plan::{CompileError, compile_path};
use crate::runtime::RunError;
use crate::runtime::run::{RunOptions, run};
use crate::sandbox::world::generate::Size;
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::simulate::impact::Counts;
use crate::simulate::{Payments, Scenario, html, simulate};
use crate::store::{Store, StoreError};
use crate::xero::connect::{ConnectError, ConnectOptions, connect};
use crate::xero::session::{Session, SessionError};
use crate::xero::sync::{Quiet, SyncOptions, Syncer};

/// The example strategy and everything it reads, built into the binary.
const EXAMPLE: [(&str, &str); 6] = [
    ("wholesale.strategy", include_str!("../../strategies/wholesale.strategy")),
    ("nz-holidays.txt", include_str!("../../strategies/nz-holidays.txt")),
    ("templates/wholesale-due-today.email", include_str!("../../strategies/templates/wholesale-due-today.email")),
    ("templates/wholesale-overdue.email", include_str!("../../strategies/templates/wholesale-overdue.email")),
    ("templates/wholesale-overdue-firm.email", include_str!("../../strategies/templates/wholesale-overdue-firm.email")),
    ("templates/wholesale-statement.email", include_str!("../../strategies/templates/wholesale-statement.email")),
];

const SIMULATED_DAYS: u32 = 30;

/// What the demo did, for its closing words (and its test).
#[derive(Debug, Default)]
pub struct Demo {
    pub folder: PathBuf,
    pub organisation: String,
    pub invoices: u64,
    pub open_invoices: u64,
    pub contacts: u64,
    pub rules: usize,
    pub segments: usize,
    pub warnings: usize,
    /// What the simulation would send and assign.
    pub simulated: Counts,
    pub ran_at: Option<Timestamp>,
    pub acted: u64,
    pub skipped: u64,
    pub emails: Vec<PathBuf>,
    pub notes: usize,
    pub tasks: u64,
    pub sent: u64,
    /// The reply and the bounce the demo's customers send back.
    pub heard: hearing::Heard,
    /// What `explain` says of the customer who replied.
    pub paused: Option<String>,
    /// History notes of what was heard, waiting for the next run to write them to Xero.
    pub notes_waiting: usize,
    /// One customer's page, opened from the link in their email.
    pub page: Option<page::Opened>,
    /// The key the emails are signed with, and the DNS record that would vouch for it.
    pub dkim: Option<dkim::Record>,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{} already holds other files", folder.display())]
    NotEmpty { folder: PathBuf },
    #[error("cannot {doing}: {cause}")]
    Io { doing: String, cause: std::io::Error },
    #[error("cannot start the sandbox: {0}")]
    Sandbox(std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("connect: {0}")]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("sync {organisation}: {error}")]
    Sync { organisation: String, error: std::sync::Arc<crate::xero::sync::SyncError> },
    #[error("the sandbox has no organisation")]
    NoOrganisation,
    #[error("check the strategy: {0}")]
    Strategy(#[from] CompileError),
    #[error("{0}")]
    Calendar(#[from] UnknownZone),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    PageKey(#[from] crate::secret::page_key::PageKeyError),
    #[error("cannot make the demo's DKIM key {}: {cause}", path.display())]
    DkimKeyUncreatable { path: PathBuf, cause: std::io::Error },
    #[error(transparent)]
    Dkim(#[from] crate::runtime::dkim::DkimError),
    #[error("run: {error}")]
    RunFailed { error: String },
}

impl DemoError {
    pub fn help(&self) -> Option<String> {
        match self {
            DemoError::NotEmpty { .. } => Some("give the demo an empty folder (--out DIR)".into()),
            DemoError::Store(error) => error.help(),
            DemoError::Run(error) => error.help(),
            DemoError::Sandbox(_) => Some("the sandbox listens on 127.0.0.1; check that loopback works".into()),
            DemoError::DkimKeyUncreatable { .. } => Some("check that the demo folder can be written".into()),
            // The demo's own key, not an operator's: making a new one loses nothing.
            DemoError::Dkim(_) => Some("move dkim.pem aside in the demo folder: the next demo makes a new key".into()),
            _ => None,
        }
    }
}

/// Marks a folder as the demo's own, so that a second demo may clear it.
const MARKER: &str = ".collectiq-demo";

/// Clears what an earlier demo left in `folder` (and only that), then writes the example. A
/// folder with anything else in it and no demo's mark is refused: it could hold a real store.
fn prepare(folder: &Path) -> Result<PathBuf, DemoError> {
    let ours = folder.join(MARKER).exists();
    let empty = std::fs::read_dir(folder).map_or(true, |mut entries| entries.next().is_none());
    if !ours && !empty {
        return Err(DemoError::NotEmpty { folder: folder.to_path_buf() });
    }
    let io = |doing: &str| {
        let doing = doing.to_owned();
        move |cause| DemoError::Io { doing, cause }
    };
    std::fs::create_dir_all(folder.join("strategy/templates")).map_err(io("make the demo folder"))?;
    std::fs::write(folder.join(MARKER), "made by `collectiq demo`, which may clear it\n")
        .map_err(io("mark the demo folder"))?;
    for entry in std::fs::read_dir(folder).map_err(io("read the demo folder"))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") || name.starts_with("collectiq.db") || name == "simulation.html" {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    for (name, text) in EXAMPLE {
        std::fs::write(folder.join("strategy").join(name), text).map_err(io("write the example"))?;
    }
    Ok(folder.join("strategy/wholesale.strategy"))
}

fn demo_config(folder: &Path, sandbox: &str, strategy: &Path, pages: SocketAddr) -> Result<Config, DemoError> {
    // What `collectiq serve` needs to serve the demo's pages again afterwards; the DKIM key is
    // here rather than in the environment below, so that `collectiq doctor` sees it too.
    let dkim = dkim::settings(folder);
    let toml = format!(
        "# The demo's own configuration: everything else comes from the demo.\n\
         key_file = {:?}\n\n[page]\nbase_url = \"http://{pages}\"\nkey_file = {:?}\n\n\
         [email.dkim]\ndomain = {:?}\nselector = {:?}\nkey_file = {:?}\n",
        folder.join("token.key").display().to_string(),
        folder.join("page.key").display().to_string(),
        dkim.domain,
        dkim.selector,
        dkim.key_file.display().to_string(),
    );
    std::fs::write(folder.join("collectiq.toml"), toml)
        .map_err(|cause| DemoError::Io { doing: "write the demo's configuration".into(), cause })?;
    let values = [
        ("COLLECTIQ_XERO_URL", sandbox.to_string()),
        ("COLLECTIQ_EMAIL_CAPTURE", folder.display().to_string()),
        ("COLLECTIQ_STRATEGY", strategy.display().to_string()),
        ("COLLECTIQ_EMAIL_FROM", "accounts@harbourwholesale.example".to_string()),
        // The sandbox's tokens are worth nothing: their key stays with the rest of the demo.
        ("COLLECTIQ_KEY_FILE", folder.join("token.key").display().to_string()),
    ];
    let env = |name: &str| values.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone());
    let overrides =
        Overrides { config_file: Some(folder.join("collectiq.toml")), database: Some(folder.join("collectiq.db")) };
    Ok(Config::load_with(&overrides, &env)?)
}

/// Runs the demo in `folder`, narrating each step through `say`.
pub async fn demo(folder: &Path, say: &dyn Fn(&str)) -> Result<Demo, DemoError> {
    let strategy = prepare(folder)?;
    let mut demo = Demo { folder: folder.to_path_buf(), ..Demo::default() };
    say("Starting the sandbox: a Xero-compatible organisation on this machine.");
    let size = Size { organisations: 1, contacts: 60, invoices: 1_500 };
    let sandbox = Sandbox::start(SandboxConfig { size, ..SandboxConfig::default() }, ([127, 0, 0, 1], 0).into())
        .await
        .map_err(DemoError::Sandbox)?;
    let result = steps(folder, &strategy, sandbox.url(), &mut demo, say).await;
    sandbox.stop().await;
    result.map(|()| demo)
}

async fn steps(
    folder: &Path,
    strategy: &Path,
    url: &str,
    demo: &mut Demo,
    say: &dyn Fn(&str),
) -> Result<(), DemoError> {
    // The customers' pages get an address before the emails carrying their links are written.
    let pages = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|cause| DemoError::Io { doing: "choose an address for the customers' pages".into(), cause })?;
    let pages_at =
        pages.local_addr().map_err(|cause| DemoError::Io { doing: "read the pages' address".into(), cause })?;
    // The signing key before the configuration that names it: a key that cannot be had stops the
    // demo here, with its own words, rather than as the run's.
    demo.dkim = Some(dkim::key(folder)?);
    // Its own configuration, so that a collectiq.toml where the demo runs is not used.
    let config = demo_config(folder, url, strategy, pages_at)?;
    say("Connecting to it as to Xero (OAuth 2 with PKCE, approved at once by the sandbox).");
    {
        let store = Store::open(&config.database).await?;
        let options = ConnectOptions { headless: true, port: 0, open_browser: false, timeout: Duration::from_secs(60) };
        connect(&config, &store, &options).await?;
    }
    let session = Session::open(&config).await?;
    say("Syncing contacts, groups, invoices, payments and credits.");
    let organisations = session.store.organisations().await?;
    let syncer = Syncer::new(session.client.clone(), session.store.clone(), Arc::new(Quiet));
    for report in syncer.sync(&organisations, SyncOptions { full: true, ..SyncOptions::default() }).await {
        if let Some(error) = report.error {
            return Err(DemoError::Sync { organisation: report.name, error });
        }
    }
    let org = organisations.first().ok_or(DemoError::NoOrganisation)?.clone();
    let tenant = org.organisation.tenant_id;
    demo.organisation = org.organisation.name.clone();
    let counts = session.store.counts(tenant).await?;
    (demo.invoices, demo.open_invoices, demo.contacts) = (counts.invoices, counts.open_invoices, counts.contacts);
    say("Checking the example strategy.");
    let compiled = compile_path(strategy)?;
    let plan = compiled.plan;
    demo.warnings = compiled.warnings.len();
    demo.segments = plan.segments.len();
    demo.rules = plan.segments.iter().map(|s| s.audience.rules.len()).sum::<usize>() + plan.every_customer.rules.len();
    let calendar = Calendar::new(&plan.settings, org.organisation.zone.as_deref())?;
    let now = Timestamp::now();
    // Run when the strategy may send (now, or the next time its window opens), so there is
    // something to see whatever the hour.
    let at = calendar.next_sending_moment(now).unwrap_or(now);
    say(&format!("Simulating the next {SIMULATED_DAYS} days, customers paying as their history says."));
    {
        let (books, memory) = session.store.books_and_memory(tenant).await?;
        let mut scenario =
            Scenario::new(&plan, &calendar, books, memory, calendar.today(at), SIMULATED_DAYS, Payments::History);
        let report = simulate(&mut scenario);
        for action in &report.actions {
            demo.simulated.count(action);
        }
        std::fs::write(folder.join("simulation.html"), html::render(&report))
            .map_err(|cause| DemoError::Io { doing: "write simulation.html".into(), cause })?;
    }
    say("Running it: deciding what is due, writing the emails (DKIM-signed), logging each to Xero.");
    let options = RunOptions { sync: false, at: Some(at), skip_links_ahead: true, ..RunOptions::default() };
    let report = run(&config, &session, vec![org], &options, Arc::new(Quiet)).await?;
    demo.ran_at = Some(at);
    for line in &report.organisations {
        demo.acted += line.acted;
        demo.skipped += line.skipped;
        if let Some(error) = &line.error {
            return Err(DemoError::RunFailed { error: error.clone() });
        }
    }
    demo.notes = report.delivered.notes_written as usize;
    demo.sent = report.delivered.emails_sent;
    demo.tasks = session.store.tasks(false).await?.len() as u64;
    demo.emails = std::fs::read_dir(folder)
        .map_err(|cause| DemoError::Io { doing: "read the demo folder".into(), cause })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    demo.emails.sort();
    say("Hearing back: one customer replies to their email, and another's address bounces.");
    let policies = crate::inbox::Policies {
        by_tenant: [(tenant, crate::inbox::policies::policy(&plan))].into_iter().collect(),
        scope: None,
    };
    demo.heard = hearing::hear_back(folder, &session.store, &demo.emails, policies.clone()).await?;
    // What the reply changes, as `explain` says it for one of the customer's invoices (a second
    // run would show it too, but would wait for Xero's next minute: the first run spent it).
    if let Some((_, address, _)) = &demo.heard.reply {
        let (books, memory) = session.store.books_and_memory(tenant).await?;
        let replied = books.customers.iter().find(|c| c.recipients().iter().any(|r| r.eq_ignore_ascii_case(address)));
        if let Some(invoice) = replied.and_then(|c| c.open.first()) {
            let actions = session.store.actions_about(tenant, &[invoice.invoice_id]).await?;
            let lines = crate::runtime::explain::explain(&plan, &calendar, &books, &memory, invoice, &actions, at);
            demo.paused = lines.into_iter().find(|line| line.starts_with("Paused"));
        }
    }
    say("Opening one customer's page from the link in their email.");
    let key_file = crate::runtime::page_link::page_key_path(&config.page);
    demo.page = page::open_one(pages, &key_file, &session.store, &demo.emails, policies).await?;
    let waiting = session.store.pending_notes(Timestamp::now(), &[], 1_000).await?;
    demo.notes_waiting = waiting.iter().filter(|note| note.action_key.starts_with("inbox:")).count();
    demo.tasks = session.store.tasks(false).await?.len() as u64;
    Ok(())
}

impl Demo {
    /// The closing words: what happened, where to look, and how to go on with real Xero.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let folder = self.folder.display();
        let _ = writeln!(out, "\nWhat happened");
        let _ = writeln!(
            out,
            "  {} in the sandbox: {} contacts, {} invoices ({} open), synced into {folder}/collectiq.db.",
            self.organisation, self.contacts, self.invoices, self.open_invoices
        );
        let _ = writeln!(
            out,
            "  The strategy ({folder}/strategy/wholesale.strategy): {} segments, {} rules, {} warnings.",
            self.segments, self.rules, self.warnings
        );
        let _ = writeln!(
            out,
            "  Simulated {SIMULATED_DAYS} days: {} emails, {} call tasks, {} escalations (see {folder}/simulation.html).",
            self.simulated.emails, self.simulated.calls, self.simulated.escalations
        );
        let when = self.ran_at.map_or("now".into(), |at| at.strftime("%Y-%m-%d %H:%M UTC").to_string());
        let _ = writeln!(
            out,
            "  Ran as of {when}: {} actions taken, {} recorded as skipped; {} emails written, {} history notes logged to the sandbox, {} call tasks open.",
            self.acted,
            self.skipped,
            self.emails.len(),
            self.notes,
            self.tasks
        );
        if let Some(dkim) = &self.dkim {
            let _ = writeln!(
                out,
                "  The emails are DKIM-signed for {} with the demo's own key ({}); the TXT record one would publish at {}:",
                dkim.domain,
                dkim.key_file.display(),
                dkim.name
            );
            let _ = writeln!(out, "    {}", dkim.text);
        }
        if let Some((id, address, reason)) = &self.heard.reply {
            let _ = writeln!(
                out,
                "  Heard back: {address} replied (message {id}): {reason}. No more automatic email goes to them until someone runs `collectiq inbox handle {id}`."
            );
        }
        if let Some((id, address, reason)) = &self.heard.bounce {
            let _ = writeln!(out, "  Heard back: an email to {address} bounced (message {id}): {reason}.");
        }
        if let Some(paused) = &self.paused {
            let _ = writeln!(out, "  explain, for that customer's invoice: {paused}");
        }
        if self.notes_waiting > 0 {
            let _ = writeln!(
                out,
                "  {} history notes of what was heard wait for the next run to log them to Xero.",
                self.notes_waiting
            );
        }
        if let Some(page) = &self.page {
            let opened = if page.status == 200 && page.shows_invoices {
                "it opened, with their open invoices".to_string()
            } else {
                format!("it answered {}", page.status)
            };
            let _ = writeln!(out, "  {}'s own page, from the link in their email ({opened}):", page.to);
            let _ = writeln!(out, "    {}", page.link);
            let _ = writeln!(
                out,
                "    to open it in a browser, serve it:  collectiq --config {folder}/collectiq.toml --db {folder}/collectiq.db serve --listen {}",
                page.link.trim_start_matches("http://").split('/').next().unwrap_or_default()
            );
        }
        let _ = writeln!(out, "\nWhere to look");
        if let Some(first) = self.emails.first() {
            let _ = writeln!(out, "  {}  (one of the emails, as it would have been sent)", first.display());
        }
        let _ = writeln!(out, "  {folder}/simulation.html  (the simulation, day by day, with charts)");
        let _ = writeln!(out, "  collectiq --db {folder}/collectiq.db tasks   (the call tasks and escalations)");
        let _ = writeln!(
            out,
            "  collectiq --db {folder}/collectiq.db inbox list   (the reply and the bounce: {folder}/inbox)"
        );
        let _ = writeln!(out, "\nWith your own Xero organisation");
        let _ =
            writeln!(out, "  1. Create a Xero app (auth code with PKCE) with redirect http://localhost:8765/callback;");
        let _ = writeln!(out, "     export COLLECTIQ_XERO_CLIENT_ID=<its client id>.");
        let _ = writeln!(out, "  2. collectiq connect --port 8765 && collectiq sync");
        let _ = writeln!(
            out,
            "  3. Write a strategy (start from {folder}/strategy), then: collectiq check, collectiq simulate."
        );
        let _ = writeln!(
            out,
            "  4. collectiq run --dry-run, then collectiq run (or collectiq autopilot) with COLLECTIQ_SMTP_URL set."
        );
        out
    }
}
