//! Running unattended, and the first five minutes: `collectiq demo` end to end, and
//! `collectiq autopilot` against the sandbox (a payment's webhook cancels the email waiting for
//! its invoice; SIGTERM mid-delivery, then a restart, delivers every email exactly once).

#[path = "../common/dkimpy.rs"]
mod dkimpy;
#[path = "../runtime/support.rs"]
mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use collectiq::runtime::dkim::DkimKey;
use collectiq::sandbox::SandboxConfig;
use collectiq::sandbox::WebhookTarget;
use support::{World, sandbox_config, scratch, strategy_file, text};

const KEY: &str = "autopilot-test-webhook-key";

const STRATEGY: &str = r#"Strategy "Autopilot test".

Settings:
  Use the "UTC" time zone.
  Send on every day between 0:00 and 23:59.
  Catch up on missed reminders for up to 10 days.

For every customer:
  1 day after the due date, send the "friendly-reminder" email.
  Every 7 days after 8 days overdue, send the "firm-reminder" email.
"#;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

/// A sandbox on today's date (autopilot runs on the real clock), without Xero's rate limits.
fn world(name: &str, invoices: usize) -> World {
    let config = SandboxConfig { today: None, ..sandbox_config(3, 1, invoices / 10, invoices) };
    World::start(name, config)
}

/// Starts autopilot on the world's database with the test strategy.
fn autopilot(world: &World, port: u16, smtp: Option<&str>) -> Child {
    let strategy = strategy_file(&world.folder, "autopilot.strategy", STRATEGY);
    let mut command = world.command(&["autopilot", "--listen", &format!("127.0.0.1:{port}"), "--run-every", "1s"]);
    command.env("COLLECTIQ_STRATEGY", &strategy).env("COLLECTIQ_WEBHOOK_KEY", KEY);
    if let Some(url) = smtp {
        command.env("COLLECTIQ_SMTP_URL", url);
    }
    // Logs go to a file: a pipe nobody reads would fill and stop the process.
    let logs = std::fs::OpenOptions::new().create(true).append(true).open(world.folder.join("autopilot.log")).unwrap();
    command.stdout(Stdio::null()).stderr(logs).spawn().unwrap()
}

fn logs(world: &World) -> String {
    std::fs::read_to_string(world.folder.join("autopilot.log")).unwrap_or_default()
}

