//! Plans: one per corpus strategy (snapshotted), valid against the committed JSON Schema,
//! deterministic, round-tripping through JSON, refusing unknown versions, and the same (apart
//! from source locations) however a strategy is ordered or phrased.

use std::path::{Path, PathBuf};

use collectiq::plan::{CompileError, LoadError, Plan, compile_path, from_json, schema, to_json};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn at_root() {
    std::env::set_current_dir(ROOT).unwrap();
}

fn strategies(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(folder))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "strategy"))
        .map(|path| path.strip_prefix(ROOT).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

fn plan_of(path: &Path) -> Plan {
    at_root();
    match compile_path(path) {
        Ok(compiled) => compiled.plan,
        Err(error) => panic!("{} does not compile: {error}", path.display()),
    }
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// The plan as JSON without where anything was written.
fn without_locations(plan: &Plan) -> Value {
    fn erase(value: Value) -> Value {
        match value {
            Value::Object(fields) => Value::Object(
                fields.into_iter().filter(|(key, _)| key != "source").map(|(k, v)| (k, erase(v))).collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(erase).collect()),
            other => other,
        }
    }
    erase(serde_json::to_value(plan).unwrap())
}

fn rule_ids(plan: &Plan) -> Vec<String> {
    let mut ids: Vec<String> = plan
        .segments
        .iter()
        .map(|s| &s.audience)
        .chain([&plan.every_customer])
        .flat_map(|a| a.rules.iter().map(|r| r.id.clone()))
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_corpus_strategy_has_a_plan() {
    for path in strategies("strategies") {
        let json = to_json(&plan_of(&path));
        let name = format!("plan-{}", path.file_stem().unwrap().to_string_lossy());
        snapshot_settings().bind(|| insta::assert_snapshot!(name, json));
    }
}

#[test]
fn the_committed_schema_is_the_one_the_types_give() {
    let committed = std::fs::read_to_string(Path::new(ROOT).join("docs/plan.schema.json")).unwrap();
    assert!(committed == schema(), "docs/plan.schema.json is stale: run `cargo run -- schema > docs/plan.schema.json`");
}

#[test]
fn every_plan_validates_against_the_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(ROOT).join("docs/plan.schema.json")).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("plan.schema.json", schema).unwrap();
    let index = compiler.compile("plan.schema.json", &mut schemas).unwrap();
    let paths = strategies("strategies").into_iter().chain(strategies("strategies/diffs"));
    for path in paths {
        let json: Value = serde_json::from_str(&to_json(&plan_of(&path))).unwrap();
        if let Err(error) = schemas.validate(&json, index) {
            panic!("the plan of {} does not fit the schema: {error}", path.display());
        }
    }
    // And the schema does reject a plan that is wrong.
    let mut broken: Value = serde_json::from_str(&to_json(&plan_of(Path::new("strategies/saas.strategy")))).unwrap();
    broken["settings"]["sending_window"]["days"] = Value::from("sometimes");
    assert!(schemas.validate(&broken, index).is_err());
}

#[test]
fn compiling_is_deterministic() {
    for path in strategies("strategies") {
        assert_eq!(to_json(&plan_of(&path)), to_json(&plan_of(&path)), "{}", path.display());
    }
}

#[test]
fn plans_round_trip_through_json() {
    for path in strategies("strategies") {
        let plan = plan_of(&path);
        assert_eq!(from_json(&to_json(&plan)).unwrap(), plan, "{}", path.display());
    }
}

#[test]
fn order_layout_and_phrasing_leave_the_plan_unchanged_but_for_locations() {
    let before = plan_of(Path::new("strategies/diffs/before.strategy"));
    for other in ["strategies/diffs/reordered.after.strategy", "strategies/diffs/rephrased.after.strategy"] {
        let after = plan_of(Path::new(other));
        assert_eq!(without_locations(&after), without_locations(&before), "{other} should have the same plan");
        assert_eq!(rule_ids(&after), rule_ids(&before));
    }
}

#[test]
fn rule_ids_are_unique_in_every_plan() {
    for path in strategies("strategies").into_iter().chain(strategies("strategies/diffs")) {
        let ids = rule_ids(&plan_of(&path));
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique, "{} has a repeated rule id", path.display());
    }
}

