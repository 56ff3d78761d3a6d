//! At most [`MOST_SHOWN`] problems of a file are shown; the rest are counted. A file of junk can
//! hold a million problems, and nobody reads past the first screenfuls: the first ones are where
//! to start, and fixing them often clears many of the rest.

use super::{Diagnostic, FileId, Severity};

/// How many problems of one file are shown.
pub const MOST_SHOWN: usize = 100;

/// What is shown of a list of diagnostics, in order: each diagnostic, and after the first
/// [`MOST_SHOWN`] of a file, one count of those of that file left out.
#[derive(Debug)]
pub enum Shown<'a> {
    Diagnostic(&'a Diagnostic),
    NotShown(NotShown<'a>),
}

/// The problems of one file that were left out.
#[derive(Debug)]
pub struct NotShown<'a> {
    pub file: FileId,
    pub count: usize,
    /// The first left out, to say where they start.
    pub first: &'a Diagnostic,
    /// Error if any left out is an error.
    pub severity: Severity,
}

impl NotShown<'_> {
    /// `and 9,900 more problems in this file, not shown`, with the file named as `file`.
    pub fn message(&self, file: &str) -> String {
        let noun = if self.count == 1 { "problem" } else { "problems" };
        format!("and {} more {noun} in {file}, not shown", thousands(self.count))
    }

    pub fn help(&self) -> String {
        format!("the first {MOST_SHOWN} are shown: fix them and check again to see the rest")
    }
}

/// The diagnostics to show, the first [`MOST_SHOWN`] of each file, with a count after those of a
/// file with more. Diagnostics of one file are expected together, as `check` sorts them.
pub fn shown(diagnostics: &[Diagnostic]) -> Vec<Shown<'_>> {
    let mut out = Vec::with_capacity(diagnostics.len().min(MOST_SHOWN + 1));
    let mut rest = diagnostics;
    while let Some(first) = rest.first() {
        let same_file = rest.iter().take_while(|d| d.file == first.file).count();
        let (file, after) = rest.split_at(same_file);
        out.extend(file.iter().take(MOST_SHOWN).map(Shown::Diagnostic));
        if let Some(left_out) = file.get(MOST_SHOWN..).filter(|left_out| !left_out.is_empty()) {
            let severity = if left_out.iter().any(Diagnostic::is_error) { Severity::Error } else { Severity::Warning };
            out.push(Shown::NotShown(NotShown {
                file: first.file,
                count: left_out.len(),
                first: &left_out[0],
                severity,
            }));
        }
        rest = after;
    }
    out
}

/// `9,900`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn problems(file: usize, count: usize) -> Vec<Diagnostic> {
        (0..count)
            .map(|at| Diagnostic::warning("duplicate-rule", "x", Span::new(at, at)).in_file(FileId(file)))
            .collect()
    }

    #[test]
    fn shows_the_first_of_each_file_and_counts_the_rest() {
        let mut diagnostics = problems(0, 250);
        diagnostics.extend(problems(1, 3));
        let shown = shown(&diagnostics);
        assert_eq!(shown.len(), MOST_SHOWN + 1 + 3);
        let Shown::NotShown(not_shown) = &shown[MOST_SHOWN] else { panic!("no count after the first file") };
        assert_eq!((not_shown.file, not_shown.count), (FileId(0), 150));
        assert_eq!(not_shown.first.primary.span.start, MOST_SHOWN);
        assert_eq!(not_shown.message("this file"), "and 150 more problems in this file, not shown");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(9_900), "9,900");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
