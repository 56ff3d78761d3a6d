//! Deciding (PRODUCT.md: the actions due for 1,000,000 open invoices in under 2 s, including the
//! load from SQLite). The store holds one organisation with 50,000 customers in contact groups,
//! and a year and a half of paid history beside the open invoices; the strategy is the wholesale
//! example (segments on groups, amounts, lateness and overdue counts; statements, calls,
//! escalations, a frequency cap, consolidation, a minimum, catch-up, holidays). Run with
//! `cargo bench --bench runtime`.

use std::path::PathBuf;

use collectiq::decide::calendar::Calendar;
use collectiq::decide::evaluate::{Context, evaluate};
use collectiq::ledger::records::{Contact, ContactGroup, Invoice, Organisation, Person};
use collectiq::plan::{Plan, compile_path};
use collectiq::runtime::outbox_rows::prepare;
use collectiq::secret::Secret;
use collectiq::store::Store;
use collectiq::store::connections::{Connected, Tokens};
use collectiq::store::outbox::Decider;
use collectiq::store::records::Records;
use divan::Bencher;
use divan::counter::ItemsCount;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use uuid::Uuid;

fn main() {
    divan::main();
    // A million-invoice store is gigabytes: never leave one behind.
    let _ = std::fs::remove_dir_all(scratch());
}

/// 1,000,000 when benchmarking; far fewer when `cargo test` runs the benchmark once to see that
/// it still works.
fn open_invoices() -> usize {
    if std::env::args().any(|arg| arg == "--bench") { 1_000_000 } else { 20_000 }
}

const TENANT: Uuid = Uuid::from_u128(0xC0FFEE);
const INVOICES_PER_CUSTOMER: usize = 20;

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("collectiq-bench-runtime-{}", std::process::id()))
}

fn folder() -> PathBuf {
    let folder = scratch();
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn contact(n: usize) -> Contact {
    Contact {
        tenant_id: TENANT,
        contact_id: Uuid::from_u128(1_000_000_000 + n as u128),
        name: format!("Customer {n}"),
        first_name: None,
        last_name: None,
        email: (!n.is_multiple_of(13)).then(|| format!("accounts@customer-{n}.example")),
        status: "ACTIVE".into(),
        currency: None,
        persons: vec![Person {
            first_name: Some("Sam".into()),
            last_name: None,
            email: Some(format!("sam@customer-{n}.example")),
            include_in_emails: n.is_multiple_of(3),
        }],
        updated: "2026-01-01T00:00:00Z".parse().unwrap(),
    }
}

/// Invoice `n`: due dates spread over the last four months and the next one; one in three
/// already paid (the history that lateness is judged on).
fn invoice(n: usize, customers: usize) -> Invoice {
    let today: jiff::civil::Date = "2026-11-25".parse().unwrap();
    let due = today.checked_add((30 - ((n * 7919) % 150) as i64).days()).unwrap();
    let paid = n.is_multiple_of(3);
    let total = Decimal::new(5_000 + ((n * 104_729) % 2_000_000) as i64, 2);
    Invoice {
        tenant_id: TENANT,
        invoice_id: Uuid::from_u128(n as u128 + 1),
        number: format!("INV-{n:07}").into(),
        reference: Some(format!("PO {n}").into()),
        contact_id: contact(n % customers).contact_id,
        status: if paid { "PAID" } else { "AUTHORISED" }.into(),
        date: due.checked_sub(20.days()).unwrap(),
        due_date: due,
        currency: "NZD".into(),
        currency_rate: Decimal::ONE,
        total,
        amount_due: if paid { Decimal::ZERO } else { total },
        amount_paid: if paid { total } else { Decimal::ZERO },
        amount_credited: Decimal::ZERO,
        expected_payment_date: None,
        fully_paid_on: paid.then(|| due.checked_add(((n % 40) as i64).days()).unwrap()),
        repeating_invoice_id: None,
        updated: "2026-11-01T00:00:00Z".parse().unwrap(),
    }
}

/// A store holding `open` open invoices (and half as many paid ones) for one organisation.
fn store_with(open: usize) -> Store {
    block_on(store_with_async(open))
}

/// Runs the store's async operations from a benchmark.
fn block_on<F: std::future::Future>(work: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().build().unwrap()).block_on(work)
}

