//! The run lock of a database file. It is taken on the file itself, not on a path, so that every
//! name of the file (a symbolic link, another folder) meets the same lock: `flock` on a
//! descriptor of its own. That descriptor is never closed while the process lives: closing any
//! descriptor of a file drops the POSIX locks the process holds on it, and SQLite's own locks are
//! POSIX locks.

use std::fs::File;

use super::{Database, Filing, Result, StoreError};
use crate::store::run_lock::RunLock;

/// Lets go of the lock when dropped, but keeps the descriptor open: closing it would drop
/// SQLite's locks on the file too. (One descriptor per lock taken: a process takes one or two.)
struct FileLock(std::mem::ManuallyDrop<File>);

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl Database {
    pub(crate) fn lock_runs(&self) -> Result<RunLock> {
        // A store in memory belongs to one process, which is its only run.
        let Some(path) = self.path() else { return Ok(RunLock::holding(())) };
        let file = File::open(path).filing(&format!("open {} to lock it", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock::holding(FileLock(std::mem::ManuallyDrop::new(file)))),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::RunsLocked { path: path.to_path_buf() }),
            Err(std::fs::TryLockError::Error(cause)) => {
                Err(StoreError::File { doing: "take the run lock".into(), cause })
            }
        }
    }
}
