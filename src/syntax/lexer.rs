//! The lexer: logos scans the text (the patterns are on [`Token`]); the callbacks here validate
//! each literal as it is read, so a bad time or date is reported where it is written.

use jiff::civil::{Date, Time};
use logos::{Lexer, Logos};
use rust_decimal::Decimal;

use super::keyword::{Article, Keyword, number_word};
use super::token::{Currency, Money, Token, ordinal_suffix};
use crate::diagnostics::Diagnostic;
use crate::ledger::CurrencyCode;
use crate::source::Span;

/// What the lexer collects besides tokens.
#[derive(Debug, Default)]
pub struct LexState {
    /// Comments, which `fmt` keeps.
    pub comments: Vec<Span>,
}

/// Why some text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum LexError {
    #[default]
    UnexpectedEnd,
    UnexpectedCharacter(char),
    UnterminatedName,
    EmptyName,
    NumberTooLarge,
    BadTime(String),
    BadDate(String),
    BadOrdinal(u32),
    /// Brackets or `not`s nested past [`super::nesting::MOST_NESTED`].
    NestedTooDeeply,
}

impl LexError {
    pub(super) fn unexpected_character<'src>(lex: &mut Lexer<'src, Token<'src>>) -> LexError {
        match lex.slice().chars().next() {
            Some(c) => LexError::UnexpectedCharacter(c),
            None => LexError::UnexpectedEnd,
        }
    }

    pub fn to_diagnostic(&self, span: Span) -> Diagnostic {
        match self {
            LexError::UnexpectedEnd => Diagnostic::error("unreadable-text", "the file ends unexpectedly", span),
            LexError::UnexpectedCharacter(c) => unexpected_character_diagnostic(*c, span),
            LexError::UnterminatedName => Diagnostic::error("unclosed-quote", "this name has no closing quote", span)
                .with_label("the name starts here")
                .with_help("end the name with a double quote (\") on the same line"),
            LexError::EmptyName => Diagnostic::error("empty-name", "this name is empty", span)
                .with_help("write the name between the quotes, such as \"friendly-reminder\""),
            LexError::NumberTooLarge => Diagnostic::error("number-too-large", "this number is too large", span),
            LexError::BadTime(why) => {
                Diagnostic::error("invalid-time", format!("this is not a time of day: {why}"), span)
                    .with_help("write times like 9am, 5:30pm or 17:00")
            }
            LexError::BadDate(why) => Diagnostic::error("invalid-date", format!("this is not a date: {why}"), span)
                .with_help("write dates like 2026-12-25 (year, month, day)"),
            LexError::BadOrdinal(day) => Diagnostic::error(
                "invalid-day-of-month",
                format!("there is no {day}{} day of a month", ordinal_suffix(*day)),
                span,
            )
            .with_help(
                "days of the month run from the 1st to the 31st; use \"the last day of every month\" for month ends",
            ),
            LexError::NestedTooDeeply => Diagnostic::error(
                "nested-too-deeply",
                format!(
                    "this condition nests more than {} brackets and \"not\"s inside each other",
                    super::nesting::MOST_NESTED
                ),
                span,
            )
            .with_help("write it more simply, or split it into segments"),
        }
    }
}

fn unexpected_character_diagnostic(c: char, span: Span) -> Diagnostic {
    let help = match c {
        ';' => "end a sentence with a full stop (.)",
        '@' => "write e-mail addresses in double quotes, such as \"ar@acme.example\"",
        '\'' | '‘' | '’' => "write names in double quotes, such as \"Enterprise\"",
        '-' | '*' | '•' => "sentences need no bullets: start the line with the sentence itself",
        _ => "names and addresses go in double quotes; everything else is plain words, numbers and amounts",
    };
    // Invisible characters (a NUL, a tab's odd cousins) are named by their code point.
    let shown = if c.is_control() || c.is_whitespace() { format!("U+{:04X}", c as u32) } else { format!("'{c}'") };
    Diagnostic::error("unexpected-character", format!("I don't understand the character {shown} here"), span)
        .with_help(help)
}

