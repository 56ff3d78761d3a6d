//! `collectiq run` end to end: what reaches the SMTP server and Xero, and what does not.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;

use collectiq::sandbox::world::InvoiceKind;
use jiff::{Timestamp, ToSpan};
use serde_json::Value;

use crate::EVERY_OVERDUE_INVOICE;
use crate::support::*;

fn instants(first: &str, days: i64) -> Vec<String> {
    let first: Timestamp = first.parse().unwrap();
    (0..days).map(|day| first.checked_add((24 * day).hours()).unwrap().to_string()).collect()
}

fn delivered(report: &Value, field: &str) -> u64 {
    report["delivered"][field].as_u64().unwrap()
}

#[test]
fn a_week_of_runs_sends_each_email_once_and_logs_it_to_xero() {
    let world = World::start("week", sandbox_config(61, 2, 30, 300));
    let strategy = examples().join("wholesale.strategy");
    let mut sent = 0;
    // Wednesday to Tuesday in Auckland, each morning; the sandbox's customers pay as days pass.
    for at in instants("2026-11-24T21:00:00Z", 7) {
        let report = world.run(&strategy, &at, &[]);
        assert!(report["sync_errors"].as_array().unwrap().is_empty(), "{report}");
        sent += delivered(&report, "emails_sent");
        assert_eq!(delivered(&report, "emails_failed"), 0, "{report}");
        assert_each_once(&world);
        world.admin("/sandbox/advance?days=1");
    }
    assert!(sent > 5, "a week of a wholesale strategy sends emails ({sent})");
    assert_eq!(world.smtp.received().len() as u64, sent);

    // Running the last morning again decides nothing new and sends nothing.
    let again = world.run(&strategy, &instants("2026-11-24T21:00:00Z", 7)[6], &[]);
    assert_eq!(delivered(&again, "emails_sent"), 0, "{again}");
    assert_eq!(world.smtp.received().len() as u64, sent);

    // Every message went to the customer's addresses, from the strategy's sender, with the
    // Message-ID the outbox recorded.
    let db = world.db();
    for message in world.smtp.received() {
        let email: String = db
            .query_row("SELECT email FROM actions WHERE email LIKE ?1", [format!("%{}%", message.message_id)], |r| {
                r.get(0)
            })
            .unwrap();
        let email: Value = serde_json::from_str(&email).unwrap();
        let to: BTreeSet<String> = email["to"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().into()).collect();
        let cc: BTreeSet<String> = email["cc"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().into()).collect();
        let envelope: BTreeSet<String> = message.recipients.iter().cloned().collect();
        assert_eq!(envelope, to.union(&cc).cloned().collect(), "{}", message.raw);
        assert!(message.headers["from"][0].contains("accounts@harbourwholesale.example"), "{}", message.raw);
    }

    // Every email, call and escalation done is written to Xero: on each invoice and on the contact.
    let notes = world.notes_in_xero();
    assert_eq!(notes.len() as u64, world.count("SELECT COUNT(*) FROM notes WHERE status = 'done'"));
    assert_eq!(0, world.count("SELECT COUNT(*) FROM notes WHERE status = 'pending'"));
    assert!(!notes.is_empty());
    for (_, text) in &notes {
        // The invoice numbers first, what was done, and always the reference; the signature
        // (rule, strategy, plan) when there is room, which on this ledger there always is.
        assert!(text.chars().count() <= 250, "{text}");
        assert!(text.starts_with("INV-") || text.starts_with("Account: "), "{text}");
        assert!(text.contains(": CollectIQ "), "{text}");
        let reference = text.rsplit_once(" ref ").map(|(_, r)| r).unwrap_or_default();
        assert!(reference.len() == 6 && reference.chars().all(|c| c.is_ascii_hexdigit()), "{text}");
        assert!(text.contains("plan v"), "{text}");
    }
    let emailed = world.count(
        "SELECT COUNT(*) FROM notes JOIN actions ON actions.key = notes.action_key
         WHERE actions.action_kind IN ('email', 'statement') AND notes.subject_kind = 'contact'",
    );
    assert_eq!(emailed, sent, "one contact note for each email sent");
    // Only history notes were written; nothing else in Xero was touched.
    let stats = world.sandbox_stats();
    assert!(stats["refused_writes"].as_array().unwrap().is_empty(), "{stats}");
    for (call, _) in stats["calls"].as_object().unwrap() {
        assert!(call.starts_with("GET ") || call.contains("History"), "{call}");
    }
}

