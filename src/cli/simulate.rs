//! `collectiq simulate`: what a strategy would do, day by day, over synced data, a saved Xero
//! export or the sandbox's organisation; and the data side of `collectiq diff --impact`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use jiff::Timestamp;
use jiff::civil::Date;

use super::Outcome;
use super::context::{Global, choose, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::decide::books::Books;
use crate::decide::calendar::Calendar;
use crate::decide::late_payment::{Dispute, RateTable};
use crate::decide::memory::Memory;
use crate::plan::{Plan, compile_path};
use crate::runtime::RunError;
use crate::simulate::claims::ClaimInputs;
use crate::simulate::data::Export;
use crate::simulate::events::{DrawnReplies, Event, Events};
use crate::simulate::{Payments, Report, Scenario, html, simulate, text};
use crate::store::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PaymentsArg {
    None,
    History,
    Random,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    Text,
    Json,
    Html,
}

/// Where the books come from: the store (the default, or --db), the sandbox, or an export.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// Simulate over the sandbox's generated organisation instead of the store.
    #[arg(long, conflicts_with = "data")]
    sandbox: bool,
    /// The seed of the sandbox's organisation, of random payments and of drawn replies.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u64,
    /// How many invoices the sandbox's organisation has.
    #[arg(long, default_value_t = 1_000, value_name = "N", requires = "sandbox")]
    invoices: usize,
    /// A folder of Xero API responses (Organisation.json, Contacts.json, ContactGroups.json,
    /// Invoices.json, Payments.json, CreditNotes.json) to simulate over instead of the store,
    /// with, optionally, the replies, auto-replies and bounces of events.json.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// With the store: the organisation (name or tenant id), when several are connected.
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    /// The first day (the strategy's today by default).
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
    /// How customers pay meanwhile.
    #[arg(long, value_enum, default_value_t = PaymentsArg::None)]
    payments: PaymentsArg,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    #[arg(value_name = "STRATEGY")]
    strategy: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// How many days to simulate.
    #[arg(long, default_value_t = 30, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    #[arg(long, value_enum, default_value_t = SimulateFormat::Text)]
    format: SimulateFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// The chance (0 to 1), per email sent, that the customer replies the next day; drawn with
    /// --seed.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    replies: Option<f64>,
    /// Business days after a drawn reply on which someone marks it handled.
    #[arg(long, default_value_t = 2, value_name = "DAYS", requires = "replies",
          value_parser = clap::value_parser!(u32).range(0..=250))]
    handled_after: u32,
}

/// Why a `--replies` rate is refused.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a rate between 0 and 1 (0.25: one email in four gets a reply)")]
pub struct NotARate(String);

fn parse_rate(text: &str) -> Result<f64, NotARate> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(NotARate(text.into())),
    }
}

/// One organisation's books and what CollectIQ remembers of it.
pub struct Loaded {
    pub books: Books,
    pub memory: Memory,
    /// The replies, auto-replies and bounces of the data folder's events.json.
    pub events: Vec<Event>,
    /// What late-payment claims are reckoned from, read from the store under a `Claim` sentence.
    pub claims: Option<ClaimInputs>,
}

impl DataArgs {
    fn payments(&self) -> Payments {
        match self.payments {
            PaymentsArg::None => Payments::None,
            PaymentsArg::History => Payments::History,
            PaymentsArg::Random => Payments::Random { seed: self.seed },
        }
    }

    /// The books to simulate over, for a plan (which names the organisations it applies to).
    pub fn load(&self, global: &Global, plan: &Plan) -> Result<Loaded, CommandError> {
        if global.db.is_some() && (self.sandbox || self.data.is_some()) {
            return Err(CommandError::TwoSources);
        }
        // What could not be read is left out, as a sync leaves it out, and said.
        let fresh = |read: crate::simulate::data::Loaded| {
            for what in &read.left_out {
                eprintln!("warning: left out: {what}");
            }
            Loaded { books: read.books, memory: Memory::default(), events: Vec::new(), claims: None }
        };
        if self.sandbox {
            let today = self.from.unwrap_or_else(|| crate::sandbox::world::generate::utc_date(Timestamp::now()));
            let export = Export::sandbox(self.seed, self.invoices, today);
            return Ok(export.books(Path::new("sandbox")).map(fresh)?);
        }
        if let Some(folder) = &self.data {
            let export = Export::read(folder)?;
            let entries = crate::simulate::events::read(folder)?;
            let mut loaded = export.books(folder).map(fresh)?;
            loaded.events = crate::simulate::events::resolve(&entries, &loaded.books, folder)?;
            return Ok(loaded);
        }
        let config = config(global)?;
        if !config.database.exists() {
            return Err(CommandError::NoStore { path: config.database.clone() });
        }
        block_on(self.load_from_store(&config, plan))
    }