fn terminate(world: &World, mut child: Child) -> std::process::ExitStatus {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let log = logs(world);
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
            panic!("autopilot did not stop within 30 s of SIGTERM; its last logs, latest first:\n{tail}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait().unwrap()
}

/// Where the demo's DKIM record would be published.
const DEMO_RECORD: &str = "demo._domainkey.harbourwholesale.example";

/// The tags of an email's DKIM-Signature (`d=harbourwholesale.example`, …), its lines unfolded.
fn dkim_tags(email: &str) -> Vec<String> {
    let unfolded = email.replace("\r\n ", " ").replace("\r\n\t", " ");
    let Some(header) = unfolded.lines().find_map(|line| line.strip_prefix("DKIM-Signature:")) else {
        return Vec::new();
    };
    header.split(';').map(|tag| tag.split_whitespace().collect::<String>()).filter(|tag| !tag.is_empty()).collect()
}

/// The TXT record the demo's summary says to publish, from the line under the one naming it.
fn printed_record(shown: &str) -> String {
    let mut lines = shown.lines().skip_while(|line| !line.ends_with(&format!("publish at {DEMO_RECORD}:")));
    lines.nth(1).map(|line| line.trim().to_string()).unwrap_or_else(|| panic!("no DKIM record in:\n{shown}"))
}

fn health(world: &World, port: u16) -> serde_json::Value {
    let url = format!("http://127.0.0.1:{port}/healthz");
    world.runtime.block_on(async move {
        let response = collectiq::net::client(Duration::from_secs(10)).get(&url).send().await.unwrap();
        assert!(response.status().is_success());
        response.json().await.unwrap()
    })
}

#[test]
fn the_demo_runs_end_to_end_with_nothing_set_up() {
    let folder = scratch("demo");
    let out = folder.join("demo-out");
    let mut records = Vec::new();
    for attempt in 0..2 {
        let output = Command::new(env!("CARGO_BIN_EXE_collectiq"))
            .args(["demo", "--out"])
            .arg(&out)
            .current_dir(&folder)
            .env_remove("COLLECTIQ_DB")
            .env_remove("COLLECTIQ_CONFIG")
            .output()
            .unwrap();
        let shown = text(&output);
        assert!(output.status.success(), "attempt {attempt}: {shown}");
        for expected in ["What happened", "Where to look", "With your own Xero organisation", "history notes logged"] {
            assert!(shown.contains(expected), "{expected} in:\n{shown}");
        }
        let emails: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        assert!(!emails.is_empty(), "emails are written to demo-out: {shown}");
        let email = std::fs::read_to_string(emails[0].path()).unwrap();
        assert!(email.contains("Message-ID: <") && email.contains("\nTo: ") && email.contains("Subject: "), "{email}");
        let all: Vec<String> = emails.iter().map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
        // Escalations go to a person of the organisation, in plain text; customers get both parts.
        let to_customers: Vec<&String> = all.iter().filter(|e| !e.contains("Subject: Escalation:")).collect();
        assert!(!to_customers.is_empty() && to_customers.iter().all(|e| e.contains("multipart/alternative")));
        assert!(
            all.iter().any(|e| e.contains("Content-Type: application/pdf")),
            "a firm reminder carries its statement PDF"
        );
        assert!(
            all.iter()
                .all(|e| e.contains("@harbourwholesale.example>") && e.contains("Auto-Submitted: auto-generated"))
        );
        assert!(shown.contains(&format!("{} emails written", emails.len())), "the summary counts them: {shown}");
        // Every email is signed for the sender's domain with the demo's own key: dkimpy, given the
        // record the summary prints (the key's in the folder), finds each signature good, and
        // finds none good with another key's record.
        assert!(shown.contains("The emails are DKIM-signed for harbourwholesale.example"), "{shown}");
        for (email, path) in all.iter().zip(&emails) {
            let tags = dkim_tags(email);
            assert!(
                tags.iter().any(|t| t == "d=harbourwholesale.example") && tags.iter().any(|t| t == "s=demo"),
                "{}: {tags:?}",
                path.path().display()
            );
        }
        let record = printed_record(&shown);
        let key = DkimKey::read(&out.join("dkim.pem")).unwrap();
        assert_eq!(record, key.dns_record(), "the record printed is the demo key's");
        let paths: Vec<_> = emails.iter().map(|e| e.path()).collect();
        for (path, (good, said)) in paths.iter().zip(dkimpy::verify_all(&paths, DEMO_RECORD, &record)) {
            assert!(good, "{}: dkimpy says {said}", path.display());
        }
        let other = DkimKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32])).dns_record();
        assert!(dkimpy::verify_all(&paths, DEMO_RECORD, &other).iter().all(|(good, _)| !good), "another key fails");
        records.push(record);
        assert!(out.join("simulation.html").exists() && out.join("strategy/wholesale.strategy").exists());
        assert!(!shown.contains(" 0 history notes"), "notes go to the sandbox: {shown}");
        assert!(shown.contains("replied (message") && shown.contains("bounced (message"), "{shown}");
        assert!(shown.contains("explain, for that customer's invoice: Paused: the customer replied on"), "{shown}");
        assert!(shown.contains("2 history notes of what was heard wait for the next run"), "{shown}");
        assert!(
            shown.contains("own page, from the link in their email (it opened, with their open invoices)")
                && shown.contains("/p/")
                && shown.contains("serve --listen 127.0.0.1:"),
            "the demo opens a customer's page: {shown}"
        );
        // The reply and the bounce are in the inbox, concluded, each tied to its customer.
        let listed = Command::new(env!("CARGO_BIN_EXE_collectiq"))
            .arg("--db")
            .arg(out.join("collectiq.db"))
            .args(["inbox", "list", "--format", "json"])
            .current_dir(&folder)
            .output()
            .unwrap();
        assert!(listed.status.success(), "{}", text(&listed));
        let listed: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
        let kinds: Vec<(&str, &str)> =
            listed.iter().map(|m| (m["kind"].as_str().unwrap(), m["state"].as_str().unwrap())).collect();
        assert_eq!(kinds, [("reply", "open"), ("bounce", "handled")], "{listed:?}");
        assert!(listed.iter().all(|m| m["customer"]["name"].is_string()), "{listed:?}");
        assert_eq!(listed[1]["permanent"], serde_json::Value::Bool(true));
    }
    // The key is made once, private, and kept: the second demo signed with the first one's key.
    assert_eq!(records[0], records[1], "a second demo keeps the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("dkim.pem")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the demo's DKIM key is its owner's only");
    }
    // A folder that is not the demo's own is never cleared: it could hold a real store.
    let other = folder.join("real");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("collectiq.db"), "a real store").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_collectiq")).args(["demo", "--out"]).arg(&other).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("already holds other files"), "{}", text(&refused));
    assert_eq!(std::fs::read_to_string(other.join("collectiq.db")).unwrap(), "a real store");
}