fn write_strategy(name: &str, body: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("collectiq-plan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("s.strategy");
    std::fs::write(&path, format!("Strategy \"S\".\nFor every customer:\n{body}")).unwrap();
    path
}

#[test]
fn rules_alike_but_for_their_condition_get_distinct_ids_and_repeats_count_once() {
    let path = write_strategy(
        "ids",
        "  At 60 days overdue, if the invoice is in AUD, escalate to \"Dana\".\n  At 60 days overdue, if more than $5,000 is outstanding, escalate to \"Dana\".\n  1 day overdue, stop chasing.\n  At 1 day overdue, stop chasing.\n",
    );
    let plan = compile_path(&path).unwrap().plan;
    let ids = rule_ids(&plan);
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(
        ids.iter().filter(|id| id.starts_with("every-customer/overdue-60d/escalate-dana/if-")).count() == 2,
        "{ids:?}"
    );
    assert!(ids.contains(&"every-customer/overdue-1d/stop-chasing".to_string()));
}

#[test]
fn a_year_is_twelve_months_in_the_plan() {
    let guard = |period: &str| {
        let body = format!("  Don't contact customers billed more than $1,000 in the last {period}.\n");
        let plan = compile_path(&write_strategy(&format!("year-{}", period.replace(' ', "-")), &body)).unwrap().plan;
        serde_json::to_value(&plan.every_customer.guards[0].kind).unwrap()
    };
    assert_eq!(guard("year"), guard("12 months"));
    assert_eq!(guard("2 years"), guard("24 months"));
}

#[test]
fn unless_is_if_not() {
    let unless =
        compile_path(&write_strategy("unless", "  1 day overdue, unless the invoice is partly paid, stop chasing.\n"))
            .unwrap()
            .plan;
    let if_not =
        compile_path(&write_strategy("if-not", "  1 day overdue, if not the invoice is partly paid, stop chasing.\n"))
            .unwrap()
            .plan;
    assert_eq!(unless.every_customer.rules[0].condition, if_not.every_customer.rules[0].condition);
}

#[test]
fn strategies_with_errors_have_no_plan() {
    at_root();
    match compile_path(Path::new("strategies/invalid/typos.strategy")) {
        Err(CompileError::Invalid { diagnostics, .. }) => assert!(diagnostics.iter().any(|d| d.is_error())),
        other => panic!("expected errors, got {other:?}"),
    }
}

#[test]
fn loading_refuses_other_versions_and_damaged_plans() {
    let plan: Value = serde_json::from_str(&to_json(&plan_of(Path::new("strategies/saas.strategy")))).unwrap();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut copy = plan.clone();
        change(&mut copy);
        from_json(&copy.to_string())
    };
    assert!(matches!(with(&|p| p["plan_version"] = Value::from(2)), Err(LoadError::UnknownVersion(v)) if v == "2"));
    let missing = with(&|p| {
        p.as_object_mut().unwrap().remove("settings");
    });
    assert!(
        matches!(&missing, Err(LoadError::Malformed(why)) if why.to_string().contains("missing field `settings`")),
        "{missing:?}"
    );
    let unknown = with(&|p| p["colour"] = Value::from("blue"));
    assert!(
        matches!(&unknown, Err(LoadError::Malformed(why)) if why.to_string().contains("unknown field `colour`")),
        "{unknown:?}"
    );
    let bad_time = with(&|p| p["settings"]["sending_window"]["start"] = Value::from("25:00"));
    assert!(matches!(&bad_time, Err(LoadError::Malformed(why)) if why.to_string().contains("25:00")), "{bad_time:?}");
    assert!(with(&|_| {}).is_ok());
}

#[test]
fn adding_a_rule_never_renames_another() {
    let before =
        compile_path(&write_strategy("sibling-before", "  60 days after the due date, escalate to \"Dana\".\n"))
            .unwrap()
            .plan;
    let after = compile_path(&write_strategy(
        "sibling-after",
        "  60 days after the due date, escalate to \"Dana\".\n  60 days after the due date, if the invoice is in AUD, escalate to \"Dana\".\n",
    ))
    .unwrap()
    .plan;
    let before_ids = rule_ids(&before);
    let after_ids = rule_ids(&after);
    assert_eq!(before_ids, ["every-customer/overdue-60d/escalate-dana"]);
    assert!(before_ids.iter().all(|id| after_ids.contains(id)), "{after_ids:?}");
}

#[test]
fn skip_for_every_customer_is_the_minimum_amount_setting() {
    let setting = compile_path(&write_strategy_with(
        "min-setting",
        "Settings:\n  Ignore invoices with less than $20 outstanding.\n",
    ))
    .unwrap()
    .plan;
    let guard = compile_path(&write_strategy_with(
        "min-guard",
        "For every customer:\n  Skip invoices with less than $20 outstanding.\n",
    ))
    .unwrap()
    .plan;
    assert_eq!(without_locations(&setting), without_locations(&guard));
    assert!(setting.settings.minimum_amount.is_some());
}

#[test]
fn the_order_of_organisations_and_copies_means_nothing() {
    let one =
        "Strategy \"S\" for organisations \"A\" and \"B\".\nFor every customer:\n  1 day overdue, stop chasing.\n";
    let other =
        "Strategy \"S\" for organisations \"B\" and \"A\".\nFor every customer:\n  1 day overdue, stop chasing.\n";
    let compile = |name: &str, text: &str| {
        let folder = std::env::temp_dir().join(format!("collectiq-plan-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("s.strategy"), text).unwrap();
        compile_path(&folder.join("s.strategy")).unwrap().plan
    };
    assert_eq!(without_locations(&compile("orgs-ab", one)), without_locations(&compile("orgs-ba", other)));
}

fn write_strategy_with(name: &str, sections: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("collectiq-plan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("s.strategy");
    std::fs::write(&path, format!("Strategy \"S\".\n{sections}")).unwrap();
    path
}

#[test]
fn a_plan_with_a_repeated_rule_id_is_refused() {
    let mut plan: Value = serde_json::from_str(&to_json(&plan_of(Path::new("strategies/saas.strategy")))).unwrap();
    let rules = plan["segments"][0]["rules"].as_array_mut().unwrap();
    let copy = rules[0].clone();
    rules.push(copy);
    let refused = from_json(&plan.to_string());
    assert!(matches!(&refused, Err(LoadError::RepeatedId(id)) if !id.is_empty()), "{refused:?}");
}
