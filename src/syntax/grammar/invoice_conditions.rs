//! Conditions on an invoice, after `if`, `when` or `unless` in a rule.

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token::Token;
use super::super::token_parsers::*;
use super::values::{comparison, money, text_match};
use crate::ast::{Condition, InvoiceCondition, InvoiceTest, InvoiceTestKind, RuleCondition};

/// `rule_condition = ( "if" | "when" | "unless" ) , invoice_condition ;`
pub fn rule_condition<'a>() -> Production<'a, RuleCondition> {
    let keyword = choice((kw(K::If).to(false), kw(K::When).to(false), kw(K::Unless).to(true)));
    keyword
        .then(invoice_condition())
        .map_with(|(unless, condition), e| RuleCondition { unless, condition, span: e.span() })
        .boxed()
}

/// `invoice_condition = invoice_term , { "or" , invoice_term } ;`
pub fn invoice_condition<'a>() -> Production<'a, InvoiceCondition> {
    recursive(|condition| {
        invoice_term(invoice_factor(condition.boxed()))
            .separated_by(kw(K::Or))
            .at_least(1)
            .collect()
            .map_with(|terms, e| any_of(terms, e.span()))
    })
    .labelled(Expected::InvoiceCondition)
    .boxed()
}

/// `invoice_term = invoice_factor , { "and" , invoice_factor } ;`
pub fn invoice_term<'a>(factor: Production<'a, InvoiceCondition>) -> Production<'a, InvoiceCondition> {
    factor.separated_by(kw(K::And)).at_least(1).collect().map_with(|factors, e| all_of(factors, e.span())).boxed()
}

/// `invoice_factor = "not" , invoice_factor | "(" , invoice_condition , ")" | invoice_test ;`
pub fn invoice_factor<'a>(condition: Production<'a, InvoiceCondition>) -> Production<'a, InvoiceCondition> {
    recursive(|factor| {
        let negated = kw(K::Not).ignore_then(factor).map_with(|inner, e| Condition::Not(Box::new(inner), e.span()));
        let grouped = condition.delimited_by(just(Token::OpenParen), just(Token::CloseParen));
        choice((negated, grouped, invoice_test().map(Condition::Test)))
    })
    .boxed()
}

/// `invoice_test = amount_due_test | total_test | partly_paid_test | invoice_currency_test
/// | reference_test | promise_test ;`
pub fn invoice_test<'a>() -> Production<'a, InvoiceTest> {
    choice((
        amount_due_test(),
        total_test(),
        partly_paid_test(),
        invoice_currency_test(),
        reference_test(),
        promise_test(),
    ))
    .map_with(|kind, e| InvoiceTest { kind, span: e.span() })
    .boxed()
}

/// `amount_due_test = comparison , money , "is" , "outstanding" ;`
pub fn amount_due_test<'a>() -> Production<'a, InvoiceTestKind> {
    comparison()
        .then(money())
        .then_ignore(kws([K::Is, K::Outstanding]))
        .map(|(comparison, amount)| InvoiceTestKind::AmountDue { comparison, amount })
        .boxed()
}

/// `total_test = [ ARTICLE ] , "invoice" , "total" , "is" , comparison , money ;`
pub fn total_test<'a>() -> Production<'a, InvoiceTestKind> {
    article()
        .then(kws([K::Invoice, K::Total, K::Is]))
        .ignore_then(comparison())
        .then(money())
        .map(|(comparison, amount)| InvoiceTestKind::Total { comparison, amount })
        .boxed()
}

/// `partly_paid_test = [ ARTICLE ] , "invoice" , "is" , "partly" , "paid" ;`
pub fn partly_paid_test<'a>() -> Production<'a, InvoiceTestKind> {
    article().then(kws([K::Invoice, K::Is, K::Partly, K::Paid])).to(InvoiceTestKind::PartlyPaid).boxed()
}

/// `invoice_currency_test = [ ARTICLE ] , "invoice" , "is" , "in" , CURRENCY ;`
pub fn invoice_currency_test<'a>() -> Production<'a, InvoiceTestKind> {
    article()
        .then(kws([K::Invoice, K::Is, K::In]))
        .ignore_then(currency_name())
        .map(|currency| InvoiceTestKind::InCurrency { currency })
        .boxed()
}

/// `reference_test = [ ARTICLE ] , "reference" , text_match , NAME ;`
pub fn reference_test<'a>() -> Production<'a, InvoiceTestKind> {
    article()
        .then(kw(K::Reference))
        .ignore_then(text_match())
        .then(quoted_name())
        .map(|(text_match, text)| InvoiceTestKind::Reference { text_match, text })
        .boxed()
}

/// `promise_test = [ ARTICLE ] , "customer" , "has" , "promised" , "to" , "pay" ;`
pub fn promise_test<'a>() -> Production<'a, InvoiceTestKind> {
    article().then(kws([K::Customer, K::Has, K::Promised, K::To, K::Pay])).to(InvoiceTestKind::Promised).boxed()
}
