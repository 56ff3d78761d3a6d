//! The simulator: the same decisions as stepping through every day, over generated
//! organisations and every example strategy; its JSON contract; its HTML page in a real browser.

mod cli;
mod events;
mod naive;

use std::path::{Path, PathBuf};

use collectiq::decide::calendar::Calendar;
use collectiq::decide::memory::Memory;
use collectiq::plan::{Plan, compile_path};
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
    both_over(plan, seed, invoices, from, days, payments, |_| {})
}

fn both_over(
    plan: &Plan,
    seed: u64,
    invoices: usize,
    from: Date,
    days: u32,
    payments: Payments,
    adjust: impl Fn(&mut collectiq::decide::books::Books),
) -> (Report, Report) {
    let mut books = Export::sandbox(seed, invoices, from).books(Path::new("sandbox")).unwrap().books;
    adjust(&mut books);
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let mut scenario = Scenario::new(plan, &calendar, books, Memory::default(), from, days, payments);
    let before = format!("{:?}", scenario.books.customers);
    let happenings = engine::simulate(&mut scenario);
    assert_eq!(format!("{:?}", scenario.books.customers), before, "the simulation put the books back as they were");
    let fast = Report::build(&scenario, happenings);
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

/// Over what runs before remembered (as over a synced store where CollectIQ has been running):
/// the simulation starts from it, and each core lets go of a customer's part once done with them.
#[test]
fn event_driven_and_day_by_day_agree_over_what_runs_before_remembered() {
    let plan = wholesale();
    let (start, from): (Date, Date) = ("2026-10-26".parse().unwrap(), "2026-11-25".parse().unwrap());
    let books = Export::sandbox(5, 400, from).books(Path::new("sandbox")).unwrap().books;
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let mut before = Scenario::new(&plan, &calendar, books.clone(), Memory::default(), start, 30, Payments::None);
    let mut state = Memory::default();
    for happening in engine::simulate(&mut before) {
        state.remember(&happening.decision, before.run_at(happening.date));
    }
    assert!(!state.is_empty(), "the month before remembered something");
    let mut scenario = Scenario::new(&plan, &calendar, books, state, from, 90, Payments::Random { seed: 9 });
    let happenings = engine::simulate(&mut scenario);
    let fast = Report::build(&scenario, happenings);
    let slow = Report::build(&scenario, naive::simulate_naively(&scenario));
    assert!(!fast.actions.is_empty());
    assert!(fast == slow, "{}", first_difference(&fast, &slow));
}

fn wholesale() -> Plan {
    plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/wholesale.strategy"))
}

fn report_over_sandbox(days: u32) -> Report {
    let plan = wholesale();
    let from: Date = "2026-11-25".parse().unwrap();
    let books = Export::sandbox(4, 600, from).books(Path::new("sandbox")).unwrap().books;
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let mut scenario =
        Scenario::new(&plan, &calendar, books, Memory::default(), from, days, Payments::Random { seed: 2 });
    collectiq::simulate::simulate(&mut scenario)
}

#[test]
fn the_json_report_keeps_its_contract() {
    let report = report_over_sandbox(60);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["from"], "2026-11-25");
    assert_eq!(json["days"], 60);
    let actions = json["actions"].as_array().unwrap();
    assert!(actions.len() > 20);
    let kinds = ["email", "statement", "call", "escalation", "stop", "skipped", "superseded"];
    let mut previous = jiff::Timestamp::MIN;
    for action in actions {
        for field in [
            "at",
            "date",
            "kind",
            "rule",
            "segment",
            "contact_id",
            "contact_name",
            "template",
            "invoice_numbers",
            "reason",
        ] {
            assert!(action.get(field).is_some(), "{field} missing from {action}");
        }
        let at: jiff::Timestamp = action["at"].as_str().unwrap().parse().expect("RFC 3339");
        assert!(at >= previous, "actions are sorted by time");
        previous = at;
        assert!(kinds.contains(&action["kind"].as_str().unwrap()), "{}", action["kind"]);
        assert!(!action["reason"].as_str().unwrap().is_empty());
    }
    assert!(actions.iter().any(|a| a["kind"] == "email" && a["template"].is_string()));
    assert_eq!(json["totals"]["actions"], actions.len());
    for field in ["held_by_replies", "replies", "auto_replies", "bounces", "addresses_set_aside"] {
        assert_eq!(json["totals"][field], 0, "{field} in totals, none without events");
    }
    assert_eq!(json["events"], serde_json::json!([]), "events are always listed, here none");
    let aging = json["aging"].as_array().unwrap();
    assert_eq!(aging.len(), 60, "one aging line per day");
    for bucket in ["current", "1-30", "31-60", "61-90", "90+", "total"] {
        assert!(aging[0].get(bucket).is_some(), "{bucket} in aging");
    }
    // With customers paying, less is owed at the end than at the start.
    let total = |day: &serde_json::Value| day["total"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(total(&aging[59]) < total(&aging[0]));
}

#[test]
fn a_saved_xero_export_simulates_as_its_own_numbers_say() {
    let folder = std::env::temp_dir().join(format!("collectiq-sim-export-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let write = |name: &str, json: serde_json::Value| std::fs::write(folder.join(name), json.to_string()).unwrap();
    write(
        "Organisation.json",
        serde_json::json!({"Organisations": [{"OrganisationID": "6a7b5e0c-0000-4000-8000-000000000001", "Name": "Kauri Supplies",
            "BaseCurrency": "NZD", "Timezone": "NEWZEALANDSTANDARDTIME"}]}),
    );
    write(
        "Contacts.json",
        serde_json::json!({"Contacts": [{"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c1", "Name": "Tui Cafe",
            "EmailAddress": "accounts@tui.example", "ContactStatus": "ACTIVE"}]}),
    );
    write(
        "Invoices.json",
        serde_json::json!({"Invoices": [
            {"Type": "ACCREC", "InvoiceID": "6a7b5e0c-0000-4000-8000-0000000000a1", "InvoiceNumber": "INV-0042",
             "Contact": {"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c1", "Name": "Tui Cafe"},
             "Status": "AUTHORISED", "Date": "2026-11-01T00:00:00", "DueDate": "2026-11-20T00:00:00",
             "CurrencyCode": "NZD", "Total": 1150.00, "AmountDue": 1150.00, "AmountPaid": 0, "AmountCredited": 0},
            {"Type": "ACCPAY", "InvoiceID": "6a7b5e0c-0000-4000-8000-0000000000a2", "InvoiceNumber": "BILL-1",
             "Contact": {"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c2", "Name": "A supplier"},
             "Status": "AUTHORISED", "Date": "2026-11-01T00:00:00", "DueDate": "2026-11-10T00:00:00",
             "CurrencyCode": "NZD", "Total": 99.00, "AmountDue": 99.00},
            {"Type": "ACCREC", "InvoiceID": "not-an-id", "InvoiceNumber": "INV-BAD",
             "Contact": {"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c1"}, "Status": "AUTHORISED",
             "Date": "2026-11-01T00:00:00", "DueDate": "2026-11-20T00:00:00", "Total": 5.00, "AmountDue": 5.00}
        ]}),
    );
    let read = Export::read(&folder).unwrap().books(&folder).unwrap();
    assert_eq!(read.left_out.len(), 1, "one unreadable record, left out as a sync would: {:?}", read.left_out);
    assert!(read.left_out[0].starts_with("Invoices.json") && read.left_out[0].contains("not-an-id"));
    let books = read.books;
    assert_eq!(books.organisation.name, "Kauri Supplies");
    assert_eq!(books.organisation.zone.as_deref(), Some("Pacific/Auckland"));
    let open: Vec<&str> = books.customers.iter().flat_map(|c| c.open.iter().map(|i| i.number.as_str())).collect();
    assert_eq!(open, ["INV-0042"], "a supplier's bill is never chased");
    let plan = wholesale();
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let from: Date = "2026-11-21".parse().unwrap();
    let mut scenario = Scenario::new(&plan, &calendar, books, Memory::default(), from, 30, Payments::None);
    let report = collectiq::simulate::simulate(&mut scenario);
    let emails: Vec<(String, &str)> =
        report.actions.iter().filter(|a| a.kind == "email").map(|a| (a.date.to_string(), a.rule.as_str())).collect();
    assert!(!emails.is_empty(), "the overdue invoice is chased: {:?}", report.actions);
    assert!(report.actions.iter().all(|a| a.invoice_numbers == ["INV-0042"] && a.contact_name == "Tui Cafe"));
    // A broken file names itself and what is wrong.
    std::fs::write(folder.join("Contacts.json"), "{\"Contacts\": [ not json").unwrap();
    let error = Export::read(&folder).err().unwrap().to_string();
    assert!(error.contains("Contacts.json") && error.contains("not a Xero"), "{error}");
    std::fs::remove_file(folder.join("Invoices.json")).unwrap();
    std::fs::write(folder.join("Contacts.json"), "{\"Contacts\": []}").unwrap();
    let error = Export::read(&folder).err().unwrap().to_string();
    assert!(error.contains("Invoices.json"), "{error}");
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn the_html_report_renders_offline_in_a_real_browser() {
    let report = report_over_sandbox(90);
    let page = collectiq::simulate::html::render(&report);
    let addresses = page.matches("http://").count() + page.matches("https://").count();
    let namespaces = page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(addresses, namespaces, "no address in the page but the charts' SVG namespace");
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("<link"), "self-contained");
    assert_eq!(page.matches("<svg").count(), 2, "two charts");
    let folder = std::env::temp_dir().join(format!("collectiq-sim-html-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let html = folder.join("report.html");
    let png = folder.join("report.png");
    std::fs::write(&html, &page).unwrap();
    let chromium = std::env::var("COLLECTIQ_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let output = std::process::Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1400"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot start {chromium} (.ci/run installs Debian's chromium): {e}"));
    assert!(png.exists(), "no screenshot: {}", String::from_utf8_lossy(&output.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // A blank page compresses to almost nothing; charts and a table do not.
    assert!(bytes.len() > 40_000, "the screenshot is nearly empty ({} bytes)", bytes.len());
    let _ = std::fs::remove_dir_all(&folder);
}

/// Conditions whose days are hardest to foresee: ages in months, billing windows in business
/// days, and a "don't contact" guard that can turn on while emails wait for Monday.
const EDGES: &str = r#"Strategy "Edges".

Settings:
  Use the "Pacific/Auckland" time zone.
  Send only on business days between 9am and 5pm.
  Never email a customer more than once every 3 days.
  Catch up on missed reminders for up to 4 business days.

Segments:
  "New" customers are customers whose first invoice was less than 1 month ago.
  "Busy" customers are customers billed more than $5,000 in the last 10 business days.
  "Old" customers are customers whose first invoice was more than 14 months ago.
  "Rest" customers are all other customers.

For every customer:
  Don't contact customers with 2 or more overdue invoices.
  On the due date, send the "due-today" email.

For "New" customers:
  1 day after the due date, send the "friendly-reminder" email.

For "Busy" customers:
  2 days after the due date, create a call task for "Sam".

For "Old" customers:
  Every 5 days from 3 to 40 days overdue, send the "firm-reminder" email.

For "Rest" customers:
  Every Monday, send the "statement" email.
  3 days after the due date, send the "friendly-reminder" email.
"#;

#[test]
fn event_driven_and_day_by_day_agree_on_ages_windows_and_guards_that_change_while_emails_wait() {
    let folder = std::env::temp_dir().join(format!("collectiq-sim-edges-{}", std::process::id()));
    std::fs::create_dir_all(folder.join("templates")).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/templates");
    for name in ["due-today", "friendly-reminder", "firm-reminder", "statement"] {
        let file = format!("{name}.email");
        std::fs::copy(examples.join(&file), folder.join("templates").join(&file)).unwrap();
    }
    std::fs::write(folder.join("edges.strategy"), EDGES).unwrap();
    let plan = plan(&folder.join("edges.strategy"));
    let from: Date = "2026-11-27".parse().unwrap();
    let mut compared = 0;
    for (seed, payments) in
        [(2, Payments::Random { seed: 8 }), (5, Payments::History), (9, Payments::Random { seed: 1 })]
    {
        // Customers of every age: some become a month old, or fourteen months old, on the way.
        let ages = |books: &mut collectiq::decide::books::Books| {
            for (n, customer) in books.customers.iter_mut().enumerate() {
                let age = jiff::ToSpan::days((n as i64 * 37) % 520 - 60);
                customer.history.first_invoice = from.checked_sub(age).ok();
            }
        };
        let (fast, slow) = both_over(&plan, seed, 500, from, 150, payments, ages);
        assert!(fast == slow, "seed {seed}, {payments:?}: {}", first_difference(&fast, &slow));
        compared += fast.actions.len();
        let segments: std::collections::BTreeSet<_> = fast.actions.iter().filter_map(|a| a.segment.clone()).collect();
        assert!(segments.len() >= 3, "customers move between segments: {segments:?}");
    }
    assert!(compared > 500, "only {compared} actions compared");
    let _ = std::fs::remove_dir_all(&folder);
}

/// With replies, auto-replies and bounces listed for some customers and replies drawn after
/// emails, and promises, disputes and claims of payment from the customer page for others (and
/// some of the same), under strategies that pause on replies in each way, call after bounces,
/// answer broken promises and pause on claims of payment for their own time or the default.
#[test]
fn event_driven_and_day_by_day_agree_with_replies_bounces_and_the_customer_page() {
    use collectiq::simulate::events::{DrawnReplies, Event, Events, What};
    let from: Date = "2026-11-25".parse().unwrap();
    let mut compared = 0;
    let mut held = 0;
    let mut held_by_claims = 0;
    for name in ["construction", "saas", "group", "agency", "wholesale"] {
        let plan = plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("strategies/{name}.strategy")));
        let books = Export::sandbox(6, 400, from).books(Path::new("sandbox")).unwrap().books;
        let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
        let mut listed = Vec::new();
        for place in 0..books.customers.len() as u32 {
            let day = |n: u32| from.checked_add(jiff::ToSpan::days(i64::from((place * 7 + n) % 90))).unwrap();
            let what = match place % 6 {
                0 => What::Reply { handled_on: Some(day(12)) },
                1 => What::Reply { handled_on: None },
                2 => What::AutoReply,
                3 => What::Bounce { address: None, permanent: true },
                4 => What::Bounce { address: None, permanent: false },
                _ => continue,
            };
            listed.push(Event { day: day(0), customer: place, what: what.clone(), drawn: false });
            if place % 6 == 4 {
                // Two more temporary failures, within a week for every other customer.
                let gap = if place % 12 == 4 { 2 } else { 5 };
                listed.push(Event { day: day(gap), customer: place, what: what.clone(), drawn: false });
                listed.push(Event { day: day(gap * 2), customer: place, what, drawn: false });
            }
        }
        for (place, customer) in books.customers.iter().enumerate().filter(|(place, _)| place % 2 == 1) {
            let (Some(first), Some(last)) = (customer.open.first(), customer.open.last()) else { continue };
            let place = place as u32;
            let on = |n: u32| from.checked_add(jiff::ToSpan::days(i64::from((place * 7) % 60 + n))).unwrap();
            let page = [
                (1, What::Promise { invoice: first.invoice_id, promised_on: on(4 + place % 9) }),
                (6, What::PaidClaim { invoice: last.invoice_id }),
                (9, What::Dispute { invoice: first.invoice_id, resolved_on: (place % 8 == 1).then(|| on(30)) }),
                // A second claim of the same invoice: the pause counts from the later one.
                (11, What::PaidClaim { invoice: last.invoice_id }),
                (20, What::Promise { invoice: last.invoice_id, promised_on: on(24) }),
                (27, What::PaidClaim { invoice: first.invoice_id }),
                (45, What::PaidClaim { invoice: last.invoice_id }),
            ];
            for (n, what) in page {
                listed.push(Event { day: on(n), customer: place, what, drawn: false });
            }
        }
        // Claims of payment remembered from the day before, some on invoices the page changes
        // again: each core lets go of a customer's part in turn rather than clear everything.
        let mut remembered = Memory::default();
        for customer in books.customers.iter().step_by(5) {
            if let Some(invoice) = customer.open.first() {
                remembered.paid_claims.insert(invoice.invoice_id, calendar.opens(from.yesterday().unwrap()));
            }
        }
        let mut scenario = Scenario::new(&plan, &calendar, books, remembered, from, 120, Payments::Random { seed: 4 });
        let replies = DrawnReplies { rate: 0.2, seed: 11, handled_after: 2 };
        scenario.events = Events::new(listed, Some(replies));
        let before = format!("{:?}", scenario.books.customers);
        let mut happenings = engine::simulate(&mut scenario);
        assert_eq!(format!("{:?}", scenario.books.customers), before, "the books are put back, bounces and all");
        let events = std::mem::take(&mut happenings.events);
        let fast = Report::build_with(&scenario, happenings, events);
        let (decisions, events) = naive::simulate_naively_with_events(&scenario);
        let slow = Report::build_with(&scenario, decisions, events);
        assert!(fast == slow, "{name}: {}", first_difference(&fast, &slow));
        assert_eq!(fast.events, slow.events, "{name}");
        assert!(fast.totals.replies > 0 && fast.totals.bounces > 0 && fast.totals.addresses_set_aside > 0, "{name}");
        assert!(fast.totals.promises > 0 && fast.totals.disputes > 0 && fast.totals.paid_claims > 0, "{name}");
        compared += fast.actions.len();
        held += fast.totals.held_by_replies;
        held_by_claims += fast.totals.held_by_paid_claims;
    }
    assert!(compared > 1_000 && held > 50, "{compared} actions compared, {held} held back by replies");
    assert!(held_by_claims > 20, "{held_by_claims} held back by claims of payment");
}

#[test]
fn a_strategy_that_claims_shows_its_claims_in_the_simulation() {
    let plan = plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/engineering.strategy"));
    let from: Date = "2026-11-25".parse().unwrap();
    let books = Export::sandbox(40, 600, from).books(Path::new("sandbox")).unwrap().books;
    let calendar = Calendar::new(&plan.settings, books.organisation.zone.as_deref()).unwrap();
    let mut scenario = Scenario::new(&plan, &calendar, books, Memory::default(), from, 30, Payments::None);
    let report = collectiq::simulate::simulate(&mut scenario);
    let claimed: Vec<_> = report.actions.iter().filter(|a| !a.claims.is_empty()).collect();
    assert!(!claimed.is_empty(), "overdue sterling invoices are claimed on");
    for action in &claimed {
        assert!(action.kind == "email" || action.kind == "statement");
        for claim in &action.claims {
            // The UK Act applies to sterling only; its compensation is £40, £70 or £100 an invoice.
            assert_eq!(claim.currency, "GBP");
            assert_eq!(claim.total, claim.interest + claim.compensation);
            assert!(claim.compensation >= rust_decimal::Decimal::new(40, 0));
        }
    }
    let text = collectiq::simulate::text::render(&report);
    assert!(text.contains(", claim GBP "), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["actions"].as_array().unwrap().iter().any(|a| a["claims"][0]["currency"] == "GBP"));
}
