//! The productions of `grammar/strategy.ebnf`, one public function each, named as in the grammar
//! (a test holds the two together). This file has the file structure: header, headings, sections
//! and the sentence-level recovery that lets one run report every broken sentence.

mod actions;
mod claims;
mod guards;
mod invoice_conditions;
mod rules;
mod segments;
mod settings;
mod values;

use chumsky::prelude::*;

use super::keyword::Keyword as K;
use super::token::Token;
use super::token_parsers::*;
use super::{error::SyntaxError, expected::Expected};
use crate::ast::{
    Audience, Guard, GuardKind, MoneyAmount, Name, Rule, RuleItem, RulesSection, Section, SegmentDefinition,
    SegmentsSection, Setting, SettingKind, SettingsSection, Strategy,
};
use crate::diagnostics::Diagnostic;
use crate::source::Span;

pub use values::date;

use guards::guard;
use rules::rule;
use segments::{segment_definition, segment_name};
use settings::{minimum_amount, setting};

/// One sentence as read, before it is placed in its section.
#[derive(Clone, Debug)]
pub enum Statement {
    Organisations(Vec<Name>),
    Setting(Setting),
    MinimumAmount(MoneyAmount),
    Segment(SegmentDefinition),
    Guard(Guard),
    Rule(Rule),
    /// A sentence that did not parse; its error is already reported.
    Broken,
}

#[derive(Clone, Debug)]
pub enum Heading {
    Settings,
    Segments,
    Rules(Audience),
    /// A heading that did not parse; what follows is still read, but not placed.
    Broken,
}

pub type Header = (Name, Vec<Name>, Span);

/// `strategy = [ NEWLINE ] , strategy_sentence , { statement } , { section } ;`
///
/// Gives `None` only when the file does not name its strategy; the error says so.
pub fn strategy<'a>() -> Production<'a, Option<Strategy>> {
    just(Token::Newline)
        .or_not()
        .ignore_then(header().or_not())
        .then(statements())
        .then(section().repeated().collect::<Vec<_>>())
        .then_ignore(end())
        .validate(|((header, preamble), sections), e, emitter| {
            let Some((name, mut organisations, header)) = header else {
                emitter.emit(missing_header(e.span()));
                return None;
            };
            organisations.extend(place_preamble(preamble, &mut |error| emitter.emit(error)));
            Some(Strategy { name, header, organisations, sections: sections.into_iter().flatten().collect() })
        })
        .boxed()
}

fn missing_header(file: Span) -> SyntaxError<'static> {
    SyntaxError::custom(
        Diagnostic::error(
            "missing-strategy-name",
            "a strategy file starts by naming the strategy",
            Span::new(file.start, file.start),
        )
        .with_help("start the file with a sentence such as: Strategy \"Acme standard collections\"."),
    )
}

/// The header, or when a sentence starting with "Strategy" is broken, a nameless stand-in (its
/// error is reported) so that the file is not also said to lack a header.
fn header<'a>() -> impl Parser<'a, Tokens<'a>, Header, Extra<'a>> + Clone {
    let broken = kw(K::Strategy).then(rest_of_sentence()).map_with(|_, e| {
        let span: Span = e.span();
        (Name { text: String::new(), span: Span::new(span.start, span.start) }, Vec::new(), span)
    });
    strategy_sentence().recover_with(via_parser(broken))
}

/// `strategy_sentence = "strategy" , NAME , [ organisations ] , sentence_end ;`
pub fn strategy_sentence<'a>() -> Production<'a, Header> {
    kw(K::Strategy)
        .ignore_then(quoted_name())
        .then(organisations().or_not())
        .map_with(|(name, organisations), e| (name, organisations.unwrap_or_default(), e.span()))
        .then_ignore(sentence_end())
        .boxed()
}

/// `organisations = "for" , "organisation" , NAME , { ( "," | "and" ) , NAME } ;`
pub fn organisations<'a>() -> Production<'a, Vec<Name>> {
    kws([K::For, K::Organisation]).ignore_then(name_list()).boxed()
}

/// `section = section_heading , { statement } ;`
pub fn section<'a>() -> Production<'a, Option<Section>> {
    section_heading()
        .then(statements())
        .validate(|((heading, heading_span), body), _, emitter| {
            place_section(heading, heading_span, body, &mut |error| emitter.emit(error))
        })
        .boxed()
}

