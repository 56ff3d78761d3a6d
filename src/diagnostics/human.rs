//! Diagnostics for people, drawn by miette: the message, `file:line:col`, the user's own words
//! underlined, and the help. miette reads the file through [`Snippet`], which finds lines by the
//! file's line index.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode, SourceSpan};

use super::limit::NotShown;
use super::snippet::{Snippet, clip_label};
use super::{Diagnostic, Severity, Sources};

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
    let report = Report { diagnostic, file: Snippet(sources.get(diagnostic.file)) };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // miette only fails on a span outside the file; fall back to the bare message.
        out = format!("{}: {}\n", severity_word(diagnostic.severity), diagnostic.message);
    }
    out
}

/// The line after a file's first problems that counts the rest and says where the next one is.
pub fn render_not_shown(not_shown: &NotShown<'_>, sources: &Sources) -> String {
    let file = sources.get(not_shown.file);
    let next = file.line_column(not_shown.first.primary.span.start);
    let message = not_shown.message(file.name());
    format!("… {message}; the next is at {}:{}:{}\n  help: {}\n", file.name(), next.line, next.column, not_shown.help())
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    file: Snippet<'a>,
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
        let span = |span| {
            let span = clip_label(self.file.0, span);
            SourceSpan::new(span.start.into(), span.len())
        };
        let primary = LabeledSpan::new_primary_with_span(text(&primary.text), span(primary.span));
        let secondary = self
            .diagnostic
            .secondary
            .iter()
            .map(move |label| LabeledSpan::new_with_span(text(&label.text), span(label.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}
