//! The Xero calls each organisation has spent, by the hour: Xero allows 5,000 a day per
//! organisation, and every process that calls it (runs from cron, autopilot, a sync) must count
//! against the same day. An hour is the grain: the day is reckoned as the last 24 whole hours
//! and this one, which errs on the side of calling less.

use super::{Result, Store};
use jiff::Timestamp;
use uuid::Uuid;

impl Store {
    /// Adds calls made at `at` to the organisation's count.
    pub async fn count_xero_calls(&self, tenant: Uuid, at: Timestamp, calls: u32) -> Result<()> {
        self.call(move |db| db.count_xero_calls(tenant, at, calls)).await
    }

    /// The organisation's calls in the day before `now`: (the end of each hour, its calls). Older
    /// hours are forgotten on the way.
    pub async fn xero_calls_in_day(&self, tenant: Uuid, now: Timestamp) -> Result<Vec<(Timestamp, u32)>> {
        self.call(move |db| db.xero_calls_in_day(tenant, now)).await
    }

    /// How many calls the organisation has spent in the day before `now`.
    pub async fn xero_calls_today(&self, tenant: Uuid, now: Timestamp) -> Result<u64> {
        self.call(move |db| db.xero_calls_today(tenant, now)).await
    }
}
