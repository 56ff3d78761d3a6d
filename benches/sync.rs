//! Sync speed (PRODUCT.md: 100,000 invoices from the sandbox in the minimum number of calls,
//! ⌈N/1000⌉ pages per entity, and ≥ 50,000 invoices/s stored). Run with
//! `cargo bench --bench sync`; the call counts are printed after the timings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collectiq::config::{ClientLimits, Config, Overrides, XeroHosts};
use collectiq::ledger::records::Invoice;
use collectiq::sandbox::world::generate::Size;
use collectiq::sandbox::{Sandbox, SandboxConfig};
use collectiq::store::Store;
use collectiq::store::records::Records;
use collectiq::xero::client::RetryPolicy;
use collectiq::xero::connect::{ConnectOptions, connect};
use collectiq::xero::session::Session;
use collectiq::xero::sync::{OrgReport, Progress, Quiet, SyncOptions, Syncer};
use divan::Bencher;
use divan::counter::ItemsCount;

/// 100,000 when benchmarking; a tenth when `cargo test` runs the benchmarks once to see that
/// they still work.
fn invoices() -> usize {
    if std::env::args().any(|arg| arg == "--bench") { 100_000 } else { 10_000 }
}

fn main() {
    divan::main();
    report_calls();
    // Leave no stores behind: each run makes several.
    let ours = format!("-{}", std::process::id());
    for entry in std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("collectiq-bench-") && name.ends_with(&ours) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn folder(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("collectiq-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

async fn sandbox() -> Sandbox {
    let mut config = SandboxConfig {
        seed: 5,
        size: Size { organisations: 1, contacts: 2_000, invoices: invoices() },
        today: Some("2026-11-25".parse().unwrap()),
        ..SandboxConfig::default()
    };
    config.limits.per_minute = 1_000_000;
    config.limits.per_day = 1_000_000;
    config.limits.app_per_minute = 1_000_000;
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn config(url: &str, database: PathBuf) -> Config {
    let overrides = Overrides { config_file: Some(PathBuf::from("/dev/null")), database: Some(database.clone()) };
    let mut config = Config::load_with(&overrides, &|_| None).unwrap();
    // The key that seals the tokens stays beside the bench's store, out of $HOME.
    config.key_file = Some(database.with_file_name("token.key"));
    config.xero.hosts = XeroHosts::single(url);
    config.xero.client_id = Some(collectiq::config::SANDBOX_CLIENT_ID.into());
    config.xero.limits =
        ClientLimits { per_minute: 1_000_000, per_day: 1_000_000, concurrent: 5, ..ClientLimits::default() };
    config
}

/// A fresh store connected to the sandbox.
async fn connected(url: &str, name: &str) -> Session {
    let config = config(url, folder(name).join("collectiq.db"));
    let store = Store::open(&config.database).await.unwrap();
    let options = ConnectOptions { headless: true, port: 0, open_browser: false, timeout: Duration::from_secs(30) };
    connect(&config, &store, &options).await.unwrap();
    Session::with_store(&config, store, RetryPolicy::default()).await.unwrap()
}

async fn full_sync(session: &Session) {
    full_sync_showing(session, Arc::new(Quiet)).await;
}

async fn full_sync_showing(session: &Session, progress: Arc<dyn Progress>) -> OrgReport {
    let orgs = session.store.organisations().await.unwrap();
    let syncer = Syncer::new(session.client.clone(), session.store.clone(), progress);
    let mut reports = syncer.sync(&orgs, SyncOptions { full: true, ..SyncOptions::default() }).await;
    assert!(reports[0].error.is_none(), "{:?}", reports[0].error);
    reports.remove(0)
}

/// A full sync of 100,000 invoices (and their contacts, payments and credit), into a new store.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn full_sync_100k_invoices(bencher: Bencher) {
    let runtime = runtime();
    let sandbox = runtime.block_on(sandbox());
    let url = sandbox.url().to_string();
    let mut round = 0;
    bencher
        .counter(ItemsCount::new(invoices()))
        .with_inputs(|| {
            round += 1;
            runtime.block_on(connected(&url, &format!("full-{round}")))
        })
        .bench_local_values(|session| runtime.block_on(full_sync(&session)));
}

fn invoice(n: u128, id: u128) -> Invoice {
    Invoice {
        tenant_id: uuid::Uuid::from_u128(1),
        invoice_id: uuid::Uuid::from_u128(id),
        number: format!("INV-{n:06}").into(),
        reference: Some("PO 4471".into()),
        contact_id: uuid::Uuid::from_u128(n % 2_000),
        status: "AUTHORISED".into(),
        date: "2026-10-01".parse().unwrap(),
        due_date: "2026-10-31".parse().unwrap(),
        currency: "NZD".into(),
        currency_rate: "1.000000".parse().unwrap(),
        total: "1150.00".parse().unwrap(),
        amount_due: "1150.00".parse().unwrap(),
        amount_paid: "0.00".parse().unwrap(),
        amount_credited: "0.00".parse().unwrap(),
        expected_payment_date: None,
        fully_paid_on: None,
        repeating_invoice_id: None,
        updated: "2026-10-01T20:00:00Z".parse().unwrap(),
    }
}

/// Storing pages of 1,000 invoices, each page one transaction with its cursor (the store's
/// part of a sync, without the network).
#[divan::bench(sample_count = 10)]
fn store_pages_of_1000_invoices(bencher: Bencher) {
    let runtime = runtime();
    let store = runtime.block_on(Store::open(&folder("store").join("collectiq.db"))).unwrap();
    let tenant = uuid::Uuid::from_u128(1);
    let pass = runtime.block_on(store.begin_pass(tenant, "invoices", None, true)).unwrap();
    let mut next = 0u128;
    // Random ids, as Xero's are: each page lands all over the index.
    bencher.counter(ItemsCount::new(1_000usize)).bench_local(|| {
        let page: Vec<Invoice> = (next..next + 1_000).map(|n| invoice(n, fastrand::u128(..))).collect();
        next += 1_000;
        let pages = vec![Records::Invoices(page)];
        runtime.block_on(store.write_pages(tenant, "invoices", pages, &pass, 2, None)).unwrap();
    });
}

/// When each entity's last page was stored.
#[derive(Default)]
struct Clock(Mutex<Vec<(String, Instant)>>);

impl Progress for Clock {
    fn page(&self, _: &str, entity: &str, _: u64, _: u64) {
        self.0.lock().unwrap().push((entity.to_string(), Instant::now()));
    }

    fn done(&self, _: &str, _: &OrgReport) {}
}

impl Clock {
    /// From the last page of the entity before to the last page of this one.
    fn phase(&self, entity: &str) -> Duration {
        let pages = self.0.lock().unwrap();
        let first = pages.iter().position(|(e, _)| e == entity).unwrap();
        let last = pages.iter().rposition(|(e, _)| e == entity).unwrap();
        let start = if first == 0 { pages[0].1 } else { pages[first - 1].1 };
        pages[last].1 - start
    }
}

/// API calls used by one full sync, against the minimum: ⌈N/1000⌉ pages per entity.
fn report_calls() {
    let runtime = runtime();
    runtime.block_on(async {
        let sandbox = sandbox().await;
        let session = connected(sandbox.url(), "calls").await;
        let clock = Arc::new(Clock::default());
        let started = Instant::now();
        let report = full_sync_showing(&session, clock.clone()).await;
        let elapsed = started.elapsed();
        let tenant = session.store.organisations().await.unwrap()[0].organisation.tenant_id;
        let counts = session.store.counts(tenant).await.unwrap();
        let stats = collectiq::sandbox::state::lock(&sandbox.state().stats).clone();
        let invoices = clock.phase("invoices").as_secs_f64();
        println!(
            "\nOne full sync: {} sales invoices, {} payments, {} contacts in {:.2} s; the invoices took {:.2} s \
             ({:.0} invoices/s fetched, converted and stored)",
            counts.invoices,
            counts.payments,
            counts.contacts,
            elapsed.as_secs_f64(),
            invoices,
            counts.invoices as f64 / invoices
        );
        for (entity, call) in [("invoices", "GET Invoices"), ("contacts", "GET Contacts"), ("payments", "GET Payments")]
        {
            let listed = report.entities.iter().find(|e| e.entity == entity).map_or(0, |e| e.fetched);
            let used = stats.calls.get(call).copied().unwrap_or(0);
            let minimum = listed.div_ceil(1000).max(1);
            println!("  {call}: {used} calls for the {listed} records Xero lists (minimum {minimum})");
        }
        println!("  all calls: {:?}", stats.calls);
    });
}
