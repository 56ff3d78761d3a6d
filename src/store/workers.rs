//! Who holds a claim. Every process that claims outbox work registers itself as a worker: its
//! host, its process id and when that process started. A claim names its worker, so that a run
//! finding work claimed can tell a live claim (leave it) from one whose process is gone (take it
//! over). Where the process can be looked up, that is certain: on the same machine, in the same
//! process-id namespace, since the same boot, the process is looked up by id and start time, so a
//! reused process id is not mistaken for the dead one. Any other worker (another host, another
//! container, before a reboot, a later shared database) is taken for gone once it has not been
//! seen for [`LEASE`]; a worker says it is still about at least every minute while it works.

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};

use super::{Result, Store};

/// How long a worker on another host keeps its claims without being seen.
pub const LEASE: SignedDuration = SignedDuration::from_mins(10);

/// This process, as claims name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    /// `host/pid/start`: unique for the life of the process.
    pub id: String,
    /// Where its process id means something: the host name, the process-id namespace and the
    /// boot.
    pub host: String,
    pub pid: u32,
    /// When the process started, in the kernel's clock ticks since boot (Linux), else the time it
    /// first registered.
    pub started: String,
}

/// This process's identity, worked out once.
pub fn this_process() -> &'static Worker {
    static WORKER: OnceLock<Worker> = OnceLock::new();
    WORKER.get_or_init(|| {
        let pid = std::process::id();
        let host = host_name();
        let started = process_start(pid).unwrap_or_else(|| Timestamp::now().to_string());
        Worker { id: format!("{host}/{pid}/{started}"), host, pid, started }
    })
}

fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    // Containers may share a host name and a database but not their process ids; a reboot
    // reuses them all.
    let namespace = std::fs::read_link("/proc/self/ns/pid").map(|link| link.display().to_string()).unwrap_or_default();
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    format!("{name} {namespace} boot:{}", boot.trim())
}

/// A process's start time (field 22 of `/proc/PID/stat`), or none when there is no such process.
pub(crate) fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_string)
}

impl Store {
    /// Records this process as a worker (again: `seen_at` says it is still about).
    pub async fn register_worker(&self, now: Timestamp) -> Result<&'static Worker> {
        self.call(move |db| db.register_worker(now)).await
    }

    /// The workers whose process is gone. Claims they hold may be taken over. A claim naming a
    /// worker that never registered (a database from before workers) counts as abandoned too.
    pub async fn gone_workers(&self, now: Timestamp) -> Result<Vec<String>> {
        self.call(move |db| db.gone_workers(now)).await
    }

    /// Forgets workers that are gone and hold nothing any more.
    pub async fn forget_gone_workers(&self, now: Timestamp) -> Result<()> {
        self.call(move |db| db.forget_gone_workers(now)).await
    }
}
