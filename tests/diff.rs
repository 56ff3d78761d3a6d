//! Plan diffs: a before/after pair of strategies for each kind of change, each snapshotted in
//! all three formats; pairs that only reorder, reformat or rephrase give an empty diff; and the
//! `collectiq diff` command's inputs (strategies, plans, git revisions) and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use collectiq::plan::diff::{GuardChange, diff};
use collectiq::plan::report::{self, Palette};
use collectiq::plan::{Plan, compile_path, to_json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BEFORE: &str = "strategies/diffs/before.strategy";

fn plan_of(path: &str) -> Plan {
    std::env::set_current_dir(ROOT).unwrap();
    compile_path(Path::new(path)).unwrap_or_else(|error| panic!("{path}: {error}")).plan
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

const CASES: &[(&str, &str)] = &[
    ("settings", "strategies/diffs/settings.after.strategy"),
    ("segments", "strategies/diffs/segments.after.strategy"),
    ("reorder-segments", "strategies/diffs/reorder-segments.after.strategy"),
    ("rules", "strategies/diffs/rules.after.strategy"),
    ("guards", "strategies/diffs/guards.after.strategy"),
    ("identity", "strategies/diffs/identity.after.strategy"),
    ("templates", "strategies/diffs/templates-changed/after.strategy"),
];

#[test]
fn each_kind_of_change_in_every_format() {
    let before = plan_of(BEFORE);
    for (case, after) in CASES {
        let changes = diff(&before, &plan_of(after));
        assert!(!changes.is_empty(), "{case} should differ");
        let json = serde_json::to_string_pretty(&changes).unwrap();
        snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("diff-{case}-text"), report::text(&changes, Palette::plain()));
            insta::assert_snapshot!(format!("diff-{case}-markdown"), report::markdown(&changes));
            insta::assert_snapshot!(format!("diff-{case}-json"), json);
        });
    }
}

#[test]
fn each_case_reports_its_own_kind_of_change() {
    let before = plan_of(BEFORE);
    let of = |after: &str| diff(&before, &plan_of(after));
    let settings = of("strategies/diffs/settings.after.strategy");
    assert!(settings.rules.is_empty() && settings.segments.is_empty() && settings.settings.len() == 7);
    let rules = of("strategies/diffs/rules.after.strategy");
    assert!(rules.settings.is_empty() && rules.segments.is_empty() && rules.rules.len() == 6);
    let moved = of("strategies/diffs/reorder-segments.after.strategy");
    assert_eq!(moved.segments.len(), 1);
    let templates = of("strategies/diffs/templates-changed/after.strategy");
    assert_eq!(templates.templates.len(), 2);
}

#[test]
fn reply_and_bounce_guards_change_like_other_guards() {
    let before = plan_of("strategies/diffs/replies.before.strategy");
    let changes = diff(&before, &plan_of("strategies/diffs/replies.after.strategy"));
    assert!(changes.rules.is_empty() && changes.settings.is_empty() && changes.segments.is_empty());
    let said: Vec<(bool, &str, &str)> = changes
        .guards
        .iter()
        .map(|change| match change {
            GuardChange::Added { audience, text, .. } => (true, audience.as_str(), text.as_str()),
            GuardChange::Removed { audience, text, .. } => (false, audience.as_str(), text.as_str()),
        })
        .collect();
    assert_eq!(
        said,
        [
            (false, "every customer", "When a customer replies, pause chasing until the reply is handled."),
            (false, "every customer", "When an email bounces, create a call task for \"Dana\"."),
            (true, "every customer", "When a customer replies, pause chasing for 3 business days."),
            (true, "Enterprise", "Keep chasing when a customer replies."),
            (true, "Enterprise", "When an email bounces, create a call task for \"Dana\"."),
        ]
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("diff-replies-text", report::text(&changes, Palette::plain()));
    });
}

