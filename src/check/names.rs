//! Segment names: defined once, referred to only when defined, and each given some rules.

use std::collections::{HashMap, HashSet};

use super::Problem;
use crate::ast::{Audience, RulesSection, Section, SegmentCondition, Strategy};
use crate::naming::{segment_key, slug};
use crate::source::Span;
use crate::suggest;

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    let mut problems = duplicates(strategy);
    problems.extend(look_alikes(strategy));
    problems.extend(unknown_references(strategy));
    problems.extend(missing_default(strategy));
    problems.extend(segments_without_rules(strategy));
    problems
}

/// The rule sections under each segment's heading, by segment key.
pub fn sections_by_segment(strategy: &Strategy) -> HashMap<String, Vec<&RulesSection>> {
    let mut sections: HashMap<String, Vec<&RulesSection>> = HashMap::new();
    for section in strategy.rule_sections() {
        if let Audience::Segment(name) = &section.audience {
            sections.entry(segment_key(&name.text)).or_default().push(section);
        }
    }
    sections
}

fn duplicates(strategy: &Strategy) -> Vec<Problem> {
    let mut first_seen = HashMap::new();
    let mut problems = Vec::new();
    for segment in strategy.segments() {
        match first_seen.get(&segment_key(&segment.name.text)) {
            Some(first) => problems.push(Problem::DuplicateSegment {
                name: segment.name.text.clone(),
                span: segment.name.span,
                first: *first,
            }),
            None => {
                first_seen.insert(segment_key(&segment.name.text), segment.name.span);
            }
        }
    }
    problems
}

/// Segments whose names differ only in spacing or punctuation ("Key Accounts", "key-accounts")
/// would give their rules the same ids.
fn look_alikes(strategy: &Strategy) -> Vec<Problem> {
    let mut first_seen: HashMap<String, (String, Span)> = HashMap::new();
    let mut problems = Vec::new();
    for segment in strategy.segments() {
        let name = &segment.name;
        match first_seen.get(&slug(&name.text)) {
            Some((first, span)) if segment_key(first) != segment_key(&name.text) => {
                problems.push(Problem::LookAlikeSegments {
                    name: name.text.clone(),
                    other: first.clone(),
                    span: name.span,
                    first: *span,
                })
            }
            Some(_) => {}
            None => {
                first_seen.insert(slug(&name.text), (name.text.clone(), name.span));
            }
        }
    }
    problems
}

fn unknown_references(strategy: &Strategy) -> Vec<Problem> {
    let defined: Vec<&str> = strategy.segments().map(|segment| segment.name.text.as_str()).collect();
    let keys: HashSet<String> = defined.iter().map(|name| segment_key(name)).collect();
    // A name referred to many times is looked for among the defined ones once.
    let mut suggestions: HashMap<&str, Option<String>> = HashMap::new();
    strategy
        .rule_sections()
        .filter_map(|section| match &section.audience {
            Audience::Segment(name) if !keys.contains(&segment_key(&name.text)) => Some(Problem::UnknownSegment {
                name: name.text.clone(),
                span: name.span,
                suggestion: suggestions
                    .entry(&name.text)
                    .or_insert_with(|| suggest::nearest(&name.text, defined.iter().copied()).map(str::to_string))
                    .clone(),
                any_defined: !defined.is_empty(),
            }),
            _ => None,
        })
        .collect()
}

fn missing_default(strategy: &Strategy) -> Option<Problem> {
    let last_heading = strategy
        .sections
        .iter()
        .filter_map(|section| match section {
            Section::Segments(segments) => Some(segments.heading),
            _ => None,
        })
        .next_back()?;
    let any_segment = strategy.segments().next().is_some();
    let has_default = strategy.segments().any(|segment| matches!(segment.condition, SegmentCondition::Others(_)));
    (any_segment && !has_default).then_some(Problem::NoDefaultSegment { span: last_heading })
}

fn segments_without_rules(strategy: &Strategy) -> Vec<Problem> {
    let sections = sections_by_segment(strategy);
    let has_rules = |name: &str| {
        sections
            .get(&segment_key(name))
            .is_some_and(|sections| sections.iter().any(|section| !section.items.is_empty()))
    };
    let shared_rules = strategy
        .rule_sections()
        .any(|section| matches!(section.audience, Audience::Everyone(_)) && !section.items.is_empty());
    strategy
        .segments()
        .filter(|segment| !has_rules(&segment.name.text))
        .map(|segment| Problem::SegmentWithoutRules {
            name: segment.name.text.clone(),
            span: segment.name.span,
            shared_rules,
        })
        .collect()
}