#[test]
fn a_dry_run_changes_nothing_anywhere() {
    let world = World::start("dry", sandbox_config(62, 1, 30, 300));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let calls_before = world.sandbox_stats()["calls"].clone();
    let synced_at = world.count("SELECT COUNT(*) FROM organisations WHERE last_sync_at IS NOT NULL");

    let report = world.run(&strategy, "2026-11-25T10:00:00Z", &["--dry-run"]);
    let org = &report["organisations"][0];
    assert!(org["acted"].as_u64().unwrap() > 0, "the dry run shows what would be done: {report}");
    assert!(org["lines"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().starts_with("do: ")));

    for table in ["actions", "tasks", "notes"] {
        assert_eq!(world.count(&format!("SELECT COUNT(*) FROM {table}")), 0, "{table}");
    }
    assert_eq!(world.count("SELECT COUNT(*) FROM organisations WHERE last_sync_at IS NOT NULL"), synced_at);
    assert!(world.smtp.received().is_empty());
    assert!(world.notes_in_xero().is_empty());
    assert_eq!(world.sandbox_stats()["calls"], calls_before, "a dry run does not even sync");

    // The same decisions, for real.
    let real = world.run(&strategy, "2026-11-25T10:00:00Z", &[]);
    assert_eq!(real["organisations"][0]["acted"], org["acted"]);
    assert!(delivered(&real, "emails_sent") > 0);
}

