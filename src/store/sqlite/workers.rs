//! Who holds a claim. Every process that claims outbox work registers itself as a worker: its
//! host, its process id and when that process started. A claim names its worker, so that a run
//! finding work claimed can tell a live claim (leave it) from one whose process is gone (take it
//! over). Where the process can be looked up, that is certain: on the same machine, in the same
//! process-id namespace, since the same boot, the process is looked up by id and start time, so a
//! reused process id is not mistaken for the dead one. Any other worker (another host, another
//! container, before a reboot, a later shared database) is taken for gone once it has not been
//! seen for [`LEASE`]; a worker says it is still about at least every minute while it works.

use jiff::Timestamp;
use rusqlite::params;

use super::codec::format_time;
use super::{Database, Doing, Result};
use crate::store::workers::{LEASE, Worker, process_start, this_process};

/// Workers that are gone, as a JSON array, for `json_each` in a claim's condition.
pub(super) fn gone_list(gone: &[String]) -> String {
    serde_json::to_string(gone).unwrap_or_else(|_| "[]".to_string())
}

/// Whether the worker is still at work, as far as this process can tell.
fn alive(host: &str, pid: u32, started: &str, seen_at: Option<Timestamp>, now: Timestamp) -> bool {
    let me = this_process();
    if host == me.host && std::path::Path::new("/proc/self/stat").exists() {
        return process_start(pid).is_some_and(|start| start == started);
    }
    seen_at.is_some_and(|seen| seen.checked_add(LEASE).is_ok_and(|until| until > now))
}

impl Database {
    pub fn register_worker(&self, now: Timestamp) -> Result<&'static Worker> {
        let me = this_process();
        self.conn()
            .execute(
                "INSERT INTO workers (id, host, pid, started, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                params![me.id, me.host, me.pid, me.started, format_time(now)],
            )
            .doing("register this process as a worker")?;
        Ok(me)
    }

    pub fn gone_workers(&self, now: Timestamp) -> Result<Vec<String>> {
        const WHAT: &str = "read the workers";
        let mut statement = self.conn().prepare("SELECT id, host, pid, started, seen_at FROM workers").doing(WHAT)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u32>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })
            .doing(WHAT)?;
        let mut gone = Vec::new();
        for row in rows {
            let (id, host, pid, started, seen_at) = row.doing(WHAT)?;
            if !alive(&host, pid, &started, super::codec::parse_time(&seen_at), now) {
                gone.push(id);
            }
        }
        Ok(gone)
    }

    pub fn forget_gone_workers(&self, now: Timestamp) -> Result<()> {
        for id in self.gone_workers(now)? {
            self.conn()
                .execute(
                    "DELETE FROM workers WHERE id = ?1
                       AND NOT EXISTS (SELECT 1 FROM actions WHERE claimed_by = ?1 AND status IN ('claimed', 'handed'))
                       AND NOT EXISTS (SELECT 1 FROM notes WHERE claimed_by = ?1 AND status = 'writing')",
                    [&id],
                )
                .doing("forget a worker that is gone")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        let me = this_process();
        let now = Timestamp::now();
        assert!(alive(&me.host, me.pid, &me.started, None, now));
        assert!(!alive(&me.host, me.pid, "1", None, now), "a reused process id is another process");
        assert!(!alive(&me.host, u32::MAX - 7, &me.started, None, now));
        // Another host's worker is judged by when it was last seen.
        assert!(alive("elsewhere", 1, "1", Some(now), now));
        assert!(!alive("elsewhere", 1, "1", Some(now - SignedDuration::from_hours(1)), now));
    }

    #[test]
    fn a_worker_is_gone_once_its_process_is() {
        let store = Database::open_in_memory().unwrap();
        let now = Timestamp::now();
        store.register_worker(now).unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO workers (id, host, pid, started, seen_at) VALUES ('dead', ?1, ?2, '1', ?3)",
                params![this_process().host, u32::MAX - 7, format_time(now)],
            )
            .unwrap();
        assert_eq!(store.gone_workers(now).unwrap(), vec!["dead".to_string()]);
        store.forget_gone_workers(now).unwrap();
        assert!(store.gone_workers(now).unwrap().is_empty());
    }
}
