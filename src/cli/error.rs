//! Every way a command can fail, in one type: the phases' own errors (each with its help), and
//! what the command line itself finds wrong with what it was asked. Rendered once, by
//! [`super::output::fail`], through miette.

use std::path::PathBuf;

use crate::autopilot::AutopilotError;
use crate::config::ConfigError;
use crate::decide::late_payment::RatesError;
use crate::demo::DemoError;
use crate::plan::{CompileError, LoadError};
use crate::runtime::RunError;
use crate::simulate::data::DataError;
use crate::store::StoreError;
use crate::xero::connect::ConnectError;
use crate::xero::oauth::OAuthError;
use crate::xero::session::SessionError;
use crate::xero::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Autopilot(#[from] AutopilotError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Rates(#[from] RatesError),
    #[error("{}: {cause}", path.display())]
    Plan { path: PathBuf, cause: LoadError },
    #[error(transparent)]
    Strategy(#[from] CompileError),
    #[error("cannot start: {0}")]
    Start(std::io::Error),
    #[error("cannot {doing}: {cause}")]
    Io { doing: String, cause: std::io::Error },
    #[error("{flag} must be at least a second")]
    TooShort { flag: &'static str },
    #[error("give one source of data: --db, --sandbox or --data")]
    TwoSources,
    #[error("there is no store at {}", path.display())]
    NoStore { path: PathBuf },
    #[error("no organisation is connected yet")]
    NothingConnected,
    #[error("no connected organisation is called \"{wanted}\"; connected: {connected}")]
    NoSuchOrganisation { wanted: String, connected: String },
    #[error("\"{wanted}\" could be any of {candidates}")]
    AmbiguousOrganisation { wanted: String, candidates: String },
    #[error("no invoice {number} is in the store")]
    NoSuchInvoice { number: String },
    #[error("{count} invoices are numbered {number}")]
    AmbiguousInvoice { number: String, count: usize },
    #[error("no customer called \"{name}\" is in the store")]
    NoSuchCustomer { name: String },
    #[error("\"{name}\" could be any of {candidates}")]
    AmbiguousCustomer { name: String, candidates: String },
    #[error("there is no {what} #{id}")]
    NoSuchRecord { what: &'static str, id: i64 },
    #[error("action #{id} is held by the process {owner}, which may be sending it now")]
    ActionHeld { id: i64, owner: String },
    #[error("action #{id} is {state}: {only}")]
    ActionIs { id: i64, state: &'static str, only: &'static str },
    #[error("{what} is missing")]
    Missing { what: &'static str, help: &'static str },
    #[error("no strategy applies to {organisation}")]
    NoStrategyFor { organisation: String },
    #[error("there are no .strategy files in {}", folder.display())]
    NoStrategies { folder: PathBuf },
    #[error("{} has errors, so it has no plan to compare", path.display())]
    HasErrors { path: PathBuf },
    #[error("the strategy for {organisation} has no template \"{name}\"; it has {available}")]
    NoSuchTemplate { name: String, organisation: String, available: String },
    #[error(transparent)]
    Email(#[from] crate::runtime::email::EmailError),
    #[error("no email comes of \"{name}\" for {invoice}: {why}")]
    NothingToPreview { name: String, invoice: String, why: String },
}

impl CommandError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> Option<String> {
        match self {
            CommandError::Config(_) => Some("see docs/autopilot.md for every setting and its variable".into()),
            CommandError::Store(error) => error.help(),
            CommandError::Session(SessionError::Store(error)) => error.help(),
            CommandError::Session(SessionError::OAuth(_)) | CommandError::OAuth(_) => {
                Some("check [xero] client_id and the identity host in collectiq.toml".into())
            }
            CommandError::Run(error) => error.help(),
            CommandError::Autopilot(error) => error.help(),
            CommandError::Connect(error) => error.help(),
            CommandError::Token(error) => error.help(),
            CommandError::Demo(error) => error.help(),
            CommandError::Data(_) => Some("see docs/simulate.md for the layout of an export".into()),
            CommandError::Rates(error) => Some(error.help()),
            CommandError::Plan { .. } => Some("a plan is the JSON `collectiq compile` writes".into()),
            CommandError::Strategy(_) => Some("check the path; `collectiq check` shows what is wrong inside".into()),
            CommandError::Start(_) => Some("the machine may be out of threads or memory; try again".into()),
            CommandError::Io { .. } => Some("check the path and its permissions".into()),
            CommandError::TwoSources => Some("--db is the synced store; --sandbox and --data are the others".into()),
            CommandError::TooShort { .. } => Some("durations are written like 30s, 15m or 1h".into()),
            CommandError::NoStore { .. } => Some("sync first, or simulate with --sandbox or --data DIR".into()),
            CommandError::NothingConnected => Some("run `collectiq connect` first".into()),
            CommandError::NoSuchOrganisation { .. } | CommandError::AmbiguousOrganisation { .. } => {
                Some("give more of the name, or the tenant id; `collectiq orgs` lists them".into())
            }
            CommandError::NoSuchInvoice { .. } => Some("run `collectiq sync` first, or check the number".into()),
            CommandError::AmbiguousInvoice { .. } => {
                Some("give the invoice id instead, or the organisation with --org".into())
            }
            CommandError::NoSuchTemplate { .. } => {
                Some("a template is named as the strategy names it, without templates/ or .email".into())
            }
            CommandError::Email(_) => Some("check the addresses: the sender's, the customer's in Xero".into()),
            CommandError::NothingToPreview { .. } => {
                Some("check the customer's email address in Xero and the strategy's sender".into())
            }
            CommandError::NoSuchCustomer { .. } => Some("run `collectiq sync` first, or check the name".into()),
            CommandError::AmbiguousCustomer { .. } => Some("give more of the name, or the contact id".into()),
            CommandError::NoSuchRecord { what: "task", .. } => Some("`collectiq tasks list --all` lists them".into()),
            CommandError::NoSuchRecord { .. } => Some("`collectiq outbox list` lists them".into()),
            CommandError::ActionHeld { .. } => {
                Some("if that process is gone, the next run takes it over by itself".into())
            }
            CommandError::ActionIs { .. } => Some("`collectiq outbox list` shows each action's state".into()),
            CommandError::Missing { help, .. } => Some((*help).into()),
            CommandError::NoStrategyFor { .. } => {
                Some("name the organisation in a strategy's `Organisations:` line, or add one that names none".into())
            }
            CommandError::NoStrategies { .. } => Some("name the strategy files themselves".into()),
            CommandError::HasErrors { path } => Some(format!("run `collectiq check {}`", path.display())),
        }
    }
}

impl miette::Diagnostic for CommandError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        CommandError::help(self).map(|text| Box::new(text) as Box<dyn std::fmt::Display>)
    }
}

/// Runs a command's async work on a runtime of its own.
pub fn block_on<T>(work: impl Future<Output = Result<T, CommandError>>) -> Result<T, CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CommandError::Start)?;
    runtime.block_on(work)
}
