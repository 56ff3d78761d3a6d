//! Syntax errors: what the parser expected, what it found, and how to say so in plain words.

use chumsky::DefaultExpected;
use chumsky::error::LabelError;
use chumsky::input::Input;
use chumsky::util::MaybeRef;

use super::expected::Expected;
use super::token::Token;
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// A parse error as chumsky builds it. Errors from alternatives at the same place are merged, so
/// `expected` lists everything that would have worked there.
#[derive(Clone, Debug, PartialEq)]
pub enum SyntaxError<'src> {
    Unexpected {
        span: Span,
        found: Option<Token<'src>>,
        expected: Vec<Expected>,
    },
    /// A problem found while assembling the tree, such as a rule under "Settings:".
    Custom(Box<Diagnostic>),
}

impl<'src> SyntaxError<'src> {
    pub fn custom(diagnostic: Diagnostic) -> Self {
        SyntaxError::Custom(Box::new(diagnostic))
    }

    /// Whether this error is about text the lexer already reported as unreadable.
    pub fn is_about_invalid_text(&self) -> bool {
        matches!(self, SyntaxError::Unexpected { found: Some(Token::Invalid), .. })
    }

    /// The diagnostic, underlining the unexpected token itself (chumsky sometimes reports only
    /// the empty place where it starts) and quoting the words as the user wrote them.
    pub fn to_diagnostic(&self, tokens: &[(Token<'_>, Span)], text: &str) -> Diagnostic {
        match self {
            SyntaxError::Custom(diagnostic) => (**diagnostic).clone(),
            SyntaxError::Unexpected { span, found, expected } => {
                let span = widen_to_token(*span, found.is_some(), tokens);
                let written = text.get(span.range()).unwrap_or_default();
                super::unexpected::unexpected(span, found.as_ref(), written, expected)
            }
        }
    }
}

fn widen_to_token(span: Span, at_a_token: bool, tokens: &[(Token<'_>, Span)]) -> Span {
    if !span.is_empty() || !at_a_token {
        return span;
    }
    let index = tokens.partition_point(|(_, token)| token.start < span.start);
    match tokens.get(index) {
        Some((_, token)) if token.start == span.start => *token,
        _ => span,
    }
}

impl<'t, 'src: 't, I> chumsky::error::Error<'t, I> for SyntaxError<'src>
where
    I: Input<'t, Token = Token<'src>, Span = Span>,
{
    fn merge(self, other: Self) -> Self {
        match (self, other) {
            (SyntaxError::Unexpected { span, found, mut expected }, SyntaxError::Unexpected { expected: more, .. }) => {
                expected.extend(more);
                SyntaxError::Unexpected { span, found, expected }
            }
            // A specific complaint (a whole number was needed, …) says more than a list.
            (custom @ SyntaxError::Custom(_), _) | (_, custom @ SyntaxError::Custom(_)) => custom,
        }
    }
}

impl<'t, 'src: 't, I> LabelError<'t, I, DefaultExpected<'t, Token<'src>>> for SyntaxError<'src>
where
    I: Input<'t, Token = Token<'src>, Span = Span>,
{
    fn expected_found<E: IntoIterator<Item = DefaultExpected<'t, Token<'src>>>>(
        expected: E,
        found: Option<MaybeRef<'t, Token<'src>>>,
        span: Span,
    ) -> Self {
        let expected = expected
            .into_iter()
            .filter_map(|e| match e {
                DefaultExpected::Token(token) => Expected::from_token(&token),
                DefaultExpected::EndOfInput => Some(Expected::EndOfFile),
                _ => None,
            })
            .collect();
        SyntaxError::Unexpected { span, found: found.map(|t| *t), expected }
    }
}

impl<'t, 'src: 't, I> LabelError<'t, I, Expected> for SyntaxError<'src>
where
    I: Input<'t, Token = Token<'src>, Span = Span>,
{
    fn expected_found<E: IntoIterator<Item = Expected>>(
        expected: E,
        found: Option<MaybeRef<'t, Token<'src>>>,
        span: Span,
    ) -> Self {
        SyntaxError::Unexpected { span, found: found.map(|t| *t), expected: expected.into_iter().collect() }
    }

    fn label_with(&mut self, label: Expected) {
        if let SyntaxError::Unexpected { expected, .. } = self {
            expected.clear();
            expected.push(label);
        }
    }
}
