//! Guards: sentences that hold rules back.

use chumsky::prelude::*;

use super::super::keyword::Keyword as K;
use super::super::token_parsers::*;
use super::actions::{action, call_action};
use super::segments::customer_condition;
use super::settings::negation;
use super::values::duration;
use crate::ast::{Action, Duration, Guard, GuardKind, ReplyPause, Unit};
use crate::source::Span;

/// `guard = do_not_contact | dispute_guard | promise_pause | broken_promise | reply_pause
/// | keep_chasing | paid_claim_pause | bounce_task ;`
pub fn guard<'a>() -> Production<'a, Guard> {
    choice((
        do_not_contact(),
        dispute_guard(),
        promise_pause(),
        broken_promise(),
        reply_pause(),
        keep_chasing(),
        paid_claim_pause(),
        bounce_task(),
    ))
    .map_with(|kind, e| Guard { kind, span: e.span() })
    .boxed()
}

/// `do_not_contact = ( negation | "never" ) , "contact" , customer_condition ;`
pub fn do_not_contact<'a>() -> Production<'a, GuardKind> {
    negation()
        .or(kw(K::Never).ignored())
        .then(kw(K::Contact))
        .ignore_then(customer_condition())
        .map(|condition| GuardKind::DoNotContact { condition })
        .boxed()
}

/// `dispute_guard = "stop" , "chasing" , "disputed" , "invoice" ;`
pub fn dispute_guard<'a>() -> Production<'a, GuardKind> {
    kws([K::Stop, K::Chasing, K::Disputed, K::Invoice]).to(GuardKind::StopDisputed).boxed()
}

/// `promise_pause = "when" , [ ARTICLE ] , "customer" , "promises" , "to" , "pay" , [ "," ] ,
/// "pause" , "chasing" , "until" , [ duration , "after" ] , [ ARTICLE ] , "promised" , "date" ;`
pub fn promise_pause<'a>() -> Production<'a, GuardKind> {
    let grace = duration().then_ignore(kw(K::After)).or_not();
    kw(K::When)
        .then(article())
        .then(kws([K::Customer, K::Promises, K::To, K::Pay]))
        .then(optional_comma())
        .then(kws([K::Pause, K::Chasing, K::Until]))
        .ignore_then(grace)
        .then_ignore(article().then(kws([K::Promised, K::Date])))
        .map_with(|grace, e| {
            // "until the promised date" is a grace of no days, placed where the date is named.
            let end = e.span().end;
            let grace = grace.unwrap_or(Duration { count: 0, unit: Unit::Day, span: Span::new(end, end) });
            GuardKind::PauseOnPromise { grace }
        })
        .boxed()
}

/// `broken_promise = "if" , [ ARTICLE ] , "promise" , "is" , "broken" , [ "," ] , action ;`
pub fn broken_promise<'a>() -> Production<'a, GuardKind> {
    kw(K::If)
        .then(article())
        .then(kws([K::Promise, K::Is, K::Broken]))
        .then(optional_comma())
        .ignore_then(action())
        .map(|action| GuardKind::BrokenPromise { action })
        .boxed()
}

/// `reply_pause = "when" , [ ARTICLE ] , "customer" , "replies" , [ "," ] , "pause" , "chasing" ,
/// ( "until" , [ ARTICLE ] , "replies" , "is" , "handled" | "for" , duration ) ;`
pub fn reply_pause<'a>() -> Production<'a, GuardKind> {
    let until_handled =
        kw(K::Until).then(article()).then(kws([K::Replies, K::Is, K::Handled])).to(ReplyPause::UntilHandled);
    let for_a_while = kw(K::For).ignore_then(duration()).map(ReplyPause::For);
    kw(K::When)
        .then(article())
        .then(kws([K::Customer, K::Replies]))
        .then(optional_comma())
        .then(kws([K::Pause, K::Chasing]))
        .ignore_then(until_handled.or(for_a_while))
        .map(|pause| GuardKind::OnReply { pause })
        .boxed()
}

/// `keep_chasing = "keep" , "chasing" , "when" , [ ARTICLE ] , "customer" , "replies" ;`
pub fn keep_chasing<'a>() -> Production<'a, GuardKind> {
    kws([K::Keep, K::Chasing, K::When])
        .then(article())
        .then(kws([K::Customer, K::Replies]))
        .to(GuardKind::OnReply { pause: ReplyPause::KeepChasing })
        .boxed()
}

/// `paid_claim_pause = "when" , [ ARTICLE ] , "customer" , "says" , "they" , "have" , "paid" ,
/// [ "," ] , "pause" , "chasing" , "for" , duration ;`
pub fn paid_claim_pause<'a>() -> Production<'a, GuardKind> {
    kw(K::When)
        .then(article())
        .then(kws([K::Customer, K::Says, K::They, K::Have, K::Paid]))
        .then(optional_comma())
        .then(kws([K::Pause, K::Chasing, K::For]))
        .ignore_then(duration())
        .map(|pause| GuardKind::OnPaidClaim { pause })
        .boxed()
}

/// `bounce_task = "when" , [ ARTICLE ] , "email" , "bounces" , [ "," ] , call_action ;`
pub fn bounce_task<'a>() -> Production<'a, GuardKind> {
    let task = call_action().map_with(|kind, e| Action { kind, span: e.span() });
    kw(K::When)
        .then(article())
        .then(kws([K::Email, K::Bounces]))
        .then(optional_comma())
        .ignore_then(task)
        .map(|action| GuardKind::OnBounce { action })
        .boxed()
}
