//! Values: lengths of time, money, comparisons, times of day, dates, weekdays and months.

use chumsky::prelude::*;
use jiff::civil::Time;
use rust_decimal::Decimal;

use super::super::keyword::{Article, Keyword as K};
use super::super::token::{Currency, Token};
use super::super::token_parsers::*;
use super::super::{error::SyntaxError, expected::Expected};
use crate::ast::{
    CalendarDate, Comparison, Count, DateLiteral, Duration, MoneyAmount, TextMatch, TimeOfDay, Unit, Weekday,
};
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// `duration = count , unit ;` — weeks and fortnights count as days.
pub fn duration<'a>() -> Production<'a, Duration> {
    count()
        .then(unit())
        .map_with(|(count, (unit, per)), e| Duration { count: count.value.saturating_mul(per), unit, span: e.span() })
        .labelled(Expected::Duration)
        .boxed()
}

/// `count = NUMBER | "a" | "an" ;`
pub fn count<'a>() -> Production<'a, Count> {
    let one = select! { Token::Article(Article::A | Article::An) = e => Count { value: 1, span: e.span() } };
    whole_number().map(|(value, span)| Count { value, span }).or(one).boxed()
}

/// `unit = [ "business" ] , "day" | "week" | "fortnight" | "month" | "year" ;` — as the unit it
/// counts in and how many of those one of it is (a week is 7 days).
pub fn unit<'a>() -> Production<'a, (Unit, u32)> {
    choice((
        kws([K::Business, K::Day]).to((Unit::BusinessDay, 1)),
        kw(K::Day).to((Unit::Day, 1)),
        kw(K::Week).to((Unit::Day, 7)),
        kw(K::Fortnight).to((Unit::Day, 14)),
        kw(K::Month).to((Unit::Month, 1)),
        kw(K::Year).to((Unit::Year, 1)),
    ))
    .labelled(Expected::Unit)
    .boxed()
}

/// `interval = duration | unit ;` — a bare unit means one of it (`every week`).
pub fn interval<'a>() -> Production<'a, Duration> {
    duration().or(unit().map_with(|(unit, count), e| Duration { count, unit, span: e.span() })).boxed()
}

/// `money = MONEY | NUMBER , CURRENCY | CURRENCY , NUMBER ;`
pub fn money<'a>() -> Production<'a, MoneyAmount> {
    let symbol = select! { Token::Money(money) = e => MoneyAmount { amount: money.amount, currency: money.currency, span: e.span() } };
    let code = || select! { Token::CurrencyCode(code) => Currency::Code(code) }.labelled(Expected::Currency);
    let amount = || select! { Token::Number(amount) => amount };
    let number_first =
        amount().then(code()).map_with(|(amount, currency), e| MoneyAmount { amount, currency, span: e.span() });
    let code_first =
        code().then(amount()).map_with(|(currency, amount), e| MoneyAmount { amount, currency, span: e.span() });
    choice((symbol, number_first, code_first)).labelled(Expected::Money).boxed()
}

/// `comparison = "more" , "than" | "over" | "at" , "least" | "less" , "than" | "fewer" , "than"
/// | "under" | "at" , "most" ;`
pub fn comparison<'a>() -> Production<'a, Comparison> {
    choice((
        kws([K::More, K::Than]).to(Comparison::MoreThan),
        kw(K::Over).to(Comparison::MoreThan),
        kws([K::At, K::Least]).to(Comparison::AtLeast),
        kws([K::Less, K::Than]).to(Comparison::LessThan),
        kws([K::Fewer, K::Than]).to(Comparison::LessThan),
        kw(K::Under).to(Comparison::LessThan),
        kws([K::At, K::Most]).to(Comparison::AtMost),
    ))
    .labelled(Expected::Comparison)
    .boxed()
}

/// `count_comparison = NUMBER , "or" , ( "more" | "fewer" | "less" ) | comparison , NUMBER ;`
pub fn count_comparison<'a>() -> Production<'a, (Comparison, Count)> {
    let count = || whole_number().map(|(value, span)| Count { value, span });
    let trailing = count().then_ignore(kw(K::Or)).then(choice((
        kw(K::More).to(Comparison::AtLeast),
        kw(K::Fewer).to(Comparison::AtMost),
        kw(K::Less).to(Comparison::AtMost),
    )));
    trailing.map(|(count, comparison)| (comparison, count)).or(comparison().then(count())).boxed()
}

/// `text_match = "contains" | "starts" , "with" | "ends" , "with" | "is" ;`
pub fn text_match<'a>() -> Production<'a, TextMatch> {
    choice((
        kw(K::Contains).to(TextMatch::Contains),
        kws([K::Starts, K::With]).to(TextMatch::StartsWith),
        kws([K::Ends, K::With]).to(TextMatch::EndsWith),
        kw(K::Is).to(TextMatch::Is),
    ))
    .labelled(Expected::TextMatch)
    .boxed()
}

