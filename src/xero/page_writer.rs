//! Pages of a sync pass read but not yet stored. They are stored a few at a time, each time in
//! one transaction with the pass's cursor, on a thread of their own while the next pages are
//! fetched. Xero's ids are random, so the records of one page land all over the store's tables,
//! and a transaction writes every page of the database it touched: ten of Xero's pages in one
//! transaction write far less than ten transactions do (measured in `benches/sync.rs`). An
//! interrupted sync reads again at most the pages it had not stored.

use jiff::Timestamp;
use uuid::Uuid;

use crate::store::cursors::Pass;
use crate::store::records::Records;
use crate::store::{Store, StoreError};

/// How many of Xero's pages are stored together.
const PAGES_PER_WRITE: usize = 10;

pub struct Unstored {
    store: Store,
    tenant: Uuid,
    entity: &'static str,
    pass: Pass,
    pages: Vec<Records>,
    /// The page after the last one read.
    next_page: u32,
    /// The pages being stored, which must be stored before any later ones: the cursor only moves
    /// forward.
    storing: Option<tokio::task::JoinHandle<Result<(), StoreError>>>,
}

impl Unstored {
    pub fn new(store: &Store, tenant: Uuid, entity: &'static str, pass: &Pass) -> Unstored {
        Unstored {
            store: store.clone(),
            tenant,
            entity,
            pass: pass.clone(),
            pages: Vec::new(),
            next_page: pass.next_page,
            storing: None,
        }
    }

    /// Takes a page read, and the number of the page after it.
    pub fn add(&mut self, records: Records, next_page: u32) {
        self.pages.push(records);
        self.next_page = next_page;
    }

    /// Whether enough pages are in hand to store them together.
    pub fn is_full(&self) -> bool {
        self.pages.len() >= PAGES_PER_WRITE
    }

    /// Starts storing the pages in hand, once those being stored are stored.
    pub async fn store(&mut self, started: Option<Timestamp>) -> Result<(), StoreError> {
        self.stored().await?;
        if self.pages.is_empty() {
            return Ok(());
        }
        let (store, tenant, entity, pass, next_page) =
            (self.store.clone(), self.tenant, self.entity, self.pass.clone(), self.next_page);
        let pages = std::mem::take(&mut self.pages);
        self.storing =
            Some(tokio::spawn(
                async move { store.write_pages(tenant, entity, pages, &pass, next_page, started).await },
            ));
        Ok(())
    }

    /// Stores every page in hand and waits until all are stored.
    pub async fn store_all(&mut self, started: Option<Timestamp>) -> Result<(), StoreError> {
        self.store(started).await?;
        self.stored().await
    }

    /// Waits for the pages being stored.
    async fn stored(&mut self) -> Result<(), StoreError> {
        let Some(storing) = self.storing.take() else { return Ok(()) };
        match storing.await {
            Ok(stored) => stored,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(StoreError::Stopped { doing: format!("store pages of {}", self.entity) }),
        }
    }
}
