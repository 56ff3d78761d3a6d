//! Syntax errors: what the parser expected, what it found, and how to say so in plain words.

use chumsky::DefaultExpected;
use chumsky::error::LabelError;
use chumsky::input::Input;
use chumsky::util::MaybeRef;

use super::keyword::Keyword;
use super::token::Token;
use crate::diagnostics::Diagnostic;
use crate::source::Span;
use crate::suggest;

/// Something the parser would have accepted at the place of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expected {
    Keyword(Keyword),
    Name,
    Number,
    Money,
    Currency,
    Time,
    Date,
    DayOfMonth,
    Weekday,
    Month,
    Unit,
    Duration,
    Comparison,
    TextMatch,
    Trigger,
    Action,
    CustomerCondition,
    InvoiceCondition,
    SegmentName,
    Sentence,
    Heading,
    FullStop,
    Comma,
    Colon,
    OpenParen,
    CloseParen,
    EndOfSentence,
    EndOfFile,
}

impl Expected {
    fn from_token(token: &Token<'_>) -> Option<Expected> {
        Some(match token {
            Token::Keyword(keyword) => Expected::Keyword(*keyword),
            Token::Name(_) => Expected::Name,
            Token::Number(_) => Expected::Number,
            Token::Money(_) => Expected::Money,
            Token::CurrencyCode(_) => Expected::Currency,
            Token::Time(_) => Expected::Time,
            Token::Date(_) => Expected::Date,
            Token::Ordinal(_) => Expected::DayOfMonth,
            Token::FullStop => Expected::FullStop,
            Token::Comma => Expected::Comma,
            Token::Colon => Expected::Colon,
            Token::OpenParen => Expected::OpenParen,
            Token::CloseParen => Expected::CloseParen,
            Token::Newline => Expected::EndOfSentence,
            Token::Article(_) | Token::Word(_) | Token::BareEmail(_) | Token::Invalid => {
                return None;
            }
        })
    }

    /// How this is named in a message.
    pub fn describe(self) -> String {
        let text = match self {
            Expected::Keyword(keyword) => return format!("\"{}\"", keyword.canonical()),
            Expected::Name => "a name in double quotes",
            Expected::Number => "a number",
            Expected::Money => "an amount such as $5,000",
            Expected::Currency => "a currency code such as NZD",
            Expected::Time => "a time such as 9am",
            Expected::Date => "a date such as 2026-12-25",
            Expected::DayOfMonth => "a day of the month such as the 1st",
            Expected::Weekday => "a day of the week such as Monday",
            Expected::Month => "a month such as December",
            Expected::Unit => "a unit of time (days, business days, weeks, months)",
            Expected::Duration => "a length of time such as \"3 days\"",
            Expected::Comparison => "a comparison (more than, at least, less than, at most)",
            Expected::TextMatch => "\"contains\", \"starts with\", \"ends with\" or \"is\"",
            Expected::Trigger => "when to act (such as 3 days after the due date)",
            Expected::Action => "what to do (send an email, create a call task, escalate or stop chasing)",
            Expected::CustomerCondition => "a condition on customers (such as customers in the contact group \"VIP\")",
            Expected::InvoiceCondition => "a condition on the invoice (such as more than $5,000 is outstanding)",
            Expected::SegmentName => "a segment name",
            Expected::Sentence => "a sentence",
            Expected::Heading => "a heading such as \"Settings:\"",
            Expected::FullStop => "a full stop",
            Expected::Comma => "a comma",
            Expected::Colon => "a colon",
            Expected::OpenParen => "\"(\"",
            Expected::CloseParen => "\")\"",
            Expected::EndOfSentence => "the end of the sentence",
            Expected::EndOfFile => "the end of the file",
        };
        text.to_string()
    }

    /// Words this stands for, to suggest when a user's word is a near miss.
    fn candidate_words(self) -> Vec<&'static str> {
        let keywords = |list: &[Keyword]| list.iter().flat_map(|k| k.spellings().iter().copied()).collect();
        match self {
            Expected::Keyword(keyword) => keyword.spellings().to_vec(),
            Expected::Weekday => keywords(&Keyword::WEEKDAYS),
            Expected::Month => keywords(&Keyword::MONTHS),
            Expected::Unit | Expected::Duration => keywords(&[
                Keyword::Day,
                Keyword::Business,
                Keyword::Week,
                Keyword::Fortnight,
                Keyword::Month,
                Keyword::Year,
            ]),
            Expected::Comparison => {
                keywords(&[Keyword::More, Keyword::Less, Keyword::At, Keyword::Over, Keyword::Under])
            }
            Expected::TextMatch => keywords(&[Keyword::Contains, Keyword::Starts, Keyword::Ends, Keyword::Is]),
            Expected::Sentence => keywords(SENTENCE_STARTS),
            Expected::Heading => keywords(&[Keyword::Settings, Keyword::Segments, Keyword::For]),
            Expected::Trigger => keywords(&[
                Keyword::Before,
                Keyword::After,
                Keyword::Overdue,
                Keyword::When,
                Keyword::Every,
                Keyword::On,
                Keyword::At,
            ]),
            Expected::Action => keywords(&[
                Keyword::Send,
                Keyword::Create,
                Keyword::Ask,
                Keyword::Assign,
                Keyword::Escalate,
                Keyword::Stop,
            ]),
            _ => Vec::new(),
        }
    }

    /// Keywords and punctuation are shown after the broader descriptions.
    fn is_concept(self) -> bool {
        !matches!(self, Expected::Keyword(_))
    }
}

