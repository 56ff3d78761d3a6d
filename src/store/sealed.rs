//! The OAuth tokens in `grants`, sealed at rest with the key from the key file
//! (`secret::key_file`), so that a copy of the database holds no token anyone can use. Each
//! token is sealed for its own row and column (`grants 3 refresh_token`): moved elsewhere, it no
//! longer opens.
//!
//! A store opened without a key still serves everything but tokens; reading or writing a token
//! then fails with the reason the key could not be had (missing, unreadable, another key), which
//! names the key file and says what to do. There is no fallback to plain text.
//!
//! Stores from before tokens were sealed hold them in plain text. Once a key is given, those are
//! sealed in one transaction, with SQLite told to zero what they leave behind, and the
//! write-ahead log is emptied into the file, so the plain tokens do not linger there.

use std::fmt;
use std::path::Path;

use super::{Result, Store};
use crate::secret::key_file::{KeyError, RECONNECT, TokenKey};
use crate::secret::sealing::SealError;

/// Why the stored tokens cannot be read or written. Says which key file and what to do; never
/// anything about a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockedTokens {
    /// The store was opened without asking for the key (a mistake in CollectIQ, not the operator's).
    NoKey,
    Key(KeyError),
    /// The key is there, but does not open a token.
    Unopened {
        path: std::path::PathBuf,
        why: SealError,
    },
}

impl fmt::Display for LockedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockedTokens::NoKey => f.write_str("the Xero tokens were asked for before their key was read"),
            LockedTokens::Key(error) => error.fmt(f),
            LockedTokens::Unopened { path, why } => write!(
                f,
                "the Xero tokens in the database cannot be decrypted with the key file {}: a token there was \
                 {why}; restore the right key file from a backup, or {RECONNECT}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LockedTokens {}

impl Store {
    /// Seals and opens tokens with `key` from now on, and seals every token still stored in
    /// plain text. Gives how many tokens that sealed.
    pub async fn use_key(&self, key: TokenKey) -> Result<usize> {
        self.call(move |db| db.use_key(key)).await
    }

    /// Reads the key from `key_file`, for commands that use the tokens. A missing key file is
    /// created only for a store from before tokens were sealed (plain tokens, none sealed):
    /// otherwise the key was lost, and a new one would open nothing. A key that cannot be had
    /// is kept as the reason each token read fails, so commands that read no token still work.
    pub async fn unlock(&self, key_file: Option<&Path>) -> Result<()> {
        let key_file = key_file.map(Path::to_path_buf);
        self.call(move |db| db.unlock(key_file.as_deref())).await
    }

    /// Reads the key from `key_file`, creating it if there is none, for `collectiq connect`
    /// (which has tokens to seal). Here a key that cannot be had is an error.
    pub async fn unlock_or_create(&self, key_file: Option<&Path>) -> Result<()> {
        let key_file = key_file.map(Path::to_path_buf);
        self.call(move |db| db.unlock_or_create(key_file.as_deref())).await
    }

    /// Whether a key was asked for (whether or not it could be had).
    pub async fn key_given(&self) -> Result<bool> {
        self.call(move |db| Ok(db.key_given())).await
    }
}
