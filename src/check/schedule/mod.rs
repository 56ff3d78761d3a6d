//! Lints on when emails go out for one invoice: two on the same day, two closer together than
//! the frequency cap, and reminders before the due date that short payment terms never reach.

use std::collections::HashSet;

use super::Problem;
use super::names::sections_by_segment;
use crate::ast::{
    ActionKind, Audience, Duration, Rule, RuleItem, RulesSection, SettingKind, Strategy, TriggerKind, Unit,
};
use crate::format::text;
use crate::naming::segment_key;
use crate::source::Span;

/// What an occurrence is counted from, and in which unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    DueDate,
    InvoiceDate,
}

/// The days (counted in `family` units from `anchor`) on which a rule fires for one invoice.
/// `family` is `None` for the due date itself, which is day 0 whatever the unit.
struct Timeline {
    anchor: Anchor,
    family: Option<Unit>,
    days: Vec<i64>,
}

/// How far ahead open-ended reminders are followed, per unit.
fn horizon(family: Unit) -> i64 {
    match family {
        Unit::Day => 400,
        Unit::BusinessDay => 280,
        Unit::Month | Unit::Year => 13,
    }
}

/// Before-due reminders further ahead than this many days miss invoices on short terms.
const SHORTEST_COMMON_TERMS: u32 = 7;

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    // The last one counts, as in the plan (a repeat is an error anyway).
    let cap = strategy
        .settings()
        .filter_map(|setting| match &setting.kind {
            SettingKind::FrequencyCap { interval } => Some(*interval),
            _ => None,
        })
        .last();
    let mut problems = before_due_problems(strategy);
    let mut reported = HashSet::new();
    for group in email_groups(strategy) {
        problems.extend(same_day_problems(&group, &mut reported));
        if let Some(cap_days) = cap.and_then(|cap| cap.fixed_days()) {
            problems.extend(cap_problems(&group, cap_days, &mut reported));
        }
    }
    problems
}

/// The email rules that can apply to one invoice together: a segment's own and those for every
/// customer (or just the latter when there are no segments).
fn email_groups(strategy: &Strategy) -> Vec<Vec<&Rule>> {
    let shared =
        emails(&mut strategy.rule_sections().filter(|section| matches!(section.audience, Audience::Everyone(_))));
    let by_segment = sections_by_segment(strategy);
    let segments: Vec<_> = strategy.segments().collect();
    if segments.is_empty() {
        return vec![shared];
    }
    segments
        .iter()
        .map(|segment| {
            let own = by_segment.get(&segment_key(&segment.name.text)).map(Vec::as_slice).unwrap_or_default();
            let mut rules = emails(&mut own.iter().copied());
            rules.extend(&shared);
            rules.sort_by_key(|rule| rule.span.start);
            rules
        })
        .collect()
}

/// The rules of these sections that email about one invoice.
fn emails<'a>(sections: &mut dyn Iterator<Item = &'a RulesSection>) -> Vec<&'a Rule> {
    sections
        .flat_map(|section| &section.items)
        .filter_map(|item| match item {
            RuleItem::Rule(rule) if sends_invoice_email(rule) => Some(rule),
            _ => None,
        })
        .collect()
}

fn sends_invoice_email(rule: &Rule) -> bool {
    matches!(rule.action.kind, ActionKind::Email { .. }) && !rule.trigger.kind.is_calendar()
}

fn same_day_problems(group: &[&Rule], reported: &mut HashSet<(Span, Span)>) -> Vec<Problem> {
    let timelines: Vec<Option<Timeline>> = group.iter().map(|rule| timeline(&rule.trigger.kind)).collect();
    let mut problems = Vec::new();
    for later in 0..group.len() {
        for earlier in 0..later {
            let (Some(a), Some(b)) = (&timelines[earlier], &timelines[later]) else {
                continue;
            };
            let Some(day) = shared_day(a, b) else {
                continue;
            };
            // A repeated sentence is reported as a repeat, not as a second email.
            let repeat = text::rule_text(group[earlier]) == text::rule_text(group[later]);
            if repeat
                || exclusive(group[earlier], group[later])
                || !reported.insert((group[earlier].span, group[later].span))
            {
                continue;
            }
            let family = a.family.or(b.family).unwrap_or(Unit::Day);
            problems.push(Problem::SameDayEmails {
                span: group[later].span,
                other: group[earlier].span,
                when: describe_day(a.anchor, family, day),
            });
        }
    }
    problems
}

