//! Lints on when emails go out for one invoice: two on the same day (`same_day`), two closer
//! together than the frequency cap (`cap`), and reminders before the due date that short payment
//! terms never reach. Each rule's days are worked out once, and rules are found by the days they
//! share, so a file with thousands of rules is checked in time that grows with its length.

mod cap;
mod same_day;

use std::cell::OnceCell;
use std::collections::HashSet;

use super::Problem;
use super::names::sections_by_segment;
use crate::ast::{
    ActionKind, Audience, Duration, Rule, RuleItem, RulesSection, SettingKind, Strategy, TriggerKind, Unit,
};
use crate::format::text;
use crate::naming::segment_key;

/// What an occurrence is counted from, and in which unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    let groups = EmailGroups::of(strategy);
    let mut reported = HashSet::new();
    problems.extend(same_day::problems(&groups, &mut reported));
    if let Some(cap_days) = cap.and_then(|cap| cap.fixed_days()) {
        problems.extend(cap::problems(&groups, i64::from(cap_days), &mut reported));
    }
    problems
}

/// An email rule about one invoice, with what the lints compare worked out at most once.
struct Email<'a> {
    rule: &'a Rule,
    timeline: Timeline,
    /// The canonical sentence: two rules that read the same are a repeat, reported as such.
    /// Written out only for rules that share a day with another.
    text: OnceCell<String>,
    /// The canonical condition and whether it is `unless`, likewise.
    condition: OnceCell<Option<(String, bool)>>,
}

impl<'a> Email<'a> {
    fn of(rule: &'a Rule) -> Option<Email<'a>> {
        let timeline = timeline(&rule.trigger.kind)?;
        Some(Email { rule, timeline, text: OnceCell::new(), condition: OnceCell::new() })
    }

    fn position(&self) -> usize {
        self.rule.span.start
    }

    fn text(&self) -> &str {
        self.text.get_or_init(|| text::rule_text(self.rule))
    }

    fn condition(&self) -> Option<&(String, bool)> {
        self.condition
            .get_or_init(|| self.rule.condition.as_ref().map(|c| (text::invoice_condition(&c.condition), c.unless)))
            .as_ref()
    }

    /// Whether the two could both be sent about one invoice on a day they share: not a repeat of
    /// one sentence, and not the same condition once with `if` and once with `unless`.
    fn can_clash(&self, other: &Email) -> bool {
        let exclusive =
            matches!((self.condition(), other.condition()), (Some((x, a)), Some((y, b))) if x == y && a != b);
        self.text() != other.text() && !exclusive
    }
}

/// The email rules that can apply to one invoice together: those for every customer, and for
/// each segment its own. A segment's group is its own rules with the shared ones; the lints look
/// at the shared rules once rather than once per segment, which kept a file with many segments
/// and many shared rules from taking time in the product of the two.
struct EmailGroups<'a> {
    /// In the order they are written.
    shared: Vec<Email<'a>>,
    /// Each segment's own, in the order they are written.
    own: Vec<Vec<Email<'a>>>,
}

impl<'a> EmailGroups<'a> {
    fn of(strategy: &'a Strategy) -> Self {
        let shared =
            emails(&mut strategy.rule_sections().filter(|section| matches!(section.audience, Audience::Everyone(_))));
        let by_segment = sections_by_segment(strategy);
        // Segments defined twice under one name share their rules: one group for both.
        let mut seen = HashSet::new();
        let own = strategy
            .segments()
            .map(|segment| segment_key(&segment.name.text))
            .filter(|key| seen.insert(key.clone()))
            .map(|key| {
                let own = by_segment.get(&key).map(Vec::as_slice).unwrap_or_default();
                emails(&mut own.iter().copied())
            })
            .collect();
        EmailGroups { shared, own }
    }
}

/// The rules of these sections that email about one invoice on days a timeline can list.
fn emails<'a>(sections: &mut dyn Iterator<Item = &'a RulesSection>) -> Vec<Email<'a>> {
    let mut emails: Vec<Email> = sections
        .flat_map(|section| &section.items)
        .filter_map(|item| match item {
            RuleItem::Rule(rule) if sends_invoice_email(rule) => Email::of(rule),
            _ => None,
        })
        .collect();
    emails.sort_by_key(Email::position);
    emails
}

fn sends_invoice_email(rule: &Rule) -> bool {
    matches!(rule.action.kind, ActionKind::Email { .. }) && !rule.trigger.kind.is_calendar()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes and lines of the schedule lints for a strategy with a 5-day cap.
    fn lints(body: &str) -> Vec<(&'static str, usize)> {
        let text = format!(
            "Strategy \"s\".\nSettings:\n  Never email a customer more than once every 5 days.\nSegments:\n  \"A\" customers are customers in the contact group \"A\".\n  \"B\" customers are all other customers.\n{body}"
        );
        let parsed = crate::syntax::parse(&text);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let mut found: Vec<(&'static str, usize)> = check(&parsed.strategy.unwrap())
            .iter()
            .map(|problem| {
                let diagnostic = problem.to_diagnostic();
                (diagnostic.code, text[..diagnostic.primary.span.start].matches('\n').count() + 1)
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn same_day_emails_are_found_between_shared_and_own_rules_both_ways() {
        let body = "For \"A\" customers:\n  1 day after the due date, send the \"a\" email.\nFor every customer:\n  1 day after the due date, send the \"b\" email.\n  On the due date, send the \"c\" email.\nFor \"B\" customers:\n  On the due date, send the \"d\" email.\n";
        // Line 10's shared email clashes with segment A's (line 8); segment B's own email (line
        // 13) with the shared one on the due date (line 11).
        let same_day: Vec<_> = lints(body).into_iter().filter(|(code, _)| *code == "same-day-emails").collect();
        assert_eq!(same_day, [("same-day-emails", 10), ("same-day-emails", 13)]);
    }

    #[test]
    fn repeats_and_if_unless_twins_are_not_same_day_emails() {
        let body = "For every customer:\n  1 day after the due date, if the reference contains \"X\", send the \"a\" email.\n  1 day after the due date, unless the reference contains \"X\", send the \"b\" email.\n";
        assert_eq!(lints(body), []);
    }

    #[test]
    fn emails_closer_than_the_cap_are_found_among_a_segments_own_and_the_shared() {
        let body = "For every customer:\n  1 day after the due date, send the \"a\" email.\n  10 days after the due date, send the \"b\" email.\nFor \"A\" customers:\n  3 days after the due date, send the \"c\" email.\n  12 days after the due date, send the \"d\" email.\n";
        // For segment A: day 1 (shared), 3 (own), 10 (shared), 12 (own): each own send is 2 days
        // from its neighbour before it.
        assert_eq!(lints(body), [("closer-than-cap", 11), ("closer-than-cap", 12)]);
    }
}
