//! The SQLite backend (bundled): one file, created readable by its owner only because it holds
//! OAuth tokens (sealed with a key kept outside it: `sealed.rs`). Receivables are kept per
//! organisation (every row carries its tenant id); money is kept as exact decimal text, times as
//! RFC 3339 UTC with milliseconds. Each concern's SQL is in the file named like the boundary's;
//! what each operation promises is documented once, where the boundary declares it
//! (`store/<concern>.rs`), and comments here say how SQLite keeps it.

mod attachments;
mod books;
mod calls;
mod codec;
mod connections;
mod cursors;
mod events;
mod inbox;
mod links;
mod memory;
mod outbox;
mod page_actions;
mod page_links;
mod records;
mod run_lock;
mod schema;
mod sealed;
mod tasks;
mod workers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub(crate) use crate::store::{Result, StoreError};

pub(crate) struct Database {
    conn: Connection,
    path: Option<PathBuf>,
    /// What seals and opens the OAuth tokens; none until a command that uses them asks.
    keys: sealed::Keys,
}

/// Adds what CollectIQ was doing to a database error.
pub(crate) trait Doing<T> {
    fn doing(self, what: &str) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Doing<T> for std::result::Result<T, E> {
    fn doing(self, what: &str) -> Result<T> {
        self.map_err(|cause| StoreError::Database { doing: what.into(), cause: Box::new(cause) })
    }
}

/// Adds what CollectIQ was doing to a file-system error.
pub(crate) trait Filing<T> {
    fn filing(self, what: &str) -> Result<T>;
}

impl<T> Filing<T> for std::io::Result<T> {
    fn filing(self, what: &str) -> Result<T> {
        self.map_err(|cause| StoreError::File { doing: what.into(), cause })
    }
}

impl Database {
    /// Opens the store at `path`, creating it (mode 0600) and bringing its schema up to date.
    /// The path is resolved first, so that every way of reaching one file (a symbolic link, a
    /// relative path) opens it by the same name: SQLite names its write-ahead log after the
    /// path. A file with a second hard link is refused for the same reason.
    pub fn open(path: &Path) -> Result<Database> {
        create_private(path)?;
        let path = &home_of(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).doing(&format!("open {}", path.display()))?;
        let mut store = Database { conn, path: Some(path.to_path_buf()), keys: sealed::Keys::NotGiven };
        store.prepare().map_err(|error| damaged(path, error))?;
        Ok(store)
    }

    /// A store that lives only as long as this value (for tests and dry runs).
    pub fn open_in_memory() -> Result<Database> {
        let conn = Connection::open_in_memory().doing("open an in-memory database")?;
        let mut store = Database { conn, path: None, keys: sealed::Keys::NotGiven };
        store.prepare()?;
        Ok(store)
    }

