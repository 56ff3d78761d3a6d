//! Helpers shared by the integration tests.
#![allow(dead_code)]

use collectiq::ast::Strategy;
use collectiq::diagnostics::{Diagnostic, Sources, Style, render_human};
use collectiq::source::SourceFile;
use serde_json::Value;

/// The tree as JSON with every span replaced by null: what "the same tree, spans aside" means.
pub fn without_spans(strategy: &Strategy) -> Value {
    erase(serde_json::to_value(strategy).expect("the tree serialises"))
}

fn erase(value: Value) -> Value {
    match value {
        Value::String(text) if is_span(&text) => Value::Null,
        Value::Array(items) => Value::Array(items.into_iter().map(erase).collect()),
        Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, erase(v))).collect()),
        other => other,
    }
}

fn is_span(text: &str) -> bool {
    text.split_once("..")
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && (a.to_string() + b).chars().all(|c| c.is_ascii_digit()))
}

/// Diagnostics as `collectiq check` prints them for a pipe.
pub fn render_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    diagnostics.iter().map(|d| render_human(d, sources, Style::Plain)).collect()
}

/// Parses text that must parse cleanly, showing the diagnostics if it does not.
pub fn parse_clean(text: &str) -> Strategy {
    let parsed = collectiq::syntax::parse(text);
    if parsed.has_errors() || parsed.strategy.is_none() {
        let mut sources = Sources::default();
        sources.add(SourceFile::new("input.strategy", text));
        panic!("expected a clean parse of:\n{text}\n{}", render_all(&parsed.diagnostics, &sources));
    }
    parsed.strategy.unwrap()
}

/// A strategy holding one sentence under the given heading.
pub fn strategy_with(heading: &str, sentence: &str) -> String {
    format!("Strategy \"Test\".\n\n{heading}\n  {sentence}\n")
}
