//! Emails about one invoice closer together than the frequency cap. The sends of the rules for
//! every customer are listed and sorted once; each segment's own sends are then placed among
//! them by binary search, rather than sorting the shared sends again for every segment.

use std::collections::HashSet;

use super::{Anchor, Email, EmailGroups, days};
use crate::ast::{Rule, TriggerKind, Unit};
use crate::check::Problem;
use crate::source::Span;

/// One email going out: on which day (counted from the due date), by which rule.
#[derive(Clone, Copy)]
struct Send<'a> {
    day: i64,
    rule: &'a Rule,
}

impl Send<'_> {
    /// Sends are ordered by day, then by where their rule is written.
    fn key(&self) -> (i64, usize) {
        (self.day, self.rule.span.start)
    }
}

pub(super) fn problems(groups: &EmailGroups, cap_days: i64, reported: &mut HashSet<(Span, Span)>) -> Vec<Problem> {
    let mut too_often = TooOften::default();
    let shared = sends(&groups.shared, cap_days, &mut too_often);
    let own: Vec<Vec<Send>> = groups.own.iter().map(|own| sends(own, cap_days, &mut too_often)).collect();
    let mut problems = too_often.problems;
    let mut check = |before: Send, after: Send| {
        let gap = after.day - before.day;
        if gap > 0
            && gap < cap_days
            && before.rule.span != after.rule.span
            && reported.insert((before.rule.span, after.rule.span))
        {
            problems.push(Problem::CloserThanCap {
                span: after.rule.span,
                other: before.rule.span,
                gap: days(gap),
                cap: days(cap_days),
            });
        }
    };
    for pair in shared.windows(2) {
        check(pair[0], pair[1]);
    }
    for own in &own {
        // Each pair of neighbours in the segment's merged list that holds one of its own sends.
        for (index, send) in own.iter().enumerate() {
            let at = shared.partition_point(|shared| shared.key() < send.key());
            let before = [index.checked_sub(1).map(|i| own[i]), at.checked_sub(1).map(|i| shared[i])]
                .into_iter()
                .flatten()
                .max_by_key(Send::key);
            if let Some(before) = before {
                check(before, *send);
            }
            if let Some(after) = shared.get(at)
                && own.get(index + 1).is_none_or(|next| after.key() < next.key())
            {
                check(*send, *after);
            }
        }
    }
    problems
}

/// Rules that repeat faster than the cap, each reported once.
#[derive(Default)]
struct TooOften {
    reported: HashSet<Span>,
    problems: Vec<Problem>,
}

/// The sends of these emails that are counted in days from the due date, sorted.
fn sends<'a>(emails: &[Email<'a>], cap_days: i64, too_often: &mut TooOften) -> Vec<Send<'a>> {
    let mut sends = Vec::new();
    for email in emails {
        let timeline = &email.timeline;
        if timeline.anchor != Anchor::DueDate || !matches!(timeline.family, None | Some(Unit::Day)) {
            continue;
        }
        let rule = email.rule;
        if let TriggerKind::Repeating { interval, .. } = &rule.trigger.kind
            && interval.fixed_days().is_some_and(|days| i64::from(days) < cap_days)
            && too_often.reported.insert(rule.span)
        {
            too_often.problems.push(Problem::RepeatsFasterThanCap { span: rule.span, cap: days(cap_days) });
        }
        sends.extend(timeline.days.iter().map(|&day| Send { day, rule }));
    }
    sends.sort_by_key(Send::key);
    sends
}
