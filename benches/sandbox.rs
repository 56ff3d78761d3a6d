//! Speed and memory of the sandbox's generator (issue 4: 1,000,000 invoices in under 30 s with
//! bounded memory) and of its busiest endpoint. Run with `cargo bench --bench sandbox`.

use collectiq::sandbox::world::generate::{self, Size};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
    if let Some(peak) = peak_resident_megabytes() {
        println!("peak resident memory of this process: {peak} MB");
    }
}

fn today() -> jiff::Timestamp {
    generate::at("2026-11-25".parse().unwrap(), 12)
}

/// One organisation with a million invoices from 20,000 customers.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn generate_1m_invoices(bencher: Bencher) {
    let size = Size { organisations: 1, contacts: 20_000, invoices: 1_000_000 };
    bencher.counter(ItemsCount::new(size.invoices)).bench(|| generate::organisations(7, size, today()));
}

/// The same million, spread over ten organisations.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn generate_10_organisations_of_100k(bencher: Bencher) {
    let size = Size { organisations: 10, contacts: 2_000, invoices: 100_000 };
    bencher.counter(ItemsCount::new(size.invoices * 10)).bench(|| generate::organisations(7, size, today()));
}

/// A full page of 1,000 invoices rendered to Xero's JSON, from an organisation of 100,000.
#[divan::bench]
fn render_a_page_of_1000_invoices(bencher: Bencher) {
    use collectiq::sandbox::world::query::{self, InvoiceFilter, Paging};
    use collectiq::sandbox::world::render;
    let size = Size { organisations: 1, contacts: 2_000, invoices: 100_000 };
    let mut orgs = generate::organisations(7, size, today());
    let org = &mut orgs[0];
    let paging = Paging { page: Some(40), page_size: Some(1000) };
    bencher.counter(ItemsCount::new(1000usize)).bench_local(|| {
        let (chosen, _) = query::invoices(org, &InvoiceFilter::default(), &paging);
        let items: Vec<_> = chosen.iter().map(|&i| render::invoice(org, i, false)).collect();
        serde_json::to_vec(&collectiq::xero::wire::Invoices { items }).unwrap()
    });
}

/// `VmHWM`: the most memory this process has held.
fn peak_resident_megabytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024)
}