#[test]
fn a_payment_webhook_cancels_the_email_waiting_for_its_invoice_within_seconds() {
    let world = world("autopilot-pay", 600);
    let port = free_port();
    let closed_smtp = format!("smtp://127.0.0.1:{}", free_port());
    *collectiq::sandbox::state::lock(&world.sandbox().state().webhook) =
        Some(WebhookTarget { url: format!("http://127.0.0.1:{port}/webhooks/xero"), key: KEY.into() });
    let child = autopilot(&world, port, Some(&closed_smtp));
    // The mail server is down: the emails decided wait in the outbox to be retried.
    let pending = "SELECT count(*) FROM actions WHERE status = 'waiting' AND attempts > 0 AND subject_kind = 'invoice'";
    wait_for("emails waiting to be retried", Duration::from_secs(60), || world.count(pending) > 0);
    let (key, invoices): (String, String) = world
        .db()
        .query_row(
            "SELECT key, invoices FROM actions WHERE status = 'waiting' AND subject_kind = 'invoice' LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let invoice: Vec<String> = serde_json::from_str(&invoices).unwrap();
    let shown = health(&world, port);
    assert!(shown["organisations"][0]["queue_depth"].as_u64().unwrap() > 0, "{shown}");
    assert_eq!(shown["organisations"][0]["token"], "connected", "{shown}");
    assert!(shown["organisations"][0]["last_sync"].is_string(), "{shown}");
    // The customers' pages are served on the same listener, with their security headers.
    let page = format!("http://127.0.0.1:{port}/p/not-a-real-link");
    let (status, policy, body) = world.runtime.block_on(async move {
        let response = collectiq::net::client(Duration::from_secs(10)).get(&page).send().await.unwrap();
        let policy = response.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), policy, response.text().await.unwrap())
    });
    assert_eq!(status, 404);
    assert!(policy.is_some_and(|p| p.contains("default-src 'none'")) && body.contains("This link does not open"));
    world.admin(&format!("/sandbox/pay?invoice={}", invoice[0]));
    let status = || {
        world
            .db()
            .query_row("SELECT status FROM actions WHERE key = ?1", [&key], |row| row.get::<_, String>(0))
            .unwrap()
    };
    let took = wait_for("the paid invoice's email to be dropped", Duration::from_secs(10), || status() == "cancelled");
    eprintln!("dropped {took:?} after the payment");
    assert!(terminate(&world, child).success(), "{}", logs(&world));
    assert_eq!(world.smtp.received().len(), 0);
}

#[test]
fn sigterm_during_delivery_then_a_restart_delivers_every_email_exactly_once() {
    let world = world("autopilot-sigterm", 1_500);
    let port = free_port();
    let child = autopilot(&world, port, None);
    wait_for("the first email", Duration::from_secs(60), || !world.smtp.received().is_empty());
    assert!(terminate(&world, child).success(), "a graceful stop: {}", logs(&world));
    let waiting =
        "SELECT count(*) FROM actions WHERE action_kind = 'email' AND status IN ('waiting', 'claimed', 'handed')";
    let left = world.count(waiting);
    assert_eq!(
        world.count("SELECT count(*) FROM actions WHERE status IN ('claimed', 'handed')"),
        0,
        "nothing half-sent"
    );
    let restarted = autopilot(&world, port, None);
    let emptied = Instant::now();
    while world.count(waiting) > 0 && emptied.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let stuck: Vec<String> = {
        let db = world.db();
        let mut statement = db
            .prepare("SELECT status || ' ' || attempts || ' ' || ifnull(next_attempt_at, '-') || ' ' || ifnull(last_error, '-') FROM actions WHERE action_kind = 'email' AND status IN ('waiting', 'claimed', 'handed') LIMIT 5")
            .unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let stopped = terminate(&world, restarted);
    assert!(stuck.is_empty(), "the outbox did not empty: {stuck:?}\n{}", logs(&world));
    assert!(stopped.success(), "{}", logs(&world));
    world.smtp.settle();
    let counts = world.smtp.counts();
    let done = world.sent_message_ids();
    assert!(done.len() > 20, "enough emails to stop in the middle of: {}", done.len());
    assert!(left > 0, "the stop came while emails were still to go ({} sent)", done.len());
    for (message, times) in &counts {
        assert_eq!(*times, 1, "{message} arrived {times} times");
    }
    let mut arrived: Vec<&String> = counts.keys().collect();
    let mut recorded: Vec<&String> = done.iter().collect();
    arrived.sort();
    recorded.sort();
    assert_eq!(arrived, recorded, "every email recorded as sent arrived, once");
}
