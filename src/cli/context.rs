//! What the commands that work with Xero and the store share: reading the configuration,
//! starting a runtime, opening a session, and finding the organisation a person named.

use std::path::PathBuf;

use crate::config::{Config, Overrides};
use crate::store::connections::OrganisationRecord;
use crate::xero::session::Session;

/// The flags every command takes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Global {
    /// The configuration file (collectiq.toml in the current folder by default).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The database (COLLECTIQ_DB, or collectiq.db).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

pub fn config(global: &Global) -> Result<Config, String> {
    Config::load(&Overrides { config_file: global.config.clone(), database: global.db.clone() })
        .map_err(|error| error.to_string())
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|error| format!("cannot start: {error}"))
}

pub fn session(config: &Config) -> Result<Session, String> {
    Session::open(config).map_err(|error| error.to_string())
}

/// The organisations a command works on: all of them, or the one `wanted` names (by tenant id,
/// or by name, whole or a unique part, ignoring case).
pub fn choose(all: Vec<OrganisationRecord>, wanted: Option<&str>) -> Result<Vec<OrganisationRecord>, String> {
    if all.is_empty() {
        return Err("no organisation is connected yet; run `collectiq connect` first".into());
    }
    let Some(wanted) = wanted.map(str::trim) else {
        return Ok(all);
    };
    let lower = wanted.to_lowercase();
    let exact: Vec<_> = all
        .iter()
        .filter(|o| o.organisation.tenant_id.to_string() == lower || o.organisation.name.to_lowercase() == lower)
        .cloned()
        .collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    let partial: Vec<_> = all.iter().filter(|o| o.organisation.name.to_lowercase().contains(&lower)).cloned().collect();
    match partial.len() {
        1 => Ok(partial),
        0 => Err(format!(
            "no connected organisation is called \"{wanted}\"; connected: {}",
            all.iter().map(|o| o.organisation.name.as_str()).collect::<Vec<_>>().join(", ")
        )),
        _ => Err(format!(
            "\"{wanted}\" could be any of {}; give more of the name, or the tenant id",
            partial.iter().map(|o| o.organisation.name.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}
