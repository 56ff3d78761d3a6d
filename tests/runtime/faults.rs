//! Exactly once under the faults a real host meets: a process that dies at each named step of
//! delivery and note writing (fail points), runs started at once through other names of the
//! database file, Xero answering history notes with 5xx and dropped connections, and a strategy
//! edited while emails wait. Each test restarts the work and counts exactly what arrived.

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::Value;

use crate::EVERY_OVERDUE_INVOICE;
use crate::support::*;

const AT: &str = "2026-11-25T10:00:00Z";

/// How many times each (subject, text) note is in Xero.
fn notes_counted(world: &World) -> BTreeMap<(String, String), usize> {
    let mut counted = BTreeMap::new();
    for (subject, details) in world.notes_in_xero() {
        *counted.entry((subject.to_string(), details)).or_default() += 1;
    }
    counted
}

/// Every note the store holds as written is in Xero exactly once, and nothing else is there.
fn assert_notes_once(world: &World) {
    let in_xero = notes_counted(world);
    for (note, times) in &in_xero {
        assert_eq!(*times, 1, "written {times} times: {note:?}");
    }
    let recorded = world.count("SELECT COUNT(*) FROM notes WHERE status = 'done'");
    assert_eq!(in_xero.len() as u64, recorded, "every note recorded as written is in Xero, and no other");
    assert_eq!(0, world.count("SELECT COUNT(*) FROM notes WHERE status IN ('pending', 'writing')"));
}

