//! Settings: the sentences under `Settings:`.

use chumsky::prelude::*;
use rust_decimal::Decimal;

use super::super::error::SyntaxError;
use super::super::keyword::Keyword as K;
use super::super::token::Token;
use super::super::token_parsers::*;
use super::claims::claim;
use super::values::{date, duration, interval, money, time_of_day, unit};
use crate::ast::{Duration, MoneyAmount, SendingDays, Setting, SettingKind};
use crate::diagnostics::Diagnostic;

/// `setting = sender | reply_to | sending_window | time_zone | holidays | holiday_file
/// | frequency_cap | consolidation | catch_up | write_back | person_address | claim ;`
pub fn setting<'a>() -> Production<'a, Setting> {
    choice((
        sender(),
        reply_to(),
        sending_window(),
        time_zone(),
        holidays(),
        holiday_file(),
        frequency_cap(),
        consolidation(),
        catch_up(),
        write_back(),
        person_address(),
        claim(),
    ))
    .map_with(|kind, e| Setting { kind, span: e.span() })
    .boxed()
}

/// `sender = "send" , "email" , "from" , NAME , [ "as" , NAME ] ;`
pub fn sender<'a>() -> Production<'a, SettingKind> {
    kws([K::Send, K::Email, K::From])
        .ignore_then(quoted_name())
        .then(kw(K::As).ignore_then(quoted_name()).or_not())
        .map(|(address, display_name)| SettingKind::Sender { address, display_name })
        .boxed()
}

/// `reply_to = "replies" , [ "go" ] , "to" , NAME ;`
pub fn reply_to<'a>() -> Production<'a, SettingKind> {
    kw(K::Replies)
        .then(kw(K::Go).or_not())
        .then(kw(K::To))
        .ignore_then(quoted_name())
        .map(|address| SettingKind::ReplyTo { address })
        .boxed()
}

/// `sending_window = "send" , [ "only" ] , "on" , sending_days , ( "between" , time_of_day , "and"
/// | "from" , time_of_day , ( "to" | "until" ) ) , time_of_day ;`
pub fn sending_window<'a>() -> Production<'a, SettingKind> {
    let between = kw(K::Between).ignore_then(time_of_day()).then_ignore(kw(K::And));
    let from = kw(K::From).ignore_then(time_of_day()).then_ignore(kw(K::To).or(kw(K::Until)));
    kw(K::Send)
        .then(kw(K::Only).or_not())
        .then(kw(K::On))
        .ignore_then(sending_days())
        .then(between.or(from))
        .then(time_of_day())
        .map(|((days, start), end)| SettingKind::SendingWindow { days, start, end })
        .boxed()
}

/// `sending_days = "business" , "day" | "weekdays" | ( "every" | "any" ) , "day" ;`
pub fn sending_days<'a>() -> Production<'a, SendingDays> {
    choice((
        kws([K::Business, K::Day]).to(SendingDays::BusinessDays),
        kw(K::Weekdays).to(SendingDays::Weekdays),
        kw(K::Every).or(kw(K::Any)).then(kw(K::Day)).to(SendingDays::EveryDay),
    ))
    .boxed()
}

/// `time_zone = "use" , [ ARTICLE ] , NAME , ( "time" , "zone" | "timezone" ) ;`
pub fn time_zone<'a>() -> Production<'a, SettingKind> {
    kw(K::Use)
        .then(article())
        .ignore_then(quoted_name())
        .then_ignore(kws([K::Time, K::Zone]).or(kw(K::Timezone)))
        .map(|zone| SettingKind::TimeZone { zone })
        .boxed()
}

/// `holidays = "treat" , date , { ( "," | "and" ) , date } , "as" , [ ARTICLE ] , "holiday" ;`
pub fn holidays<'a>() -> Production<'a, SettingKind> {
    kw(K::Treat)
        .ignore_then(date().separated_by(comma().or(kw(K::And).ignored())).at_least(1).collect())
        .then_ignore(kw(K::As).then(article()).then(kw(K::Holiday)))
        .map(|dates| SettingKind::Holidays { dates })
        .boxed()
}

/// `holiday_file = "holiday" , "are" , "listed" , "in" , NAME ;`
pub fn holiday_file<'a>() -> Production<'a, SettingKind> {
    kws([K::Holiday, K::Are, K::Listed, K::In])
        .ignore_then(quoted_name())
        .map(|path| SettingKind::HolidayFile { path })
        .boxed()
}

