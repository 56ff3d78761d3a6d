//! Webhook events, stored before Xero is told they arrived, and worked off afterwards. The same
//! event delivered twice (Xero retries; someone replays a request) is stored once.

use jiff::Timestamp;
use rusqlite::params;

use super::codec::{format_time, id};
use super::{Database, Doing, Result};
use crate::store::events::{MOST_ATTEMPTS, NewEvent, StoredEvent};

impl Database {
    pub fn store_events(&mut self, events: &[NewEvent], now: Timestamp) -> Result<usize> {
        let tx = self.conn_mut().transaction().doing("start storing webhook events")?;
        let mut added = 0;
        for event in events {
            added += tx
                .execute(
                    "INSERT OR IGNORE INTO webhook_events (tenant_id, category, event_type, resource_id, event_date, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        event.tenant_id.to_string(),
                        event.category,
                        event.event_type,
                        event.resource_id.to_string(),
                        event.event_date,
                        format_time(now)
                    ],
                )
                .doing("store a webhook event")?;
        }
        tx.commit().doing("store webhook events")?;
        Ok(added)
    }

    pub fn waiting_events(&self, limit: usize) -> Result<Vec<StoredEvent>> {
        let mut statement = self
            .conn()
            .prepare("SELECT * FROM webhook_events WHERE processed_at IS NULL AND attempts < ?1 ORDER BY id LIMIT ?2")
            .doing("read waiting webhook events")?;
        let rows = statement
            .query_map(params![MOST_ATTEMPTS, limit as i64], |row| {
                Ok(StoredEvent {
                    id: row.get("id")?,
                    attempts: row.get("attempts")?,
                    event: NewEvent {
                        tenant_id: id(row, "tenant_id")?,
                        category: row.get("category")?,
                        event_type: row.get("event_type")?,
                        resource_id: id(row, "resource_id")?,
                        event_date: row.get("event_date")?,
                    },
                })
            })
            .doing("read waiting webhook events")?;
        rows.collect::<rusqlite::Result<_>>().doing("read waiting webhook events")
    }

    pub fn mark_events_processed(&mut self, ids: &[i64], now: Timestamp) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start marking events")?;
        for event in ids {
            tx.execute("UPDATE webhook_events SET processed_at = ?1 WHERE id = ?2", params![format_time(now), event])
                .doing("mark an event processed")?;
        }
        tx.commit().doing("mark events processed")
    }

    pub fn mark_events_failed(&mut self, ids: &[i64], error: &str) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start marking events")?;
        for event in ids {
            tx.execute(
                "UPDATE webhook_events SET attempts = attempts + 1, last_error = ?1 WHERE id = ?2",
                params![error, event],
            )
            .doing("mark an event failed")?;
        }
        tx.commit().doing("mark events failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn replayed_events_are_stored_once_and_worked_off_once() {
        let mut store = Database::open_in_memory().unwrap();
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let event = NewEvent {
            tenant_id: Uuid::from_u128(1),
            category: "INVOICE".into(),
            event_type: "UPDATE".into(),
            resource_id: Uuid::from_u128(2),
            event_date: "2026-11-25T11:59:00.000".into(),
        };
        assert_eq!(store.store_events(std::slice::from_ref(&event), now).unwrap(), 1);
        assert_eq!(store.store_events(std::slice::from_ref(&event), now).unwrap(), 0);
        let waiting = store.waiting_events(10).unwrap();
        assert_eq!(waiting.len(), 1);
        store.mark_events_failed(&[waiting[0].id], "timeout").unwrap();
        assert_eq!(store.waiting_events(10).unwrap()[0].attempts, 1);
        store.mark_events_processed(&[waiting[0].id], now).unwrap();
        assert!(store.waiting_events(10).unwrap().is_empty());
    }
}