/// The Message-ID of the `nth` email the outbox handed to the mail server (1-based, in order).
fn nth_handed(world: &World, nth: usize) -> String {
    world
        .db()
        .query_row(
            "SELECT message_id FROM actions WHERE handed_at IS NOT NULL AND action_kind IN ('email', 'escalate')
             ORDER BY handed_at, id LIMIT 1 OFFSET ?1",
            [nth as i64 - 1],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_process_ended_at_any_step_resumes_without_losing_or_repeating() {
    // (fail point, the pass it ends on, whether the message in flight reaches the server twice)
    let points = [
        ("deliver:claimed", 3, false),
        ("deliver:handed", 3, false),
        ("smtp:data-written", 3, true),
        ("deliver:accepted", 3, true),
        ("deliver:sent", 3, false),
        ("notes:claimed", 4, false),
        ("notes:answered", 4, false),
        ("notes:written", 4, false),
    ];
    for (seed, (point, nth, repeats)) in points.into_iter().enumerate() {
        let world = World::start("failpoint", sandbox_config(80 + seed as u64, 1, 60, 1000));
        let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
        let strategy = strategy.to_str().unwrap();
        let args = ["run", "--strategy", strategy, "--at", AT, "--format", "json"];
        let ended = world.command(&args).env("COLLECTIQ_FAIL_AT", format!("{point}:{nth}")).output().unwrap();
        assert_eq!(ended.status.code(), Some(86), "{point}: the process ends at the fail point: {}", text(&ended));
        assert!(text(&ended).contains(&format!("fail point {point}")), "{}", text(&ended));
        world.smtp.settle();
        let in_flight = repeats.then(|| nth_handed(&world, nth));
        // Notes drain while emails go, so a death at a note's step may also catch an email with the
        // mail server: at most one, which may arrive twice, under its own Message-ID.
        let handed: Vec<String> = {
            let db = world.db();
            let mut statement = db.prepare("SELECT message_id FROM actions WHERE status = 'handed'").unwrap();
            statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        assert!(handed.len() <= 1, "{point}: one email at a time is with the mail server: {handed:?}");
        if let Some(in_flight) = &in_flight {
            assert_eq!(handed, vec![in_flight.clone()], "{point}");
        }

        let resumed = world.collectiq(&args);
        assert!(resumed.status.success(), "{point}: {}", text(&resumed));
        let report: Value = serde_json::from_slice(&resumed.stdout).unwrap();
        world.smtp.settle();

        let counts = world.smtp.counts();
        assert!(counts.len() > 10, "{point}: plenty of emails ({})", counts.len());
        for (id, times) in &counts {
            match (Some(id) == in_flight.as_ref(), handed.contains(id)) {
                (true, _) => assert_eq!(*times, 2, "{point}: {id}, in flight, arrived {times} times"),
                (false, true) => assert!(*times <= 2, "{point}: {id}, with the server, arrived {times} times"),
                (false, false) => assert_eq!(*times, 1, "{point}: {id} arrived {times} times"),
            }
        }
        let sent: std::collections::BTreeSet<String> = world.sent_message_ids().into_iter().collect();
        assert_eq!(sent, counts.keys().cloned().collect(), "{point}: every email sent is recorded as sent");
        assert_eq!(
            report["delivered"]["emails_resumed_after_handing"].as_u64(),
            Some(handed.len() as u64),
            "{point}: {report}"
        );
        if point.starts_with("deliver:") || point.starts_with("smtp:") {
            let expected = usize::from(repeats || point == "deliver:handed");
            assert_eq!(handed.len(), expected, "{point}: {handed:?}");
        }
        assert_eq!(0, world.count("SELECT COUNT(*) FROM actions WHERE status IN ('waiting', 'claimed', 'handed')"));
        assert_notes_once(&world);
        if point == "notes:answered" {
            // Xero took the note; the process died before recording it: found, not written again.
            assert_eq!(report["delivered"]["notes_found_in_xero"].as_u64(), Some(1), "{report}");
        }
    }
}

#[test]
fn runs_started_at_once_through_other_names_of_the_file_send_each_email_once() {
    let world = World::start("aliases", sandbox_config(90, 2, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let strategy = strategy.to_str().unwrap();
    // The file, a symbolic link beside it, a symbolic link in another folder, a relative path.
    let elsewhere = world.folder.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let beside = world.folder.join("alias.db");
    std::os::unix::fs::symlink(&world.database, &beside).unwrap();
    let far = elsewhere.join("far.db");
    std::os::unix::fs::symlink(&beside, &far).unwrap();
    let names = [world.database.clone(), beside, far, std::path::PathBuf::from("../collectiq.db")];
    let args = ["run", "--strategy", strategy, "--at", AT];
    let runs: Vec<_> = names
        .iter()
        .map(|name| {
            world
                .command(&args)
                .env("COLLECTIQ_DB", name)
                .current_dir(&elsewhere)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = runs.into_iter().map(|run| run.wait_with_output().unwrap()).collect();
    assert!(outputs.iter().any(|o| o.status.success()));
    for output in outputs.iter().filter(|o| !o.status.success()) {
        assert_eq!(output.status.code(), Some(2), "{}", text(output));
        assert!(text(output).contains("another CollectIQ run (or autopilot) is working on"), "{}", text(output));
    }
    let last = world.collectiq(&args);
    assert!(last.status.success(), "{}", text(&last));
    let counts = assert_each_once(&world);
    assert!(counts.len() > 20, "plenty of emails were due ({})", counts.len());
    assert_notes_once(&world);

    // A second hard link would give SQLite two journals for one file: refused, nothing done.
    let linked = world.folder.join("hard.db");
    std::fs::hard_link(&world.database, &linked).unwrap();
    let refused = world.command(&args).env("COLLECTIQ_DB", &linked).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("2 hard links"), "{}", text(&refused));
    std::fs::remove_file(&linked).unwrap();
}

#[test]
fn history_notes_under_xero_5xx_and_dropped_answers_are_written_once() {
    let mut config = sandbox_config(91, 1, 60, 1000);
    // 500s on writes come after the note is stored; resets and truncations lose stored answers.
    config.faults = "500:0.12,reset:0.06,truncate:0.06".parse().unwrap();
    let world = World::start("note-faults", config);
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let mornings = ["2026-11-25T10:00:00Z", "2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z"];
    for at in mornings {
        world.run(&strategy, at, &[]);
        world.admin("/sandbox/advance?days=1");
    }
    // Later the same day, then the next, once every backoff has passed, until all is written.
    let mut found = 0;
    let later = [
        "2026-11-27T14:00:00Z",
        "2026-11-27T19:00:00Z",
        "2026-11-30T09:00:00Z",
        "2026-11-30T12:00:00Z",
        "2026-11-30T15:00:00Z",
        "2026-12-01T09:00:00Z",
        "2026-12-01T12:00:00Z",
        "2026-12-01T15:00:00Z",
    ];
    for at in later {
        let report = world.run(&strategy, at, &["--no-sync"]);
        found += report["delivered"]["notes_found_in_xero"].as_u64().unwrap();
    }
    let stats = world.sandbox_stats();
    let faults: u64 = stats["faults"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(faults > 20, "the faults were met: {stats}");
    assert!(found > 0, "answers were lost after Xero stored the note, and the notes were found there");
    assert_notes_once(&world);
    assert!(world.count("SELECT COUNT(*) FROM notes WHERE status = 'done'") > 50);
}

#[test]
fn emails_waiting_when_the_strategy_is_edited_go_as_decided_or_are_cancelled_with_the_reason() {
    let world = World::start("edited", sandbox_config(92, 1, 30, 300));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    // Decided with the mail server down: every email composed, kept, and waiting.
    let first = world.run_with_mail_down(&strategy, AT);
    assert!(first["delivered"]["emails_retrying"].as_u64().unwrap() > 5, "{first}");
    let firm_waiting =
        world.count("SELECT COUNT(*) FROM actions WHERE status = 'waiting' AND rule_id LIKE '%firm-reminder%'");
    let friendly_waiting =
        world.count("SELECT COUNT(*) FROM actions WHERE status = 'waiting' AND rule_id LIKE '%friendly-reminder%'");
    assert!(firm_waiting > 0 && friendly_waiting > 0);

    // The firm reminder leaves the strategy, and the friendly template is rewritten.
    let edited = EVERY_OVERDUE_INVOICE
        .replace("  Every 7 days from 8 to 50 days overdue, send the \"firm-reminder\" email.\n", "");
    std::fs::write(&strategy, edited).unwrap();
    let template = world.folder.join("templates/friendly-reminder.email");
    std::fs::write(&template, "Subject: EDITED {{ invoice.number }}\n\nEdited after the decision.\n").unwrap();

    let later = world.run(&strategy, "2026-11-25T10:05:00Z", &["--no-sync"]);
    assert_eq!(later["delivered"]["emails_failed"].as_u64(), Some(0), "{later}");
    assert_eq!(later["delivered"]["emails_cancelled"].as_u64(), Some(firm_waiting), "{later}");
    let received = world.smtp.received();
    assert_eq!(received.len() as u64, friendly_waiting, "the friendly reminders went");
    assert!(received.iter().all(|m| !m.subject.contains("EDITED")), "sent as decided, not as edited");
    assert_each_once(&world);

    // The operator sees why, in the outbox and in `explain`.
    let listed = world.collectiq(&["outbox", "list", "--state", "cancelled", "--format", "json"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let actions = listed["actions"].as_array().unwrap();
    assert_eq!(actions.len() as u64, firm_waiting);
    for action in actions {
        assert!(action["reason"].as_str().unwrap().contains("is no longer in the strategy"), "{action}");
        assert!(action["message_id"].as_str().unwrap().ends_with("@collectiq.example>"), "{action}");
    }
    let invoice = actions[0]["invoices"][0].as_str().unwrap();
    let explained = world.collectiq(&["explain", invoice, "--strategy", strategy.to_str().unwrap(), "--at", AT]);
    assert!(text(&explained).contains("is no longer in the strategy"), "{}", text(&explained));
    assert!(text(&explained).contains("decided under \"Every overdue invoice\" plan v1"), "{}", text(&explained));
}

#[test]
fn a_later_run_retries_what_is_due_at_its_own_instant() {
    let world = World::start("instant", sandbox_config(93, 1, 20, 160));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let first = world.run_with_mail_down(&strategy, AT);
    let waiting = first["delivered"]["emails_retrying"].as_u64().unwrap();
    assert!(waiting > 3, "{first}");
    // The first retry is due a minute after the run's instant, not after the real time.
    let too_soon = world.run(&strategy, "2026-11-25T10:00:30Z", &["--no-sync"]);
    assert_eq!(too_soon["delivered"]["emails_sent"].as_u64(), Some(0), "{too_soon}");
    assert!(world.smtp.received().is_empty());
    let listed = world.collectiq(&["outbox", "list", "--state", "waiting", "--format", "json"]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    for action in listed["actions"].as_array().unwrap() {
        assert_eq!(action["next_try"].as_str(), Some("2026-11-25T10:01:00Z"), "{action}");
        assert_eq!(action["attempts"].as_u64(), Some(1), "{action}");
    }
    // By hand: one waiting email cancelled, then put back.
    let one = listed["actions"][0]["id"].as_i64().unwrap().to_string();
    let cancelled = world.collectiq(&["outbox", "cancel", &one]);
    assert!(cancelled.status.success(), "{}", text(&cancelled));
    let again = world.collectiq(&["outbox", "cancel", &one]);
    assert_eq!(again.status.code(), Some(2), "only a waiting email can be cancelled: {}", text(&again));
    assert!(text(&again).contains("is cancelled"), "{}", text(&again));
    let due = world.run(&strategy, "2026-11-25T10:01:00Z", &["--no-sync"]);
    assert_eq!(due["delivered"]["emails_sent"].as_u64(), Some(waiting - 1), "{due}");
    let retried = world.collectiq(&["outbox", "retry", &one]);
    assert!(retried.status.success(), "{}", text(&retried));
    let last = world.run(&strategy, "2026-11-25T10:02:00Z", &["--no-sync"]);
    assert_eq!(last["delivered"]["emails_sent"].as_u64(), Some(1), "{last}");
    assert_each_once(&world);
}

#[test]
fn emails_waiting_from_before_the_upgrade_are_composed_once_at_their_first_attempt() {
    let world = World::start("upgraded", sandbox_config(94, 1, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    world.run_with_mail_down(&strategy, AT);
    // As an older CollectIQ left them: decided, waiting, with neither email nor Message-ID kept.
    let waiting =
        world.db().execute("UPDATE actions SET email = NULL, message_id = NULL WHERE status = 'waiting'", []).unwrap();
    assert!(waiting > 3);
    let report = world.run(&strategy, "2026-11-25T10:01:00Z", &["--no-sync"]);
    assert_eq!(report["delivered"]["emails_sent"].as_u64(), Some(waiting as u64), "{report}");
    let counts = assert_each_once(&world);
    // Each got the Message-ID its key gives, and the email it was sent as is kept.
    let db = world.db();
    let mut statement = db.prepare("SELECT key, message_id, email FROM actions WHERE status = 'sent'").unwrap();
    let rows: Vec<(String, String, String)> =
        statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), counts.len());
    for (key, message_id, email) in rows {
        let email = serde_json::from_str::<Value>(&email).unwrap();
        let sender = email["from_address"].as_str();
        assert_eq!(message_id, collectiq::runtime::email::message_id(&key, sender));
        assert_eq!(email["message_id"], message_id.as_str());
    }
}

#[test]
fn notes_are_written_while_emails_go_so_a_stopped_run_has_logged_what_it_sent() {
    let world = World::start("notes-trail", sandbox_config(95, 1, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let args = ["run", "--strategy", strategy.to_str().unwrap(), "--at", AT];
    // Synced just now, so nothing is fetched again before each email: the emails go back to back.
    let ended = world.command(&args).env("COLLECTIQ_FAIL_AT", "deliver:sent:25").output().unwrap();
    assert_eq!(ended.status.code(), Some(crate::FAIL_POINT_EXIT), "{}", text(&ended));
    let waiting = world.count("SELECT COUNT(*) FROM actions WHERE status = 'waiting' AND action_kind = 'email'");
    assert!(waiting > 0, "the run was stopped with emails still to send");
    let written = world.count("SELECT COUNT(*) FROM notes WHERE status = 'done'");
    // They trail the emails (in real life at the pace Xero's budget allows), but they do not
    // wait for the last one.
    eprintln!("{written} notes written while 25 emails went");
    assert!(written > 0, "notes of the emails sent were written while the others went");
    // At most one more is in Xero: the one whose answer came just before the run was stopped.
    let in_xero = world.notes_in_xero().len() as u64;
    assert!(in_xero == written || in_xero == written + 1, "{in_xero} in Xero, {written} recorded");
    let finished = world.collectiq(&args);
    assert!(finished.status.success(), "{}", text(&finished));
    assert_each_once(&world);
    assert_notes_once(&world);
}

#[test]
fn notes_of_an_organisation_no_longer_connected_wait_with_the_reason_and_the_run_ends() {
    let world = World::start("unconnected", sandbox_config(96, 1, 60, 1000));
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let args = ["run", "--strategy", strategy.to_str().unwrap(), "--at", AT, "--no-sync"];
    world.collectiq(&["sync"]);
    let ended = world.command(&args).env("COLLECTIQ_FAIL_AT", "notes:claimed").output().unwrap();
    assert_eq!(ended.status.code(), Some(crate::FAIL_POINT_EXIT), "{}", text(&ended));
    world.db().execute("UPDATE organisations SET grant_id = NULL", []).unwrap();
    let mut run = world.command(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            run.kill().unwrap();
            panic!("the run never ended");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.code().is_some());
    // Each waits to be tried again later, with the reason; none is lost, none is being written.
    assert_eq!(0, world.count("SELECT COUNT(*) FROM notes WHERE status IN ('writing', 'failed')"));
    let waiting = world.count("SELECT COUNT(*) FROM notes WHERE status = 'pending'");
    assert!(waiting > 0);
    assert_eq!(
        waiting,
        world.count("SELECT COUNT(*) FROM notes WHERE status = 'pending' AND last_error LIKE '%no longer connected%'")
    );
}

#[test]
fn an_answer_lost_after_the_final_dot_sends_the_same_message_again_and_says_so() {
    let world = World::start("lost-answer", sandbox_config(97, 1, 60, 1000));
    let hanging_up = SmtpServer::hanging_up(&world.folder);
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    let args = ["run", "--strategy", strategy.to_str().unwrap(), "--at", AT, "--format", "json"];
    // The server keeps each message and hangs up before its 250: each may have gone.
    let first = world.command(&args).env("COLLECTIQ_SMTP_URL", hanging_up.url()).output().unwrap();
    let first: Value = serde_json::from_slice(&first.stdout).unwrap();
    let lost = first["delivered"]["emails_retrying"].as_u64().unwrap();
    assert!(lost > 10, "{first}");
    hanging_up.settle();
    let taken = hanging_up.counts();
    assert_eq!(taken.len() as u64, lost, "the server kept every message whose answer was lost");
    assert_eq!(
        lost,
        world.count("SELECT COUNT(*) FROM actions WHERE status = 'waiting' AND handed_at IS NOT NULL"),
        "each is remembered as maybe sent"
    );
    // A minute later, with a server that answers: the same messages again, counted as repeats.
    let later = world.run(&strategy, "2026-11-25T10:01:00Z", &["--no-sync"]);
    assert_eq!(later["delivered"]["emails_resumed_after_handing"].as_u64(), Some(lost), "{later}");
    let counts = assert_each_once(&world);
    for id in taken.keys() {
        assert!(counts.contains_key(id), "{id} went again under its own Message-ID");
    }
    assert_notes_once(&world);
}
