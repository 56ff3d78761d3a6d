//! What the parser would have accepted at the place of an error, and how each is named.

use super::keyword::Keyword;
use super::token::Token;

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
    Attachment,
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
    Percent,
    Law,
    EndOfSentence,
    EndOfFile,
}

impl Expected {
    pub(super) fn from_token(token: &Token<'_>) -> Option<Expected> {
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
            Token::Percent => Expected::Percent,
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
            Expected::Attachment => "what to attach (\"the invoice PDF\" or \"a statement PDF\")",
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
            Expected::Percent => "\"%\" or \"percent\"",
            Expected::Law => "a law (the UK Late Payment Act, or the EU Late Payment Directive)",
            Expected::EndOfSentence => "the end of the sentence",
            Expected::EndOfFile => "the end of the file",
        };
        text.to_string()
    }

    /// Words this stands for, to suggest when a user's word is a near miss: canonical spellings,
    /// and for units their plurals too ("dayz" is nearest "days").
    pub(super) fn candidate_words(self) -> Vec<&'static str> {
        let keywords = |list: &[Keyword]| list.iter().map(|k| k.canonical()).collect();
        match self {
            Expected::Keyword(keyword) => keyword.spellings().to_vec(),
            Expected::Weekday => keywords(&Keyword::WEEKDAYS),
            Expected::Month => keywords(&Keyword::MONTHS),
            Expected::Unit | Expected::Duration => {
                let units =
                    [Keyword::Day, Keyword::Business, Keyword::Week, Keyword::Fortnight, Keyword::Month, Keyword::Year];
                units.iter().flat_map(|k| k.spellings().iter().copied()).collect()
            }
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
            Expected::Attachment => keywords(&[Keyword::Invoice, Keyword::Statement, Keyword::Pdf]),
            _ => Vec::new(),
        }
    }

    /// Keywords and punctuation are shown after the broader descriptions.
    pub(super) fn is_concept(self) -> bool {
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
    Keyword::Claim,
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
