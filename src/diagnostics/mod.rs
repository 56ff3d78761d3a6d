//! One diagnostic type for every phase. Each phase keeps its own error enum (`syntax::SyntaxError`,
//! `check::Problem`, …) and turns it into a [`Diagnostic`], which renders for people (`human`,
//! through miette) and for editors and CI (`json`). Both show the first problems of a file and
//! count the rest (`limit`).

mod human;
mod json;
mod limit;
mod snippet;

use std::borrow::Cow;

use serde::Serialize;

pub use human::{Style, render_human, render_not_shown};
pub use json::{JsonDiagnostic, render_json};
pub use limit::{MOST_SHOWN, NotShown, Shown, shown, thousands};

use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Which file of a [`Sources`] a diagnostic points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub usize);

/// An underlined place with a short note, such as "this segment is never reached".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable name for the kind of problem, such as `unknown-segment`.
    pub code: &'static str,
    /// What is wrong, in plain words. Most messages and helps are fixed texts, so they are
    /// borrowed rather than copied: a file of junk can give a million diagnostics.
    pub message: Cow<'static, str>,
    pub file: FileId,
    /// The user's own words that the message is about.
    pub primary: Label,
    /// Other places in the same file that explain the problem.
    pub secondary: Vec<Label>,
    /// What to do about it, such as `did you mean "days"?`.
    pub help: Option<Cow<'static, str>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<Cow<'static, str>>, span: Span) -> Self {
        Diagnostic::new(Severity::Error, code, message, span)
    }

    pub fn warning(code: &'static str, message: impl Into<Cow<'static, str>>, span: Span) -> Self {
        Diagnostic::new(Severity::Warning, code, message, span)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<Cow<'static, str>>, span: Span) -> Self {
        Diagnostic {
            severity,
            code,
            message: shorten(message.into()),
            file: FileId::default(),
            primary: Label { span, text: String::new() },
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = shorten(Cow::Owned(text.into())).into_owned();
        self
    }

    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(shorten(help.into()));
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.map(|help| shorten(Cow::Owned(help)));
        self
    }

    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label { span, text: text.into() });
        self
    }

    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = file;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Messages quote the user's words, and a word can be a megabyte long: past [`LONGEST_TEXT`]
/// bytes a message keeps its beginning and its end, with "…" between.
const LONGEST_TEXT: usize = 400;

fn shorten(text: Cow<'static, str>) -> Cow<'static, str> {
    if text.len() <= LONGEST_TEXT {
        return text;
    }
    let head = crate::source::floor_char_boundary(&text, LONGEST_TEXT * 2 / 3);
    let mut tail = text.len() - LONGEST_TEXT / 3;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!("{} … {}", &text[..head], &text[tail..]))
}

/// The files that diagnostics point into: a strategy and the templates it names.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }
}

/// Sorts diagnostics the way people read a file: by file, then position, errors first at a tie.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.file, a.primary.span.start, a.severity, a.primary.span.end).cmp(&(
            b.file,
            b.primary.span.start,
            b.severity,
            b.primary.span.end,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_keep_their_beginning_and_end() {
        let message = format!("I don't understand \"{}\" here", "é".repeat(100_000));
        let diagnostic = Diagnostic::error("unexpected-word", message, Span::new(0, 0));
        assert!(diagnostic.message.len() < LONGEST_TEXT + 10);
        assert!(diagnostic.message.starts_with("I don't understand \"éé"));
        assert!(diagnostic.message.ends_with("éé\" here"));
        assert!(diagnostic.message.contains(" … "));
    }
}
