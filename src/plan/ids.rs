//! Stable rule ids. An id says what a rule means, not where it is written:
//! `smb/overdue-1d/email-friendly-reminder` is the same rule wherever the sentence sits and
//! however it is phrased, so reformatting or reordering a strategy changes no id, and the
//! runtime's record of what it has already done stays valid. An id depends on its own rule
//! only, never on the rules around it; the checker rejects strategies in which two different
//! rules would share one.

use super::types::{Action, DayOfMonth, InvoiceCondition, Period, PeriodUnit, Rule, Trigger, Weekday};
use crate::naming::{fnv1a, slug};

/// The audience part of an id for rules under `For every customer:`.
pub const EVERY_CUSTOMER: &str = "every-customer";

fn period(period: &Period) -> String {
    let unit = match period.unit {
        PeriodUnit::Days => "d",
        PeriodUnit::BusinessDays => "bd",
        PeriodUnit::Months => "m",
    };
    format!("{}{unit}", period.count)
}

pub fn trigger_slug(trigger: &Trigger) -> String {
    match trigger {
        Trigger::BeforeDue { offset } => format!("before-due-{}", period(offset)),
        Trigger::OnDue => "on-due".to_string(),
        Trigger::Overdue { offset } => format!("overdue-{}", period(offset)),
        Trigger::Repeating { every, from, until: Some(until) } => {
            format!("every-{}-from-{}-to-{}-overdue", period(every), period(from), period(until))
        }
        Trigger::Repeating { every, from, until: None } => {
            format!("every-{}-from-{}-overdue", period(every), period(from))
        }
        Trigger::AfterIssue { offset } => format!("after-issue-{}", period(offset)),
        Trigger::Weekly { day } => format!("every-{}", weekday_slug(*day)),
        Trigger::Monthly { day: DayOfMonth::Day(day) } => format!("monthly-{day}"),
        Trigger::Monthly { day: DayOfMonth::Last } => "monthly-last".to_string(),
    }
}

fn weekday_slug(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

pub fn action_slug(action: &Action) -> String {
    match action {
        Action::Email { template, .. } => format!("email-{}", slug(template)),
        Action::CallTask { assignee } => format!("call-{}", slug(assignee)),
        Action::Escalate { to } => format!("escalate-{}", slug(to)),
        Action::StopChasing => "stop-chasing".to_string(),
    }
}

/// A rule's id: its audience, trigger and action, and when it has a condition, a hash of the
/// condition's typed value (so rephrasing the condition keeps the id).
pub fn rule_id(audience: &str, rule: &Rule) -> String {
    let base = format!("{audience}/{}/{}", trigger_slug(&rule.trigger), action_slug(&rule.action));
    match &rule.condition {
        Some(condition) => format!("{base}/if-{}", condition_hash(condition)),
        None => base,
    }
}

/// The id of a segment's (or every customer's) reaction to a broken promise.
pub fn broken_promise_id(audience: &str, action: &Action) -> String {
    format!("{audience}/broken-promise/{}", action_slug(action))
}

fn condition_hash(condition: &InvoiceCondition) -> String {
    let meaning = serde_json::to_string(condition).unwrap_or_default();
    format!("{:08x}", fnv1a(&meaning) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::money::{Currency, Money};
    use crate::plan::types::{Comparison, Location};

    fn rule(trigger: Trigger, condition: Option<InvoiceCondition>, action: Action) -> Rule {
        Rule {
            id: String::new(),
            trigger,
            condition,
            action,
            text: String::new(),
            source: Location { line: 1, column: 1 },
        }
    }

    fn days(count: u32) -> Period {
        Period { count, unit: PeriodUnit::Days }
    }

    #[test]
    fn ids_name_audience_trigger_and_action() {
        let email = Action::Email { template: "friendly-reminder".into(), copy: vec![], attach: Vec::new() };
        assert_eq!(
            rule_id("smb", &rule(Trigger::Overdue { offset: days(1) }, None, email)),
            "smb/overdue-1d/email-friendly-reminder"
        );
        let statement = Action::Email { template: "statement".into(), copy: vec![], attach: Vec::new() };
        assert_eq!(
            rule_id("all", &rule(Trigger::Weekly { day: Weekday::Monday }, None, statement)),
            "all/every-monday/email-statement"
        );
    }

    #[test]
    fn a_condition_adds_a_hash_of_its_meaning() {
        let escalate = Action::Escalate { to: "Dana".into() };
        let over = |amount: i64| InvoiceCondition::AmountDue {
            comparison: Comparison::MoreThan,
            amount: Money { amount: amount.into(), currency: Currency::Base },
        };
        let a = rule_id("smb", &rule(Trigger::Overdue { offset: days(60) }, Some(over(5000)), escalate.clone()));
        let b = rule_id("smb", &rule(Trigger::Overdue { offset: days(60) }, Some(over(10000)), escalate.clone()));
        assert!(a.starts_with("smb/overdue-60d/escalate-dana/if-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, rule_id("smb", &rule(Trigger::Overdue { offset: days(60) }, Some(over(5000)), escalate)));
    }
}
