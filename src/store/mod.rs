//! The storage boundary: every other floor reaches what CollectIQ keeps through [`Store`], and
//! only through the operations here, grouped by concern, one file each:
//!
//! - `records`: the receivables synced from Xero (contacts, invoices, payments, credits, groups);
//! - `books`: an organisation's books and memory, loaded in one coarse operation for a run;
//! - `outbox`: decisions recorded (with their tasks and notes, atomically) and delivery's
//!   state machine; `memory`: what CollectIQ remembers, read back for evaluation;
//! - `tasks`: tasks, the history-notes queue, promises, disputes and pauses;
//! - `connections` and `sealed`: grants, organisations and their sealed OAuth tokens;
//! - `cursors`: sync passes; `events`: webhook events; `links`: online-invoice links;
//!   `calls`: Xero calls counted by the hour; `workers`: which processes are alive;
//! - `inbox`: messages read from the reply mailbox, what was concluded, suppressed addresses;
//! - `page_links`: links to customers' pages, what each grants, and revoking them.
//!
//! Every operation is async (a networked database's client is) and returns a typed
//! [`StoreError`]; no signature mentions the backend's types. The contract a backend must meet is
//! in docs/architecture.md, and `tests/store/` checks it against this boundary alone.
//!
//! SQLite (`sqlite/`) is the embedded backend: one file, one connection that writes, whose work
//! runs on tokio's blocking pool so that no async task waits on the disk; loading books reads on
//! several connections at once.

pub mod attachments;
pub mod books;
pub mod calls;
pub mod connections;
pub mod cursors;
mod error;
pub mod events;
pub mod inbox;
pub mod links;
pub mod memory;
pub mod outbox;
pub mod page_actions;
pub mod page_links;
pub mod records;
pub mod run_lock;
pub mod sealed;
mod sqlite;
pub mod tasks;
pub mod workers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub use error::{Cause, Result, StoreError};

use sqlite::Database;

/// The store: cheap to clone, shared by every task of a process.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    /// Taken on the blocking pool, by the work itself, never by an async task. An async mutex
    /// taken in turn before the work is handed over would deadlock: a future waiting in a
    /// buffered stream (links fetched five at once, each counting its call in the store) can be
    /// given its turn while the stream is not being polled, and the task that owns the stream
    /// then waits behind it for ever. (Seen in CI: a run over several organisations hung so.)
    database: Mutex<Database>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.shared.path).finish()
    }
}

impl Store {
    /// Opens the store at `path`, creating it (readable by its owner only: it holds OAuth tokens)
    /// and bringing its schema up to date.
    pub async fn open(path: &Path) -> Result<Store> {
        let path = path.to_path_buf();
        let database = run_blocking("open the database", move || Database::open(&path)).await?;
        Ok(Store::around(database))
    }

    /// A store that lives only as long as this value and its clones (for tests and dry runs).
    pub async fn open_in_memory() -> Result<Store> {
        let database = run_blocking("open an in-memory database", Database::open_in_memory).await?;
        Ok(Store::around(database))
    }

    fn around(database: Database) -> Store {
        let path = database.path().map(Path::to_path_buf);
        Store { shared: Arc::new(Shared { database: Mutex::new(database), path }) }
    }

    /// A second store on the same database that only reads, for answering beside the writes (a
    /// health check while a sync writes): its own connection to a file, this store itself in
    /// memory.
    pub async fn read_only(&self) -> Result<Store> {
        Ok(match self.call(|db| db.reader()).await? {
            Some(reader) => Store::around(reader),
            None => self.clone(),
        })
    }

    /// The file the store lives in (none in memory).
    pub fn path(&self) -> Option<&Path> {
        self.shared.path.as_deref()
    }

    /// Runs one operation on the database, on the blocking pool. A panic inside carries on as a
    /// panic here, as if the work had been done in place.
    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let shared = self.shared.clone();
        run_blocking("answer", move || {
            let mut database = shared.database.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut database)
        })
        .await
    }
}

async fn run_blocking<T: Send + 'static>(doing: &str, work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(StoreError::Stopped { doing: doing.into() }),
    }
}
