//! Reading a strategy: the lexer (logos) turns text into tokens, the parser (chumsky) turns
//! tokens into the [`Strategy`] tree. Both report every problem they meet and carry on, so one
//! run shows all the errors in a file.

pub mod error;
mod expected;
mod grammar;
pub mod keyword;
pub mod lexer;
mod nesting;
pub mod token;
mod token_parsers;
mod unexpected;

use chumsky::Parser;
use chumsky::input::Input;

use crate::ast::Strategy;
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// What reading a file gives: the tree (unless the file is too broken to have one), the
/// comments (for `fmt`) and the problems found.
#[derive(Debug)]
pub struct Parsed {
    pub strategy: Option<Strategy>,
    pub comments: Vec<Span>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn parse(text: &str) -> Parsed {
    let lexed = lexer::lex(text);
    let mut diagnostics: Vec<Diagnostic> =
        lexed.errors.iter().map(|(error, span)| error.to_diagnostic(*span)).collect();
    let end = Span::new(text.len(), text.len());
    let (strategy, errors) =
        grammar::strategy().parse(lexed.tokens.as_slice().split_token_span(end)).into_output_errors();
    diagnostics.extend(
        errors
            .iter()
            // The lexer has already explained text it could not read.
            .filter(|error| !error.is_about_invalid_text())
            .map(|error| error.to_diagnostic(&lexed.tokens, text)),
    );
    crate::diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    Parsed { strategy: strategy.flatten(), comments: lexed.comments, diagnostics }
}

/// Reads a date written as in a strategy (`2026-12-25`, `25 December`, `December 25`), such as a
/// line of a holiday file.
pub fn parse_date(text: &str) -> Option<crate::ast::CalendarDate> {
    let lexed = lexer::lex(text);
    if !lexed.errors.is_empty() {
        return None;
    }
    let end = Span::new(text.len(), text.len());
    let date_only = grammar::date()
        .then_ignore(chumsky::prelude::just(token::Token::Newline).or_not())
        .then_ignore(chumsky::prelude::end());
    date_only.parse(lexed.tokens.as_slice().split_token_span(end)).into_output().map(|date| date.date)
}

/// The lines of a holiday file that hold something: one date per line, blank lines and lines
/// starting with `#` ignored. Each comes with its line number and its date, when it is one.
pub fn holiday_file_lines(text: &str) -> impl Iterator<Item = (usize, &str, Option<crate::ast::CalendarDate>)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(number, line)| (number, line, parse_date(line)))
}
