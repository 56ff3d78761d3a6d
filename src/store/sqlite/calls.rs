//! The Xero calls each organisation has spent, by the hour: Xero allows 5,000 a day per
//! organisation, and every process that calls it (runs from cron, autopilot, a sync) must count
//! against the same day. An hour is the grain: the day is reckoned as the last 24 whole hours
//! and this one, which errs on the side of calling less.

use jiff::{SignedDuration, Timestamp};
use rusqlite::params;
use uuid::Uuid;

use super::codec::parse_time;
use super::{Database, Doing, Result};

/// The hour an instant falls in, as stored: `2026-12-06T11:00:00Z`.
fn hour_of(at: Timestamp) -> String {
    let seconds = at.as_second() - at.as_second().rem_euclid(3600);
    Timestamp::from_second(seconds).unwrap_or(at).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Database {
    pub fn count_xero_calls(&mut self, tenant: Uuid, at: Timestamp, calls: u32) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO xero_calls (tenant_id, hour, calls) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant_id, hour) DO UPDATE SET calls = calls + excluded.calls",
            )
            .and_then(|mut s| s.execute(params![tenant.to_string(), hour_of(at), calls]))
            .doing("count Xero calls")?;
        Ok(())
    }

    pub fn xero_calls_in_day(&mut self, tenant: Uuid, now: Timestamp) -> Result<Vec<(Timestamp, u32)>> {
        let since = hour_of(now.checked_sub(SignedDuration::from_hours(24)).unwrap_or(now));
        self.conn().execute("DELETE FROM xero_calls WHERE hour < ?1", [&since]).doing("forget old Xero call counts")?;
        let mut statement = self
            .conn()
            .prepare_cached("SELECT hour, calls FROM xero_calls WHERE tenant_id = ?1 AND hour >= ?2")
            .doing("read Xero call counts")?;
        let rows = statement
            .query_map(params![tenant.to_string(), since], |row| Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?)))
            .doing("read Xero call counts")?;
        let mut hours = Vec::new();
        for row in rows {
            let (hour, calls) = row.doing("read Xero call counts")?;
            if let Some(start) = parse_time(&hour) {
                let end = start.checked_add(SignedDuration::from_hours(1)).unwrap_or(start).min(now);
                hours.push((end, calls));
            }
        }
        Ok(hours)
    }

    pub fn xero_calls_today(&mut self, tenant: Uuid, now: Timestamp) -> Result<u64> {
        Ok(self.xero_calls_in_day(tenant, now)?.iter().map(|(_, calls)| u64::from(*calls)).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_add_up_by_the_hour_and_leave_the_day_after_a_day() {
        let mut store = Database::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        let at: Timestamp = "2026-12-06T11:20:00Z".parse().unwrap();
        store.count_xero_calls(tenant, at, 3).unwrap();
        store.count_xero_calls(tenant, at.checked_add(SignedDuration::from_mins(10)).unwrap(), 4).unwrap();
        store.count_xero_calls(Uuid::from_u128(2), at, 50).unwrap();
        assert_eq!(store.xero_calls_today(tenant, at).unwrap(), 7);
        let hours = store.xero_calls_in_day(tenant, "2026-12-06T13:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(hours, vec![("2026-12-06T12:00:00Z".parse().unwrap(), 7)], "counted until the hour's end");
        let tomorrow: Timestamp = "2026-12-07T12:30:00Z".parse().unwrap();
        assert_eq!(store.xero_calls_today(tenant, tomorrow).unwrap(), 0);
    }
}
