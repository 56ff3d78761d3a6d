//! Rules on their own: intervals that move, ranges that run forwards, actions that suit their
//! trigger, and copy addresses that are addresses.

use std::collections::HashMap;

use super::Problem;
use super::settings::address_problem;
use crate::ast::{ActionKind, Audience, Condition, Duration, GuardKind, RuleItem, Strategy, TriggerKind, Unit};
use crate::format::text;
use crate::naming::slug;
use crate::source::Span;

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    let mut problems = repeats(strategy);
    for section in strategy.rule_sections() {
        for item in &section.items {
            match item {
                RuleItem::Rule(rule) => {
                    problems.extend(trigger_problems(&rule.trigger.kind));
                    if rule.trigger.kind.is_calendar() {
                        problems.extend(calendar_action_problem(&rule.action.kind, rule.action.span));
                    }
                    problems.extend(copy_problems(&rule.action.kind));
                }
                RuleItem::Guard(guard) => {
                    if let GuardKind::BrokenPromise { action } = &guard.kind {
                        problems.extend(copy_problems(&action.kind));
                    }
                }
            }
        }
    }
    for setting in strategy.settings() {
        if let crate::ast::SettingKind::FrequencyCap { interval } = &setting.kind
            && interval.count == 0
        {
            problems.push(Problem::ZeroCap { span: interval.span });
        }
    }
    problems
}

fn trigger_problems(trigger: &TriggerKind) -> Vec<Problem> {
    let TriggerKind::Repeating { interval, from, until } = trigger else {
        return Vec::new();
    };
    let mut problems: Vec<Problem> = zero_problem(interval).into_iter().collect();
    if let Some(until) = until
        && ends_before(from, until)
    {
        problems.push(Problem::RangeBackwards { span: from.span.to(until.span) });
    }
    problems
}

fn zero_problem(interval: &Duration) -> Option<Problem> {
    (interval.count == 0).then_some(Problem::ZeroInterval { span: interval.span })
}

/// Whether `until` is surely earlier than `from`, comparing the fewest and most calendar days
/// each could mean (a month is 28 to 31 days, a business day 1 to 3).
fn ends_before(from: &Duration, until: &Duration) -> bool {
    if from.unit == until.unit {
        return until.count < from.count;
    }
    day_bounds(until).1 < day_bounds(from).0
}

fn day_bounds(duration: &Duration) -> (u64, u64) {
    let count = u64::from(duration.count);
    match duration.unit {
        Unit::Day => (count, count),
        // Five business days always span a calendar week; a long weekend adds at most a few days.
        Unit::BusinessDay => (count, count.div_ceil(5) * 7 + 4),
        Unit::Month => (28 * count, 31 * count),
        Unit::Year => (365 * count, 366 * count),
    }
}

fn calendar_action_problem(action: &ActionKind, span: crate::source::Span) -> Option<Problem> {
    let action = match action {
        ActionKind::StopChasing => "stop chasing",
        ActionKind::Escalate { .. } => "escalate",
        ActionKind::Email { .. } | ActionKind::CallTask { .. } => return None,
    };
    Some(Problem::CalendarAction { action, span })
}

fn copy_problems(action: &ActionKind) -> Vec<Problem> {
    match action {
        ActionKind::Email { copy, .. } => copy.iter().filter_map(address_problem).collect(),
        _ => Vec::new(),
    }
}

/// Sentences that say exactly what an earlier one for the same customers says (a repeat), and
/// rules that would do the same thing at the same moment in another way (a conflict: they would
/// share one id in the plan).
fn repeats(strategy: &Strategy) -> Vec<Problem> {
    let mut first_said: HashMap<(String, String), Span> = HashMap::new();
    let mut first_meant: HashMap<(String, String), (String, Span)> = HashMap::new();
    let mut problems = Vec::new();
    for section in strategy.rule_sections() {
        let audience = audience_key(&section.audience);
        for item in &section.items {
            let said = text::rule_item(item);
            if let Some(first) = first_said.get(&(audience.clone(), said.clone())) {
                problems.push(Problem::DuplicateRule { span: item.span(), first: *first });
                continue;
            }
            first_said.insert((audience.clone(), said.clone()), item.span());
            let Some(meaning) = what_it_does(item) else { continue };
            match first_meant.get(&(audience.clone(), meaning.clone())) {
                Some((_, first)) => problems.push(Problem::ConflictingRules { span: item.span(), first: *first }),
                None => {
                    first_meant.insert((audience.clone(), meaning), (said, item.span()));
                }
            }
        }
    }
    problems
}

/// Who a section's sentences are for: every customer, or a segment however its name is written
/// (a segment may have several sections).
pub fn audience_key(audience: &Audience) -> String {
    match audience {
        Audience::Everyone(_) => String::new(),
        Audience::Segment(name) => format!("segment:{}", slug(&name.text)),
    }
}

/// What a rule does and when, as its plan id sees it: trigger, condition, and the action's
/// kind and target (a template or person, by slug), leaving out details such as copy addresses.
fn what_it_does(item: &RuleItem) -> Option<String> {
    match item {
        RuleItem::Rule(rule) => {
            let condition = rule.condition.as_ref().map(|c| {
                if c.unless {
                    text::invoice_condition(&Condition::Not(Box::new(c.condition.clone()), c.span))
                } else {
                    text::invoice_condition(&c.condition)
                }
            });
            Some(format!(
                "{}|{}|{}",
                text::trigger(&rule.trigger.kind),
                condition.unwrap_or_default(),
                target(&rule.action.kind)
            ))
        }
        RuleItem::Guard(guard) => match &guard.kind {
            GuardKind::BrokenPromise { action } => Some(format!("broken promise|{}", target(&action.kind))),
            _ => None,
        },
    }
}

fn target(action: &ActionKind) -> String {
    match action {
        ActionKind::Email { template, .. } => format!("email {}", slug(&template.text)),
        ActionKind::CallTask { assignee } => format!("call {}", slug(&assignee.text)),
        ActionKind::Escalate { to } => format!("escalate {}", slug(&to.text)),
        ActionKind::StopChasing => "stop".to_string(),
    }
}
