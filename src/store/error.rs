//! What can go wrong at the storage boundary, whatever the backend: one variant per kind of
//! trouble, each with what CollectIQ was doing and what to do about it.

use std::path::PathBuf;

use uuid::Uuid;

use super::sealed::LockedTokens;

/// The cause a backend reported, kept as an error (its own type stays behind the boundary).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed an operation.
    #[error("the store could not {doing}: {cause}")]
    Database { doing: String, cause: Cause },
    /// The file system around the database: creating, finding or protecting the file.
    #[error("the store could not {doing}: {cause}")]
    File { doing: String, cause: std::io::Error },
    /// The file is not a database, or a damaged one.
    #[error(
        "the store could not open {}: it is not a CollectIQ database, or it is damaged ({cause}). Nothing was changed. \
         Restore it from a backup, or point COLLECTIQ_DB (or [store] database) at another file and connect again",
        path.display()
    )]
    Damaged { path: PathBuf, cause: Cause },
    /// The file has more than one name, which SQLite cannot keep its journal beside.
    #[error(
        "the store could not open {}: the file has {links} hard links; SQLite keeps its journal beside the name a \
         database is opened by, so two names for one file can lose data. Keep one name (remove the other links) and \
         use a symbolic link if another path is needed",
        path.display()
    )]
    HardLinks { path: PathBuf, links: u64 },
    /// A newer CollectIQ wrote the database.
    #[error(
        "the store could not open the database: it was written by a newer CollectIQ (schema {found}; this one knows up to {known})"
    )]
    NewerSchema { found: usize, known: usize },
    /// An organisation the operation needs is not connected.
    #[error("the store could not {doing}: the organisation {tenant} is not connected")]
    NotConnected { doing: String, tenant: Uuid },
    /// A stored value that cannot be read back.
    #[error("the store could not {doing}: {what}")]
    Unreadable { doing: String, what: String },
    /// Another sync began a new pass of the same entity; this one stops.
    #[error(
        "the store could not store a page of {entity}: another sync began a new pass of them meanwhile; this one stops and leaves it to that"
    )]
    PassOvertaken { entity: String },
    /// The OAuth tokens are sealed and cannot be opened with the key given (or none was).
    #[error(transparent)]
    Tokens(#[from] LockedTokens),
    /// Another run (or autopilot) is working on the same store.
    #[error("another CollectIQ run (or autopilot) is working on {}; try again when it has finished", path.display())]
    RunsLocked { path: PathBuf },
    /// The work was given to the backend and never came back (its thread stopped).
    #[error("the store could not {doing}: its worker stopped before answering")]
    Stopped { doing: String },
}

impl StoreError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            StoreError::Database { .. } => {
                "another CollectIQ may be holding the database for a long write; try again, and if it persists run \
                 `sqlite3 <file> 'PRAGMA integrity_check'`"
                    .into()
            }
            StoreError::File { .. } => "check the path and its permissions (COLLECTIQ_DB or [store] database)".into(),
            StoreError::Damaged { .. } => "restore the file from a backup, or connect again with a new database".into(),
            StoreError::HardLinks { .. } => "remove the other links to the file; use a symbolic link instead".into(),
            StoreError::NewerSchema { .. } => "run the newer CollectIQ that wrote it, or open another database".into(),
            StoreError::NotConnected { .. } => "connect it with `collectiq connect`, or see `collectiq orgs`".into(),
            StoreError::Unreadable { .. } => {
                "the database was changed by something other than CollectIQ; restore it from a backup".into()
            }
            StoreError::PassOvertaken { .. } => "nothing to do: the other sync carries on".into(),
            StoreError::Tokens(_) => {
                "the message names the key file; `collectiq connect` seals new tokens with it".into()
            }
            StoreError::RunsLocked { .. } => {
                "runs started by cron should not overlap: space them further apart, or let autopilot run them".into()
            }
            StoreError::Stopped { .. } => "try again; if it persists, look for a crash in the log".into(),
        })
    }
}

impl miette::Diagnostic for StoreError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let code = match self {
            StoreError::Database { .. } => "store::database",
            StoreError::File { .. } => "store::file",
            StoreError::Damaged { .. } => "store::damaged",
            StoreError::HardLinks { .. } => "store::hard-links",
            StoreError::NewerSchema { .. } => "store::newer-schema",
            StoreError::NotConnected { .. } => "store::not-connected",
            StoreError::Unreadable { .. } => "store::unreadable",
            StoreError::PassOvertaken { .. } => "store::pass-overtaken",
            StoreError::Tokens(_) => "store::tokens-locked",
            StoreError::RunsLocked { .. } => "store::runs-locked",
            StoreError::Stopped { .. } => "store::stopped",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        StoreError::help(self).map(|text| Box::new(text) as Box<dyn std::fmt::Display>)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
