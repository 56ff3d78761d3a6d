//! Settings: each given once, with real time zones, real addresses, a window that opens before
//! it closes, and a holiday file that can be read.

use std::collections::{HashMap, HashSet};
use std::mem::discriminant;
use std::path::Path;

use super::Problem;
use crate::ast::{Audience, Guard, GuardKind, Name, RuleItem, Setting, SettingKind, Strategy};
use crate::files::StrategyFiles;
use crate::ledger::is_email_address;
use crate::source::Span;
use crate::suggest;

pub fn check(strategy: &Strategy, files: &dyn StrategyFiles) -> Vec<Problem> {
    let mut problems = repeated(strategy);
    let mut looked_up = LookedUp::default();
    for setting in strategy.settings() {
        problems.extend(check_one(setting, files, &mut looked_up));
    }
    problems
}

/// What one check has already looked up, so that a setting written ten thousand times (an error
/// in itself) costs one look: the time zones suggested for each unknown name, and the holiday
/// files already read, whose lines are reported once.
#[derive(Default)]
struct LookedUp {
    zones: Option<Vec<String>>,
    suggestions: HashMap<String, Option<String>>,
    holiday_files: HashSet<String>,
}

fn check_one(setting: &Setting, files: &dyn StrategyFiles, looked_up: &mut LookedUp) -> Vec<Problem> {
    match &setting.kind {
        SettingKind::Sender { address, .. }
        | SettingKind::ReplyTo { address }
        | SettingKind::PersonAddress { address, .. } => address_problem(address).into_iter().collect(),
        SettingKind::SendingWindow { start, end, .. } if end.time <= start.time => {
            vec![Problem::WindowBackwards { span: start.span.to(end.span) }]
        }
        SettingKind::TimeZone { zone } => time_zone_problem(zone, looked_up).into_iter().collect(),
        SettingKind::HolidayFile { path } if looked_up.holiday_files.insert(path.text.clone()) => {
            holiday_file_problems(path, files)
        }
        _ => Vec::new(),
    }
}

pub fn address_problem(address: &Name) -> Option<Problem> {
    (!is_email_address(&address.text))
        .then(|| Problem::InvalidAddress { address: address.text.clone(), span: address.span })
}

fn time_zone_problem(zone: &Name, looked_up: &mut LookedUp) -> Option<Problem> {
    if jiff::tz::db().get(&zone.text).is_ok() {
        return None;
    }
    let LookedUp { zones, suggestions, .. } = looked_up;
    let suggestion = suggestions
        .entry(zone.text.clone())
        .or_insert_with(|| {
            let known = zones.get_or_insert_with(|| jiff::tz::db().available().map(|name| name.to_string()).collect());
            suggest::nearest(&zone.text, known.iter().map(String::as_str)).map(str::to_string)
        })
        .clone();
    Some(Problem::UnknownTimeZone { zone: zone.text.clone(), span: zone.span, suggestion })
}

/// Every setting but holidays is given at most once (and each person's address once). A
/// minimum amount for every customer is the minimum-amount setting, wherever it is written.
fn repeated(strategy: &Strategy) -> Vec<Problem> {
    let mut first_seen: HashMap<String, Span> = HashMap::new();
    let mut problems = Vec::new();
    let settings = strategy.settings().map(|setting| (setting.kind.clone(), setting.span));
    let shared_minimums = strategy
        .rule_sections()
        .filter(|section| matches!(section.audience, Audience::Everyone(_)))
        .flat_map(|section| &section.items)
        .filter_map(|item| match item {
            RuleItem::Guard(Guard { kind: GuardKind::MinimumAmount { amount }, span }) => {
                Some((SettingKind::MinimumAmount { amount: *amount }, *span))
            }
            _ => None,
        });
    let mut all: Vec<(SettingKind, Span)> = settings.chain(shared_minimums).collect();
    all.sort_by_key(|(_, span)| span.start);
    for (kind, span) in all {
        let Some((key, what)) = identity(&kind) else {
            continue;
        };
        match first_seen.get(&key) {
            Some(first) => problems.push(Problem::SettingRepeated { what, span, first: *first }),
            None => {
                first_seen.insert(key, span);
            }
        }
    }
    problems
}

/// What makes two settings "the same setting", and how to name it.
fn identity(kind: &SettingKind) -> Option<(String, &'static str)> {
    let what = match kind {
        SettingKind::Holidays { .. } => return None,
        SettingKind::PersonAddress { person, .. } => {
            return Some((format!("person:{}", person.text.to_lowercase()), "address of this person"));
        }
        SettingKind::Sender { .. } => "sender",
        SettingKind::ReplyTo { .. } => "reply-to address",
        SettingKind::SendingWindow { .. } => "sending window",
        SettingKind::TimeZone { .. } => "time zone",
        SettingKind::HolidayFile { .. } => "holiday file",
        SettingKind::FrequencyCap { .. } => "frequency cap",
        SettingKind::MinimumAmount { .. } => "minimum amount",
        SettingKind::Consolidation { .. } => "combining of reminders",
        SettingKind::CatchUp { .. } => "catch-up window",
        SettingKind::WriteBack { .. } => "logging to Xero",
        SettingKind::ClaimStatutory { .. } => "law to claim under",
        SettingKind::ClaimInterest { .. } => "contractual interest rate",
    };
    Some((format!("{:?}", discriminant(kind)), what))
}

fn holiday_file_problems(path: &Name, files: &dyn StrategyFiles) -> Vec<Problem> {
    let text = match files.read(Path::new(&path.text)) {
        Ok(text) => text,
        Err(error) => {
            return vec![Problem::HolidayFileUnreadable {
                path: path.text.clone(),
                span: path.span,
                reason: error.to_string(),
            }];
        }
    };
    crate::syntax::holiday_file_lines(&text)
        .filter(|(_, _, date)| date.is_none())
        .map(|(line, text, _)| Problem::HolidayFileLine {
            path: path.text.clone(),
            line,
            text: text.to_string(),
            span: path.span,
        })
        .collect()
}
