//! docs/language.md is the reference for collections managers. Its examples must work:
//! - every `strategy…` code block passes `check` (blocks of settings, segments or rules are
//!   checked under their heading);
//! - every form in its tables of triggers, conditions, actions and settings reads as it says;
//! - it documents every diagnostic code and every template variable CollectIQ has.

mod common;

use std::path::Path;

use collectiq::check::check;
use collectiq::diagnostics::{Diagnostic, Sources};
use collectiq::files::Folder;
use collectiq::source::SourceFile;
use common::render_all;

const DOCS: &str = include_str!("../docs/language.md");
const DOCS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");

/// Each fenced block: its tag and its text.
fn blocks() -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in DOCS.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(tag)) => current = Some((tag.trim().to_string(), String::new())),
            (Some(_), Some(_)) => blocks.push(current.take().unwrap()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// Reads and checks a strategy, failing with the rendered errors if it has any.
fn assert_checks(text: &str, what: &str) {
    let parsed = collectiq::syntax::parse(text);
    let mut sources = Sources::default();
    let file = sources.add(SourceFile::new("docs example", text));
    let mut diagnostics = parsed.diagnostics.clone();
    if let Some(strategy) = &parsed.strategy {
        diagnostics.extend(check(strategy, &Folder(Path::new(DOCS_DIR).to_path_buf()), &mut sources, file));
    }
    let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    assert!(errors.is_empty(), "{what} does not check:\n{text}\n{}", render_all(&errors, &sources));
}

fn under(heading: &str, sentences: &str) -> String {
    let body: String = sentences.lines().map(|line| format!("  {line}\n")).collect();
    format!("Strategy \"Docs example\".\n\n{heading}\n{body}")
}

#[test]
fn every_example_block_checks() {
    let mut count = 0;
    for (tag, text) in blocks() {
        let strategy = match tag.as_str() {
            "strategy" => text,
            "strategy-settings" => under("Settings:", &text),
            "strategy-segments" => under("Segments:", &text),
            "strategy-rules" => under("For every customer:", &text),
            _ => continue,
        };
        assert_checks(&strategy, &format!("a `{tag}` example"));
        count += 1;
    }
    assert!(count >= 10, "only {count} examples were found");
}

/// The backticked forms in the given column of the first table after `heading`.
fn table_forms(heading: &str, column: usize) -> Vec<String> {
    let start = DOCS.find(heading).unwrap_or_else(|| panic!("no heading {heading}"));
    let rows = DOCS[start..].lines().skip_while(|line| !line.starts_with('|')).take_while(|line| line.starts_with('|'));
    let forms: Vec<String> = rows
        .skip(2)
        .filter_map(|row| row.split('|').nth(column + 1).map(str::to_string))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(!forms.is_empty(), "no forms under {heading}");
    forms
}

#[test]
fn every_trigger_in_the_table_reads() {
    for trigger in table_forms("### When: triggers", 1) {
        assert_checks(&under("For every customer:", &format!("{trigger}, create a call task for \"Sam\".")), &trigger);
    }
}

#[test]
fn every_action_in_the_table_reads() {
    for action in table_forms("### Then: actions", 1) {
        assert_checks(&under("For every customer:", &format!("1 day after the due date, {action}.")), &action);
    }
}

#[test]
fn every_condition_in_the_tables_reads() {
    for condition in table_forms("### Conditions on customers", 0) {
        assert_checks(&under("Segments:", &format!("\"S\" customers are {condition}.")), &condition);
    }
    for condition in table_forms("### If: conditions on the invoice", 0) {
        assert_checks(
            &under("For every customer:", &format!("1 day after the due date, if {condition}, stop chasing.")),
            &condition,
        );
    }
}

#[test]
fn every_reply_guard_in_the_table_reads() {
    for guard in table_forms("What a customer's reply does", 0) {
        assert_checks(&under("For every customer:", &guard), &guard);
    }
}

#[test]
fn every_setting_in_the_table_reads() {
    for setting in table_forms("## 3. Settings", 0) {
        assert_checks(&under("Settings:", &setting), &setting);
    }
}

#[test]
fn every_diagnostic_code_is_documented() {
    let mut codes = Vec::new();
    collect_codes(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut codes);
    assert!(codes.len() > 30, "found only {} codes", codes.len());
    for code in codes {
        assert!(DOCS.contains(&format!("`{code}`")), "docs/language.md does not document the code {code}");
    }
}

/// Every code given to `Diagnostic::error(…)` or `Diagnostic::warning(…)` in the sources.
fn collect_codes(folder: &Path, codes: &mut Vec<String>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_codes(&path, codes);
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for constructor in ["Diagnostic::error(", "Diagnostic::warning("] {
            for piece in source.split(constructor).skip(1) {
                let code = piece.trim_start().strip_prefix('"').and_then(|rest| rest.split('"').next());
                if let Some(code) = code.filter(|code| !code.is_empty() && !code.contains(' ')) {
                    codes.push(code.to_string());
                }
            }
        }
    }
}

#[test]
fn every_template_variable_is_documented() {
    for (name, _) in collectiq::template::PROVIDED {
        assert!(DOCS.contains(&format!("| `{name}` |")), "docs/language.md does not list the variable {name}");
    }
}
