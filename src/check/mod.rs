//! The checker: everything LANGUAGE.md §8 asks of a strategy that needs no Xero data — names,
//! values, templates, and the lints that catch a strategy doing something its author did not
//! mean. Each file checks one thing; [`Problem`] holds every message.

mod claims;
mod guards;
mod names;
mod problem;
mod reachability;
mod rules;
mod schedule;
mod settings;
mod templates;

use std::io;
use std::path::Path;

pub use problem::Problem;

use crate::ast::Strategy;
use crate::diagnostics::{Diagnostic, FileId, Sources};
use crate::files::{Folder, StrategyFiles};
use crate::source::{NotUtf8, SourceFile, decode};

/// Checks a parsed strategy, reading its templates and holiday file from `files`. Diagnostics
/// about the strategy point into `file`; those about a template point into the template, which
/// is added to `sources`.
pub fn check(strategy: &Strategy, files: &dyn StrategyFiles, sources: &mut Sources, file: FileId) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    problems.extend(names::check(strategy));
    problems.extend(settings::check(strategy, files));
    problems.extend(claims::check(strategy));
    problems.extend(rules::check(strategy));
    problems.extend(guards::check(strategy));
    problems.extend(reachability::check(strategy));
    problems.extend(schedule::check(strategy));
    problems.extend(templates::check(strategy, files, sources));
    problems
        .iter()
        .map(|problem| {
            let diagnostic = problem.to_diagnostic();
            // Problems in templates name their own file; the rest are about the strategy.
            if diagnostic.file == FileId::default() { diagnostic.in_file(file) } else { diagnostic }
        })
        .collect()
}

/// A strategy file read, parsed and checked.
#[derive(Debug)]
pub struct CheckedFile {
    pub file: FileId,
    /// The tree, when the file parsed well enough to have one.
    pub strategy: Option<Strategy>,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckedFile {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads, parses and checks the strategy at `path`, shown in messages as `path` is written.
/// Only a file that cannot be read at all is an `Err`; everything wrong inside it is a
/// diagnostic.
pub fn check_file(path: &Path, sources: &mut Sources) -> io::Result<CheckedFile> {
    let bytes = std::fs::read(path)?;
    Ok(check_bytes(&path.display().to_string(), bytes, &Folder::of(path), sources))
}

/// Parses and checks a strategy given as bytes (from a file or a git revision), reading its
/// templates and holiday file from `files`.
pub fn check_bytes(name: &str, bytes: Vec<u8>, files: &dyn StrategyFiles, sources: &mut Sources) -> CheckedFile {
    let (text, not_utf8) = decode(bytes);
    if let Some(NotUtf8 { byte, span }) = not_utf8 {
        let file = sources.add(SourceFile::new(name, text));
        let diagnostic = Problem::NotUtf8 { byte, span }.to_diagnostic().in_file(file);
        return CheckedFile { file, strategy: None, diagnostics: vec![diagnostic] };
    }
    let file = sources.add(SourceFile::new(name, text.clone()));
    let parsed = crate::syntax::parse(&text);
    let broken = parsed.has_errors();
    let mut diagnostics: Vec<Diagnostic> = parsed.diagnostics.into_iter().map(|d| d.in_file(file)).collect();
    if let Some(strategy) = &parsed.strategy {
        let checked = check(strategy, files, sources, file);
        // Sentences that did not parse are missing from the tree, so warnings about what the
        // tree lacks would mislead; they come back once the errors are fixed.
        diagnostics.extend(checked.into_iter().filter(|d| d.is_error() || !broken));
    }
    crate::diagnostics::sort(&mut diagnostics);
    CheckedFile { file, strategy: parsed.strategy, diagnostics }
}
