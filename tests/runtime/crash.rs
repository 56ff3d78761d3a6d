//! kill -9 a run at random moments, over and over, for a week of mornings; then compare with the
//! same week run without interruption. Nothing may be lost, and nothing sent twice — except the
//! one unavoidable window (the SMTP server has taken a message, the run dies before it can record
//! that), which the test detects as it happens and which repeats the same Message-ID.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Duration;

use jiff::{Timestamp, ToSpan};
use serde_json::Value;

use crate::EVERY_OVERDUE_INVOICE;
use crate::support::*;

const MORNINGS: i64 = 5;

fn mornings() -> Vec<String> {
    let monday: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    (0..MORNINGS).map(|day| monday.checked_add((24 * day).hours()).unwrap().to_string()).collect()
}

/// (key, status) of every action in the outbox.
type Outbox = BTreeSet<(String, String)>;
/// How many times each (subject, text) history note was written.
type Notes = BTreeMap<(String, String), u64>;

/// The outbox, and the history notes recorded as written.
fn accounts(world: &World) -> (Outbox, Notes) {
    let db = world.db();
    let mut statement = db.prepare("SELECT key, status FROM actions").unwrap();
    let actions = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let mut statement =
        db.prepare("SELECT subject_id, details, COUNT(*) FROM notes WHERE status = 'done' GROUP BY 1, 2").unwrap();
    let notes = statement
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (actions, notes)
}

fn notes_in_xero(world: &World) -> Notes {
    let mut counted = BTreeMap::new();
    for (subject, details) in world.notes_in_xero() {
        *counted.entry((subject.to_string(), details)).or_default() += 1;
    }
    counted
}

/// Emails the run was sending when it died that the SMTP server had already taken, with how many
/// times it has them: the next run sends each of them once more.
fn caught_in_the_window(world: &World) -> Vec<(String, usize)> {
    let received = world.smtp.counts();
    let db = world.db();
    let mut statement =
        db.prepare("SELECT email FROM actions WHERE status IN ('claimed', 'handed') AND email IS NOT NULL").unwrap();
    let emails: Vec<String> = statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    emails
        .iter()
        .map(|email| serde_json::from_str::<Value>(email).unwrap()["message_id"].as_str().unwrap().to_string())
        .filter_map(|id| received.get(&id).map(|times| (id, *times)))
        .collect()
}