/// `section_heading = ( "settings" | "segments" | audience ) , ":" , [ NEWLINE ] ;` — a heading
/// alone on its line but without its colon is read as a heading too, and the colon reported.
pub fn section_heading<'a>() -> Production<'a, (Heading, Span)> {
    let heading = choice((
        kw(K::Settings).to(Heading::Settings),
        kw(K::Segments).to(Heading::Segments),
        audience().map(Heading::Rules),
    ))
    .labelled(Expected::Heading);
    let colon = just(Token::Colon).to(true).or(line_end().rewind().to(false));
    let skip_to_colon = none_of([Token::Colon, Token::FullStop, Token::Newline]).repeated().to(Heading::Broken);
    heading
        .then(colon)
        .validate(|(heading, has_colon), e, emitter| {
            if !has_colon {
                emitter.emit(missing_colon(e.span()));
            }
            heading
        })
        .recover_with(via_parser(skip_to_colon.then_ignore(just(Token::Colon))))
        .map_with(|heading, e| (heading, e.span()))
        .then_ignore(just(Token::Newline).or_not())
        .boxed()
}

fn missing_colon(span: Span) -> SyntaxError<'static> {
    SyntaxError::custom(
        Diagnostic::error("missing-colon", "a heading ends with a colon", span)
            .with_label("this reads as a heading")
            .with_help("add a colon at the end of the line, as in: For every customer:"),
    )
}

fn line_end<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    just(Token::Newline).ignored().or(end())
}

/// Looks ahead (without consuming) for a heading: a heading's words and a colon, any words and
/// a colon that ends the line (a misspelt heading), or a heading's words alone on their line.
fn heading_ahead<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    let words = || choice((kw(K::Settings).ignored(), kw(K::Segments).ignored(), audience().ignored()));
    let anything_then_colon =
        none_of([Token::FullStop, Token::Newline, Token::Colon]).repeated().then(just(Token::Colon));
    choice((
        words().then(just(Token::Colon)).ignored(),
        anything_then_colon.then(line_end()).ignored(),
        words().then(line_end()).ignored(),
    ))
    .rewind()
}

/// `audience = "for" , ( ( "every" | "all" ) , "customer" | segment_name , [ "customer" ] ) ;`
pub fn audience<'a>() -> Production<'a, Audience> {
    let everyone = kw(K::Every).or(kw(K::All)).then(kw(K::Customer)).map_with(|_, e| Audience::Everyone(e.span()));
    let segment = segment_name().then_ignore(kw(K::Customer).or_not()).map(Audience::Segment);
    kw(K::For).ignore_then(everyone.or(segment)).boxed()
}

/// `statement = ( organisations | setting | minimum_amount | segment_definition | guard | rule ) ,
/// sentence_end ;` — a sentence that does not parse is skipped up to its end and reported, and
/// reading goes on with the next sentence.
pub fn statement<'a>() -> Production<'a, (Statement, Span)> {
    choice((
        organisations().map(Statement::Organisations),
        setting().map(Statement::Setting),
        minimum_amount().map(Statement::MinimumAmount),
        // A sentence is only read as a segment definition once it reads `NAME [customers] are`,
        // so that a misspelt first word ("Sned the …") is reported as that word.
        segment_opening().ignore_then(segment_definition()).map(Statement::Segment),
        guard().map(Statement::Guard),
        rule().map(Statement::Rule),
    ))
    .labelled(Expected::Sentence)
    .map_with(|statement, e| (statement, e.span()))
    .then_ignore(sentence_end())
    .recover_with(via_parser(rest_of_sentence().map_with(|_, e| (Statement::Broken, e.span()))))
    .boxed()
}

/// Looks ahead for `NAME [customers] are` by peeking at tokens, so that a failed look leaves no
/// error further along the sentence than its first word.
fn segment_opening<'a>() -> impl Parser<'a, Tokens<'a>, (), Extra<'a>> + Clone {
    custom(|input| {
        let start = input.save();
        let first = input.next();
        let first_span = input.span_since(start.cursor());
        let mut next = input.next();
        if next == Some(Token::Keyword(K::Customer)) {
            next = input.next();
        }
        input.rewind(start);
        let are = next == Some(Token::Keyword(K::Are));
        match first {
            Some(Token::Name(_) | Token::Word(_)) if are => Ok(()),
            Some(Token::Keyword(keyword)) if are => Err(keyword_as_segment_name(keyword, first_span)),
            _ => Err(SyntaxError::Unexpected { span: first_span, found: first, expected: vec![Expected::SegmentName] }),
        }
    })
}

