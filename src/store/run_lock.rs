//! One run at a time per store. The lock is a convenience (a second run is told at once that
//! another is busy); what keeps two processes from delivering the same action is the outbox's
//! claim, made in the database.

use super::{Result, Store};

/// Held for as long as the value lives.
pub struct RunLock {
    _held: Box<dyn Send + Sync>,
}

impl RunLock {
    pub(crate) fn holding(held: impl Send + Sync + 'static) -> RunLock {
        RunLock { _held: Box::new(held) }
    }
}

impl Store {
    /// Takes the store's run lock, or says another run (or autopilot) holds it.
    pub async fn lock_runs(&self) -> Result<RunLock> {
        self.call(|db| db.lock_runs()).await
    }
}
