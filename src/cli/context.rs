//! What the commands that work with Xero and the store share: reading the configuration,
//! opening a session, and finding the organisation a person named.

use std::path::PathBuf;

use super::error::CommandError;
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

pub fn config(global: &Global) -> Result<Config, CommandError> {
    Ok(Config::load(&Overrides { config_file: global.config.clone(), database: global.db.clone() })?)
}

pub async fn session(config: &Config) -> Result<Session, CommandError> {
    Ok(Session::open(config).await?)
}

/// The organisations a command works on: all of them, or the one `wanted` names (by tenant id,
/// or by name, whole or a unique part, ignoring case).
pub fn choose(all: Vec<OrganisationRecord>, wanted: Option<&str>) -> Result<Vec<OrganisationRecord>, CommandError> {
    if all.is_empty() {
        return Err(CommandError::NothingConnected);
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
        0 => Err(CommandError::NoSuchOrganisation {
            wanted: wanted.into(),
            connected: all.iter().map(|o| o.organisation.name.as_str()).collect::<Vec<_>>().join(", "),
        }),
        _ => Err(CommandError::AmbiguousOrganisation {
            wanted: wanted.into(),
            candidates: partial.iter().map(|o| o.organisation.name.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}
