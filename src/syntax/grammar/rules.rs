//! Rules and their triggers: `TRIGGER, [if CONDITION,] ACTION.` or `ACTION TRIGGER [if CONDITION].`

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token::Token;
use super::super::token_parsers::*;
use super::actions::action;
use super::invoice_conditions::rule_condition;
use super::values::{count, duration, interval, unit, weekday};
use crate::ast::{DayOfMonth, Duration, Rule, Trigger, TriggerKind};

/// `rule = trigger , [ "," ] , [ rule_condition , [ "," ] ] , action
/// | action , trigger , [ [ "," ] , rule_condition ] ;`
pub fn rule<'a>() -> Production<'a, Rule> {
    let trigger_first = trigger()
        .then_ignore(optional_comma())
        .then(rule_condition().then_ignore(optional_comma()).or_not())
        .then(action())
        .map_with(|((trigger, condition), action), e| Rule { trigger, condition, action, span: e.span() });
    let action_first = action()
        .then(trigger())
        .then(optional_comma().ignore_then(rule_condition()).or_not())
        .map_with(|((action, trigger), condition), e| Rule { trigger, condition, action, span: e.span() });
    trigger_first.or(action_first).boxed()
}

/// `trigger = before_due | on_due | overdue | repeating | after_issue | calendar ;`
pub fn trigger<'a>() -> Production<'a, Trigger> {
    choice((before_due(), on_due(), overdue(), repeating(), after_issue(), calendar()))
        .map_with(|kind, e| Trigger { kind, span: e.span() })
        .labelled(Expected::Trigger)
        .boxed()
}

/// `before_due = duration , "before" , ( due_date | invoice_is , "due" )
/// | "when" , invoice_is , "due" , "in" , duration ;`
pub fn before_due<'a>() -> Production<'a, TriggerKind> {
    let before = duration().then_ignore(kw(K::Before)).then_ignore(due_date().or(invoice_is().then_ignore(kw(K::Due))));
    let due_in = kw(K::When).ignore_then(invoice_is()).ignore_then(kws([K::Due, K::In])).ignore_then(duration());
    before.or(due_in).map(|offset| TriggerKind::BeforeDue { offset }).boxed()
}

/// `on_due = "on" , due_date | "when" , invoice_is , "due" ;`
pub fn on_due<'a>() -> Production<'a, TriggerKind> {
    let on = kw(K::On).ignore_then(due_date());
    let when = kw(K::When).ignore_then(invoice_is()).ignore_then(kw(K::Due).ignored());
    on.or(when).to(TriggerKind::OnDue).boxed()
}

/// `overdue = duration , "after" , due_date
/// | "when" , invoice_is , ( duration , overdue_word | overdue_word , "by" , duration )
/// | [ "at" ] , duration , overdue_word ;`
pub fn overdue<'a>() -> Production<'a, TriggerKind> {
    let after_due = duration().then_ignore(kw(K::After)).then_ignore(due_date());
    let when = kw(K::When).ignore_then(invoice_is()).ignore_then(choice((
        duration().then_ignore(overdue_word()),
        overdue_word().ignore_then(kw(K::By)).ignore_then(duration()),
    )));
    let at = kw(K::At).or_not().ignore_then(duration()).then_ignore(overdue_word());
    choice((after_due, when, at)).map(|offset| TriggerKind::Overdue { offset }).boxed()
}

/// `repeating = "every" , interval , ( closed_range | open_range ) ;`
pub fn repeating<'a>() -> Production<'a, TriggerKind> {
    kw(K::Every)
        .ignore_then(interval())
        .then(closed_range().map(|(from, until)| (from, Some(until))).or(open_range().map(|from| (from, None))))
        .map(|(interval, (from, until))| TriggerKind::Repeating { interval, from, until })
        .boxed()
}

/// `closed_range = ( "from" | "between" ) , NUMBER , [ unit , [ overdue_word ] ] ,
/// ( "to" | "until" | "and" ) , duration , overdue_word ;` — a start written without a unit
/// counts in the end's (`from 8 to 29 days overdue`, `from 1 to 4 weeks overdue`).
pub fn closed_range<'a>() -> Production<'a, (Duration, Duration)> {
    let start = whole_number()
        .then(unit().then_ignore(overdue_word().or_not()).or_not())
        .map_with(|((count, _), unit), e| (count, unit, e.span()));
    let end = count().then(unit()).map_with(|(count, unit), e| (count.value, unit, e.span()));
    kw(K::From)
        .or(kw(K::Between))
        .ignore_then(start)
        .then_ignore(choice((kw(K::To), kw(K::Until), kw(K::And))))
        .then(end)
        .then_ignore(overdue_word())
        .map(|((start, start_unit, start_span), (end, (unit, per), end_span))| {
            let (start_unit, start_per) = start_unit.unwrap_or((unit, per));
            let from = Duration { count: start.saturating_mul(start_per), unit: start_unit, span: start_span };
            let until = Duration { count: end.saturating_mul(per), unit, span: end_span };
            (from, until)
        })
        .boxed()
}

/// `open_range = ( "after" | "from" ) , duration , overdue_word ;`
pub fn open_range<'a>() -> Production<'a, Duration> {
    kw(K::After).or(kw(K::From)).ignore_then(duration()).then_ignore(overdue_word()).boxed()
}

/// `after_issue = duration , "after" , ( [ ARTICLE ] , "invoice" , "date" | invoice_is , "issued" ) ;`
pub fn after_issue<'a>() -> Production<'a, TriggerKind> {
    let invoice_date = article().then(kws([K::Invoice, K::Date])).ignored();
    let issued = invoice_is().then(kw(K::Issued)).ignored();
    duration()
        .then_ignore(kw(K::After))
        .then_ignore(invoice_date.or(issued))
        .map(|offset| TriggerKind::AfterIssue { offset })
        .boxed()
}

/// `calendar = "every" , weekday | "on" , [ ARTICLE ] , day_of_month , "of" , "every" , "month" ;`
pub fn calendar<'a>() -> Production<'a, TriggerKind> {
    let weekly = kw(K::Every).ignore_then(weekday()).map(|day| TriggerKind::Weekly { day });
    let monthly = kw(K::On)
        .ignore_then(article())
        .ignore_then(day_of_month())
        .then_ignore(kws([K::Of, K::Every, K::Month]))
        .map(|day| TriggerKind::Monthly { day });
    weekly.or(monthly).boxed()
}

/// `day_of_month = ( ORDINAL | "first" ) , [ "day" ] | "last" , "day" ;`
pub fn day_of_month<'a>() -> Production<'a, DayOfMonth> {
    let numbered = select! { Token::Ordinal(day) => DayOfMonth::Day(day) }.or(kw(K::First).to(DayOfMonth::Day(1)));
    let last = kws([K::Last, K::Day]).to(DayOfMonth::Last);
    numbered.then_ignore(kw(K::Day).or_not()).or(last).labelled(Expected::DayOfMonth).boxed()
}

/// `due_date = [ ARTICLE ] , "due" , "date" ;`
pub fn due_date<'a>() -> Production<'a, ()> {
    article().then(kws([K::Due, K::Date])).ignored().boxed()
}

/// `invoice_is = [ ARTICLE ] , "invoice" , "is" ;`
pub fn invoice_is<'a>() -> Production<'a, ()> {
    article().then(kws([K::Invoice, K::Is])).ignored().boxed()
}

/// `overdue_word = "overdue" | "past" , "due" ;`
pub fn overdue_word<'a>() -> Production<'a, ()> {
    kw(K::Overdue).or(kws([K::Past, K::Due])).ignored().boxed()
}
