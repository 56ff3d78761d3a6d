//! The grammar files are normative: these tests hold the parser and lexer to them.
//! - every production of grammar/strategy.ebnf has a parser function of the same name, each
//!   parser function is a production, and its doc comment quotes the rule as the grammar has it;
//! - every word of grammar/vocabulary.toml lexes as listed, and the lexer knows no other word.

use std::collections::{BTreeMap, BTreeSet};

use collectiq::syntax::keyword::Keyword;
use collectiq::syntax::lexer::lex;
use collectiq::syntax::token::Token;
use rust_decimal::Decimal;

const GRAMMAR: &str = include_str!("../grammar/strategy.ebnf");
const VOCABULARY: &str = include_str!("../grammar/vocabulary.toml");
const PARSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/syntax/grammar");

/// The grammar without its `(* … *)` comments.
fn grammar_rules() -> String {
    let mut text = String::new();
    let mut rest = GRAMMAR;
    while let Some(start) = rest.find("(*") {
        text.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find("*)").expect("unclosed comment in the grammar") + 2;
        rest = &rest[end..];
    }
    text.push_str(rest);
    text
}

/// Each production's name and its right-hand side, whitespace collapsed.
fn productions() -> BTreeMap<String, String> {
    grammar_rules()
        .split(';')
        .filter(|rule| rule.contains('='))
        .map(|rule| {
            let (name, body) = rule.split_once('=').unwrap();
            (name.trim().to_string(), collapse(body))
        })
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each public parser function with the rule its doc comment quotes.
fn parser_functions() -> BTreeMap<String, Option<String>> {
    let mut functions = BTreeMap::new();
    for entry in std::fs::read_dir(PARSER_DIR).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut doc = Vec::new();
        for line in source.lines() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix("///") {
                doc.push(comment.trim().to_string());
                continue;
            }
            if let Some(signature) = line.strip_prefix("pub fn ") {
                let name: String = signature.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                functions.insert(name, quoted_rule(&doc.join(" ")));
            }
            if !line.starts_with("#[") {
                doc.clear();
            }
        }
    }
    functions
}

/// The text between the first pair of backticks, such as `` `duration = count , unit ;` ``.
fn quoted_rule(doc: &str) -> Option<String> {
    let start = doc.find('`')? + 1;
    let end = start + doc[start..].find('`')?;
    let rule = &doc[start..end];
    let (_, body) = rule.split_once('=')?;
    Some(collapse(body.trim_end().trim_end_matches(';')))
}

#[test]
fn every_production_has_a_parser_function_and_every_parser_function_a_production() {
    let productions: BTreeSet<String> = productions().into_keys().collect();
    let functions: BTreeSet<String> = parser_functions().into_keys().collect();
    let missing: Vec<_> = productions.difference(&functions).collect();
    let extra: Vec<_> = functions.difference(&productions).collect();
    assert!(missing.is_empty(), "productions without a parser function: {missing:?}");
    assert!(extra.is_empty(), "parser functions that are not productions: {extra:?}");
}

#[test]
fn every_parser_function_quotes_its_rule_as_the_grammar_has_it() {
    let productions = productions();
    for (name, quoted) in parser_functions() {
        let Some(rule) = productions.get(&name) else {
            continue;
        };
        let quoted = quoted.unwrap_or_else(|| panic!("the doc comment of {name} does not quote its rule"));
        assert_eq!(&quoted, rule, "the doc comment of {name} differs from grammar/strategy.ebnf");
    }
}

#[test]
fn every_production_is_used_or_is_the_start() {
    let productions = productions();
    let bodies: String = productions.values().cloned().collect::<Vec<_>>().join(" ");
    for name in productions.keys().filter(|name| *name != "strategy") {
        let used = bodies.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| word == name);
        assert!(used, "the production {name} is never used");
    }
}

#[test]
fn every_quoted_word_in_the_grammar_is_a_keyword_or_an_article() {
    let rules = grammar_rules();
    let quoted = rules.split('"').skip(1).step_by(2);
    for word in quoted.filter(|word| word.chars().all(|c| c.is_alphabetic() || c == '\'')) {
        let tokens = tokens_of(word);
        assert!(
            matches!(tokens.as_slice(), [Token::Keyword(_) | Token::Article(_)]),
            "\"{word}\" in the grammar lexes as {tokens:?}, not as a keyword"
        );
    }
}

fn tokens_of(text: &str) -> Vec<Token<'_>> {
    let lexed = lex(text);
    assert!(lexed.errors.is_empty(), "{text:?} does not lex: {:?}", lexed.errors);
    lexed.tokens.into_iter().map(|(token, _)| token).collect()
}

/// The spelling in lower case, upper case and with a capital, as writers type it.
fn cases(spelling: &str) -> Vec<String> {
    let mut chars = spelling.chars();
    let capital: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    vec![spelling.to_string(), spelling.to_uppercase(), capital]
}

fn vocabulary() -> toml::Table {
    VOCABULARY.parse().expect("grammar/vocabulary.toml is valid TOML")
}

fn keyword_name(keyword: Keyword) -> String {
    format!("{keyword:?}").to_lowercase()
}

#[test]
fn every_keyword_spelling_lexes_as_its_keyword() {
    let vocabulary = vocabulary();
    let keywords = vocabulary["keywords"].as_table().unwrap();
    for (name, spellings) in keywords {
        for spelling in spellings.as_array().unwrap() {
            for written in cases(spelling.as_str().unwrap()) {
                let tokens = tokens_of(&written);
                let lexed_as = match tokens.as_slice() {
                    [Token::Keyword(keyword)] => keyword_name(*keyword),
                    other => panic!("\"{written}\" should lex as the keyword {name}, but lexes as {other:?}"),
                };
                assert_eq!(&lexed_as, name, "\"{written}\" lexes as the wrong keyword");
            }
        }
    }
}

#[test]
fn the_lexer_knows_no_keyword_the_vocabulary_does_not_list() {
    let vocabulary = vocabulary();
    let keywords = vocabulary["keywords"].as_table().unwrap();
    for keyword in Keyword::ALL {
        let name = keyword_name(*keyword);
        let listed =
            keywords.get(&name).unwrap_or_else(|| panic!("the keyword {name} is missing from vocabulary.toml"));
        let listed: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(listed, keyword.spellings(), "vocabulary.toml lists other spellings for {name}");
    }
    assert_eq!(keywords.len(), Keyword::ALL.len());
}

#[test]
fn articles_and_number_words_lex_as_listed() {
    let vocabulary = vocabulary();
    for (_, article) in vocabulary["articles"].as_table().unwrap() {
        for written in cases(article.as_str().unwrap()) {
            assert!(
                matches!(tokens_of(&written).as_slice(), [Token::Article(_)]),
                "\"{written}\" should be an article"
            );
        }
    }
    for (word, value) in vocabulary["number_words"].as_table().unwrap() {
        for written in cases(word) {
            let expected = Token::Number(Decimal::from(value.as_integer().unwrap()));
            assert_eq!(tokens_of(&written), [expected], "\"{written}\" should read as a number");
        }
    }
}
