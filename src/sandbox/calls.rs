//! Every API call the sandbox receives, per organisation, as Xero would count it: answered,
//! refused by a limit or spoiled by a fault alike. Tests and benchmarks read from it whether a
//! client ever went over a limit in any window, and what its calls were spent on.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

#[derive(Default)]
pub struct CallLog {
    calls: HashMap<Uuid, Vec<(Instant, &'static str)>>,
}

/// What one organisation received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrganisationCalls {
    pub tenant_id: Uuid,
    pub calls: usize,
    /// By method and resource (`GET OnlineInvoice`, `PUT Invoices/History`).
    pub by_kind: BTreeMap<&'static str, usize>,
    /// The most calls in any one window of the limit's length.
    pub busiest_window: usize,
}

/// Everything received, per organisation and for the whole app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallSummary {
    pub window_ms: u64,
    pub organisations: Vec<OrganisationCalls>,
    pub app_busiest_window: usize,
}

impl CallLog {
    pub fn record(&mut self, tenant: Uuid, kind: &'static str) {
        self.calls.entry(tenant).or_default().push((Instant::now(), kind));
    }

    pub fn summary(&self, window: Duration) -> CallSummary {
        let mut organisations: Vec<OrganisationCalls> = self
            .calls
            .iter()
            .map(|(tenant, calls)| {
                let mut by_kind = BTreeMap::new();
                for (_, kind) in calls {
                    *by_kind.entry(*kind).or_default() += 1;
                }
                let times: Vec<Instant> = calls.iter().map(|(at, _)| *at).collect();
                OrganisationCalls {
                    tenant_id: *tenant,
                    calls: calls.len(),
                    by_kind,
                    busiest_window: busiest(&times, window),
                }
            })
            .collect();
        organisations.sort_by_key(|o| o.tenant_id);
        let mut all: Vec<Instant> = self.calls.values().flat_map(|calls| calls.iter().map(|(at, _)| *at)).collect();
        all.sort();
        CallSummary { window_ms: window.as_millis() as u64, organisations, app_busiest_window: busiest(&all, window) }
    }
}

/// The most moments (in order) that fall within any span of `window`.
fn busiest(times: &[Instant], window: Duration) -> usize {
    let mut most = 0;
    let mut first = 0;
    for (last, at) in times.iter().enumerate() {
        while at.duration_since(times[first]) >= window {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_window_counts_calls_less_than_a_window_apart() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let times = [at(0), at(100), at(900), at(1_000), at(1_050), at(2_500)];
        assert_eq!(busiest(&times, Duration::from_secs(1)), 4, "100, 900, 1000 and 1050");
        assert_eq!(busiest(&times, Duration::from_secs(10)), 6);
        assert_eq!(busiest(&[], Duration::from_secs(1)), 0);
    }
}