    /// A second, read-only connection to the same database, for reading beside this one on
    /// another thread, with the same key for the tokens; none for a store in memory.
    pub fn reader(&self) -> Result<Option<Database>> {
        let Some(path) = &self.path else { return Ok(None) };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).doing(&format!("open {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30)).doing("set the busy timeout")?;
        Ok(Some(Database { conn, path: Some(path.clone()), keys: self.keys.clone() }))
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(&mut self) -> Result<()> {
        // Another process (a sync, the webhook worker) may hold the write lock for a moment.
        self.conn.busy_timeout(Duration::from_secs(30)).doing("set the busy timeout")?;
        // Xero's ids are random, so every page of a sync lands all over the indexes: large pages,
        // a generous cache and rarer checkpoints keep that from slowing as the store grows
        // (measured in benches/sync.rs). The page size takes effect only for a new file. FULL
        // synchronisation: a commit (a rotated refresh token, a webhook event before its 200)
        // survives a power cut, not just a crash.
        self.conn
            .execute_batch(
                "PRAGMA page_size = 16384;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -65536;
                 PRAGMA wal_autocheckpoint = 8192;",
            )
            .doing("set up the database")?;
        self.migrate()
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 =
            self.conn.query_row("PRAGMA user_version", [], |row| row.get(0)).doing("read the schema version")?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version > schema::MIGRATIONS.len() {
            return Err(StoreError::NewerSchema { found: version, known: schema::MIGRATIONS.len() });
        }
        for (index, migration) in schema::MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction().doing("start a migration")?;
            tx.execute_batch(migration).doing(&format!("apply migration {}", index + 1))?;
            tx.pragma_update(None, "user_version", (index + 1) as i64).doing("record the schema version")?;
            tx.commit().doing("commit a migration")?;
        }
        Ok(())
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Names the file, and what to do, when a database cannot be read: not a database at all (a
/// truncated or foreign file), or damaged.
fn damaged(path: &Path, error: StoreError) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match error {
        StoreError::Database { cause, .. }
            if cause
                .downcast_ref::<rusqlite::Error>()
                .and_then(rusqlite::Error::sqlite_error_code)
                .is_some_and(|code| matches!(code, NotADatabase | DatabaseCorrupt)) =>
        {
            StoreError::Damaged { path: path.to_path_buf(), cause }
        }
        other => other,
    }
}

/// The one name a database file is opened by: its path with every symbolic link resolved. A file
/// with several hard links has no one name, and SQLite keeps its write-ahead log and shared
/// memory beside the name it was given: two processes opening one file by two names would each
/// keep their own log and could lose or corrupt what the other wrote. Such a file is refused.
fn home_of(path: &Path) -> Result<PathBuf> {
    let home = std::fs::canonicalize(path).filing(&format!("find {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = std::fs::metadata(&home).filing(&format!("read {}", home.display()))?.nlink();
        if links > 1 {
            return Err(StoreError::HardLinks { path: home, links });
        }
    }
    Ok(home)
}

/// Creates the file with owner-only permissions before SQLite opens it, so that the tokens it
/// will hold are never readable by others, even for a moment; a file that already exists is made
/// owner-only too. SQLite's `-wal` and `-shm` files take their permissions from it.
fn create_private(path: &Path) -> Result<()> {
    if path.exists() {
        return make_private(path);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).filing(&format!("create the folder {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it first.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => make_private(path),
        Err(error) => Err(error).filing(&format!("create {}", path.display())),
    }
}

#[cfg(unix)]
fn make_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).filing(&format!("read {}", path.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .filing(&format!("make {} readable by its owner only", path.display()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_database_file_is_private_and_migrated_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("collectiq-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("nested/collectiq.db");
        drop(Database::open(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = Database::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a file left readable by others is made private again");
        let version: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version as usize, schema::MIGRATIONS.len());
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn invoices_stored_before_they_were_kept_by_customer_are_kept_whole() {
        let dir = std::env::temp_dir().join(format!("collectiq-store-v4-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        {
            let conn = Connection::open(&path).unwrap();
            for migration in &schema::MIGRATIONS[..4] {
                conn.execute_batch(migration).unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
            conn.execute(
                "INSERT INTO invoices VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002',
                 'INV-1', 'PO 7', '00000000-0000-0000-0000-000000000003', 'AUTHORISED', '2026-10-01', '2026-10-31',
                 'NZD', '1', '115.00', '15.00', '100.00', '0', NULL, NULL, NULL, '2026-10-02T00:00:00.000Z', 3)",
                [],
            )
            .unwrap();
        }
        let store = Database::open(&path).unwrap();
        let invoices = store.invoices(uuid::Uuid::from_u128(1)).unwrap();
        assert_eq!(invoices.len(), 1);
        let invoice = &invoices[0];
        assert_eq!((invoice.number.as_str(), invoice.reference.as_deref()), ("INV-1", Some("PO 7")));
        assert_eq!((invoice.contact_id, invoice.amount_due.to_string()), (uuid::Uuid::from_u128(3), "15.00".into()));
        let pass: i64 = store.conn().query_row("SELECT pass FROM invoices", [], |r| r.get(0)).unwrap();
        assert_eq!(pass, 3, "the sync pass that saw it is kept");
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_by_name_and_left_as_it_was() {
        let dir = std::env::temp_dir().join(format!("collectiq-store-junk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        // A foreign file, and a real database cut short.
        std::fs::write(&path, b"PK\x03\x04 not a database at all".repeat(400)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let error = Database::open(&path).err().unwrap();
        assert!(matches!(&error, StoreError::Damaged { path: named, .. } if named.ends_with("c.db")), "{error:?}");
        assert!(error.to_string().contains("not a CollectIQ database"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written to it");
        std::fs::remove_file(&path).unwrap();
        drop(Database::open(&path).unwrap());
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() / 3]).unwrap();
        let _ = std::fs::remove_file(dir.join("c.db-wal"));
        let _ = std::fs::remove_file(dir.join("c.db-shm"));
        match Database::open(&path) {
            Err(error) => assert!(error.to_string().contains("c.db"), "{error}"),
            // SQLite may read a database cut after its schema; then every table is there.
            Ok(store) => assert!(store.organisations().is_ok()),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_outbox_of_schema_5_takes_the_states_of_the_state_machine() {
        let dir = std::env::temp_dir().join(format!("collectiq-store-v5-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        {
            let conn = Connection::open(&path).unwrap();
            for migration in &schema::MIGRATIONS[..5] {
                conn.execute_batch(migration).unwrap();
            }
            conn.pragma_update(None, "user_version", 5).unwrap();
            let email = r#"{"message_id":"<kept@collectiq.invalid>"}"#;
            for (n, (status, email)) in [
                ("pending", None),
                ("sending", Some(email)),
                ("dropped", None),
                ("done", Some(email)),
                ("done", None),
                ("recorded", None),
                ("failed", None),
            ]
            .into_iter()
            .enumerate()
            {
                conn.execute(
                    "INSERT INTO actions (key, tenant_id, subject_kind, subject_id, rule_id, occurrence, occurrence_date,
                       contact_id, invoices, action_kind, action, rule_text, outcome, status, email, strategy,
                       plan_version, decided_at)
                     VALUES (?1, 't', 'invoice', 's', 'r', 0, '2026-11-25', 'c', '[]', 'email', '{}', 'r', 'act', ?2, ?3,
                       'S', 1, '2026-11-25T10:00:00.000Z')",
                    rusqlite::params![format!("k{n}"), status, email],
                )
                .unwrap();
            }
        }
        let store = Database::open(&path).unwrap();
        let states: Vec<(String, Option<String>)> = {
            let mut statement = store.conn().prepare("SELECT status, message_id FROM actions ORDER BY id").unwrap();
            statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
        };
        let kept = Some("<kept@collectiq.invalid>".to_string());
        assert_eq!(
            states,
            vec![
                ("waiting".to_string(), None),
                ("handed".to_string(), kept.clone()),
                ("cancelled".to_string(), None),
                ("sent".to_string(), kept),
                ("done".to_string(), None),
                ("recorded".to_string(), None),
                ("failed".to_string(), None),
            ]
        );
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = std::env::temp_dir().join(format!("collectiq-store-newer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        drop(Database::open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let error = Database::open(&path).err().unwrap();
        assert!(matches!(error, StoreError::NewerSchema { found: 99, .. }), "{error:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