    async fn load_from_store(&self, config: &crate::config::Config, plan: &Plan) -> Result<Loaded, CommandError> {
        let store = Store::open(&config.database).await?;
        let all = store.organisations().await?;
        let named: Vec<_> = if plan.organisations.is_empty() || self.org.is_some() {
            all
        } else {
            all.into_iter()
                .filter(|o| plan.organisations.iter().any(|n| n.eq_ignore_ascii_case(&o.organisation.name)))
                .collect()
        };
        let chosen = choose(named, self.org.as_deref())?;
        let [org] = chosen.as_slice() else {
            let names: Vec<&str> = chosen.iter().map(|o| o.organisation.name.as_str()).collect();
            return Err(CommandError::AmbiguousOrganisation {
                wanted: "the strategy".into(),
                candidates: names.join(", "),
            });
        };
        let (books, memory) = store.books_and_memory(org.organisation.tenant_id).await?;
        let claims = match plan.settings.claim {
            Some(_) => Some(claim_inputs(&store, config, plan, &books).await?),
            None => None,
        };
        Ok(Loaded { books, memory, events: Vec::new(), claims })
    }

    /// Simulates `plan` over the loaded books, with their events and the replies drawn at `replies`.
    pub fn report(
        &self,
        plan: &Plan,
        loaded: &Loaded,
        days: u32,
        replies: Option<(f64, u32)>,
    ) -> Result<Report, CommandError> {
        let calendar =
            Calendar::new(&plan.settings, loaded.books.organisation.zone.as_deref()).map_err(RunError::from)?;
        let from = self.from.unwrap_or_else(|| calendar.today(Timestamp::now()));
        let mut scenario =
            Scenario::new(plan, &calendar, loaded.books.clone(), loaded.memory.clone(), from, days, self.payments());
        scenario.claim_inputs = loaded.claims.as_ref();
        let drawn = replies.map(|(rate, handled_after)| DrawnReplies { rate, seed: self.seed, handled_after });
        scenario.events = Events::new(loaded.events.clone(), drawn);
        Ok(simulate(&mut scenario))
    }

    /// Both plans simulated over the same books, and what changes between them.
    pub fn impact(
        &self,
        old: &Plan,
        new: &Plan,
        loaded: &Loaded,
        days: u32,
        top: usize,
    ) -> Result<crate::simulate::impact::Impact, CommandError> {
        let zone = loaded.books.organisation.zone.as_deref();
        let old_calendar = Calendar::new(&old.settings, zone).map_err(RunError::from)?;
        let new_calendar = Calendar::new(&new.settings, zone).map_err(RunError::from)?;
        let from = self.from.unwrap_or_else(|| new_calendar.today(Timestamp::now()));
        let scenario = |plan, calendar| {
            let mut scenario =
                Scenario::new(plan, calendar, loaded.books.clone(), loaded.memory.clone(), from, days, self.payments());
            scenario.events = Events::new(loaded.events.clone(), None);
            scenario.claim_inputs = loaded.claims.as_ref();
            scenario
        };
        let (mut before, mut after) = (scenario(old, &old_calendar), scenario(new, &new_calendar));
        let (old_report, new_report) = (simulate(&mut before), simulate(&mut after));
        Ok(crate::simulate::impact::impact(&before, &old_report, &after, &new_report, top))
    }
}

/// The rates in use, the organisation's payments and credits, and the days each open invoice
/// was disputed: what the runtime reckons an email's claim from, so that the simulation shows the
/// figures the emails will.
async fn claim_inputs(
    store: &Store,
    config: &crate::config::Config,
    plan: &Plan,
    books: &Books,
) -> Result<ClaimInputs, CommandError> {
    let tenant = books.organisation.tenant_id;
    let rates = RateTable::in_use(&config.rates).map_err(RunError::Rates)?;
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).map_err(RunError::from)?;
    let open: Vec<uuid::Uuid> = books.customers.iter().flat_map(|c| c.open.iter().map(|i| i.invoice_id)).collect();
    let disputes = store
        .dispute_periods(tenant, &open)
        .await?
        .into_iter()
        .map(|(invoice, periods)| {
            let days = periods
                .into_iter()
                .map(|(opened, resolved)| Dispute {
                    from: calendar.today(opened),
                    until: resolved.map(|at| calendar.today(at)),
                })
                .collect();
            (invoice, days)
        })
        .collect();
    Ok(ClaimInputs {
        rates: Some(rates),
        payments: store.payments(tenant).await?,
        credits: store.credits(tenant).await?,
        disputes,
    })
}

pub fn run(global: &Global, args: SimulateArgs) -> Outcome {
    let result = compile_path(&args.strategy)
        .map_err(|cause| CommandError::from(RunError::StrategyDoesNotCompile { path: args.strategy.clone(), cause }))
        .and_then(|compiled| {
            let loaded = args.data.load(global, &compiled.plan)?;
            let replies = args.replies.map(|rate| (rate, args.handled_after));
            args.data.report(&compiled.plan, &loaded, args.days, replies)
        });
    let report = match result {
        Ok(report) => report,
        Err(error) => return fail(error),
    };
    let rendered = match args.format {
        SimulateFormat::Text => text::render(&report),
        SimulateFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        SimulateFormat::Html => html::render(&report),
    };
    match &args.out {
        Some(path) => match super::output::write_atomically(path, &rendered) {
            Ok(()) => {
                eprintln!("wrote {} ({} actions)", path.display(), report.totals.actions);
                Outcome::Clean
            }
            Err(cause) => fail(CommandError::Io { doing: format!("write {}", path.display()), cause }),
        },
        None => {
            print!("{rendered}");
            Outcome::Clean
        }
    }
}
