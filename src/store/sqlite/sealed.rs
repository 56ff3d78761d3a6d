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

use std::path::Path;
use std::sync::Arc;

use rusqlite::TransactionBehavior;

use super::{Database, Doing, Result};
use crate::secret::Secret;
use crate::secret::key_file::{KeyError, TokenKey};
use crate::secret::sealing::{self};
use crate::store::sealed::LockedTokens;

/// The key a store seals and opens its tokens with, or why it has none.
#[derive(Clone, Debug)]
pub(crate) enum Keys {
    /// Nobody gave one (a store opened for commands that never read a token).
    NotGiven,
    Unavailable(KeyError),
    Ready(Arc<TokenKey>),
}

/// The columns of `grants` that hold a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    Access,
    Refresh,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Access => "access_token",
            Column::Refresh => "refresh_token",
        }
    }
}

/// Where a token belongs, as its associated data says.
fn context(grant: i64, column: Column) -> String {
    format!("grants {grant} {}", column.name())
}

impl Keys {
    fn key(&self) -> std::result::Result<&TokenKey, LockedTokens> {
        match self {
            Keys::Ready(key) => Ok(key),
            Keys::Unavailable(error) => Err(LockedTokens::Key(error.clone())),
            Keys::NotGiven => Err(LockedTokens::NoKey),
        }
    }

    pub(crate) fn seal(&self, grant: i64, column: Column, token: &Secret) -> std::result::Result<String, LockedTokens> {
        Ok(sealing::seal(self.key()?, token, &context(grant, column)))
    }

    pub(crate) fn open(&self, grant: i64, column: Column, stored: &str) -> std::result::Result<Secret, LockedTokens> {
        let key = self.key()?;
        sealing::open(key, stored, &context(grant, column))
            .map_err(|why| LockedTokens::Unopened { path: key.path().to_path_buf(), why })
    }
}

impl Database {
    pub fn use_key(&mut self, key: TokenKey) -> Result<usize> {
        self.keys = Keys::Ready(Arc::new(key));
        self.seal_plain_tokens()
    }

    pub fn unlock(&mut self, key_file: Option<&Path>) -> Result<()> {
        let Some(path) = key_file else {
            self.keys = Keys::Unavailable(KeyError::NoPlace);
            return Ok(());
        };
        let loaded = match TokenKey::load(path) {
            Err(KeyError::Missing { .. }) if self.plain_only()? => TokenKey::load_or_create(path),
            loaded => loaded,
        };
        match loaded {
            Ok(key) => self.use_key(key).map(drop),
            Err(error) => {
                self.keys = Keys::Unavailable(error);
                Ok(())
            }
        }
    }

    pub fn unlock_or_create(&mut self, key_file: Option<&Path>) -> Result<()> {
        let key = key_file
            .ok_or(KeyError::NoPlace)
            .and_then(TokenKey::load_or_create)
            .doing("get the key that seals the Xero tokens")?;
        self.use_key(key).map(drop)
    }

    pub fn key_given(&self) -> bool {
        !matches!(self.keys, Keys::NotGiven)
    }

    /// How many tokens are stored in plain text, and how many sealed.
    fn token_kinds(&self) -> Result<(usize, usize)> {
        let mut statement =
            self.conn.prepare("SELECT access_token, refresh_token FROM grants").doing("look at the stored tokens")?;
        let rows = statement
            .query_map([], |row| Ok([row.get::<_, Option<String>>(0)?, row.get::<_, Option<String>>(1)?]))
            .doing("look at the stored tokens")?;
        let (mut plain, mut sealed) = (0, 0);
        for row in rows {
            for token in row.doing("look at the stored tokens")?.into_iter().flatten() {
                if sealing::is_sealed(&token) { sealed += 1 } else { plain += 1 }
            }
        }
        Ok((plain, sealed))
    }

    fn plain_only(&self) -> Result<bool> {
        let (plain, sealed) = self.token_kinds()?;
        Ok(plain > 0 && sealed == 0)
    }

    /// Seals the tokens stored in plain text (by CollectIQ before it sealed them), in one
    /// transaction.
    fn seal_plain_tokens(&mut self) -> Result<usize> {
        if self.token_kinds()?.0 == 0 {
            return Ok(0);
        }
        // Zero the space the plain tokens leave, rather than only marking it free.
        let secure: i64 =
            self.conn.query_row("PRAGMA secure_delete", [], |row| row.get(0)).doing("read a database setting")?;
        self.conn.pragma_update(None, "secure_delete", true).doing("set a database setting")?;
        let sealed = self.seal_plain_rows();
        let _ = self.conn.pragma_update(None, "secure_delete", secure);
        let sealed = sealed?;
        // The write-ahead log still holds pages with the plain tokens: copy it into the file and
        // empty it. Best effort: while another process reads, the log is emptied later instead.
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(sealed)
    }

