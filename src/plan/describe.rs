//! Plan settings in words, for diffs: `once every 3 days`, `business days, 09:00 to 17:00`.

use std::collections::BTreeMap;

use super::types::{Holiday, Period, PeriodUnit, SendingDays, Settings};

/// `3 days`, `1 business day`, `12 months`.
pub fn period(period: &Period) -> String {
    let (one, many) = match period.unit {
        PeriodUnit::Days => ("day", "days"),
        PeriodUnit::BusinessDays => ("business day", "business days"),
        PeriodUnit::Months => ("month", "months"),
    };
    format!("{} {}", period.count, if period.count == 1 { one } else { many })
}

/// `"A", "B"` or `all organisations`.
pub fn names(names: &[String]) -> String {
    if names.is_empty() {
        return "all organisations".to_string();
    }
    names.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
}

fn holiday(holiday: &Holiday) -> String {
    match holiday {
        Holiday::Date(date) => date.to_string(),
        Holiday::EveryYear { month, day } => {
            format!("{day} {} every year", crate::syntax::lexer::month_name(*month as usize))
        }
    }
}

/// Each setting by name, in words.
pub fn settings(settings: &Settings) -> BTreeMap<String, String> {
    let optional = |value: Option<String>, absent: &str| value.unwrap_or_else(|| absent.to_string());
    let on_off = |on: bool| if on { "on" } else { "off" }.to_string();
    let days = match settings.sending_window.days {
        SendingDays::BusinessDays => "business days",
        SendingDays::Weekdays => "weekdays",
        SendingDays::EveryDay => "any day",
    };
    let window = &settings.sending_window;
    let mut described = BTreeMap::from([
        (
            "sender".to_string(),
            optional(
                settings.sender.as_ref().map(|s| match &s.name {
                    Some(name) => format!("{} as \"{name}\"", s.address),
                    None => s.address.clone(),
                }),
                "the configured sender",
            ),
        ),
        ("reply-to address".to_string(), optional(settings.reply_to.clone(), "the sender")),
        ("sending window".to_string(), format!("{days}, {} to {}", window.start, window.end)),
        ("time zone".to_string(), optional(settings.time_zone.clone(), "the organisation's")),
        (
            "holidays".to_string(),
            if settings.holidays.is_empty() {
                "none".to_string()
            } else {
                settings.holidays.iter().map(holiday).collect::<Vec<_>>().join(", ")
            },
        ),
        (
            "frequency cap".to_string(),
            optional(settings.frequency_cap.as_ref().map(|p| format!("once every {}", period(p))), "none"),
        ),
        ("minimum amount".to_string(), optional(settings.minimum_amount.map(|m| m.to_string()), "none")),
        ("combine reminders".to_string(), on_off(settings.consolidate)),
        ("catch-up window".to_string(), optional(settings.catch_up.as_ref().map(period), "off")),
        ("log to Xero".to_string(), on_off(settings.write_back)),
    ]);
    if let Some(claim) = &settings.claim {
        described.extend(claim_settings(claim));
    }
    for (person, address) in &settings.people {
        described.insert(format!("address of \"{person}\""), address.clone());
    }
    described
}

/// The claim's lines, present only when the strategy claims: plans without a claim describe (and
/// diff) exactly as before.
fn claim_settings(claim: &super::Claim) -> Vec<(String, String)> {
    let law = claim.law.map_or("none (no compensation)".to_string(), |law| format!("the {}", law.title()));
    let rate = match claim.contractual_rate {
        Some(rate) => {
            let per = match rate.per {
                super::RatePeriod::Month => "month",
                super::RatePeriod::Year => "year",
            };
            format!("{}% a {per} (contractual)", rate.percent)
        }
        None => "the law's".to_string(),
    };
    vec![
        ("late-payment claim".to_string(), law),
        ("late-payment interest rate".to_string(), rate),
        (
            "late-payment claim spares".to_string(),
            claim.except_group.as_ref().map_or("nobody".to_string(), |group| format!("contact group \"{group}\"")),
        ),
    ]
}