#[test]
fn an_invoice_paid_after_the_last_sync_is_dropped_not_chased() {
    let world = World::start("fresh", sandbox_config(63, 1, 30, 300));
    // Always fetch again before sending, however recent the sync.
    world.configure("[runtime]\nfreshness_minutes = 0\n");
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let at = "2026-11-25T10:00:00Z";
    let sync = world.collectiq(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));

    let dry = world.run(&strategy, at, &["--dry-run"]);
    let tenant = dry["organisations"][0]["tenant_id"].as_str().unwrap().to_string();
    let reminder = dry["organisations"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .find(|l| l.starts_with("do: ") && l.contains("\"friendly-reminder\""))
        .expect("a friendly reminder is due")
        .to_string();
    let number = reminder.split_whitespace().last().unwrap().trim_end_matches(',');
    assert!(number.starts_with("INV-"), "{reminder}");
    // Paid in Xero after the sync: the store still shows it open when the run decides.
    let paid = world.admin(&format!("/sandbox/pay?invoice={number}&tenant={tenant}"));
    assert_eq!(paid["amount_due"], "0.00", "{paid}");
    let invoice_id = paid["invoice_id"].as_str().unwrap().to_string();

    // Synced an hour before the run: with freshness_minutes = 0, that is stale at the run's instant.
    synced_at(&world, "2026-11-25T09:00:00Z");
    let report = world.run(&strategy, at, &["--no-sync"]);
    assert!(delivered(&report, "emails_cancelled") >= 1, "{report}");
    let (status, reason): (String, String) = world
        .db()
        .query_row(
            "SELECT status, last_error FROM actions WHERE subject_id = ?1 AND action_kind = 'email'",
            [&invoice_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "cancelled");
    assert!(reason.contains("paid"), "{reason}");
    assert!(world.smtp.received().iter().all(|m| !m.raw.contains(number)), "{number} was chased after it was paid");
    // Xero is not told of an email that never went.
    assert!(world.notes_in_xero().iter().all(|(subject, _)| subject.to_string() != invoice_id));
    assert_each_once(&world);
}

#[test]
fn runs_started_together_send_nothing_twice() {
    let world = World::start("together", sandbox_config(64, 2, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let strategy = strategy.to_str().unwrap();
    let args = ["run", "--strategy", strategy, "--at", "2026-11-25T10:00:00Z"];
    let runs: Vec<_> =
        (0..4).map(|_| world.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let outputs: Vec<_> = runs.into_iter().map(|run| run.wait_with_output().unwrap()).collect();
    let succeeded = outputs.iter().filter(|o| o.status.success()).count();
    assert!(succeeded >= 1);
    for output in outputs.iter().filter(|o| !o.status.success()) {
        assert!(text(output).contains("another CollectIQ run (or autopilot) is working on"), "{}", text(output));
    }
    // Whatever the interleaving, one more run finishes the work, and every email went once.
    let last = world.collectiq(&args);
    assert!(last.status.success(), "{}", text(&last));
    let counts = assert_each_once(&world);
    assert!(counts.len() > 20, "plenty of emails were in flight ({})", counts.len());
    assert_eq!(0, world.count("SELECT COUNT(*) FROM actions WHERE status IN ('waiting', 'claimed', 'handed')"));
}

#[test]
fn customers_without_an_address_get_a_call_instead() {
    let world = World::start("no-address", sandbox_config(65, 1, 30, 300));
    // A customer with an invoice a few weeks overdue loses every address before the first sync.
    let name = {
        let mut orgs = world.sandbox().state().world.lock().unwrap();
        let org = &mut orgs[0];
        let (from, to) = ("2026-10-15".parse().unwrap(), "2026-11-20".parse().unwrap());
        let overdue = org
            .invoices
            .iter()
            .find(|i| {
                i.kind == InvoiceKind::Receivable
                    && i.visible
                    && i.state.as_xero() == "AUTHORISED"
                    && i.due_amount() > 0
                    && i.due >= from
                    && i.due <= to
            })
            .expect("an invoice a few weeks overdue");
        let contact = &mut org.contacts[overdue.contact as usize];
        contact.email = None;
        contact.persons.iter_mut().for_each(|p| p.include_in_emails = false);
        contact.name.clone()
    };
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    world.run(&strategy, "2026-11-25T10:00:00Z", &[]);
    assert!(world.smtp.received().iter().all(|m| !m.raw.contains(&name)), "{name} has no address to email");
    let skipped =
        world.count("SELECT COUNT(*) FROM actions WHERE outcome = 'skipped' AND reason LIKE '%no email address%'");
    assert!(skipped > 0, "the sandbox has customers without an address");
    let calls = world.count("SELECT COUNT(*) FROM actions WHERE key LIKE '%/call-instead/%' AND status = 'done'");
    assert!(calls > 0);
    assert!(world.count("SELECT COUNT(*) FROM tasks WHERE kind = 'call' AND summary LIKE 'Call %'") >= calls);
    let tasks = world.collectiq(&["tasks"]);
    assert!(text(&tasks).contains("call for Dana"), "{}", text(&tasks));
}

#[test]
fn retries_wait_for_the_window_check_payment_again_and_leave_other_organisations_alone() {
    let world = World::start("retries", sandbox_config(68, 2, 30, 600));
    world.configure("[runtime]\nfreshness_minutes = 0\n");
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let strategy = strategy.to_str().unwrap();
    let closed_port = closed_smtp_url();
    let run = |at: &str, smtp: &str, extra: &[&str]| {
        let mut args = vec!["run", "--strategy", strategy, "--at", at, "--format", "json"];
        args.extend_from_slice(extra);
        let output = world.command(&args).env("COLLECTIQ_SMTP_URL", smtp).output().unwrap();
        serde_json::from_slice::<Value>(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output)))
    };
    let attempts = |tenant: &str| {
        world.count(&format!(
            "SELECT COALESCE(SUM(attempts), 0) FROM actions WHERE tenant_id = '{tenant}' AND action_kind = 'email'"
        ))
    };

    // The SMTP server is down: every email is rendered, kept, and put back to try later.
    let first = run("2026-11-25T10:00:00Z", &closed_port, &[]);
    assert!(delivered(&first, "emails_retrying") > 2, "{first}");
    let tenants: Vec<String> =
        first["organisations"].as_array().unwrap().iter().map(|o| o["tenant_id"].as_str().unwrap().into()).collect();
    let (first_org, other_org) = (&tenants[0], &tenants[1]);
    let other_attempts = attempts(other_org);
    assert!(other_attempts > 0);

    // A run for one organisation never spends the other's attempts.
    let name = first["organisations"][0]["organisation"].as_str().unwrap().to_string();
    run("2026-11-25T13:00:00Z", &closed_port, &["--org", &name, "--no-sync"]);
    assert!(attempts(first_org) > 0);
    assert_eq!(attempts(other_org), other_attempts, "the other organisation's emails were not touched");

    // At night, outside the sending window, nothing is tried, whatever the backoff allows.
    let before = world.count("SELECT COALESCE(SUM(attempts), 0) FROM actions");
    let night = run("2026-11-25T23:00:00Z", &world.smtp.url(), &["--no-sync"]);
    assert_eq!(delivered(&night, "emails_sent"), 0, "{night}");
    assert_eq!(world.count("SELECT COALESCE(SUM(attempts), 0) FROM actions"), before);
    assert!(world.smtp.received().is_empty());

    // One customer pays overnight. Its email, already rendered and kept, is checked again and dropped.
    let kept: (String, String) = world
        .db()
        .query_row(
            "SELECT tenant_id, invoices FROM actions WHERE status = 'waiting' AND action_kind = 'email'
             AND subject_kind = 'invoice' AND email IS NOT NULL LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let invoice: String = serde_json::from_str::<Vec<String>>(&kept.1).unwrap()[0].clone();
    world.admin(&format!("/sandbox/pay?invoice={invoice}&tenant={}", kept.0));
    synced_at(&world, "2026-11-25T23:00:00Z");
    let morning = run("2026-11-26T09:00:00Z", &world.smtp.url(), &["--no-sync"]);
    assert!(delivered(&morning, "emails_cancelled") >= 1, "{morning}");
    let status: String = world
        .db()
        .query_row(
            "SELECT status FROM actions WHERE invoices LIKE ?1 AND action_kind = 'email'",
            [format!("%{invoice}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "cancelled");
    assert_eq!(
        0,
        world.count(
            "SELECT COUNT(*) FROM actions WHERE status IN ('waiting', 'claimed', 'handed') AND action_kind = 'email'"
        )
    );
    assert_each_once(&world);
}

#[test]
fn a_mail_server_without_starttls_gets_nothing_when_tls_is_required() {
    let world = World::start("starttls", sandbox_config(69, 1, 20, 160));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let required = format!("{}?tls=required", world.smtp.url());
    let args = ["run", "--strategy", strategy.to_str().unwrap(), "--at", "2026-11-25T10:00:00Z", "--format", "json"];
    let output = world.command(&args).env("COLLECTIQ_SMTP_URL", &required).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output)));
    assert!(delivered(&report, "emails_retrying") > 0, "{report}");
    assert!(world.smtp.received().is_empty(), "nothing went in plain text");
    let reason: String = world
        .db()
        .query_row(
            "SELECT last_error FROM actions WHERE status = 'waiting' AND last_error IS NOT NULL LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(reason.contains("does not offer STARTTLS"), "{reason}");
    // A URL that is not an SMTP address is refused before anything is decided or sent.
    let decided = world.count("SELECT COUNT(*) FROM actions");
    let later = ["run", "--strategy", strategy.to_str().unwrap(), "--at", "2026-12-02T10:00:00Z"];
    let wrong = world.command(&later).env("COLLECTIQ_SMTP_URL", "smtp://127.0.0.1:25?tls=maybe").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(text(&wrong).contains("tls=maybe"), "{}", text(&wrong));
    assert_eq!(world.count("SELECT COUNT(*) FROM actions"), decided);
}

#[test]
fn an_invoices_online_link_is_fetched_from_xero_once_however_many_emails_show_it() {
    let world = World::start("links", sandbox_config(70, 1, 30, 300));
    // The same rules with templates that show each invoice's online link.
    let linked = EVERY_OVERDUE_INVOICE
        .replace("friendly-reminder", "saas-overdue")
        .replace("firm-reminder", "saas-suspension-notice");
    let strategy = strategy_file(&world.folder, "every.strategy", &linked);
    // A fortnight of mornings: first and firm reminders, and firm ones again a week later.
    for at in instants("2026-11-25T10:00:00Z", 14) {
        world.run(&strategy, &at, &[]);
        world.admin("/sandbox/advance?days=1");
    }
    let db = world.db();
    let mut statement = db
        .prepare(
            "SELECT invoices FROM actions WHERE status = 'sent' AND action_kind = 'email' AND subject_kind = 'invoice'",
        )
        .unwrap();
    let mut emails_per_invoice: BTreeMap<String, u64> = BTreeMap::new();
    for invoices in statement.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        for invoice in serde_json::from_str::<Vec<String>>(&invoices.unwrap()).unwrap() {
            *emails_per_invoice.entry(invoice).or_default() += 1;
        }
    }
    assert!(emails_per_invoice.values().any(|n| *n > 1), "some invoice was emailed more than once");
    // One call per invoice, not per email: each link asked for once, kept, and shown by every
    // email about its invoice (some were fetched ahead, for emails of the following days).
    let fetched = world.sandbox_stats()["calls"]["GET OnlineInvoice"].as_u64().unwrap_or(0);
    assert_eq!(world.count("SELECT COUNT(*) FROM online_links"), fetched, "no link asked for twice");
    for invoice in emails_per_invoice.keys() {
        let kept = world.count(&format!("SELECT COUNT(*) FROM online_links WHERE invoice_id = '{invoice}'"));
        assert_eq!(kept, 1, "every emailed invoice's link is kept");
    }
}