/// The result of lexing a whole file. Lexing never stops early: an unreadable piece becomes
/// [`Token::Invalid`] and an entry in `errors`, and the rest is still read.
#[derive(Debug)]
pub struct Lexed<'src> {
    pub tokens: Vec<(Token<'src>, Span)>,
    pub comments: Vec<Span>,
    pub errors: Vec<(LexError, Span)>,
}

pub fn lex(text: &str) -> Lexed<'_> {
    let mut lexer = Token::lexer(text);
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut errors = Vec::new();
    while let Some(result) = lexer.next() {
        let span = Span::from(lexer.span());
        let token = match result {
            // Blank lines and comment lines end no more sentences than one line end does.
            Ok(Token::Newline) if matches!(tokens.last(), None | Some((Token::Newline, _))) => {
                continue;
            }
            Ok(Token::Word(word)) => classify_word(word),
            Ok(token) => token,
            Err(error) => {
                errors.push((error, span));
                Token::Invalid
            }
        };
        tokens.push((token, span));
    }
    let too_deep = super::nesting::limit(&mut tokens);
    if !too_deep.is_empty() {
        errors.extend(too_deep.into_iter().map(|span| (LexError::NestedTooDeeply, span)));
        // The errors came in two runs, each in order; the parser expects them in order.
        errors.sort_by_key(|(_, span)| span.start);
    }
    Lexed { tokens, comments: std::mem::take(&mut lexer.extras.comments), errors }
}

/// Sorts a word into a keyword, an article, a number word, a currency code or a plain word.
pub fn classify_word(word: &str) -> Token<'_> {
    if let Some(keyword) = Keyword::lookup(word) {
        Token::Keyword(keyword)
    } else if let Some(article) = Article::lookup(word) {
        Token::Article(article)
    } else if let Some(value) = number_word(word) {
        Token::Number(Decimal::from(value))
    } else if let Some(code) = CurrencyCode::parse(word) {
        Token::CurrencyCode(code)
    } else {
        Token::Word(word)
    }
}

pub(super) fn comment<'src>(lex: &mut Lexer<'src, Token<'src>>) {
    let span = Span::from(lex.span());
    lex.extras.comments.push(span);
}

pub(super) fn name<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<&'src str, LexError> {
    let slice = lex.slice();
    let inner = trim_quotes(slice);
    if inner.trim().is_empty() { Err(LexError::EmptyName) } else { Ok(inner) }
}

pub(super) fn unterminated_name<'src>(_: &mut Lexer<'src, Token<'src>>) -> Result<&'src str, LexError> {
    Err(LexError::UnterminatedName)
}

/// Strips one opening and one closing quote, straight or curly.
fn trim_quotes(slice: &str) -> &str {
    let mut chars = slice.chars();
    chars.next();
    chars.next_back();
    chars.as_str()
}

pub(super) fn number<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<Decimal, LexError> {
    parse_decimal(lex.slice())
}

pub(super) fn money<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<Money, LexError> {
    let slice = lex.slice();
    let symbol = slice.chars().next().unwrap_or('$');
    let amount = parse_decimal(&slice[symbol.len_utf8()..])?;
    let currency = match symbol {
        '€' => Currency::Code(CurrencyCode::EUR),
        '£' => Currency::Code(CurrencyCode::GBP),
        _ => Currency::Base,
    };
    Ok(Money { amount, currency })
}

fn parse_decimal(digits: &str) -> Result<Decimal, LexError> {
    let plain: String = digits.chars().filter(|c| *c != ',').collect();
    // Normalised, so that 5000.50 and 5000.5 are one amount.
    Decimal::from_str_exact(&plain).map(|value| value.normalize()).map_err(|_| LexError::NumberTooLarge)
}