/// `time_of_day = TIME | NUMBER , ( "am" | "pm" ) | "noon" ;`
pub fn time_of_day<'a>() -> Production<'a, TimeOfDay> {
    let written = select! { Token::Time(time) => time };
    let spaced = number()
        .then(kw(K::Am).to(false).or(kw(K::Pm).to(true)))
        .try_map(|((hour, span), pm), _| clock_hour(hour, pm, span));
    let noon = kw(K::Noon).to(Time::constant(12, 0, 0, 0));
    choice((written, spaced, noon))
        .map_with(|time, e| TimeOfDay { time, span: e.span() })
        .labelled(Expected::Time)
        .boxed()
}

/// `9 am`: an hour from 1 to 12.
fn clock_hour(hour: Decimal, pm: bool, span: Span) -> Result<Time, SyntaxError<'static>> {
    let hour = whole(hour, span)?;
    if !(1..=12).contains(&hour) {
        return Err(SyntaxError::custom(
            Diagnostic::error("invalid-time", format!("with am or pm the hour runs from 1 to 12, not {hour}"), span)
                .with_help("write times like 9am, 5:30pm or 17:00"),
        ));
    }
    let hour = (hour % 12) as i8 + if pm { 12 } else { 0 };
    Ok(Time::constant(hour, 0, 0, 0))
}

/// `date = ISO_DATE | day_number , month | month , day_number ;` — without a year, the date
/// comes round every year.
pub fn date<'a>() -> Production<'a, DateLiteral> {
    let iso = select! { Token::Date(date) => CalendarDate::On(date) };
    let day_first = day_number().then(month()).map(|(day, month)| (day, month));
    let month_first = month().then(day_number()).map(|(month, day)| (day, month));
    let annual = day_first.or(month_first).try_map(|((day, day_span), month), _| annual_date(day, month, day_span));
    iso.or(annual).map_with(|date, e| DateLiteral { date, span: e.span() }).labelled(Expected::Date).boxed()
}

fn annual_date(day: u32, month: u8, span: Span) -> Result<CalendarDate, SyntaxError<'static>> {
    // A leap year, so that 29 February is allowed: it is a holiday in the years that have it.
    let days = jiff::civil::date(2024, month as i8, 1).days_in_month() as u32;
    if (1..=days).contains(&day) {
        return Ok(CalendarDate::EveryYear { month, day: day as u8 });
    }
    let month_name = super::super::lexer::month_name(month as usize);
    Err(SyntaxError::custom(
        Diagnostic::error("invalid-date", format!("{month_name} has no day {day}"), span)
            .with_help(format!("{month_name} has {days} days")),
    ))
}

/// `day_number = NUMBER | ORDINAL ;`
pub fn day_number<'a>() -> Production<'a, (u32, Span)> {
    whole_number().or(select! { Token::Ordinal(day) = e => (day, e.span()) }).boxed()
}

/// `weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday"
/// | "sunday" ;`
pub fn weekday<'a>() -> Production<'a, Weekday> {
    select! {
        Token::Keyword(K::Monday) => Weekday::Monday,
        Token::Keyword(K::Tuesday) => Weekday::Tuesday,
        Token::Keyword(K::Wednesday) => Weekday::Wednesday,
        Token::Keyword(K::Thursday) => Weekday::Thursday,
        Token::Keyword(K::Friday) => Weekday::Friday,
        Token::Keyword(K::Saturday) => Weekday::Saturday,
        Token::Keyword(K::Sunday) => Weekday::Sunday,
    }
    .labelled(Expected::Weekday)
    .boxed()
}

/// `month = "january" | "february" | "march" | "april" | "may" | "june" | "july"
/// | "august" | "september" | "october" | "november" | "december" ;` — as its number, 1 to 12.
pub fn month<'a>() -> Production<'a, u8> {
    select! {
        Token::Keyword(K::January) => 1,
        Token::Keyword(K::February) => 2,
        Token::Keyword(K::March) => 3,
        Token::Keyword(K::April) => 4,
        Token::Keyword(K::May) => 5,
        Token::Keyword(K::June) => 6,
        Token::Keyword(K::July) => 7,
        Token::Keyword(K::August) => 8,
        Token::Keyword(K::September) => 9,
        Token::Keyword(K::October) => 10,
        Token::Keyword(K::November) => 11,
        Token::Keyword(K::December) => 12,
    }
    .labelled(Expected::Month)
    .boxed()
}