/// `Due customers are …`: a segment named with a word of the language must be quoted.
fn keyword_as_segment_name(keyword: K, span: Span) -> SyntaxError<'static> {
    let message =
        format!("\"{}\" is a word the language uses, so it cannot name a segment without quotes", keyword.canonical());
    SyntaxError::custom(
        Diagnostic::error("unexpected-word", message, span)
            .with_help("write the segment name in double quotes, as in: \"Due\" customers are …"),
    )
}

/// `sentence_end = FULL_STOP , { FULL_STOP } , [ NEWLINE ] | NEWLINE | END_OF_FILE ;`
pub fn sentence_end<'a>() -> Production<'a, ()> {
    let full_stop = just(Token::FullStop).repeated().at_least(1).then(just(Token::Newline).or_not()).ignored();
    choice((full_stop, just(Token::Newline).ignored(), end())).labelled(Expected::EndOfSentence).boxed()
}

/// The sentences up to the next heading or the end of the file.
fn statements<'a>() -> impl Parser<'a, Tokens<'a>, Vec<(Statement, Span)>, Extra<'a>> + Clone {
    end().not().ignore_then(heading_ahead().not()).ignore_then(statement()).repeated().collect()
}

/// Puts the sentences under one heading into their section, reporting any that belong elsewhere.
fn place_section(
    heading: Heading,
    heading_span: Span,
    body: Vec<(Statement, Span)>,
    report: &mut dyn FnMut(SyntaxError<'static>),
) -> Option<Section> {
    match heading {
        Heading::Settings => {
            let settings = body
                .into_iter()
                .filter_map(|(statement, span)| match statement {
                    Statement::Setting(setting) => Some(setting),
                    Statement::MinimumAmount(amount) => {
                        Some(Setting { kind: SettingKind::MinimumAmount { amount }, span })
                    }
                    other => misplaced(&other, span, "\"Settings:\"", report),
                })
                .collect();
            Some(Section::Settings(SettingsSection { heading: heading_span, settings }))
        }
        Heading::Segments => {
            let segments = body
                .into_iter()
                .filter_map(|(statement, span)| match statement {
                    Statement::Segment(segment) => Some(segment),
                    other => misplaced(&other, span, "\"Segments:\"", report),
                })
                .collect();
            Some(Section::Segments(SegmentsSection { heading: heading_span, segments }))
        }
        Heading::Rules(audience) => {
            let items = body
                .into_iter()
                .filter_map(|(statement, span)| match statement {
                    Statement::Rule(rule) => Some(RuleItem::Rule(rule)),
                    Statement::Guard(guard) => Some(RuleItem::Guard(guard)),
                    Statement::MinimumAmount(amount) => {
                        Some(RuleItem::Guard(Guard { kind: GuardKind::MinimumAmount { amount }, span }))
                    }
                    other => misplaced(&other, span, "a \"For …:\" heading", report),
                })
                .collect();
            Some(Section::Rules(RulesSection { heading: heading_span, audience, items }))
        }
        Heading::Broken => None,
    }
}

/// The organisations named before the first heading; anything else there is out of place.
fn place_preamble(preamble: Vec<(Statement, Span)>, report: &mut dyn FnMut(SyntaxError<'static>)) -> Vec<Name> {
    preamble
        .into_iter()
        .filter_map(|(statement, span)| match statement {
            Statement::Organisations(names) => Some(names),
            other => misplaced(&other, span, "the first heading", report),
        })
        .flatten()
        .collect()
}

/// Reports a sentence found under the wrong heading, saying where it belongs.
fn misplaced<T>(
    statement: &Statement,
    span: Span,
    here: &str,
    report: &mut dyn FnMut(SyntaxError<'static>),
) -> Option<T> {
    let (what, home) = match statement {
        Statement::Broken => return None,
        Statement::Organisations(_) => ("the organisations", "right after the strategy's name, before any heading"),
        Statement::Setting(_) | Statement::MinimumAmount(_) => ("this setting", "under \"Settings:\""),
        Statement::Segment(_) => ("this segment definition", "under \"Segments:\""),
        Statement::Rule(_) => {
            ("this rule", "under a heading such as \"For every customer:\" or \"For \"SMB\" customers:\"")
        }
        Statement::Guard(_) => ("this guard", "under \"For every customer:\" or a segment's heading"),
    };
    let message = if here == "the first heading" {
        format!("{what} comes before the first heading")
    } else {
        format!("{what} does not belong under {here}")
    };
    report(SyntaxError::custom(
        Diagnostic::error("misplaced-sentence", message, span).with_help(format!("move it {home}")),
    ));
    None
}
