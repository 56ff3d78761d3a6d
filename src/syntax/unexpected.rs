//! Turning "expected these, found that" into a message a collections manager can act on: the
//! user's own word quoted, what would have fitted, and a hint for the common slips.

use super::expected::Expected;
use super::keyword::Keyword;
use super::token::Token;
use crate::diagnostics::Diagnostic;
use crate::ledger::CurrencyCode;
use crate::source::Span;
use crate::suggest;

/// The diagnostic for finding `found` (written as `written`) where `expected` would fit.
pub fn unexpected(span: Span, found: Option<&Token<'_>>, written: &str, expected: &[Expected]) -> Diagnostic {
    let mut expected: Vec<Expected> = expected.to_vec();
    expected.sort_by_key(|e| (!e.is_concept(), *e));
    expected.dedup();
    let wanted = describe_list(&expected);
    let (code, message) = match found {
        None => ("unexpected-end", "the file ends in the middle of a sentence".to_string()),
        Some(Token::Newline) | Some(Token::FullStop) => {
            ("incomplete-sentence", "this sentence stops before it is complete".to_string())
        }
        Some(Token::Word(_) | Token::Keyword(_) | Token::Article(_)) => {
            ("unexpected-word", format!("I don't understand \"{written}\" here"))
        }
        Some(token) => ("unexpected-token", format!("I didn't expect {token} here")),
    };
    let label = if wanted.is_empty() { String::new() } else { format!("expected {wanted}") };
    let word = found.and_then(Token::word).map(|_| written);
    Diagnostic::error(code, message, span).with_label(label).with_help_opt(help(found, word, &expected))
}

fn help(found: Option<&Token<'_>>, word: Option<&str>, expected: &[Expected]) -> Option<String> {
    let wants = |e: Expected| expected.contains(&e);
    let suggestion = word.and_then(|word| suggest_word(word, expected));
    if wants(Expected::Heading) {
        let is_heading_word =
            matches!(found, Some(Token::Keyword(Keyword::For | Keyword::Settings | Keyword::Segments)));
        if suggestion.is_some() || !is_heading_word {
            return suggestion.or_else(|| {
                Some("a line with a colon is read as a heading (Settings:, Segments:, For … customers:); inside a sentence, use a comma".to_string())
            });
        }
    }
    match found {
        Some(Token::BareEmail(address)) => Some(format!("write addresses in double quotes: \"{address}\"")),
        Some(Token::Word(word)) if wants(Expected::Currency) && CurrencyCode::parse(&word.to_uppercase()).is_some() => {
            Some(format!("write currency codes in capitals: {}", word.to_uppercase()))
        }
        Some(Token::Word(word)) if wants(Expected::Name) || wants(Expected::SegmentName) => {
            suggestion.or_else(|| Some(format!("names go in double quotes: \"{word}\"")))
        }
        Some(Token::Keyword(_)) if wants(Expected::SegmentName) => Some(format!(
            "\"{}\" is a word the language uses; write the segment name in double quotes",
            word.unwrap_or_default()
        )),
        Some(Token::Newline) => Some("a sentence must fit on one line; end it with a full stop".to_string()),
        Some(Token::Colon) => Some("a colon ends a heading; inside a sentence, use a comma".to_string()),
        Some(Token::Keyword(Keyword::Call)) if wants(Expected::Action) || wants(Expected::Sentence) => {
            Some("to have someone call the customer, write: create a call task for \"Sam\"".to_string())
        }
        Some(Token::Keyword(_) | Token::Article(_) | Token::Number(_)) | None
            if wants(Expected::Currency) && !wants(Expected::Money) =>
        {
            Some("amounts need a currency: $5,000 (your base currency), 5,000 NZD or €500".to_string())
        }
        _ => suggestion,
    }
}

fn suggest_word(word: &str, expected: &[Expected]) -> Option<String> {
    let candidates: Vec<&str> = expected.iter().flat_map(|e| e.candidate_words()).collect();
    suggest::did_you_mean(word, candidates)
}

/// `"before", "after" or a unit of time`.
fn describe_list(expected: &[Expected]) -> String {
    const MOST: usize = 6;
    let mut parts: Vec<String> =
        expected.iter().filter(|e| !matches!(e, Expected::EndOfFile)).take(MOST).map(|e| e.describe()).collect();
    if expected.len() > MOST {
        parts.push("…".to_string());
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} or {last}", parts.join(", "))
        }
    }
}