#[test]
fn paid_claim_guards_change_like_other_guards_in_their_standard_phrasing() {
    let before = plan_of("strategies/diffs/replies.before.strategy");
    let after = plan_of("strategies/diffs/paid-claims.after.strategy");
    let changes = diff(&before, &after);
    assert!(changes.rules.is_empty() && changes.settings.is_empty() && changes.segments.is_empty());
    let said = |changes: &collectiq::plan::diff::PlanDiff| -> Vec<(bool, String, String, usize)> {
        changes
            .guards
            .iter()
            .map(|change| match change {
                GuardChange::Added { audience, text, line } => (true, audience.clone(), text.clone(), *line),
                GuardChange::Removed { audience, text, line } => (false, audience.clone(), text.clone(), *line),
            })
            .collect()
    };
    let owned = |changes: &[(bool, &str, &str, usize)]| -> Vec<(bool, String, String, usize)> {
        changes
            .iter()
            .map(|(added, audience, text, line)| (*added, audience.to_string(), text.to_string(), *line))
            .collect()
    };
    assert_eq!(
        said(&changes),
        owned(&[
            (true, "every customer", "When a customer says they have paid, pause chasing for 3 business days.", 23),
            (true, "SMB", "When a customer says they have paid, pause chasing for 14 days.", 18),
        ])
    );
    // A change of length is a removal and an addition, as for any guard.
    let text = std::fs::read_to_string(Path::new(ROOT).join("strategies/diffs/paid-claims.after.strategy")).unwrap();
    let longer = text.replace("for 3 business days", "for 5 business days");
    let folder = collectiq::files::Folder(Path::new(ROOT).join("strategies/diffs"));
    let longer = collectiq::plan::compile_bytes("paid-claims.longer.strategy", longer.into_bytes(), &folder).unwrap();
    assert_eq!(
        said(&diff(&after, &longer.plan)),
        owned(&[
            (false, "every customer", "When a customer says they have paid, pause chasing for 3 business days.", 23),
            (true, "every customer", "When a customer says they have paid, pause chasing for 5 business days.", 23),
        ])
    );
}

#[test]
fn reordering_reformatting_and_rephrasing_change_nothing() {
    let before = plan_of(BEFORE);
    for after in ["strategies/diffs/reordered.after.strategy", "strategies/diffs/rephrased.after.strategy", BEFORE] {
        let changes = diff(&before, &plan_of(after));
        assert!(changes.is_empty(), "{after} should mean the same:\n{}", report::text(&changes, Palette::plain()));
    }
}

