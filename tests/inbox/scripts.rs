//! What scripts and monitoring read, through the command line: `inbox list`, `tasks list` and
//! `explain` as JSON, before and after a reply is handled.

use std::path::Path;
use std::process::Command;

use collectiq::store::Store;

use super::support::scratch;
use super::world;

/// What scripts read: `inbox list`, `tasks list` and `explain` as JSON, after a reply.
#[test]
fn scripts_read_the_inbox_tasks_and_the_pause_as_json() {
    let folder = scratch("inbox-json");
    let database = folder.join("collectiq.db");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        world::build(&store).await;
    });
    std::fs::create_dir_all(folder.join("templates")).unwrap();
    std::fs::write(folder.join("templates/reminder.email"), "Subject: Invoice {{ invoice.number }}\n\nHello.\n")
        .unwrap();
    let strategy = folder.join("replies.strategy");
    std::fs::write(
        &strategy,
        "Strategy \"Replies\".\n\nFor every customer:\n  Every 1 day after 1 day overdue, send the \"reminder\" email.\n",
    )
    .unwrap();
    let collectiq = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_collectiq"))
            .current_dir(&folder)
            .env("COLLECTIQ_DB", &database)
            .env("COLLECTIQ_KEY_FILE", folder.join("token.key"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap_or(serde_json::Value::Null)
    };
    let message = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus/outlook-reply.eml");
    collectiq(&["inbox", "import", message.to_str().unwrap()]);
    let listed = collectiq(&["inbox", "list", "--format", "json"]);
    let reply = &listed[0];
    assert_eq!(reply["kind"], "reply");
    assert_eq!(reply["state"], "open");
    assert_eq!(reply["customer"]["name"], "Ridgeway University");
    assert!(!reply["message_id"].as_str().unwrap().contains('<'), "without angle brackets: {reply}");
    for field in ["id", "from", "subject", "received_at", "reason"] {
        assert!(!reply[field].is_null(), "{field} in {reply}");
    }
    let tasks = collectiq(&["tasks", "list", "--format", "json"]);
    assert_eq!(tasks[0]["kind"], "reply");
    assert_eq!(tasks[0]["assignee"], "");
    let explained = collectiq(&[
        "explain",
        "INV-0042",
        "--strategy",
        strategy.to_str().unwrap(),
        "--at",
        "2026-11-26T10:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(explained["invoice"]["number"], "INV-0042");
    assert_eq!(explained["open_reply"], reply["id"]);
    let paused = explained["paused"][0].as_str().unwrap_or_default();
    assert!(paused.starts_with("paused: the customer replied on"), "{explained}");
    collectiq(&["inbox", "handle", &reply["id"].to_string()]);
    let explained = collectiq(&["explain", "INV-0042", "--strategy", strategy.to_str().unwrap(), "--format", "json"]);
    assert!(explained["open_reply"].is_null() && explained["paused"].as_array().unwrap().is_empty(), "{explained}");
}

/// `inbox import -` reads one message from stdin (a Postfix pipe); a Maildir is read from its
/// `new/` and `cur/`; a path that cannot be read is said and the rest are still imported.
#[test]
fn messages_come_from_stdin_a_maildir_and_files_alike() {
    use std::io::Write;
    use std::process::Stdio;
    let folder = scratch("inbox-sources");
    let database = folder.join("collectiq.db");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus");
    let maildir = folder.join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::copy(corpus.join("gmail-reply.eml"), maildir.join("new/1.host:2,")).unwrap();
    std::fs::copy(corpus.join("gmail-vacation.eml"), maildir.join("cur/2.host:2,S")).unwrap();
    std::fs::write(maildir.join("cur/.hidden"), "not a message").unwrap();
    let command = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_collectiq"));
        command.current_dir(&folder).env("COLLECTIQ_DB", &database).env("COLLECTIQ_KEY_FILE", folder.join("k"));
        command.args(args);
        command
    };
    let mut piped = command(&["inbox", "import", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    piped.stdin.take().unwrap().write_all(&std::fs::read(corpus.join("outlook-reply.eml")).unwrap()).unwrap();
    let piped = piped.wait_with_output().unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stdout));
    assert!(
        String::from_utf8_lossy(&piped.stdout).starts_with("stdin: message 1"),
        "{}",
        String::from_utf8_lossy(&piped.stdout)
    );
    let missing = folder.join("no-such.eml");
    let batch = command(&["inbox", "import", maildir.to_str().unwrap(), missing.to_str().unwrap()]).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&batch.stdout), String::from_utf8_lossy(&batch.stderr));
    assert_eq!(batch.status.code(), Some(1), "a path not read is a problem: {said}");
    assert!(said.contains("2 stored") && said.contains("1 not read") && said.contains("no-such.eml"), "{said}");
    // Again: everything already stored, exit 0.
    let again = command(&["inbox", "import", maildir.to_str().unwrap()]).output().unwrap();
    assert!(again.status.success() && String::from_utf8_lossy(&again.stdout).contains("0 stored, 2 already stored"));
}
