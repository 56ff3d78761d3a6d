//! Diagnostics for people, drawn by miette: the message, `file:line:col`, the user's own words
//! underlined, and the help.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::{Diagnostic, Severity, Sources};
use crate::source::SourceFile;

/// Colour for a terminal, plain for pipes, files and snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Colour,
    Plain,
}

pub fn render_human(diagnostic: &Diagnostic, sources: &Sources, style: Style) -> String {
    let theme = match style {
        Style::Colour => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let report = Report { diagnostic, file: NamedFile(sources.get(diagnostic.file)) };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // miette only fails on a span outside the file; fall back to the bare message.
        out = format!("{}: {}\n", severity_word(diagnostic.severity), diagnostic.message);
    }
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    file: NamedFile<'a>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("{}[{}]", severity_word(self.diagnostic.severity), self.diagnostic.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = &self.diagnostic.primary;
        let text = |label: &str| (!label.is_empty()).then(|| label.to_string());
        let primary = LabeledSpan::new_primary_with_span(text(&primary.text), to_source_span(primary.span));
        let secondary = self
            .diagnostic
            .secondary
            .iter()
            .map(move |label| LabeledSpan::new_with_span(text(&label.text), to_source_span(label.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

fn to_source_span(span: crate::source::Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

/// A source file that tells miette its name, so reports show `file:line:col`.
struct NamedFile<'a>(&'a SourceFile);

impl SourceCode for NamedFile<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.0.text().read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
