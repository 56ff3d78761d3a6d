//! Webhook events, stored before Xero is told they arrived, and worked off afterwards. The same
//! event delivered twice (Xero retries; someone replays a request) is stored once.

use super::{Result, Store};
use jiff::Timestamp;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub tenant_id: Uuid,
    pub category: String,
    pub event_type: String,
    pub resource_id: Uuid,
    pub event_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub event: NewEvent,
    pub attempts: u32,
}

/// Events that failed this many times are left for a full sync to make good.
pub const MOST_ATTEMPTS: u32 = 5;

impl Store {
    /// Stores events durably, in one transaction; gives how many were new.
    pub async fn store_events(&self, events: &[NewEvent], now: Timestamp) -> Result<usize> {
        let events = events.to_vec();
        self.call(move |db| db.store_events(&events, now)).await
    }

    /// Events not yet worked off, oldest first.
    pub async fn waiting_events(&self, limit: usize) -> Result<Vec<StoredEvent>> {
        self.call(move |db| db.waiting_events(limit)).await
    }

    pub async fn mark_events_processed(&self, ids: &[i64], now: Timestamp) -> Result<()> {
        let ids = ids.to_vec();
        self.call(move |db| db.mark_events_processed(&ids, now)).await
    }

    pub async fn mark_events_failed(&self, ids: &[i64], error: &str) -> Result<()> {
        let ids = ids.to_vec();
        let error = error.to_owned();
        self.call(move |db| db.mark_events_failed(&ids, &error)).await
    }
}
