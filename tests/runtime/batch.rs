//! The morning batch under Xero's limits (issue 18): what a batch costs Xero per email, that no
//! organisation is ever sent more than its limit in any window (by the sandbox's own count of
//! every call it received), that one organisation's outage holds up no other, that a day's
//! budget is shared by every run and notes past it wait rather than fail, and that an email whose
//! invoice changed before it went is composed again.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use collectiq::sandbox::calls::CallSummary;
use collectiq::sandbox::{Faults, Limits};
use serde_json::Value;

use crate::support::*;

/// Emails that show online-invoice links, for every overdue invoice and every one due soon: a
/// batch of a few hundred emails from a fresh database.
const LINKED_BATCH: &str = r#"Strategy "Linked batch".

Settings:
  Send emails from "accounts@collectiq.example" as "Accounts".
  Use the "UTC" time zone.
  Send on any day between 12am and 11:59pm.
  Catch up on missed reminders for up to 25 business days.

For every customer:
  30 days before the due date, send the "saas-renewal-upcoming" email.
  Every 7 days from 1 to 600 days overdue, send the "saas-overdue" email.
"#;

const AT: &str = "2026-11-25T10:00:00Z";

/// Xero's limits, on a window of `window` seconds instead of a minute.
fn xero_limits(window: u64, per_day: u32) -> Limits {
    Limits { per_minute: 60, per_day, concurrent: 5, app_per_minute: 10_000, window_ms: window * 1000 }
}

/// CollectIQ told the same limits, and nothing else.
fn configure(world: &World, window: u64, per_day: u32) {
    let toml =
        format!("[xero.limits]\nper_minute = 60\nper_day = {per_day}\nconcurrent = 5\nwindow_seconds = {window}\n");
    std::fs::write(&world.config_file, toml).unwrap();
}

fn calls(world: &World) -> CallSummary {
    let window = world.sandbox().state().limiter.limits().window();
    world.sandbox().state().calls.lock().unwrap().summary(window)
}

fn spent(summary: &CallSummary, kinds: &[&str]) -> usize {
    summary.organisations.iter().flat_map(|o| o.by_kind.iter()).filter(|(k, _)| kinds.contains(k)).map(|(_, n)| n).sum()
}

const NOTES: &[&str] =
    &["PUT Invoices/History", "PUT Contacts/History", "GET Invoices/History", "GET Contacts/History"];
const LINKS: &[&str] = &["GET OnlineInvoice"];

fn delivered(report: &Value, field: &str) -> u64 {
    report["delivered"][field].as_u64().unwrap()
}

