//! Small parsers for tokens and punctuation that the grammar's productions are built from. The
//! productions themselves live in `grammar/`, one function each, named as in
//! `grammar/strategy.ebnf`.

use chumsky::input::MappedInput;
use chumsky::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::keyword::Keyword;
use super::token::Token;
use super::{error::SyntaxError, expected::Expected};
use crate::ast::{Condition, CurrencyName, Name};
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// The parser's input: the lexer's tokens, each with its span.
pub type Tokens<'a> = MappedInput<'a, Token<'a>, Span, &'a [(Token<'a>, Span)]>;
pub type Extra<'a> = extra::Err<SyntaxError<'a>>;
/// Every production returns a boxed parser: it keeps types small and compile times short.
pub type Production<'a, O> = Boxed<'a, 'a, Tokens<'a>, O, Extra<'a>>;

/// One keyword, giving its span.
pub fn kw<'a>(keyword: Keyword) -> impl Parser<'a, Tokens<'a>, Span, Extra<'a>> + Clone {
    just(Token::Keyword(keyword)).map_with(|_, e| e.span())
}

/// Several keywords in a row, such as `due date`, giving their span.
pub fn kws<'a, const N: usize>(keywords: [Keyword; N]) -> impl Parser<'a, Tokens<'a>, Span, Extra<'a>> + Clone {
    just(keywords.map(Token::Keyword)).map_with(|_, e| e.span())
}

/// An optional `the`, `a` or `an`.
pub fn article<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    select! { Token::Article(_) => () }.or_not().ignored()
}

pub fn comma<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    just(Token::Comma).ignored()
}

pub fn optional_comma<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    comma().or_not().ignored()
}

/// A quoted name.
pub fn quoted_name<'a>() -> impl Parser<'a, Tokens<'a>, Name, Extra<'a>> + Clone {
    select! { Token::Name(text) = e => Name { text: text.to_string(), span: e.span() } }.labelled(Expected::Name)
}

/// A list of quoted names joined by commas and `and`: `"A", "B" and "C"`.
pub fn name_list<'a>() -> impl Parser<'a, Tokens<'a>, Vec<Name>, Extra<'a>> + Clone {
    quoted_name().separated_by(comma().or(kw(Keyword::And).ignored())).at_least(1).collect()
}

/// A number token, with its span.
pub fn number<'a>() -> impl Parser<'a, Tokens<'a>, (Decimal, Span), Extra<'a>> + Clone {
    select! { Token::Number(value) = e => (value, e.span()) }.labelled(Expected::Number)
}

/// A number that must be a whole number, such as a count of days.
pub fn whole_number<'a>() -> impl Parser<'a, Tokens<'a>, (u32, Span), Extra<'a>> + Clone {
    number().try_map(|(value, span), _| whole(value, span).map(|whole| (whole, span)))
}

pub fn whole(value: Decimal, span: Span) -> Result<u32, SyntaxError<'static>> {
    let whole = if value.fract().is_zero() { value.to_u32() } else { None };
    whole.ok_or_else(|| {
        SyntaxError::custom(
            Diagnostic::error("not-a-whole-number", format!("{value} is not a whole number"), span)
                .with_label("a whole number is needed here")
                .with_help("counts of days, weeks and invoices are whole numbers, such as 7"),
        )
    })
}

/// Sentence-level recovery: skip what is left of a broken sentence, up to and including its end.
pub fn rest_of_sentence<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    none_of([Token::FullStop, Token::Newline])
        .repeated()
        .then(
            just(Token::FullStop)
                .repeated()
                .at_least(1)
                .then(just(Token::Newline).or_not())
                .ignored()
                .or(just(Token::Newline).ignored())
                .or(end()),
        )
        .ignored()
}

/// A currency code on its own, as in `billed in AUD`.
pub fn currency_name<'a>() -> impl Parser<'a, Tokens<'a>, CurrencyName, Extra<'a>> + Clone {
    select! { Token::CurrencyCode(code) = e => CurrencyName { code, span: e.span() } }.labelled(Expected::Currency)
}

/// `A or B or C`, flattening nested `or`s so that brackets which change nothing leave no trace.
pub fn any_of<T>(parts: Vec<Condition<T>>, span: Span) -> Condition<T> {
    join(parts, span, |c| matches!(c, Condition::Any(..)), Condition::Any)
}

/// `A and B and C`, flattened like [`any_of`].
pub fn all_of<T>(parts: Vec<Condition<T>>, span: Span) -> Condition<T> {
    join(parts, span, |c| matches!(c, Condition::All(..)), Condition::All)
}

fn join<T>(
    mut parts: Vec<Condition<T>>,
    span: Span,
    same_operator: fn(&Condition<T>) -> bool,
    build: fn(Vec<Condition<T>>, Span) -> Condition<T>,
) -> Condition<T> {
    if parts.len() == 1 {
        return parts.remove(0);
    }
    let mut flat = Vec::with_capacity(parts.len());
    for part in parts {
        if !same_operator(&part) {
            flat.push(part);
        } else if let Condition::Any(inner, _) | Condition::All(inner, _) = part {
            flat.extend(inner);
        }
    }
    build(flat, span)
}
