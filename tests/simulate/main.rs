//! The simulator: the same decisions as stepping through every day, over generated
//! organisations and every example strategy; its JSON contract; its HTML page in a real browser.

mod naive;

use std::path::{Path, PathBuf};

use collectiq::plan::{Plan, compile_path};
use collectiq::runtime::calendar::Calendar;
use collectiq::runtime::state::RuntimeState;
use collectiq::simulate::data::Export;
use collectiq::simulate::report::Report;
use collectiq::simulate::{Payments, Scenario, engine};
use jiff::civil::Date;

fn strategies() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "strategy"))
        .collect();
    paths.sort();
    paths
}

fn plan(path: &Path) -> Plan {
    compile_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).plan
}

/// Both ways over the same scenario.
fn both(plan: &Plan, seed: u64, invoices: usize, from: Date, days: u32, payments: Payments) -> (Report, Report) {
    let books = Export::sandbox(seed, invoices, from).books(Path::new("sandbox")).unwrap();
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let scenario = Scenario::new(plan, &calendar, books, RuntimeState::default(), from, days, payments);
    let fast = Report::build(&scenario, engine::simulate(&scenario));
    let slow = Report::build(&scenario, naive::simulate_naively(&scenario));
    (fast, slow)
}

fn first_difference(fast: &Report, slow: &Report) -> String {
    for (n, (a, b)) in fast.actions.iter().zip(&slow.actions).enumerate() {
        if a != b {
            return format!("action {n} differs:\n event-driven: {a:?}\n day by day:   {b:?}");
        }
    }
    format!("{} actions event-driven, {} day by day", fast.actions.len(), slow.actions.len())
}

#[test]
fn event_driven_and_day_by_day_decide_exactly_the_same() {
    let from: Date = "2026-11-25".parse().unwrap();
    let mut compared = 0;
    for path in strategies() {
        let plan = plan(&path);
        for (seed, payments) in [(1, Payments::Random { seed: 3 }), (7, Payments::History), (11, Payments::None)] {
            let (fast, slow) = both(&plan, seed, 400, from, 120, payments);
            assert!(
                fast == slow,
                "{} with seed {seed} and {payments:?}: {}",
                path.display(),
                first_difference(&fast, &slow)
            );
            assert!(!fast.actions.is_empty(), "{}: the comparison has something to compare", path.display());
            compared += fast.actions.len();
        }
    }
    assert!(compared > 1_000, "only {compared} actions compared");
}