async fn store_with_async(open: usize) -> Store {
    let folder = folder();
    let store = Store::open(&folder.join("collectiq.db")).await.unwrap();
    store.unlock_or_create(Some(&folder.join("token.key"))).await.unwrap();
    let tokens = Tokens {
        access_token: Secret::new("bench"),
        expires_at: Timestamp::now(),
        refresh_token: None,
        scopes: String::new(),
    };
    let connected = Connected { tenant_id: TENANT, name: "Harbour Wholesale Ltd".into(), connection_id: None };
    store.add_grant("bench", &tokens, &[connected], Timestamp::now()).await.unwrap();
    store
        .save_organisation_settings(&Organisation {
            tenant_id: TENANT,
            name: "Harbour Wholesale Ltd".into(),
            base_currency: "NZD".into(),
            timezone: Some("NEWZEALANDSTANDARDTIME".into()),
            zone: Some("Pacific/Auckland".into()),
            short_code: None,
            reminders_enabled: Some(false),
            country_code: None,
        })
        .await
        .unwrap();
    let customers = open / INVOICES_PER_CUSTOMER;
    let contacts: Vec<Contact> = (0..customers).map(contact).collect();
    let groups = [(1, "Key Accounts"), (2, "COD"), (3, "Do not chase")].map(|(id, name)| ContactGroup {
        tenant_id: TENANT,
        group_id: Uuid::from_u128(id),
        name: name.into(),
        status: "ACTIVE".into(),
    });
    let members: Vec<(Uuid, Uuid)> = contacts
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 10 < 3)
        .map(|(n, c)| (groups[n % 10].group_id, c.contact_id))
        .collect();
    store.save_records(TENANT, Records::Contacts(contacts)).await.unwrap();
    store.replace_contact_groups(TENANT, groups.to_vec(), Some(members)).await.unwrap();
    let all = open * 3 / 2;
    for start in (0..all).step_by(10_000) {
        let page: Vec<Invoice> = (start..(start + 10_000).min(all)).map(|n| invoice(n, customers)).collect();
        store.save_records(TENANT, Records::Invoices(page)).await.unwrap();
    }
    store
}

fn wholesale() -> Plan {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("strategies/wholesale.strategy");
    compile_path(&path).unwrap().plan
}

/// Decides as `collectiq run` does for one organisation: loads the books and what was already
/// done from SQLite, then evaluates every customer and invoice under the plan.
fn decide(store: &Store, plan: &Plan, now: Timestamp) -> usize {
    let (books, state) = block_on(store.books_and_memory(TENANT)).unwrap();
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let evaluation = evaluate(&Context { plan, calendar: &calendar, books: &books, memory: &state, now });
    evaluation.decisions.len()
}

/// The first run over the ledger: nothing recorded yet, so every missed occurrence of every
/// invoice becomes a decision (most of them recorded as skipped).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn first_run_over_1m_open_invoices(bencher: Bencher) {
    let open = open_invoices();
    let store = store_with(open);
    let plan = wholesale();
    let now: Timestamp = "2026-11-24T21:00:00Z".parse().unwrap();
    bencher.counter(ItemsCount::new(open)).bench_local(|| assert!(decide(&store, &plan, now) > 0));
}

/// Today's run (PRODUCT.md's target): yesterday's run recorded its decisions, so today decides
/// what has come due since.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn todays_actions_for_1m_open_invoices(bencher: Bencher) {
    let open = open_invoices();
    let store = store_with(open);
    let plan = wholesale();
    let yesterday: Timestamp = "2026-11-23T21:00:00Z".parse().unwrap();
    let (books, state) = block_on(store.books_and_memory(TENANT)).unwrap();
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let evaluation =
        evaluate(&Context { plan: &plan, calendar: &calendar, books: &books, memory: &state, now: yesterday });
    let fingerprint = plan.fingerprint();
    let decider =
        Decider { strategy: plan.strategy.clone(), plan_version: plan.plan_version, plan_fingerprint: fingerprint };
    let rows = prepare(&plan, &books, &evaluation.decisions, Default::default()).into_iter().map(|p| p.row).collect();
    block_on(store.record_decisions(rows, decider, yesterday)).unwrap();
    drop((books, evaluation));
    let today: Timestamp = "2026-11-24T21:00:00Z".parse().unwrap();
    bencher.counter(ItemsCount::new(open)).bench_local(|| decide(&store, &plan, today));
}