pub(super) fn ordinal<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<u32, LexError> {
    let digits = lex.slice().trim_end_matches(char::is_alphabetic);
    let day: u32 = digits.parse().map_err(|_| LexError::BadOrdinal(u32::MAX))?;
    if (1..=31).contains(&day) { Ok(day) } else { Err(LexError::BadOrdinal(day)) }
}

pub(super) fn time_of_day<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<Time, LexError> {
    let text = lex.slice().to_ascii_lowercase();
    let (clock, meridiem) = match text.strip_suffix("am").or_else(|| text.strip_suffix("pm")) {
        Some(clock) => (clock, Some(text.ends_with("pm"))),
        None => (text.as_str(), None),
    };
    let (hour, minute) = match clock.split_once(':') {
        Some((hour, minute)) => (hour, minute),
        None => (clock, "0"),
    };
    let hour: i8 = hour.parse().map_err(|_| LexError::BadTime(format!("\"{text}\" has no hour")))?;
    let minute: i8 = minute.parse().map_err(|_| LexError::BadTime(format!("\"{text}\" has no minutes")))?;
    if minute > 59 {
        return Err(LexError::BadTime(format!("an hour has 60 minutes, so {minute} is too many")));
    }
    let hour = match meridiem {
        Some(pm) => twelve_hour_clock(hour, pm)?,
        None if hour <= 23 => hour,
        None => {
            return Err(LexError::BadTime(format!("a day has 24 hours, so {hour}:00 does not exist")));
        }
    };
    Time::new(hour, minute, 0, 0).map_err(|_| LexError::BadTime(format!("{hour}:{minute:02} is not a time of day")))
}

/// `12am` is midnight and `12pm` noon, as people read a clock.
fn twelve_hour_clock(hour: i8, pm: bool) -> Result<i8, LexError> {
    if !(1..=12).contains(&hour) {
        let suffix = if pm { "pm" } else { "am" };
        return Err(LexError::BadTime(format!(
            "with am or pm the hour runs from 1 to 12, so {hour}{suffix} does not exist"
        )));
    }
    Ok(match (hour, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (hour, false) => hour,
        (hour, true) => hour + 12,
    })
}

pub(super) fn iso_date<'src>(lex: &mut Lexer<'src, Token<'src>>) -> Result<Date, LexError> {
    let text = lex.slice();
    let field = |range: std::ops::Range<usize>| text[range].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    if !(1..=12).contains(&month) {
        return Err(LexError::BadDate(format!("there is no month {month}")));
    }
    Date::new(year, month as i8, day as i8).map_err(|_| {
        let days = jiff::civil::date(year.max(1), month as i8, 1).days_in_month();
        LexError::BadDate(format!("{} {year} has {days} days", month_name(month as usize)))
    })
}

