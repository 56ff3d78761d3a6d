//! `collectiq simulate` and `collectiq diff --impact` as a person runs them.

use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub(crate) fn collectiq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env("COLLECTIQ_DB", std::env::temp_dir().join("collectiq-no-such-store.db"))
        .env("COLLECTIQ_KEY_FILE", std::env::temp_dir().join("collectiq-no-such-store.key"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SANDBOX: [&str; 7] = ["--sandbox", "--invoices", "500", "--from", "2026-11-25", "--payments", "random"];

#[test]
fn simulate_prints_the_same_json_every_time_for_the_same_seed() {
    let args =
        [&["simulate", "strategies/wholesale.strategy", "--days", "45", "--format", "json"][..], &SANDBOX].concat();
    let first = collectiq(&args);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["days"], 45);
    assert!(report["actions"].as_array().unwrap().len() > 10);
    assert_eq!(collectiq(&args).stdout, first.stdout, "deterministic");
    let other_seed = collectiq(&[&args[..], &["--seed", "9"]].concat());
    assert_ne!(other_seed.stdout, first.stdout, "the seed matters");
}

#[test]
fn simulate_writes_text_and_html_reports() {
    let out = collectiq(&[&["simulate", "strategies/saas.strategy", "--days", "20"][..], &SANDBOX].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.starts_with("Simulation of "), "{shown}");
    assert!(shown.contains("Totals: ") && shown.contains("Outstanding by age"), "{shown}");
    // The first day's catch-up is summed up in the text; the JSON lists every record.
    let skipped_lines = shown.lines().filter(|l| l.trim_start().starts_with("skipped")).count();
    assert!(shown.contains("more skipped or superseded (--format json or html lists them all)"), "{shown}");
    assert!(skipped_lines <= 5 * 20, "at most five a day: {skipped_lines}");
    let file = std::env::temp_dir().join(format!("collectiq-sim-cli-{}.html", std::process::id()));
    let file_arg = file.to_string_lossy().into_owned();
    let html_args = ["simulate", "strategies/saas.strategy", "--days", "20", "--format", "html", "-o", &file_arg];
    let out = collectiq(&[&html_args[..], &SANDBOX].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "the report went to the file");
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("<!DOCTYPE html>"));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn simulate_says_what_is_wrong_with_its_input() {
    let out = collectiq(&["simulate", "strategies/wholesale.strategy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--sandbox"), "no store: {}", text(&out.stderr));
    let out = collectiq(&["simulate", "strategies/wholesale.strategy", "--data", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/folder"), "{}", text(&out.stderr));
    let out = collectiq(&["simulate", "strategies/invalid/bad-values.strategy", "--sandbox"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not compile"), "{}", text(&out.stderr));
    let out = collectiq(&["simulate", "strategies/wholesale.strategy", "--sandbox", "--days", "0"]);
    assert_eq!(out.status.code(), Some(2), "zero days is refused");
}

#[test]
fn diff_with_impact_shows_reviewers_what_changes_for_customers() {
    let before = "strategies/diffs/before.strategy";
    let args = [
        &["diff", before, "strategies/diffs/rules.after.strategy", "--impact", "--days", "60", "--format", "markdown"]
            [..],
        &SANDBOX,
    ]
    .concat();
    let out = collectiq(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for expected in
        ["### Impact over 60 days from 2026-11-25", "| emails |", "| calls |", "Invoices whose next action changes"]
    {
        assert!(shown.contains(expected), "{expected} in:\n{shown}");
    }
    let same = collectiq(&[&["diff", before, before, "--impact", "--format", "markdown"][..], &SANDBOX].concat());
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    assert!(text(&same.stdout).contains("No customer would be treated differently."), "{}", text(&same.stdout));
    let json_args = ["diff", before, "strategies/diffs/rules.after.strategy", "--impact", "--format", "json"];
    let json = collectiq(&[&json_args[..], &SANDBOX].concat());
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(value["impact"]["old"]["emails"].is_number() && value["changes"]["rules"].is_array(), "{value}");
}
