//! Sync cursors, one per organisation and entity. A cursor holds the `If-Modified-Since`
//! watermark of the last complete pass and, while a pass is under way, how far it has come:
//! pages are written in one transaction with the cursor moved past them, so a pass cut short
//! resumes where it stopped. Every record a pass writes carries the pass's number, so that after
//! a full pass the records Xero no longer lists are the ones without it, and a page that
//! shifted under an incremental pass shows as fewer records marked than Xero counted.

use super::records::Records;
use super::{Result, Store};
use jiff::Timestamp;
use uuid::Uuid;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Changes at or after this were not yet fetched (None: nothing was ever fetched).
    pub modified_since: Option<Timestamp>,
    pub pass: Option<Pass>,
}

/// A pass under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    /// The `If-Modified-Since` the pass uses (None for a full pass).
    pub since: Option<Timestamp>,
    /// Xero's clock when the pass began: the next watermark.
    pub started: Option<Timestamp>,
    pub next_page: u32,
    pub full: bool,
    /// Marks the records this pass writes.
    pub number: i64,
}

impl Store {
    pub async fn cursor(&self, tenant: Uuid, entity: &str) -> Result<Cursor> {
        let entity = entity.to_owned();
        self.call(move |db| db.cursor(tenant, &entity)).await
    }

    /// Starts a pass from page 1, with a number no earlier pass of this entity had.
    pub async fn begin_pass(&self, tenant: Uuid, entity: &str, since: Option<Timestamp>, full: bool) -> Result<Pass> {
        let entity = entity.to_owned();
        self.call(move |db| db.begin_pass(tenant, &entity, since, full)).await
    }

    /// Writes pages of one pass, marked with it, and moves the cursor past them, in one
    /// transaction; nothing, if another pass has begun since (see [`ensure_current`]).
    pub async fn write_pages(
        &self,
        tenant: Uuid,
        entity: &str,
        pages: Vec<Records>,
        pass: &Pass,
        next_page: u32,
        started: Option<Timestamp>,
    ) -> Result<()> {
        let entity = entity.to_owned();
        let pass = pass.clone();
        self.call(move |db| db.write_pages(tenant, &entity, &pages, &pass, next_page, started)).await
    }

    /// How many different records the pass has seen.
    pub async fn seen_in_pass(&self, tenant: Uuid, entity: &str, pass: &Pass) -> Result<u64> {
        let entity = entity.to_owned();
        let pass = pass.clone();
        self.call(move |db| db.seen_in_pass(tenant, &entity, &pass)).await
    }

    /// Ends the pass: the watermark moves to `watermark`, and after a full pass the records it did
    /// not see are removed. Gives how many were removed. Nothing changes if another pass has
    /// begun since (see [`ensure_current`]).
    pub async fn finish_pass(
        &self,
        tenant: Uuid,
        entity: &str,
        pass: &Pass,
        watermark: Option<Timestamp>,
    ) -> Result<usize> {
        let entity = entity.to_owned();
        let pass = pass.clone();
        self.call(move |db| db.finish_pass(tenant, &entity, &pass, watermark)).await
    }
}