/// The words a sentence can start with.
const SENTENCE_STARTS: &[Keyword] = &[
    Keyword::Send,
    Keyword::Replies,
    Keyword::Use,
    Keyword::Treat,
    Keyword::Holiday,
    Keyword::Never,
    Keyword::Ignore,
    Keyword::Skip,
    Keyword::Combine,
    Keyword::Catch,
    Keyword::Dont,
    Keyword::Log,
    Keyword::Reach,
    Keyword::Every,
    Keyword::On,
    Keyword::When,
    Keyword::At,
    Keyword::Stop,
    Keyword::If,
    Keyword::Create,
    Keyword::Ask,
    Keyword::Assign,
    Keyword::Escalate,
    Keyword::Strategy,
    Keyword::Settings,
    Keyword::Segments,
    Keyword::For,
];

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
    /// the empty place where it starts).
    pub fn to_diagnostic(&self, tokens: &[(Token<'_>, Span)]) -> Diagnostic {
        match self {
            SyntaxError::Custom(diagnostic) => (**diagnostic).clone(),
            SyntaxError::Unexpected { span, found, expected } => {
                unexpected(widen_to_token(*span, found.is_some(), tokens), found.as_ref(), expected)
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

fn unexpected(span: Span, found: Option<&Token<'_>>, expected: &[Expected]) -> Diagnostic {
    let mut expected: Vec<Expected> = expected.to_vec();
    expected.sort_by_key(|e| (!e.is_concept(), *e));
    expected.dedup();
    let wanted = describe_list(&expected);
    let (code, message) = match found {
        None => ("unexpected-end", "the file ends in the middle of a sentence".to_string()),
        Some(Token::Newline) | Some(Token::FullStop) => {
            ("incomplete-sentence", "this sentence stops before it is complete".to_string())
        }
        Some(token @ (Token::Word(_) | Token::Keyword(_) | Token::Article(_))) => {
            ("unexpected-word", format!("I don't understand {token} here"))
        }
        Some(token) => ("unexpected-token", format!("I didn't expect {token} here")),
    };
    let label = if wanted.is_empty() { String::new() } else { format!("expected {wanted}") };
    Diagnostic::error(code, message, span).with_label(label).with_help_opt(help(found, &expected))
}

fn help(found: Option<&Token<'_>>, expected: &[Expected]) -> Option<String> {
    let wants = |e: Expected| expected.contains(&e);
    if wants(Expected::Heading) {
        let near_heading = found.and_then(Token::word).and_then(|word| suggest_word(word, expected));
        let is_heading_word =
            matches!(found, Some(Token::Keyword(Keyword::For | Keyword::Settings | Keyword::Segments)));
        if near_heading.is_some() || !is_heading_word {
            return near_heading.or_else(|| {
                Some("a line with a colon is read as a heading (Settings:, Segments:, For … customers:); inside a sentence, use a comma".to_string())
            });
        }
    }
    match found {
        Some(Token::BareEmail(address)) => Some(format!("write addresses in double quotes: \"{address}\"")),
        Some(Token::Word(word)) if wants(Expected::Name) || wants(Expected::SegmentName) => {
            suggest_word(word, expected).or_else(|| Some(format!("names go in double quotes: \"{word}\"")))
        }
        Some(Token::Keyword(keyword)) if wants(Expected::SegmentName) => Some(format!(
            "\"{}\" is a word the language uses; write the segment name in double quotes",
            keyword.canonical()
        )),
        Some(Token::Newline) => Some("a sentence must fit on one line; end it with a full stop".to_string()),
        Some(Token::Colon) => Some("a colon ends a heading; inside a sentence, use a comma".to_string()),
        Some(Token::Keyword(Keyword::Call)) if wants(Expected::Action) => {
            Some("to have someone call the customer, write: create a call task for \"Sam\"".to_string())
        }
        _ if wants(Expected::Currency) && !wants(Expected::Money) => {
            Some("amounts need a currency: $5,000 (your base currency), 5,000 NZD or €500".to_string())
        }
        Some(token) => token.word().and_then(|word| suggest_word(word, expected)),
        None => None,
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