pub fn month_name(month: usize) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES.get(month.wrapping_sub(1)).copied().unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::super::nesting::MOST_NESTED;
    use super::*;

    fn invalid(text: &str) -> (usize, usize) {
        let lexed = lex(text);
        let invalid = lexed.tokens.iter().filter(|(token, _)| *token == Token::Invalid).count();
        let deep = lexed.errors.iter().filter(|(error, _)| *error == LexError::NestedTooDeeply).count();
        (invalid, deep)
    }

    #[test]
    fn brackets_and_nots_past_the_limit_are_cut_once_per_sentence() {
        let deep = format!("{}x{}", "(".repeat(MOST_NESTED + 3), ")".repeat(MOST_NESTED + 3));
        assert_eq!(invalid(&deep), (6, 1));
        assert_eq!(invalid(&format!("{deep}.\n{deep}")), (12, 2));
        assert_eq!(invalid(&"not ".repeat(MOST_NESTED + 1)), (1, 1));
        assert_eq!(invalid(&format!("{} x", "not (".repeat(MOST_NESTED / 2 + 1))), (2, 1));
    }

    #[test]
    fn conditions_up_to_the_limit_are_untouched() {
        let nested = format!("{}x{}", "(".repeat(MOST_NESTED), ")".repeat(MOST_NESTED));
        assert_eq!(invalid(&nested), (0, 0));
        // Brackets closed and opened again do not add up.
        assert_eq!(invalid(&"(not x) and ".repeat(100)), (0, 0));
    }

    fn tokens(text: &str) -> Vec<Token<'_>> {
        let lexed = lex(text);
        assert!(lexed.errors.is_empty(), "unexpected errors: {:?}", lexed.errors);
        lexed.tokens.into_iter().map(|(token, _)| token).collect()
    }

    fn first_error(text: &str) -> LexError {
        lex(text).errors.into_iter().next().expect("an error").0
    }

    #[test]
    fn words_are_sorted_into_keywords_articles_numbers_and_currencies() {
        assert_eq!(
            tokens("Send the SMB seven NZD"),
            [
                Token::Keyword(Keyword::Send),
                Token::Article(Article::The),
                Token::Word("SMB"),
                Token::Number(Decimal::from(7)),
                Token::CurrencyCode(CurrencyCode::parse("NZD").unwrap()),
            ]
        );
    }

    #[test]
    fn names_accept_straight_and_curly_quotes() {
        assert_eq!(
            tokens(r#""friendly-reminder" “Enterprise”"#),
            [Token::Name("friendly-reminder"), Token::Name("Enterprise")]
        );
    }

    #[test]
    fn money_numbers_and_thousands_separators() {
        let five_thousand = Decimal::from(5000);
        assert_eq!(
            tokens("$5,000 €500 £200.50 1,000 2.5"),
            [
                Token::Money(Money { amount: five_thousand, currency: Currency::Base }),
                Token::Money(Money { amount: Decimal::from(500), currency: Currency::Code(CurrencyCode::EUR) }),
                Token::Money(Money { amount: Decimal::new(20050, 2), currency: Currency::Code(CurrencyCode::GBP) }),
                Token::Number(Decimal::from(1000)),
                Token::Number(Decimal::new(25, 1)),
            ]
        );
    }

    #[test]
    fn times_read_both_clocks() {
        let times: Vec<Token> = tokens("9am 5pm 9:30am 17:00 12am 12pm");
        let expected: Vec<Token> = [(9, 0), (17, 0), (9, 30), (17, 0), (0, 0), (12, 0)]
            .into_iter()
            .map(|(h, m)| Token::Time(Time::new(h, m, 0, 0).unwrap()))
            .collect();
        assert_eq!(times, expected);
    }

    #[test]
    fn bad_literals_are_reported_where_written() {
        assert!(matches!(first_error("13pm"), LexError::BadTime(_)));
        assert!(matches!(first_error("9:75"), LexError::BadTime(_)));
        assert!(matches!(first_error("25:00"), LexError::BadTime(_)));
        assert_eq!(first_error("2026-02-30"), LexError::BadDate("February 2026 has 28 days".into()));
        assert_eq!(first_error("2026-13-01"), LexError::BadDate("there is no month 13".into()));
        assert_eq!(first_error("32nd"), LexError::BadOrdinal(32));
        assert_eq!(first_error("\"open"), LexError::UnterminatedName);
        assert_eq!(first_error("\"\""), LexError::EmptyName);
        assert_eq!(first_error("a ; b"), LexError::UnexpectedCharacter(';'));
    }

    #[test]
    fn comments_are_kept_aside_and_sentences_split_on_full_stops() {
        let lexed = lex("Stop chasing. # why\n");
        let kinds: Vec<_> = lexed.tokens.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            kinds,
            [Token::Keyword(Keyword::Stop), Token::Keyword(Keyword::Chasing), Token::FullStop, Token::Newline]
        );
        assert_eq!(lexed.comments, [Span::new(14, 19)]);
    }

    #[test]
    fn bare_email_addresses_are_recognised() {
        assert_eq!(
            tokens("from ar@acme.example."),
            [Token::Keyword(Keyword::From), Token::BareEmail("ar@acme.example"), Token::FullStop]
        );
    }
}