fn cap_problems(group: &[&Rule], cap_days: u32, reported: &mut HashSet<(Span, Span)>) -> Vec<Problem> {
    let cap_days = i64::from(cap_days);
    let mut sends: Vec<(i64, &Rule)> = Vec::new();
    let mut problems = Vec::new();
    for rule in group {
        let Some(timeline) = timeline(&rule.trigger.kind) else {
            continue;
        };
        if timeline.anchor != Anchor::DueDate || !matches!(timeline.family, None | Some(Unit::Day)) {
            continue;
        }
        if let TriggerKind::Repeating { interval, .. } = &rule.trigger.kind
            && interval.fixed_days().is_some_and(|days| i64::from(days) < cap_days)
            && reported.insert((rule.span, rule.span))
        {
            problems.push(Problem::RepeatsFasterThanCap { span: rule.span, cap: days(cap_days) });
        }
        sends.extend(timeline.days.iter().map(|day| (*day, *rule)));
    }
    sends.sort_by_key(|(day, rule)| (*day, rule.span.start));
    for pair in sends.windows(2) {
        let ((before_day, before), (day, rule)) = (pair[0], pair[1]);
        let gap = day - before_day;
        if gap > 0 && gap < cap_days && before.span != rule.span && reported.insert((before.span, rule.span)) {
            problems.push(Problem::CloserThanCap {
                span: rule.span,
                other: before.span,
                gap: days(gap),
                cap: days(cap_days),
            });
        }
    }
    problems
}

fn before_due_problems(strategy: &Strategy) -> Vec<Problem> {
    strategy
        .rule_sections()
        .flat_map(|section| &section.items)
        .filter_map(|item| match item {
            RuleItem::Rule(rule) => match &rule.trigger.kind {
                TriggerKind::BeforeDue { offset } if reaches_past_short_terms(offset) => {
                    Some(Problem::BeforeDueMayNotFire { span: rule.trigger.span, offset: text::duration(offset) })
                }
                _ => None,
            },
            RuleItem::Guard(_) => None,
        })
        .collect()
}

fn reaches_past_short_terms(offset: &Duration) -> bool {
    match offset.unit {
        Unit::BusinessDay => offset.count > 5,
        Unit::Month | Unit::Year => offset.count > 0,
        _ => offset.fixed_days().is_some_and(|days| days > SHORTEST_COMMON_TERMS),
    }
}

fn timeline(trigger: &TriggerKind) -> Option<Timeline> {
    let single = |anchor, duration: &Duration, sign: i64| {
        let (family, value) = offset(duration);
        Some(Timeline { anchor, family: Some(family), days: vec![sign * value] })
    };
    match trigger {
        TriggerKind::BeforeDue { offset } => single(Anchor::DueDate, offset, -1),
        TriggerKind::OnDue => Some(Timeline { anchor: Anchor::DueDate, family: None, days: vec![0] }),
        TriggerKind::Overdue { offset } => single(Anchor::DueDate, offset, 1),
        TriggerKind::AfterIssue { offset } => single(Anchor::InvoiceDate, offset, 1),
        TriggerKind::Repeating { interval, from, until } => {
            let (family, step) = offset(interval);
            let (from_family, start) = offset(from);
            let end = match until {
                Some(until) => {
                    let (until_family, end) = offset(until);
                    (until_family == family).then_some(end)?
                }
                None => start + horizon(family),
            };
            if from_family != family || step <= 0 {
                return None;
            }
            let days = (0..).map(|n| start + n * step).take_while(|day| *day <= end).collect();
            Some(Timeline { anchor: Anchor::DueDate, family: Some(family), days })
        }
        TriggerKind::Weekly { .. } | TriggerKind::Monthly { .. } => None,
    }
}

/// A length in the unit family it is counted in: years are counted as months.
fn offset(duration: &Duration) -> (Unit, i64) {
    match duration.unit {
        Unit::Year => (Unit::Month, 12 * i64::from(duration.count)),
        unit => (unit, i64::from(duration.count)),
    }
}

fn shared_day(a: &Timeline, b: &Timeline) -> Option<i64> {
    let comparable = a.anchor == b.anchor && (a.family.is_none() || b.family.is_none() || a.family == b.family);
    if !comparable {
        return None;
    }
    a.days.iter().find(|day| b.days.binary_search(day).is_ok()).copied()
}

/// Rules with the same condition, one with `if` and one with `unless`, never fire together.
fn exclusive(a: &Rule, b: &Rule) -> bool {
    match (&a.condition, &b.condition) {
        (Some(x), Some(y)) => {
            x.unless != y.unless && text::invoice_condition(&x.condition) == text::invoice_condition(&y.condition)
        }
        _ => false,
    }
}

fn describe_day(anchor: Anchor, family: Unit, day: i64) -> String {
    let unit = |count: i64| match family {
        Unit::Day => days(count),
        Unit::BusinessDay => format!("{count} business {}", if count == 1 { "day" } else { "days" }),
        Unit::Month | Unit::Year => format!("{count} {}", if count == 1 { "month" } else { "months" }),
    };
    match (anchor, day) {
        (Anchor::InvoiceDate, day) => format!("{} after the invoice date", unit(day)),
        (Anchor::DueDate, 0) => "on the due date".to_string(),
        (Anchor::DueDate, day) if day < 0 => format!("{} before the due date", unit(-day)),
        (Anchor::DueDate, day) => format!("at {} overdue", unit(day)),
    }
}

fn days(count: i64) -> String {
    format!("{count} {}", if count == 1 { "day" } else { "days" })
}
