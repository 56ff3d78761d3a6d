//! Actions: what a rule does when it fires.

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token_parsers::*;
use crate::ast::{Action, ActionKind};

/// `action = email_action | call_action | escalation | stop_chasing ;`
pub fn action<'a>() -> Production<'a, Action> {
    choice((email_action(), call_action(), escalation(), stop_chasing()))
        .map_with(|kind, e| Action { kind, span: e.span() })
        .labelled(Expected::Action)
        .boxed()
}

/// `email_action = "send" , [ ARTICLE ] , NAME , "email" , [ "and" , "copy" , NAME ,
/// { ( "," | "and" ) , NAME } ] ;`
pub fn email_action<'a>() -> Production<'a, ActionKind> {
    kw(K::Send)
        .ignore_then(article())
        .ignore_then(quoted_name())
        .then_ignore(kw(K::Email))
        .then(kws([K::And, K::Copy]).ignore_then(name_list()).or_not())
        .map(|(template, copy)| ActionKind::Email { template, copy: copy.unwrap_or_default() })
        .boxed()
}

/// `call_action = "create" , [ ARTICLE ] , "call" , "task" , "for" , NAME
/// | "ask" , NAME , "to" , "call" , [ ARTICLE ] , "customer"
/// | "assign" , [ ARTICLE ] , "call" , "to" , NAME ;`
pub fn call_action<'a>() -> Production<'a, ActionKind> {
    let create = kw(K::Create).then(article()).then(kws([K::Call, K::Task, K::For])).ignore_then(quoted_name());
    let ask =
        kw(K::Ask).ignore_then(quoted_name()).then_ignore(kws([K::To, K::Call]).then(article()).then(kw(K::Customer)));
    let assign = kw(K::Assign).then(article()).then(kws([K::Call, K::To])).ignore_then(quoted_name());
    choice((create, ask, assign)).map(|assignee| ActionKind::CallTask { assignee }).boxed()
}

/// `escalation = "escalate" , "to" , NAME ;`
pub fn escalation<'a>() -> Production<'a, ActionKind> {
    kws([K::Escalate, K::To]).ignore_then(quoted_name()).map(|to| ActionKind::Escalate { to }).boxed()
}

/// `stop_chasing = "stop" , "chasing" ;`
pub fn stop_chasing<'a>() -> Production<'a, ActionKind> {
    kws([K::Stop, K::Chasing]).to(ActionKind::StopChasing).boxed()
}
