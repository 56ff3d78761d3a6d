//! How deeply a condition may nest. The parser reads brackets and `not` by recursion, and so do
//! the checker and the formatter on the tree it builds, so a sentence of a hundred thousand
//! opening brackets overflowed the stack. Before parsing, brackets and `not`s past
//! [`MOST_NESTED`] levels become unreadable tokens, reported once per sentence; no strategy
//! written by a person comes near the limit.

use super::keyword::Keyword;
use super::token::Token;
use crate::source::Span;

/// The deepest a condition may nest, counting each bracket and each `not` as a level.
pub const MOST_NESTED: usize = 16;

/// Turns the brackets and `not`s that nest past [`MOST_NESTED`] into [`Token::Invalid`] (with the
/// closing brackets that match them), and gives the first of each sentence, to be reported.
pub fn limit(tokens: &mut [(Token<'_>, Span)]) -> Vec<Span> {
    let mut too_deep = Vec::new();
    let mut depth = Depth::default();
    for (token, span) in tokens.iter_mut() {
        match *token {
            Token::FullStop | Token::Newline | Token::Colon => depth = Depth::default(),
            Token::OpenParen | Token::Keyword(Keyword::Not) if depth.too_deep() => {
                if *token == Token::OpenParen {
                    depth.dropped_brackets += 1;
                }
                *token = Token::Invalid;
                if !depth.reported {
                    depth.reported = true;
                    too_deep.push(*span);
                }
            }
            Token::OpenParen => depth.open(),
            Token::CloseParen if depth.dropped_brackets > 0 => {
                depth.dropped_brackets -= 1;
                *token = Token::Invalid;
            }
            Token::CloseParen => depth.close(),
            Token::Keyword(Keyword::Not) => depth.nots += 1,
            // `customer not customer not …` is still one chain of `not`s.
            Token::Keyword(Keyword::Customer) => {}
            _ => depth.nots = 0,
        }
    }
    too_deep
}

/// How deep the parser would be at the current token of a sentence.
#[derive(Default)]
struct Depth {
    /// The `not`s written just before each open bracket, innermost last.
    brackets: Vec<usize>,
    /// The `not`s held by the open brackets, summed.
    held: usize,
    /// The `not`s since the last word that was not `not`.
    nots: usize,
    /// Brackets made unreadable that are not yet closed: their closing brackets go too.
    dropped_brackets: usize,
    reported: bool,
}

impl Depth {
    fn too_deep(&self) -> bool {
        self.dropped_brackets > 0 || self.brackets.len() + self.held + self.nots >= MOST_NESTED
    }

    fn open(&mut self) {
        self.brackets.push(self.nots);
        self.held += self.nots;
        self.nots = 0;
    }

    fn close(&mut self) {
        self.held -= self.brackets.pop().unwrap_or(0);
        self.nots = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(condition: &str) -> String {
        format!("Strategy \"s\".\nSegments:\n  \"a\" customers are {condition}.\n")
    }

    #[test]
    fn the_deepest_allowed_condition_parses_on_a_test_thread() {
        let test = "customers in the contact group \"g\"";
        let brackets = format!("{}{test}{}", "(".repeat(MOST_NESTED - 1), ")".repeat(MOST_NESTED - 1));
        assert!(!crate::syntax::parse(&segment(&brackets)).has_errors());
        let nots = format!("{}{test}", "not ".repeat(MOST_NESTED - 1));
        assert!(!crate::syntax::parse(&segment(&nots)).has_errors());
    }

    #[test]
    fn a_hundred_thousand_brackets_are_one_error() {
        let parsed = crate::syntax::parse(&segment(&"(".repeat(100_000)));
        let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["nested-too-deeply"]);
    }
}
