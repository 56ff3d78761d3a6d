//! Diagnostics for editors and CI: one JSON object each, with file, line, column and byte span.
//! miette's own JSON gives only byte offsets, so this is ours. After the first problems of a file
//! comes one object of the same shape, code `more-problems`, whose `not_shown` counts the rest.

use std::borrow::Cow;

use serde::Serialize;

use super::limit::{NotShown, Shown, shown};
use super::{Diagnostic, Severity, Sources};

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: Cow<'a, str>,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets `[start, end)` into the file.
    pub span: [usize; 2],
    pub label: Option<&'a str>,
    pub help: Option<Cow<'a, str>>,
    /// On the `more-problems` entry only: how many problems of the file were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_shown: Option<usize>,
}

impl<'a> JsonDiagnostic<'a> {
    pub fn new(diagnostic: &'a Diagnostic, sources: &'a Sources) -> Self {
        let file = sources.get(diagnostic.file);
        let span = diagnostic.primary.span;
        let start = file.line_column(span.start);
        let end = file.line_column(span.end);
        JsonDiagnostic {
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: Cow::Borrowed(&diagnostic.message),
            file: file.name(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            span: [span.start, span.end],
            label: Some(diagnostic.primary.text.as_str()).filter(|text| !text.is_empty()),
            help: diagnostic.help.as_deref().map(Cow::Borrowed),
            not_shown: None,
        }
    }

    /// The entry that counts the problems left out, placed where the first of them is.
    pub fn not_shown(not_shown: &NotShown<'a>, sources: &'a Sources) -> Self {
        let at = JsonDiagnostic::new(not_shown.first, sources);
        JsonDiagnostic {
            severity: not_shown.severity,
            code: "more-problems",
            message: not_shown.message("this file").into(),
            label: None,
            help: Some(not_shown.help().into()),
            not_shown: Some(not_shown.count),
            ..at
        }
    }
}

/// The diagnostics as one JSON array: the first of each file, and a count of the rest.
pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let entries: Vec<JsonDiagnostic> = shown(diagnostics)
        .iter()
        .map(|entry| match entry {
            Shown::Diagnostic(diagnostic) => JsonDiagnostic::new(diagnostic, sources),
            Shown::NotShown(not_shown) => JsonDiagnostic::not_shown(not_shown, sources),
        })
        .collect();
    serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".to_string())
}