/// `frequency_cap = "never" , "email" , [ ARTICLE ] , "customer" , "more" , "than" , "once" ,
/// ( "every" , interval | ARTICLE , unit ) ;`
pub fn frequency_cap<'a>() -> Production<'a, SettingKind> {
    let every = kw(K::Every).ignore_then(interval());
    let per = select! { Token::Article(_) => () }.ignore_then(unit()).map_with(|(unit, count), e| Duration {
        count,
        unit,
        span: e.span(),
    });
    kws([K::Never, K::Email])
        .then(article())
        .then(kws([K::Customer, K::More, K::Than, K::Once]))
        .ignore_then(every.or(per))
        .map(|interval| SettingKind::FrequencyCap { interval })
        .boxed()
}

/// `consolidation = "combine" , "reminder" , "for" , [ ARTICLE ] , "same" , "customer" , "into" ,
/// NUMBER , "email" | negation , "combine" , "reminder" ;`
pub fn consolidation<'a>() -> Production<'a, SettingKind> {
    let one = number().try_map(|(value, span), _| {
        if value == Decimal::ONE {
            Ok(())
        } else {
            Err(SyntaxError::custom(
                Diagnostic::error(
                    "not-one-email",
                    format!("reminders can only be combined into one email, not {value}"),
                    span,
                )
                .with_help("write \"into one email\""),
            ))
        }
    });
    let combine = kws([K::Combine, K::Reminder, K::For])
        .then(article())
        .then(kws([K::Same, K::Customer, K::Into]))
        .then(one)
        .then(kw(K::Email))
        .to(SettingKind::Consolidation { enabled: true });
    let dont = negation().then(kws([K::Combine, K::Reminder])).to(SettingKind::Consolidation { enabled: false });
    combine.or(dont).boxed()
}

/// `catch_up = "catch" , "up" , "on" , "missed" , "reminder" , "for" , "up" , "to" , duration
/// | negation , "catch" , "up" , [ "on" , "missed" , "reminder" ] ;`
pub fn catch_up<'a>() -> Production<'a, SettingKind> {
    let catch_up = kws([K::Catch, K::Up, K::On, K::Missed, K::Reminder, K::For, K::Up, K::To])
        .ignore_then(duration())
        .map(|window| SettingKind::CatchUp { window: Some(window) });
    let dont = negation()
        .then(kws([K::Catch, K::Up]))
        .then(kws([K::On, K::Missed, K::Reminder]).or_not())
        .to(SettingKind::CatchUp { window: None });
    catch_up.or(dont).boxed()
}

/// `write_back = "log" , [ "every" , "email" , "and" , "call" ] , "to" , "xero"
/// | negation , "log" , "to" , "xero" ;`
pub fn write_back<'a>() -> Production<'a, SettingKind> {
    let log = kw(K::Log)
        .then(kws([K::Every, K::Email, K::And, K::Call]).or_not())
        .then(kws([K::To, K::Xero]))
        .to(SettingKind::WriteBack { enabled: true });
    let dont = negation().then(kws([K::Log, K::To, K::Xero])).to(SettingKind::WriteBack { enabled: false });
    log.or(dont).boxed()
}

/// `person_address = "reach" , NAME , "at" , NAME ;`
pub fn person_address<'a>() -> Production<'a, SettingKind> {
    kw(K::Reach)
        .ignore_then(quoted_name())
        .then_ignore(kw(K::At))
        .then(quoted_name())
        .map(|(person, address)| SettingKind::PersonAddress { person, address })
        .boxed()
}

/// `minimum_amount = ( "ignore" | "skip" ) , "invoice" , "with" , "less" , "than" , money ,
/// "outstanding" ;`
pub fn minimum_amount<'a>() -> Production<'a, MoneyAmount> {
    kw(K::Ignore)
        .or(kw(K::Skip))
        .then(kws([K::Invoice, K::With, K::Less, K::Than]))
        .ignore_then(money())
        .then_ignore(kw(K::Outstanding))
        .boxed()
}

/// `negation = "don't" | "do" , "not" ;`
pub fn negation<'a>() -> Production<'a, ()> {
    kw(K::Dont).or(kws([K::Do, K::Not])).ignored().boxed()
}
