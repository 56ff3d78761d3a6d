//! Simulating (PRODUCT.md: 365 days over 100,000 invoices in under 2 s, and at least 30 times
//! faster than stepping day by day, with identical output). 100,000 open invoices (and as many
//! paid), 5,000 customers, the wholesale strategy; customers pay at random.
//! The day-by-day reference is the one the tests check the simulator against. Run with
//! `cargo bench --bench simulate`.

#[path = "../tests/simulate/naive.rs"]
mod naive;

use std::path::Path;

use collectiq::plan::compile_path;
use std::collections::HashMap;

use collectiq::decide::books::{Books, assemble};
use collectiq::decide::calendar::Calendar;
use collectiq::decide::memory::Memory;
use collectiq::ledger::records::{Contact, Invoice};
use collectiq::simulate::data::Export;
use collectiq::simulate::report::Report;
use collectiq::simulate::{Payments, Scenario, engine};
use divan::Bencher;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use uuid::Uuid;

fn main() {
    divan::main();
}

/// 100,000 when benchmarking; far fewer when `cargo test` runs the benchmark once.
fn invoices() -> usize {
    if std::env::args().any(|arg| arg == "--bench") { 100_000 } else { 2_000 }
}

const DAYS: u32 = 365;

/// A wholesale organisation with `invoices()` open invoices, 20 per customer, due over the last
/// four months and the next one, and as many again already paid (the history lateness is judged
/// on); a third of the customers are in contact groups.
fn books(from: Date) -> Books {
    let sandbox = Export::sandbox(1, 1_000, from).books(Path::new("sandbox")).unwrap().books;
    let open = invoices();
    let customers = open / 20;
    let tenant = sandbox.organisation.tenant_id;
    let contacts: Vec<Contact> = (0..customers)
        .map(|n| Contact {
            tenant_id: tenant,
            contact_id: Uuid::from_u128(1_000_000 + n as u128),
            name: format!("Customer {n}"),
            first_name: None,
            last_name: None,
            email: (!n.is_multiple_of(13)).then(|| format!("accounts@customer-{n}.example")),
            status: "ACTIVE".into(),
            currency: None,
            persons: Vec::new(),
            updated: Timestamp::UNIX_EPOCH,
        })
        .collect();
    let groups: HashMap<Uuid, Vec<String>> = contacts
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 10 < 3)
        .map(|(n, c)| (c.contact_id, vec![["Key Accounts", "COD", "Do not chase"][n % 10].to_string()]))
        .collect();
    let invoice = |n: usize| {
        let due = from.checked_add((30 - ((n * 7919) % 150) as i64).days()).unwrap();
        let paid = n >= open;
        let total = Decimal::new(5_000 + ((n * 104_729) % 2_000_000) as i64, 2);
        Invoice {
            tenant_id: tenant,
            invoice_id: Uuid::from_u128(n as u128 + 1),
            number: format!("INV-{n:07}").into(),
            reference: None,
            contact_id: contacts[n % customers].contact_id,
            status: if paid { "PAID" } else { "AUTHORISED" }.into(),
            date: due.checked_sub(20.days()).unwrap(),
            due_date: if paid { due.checked_sub(200.days()).unwrap() } else { due },
            currency: "NZD".into(),
            currency_rate: Decimal::ONE,
            total,
            amount_due: if paid { Decimal::ZERO } else { total },
            amount_paid: if paid { total } else { Decimal::ZERO },
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: paid.then(|| due.checked_sub(((n % 50) as i64).days()).unwrap()),
            repeating_invoice_id: None,
            updated: Timestamp::UNIX_EPOCH,
        }
    };
    let invoices: Vec<Invoice> = (0..open * 2).map(invoice).collect();
    assemble(sandbox.organisation.clone(), contacts, &groups, invoices)
}

fn with_scenario(run: impl Fn(&mut Scenario<'_>) -> usize, bencher: Bencher) {
    with_days(DAYS, run, bencher);
}

/// What a store remembers after CollectIQ's run of the day before `from`: the occurrences it
/// handled (most of them the catch-up of a first run, recorded as skipped).
fn yesterdays_state(plan: &collectiq::plan::Plan, calendar: &Calendar, books: &Books, from: Date) -> Memory {
    let yesterday = from.checked_sub(1.day()).unwrap();
    let mut first = Scenario::new(plan, calendar, books.clone(), Memory::default(), yesterday, 1, Payments::None);
    let mut state = Memory::default();
    for happening in engine::simulate(&mut first) {
        state.remember(&happening.decision, first.run_at(happening.date));
    }
    state
}

/// As `with_days`, over a store where CollectIQ ran yesterday (as `simulate` over synced data
/// usually is).
fn with_history(run: impl Fn(&mut Scenario<'_>) -> usize, bencher: Bencher) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/wholesale.strategy");
    let plan = compile_path(&path).unwrap().plan;
    let from: Date = "2026-11-25".parse().unwrap();
    let books = books(from);
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let state = yesterdays_state(&plan, &calendar, &books, from);
    let mut scenario = Scenario::new(&plan, &calendar, books, state, from, DAYS, Payments::Random { seed: 5 });
    bencher.bench_local(|| assert!(run(&mut scenario) > 0));
}

/// Over a store where CollectIQ ran yesterday: event-driven.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn after_a_run_event_driven_decisions_only(bencher: Bencher) {
    with_history(|scenario| engine::simulate(scenario).len(), bencher);
}

/// Over a store where CollectIQ ran yesterday: stepping through every day.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn after_a_run_day_by_day_decisions_only(bencher: Bencher) {
    with_history(|scenario| naive::simulate_naively(&*scenario).len(), bencher);
}

fn with_days(days: u32, run: impl Fn(&mut Scenario<'_>) -> usize, bencher: Bencher) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/wholesale.strategy");
    let plan = compile_path(&path).unwrap().plan;
    let from: Date = "2026-11-25".parse().unwrap();
    let books = books(from);
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let mut scenario =
        Scenario::new(&plan, &calendar, books, Memory::default(), from, days, Payments::Random { seed: 5 });
    bencher.bench_local(|| assert!(run(&mut scenario) > 0));
}

/// What `collectiq simulate` does: the event-driven simulation and its report.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn event_driven_365_days(bencher: Bencher) {
    with_scenario(
        |scenario| {
            let happenings = engine::simulate(scenario);
            Report::build(scenario, happenings).actions.len()
        },
        bencher,
    );
}

/// The reference: every customer evaluated on every day.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn day_by_day_365_days(bencher: Bencher) {
    with_scenario(|scenario| Report::build(scenario, naive::simulate_naively(&*scenario)).actions.len(), bencher);
}

/// The event-driven simulation alone, without building the report.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn event_driven_decisions_only(bencher: Bencher) {
    with_scenario(|scenario| engine::simulate(scenario).len(), bencher);
}

/// The reference alone, without building the report. Three samples: its time varies by a
/// second from run to run on a small shared machine, and the speed-up is judged on the median.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn day_by_day_decisions_only(bencher: Bencher) {
    with_scenario(|scenario| naive::simulate_naively(&*scenario).len(), bencher);
}

/// The first day alone: what is already due when a simulation starts, the same work both ways.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn first_day_decisions_only(bencher: Bencher) {
    with_days(1, |scenario| engine::simulate(scenario).len(), bencher);
}

/// The first day alone, stepping: one evaluation of everything.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn first_day_day_by_day(bencher: Bencher) {
    with_days(1, |scenario| naive::simulate_naively(&*scenario).len(), bencher);
}