fn run_to_completion(world: &World, strategy: &str, at: &str) {
    let output = world.collectiq(&["run", "--strategy", strategy, "--at", at]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn killing_runs_at_random_moments_neither_loses_nor_duplicates() {
    let seed = std::env::var("COLLECTIQ_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261125);
    let mut rng = fastrand::Rng::with_seed(seed);
    let world = World::start("crash", sandbox_config(66, 2, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let strategy = strategy.to_str().unwrap().to_string();

    // How many times an email caught in the window will have arrived in the end.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut kills = 0;
    for at in mornings() {
        // Each run is killed at a random moment, later and later, until one finishes by itself:
        // every stage of a run (sync, decide, record, send, notes) gets its share of kills.
        let mut latest = 100.0_f64;
        loop {
            let mut child = world
                .command(&["run", "--strategy", &strategy, "--at", &at])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(rng.u64(0..=latest as u64)));
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "an uninterrupted run fails");
                break;
            }
            child.kill().unwrap(); // SIGKILL: no destructors, no flushing, no goodbye.
            child.wait().unwrap();
            kills += 1;
            latest *= 1.25;
            // Let the SMTP server write down what it has taken before looking.
            world.smtp.settle();
            for (id, times) in caught_in_the_window(&world) {
                expected.insert(id, times + 1);
            }
        }
        run_to_completion(&world, &strategy, &at);
        world.admin("/sandbox/advance?days=1");
    }
    eprintln!(
        "{kills} kills; {} emails caught between the SMTP server's answer and the outbox's record",
        expected.values().map(|times| times - 1).sum::<usize>()
    );
    assert!(kills >= 10, "runs were interrupted many times ({kills})");

    // Each email arrived once, or once more each time a kill landed in the window.
    let counts = world.smtp.counts();
    assert!(counts.len() > 50, "plenty of emails ({})", counts.len());
    for (id, times) in &counts {
        assert_eq!(*times, expected.get(id).copied().unwrap_or(1), "{id}");
    }
    let sent: BTreeSet<String> = world.sent_message_ids().into_iter().collect();
    assert_eq!(sent, counts.keys().cloned().collect(), "every email sent is recorded as sent");
    assert_eq!(
        0,
        world.count("SELECT COUNT(*) FROM actions WHERE status IN ('waiting', 'claimed', 'handed', 'failed')")
    );

    // Every note recorded as written is in Xero; at most one extra for each kill.
    let (actions, notes) = accounts(&world);
    let in_xero = notes_in_xero(&world);
    let mut surplus = 0;
    for (note, times) in &notes {
        let there = in_xero.get(note).copied().unwrap_or(0);
        assert!(there >= *times, "note lost: {note:?}");
        surplus += there - times;
    }
    assert_eq!(in_xero.values().sum::<u64>(), notes.values().sum::<u64>() + surplus);
    assert_eq!(surplus, 0, "notes written twice in {kills} kills: each carries a reference looked for first");

    // The same week without a single kill decides and does exactly the same.
    let calm = World::start("calm", sandbox_config(66, 2, 60, 1000));
    let calm_strategy = strategy_file(&calm.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    for at in mornings() {
        run_to_completion(&calm, calm_strategy.to_str().unwrap(), &at);
        calm.admin("/sandbox/advance?days=1");
    }
    let (calm_actions, calm_notes) = accounts(&calm);
    assert_eq!(actions, calm_actions, "every action accounted for, with the same outcome");
    assert_eq!(notes, calm_notes);
    assert_eq!(calm.smtp.counts().keys().collect::<Vec<_>>(), counts.keys().collect::<Vec<_>>());
}

/// Kills that land while emails are being delivered: each may resend at most the one message in
/// flight on its SMTP session, under its own Message-ID. Prints the share of kills that resend
/// (the figure docs/runtime.md reports; `COLLECTIQ_KILL_INVOICES=12000` and `--release` for the
/// measured organisation) and asserts only what must hold whatever the timing.
#[test]
fn kills_during_delivery_resend_at_most_the_message_in_flight() {
    let invoices = std::env::var("COLLECTIQ_KILL_INVOICES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let kills_wanted = std::env::var("COLLECTIQ_KILLS").ok().and_then(|n| n.parse().ok()).unwrap_or(30);
    let mut rng = fastrand::Rng::with_seed(20261206);
    let world = World::start("kills", sandbox_config(67, 1, invoices / 16, invoices));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let strategy = strategy.to_str().unwrap().to_string();
    let at = "2026-11-25T10:00:00Z";
    // Decide everything, and stop before the first email: what follows is delivery alone.
    let decided = world
        .command(&["run", "--strategy", &strategy, "--at", at])
        .env("COLLECTIQ_FAIL_AT", "deliver:claimed")
        .output()
        .unwrap();
    assert_eq!(decided.status.code(), Some(crate::FAIL_POINT_EXIT), "{}", text(&decided));
    let due = world.count(
        "SELECT COUNT(*) FROM actions WHERE status IN ('waiting', 'claimed') AND action_kind IN ('email', 'escalate')",
    );
    let (mut kills, mut resending_kills) = (0, 0);
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    while kills < kills_wanted {
        let received = world.smtp.received().len();
        let mut child = world
            .command(&["run", "--strategy", &strategy, "--at", at, "--no-sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Once this run is delivering, kill it at a random moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while world.smtp.received().len() == received && std::time::Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(rng.u64(0..60)));
        if child.try_wait().unwrap().is_some() {
            break; // everything was delivered
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        world.smtp.settle();
        let caught = caught_in_the_window(&world);
        assert!(caught.len() <= 1, "one SMTP session has at most one message in flight: {caught:?}");
        if !caught.is_empty() {
            resending_kills += 1;
        }
        for (id, times) in caught {
            expected.insert(id, times + 1);
        }
    }
    let started = std::time::Instant::now();
    let last = world.run(std::path::Path::new(&strategy), at, &["--no-sync"]);
    let took = started.elapsed();
    world.smtp.settle();
    eprintln!(
        "{kills} kills during delivery of {due} emails; {resending_kills} resent the message in flight ({:.0}%); \
         the last run's window from the final dot to the commit: {}; that run took {took:?} in all",
        100.0 * resending_kills as f64 / kills.max(1) as f64,
        last["delivered"]["sent_window"]
    );
    let counts = world.smtp.counts();
    assert_eq!(counts.len() as u64, due, "every email arrived");
    for (id, times) in &counts {
        assert_eq!(*times, expected.get(id).copied().unwrap_or(1), "{id}");
    }
}