fn collectiq(args: &[&str], folder: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_collectiq")).args(args).current_dir(folder).env("NO_COLOR", "1").output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

#[test]
fn exit_codes_say_same_different_or_error() {
    let root = Path::new(ROOT);
    assert_eq!(code(&collectiq(&["diff", BEFORE, "strategies/diffs/rephrased.after.strategy"], root)), 0);
    assert_eq!(code(&collectiq(&["diff", BEFORE, "strategies/diffs/rules.after.strategy"], root)), 1);
    assert_eq!(code(&collectiq(&["diff", BEFORE, "strategies/invalid/typos.strategy"], root)), 2);
    assert_eq!(code(&collectiq(&["diff", BEFORE, "strategies/diffs/no-such.strategy"], root)), 2);
    assert_eq!(code(&collectiq(&["diff", BEFORE], root)), 2);
    assert_eq!(code(&collectiq(&["diff", "--format", "yaml", BEFORE, BEFORE], root)), 2);
}

#[test]
fn plans_and_strategies_compare_alike() {
    let folder = std::env::temp_dir().join(format!("collectiq-diff-json-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let plan_file = folder.join("before.json");
    std::fs::write(&plan_file, to_json(&plan_of(BEFORE))).unwrap();
    let root = Path::new(ROOT);
    let same = collectiq(&["diff", plan_file.to_str().unwrap(), "strategies/diffs/reordered.after.strategy"], root);
    assert_eq!(code(&same), 0, "{}", String::from_utf8_lossy(&same.stdout));
    let json = collectiq(
        &["diff", "--format", "json", plan_file.to_str().unwrap(), "strategies/diffs/rules.after.strategy"],
        root,
    );
    assert_eq!(code(&json), 1);
    let changes: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(changes["rules"].as_array().unwrap().len(), 6);

    std::fs::write(&plan_file, "{\"plan_version\": 99}").unwrap();
    let refused = collectiq(&["diff", plan_file.to_str().unwrap(), BEFORE], root);
    assert_eq!(code(&refused), 2);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("version 99"));
}

#[test]
fn compile_writes_the_plan_the_library_makes() {
    let output = collectiq(&["compile", BEFORE], Path::new(ROOT));
    assert_eq!(code(&output), 0);
    assert_eq!(String::from_utf8(output.stdout).unwrap(), to_json(&plan_of(BEFORE)));
    let broken = collectiq(&["compile", "strategies/invalid/typos.strategy"], Path::new(ROOT));
    assert_eq!(code(&broken), 1);
    assert!(broken.stdout.is_empty(), "no plan is written for a strategy with errors");
}

fn git(folder: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=CollectIQ tests",
            "-c",
            "user.email=tests@collectiq.example",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn a_file_compares_with_its_committed_version() {
    let repo = std::env::temp_dir().join(format!("collectiq-diff-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    let folder = repo.join("strategies");
    std::fs::create_dir_all(folder.join("templates")).unwrap();
    for entry in std::fs::read_dir(Path::new(ROOT).join("strategies/diffs/templates")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join("templates").join(entry.file_name())).unwrap();
    }
    std::fs::copy(Path::new(ROOT).join(BEFORE), folder.join("northwind.strategy")).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "before"]);

    let unchanged = collectiq(&["diff", "--git", "HEAD", "northwind.strategy"], &folder);
    assert_eq!(code(&unchanged), 0, "{}", String::from_utf8_lossy(&unchanged.stderr));

    std::fs::copy(Path::new(ROOT).join("strategies/diffs/rules.after.strategy"), folder.join("northwind.strategy"))
        .unwrap();
    std::fs::copy(folder.join("templates/reminder.email"), folder.join("templates/upcoming.email")).unwrap();
    let changed = collectiq(&["diff", "--git", "HEAD", "northwind.strategy", "--format", "markdown"], &folder);
    assert_eq!(code(&changed), 1, "{}", String::from_utf8_lossy(&changed.stderr));
    let text = String::from_utf8(changed.stdout).unwrap();
    assert!(
        text.contains("**Rescheduled** `enterprise/overdue-45d/call-sam` → `enterprise/overdue-30d/call-sam`"),
        "{text}"
    );

    let missing = collectiq(&["diff", "--git", "no-such-revision", "northwind.strategy"], &folder);
    assert_eq!(code(&missing), 2);
}

#[test]
fn a_guard_moved_to_every_customer_is_a_change_even_from_a_segment_called_every_customer() {
    let folder = std::env::temp_dir().join(format!("collectiq-diff-guards-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let head = "Strategy \"G\".\nSegments:\n  \"Every customer\" customers are all other customers.\n";
    std::fs::write(
        folder.join("a.strategy"),
        format!("{head}For \"Every customer\" customers:\n  Stop chasing disputed invoices.\n"),
    )
    .unwrap();
    std::fs::write(
        folder.join("b.strategy"),
        format!("{head}For every customer:\n  Stop chasing disputed invoices.\n"),
    )
    .unwrap();
    let a = compile_path(&folder.join("a.strategy")).unwrap().plan;
    let b = compile_path(&folder.join("b.strategy")).unwrap().plan;
    assert_eq!(diff(&a, &b).guards.len(), 2);
}

#[test]
fn a_changed_condition_reads_as_one_change() {
    let changes = diff(&plan_of(BEFORE), &plan_of("strategies/diffs/rules.after.strategy"));
    let condition = changes
        .rules
        .iter()
        .find(|change| matches!(change, collectiq::plan::diff::RuleChange::ConditionChanged { .. }));
    assert!(condition.is_some(), "{:?}", changes.rules);
}

#[test]
fn revisions_that_look_like_options_are_refused() {
    let output = collectiq(&["diff", "--git", "--output=x", BEFORE], Path::new(ROOT));
    assert_eq!(code(&output), 2);
}

#[test]
fn a_claim_is_a_change_of_settings_and_each_of_its_parts_is_named() {
    let before = plan_of(BEFORE);
    let after = plan_of("strategies/diffs/claims.after.strategy");
    let changes = diff(&before, &after);
    assert!(changes.rules.is_empty() && changes.guards.is_empty() && changes.segments.is_empty());
    let said: Vec<(&str, &str, &str)> =
        changes.settings.iter().map(|c| (c.setting.as_str(), c.before.as_str(), c.after.as_str())).collect();
    assert_eq!(
        said,
        [
            ("late-payment claim", "not set", "the UK Late Payment Act"),
            ("late-payment claim spares", "not set", "contact group \"Consumers\""),
            ("late-payment interest rate", "not set", "the law's"),
        ]
    );
    // A contractual rate added beside the law changes the rate alone.
    let text = std::fs::read_to_string(Path::new(ROOT).join("strategies/diffs/claims.after.strategy")).unwrap();
    let with_rate = text.replace("\"Consumers\".\n", "\"Consumers\".\n  Claim interest at 2% a month.\n");
    let folder = collectiq::files::Folder(Path::new(ROOT).join("strategies/diffs"));
    let with_rate = collectiq::plan::compile_bytes("claims.rate.strategy", with_rate.into_bytes(), &folder).unwrap();
    let changes = diff(&after, &with_rate.plan);
    let said: Vec<(&str, &str, &str)> =
        changes.settings.iter().map(|c| (c.setting.as_str(), c.before.as_str(), c.after.as_str())).collect();
    assert_eq!(said, [("late-payment interest rate", "the law's", "2% a month (contractual)")]);
    assert_ne!(after.fingerprint(), with_rate.plan.fingerprint());
}
