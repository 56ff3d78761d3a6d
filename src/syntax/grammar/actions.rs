//! Actions: what a rule does when it fires.

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token_parsers::*;
use crate::ast::{Action, ActionKind, Attachment};

/// `action = email_action | call_action | escalation | stop_chasing ;`
pub fn action<'a>() -> Production<'a, Action> {
    choice((email_action(), call_action(), escalation(), stop_chasing()))
        .map_with(|kind, e| Action { kind, span: e.span() })
        .labelled(Expected::Action)
        .boxed()
}

/// `email_action = "send" , [ ARTICLE ] , NAME , "email" , [ attachments ] ,
/// [ "and" , "copy" , NAME , { ( "," | "and" ) , NAME } , [ attachments ] ] ;`
///
/// Attachments may come before the copies or after them (`… and copy "ap@acme.example" with
/// the invoice PDF` reads as naturally); the formatter writes them before.
pub fn email_action<'a>() -> Production<'a, ActionKind> {
    let copies = kws([K::And, K::Copy]).ignore_then(name_list()).then(attachments().or_not());
    kw(K::Send)
        .ignore_then(article())
        .ignore_then(quoted_name())
        .then_ignore(kw(K::Email))
        .then(attachments().or_not())
        .then(copies.or_not())
        .map(|((template, before), copies)| {
            let (copy, after) = copies.unwrap_or_default();
            let mut attach: Vec<Attachment> = before.into_iter().chain(after).flatten().collect();
            // One of each, in one order: what is attached, not how it was said.
            attach.sort();
            attach.dedup();
            ActionKind::Email { template, copy, attach }
        })
        .boxed()
}

/// `attachments = "with" , attachment , { ( "," | "and" ) , attachment } ;`
pub fn attachments<'a>() -> Production<'a, Vec<Attachment>> {
    let separator = choice((comma(), kw(K::And).ignored()));
    kw(K::With).ignore_then(attachment().separated_by(separator).at_least(1).collect()).boxed()
}

/// `attachment = [ ARTICLE ] , ( "invoice" | "statement" ) , "pdf" ;`
pub fn attachment<'a>() -> Production<'a, Attachment> {
    let which = choice((kw(K::Invoice).to(Attachment::InvoicePdf), kw(K::Statement).to(Attachment::StatementPdf)));
    article().ignore_then(which).then_ignore(kw(K::Pdf)).labelled(Expected::Attachment).boxed()
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
