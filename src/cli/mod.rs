//! The `collectiq` command line. Exit codes: 0 all is well (warnings allowed), 1 a problem in
//! the input (an error in a strategy, a file `fmt --check` would change), 2 a usage or I/O error.

mod aging;
mod autopilot;
mod check;
mod compile;
mod context;
mod demo;
mod diff;
mod doctor;
mod error;
mod fmt;
mod inbox;
mod links;
mod outbox;
mod output;
mod preview;
mod progress;
mod rates;
mod runtime;
mod sandbox;
mod simulate;
mod webhooks;
mod xero;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "collectiq",
    version,
    about = "Accounts-receivable collections for Xero, from strategies written in plain language"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: context::Global,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check strategy files (or folders of them), reporting the first 100 errors and warnings
    /// of each file and counting the rest.
    Check {
        /// Strategy files, or folders whose *.strategy files are all checked.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
        /// How to print problems: for people, or JSON for editors and CI.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Compile a strategy into its action plan (JSON): what it means, with stable rule ids.
    Compile {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Write the plan to this file instead of standard output.
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Show what changed between two versions of a strategy (strategy files or plan JSON), keyed
    /// by stable rule ids; exit 1 when they differ.
    Diff {
        /// OLD and NEW; with --git, the one file to compare with its committed version.
        #[arg(value_name = "FILES", num_args = 1..=2, required = true)]
        files: Vec<PathBuf>,
        /// Compare FILE with its version at this git revision (such as HEAD or main).
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        #[arg(long, value_enum, default_value_t = diff::DiffFormat::Text)]
        format: diff::DiffFormat,
        /// Also simulate both over real data and report what would change for customers.
        #[arg(long)]
        impact: bool,
        /// With --impact: how many days to look ahead.
        #[arg(long, default_value_t = 30, value_name = "N", requires = "impact",
              value_parser = clap::value_parser!(u32).range(1..=3660))]
        days: u32,
        /// With --impact: how many invoices whose next action changes to list.
        #[arg(long, default_value_t = 20, value_name = "N", requires = "impact")]
        top: usize,
        #[command(flatten)]
        data: simulate::DataArgs,
    },
    /// The whole flow with nothing to set up: a sandbox organisation, connect, sync, check,
    /// simulate and run the example strategy, emails written to ./demo-out/.
    Demo {
        /// Where to put everything the demo makes.
        #[arg(long, default_value = "demo-out", value_name = "DIR")]
        out: PathBuf,
    },
    /// Dry run: what a strategy would do, day by day and why, over synced data, a saved Xero
    /// export or the sandbox, with nothing sent and nothing stored.
    Simulate(simulate::SimulateArgs),
    /// Print the JSON Schema of plans.
    Schema,
    /// Serve generated Xero organisations on loopback (the API, OAuth and webhooks), until
    /// interrupted. Prints its base URL first.
    Sandbox(sandbox::SandboxArgs),
    /// Connect Xero organisations (OAuth with PKCE); stores the tokens and every organisation.
    Connect(xero::ConnectArgs),
    /// List connected organisations: last sync, counts, token health.
    Orgs(xero::OrgsArgs),
    /// Disconnect an organisation (by name or tenant id) and remove its data.
    Disconnect {
        #[arg(value_name = "ORG")]
        organisation: String,
    },
    /// Copy each organisation's receivables from Xero (incremental; --full reads everything).
    Sync(xero::SyncArgs),
    /// Aged receivables: current, 1-30, 31-60, 61-90 and 90+ days past due.
    Aging(aging::AgingArgs),
    /// One pass: sync, decide what is due under the strategy, record it, send, write notes.
    Run(runtime::RunArgs),
    /// Why an invoice gets what, and when.
    Explain(runtime::ExplainArgs),
    /// The outbox: what is waiting, sent, cancelled or failed, and why; the notes queue.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// The mailbox replies go to: fetch, import, list, show, handle, assign, unsuppress.
    #[command(subcommand)]
    Inbox(inbox::InboxCommand),
    /// The signed links to customers' pages: revoke a leaked one.
    #[command(subcommand)]
    Links(links::LinksCommand),
    /// Call tasks and escalations: list, done, reopen.
    Tasks {
        #[command(subcommand)]
        command: Option<runtime::TasksCommand>,
    },
    /// Record that a customer promised to pay an invoice on a day.
    Promise {
        #[arg(value_name = "INVOICE")]
        invoice: String,
        #[arg(long, value_name = "DATE")]
        on: Option<jiff::civil::Date>,
        /// Forget the promise.
        #[arg(long, conflicts_with = "on")]
        clear: bool,
    },
    /// Record that a customer says they have paid an invoice (as their page's "I've already paid" does).
    PaidClaim {
        #[arg(value_name = "INVOICE")]
        invoice: String,
        /// The day they say they paid.
        #[arg(long, value_name = "DATE")]
        on: jiff::civil::Date,
        /// How much they say they paid (the amount due by default).
        #[arg(long, value_name = "AMOUNT")]
        amount: Option<rust_decimal::Decimal>,
        /// The payment's reference, as they gave it.
        #[arg(long, value_name = "TEXT")]
        reference: Option<String>,
    },
    /// Record that an invoice is disputed (or, with --resolve, that it no longer is).
    Dispute {
        #[arg(value_name = "INVOICE")]
        invoice: String,
        #[arg(long)]
        resolve: bool,
    },
    /// Pause all chasing of a customer until a day (inclusive).
    Pause {
        #[arg(value_name = "CONTACT")]
        contact: String,
        #[arg(long, value_name = "DATE")]
        until: Option<jiff::civil::Date>,
        #[arg(long, conflicts_with = "until")]
        clear: bool,
    },
    /// Run unattended: webhooks, scheduled syncs and runs, the customers' pages, GET /healthz, until SIGTERM or Ctrl-C.
    Autopilot(autopilot::AutopilotArgs),
    /// Serve the customers' pages, Xero's webhooks and GET /healthz, without the scheduler (for `run` from cron).
    Serve(autopilot::ServeArgs),
    /// Write the email a template makes for one invoice (.eml for a mail client, .html for a
    /// browser), from the configured database, as a run would compose it; nothing is sent.
    Preview(preview::PreviewArgs),
    /// Whether mail will be taken as the sender's own: where it goes, the DKIM record to publish,
    /// and what DNS says about SPF, DKIM and DMARC; exit 1 when something is missing.
    Doctor(doctor::DoctorArgs),
    /// Xero webhooks.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Show the late-payment reference rates in use: the shipped table, with collectiq.toml's [rates] over it.
    Rates(rates::RatesArgs),
    /// Rewrite strategy files in canonical phrasing, keeping comments.
    Fmt {
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if any file is not already formatted.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Print the formatted text instead of rewriting the files.
        #[arg(long)]
        stdout: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The three outcomes every command reports as its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Problems,
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Problems => ExitCode::from(1),
            Outcome::Failed => ExitCode::from(2),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let outcome = match cli.command {
        Command::Check { files, format } => check::run(&files, format),
        Command::Compile { file, out } => compile::run(&file, out.as_deref()),
        Command::Schema => compile::schema(),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Connect(args) => xero::run_connect(&cli.global, args),
        Command::Orgs(args) => xero::run_orgs(&cli.global, args),
        Command::Disconnect { organisation } => xero::run_disconnect(&cli.global, &organisation),
        Command::Sync(args) => xero::run_sync(&cli.global, args),
        Command::Aging(args) => aging::run(&cli.global, args),
        Command::Webhooks(command) => webhooks::run(&cli.global, command),
        Command::Run(args) => runtime::run_command(&cli.global, args),
        Command::Explain(args) => runtime::explain_command(&cli.global, args),
        Command::Outbox(command) => outbox::run(&cli.global, command),
        Command::Inbox(command) => inbox::run(&cli.global, command),
        Command::Links(command) => links::run(&cli.global, command),
        Command::Tasks { command } => runtime::tasks_command(&cli.global, command),
        Command::Promise { invoice, on, clear } => runtime::promise_command(&cli.global, &invoice, on, clear),
        Command::PaidClaim { invoice, on, amount, reference } => {
            runtime::paid_claim_command(&cli.global, &invoice, on, amount, reference)
        }
        Command::Dispute { invoice, resolve } => runtime::dispute_command(&cli.global, &invoice, resolve),
        Command::Pause { contact, until, clear } => runtime::pause_command(&cli.global, &contact, until, clear),
        Command::Diff { files, git, format, impact, days, top, data } => {
            let impact = impact.then_some(diff::ImpactArgs { global: &cli.global, data: &data, days, top });
            diff::run(&files, git.as_deref(), format, impact)
        }
        Command::Simulate(args) => simulate::run(&cli.global, args),
        Command::Autopilot(args) => autopilot::run(&cli.global, args),
        Command::Serve(args) => autopilot::serve_command(&cli.global, args),
        Command::Preview(args) => preview::preview_command(&cli.global, args),
        Command::Doctor(args) => doctor::doctor_command(&cli.global, args),
        Command::Demo { out } => demo::run(&out),
        Command::Rates(args) => rates::run(&cli.global, args),
        Command::Fmt { files, check, stdout } => fmt::run(&files, fmt::Mode::from_flags(check, stdout)),
    };
    outcome.into()
}
