//! Everything a running sandbox holds, shared by its handlers.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::clock::Clock;
use super::config::{SandboxConfig, WebhookTarget};
use super::faults::FaultInjector;
use super::identity::Identity;
use super::limits::Limiter;
use super::world::Org;
use super::world::events::Change;

pub struct State {
    pub base_url: String,
    pub clock: Clock,
    pub world: Mutex<Vec<Org>>,
    pub identity: Mutex<Identity>,
    pub limiter: Limiter,
    pub faults: Mutex<FaultInjector>,
    pub stats: Mutex<Stats>,
    /// Every API call received, per organisation, for the limits' tests.
    pub calls: Mutex<super::calls::CallLog>,
    pub webhook: Mutex<Option<WebhookTarget>>,
    pub webhooks: super::webhooks::Sender,
    ids: Mutex<fastrand::Rng>,
}

/// What the sandbox has seen, for tests and the admin page.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// API calls that reached an endpoint, by method and resource (`GET Invoices`).
    pub calls: BTreeMap<String, u64>,
    /// Writes refused because CollectIQ must never make them.
    pub refused_writes: Vec<String>,
    pub notes_written: u64,
    pub rate_limited: u64,
    pub faults: BTreeMap<String, u64>,
    pub webhooks_sent: u64,
    pub webhook_failures: u64,
}

/// Locks a mutex, carrying on if a handler panicked while holding it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    pub fn new(config: &SandboxConfig, base_url: String, orgs: Vec<Org>, start: Timestamp) -> State {
        State {
            base_url,
            clock: Clock::starting_at(start),
            world: Mutex::new(orgs),
            identity: Mutex::new(Identity::new(config.clients.clone(), config.seed)),
            limiter: Limiter::new(config.limits),
            faults: Mutex::new(FaultInjector::new(config.faults, config.seed)),
            stats: Mutex::new(Stats::default()),
            calls: Mutex::new(super::calls::CallLog::default()),
            webhook: Mutex::new(config.webhook.clone()),
            webhooks: super::webhooks::Sender::new(),
            ids: Mutex::new(fastrand::Rng::with_seed(config.seed ^ 0x1D5)),
        }
    }

    pub fn new_id(&self) -> Uuid {
        uuid::Builder::from_random_bytes(lock(&self.ids).u128(..).to_le_bytes()).into_uuid()
    }

    pub fn tenants(&self) -> Vec<Uuid> {
        lock(&self.world).iter().map(|org| org.tenant_id).collect()
    }

    /// Brings every organisation up to the clock and gives what changed, with each change's
    /// organisation, for webhooks.
    pub fn catch_up(&self) -> Vec<(Uuid, Change)> {
        let now = self.clock.now();
        let mut world = lock(&self.world);
        world
            .iter_mut()
            .flat_map(|org| {
                let tenant = org.tenant_id;
                org.advance_to(now).into_iter().map(move |change| (tenant, change))
            })
            .collect()
    }

    pub fn count_call(&self, name: String) {
        *lock(&self.stats).calls.entry(name).or_default() += 1;
    }
}