    fn seal_plain_rows(&mut self) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .doing("start sealing the stored tokens")?;
        // Read again inside the transaction: another process may have sealed them meanwhile.
        let rows: Vec<(i64, String, Option<String>)> = {
            let mut statement =
                tx.prepare("SELECT id, access_token, refresh_token FROM grants").doing("read the stored tokens")?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .doing("read the stored tokens")?;
            rows.collect::<rusqlite::Result<_>>().doing("read the stored tokens")?
        };
        let mut sealed = 0;
        for (grant, access, refresh) in rows {
            for (column, token) in [(Column::Access, Some(access)), (Column::Refresh, refresh)] {
                let Some(token) = token.filter(|t| !sealing::is_sealed(t)) else { continue };
                let value = self.keys.seal(grant, column, &Secret::new(token)).doing("seal a stored token")?;
                tx.execute(&format!("UPDATE grants SET {} = ?1 WHERE id = ?2", column.name()), (value, grant))
                    .doing("seal a stored token")?;
                sealed += 1;
            }
        }
        tx.commit().doing("seal the stored tokens")?;
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("collectiq-sealed-{name}-{}-{}", std::process::id(), fastrand::u32(..)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A store as CollectIQ left it before tokens were sealed.
    fn plain_store(path: &Path) -> Database {
        let store = Database::open(path).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO grants (id, client_id, scopes, access_token, access_expires_at, refresh_token, refreshed_at)
                 VALUES (1, 'c', 'offline_access', 'plain-access-1', '2026-11-25T12:30:00.000Z', 'plain-refresh-1',
                         '2026-11-25T12:00:00.000Z'),
                        (2, 'c', 'offline_access', 'plain-access-2', '2026-11-25T12:30:00.000Z', NULL,
                         '2026-11-25T12:00:00.000Z');",
            )
            .unwrap();
        store
    }

    fn bytes_of(path: &Path) -> Vec<u8> {
        let mut bytes = std::fs::read(path).unwrap();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        bytes.extend(std::fs::read(wal).unwrap_or_default());
        bytes
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[test]
    fn plain_tokens_are_sealed_once_a_key_is_given_and_leave_nothing_behind() {
        let dir = folder("migrate");
        let path = dir.join("c.db");
        let mut store = plain_store(&path);
        assert!(contains(&bytes_of(&path), "plain-refresh-1"));
        // No key file yet: a store with plain tokens only is given one.
        let key_file = dir.join("keys/token.key");
        store.unlock(Some(&key_file)).unwrap();
        assert!(key_file.exists());
        let grant = store.grant(1).unwrap().unwrap();
        assert_eq!(grant.access_token.expose(), "plain-access-1");
        assert_eq!(grant.refresh_token.unwrap().expose(), "plain-refresh-1");
        assert!(store.grant(2).unwrap().unwrap().refresh_token.is_none());
        assert_eq!(store.token_kinds().unwrap(), (0, 3));
        drop(store);
        let bytes = bytes_of(&path);
        for plain in ["plain-access-1", "plain-refresh-1", "plain-access-2"] {
            assert!(!contains(&bytes, plain), "{plain} is still in the file");
        }
        // A second opening has nothing left to seal.
        let mut again = Database::open(&path).unwrap();
        assert_eq!(again.use_key(TokenKey::load(&key_file).unwrap()).unwrap(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_lost_key_is_not_replaced_by_a_new_one() {
        let dir = folder("lost");
        let path = dir.join("c.db");
        let key_file = dir.join("token.key");
        let mut store = plain_store(&path);
        store.unlock(Some(&key_file)).unwrap();
        drop(store);
        std::fs::remove_file(&key_file).unwrap();
        let mut store = Database::open(&path).unwrap();
        store.unlock(Some(&key_file)).unwrap();
        assert!(!key_file.exists(), "sealed tokens are not given a key that cannot open them");
        let error = store.grant(1).unwrap_err().to_string();
        assert!(error.contains(&key_file.display().to_string()) && error.contains("collectiq connect"), "{error}");
        assert!(!error.contains("plain-"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_token_moved_to_another_row_is_refused() {
        let dir = folder("moved");
        let path = dir.join("c.db");
        let mut store = plain_store(&path);
        store.unlock(Some(&dir.join("token.key"))).unwrap();
        store
            .conn()
            .execute("UPDATE grants SET access_token = (SELECT access_token FROM grants WHERE id = 1) WHERE id = 2", [])
            .unwrap();
        assert!(store.grant(1).is_ok());
        let error = store.grant(2).unwrap_err().to_string();
        assert!(error.contains("cannot be decrypted") && error.contains("token.key"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_key_tokens_are_neither_read_nor_written() {
        let mut store = Database::open_in_memory().unwrap();
        store.unlock(None).unwrap();
        let error = store.keys.seal(1, Column::Access, &Secret::new("t")).unwrap_err();
        assert_eq!(error, LockedTokens::Key(KeyError::NoPlace));
        assert!(error.to_string().contains("COLLECTIQ_KEY_FILE"), "{error}");
        let error = Database::open_in_memory().unwrap().unlock_or_create(None).unwrap_err().to_string();
        assert!(error.contains("COLLECTIQ_KEY_FILE"), "{error}");
    }
}
