//! Segments and the conditions on customers that define them.

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token::Token;
use super::super::token_parsers::*;
use super::values::{comparison, count_comparison, duration, interval, money, text_match};
use crate::ast::{
    Balance, Condition, CustomerCondition, CustomerTest, CustomerTestKind, Name, SegmentCondition, SegmentDefinition,
};

/// `segment_definition = segment_name , [ "customer" ] , "are" , segment_condition ;`
pub fn segment_definition<'a>() -> Production<'a, SegmentDefinition> {
    segment_name()
        .then_ignore(kw(K::Customer).or_not())
        .then_ignore(kw(K::Are))
        .then(segment_condition())
        .map_with(|(name, condition), e| SegmentDefinition { name, condition, span: e.span() })
        .boxed()
}

/// `segment_name = NAME | WORD ;`
pub fn segment_name<'a>() -> Production<'a, Name> {
    select! {
        Token::Name(text) = e => Name { text: text.to_string(), span: e.span() },
        Token::Word(text) = e => Name { text: text.to_string(), span: e.span() },
    }
    .labelled(Expected::SegmentName)
    .boxed()
}

/// `segment_condition = "all" , "other" , "customer" | "everyone" , "else" | customer_condition ;`
pub fn segment_condition<'a>() -> Production<'a, SegmentCondition> {
    let others = kws([K::All, K::Other, K::Customer]).or(kws([K::Everyone, K::Else]));
    others
        .map_with(|_, e| SegmentCondition::Others(e.span()))
        .or(customer_condition().map(SegmentCondition::Matching))
        .boxed()
}

/// `customer_condition = customer_term , { "or" , customer_term } ;`
pub fn customer_condition<'a>() -> Production<'a, CustomerCondition> {
    recursive(|condition| {
        customer_term(customer_factor(condition.boxed()))
            .separated_by(kw(K::Or))
            .at_least(1)
            .collect()
            .map_with(|terms, e| any_of(terms, e.span()))
    })
    .labelled(Expected::CustomerCondition)
    .boxed()
}

/// `customer_term = customer_factor , { "and" , customer_factor } ;`
pub fn customer_term<'a>(factor: Production<'a, CustomerCondition>) -> Production<'a, CustomerCondition> {
    factor.separated_by(kw(K::And)).at_least(1).collect().map_with(|factors, e| all_of(factors, e.span())).boxed()
}

/// `customer_factor = [ "customer" ] , ( "not" , customer_factor | "(" , customer_condition , ")"
/// | customer_test ) ;`
pub fn customer_factor<'a>(condition: Production<'a, CustomerCondition>) -> Production<'a, CustomerCondition> {
    recursive(|factor| {
        let negated = kw(K::Not).ignore_then(factor).map_with(|inner, e| Condition::Not(Box::new(inner), e.span()));
        let grouped = condition.delimited_by(just(Token::OpenParen), just(Token::CloseParen));
        kw(K::Customer).or_not().ignore_then(choice((negated, grouped, customer_test().map(Condition::Test))))
    })
    .boxed()
}

/// `customer_test = group_membership | balance_test | overdue_count_test | billing_test
/// | currency_test | first_invoice_test | lateness_test | email_test | name_test ;`
pub fn customer_test<'a>() -> Production<'a, CustomerTest> {
    choice((
        group_membership(),
        balance_test(),
        overdue_count_test(),
        billing_test(),
        currency_test(),
        first_invoice_test(),
        lateness_test(),
        email_test(),
        name_test(),
    ))
    .map_with(|kind, e| CustomerTest { kind, span: e.span() })
    .boxed()
}

/// `group_membership = "in" , [ ARTICLE ] , "contact" , "group" , NAME ;`
pub fn group_membership<'a>() -> Production<'a, CustomerTestKind> {
    kw(K::In)
        .then(article())
        .then(kws([K::Contact, K::Group]))
        .ignore_then(quoted_name())
        .map(|group| CustomerTestKind::InContactGroup { group })
        .boxed()
}

/// `balance_test = "with" , comparison , money , ( "outstanding" | "overdue" ) ;`
pub fn balance_test<'a>() -> Production<'a, CustomerTestKind> {
    let measure = kw(K::Outstanding).to(Balance::Outstanding).or(kw(K::Overdue).to(Balance::Overdue));
    kw(K::With)
        .ignore_then(comparison())
        .then(money())
        .then(measure)
        .map(|((comparison, amount), measure)| CustomerTestKind::Balance { comparison, amount, measure })
        .boxed()
}

/// `overdue_count_test = "with" , count_comparison , "overdue" , "invoice" ;`
pub fn overdue_count_test<'a>() -> Production<'a, CustomerTestKind> {
    kw(K::With)
        .ignore_then(count_comparison())
        .then_ignore(kws([K::Overdue, K::Invoice]))
        .map(|(comparison, count)| CustomerTestKind::OverdueInvoices { comparison, count })
        .boxed()
}

/// `billing_test = "billed" , comparison , money , "in" , [ ARTICLE ] , "last" , interval ;`
pub fn billing_test<'a>() -> Production<'a, CustomerTestKind> {
    kw(K::Billed)
        .ignore_then(comparison())
        .then(money())
        .then_ignore(kw(K::In).then(article()).then(kw(K::Last)))
        .then(interval())
        .map(|((comparison, amount), period)| CustomerTestKind::Billed { comparison, amount, period })
        .boxed()
}

/// `currency_test = "billed" , "in" , CURRENCY ;`
pub fn currency_test<'a>() -> Production<'a, CustomerTestKind> {
    kws([K::Billed, K::In]).ignore_then(currency_name()).map(|currency| CustomerTestKind::BilledIn { currency }).boxed()
}

/// `first_invoice_test = "whose" , "first" , "invoice" , "was" , comparison , duration , "ago" ;`
pub fn first_invoice_test<'a>() -> Production<'a, CustomerTestKind> {
    kws([K::Whose, K::First, K::Invoice, K::Was])
        .ignore_then(comparison())
        .then(duration())
        .then_ignore(kw(K::Ago))
        .map(|(comparison, age)| CustomerTestKind::FirstInvoice { comparison, age })
        .boxed()
}

/// `lateness_test = "who" , "pay" , comparison , duration , "late" , "on" , "average" ;`
pub fn lateness_test<'a>() -> Production<'a, CustomerTestKind> {
    kws([K::Who, K::Pay])
        .ignore_then(comparison())
        .then(duration())
        .then_ignore(kws([K::Late, K::On, K::Average]))
        .map(|(comparison, lateness)| CustomerTestKind::PaysLate { comparison, lateness })
        .boxed()
}

/// `email_test = "whose" , "email" , [ "address" ] , text_match , NAME ;`
pub fn email_test<'a>() -> Production<'a, CustomerTestKind> {
    kws([K::Whose, K::Email])
        .then(kw(K::Address).or_not())
        .ignore_then(text_match())
        .then(quoted_name())
        .map(|(text_match, text)| CustomerTestKind::EmailAddress { text_match, text })
        .boxed()
}

/// `name_test = "whose" , "name" , text_match , NAME ;`
pub fn name_test<'a>() -> Production<'a, CustomerTestKind> {
    kws([K::Whose, K::Name])
        .ignore_then(text_match())
        .then(quoted_name())
        .map(|(text_match, text)| CustomerTestKind::Name { text_match, text })
        .boxed()
}
