//! `connect`, `orgs`, `disconnect` and `sync`: connecting Xero organisations and keeping their
//! receivables in the store.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use super::Outcome;
use super::context::{Global, choose, config, session};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::store::Store;
use crate::xero::connect::{ConnectOptions, connect};
use crate::xero::sync::{SyncOptions, Syncer};

#[derive(clap::Args, Debug)]
pub struct ConnectArgs {
    /// Follow Xero's redirect without a browser (works against the sandbox, which approves at once).
    #[arg(long)]
    headless: bool,
    /// The loopback port Xero redirects to; register http://localhost:PORT/callback with your Xero app.
    #[arg(long, default_value_t = 8749)]
    port: u16,
    /// Print the address instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
}

pub fn run_connect(global: &Global, args: ConnectArgs) -> Outcome {
    let config = match config(global) {
        Ok(config) => config,
        Err(error) => return fail(error),
    };
    let options = ConnectOptions {
        headless: args.headless,
        port: args.port,
        open_browser: !args.no_browser,
        timeout: Duration::from_secs(300),
    };
    let key_existed = config.key_file.as_deref().is_some_and(std::path::Path::exists);
    let outcome = block_on(async {
        let store = Store::open(&config.database).await?;
        Ok(connect(&config, &store, &options).await?)
    });
    match outcome {
        Ok(organisations) => {
            if let Some(key) = config.key_file.as_deref().filter(|_| !key_existed) {
                println!(
                    "Made {}, the key that seals the Xero tokens: back it up apart from the database (losing it \
                     means connecting again).",
                    key.display()
                );
            }
            println!(
                "Connected {} organisation{}:",
                organisations.len(),
                if organisations.len() == 1 { "" } else { "s" }
            );
            for org in &organisations {
                println!("  {}  ({})", org.name, org.tenant_id);
            }
            println!("Next: `collectiq sync` to copy their receivables.");
            Outcome::Clean
        }
        Err(error) => fail(error),
    }
}

#[derive(clap::Args, Debug)]
pub struct OrgsArgs {
    #[arg(long, value_enum, default_value_t = super::Format::Human)]
    format: super::Format,
}

#[derive(Serialize)]
struct OrgLine {
    name: String,
    tenant_id: String,
    base_currency: String,
    last_sync: Option<String>,
    last_full_sync: Option<String>,
    last_sync_error: Option<String>,
    invoices: u64,
    open_invoices: u64,
    contacts: u64,
    token: String,
    /// Xero calls spent in the last day (by every CollectIQ process), and the day's limit.
    calls_today: u64,
    calls_per_day: u32,
    /// History notes waiting to be written.
    notes_waiting: u64,
}

pub fn run_orgs(global: &Global, args: OrgsArgs) -> Outcome {
    let lines = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            // A key that cannot be had is shown as each organisation's token health, not an error.
            store.unlock(config.key_file.as_deref()).await?;
            Ok(org_lines(&store, config.xero.limits.per_day).await?)
        })
    });
    let lines = match lines {
        Ok(lines) => lines,
        Err(error) => return fail(error),
    };
    match args.format {
        super::Format::Json => println!("{}", serde_json::to_string_pretty(&lines).unwrap_or_default()),
        super::Format::Human if lines.is_empty() => println!("No organisation is connected; run `collectiq connect`."),
        super::Format::Human => {
            for line in &lines {
                println!("{}  {}", line.name, line.tenant_id);
                println!(
                    "  {} invoices ({} open), {} contacts, base currency {}",
                    line.invoices, line.open_invoices, line.contacts, line.base_currency
                );
                println!("  last sync: {}", line.last_sync.as_deref().unwrap_or("never"));
                if let Some(error) = &line.last_sync_error {
                    println!("  last sync failed: {error}");
                }
                println!("  token: {}", line.token);
                println!(
                    "  Xero calls in the last day: {} of {}; {} history notes waiting",
                    line.calls_today, line.calls_per_day, line.notes_waiting
                );
            }
        }
    }
    Outcome::Clean
}

async fn org_lines(store: &Store, per_day: u32) -> crate::store::Result<Vec<OrgLine>> {
    let now = Timestamp::now();
    let mut lines = Vec::new();
    for org in store.organisations().await? {
        let tenant = org.organisation.tenant_id;
        let calls_today = store.xero_calls_today(tenant, now).await?;
        let notes_waiting = store.notes_waiting(tenant).await?;
        let counts = store.counts(org.organisation.tenant_id).await?;
        let token = store.token_health(&org, now).await?.to_string();
        let when = |at: Option<Timestamp>| at.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string());
        lines.push(OrgLine {
            name: org.organisation.name.clone(),
            tenant_id: org.organisation.tenant_id.to_string(),
            base_currency: org.organisation.base_currency.clone(),
            last_sync: when(org.last_sync_at),
            last_full_sync: when(org.last_full_sync_at),
            last_sync_error: org.last_sync_error.clone(),
            invoices: counts.invoices,
            open_invoices: counts.open_invoices,
            contacts: counts.contacts,
            token,
            calls_today,
            calls_per_day: per_day,
            notes_waiting,
        });
    }
    Ok(lines)
}

pub fn run_disconnect(global: &Global, organisation: &str) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let session = session(&config).await?;
            let all = session.store.organisations().await?;
            let chosen = choose(all, Some(organisation))?;
            for org in &chosen {
                let tenant = org.organisation.tenant_id;
                // Tell Xero first; if it cannot be told, forget the organisation here anyway.
                if let (Some(grant), Some(connection)) = (org.grant_id, org.connection_id) {
                    let told: Result<(), CommandError> = async {
                        let token = session.tokens.access_token(grant).await?;
                        Ok(session.oauth.disconnect(&token, connection).await?)
                    }
                    .await;
                    if let Err(error) = told {
                        eprintln!(
                            "warning: Xero was not told ({error}); remove CollectIQ in Xero's connected apps too"
                        );
                    }
                }
                session.store.remove_organisation(tenant).await?;
                println!("Disconnected {} and removed its data.", org.organisation.name);
            }
            Ok(())
        })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Only this organisation (name or tenant id).
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    /// Read everything again and remove what Xero no longer lists.
    #[arg(long)]
    full: bool,
}

pub fn run_sync(global: &Global, args: SyncArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let session = session(&config).await?;
            let all = session.store.organisations().await?;
            let chosen = choose(all, args.org.as_deref())?;
            let progress: Arc<dyn crate::xero::sync::Progress> = Arc::from(super::progress::for_stderr());
            let syncer = Syncer::new(session.client.clone(), session.store.clone(), progress);
            let reports = syncer.sync(&chosen, SyncOptions { full: args.full, ..SyncOptions::default() }).await;
            session.client.write_calls_down(None).await;
            Ok(reports)
        })
    });
    let reports = match result {
        Ok(reports) => reports,
        Err(error) => return fail(error),
    };
    for report in &reports {
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
        for skipped in report.skipped.iter().take(20) {
            eprintln!("warning: {}: {skipped}", report.name);
        }
        if report.skipped.len() > 20 {
            eprintln!("warning: {}: {} more records were skipped", report.name, report.skipped.len() - 20);
        }
    }
    if reports.iter().any(|r| r.error.is_some()) { Outcome::Problems } else { Outcome::Clean }
}
