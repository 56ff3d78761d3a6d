//! The `collectiq check` and `collectiq fmt` contract, run as a user runs them: exit codes
//! (0 clean, 1 problems, 2 usage or I/O), output formats, and files left whole; and
//! `collectiq rates`, which reads nothing but the configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn collectiq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        // Never the person's own key (none of these commands reads a token).
        .env("COLLECTIQ_KEY_FILE", std::env::temp_dir().join("collectiq-cli-tests/token.key"))
        .output()
        .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A fresh folder for one test, removed first if an earlier run left it.
fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("collectiq-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("templates")).unwrap();
    folder
}

fn write(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const MESSY: &str = "# keep me\nstrategy \"Messy\"\nFOR EVERY CUSTOMER:\n    send the \"x\" email at 3 days overdue. at 30 days overdue ask \"Sam\" to call the customer # and me\n";
const TIDY: &str = "# keep me\nStrategy \"Messy\".\n\nFor every customer:\n  3 days after the due date, send the \"x\" email.\n  30 days after the due date, create a call task for \"Sam\". # and me\n";

#[test]
fn checking_the_examples_succeeds() {
    let output = collectiq(&["check", "strategies"]);
    assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    assert!(stderr(&output).contains("no problems"));
}

#[test]
fn errors_exit_1_and_name_the_place() {
    let output = collectiq(&["check", "strategies/invalid/typos.strategy"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(text.contains("strategies/invalid/typos.strategy:6:5"), "{text}");
    assert!(text.contains("did you mean \"days\"?"), "{text}");
    assert!(stderr(&output).contains("4 errors"));
}

#[test]
fn warnings_alone_exit_0() {
    let output = collectiq(&["check", "strategies/invalid/lints.strategy"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).contains("warning[unreachable-segment]"));
}

#[test]
fn json_output_has_every_field_editors_need() {
    let output = collectiq(&["check", "--format", "json", "strategies/invalid/unknown-names.strategy"]);
    assert_eq!(code(&output), 1);
    let diagnostics: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let zone = diagnostics.as_array().unwrap().iter().find(|d| d["code"] == "unknown-time-zone").unwrap();
    assert_eq!(zone["severity"], "error");
    assert_eq!(zone["file"], "strategies/invalid/unknown-names.strategy");
    assert_eq!(zone["line"], 6);
    assert_eq!(zone["column"], 11);
    let text = std::fs::read_to_string(Path::new(ROOT).join("strategies/invalid/unknown-names.strategy")).unwrap();
    let (start, end) = (zone["span"][0].as_u64().unwrap() as usize, zone["span"][1].as_u64().unwrap() as usize);
    assert_eq!(&text[start..end], "\"Pacific/Aukland\"");
    assert_eq!(zone["help"], "did you mean \"Pacific/Auckland\"?");
    assert!(zone["message"].as_str().unwrap().contains("Pacific/Aukland"));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(code(&collectiq(&["check"])), 2);
    assert_eq!(code(&collectiq(&["check", "--colour", "x.strategy"])), 2);
    assert_eq!(code(&collectiq(&["frobnicate"])), 2);
    let missing = collectiq(&["check", "strategies/no-such-file.strategy"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("cannot read strategies/no-such-file.strategy"));
    assert_eq!(code(&collectiq(&["fmt", "--check", "strategies/no-such-file.strategy"])), 2);
}

#[test]
fn a_file_that_is_not_text_is_an_error_not_a_crash() {
    let folder = scratch("binary");
    let path = folder.join("binary.strategy");
    std::fs::write(&path, [0x53, 0x74, 0xff, 0xfe, 0x00, 0x80, b'\n']).unwrap();
    let output = collectiq(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).contains("not UTF-8"), "{}", stdout(&output));
}

#[test]
fn fmt_check_reports_without_changing_anything() {
    let folder = scratch("fmt-check");
    let path = write(&folder, "messy.strategy", MESSY);
    let output = collectiq(&["fmt", "--check", path.to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).contains("would reformat"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), MESSY);
    assert_eq!(code(&collectiq(&["fmt", "--check", "strategies"])), 0);
}

#[test]
fn fmt_stdout_prints_the_canonical_text() {
    let folder = scratch("fmt-stdout");
    let path = write(&folder, "messy.strategy", MESSY);
    let output = collectiq(&["fmt", "--stdout", path.to_str().unwrap()]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), TIDY);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), MESSY);
}

#[test]
fn fmt_rewrites_in_place_keeping_comments_and_is_idempotent() {
    let folder = scratch("fmt-rewrite");
    let path = write(&folder, "messy.strategy", MESSY);
    assert_eq!(code(&collectiq(&["fmt", path.to_str().unwrap()])), 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), TIDY);
    let again = collectiq(&["fmt", path.to_str().unwrap()]);
    assert_eq!(code(&again), 0);
    assert_eq!(stdout(&again), "", "a formatted file is left alone");
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".collectiq-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left behind");
}

#[test]
fn fmt_leaves_a_broken_file_alone() {
    let folder = scratch("fmt-broken");
    let broken = "Strategy \"B\".\nFor every customer:\n  3 dayz after the due date, send the \"x\" email.\n";
    let path = write(&folder, "broken.strategy", broken);
    let output = collectiq(&["fmt", path.to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    assert!(stderr(&output).contains("did you mean \"days\"?"), "errors go to standard error");
    assert!(stdout(&output).is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn templates_are_found_beside_the_strategy() {
    let folder = scratch("templates");
    let path = write(
        &folder,
        "s.strategy",
        "Strategy \"S\".\nFor every customer:\n  1 day after the due date, send the \"hello\" email.\n",
    );
    let missing = collectiq(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&missing), 1);
    assert!(stdout(&missing).contains("templates/hello.email"));
    write(
        &folder,
        "templates/hello.email",
        "Subject: Hello {{ customer.name }}\n\nInvoice {{ invoice.number }} is overdue.\n",
    );
    let found = collectiq(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&found), 0, "{}", stdout(&found));
}

#[test]
fn rates_show_the_table_with_the_configurations_overrides() {
    let folder = scratch("rates");
    let config = write(&folder, "collectiq.toml", "[rates.bank_of_england]\n\"2031-H2\" = \"6.5\"\n");
    let output = collectiq(&["--config", config.to_str().unwrap(), "rates", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let boe = &shown["references"][0];
    assert_eq!(boe["reference"], "bank_of_england");
    let rates = boe["rates"].as_array().unwrap();
    assert_eq!(rates.first().unwrap()["half_year"], "2019-H1");
    let added = rates.last().unwrap();
    assert_eq!(
        (&added["half_year"], &added["percent"], &added["origin"]),
        (&"2031-H2".into(), &"6.5".into(), &"configured".into())
    );
    let human = collectiq(&["--config", config.to_str().unwrap(), "rates"]);
    let human = stdout(&human);
    let line: Option<Vec<&str>> =
        human.lines().find(|line| line.contains("2031-H2")).map(|line| line.split_whitespace().collect());
    assert_eq!(line, Some(vec!["2031-H2", "6.5%", "(collectiq.toml)"]));

    let unknown = write(&folder, "unknown.toml", "[rates.boe]\n\"2026-H2\" = \"3.75\"\n");
    let output = collectiq(&["--config", unknown.to_str().unwrap(), "rates"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("bank_of_england, ecb_main_refinancing, basiszinssatz"), "{}", stderr(&output));
}
