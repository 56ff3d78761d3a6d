//! The tokens the parser reads. The lexer (`lexer.rs`) makes them and validates every literal on
//! the way, so the parser only ever sees well-formed numbers, money, times and dates.
//!
//! This file and `lexer.rs` use each other on purpose, the one circle between files in CollectIQ
//! (see docs/architecture.md): logos derives the lexer on this type, and the derive names the
//! lexer's error and callbacks, while the lexer reads these tokens.

use std::fmt;

use jiff::civil::{Date, Time};
use logos::Logos;
use rust_decimal::Decimal;
use serde::Serialize;

use super::keyword::{Article, Keyword};
use super::lexer::{self, LexError, LexState};
use crate::ledger::CurrencyCode;

pub use crate::ledger::money::Currency;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(extras = LexState)]
#[logos(error(LexError, LexError::unexpected_character))]
#[logos(skip r"[ \t\f\r\u{a0}\u{feff}]+")]
#[logos(skip(r"#[^\n]*", lexer::comment, allow_greedy = true))]
pub enum Token<'src> {
    Keyword(Keyword),
    Article(Article),
    /// A bare word that is not a keyword, such as the segment name in `For SMB customers:`.
    /// Every word is first read as this, then sorted by `lexer::classify_word` into a keyword,
    /// an article, a number word, a currency code or a plain word.
    #[regex(r"[A-Za-z][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*(['’][A-Za-z]+)?", |lex| lex.slice())]
    Word(&'src str),
    /// The text between double quotes (straight or curly).
    #[regex(r#"["“”][^"“”\n]*["“”]"#, lexer::name)]
    #[regex(r#"["“”][^"“”\n]*"#, lexer::unterminated_name)]
    Name(&'src str),
    /// Digits (`7`, `1,000`, `2.5`) or a number word (`one` … `twelve`).
    #[regex(r"[0-9]+(\.[0-9]+)?", lexer::number)]
    #[regex(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", lexer::number)]
    Number(Decimal),
    /// `$5,000`, `€500`, `£200.50`.
    #[regex(r"[$€£][0-9]+(\.[0-9]+)?", lexer::money)]
    #[regex(r"[$€£][0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", lexer::money)]
    Money(Money),
    /// A known ISO 4217 code in capitals, such as `NZD`.
    CurrencyCode(CurrencyCode),
    /// `1st`, `22nd`.
    #[regex(r"[0-9]+(st|nd|rd|th)", lexer::ordinal)]
    Ordinal(u32),
    /// `9am`, `9:30am`, `17:00`.
    #[regex(r"[0-9]{1,2}(:[0-9]{2})?[aApP][mM]", lexer::time_of_day)]
    #[regex(r"[0-9]{1,2}:[0-9]{2}", lexer::time_of_day)]
    Time(Time),
    /// `2026-12-25`.
    #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", lexer::iso_date)]
    Date(Date),
    /// An e-mail address written without quotes; lexed only to explain that it needs them. The
    /// part before the `@` is at most 64 characters (as in RFC 5321): unbounded, every dot or
    /// letter of a long run without an `@` started a scan to the end of the run, and a megabyte
    /// of full stops took minutes to read.
    #[regex(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+", |lex| lex.slice())]
    BareEmail(&'src str),
    #[token(".")]
    FullStop,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("(")]
    OpenParen,
    #[token(")")]
    CloseParen,
    /// `%`, after the number of a rate: `2%`.
    #[token("%")]
    Percent,
    #[token("\n")]
    Newline,
    /// Text the lexer could not read; the lexer has already reported why.
    Invalid,
}

/// An amount and its currency, as written: `$5,000` or `5,000 NZD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl fmt::Display for Token<'_> {
    /// How a token is named in a message: `"dayz"`, `the name "x"`, `the end of the line`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Keyword(keyword) => write!(f, "\"{}\"", keyword.canonical()),
            Token::Article(article) => write!(f, "\"{}\"", article_text(*article)),
            Token::Word(word) => write!(f, "\"{word}\""),
            Token::Name(name) => write!(f, "the name \"{name}\""),
            Token::Number(number) => write!(f, "the number {number}"),
            Token::Money(_) => write!(f, "an amount of money"),
            Token::CurrencyCode(code) => write!(f, "the currency {code}"),
            Token::Ordinal(day) => write!(f, "\"{day}{}\"", ordinal_suffix(*day)),
            Token::Time(_) => write!(f, "a time of day"),
            Token::Date(date) => write!(f, "the date {date}"),
            Token::BareEmail(address) => write!(f, "the address {address}"),
            Token::FullStop => write!(f, "a full stop"),
            Token::Comma => write!(f, "a comma"),
            Token::Colon => write!(f, "a colon"),
            Token::OpenParen => write!(f, "\"(\""),
            Token::CloseParen => write!(f, "\")\""),
            Token::Percent => write!(f, "\"%\""),
            Token::Newline => write!(f, "the end of the line"),
            Token::Invalid => write!(f, "text I could not read"),
        }
    }
}

impl Token<'_> {
    /// The word as written, for "did you mean" suggestions; `None` for non-words.
    pub fn word(&self) -> Option<&str> {
        match self {
            Token::Word(word) => Some(word),
            Token::Keyword(keyword) => Some(keyword.canonical()),
            Token::Article(article) => Some(article_text(*article)),
            _ => None,
        }
    }
}

pub fn article_text(article: Article) -> &'static str {
    match article {
        Article::The => "the",
        Article::A => "a",
        Article::An => "an",
    }
}

/// `st`, `nd`, `rd` or `th`, as English writes day numbers.
pub fn ordinal_suffix(day: u32) -> &'static str {
    match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinal_suffixes_follow_english() {
        let written: Vec<String> =
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].iter().map(|d| format!("{d}{}", ordinal_suffix(*d))).collect();
        assert_eq!(written, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]);
    }
}
