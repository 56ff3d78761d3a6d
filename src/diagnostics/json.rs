//! Diagnostics for editors and CI: one JSON object each, with file, line, column and byte span.
//! miette's own JSON gives only byte offsets, so this is ours.

use serde::Serialize;

use super::{Diagnostic, Severity, Sources};

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets `[start, end)` into the file.
    pub span: [usize; 2],
    pub label: Option<&'a str>,
    pub help: Option<&'a str>,
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
            message: &diagnostic.message,
            file: file.name(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            span: [span.start, span.end],
            label: Some(diagnostic.primary.text.as_str()).filter(|text| !text.is_empty()),
            help: diagnostic.help.as_deref(),
        }
    }
}

/// All diagnostics as one JSON array.
pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let entries: Vec<JsonDiagnostic> = diagnostics.iter().map(|d| JsonDiagnostic::new(d, sources)).collect();
    serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".to_string())
}
