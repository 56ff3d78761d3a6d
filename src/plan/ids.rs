//! Stable rule ids. An id says what a rule means, not where it is written:
//! `smb/overdue-1d/email-friendly-reminder` is the same rule wherever the sentence sits and
//! however it is phrased, so reformatting or reordering a strategy changes no id, and the
//! runtime's record of what it has already done stays valid.

use std::collections::{HashMap, HashSet};

use super::types::{Action, DayOfMonth, Period, PeriodUnit, Rule, Trigger};

/// The audience part of an id for rules under `For every customer:`.
pub const EVERY_CUSTOMER: &str = "every-customer";

/// `Trial conversions` → `trial-conversions`.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

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
        Trigger::Weekly { day } => format!("every-{}", slug(&format!("{day:?}"))),
        Trigger::Monthly { day: DayOfMonth::Day(day) } => format!("monthly-{day}"),
        Trigger::Monthly { day: DayOfMonth::Last } => "monthly-last".to_string(),
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

/// The id a rule gets when nothing else shares its audience, trigger and action.
pub fn base_id(audience: &str, rule: &Rule) -> String {
    format!("{audience}/{}/{}", trigger_slug(&rule.trigger), action_slug(&rule.action))
}

/// Gives every rule its id. Rules whose base ids collide (same audience, trigger and action,
/// different conditions; or two segments whose names read alike) are told apart by a short
/// hash of what differs: the exact segment name and the rule's canonical text. Identical rules
/// keep identical ids; the compiler keeps only the first of them.
pub fn assign(rules: &mut [(String, String, &mut Rule)]) {
    let bases: Vec<String> = rules.iter().map(|(audience, _, rule)| base_id(audience, rule)).collect();
    let mut meanings: HashMap<&str, HashSet<(String, String)>> = HashMap::new();
    for ((_, exact_audience, rule), base) in rules.iter().zip(&bases) {
        meanings.entry(base.as_str()).or_default().insert((exact_audience.clone(), rule.text.clone()));
    }
    for ((_, exact_audience, rule), base) in rules.iter_mut().zip(&bases) {
        rule.id = if meanings[base.as_str()].len() > 1 {
            format!("{base}~{:08x}", fnv1a(&format!("{exact_audience}\n{}", rule.text)) as u32)
        } else {
            base.clone()
        };
    }
}

/// FNV-1a: a tiny hash that never changes between Rust versions, unlike the standard hasher.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::types::Location;

    fn rule(trigger: Trigger, action: Action, text: &str) -> Rule {
        Rule {
            id: String::new(),
            trigger,
            condition: None,
            action,
            text: text.to_string(),
            source: Location { line: 1, column: 1 },
        }
    }

    #[test]
    fn slugs_read_as_the_names_do() {
        assert_eq!(slug("Trial conversions"), "trial-conversions");
        assert_eq!(slug("  Key  Accounts!! "), "key-accounts");
        assert_eq!(slug("Māori Trust"), "māori-trust");
    }

    #[test]
    fn ids_name_audience_trigger_and_action() {
        let email = Action::Email { template: "friendly-reminder".into(), copy: vec![] };
        let overdue = Trigger::Overdue { offset: Period { count: 1, unit: PeriodUnit::Days } };
        assert_eq!(base_id("smb", &rule(overdue, email, "")), "smb/overdue-1d/email-friendly-reminder");
    }

    #[test]
    fn colliding_ids_are_told_apart_by_what_differs() {
        let escalate = Action::Escalate { to: "Dana".into() };
        let at_60 = Trigger::Overdue { offset: Period { count: 60, unit: PeriodUnit::Days } };
        let mut a = rule(
            at_60,
            escalate.clone(),
            "60 days after the due date, if the invoice is in AUD, escalate to \"Dana\".",
        );
        let mut b = rule(
            at_60,
            escalate,
            "60 days after the due date, if more than $5,000 is outstanding, escalate to \"Dana\".",
        );
        let mut rules =
            vec![("smb".to_string(), "SMB".to_string(), &mut a), ("smb".to_string(), "SMB".to_string(), &mut b)];
        assign(&mut rules);
        assert!(a.id.starts_with("smb/overdue-60d/escalate-dana~"));
        assert_ne!(a.id, b.id);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
