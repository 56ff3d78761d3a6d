//! An organisation's books (see [`crate::decide::books`]) and what CollectIQ remembers for it,
//! read as the runtime does on every run.
//!
//! One coarse operation, so that a backend can read them its fastest way (SQLite: one ordered
//! scan shared out among the cores, each on its own connection).

use uuid::Uuid;

use super::{Result, Store};
use crate::decide::books::Books;
use crate::decide::memory::Memory;

impl Store {
    /// One organisation's books as the store holds them.
    pub async fn books(&self, tenant: Uuid) -> Result<Books> {
        self.call(move |db| db.books(tenant)).await
    }

    /// An organisation's books and what CollectIQ remembers for it: what a run decides from.
    /// The two are read side by side, on two connections, when the store is a file.
    pub async fn books_and_memory(&self, tenant: Uuid) -> Result<(Books, Memory)> {
        self.call(move |db| db.books_and_memory(tenant)).await
    }
}