#[test]
fn a_batch_stays_inside_every_window_and_costs_a_tenth_of_a_call_per_email() {
    let mut config = sandbox_config(181, 2, 60, 1_000);
    config.limits = xero_limits(2, 5_000);
    let world = World::start("batch-limits", config);
    configure(&world, 2, 5_000);
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let faults = |spec: &str| world.sandbox().state().faults.lock().unwrap().faults = spec.parse::<Faults>().unwrap();
    faults("429:0.05,500:0.03,reset:0.02");
    let before = calls(&world);

    let strategy = strategy_file(&world.folder, "linked.strategy", LINKED_BATCH);
    let report = world.run(&strategy, AT, &[]);
    let emails = delivered(&report, "emails_sent") as usize;
    assert!(emails >= 150, "a batch of some size: {report}");
    assert_eq!(delivered(&report, "emails_failed"), 0, "{report}");
    let after = calls(&world);

    // Every call the sandbox received, faulted or refused, fits the limit in every window.
    for org in &after.organisations {
        assert!(
            org.busiest_window <= 60,
            "{} got {} calls in one 2 s window: {org:?}",
            org.tenant_id,
            org.busiest_window
        );
    }
    // Besides the notes and each invoice's first link, the batch costs its syncs: a tenth of a call an email.
    let total = |s: &CallSummary| s.organisations.iter().map(|o| o.calls).sum::<usize>();
    let besides = (total(&after) - total(&before))
        - (spent(&after, NOTES) - spent(&before, NOTES))
        - (spent(&after, LINKS) - spent(&before, LINKS));
    assert!(besides * 10 <= emails, "{besides} calls besides notes and links for {emails} emails");
    // Each link asked for until it came whole (an answer cut off by a reset is asked again), and kept.
    let stats = world.sandbox_stats();
    let answered_links = stats["calls"]["GET OnlineInvoice"].as_u64().unwrap_or(0);
    let resets = stats["faults"]["reset"].as_u64().unwrap_or(0);
    let kept = world.count("SELECT COUNT(*) FROM online_links");
    assert!(kept > 0, "the emails show links");
    assert!(answered_links >= kept && answered_links <= kept + resets, "{answered_links} links answered, {kept} kept");

    // Each email arrived once; no note was written twice, and none failed for good (a write
    // whose answer was lost waits to be looked for in Xero's History first).
    assert_each_once(&world);
    assert_once_each(&world.notes_in_xero());
    assert_eq!(world.count("SELECT COUNT(*) FROM notes WHERE status = 'failed'"), 0);

    // The next morning's batch asks Xero for no link it has had before.
    faults("");
    let links_before = world.sandbox_stats()["calls"]["GET OnlineInvoice"].as_u64().unwrap_or(0);
    let again = world.run(&strategy, "2026-11-26T10:00:00Z", &[]);
    // Only links never had before: for today's new emails, and ahead for the next days'.
    let linked_again: u64 = again["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["links"]["fetched"].as_u64().unwrap() + o["links_ahead"].as_u64().unwrap())
        .sum();
    let links_after = world.sandbox_stats()["calls"]["GET OnlineInvoice"].as_u64().unwrap_or(0);
    assert_eq!(links_after - links_before, linked_again, "{again}");
    let kept_after = world.count("SELECT COUNT(*) FROM online_links");
    assert_eq!(kept_after - kept, linked_again, "each new link fetched once");
    // By then every note, those whose answer was lost included, is in Xero exactly once.
    let notes = world.notes_in_xero();
    assert_once_each(&notes);
    assert_eq!(world.count("SELECT COUNT(*) FROM notes WHERE status != 'done'"), 0);
    assert_eq!(world.count("SELECT COUNT(*) FROM notes") as usize, notes.len());
}

fn assert_once_each(notes: &[(uuid::Uuid, String)]) {
    let mut seen = BTreeSet::new();
    let twice: Vec<&(uuid::Uuid, String)> = notes.iter().filter(|note| !seen.insert(*note)).collect();
    assert!(twice.is_empty(), "written twice: {twice:?}");
}

#[test]
fn an_organisation_in_an_outage_holds_up_no_other() {
    let world = World::start("batch-outage", sandbox_config(182, 3, 40, 500));
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let tenants = world.sandbox().state().tenants();
    let down = tenants[0];
    // Every call to the first organisation is refused with a 429 for far longer than the test.
    let outage = Faults { too_many_requests: 1.0, ..Faults::default() };
    let until = std::time::Instant::now() + Duration::from_secs(3600);
    world.sandbox().state().faults.lock().unwrap().per_organisation.insert(down, (outage, Some(until)));

    let strategy = strategy_file(&world.folder, "linked.strategy", LINKED_BATCH);
    let strategy = strategy.to_str().unwrap();
    let mut run = world
        .command(&["run", "--strategy", strategy, "--at", AT, "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The others' batches are decided and delivered while the first's calls are refused.
    let others = |sql: &str| {
        let db = world.db();
        db.query_row(sql, [down.to_string()], |row| row.get::<_, i64>(0)).unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let sent = others("SELECT COUNT(*) FROM actions WHERE tenant_id != ?1 AND status = 'sent'");
        let open = others(
            "SELECT COUNT(*) FROM actions WHERE tenant_id != ?1 AND action_kind = 'email' AND status IN ('waiting', 'claimed', 'handed')",
        );
        let decided = others("SELECT COUNT(DISTINCT tenant_id) FROM actions WHERE tenant_id != ?1");
        if decided == 2 && sent > 0 && open == 0 {
            break;
        }
        assert!(run.try_wait().unwrap().is_none(), "the run ended before the others were delivered");
        assert!(Instant::now() < deadline, "the others' emails were not delivered while the first was down");
        std::thread::sleep(Duration::from_millis(200));
    }
    world.smtp.settle();
    let by_org = |tenant: uuid::Uuid| -> usize {
        let db = world.db();
        let mut statement =
            db.prepare("SELECT message_id FROM actions WHERE tenant_id = ?1 AND status = 'sent'").unwrap();
        statement.query_map([tenant.to_string()], |r| r.get::<_, String>(0)).unwrap().count()
    };
    assert_eq!(by_org(down), 0, "nothing of the organisation Xero refuses went on old data");
    assert!(by_org(tenants[1]) > 0 && by_org(tenants[2]) > 0);
    assert_eq!(world.smtp.received().len(), by_org(tenants[1]) + by_org(tenants[2]));

    // The run is still waiting on the first organisation: stopped hard, its work is all in the
    // outbox or not yet decided, and the next run, with Xero back, finishes it, each email once.
    run.kill().unwrap();
    run.wait().unwrap();
    world.sandbox().state().faults.lock().unwrap().per_organisation.clear();
    let report = world.run(std::path::Path::new(strategy), AT, &[]);
    assert!(by_org(down) > 0, "{report}");
    assert_each_once(&world);
}

#[test]
fn a_days_budget_is_shared_by_every_run_and_notes_past_it_wait_for_tomorrow() {
    // A day of 80 calls: the syncs and the links come first; notes leave a tenth of the day to
    // syncs and are put back, not failed, when the rest is spent.
    let mut config = sandbox_config(183, 1, 40, 600);
    config.limits = xero_limits(2, 80);
    let world = World::start("batch-day", config);
    configure(&world, 2, 80);
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let strategy = strategy_file(&world.folder, "linked.strategy", LINKED_BATCH);
    let report = world.run(&strategy, AT, &[]);
    assert!(delivered(&report, "emails_sent") > 0, "{report}");
    assert!(delivered(&report, "notes_deferred") > 0, "more notes than the day allows: {report}");
    assert_eq!(delivered(&report, "notes_failed"), 0, "{report}");
    let warnings = report["organisations"][0]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("Xero allows 80 a day")),
        "the run says the day's notes do not fit: {report}"
    );
    let waiting = world.count("SELECT COUNT(*) FROM notes WHERE status = 'pending'");
    assert!(waiting > 0);
    assert_eq!(world.count("SELECT COUNT(*) FROM notes WHERE status = 'failed'"), 0);

    // `orgs` shows the day's calls and the notes waiting, from the store.
    let orgs = world.collectiq(&["orgs", "--format", "json"]);
    let orgs: Value = serde_json::from_slice(&orgs.stdout).unwrap();
    let spent = orgs[0]["calls_today"].as_u64().unwrap();
    assert!(spent >= 60, "{orgs}");
    assert_eq!(orgs[0]["notes_waiting"].as_u64().unwrap(), waiting);

    // A second run the same day (a new process, as from cron) knows the day is spent: it writes
    // no note, and Xero never receives more than its day.
    let later = world.run(&strategy, "2026-11-25T12:00:00Z", &["--no-sync"]);
    assert_eq!(delivered(&later, "notes_written"), 0, "{later}");
    let received: usize = calls(&world).organisations.iter().map(|o| o.calls).sum();
    assert!(received <= 80, "Xero received {received} calls in a day of 80");
    assert_eq!(world.sandbox_stats()["rate_limited"], 0, "no call ran into Xero's day limit");
}

#[test]
fn an_email_whose_invoice_changed_is_composed_again_under_its_message_id_or_cancelled_when_no_longer_due() {
    let world = World::start("batch-changed", sandbox_config(184, 1, 30, 300));
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let strategy = strategy_file(&world.folder, "linked.strategy", LINKED_BATCH);
    world.run_with_mail_down(&strategy, AT);
    // A waiting email about one invoice, composed when decided.
    let (tenant, invoices, message_id, kept): (String, String, String, String) = world
        .db()
        .query_row(
            "SELECT tenant_id, invoices, message_id, email FROM actions
              WHERE status = 'waiting' AND action_kind = 'email' AND subject_kind = 'invoice' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let invoice = serde_json::from_str::<Vec<String>>(&invoices).unwrap()[0].clone();
    // Another waiting email's invoice has its due date moved three months on in Xero.
    let (moved, moved_invoices): (i64, String) = world
        .db()
        .query_row(
            "SELECT id, invoices FROM actions WHERE status = 'waiting' AND action_kind = 'email'
              AND subject_kind = 'invoice' AND invoices != ?1 LIMIT 1",
            [&invoices],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let moved_invoice: uuid::Uuid = serde_json::from_str::<Vec<uuid::Uuid>>(&moved_invoices).unwrap()[0];
    {
        let state = world.sandbox().state();
        let now = state.clock.now();
        let mut orgs = state.world.lock().unwrap();
        let record = orgs.iter_mut().flat_map(|org| org.invoices.iter_mut()).find(|i| i.id == moved_invoice).unwrap();
        record.due = "2027-02-23".parse().unwrap();
        record.updated = now;
    }
    // The customer pays part of it in Xero before the email goes.
    let paid = world.admin(&format!("/sandbox/pay?invoice={invoice}&tenant={tenant}&amount=1.00"));
    let still_due: rust_decimal::Decimal = paid["amount_due"].as_str().unwrap().parse().unwrap();
    let shown = collectiq::ledger::money::group_thousands(still_due);

    let report = world.run(&strategy, "2026-11-25T11:00:00Z", &[]);
    assert!(delivered(&report, "emails_decided_again") >= 1, "{report}");
    let received: BTreeMap<String, Received> =
        world.smtp.received().into_iter().map(|m| (m.message_id.trim_matches(['<', '>']).to_string(), m)).collect();
    let email = &received[message_id.trim_matches(['<', '>'])];
    let old: Value = serde_json::from_str(&kept).unwrap();
    assert!(!old["text"].as_str().unwrap().contains(&shown), "composed before the payment: {}", old["text"]);
    assert!(
        email.raw.replace("=\r\n", "").contains(&shown),
        "the email shows what is owed now ({shown}), not what was owed when decided:\n{}",
        email.raw
    );
    // The one whose due date moved is not due under its rule any more: cancelled, with why.
    let (status, why): (String, String) = world
        .db()
        .query_row("SELECT status, last_error FROM actions WHERE id = ?1", [moved], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(status, "cancelled", "{why}");
    assert!(why.contains("now due 2027-02-23") && why.contains("not due under its rule"), "{why}");
    assert_each_once(&world);
}

#[test]
fn an_email_whose_link_xero_will_not_give_goes_without_it_and_says_how_to_pay() {
    let world = World::start("batch-no-link", sandbox_config(185, 1, 30, 300));
    // No patience: a link that fails is not asked for again.
    world.configure("[runtime]\npatience_minutes = 0\n");
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let tenant = world.sandbox().state().tenants()[0];
    let down = Faults { server_error: 1.0, ..Faults::default() };
    world.sandbox().state().faults.lock().unwrap().per_organisation.insert(tenant, (down, None));

    let strategy = strategy_file(&world.folder, "linked.strategy", LINKED_BATCH);
    let report = world.run(&strategy, AT, &["--no-sync"]);
    let sent = delivered(&report, "emails_sent");
    assert!(sent > 0, "{report}");
    assert_eq!(report["organisations"][0]["links"]["fetched"], 0, "{report}");
    assert!(report["organisations"][0]["links"]["missing"].as_u64().unwrap() > 0, "{report}");
    for email in world.smtp.received() {
        let body = email.raw.replace("=\r\n", "");
        assert!(body.contains("reply to this email and we will send our payment details"), "{body}");
        assert!(!body.contains("/online-invoice/"), "no link, and no broken one: {body}");
    }
    assert_each_once(&world);
}
