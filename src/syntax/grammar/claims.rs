//! The `Claim …` settings: late-payment interest and compensation under a law, or interest at a
//! contractual rate (LANGUAGE.md §11). The laws' names are read as plain words in this place
//! only, so that "UK" and "EU" stay free as segment names.

use chumsky::prelude::*;

use super::super::expected::Expected;
use super::super::keyword::Keyword as K;
use super::super::token::Token;
use super::super::token_parsers::*;
use crate::ast::{InterestRate, Law, Name, RatePer, SettingKind};

/// `claim = "claim" , "interest" , ( "and" , "compensation" , "under" , [ ARTICLE ] , law
/// | "at" , interest_rate ) , [ claim_exception ] ;`
pub fn claim<'a>() -> Production<'a, SettingKind> {
    let statutory = kws([K::And, K::Compensation, K::Under])
        .then(article())
        .ignore_then(law())
        .then(claim_exception().or_not())
        .map(|(law, except)| SettingKind::ClaimStatutory { law, except });
    let contractual = kw(K::At)
        .ignore_then(interest_rate())
        .then(claim_exception().or_not())
        .map(|(rate, except)| SettingKind::ClaimInterest { rate, except });
    kws([K::Claim, K::Interest]).ignore_then(statutory.or(contractual)).boxed()
}

/// `law = 'uk' , "late" , 'payment' , 'act'
/// | 'eu' , "late" , 'payment' , 'directive' , [ "as" , 'applied' , "in" , 'germany' ] ;`
pub fn law<'a>() -> Production<'a, Law> {
    let uk = word("uk").then(kw(K::Late)).then(word("payment")).then(word("act")).to(Law::UkLatePaymentAct);
    let germany = kw(K::As).then(word("applied")).then(kw(K::In)).then(word("germany"));
    let eu =
        word("eu").then(kw(K::Late)).then(word("payment")).then(word("directive")).ignore_then(germany.or_not()).map(
            |germany| match germany {
                Some(_) => Law::EuLatePaymentDirectiveGermany,
                None => Law::EuLatePaymentDirective,
            },
        );
    uk.or(eu).labelled(Expected::Law).boxed()
}

/// `interest_rate = NUMBER , ( PERCENT | 'percent' ) , ( ARTICLE | 'per' ) , ( "month" | "year" ) ;`
pub fn interest_rate<'a>() -> Production<'a, InterestRate> {
    let percent = just(Token::Percent).ignored().or(word("percent"));
    let per = select! { Token::Article(_) => () }.or(word("per"));
    let period = kw(K::Month).to(RatePer::Month).or(kw(K::Year).to(RatePer::Year));
    number()
        .then_ignore(percent)
        .then_ignore(per)
        .then(period)
        .map_with(|((percent, _), per), e| InterestRate { percent, per, span: e.span() })
        .boxed()
}

/// `claim_exception = [ "," ] , "except" , [ "for" ] , [ ARTICLE ] , "customer" , "in" , [ ARTICLE ] ,
/// "contact" , "group" , NAME ;`
pub fn claim_exception<'a>() -> Production<'a, Name> {
    optional_comma()
        .then(kw(K::Except))
        .then(kw(K::For).or_not())
        .then(article())
        .then(kws([K::Customer, K::In]))
        .then(article())
        .then(kws([K::Contact, K::Group]))
        .ignore_then(quoted_name())
        .boxed()
}

/// A plain word, in any case, read as part of a sentence only here.
fn word<'a>(text: &'static str) -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    any().filter(move |token: &Token<'a>| matches!(token, Token::Word(w) if w.eq_ignore_ascii_case(text))).ignored()
}
