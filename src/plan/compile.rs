//! From a checked strategy to its plan. Compiling never changes meaning: it resolves defaults,
//! reads the holiday file and templates, names every rule with a stable id, and writes each
//! sentence's canonical phrasing beside it. The same strategy always gives byte-identical JSON.

use std::collections::BTreeMap;
use std::path::Path;

use super::convert::{action, customer_condition, invoice_condition, period, trigger};
use super::ids;
use super::types::*;
use crate::ast::{self, SettingKind, Strategy};
use crate::check::{CheckedFile, check_bytes};
use crate::diagnostics::{Diagnostic, Sources};
use crate::files::{Folder, StrategyFiles};
use crate::format::text;
use crate::naming::{segment_key, slug};
use crate::source::{SourceFile, Span};
use crate::template::{EmailTemplate, template_file};

/// A compiled plan, with any warnings the strategy had.
#[derive(Debug)]
pub struct Compiled {
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// Why a strategy could not be compiled.
#[derive(Debug)]
pub enum CompileError {
    /// The strategy has errors: nothing is compiled from a strategy that does not check.
    Invalid { diagnostics: Vec<Diagnostic>, sources: Sources },
    /// A file could not be read.
    Unreadable(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Invalid { diagnostics, .. } => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                write!(
                    f,
                    "the strategy has {errors} error{}; fix them before compiling",
                    if errors == 1 { "" } else { "s" }
                )
            }
            CompileError::Unreadable(why) => f.write_str(why),
        }
    }
}

/// Compiles the strategy file at `path`, with its templates beside it.
impl std::error::Error for CompileError {}

pub fn compile_path(path: &Path) -> Result<Compiled, CompileError> {
    let bytes = std::fs::read(path)
        .map_err(|error| CompileError::Unreadable(format!("cannot read {}: {error}", path.display())))?;
    compile_bytes(&path.display().to_string(), bytes, &Folder::of(path))
}

/// Compiles a strategy given as bytes, reading its templates and holiday file from `files`.
pub fn compile_bytes(name: &str, bytes: Vec<u8>, files: &dyn StrategyFiles) -> Result<Compiled, CompileError> {
    let mut sources = Sources::default();
    let CheckedFile { file, strategy, diagnostics } = check_bytes(name, bytes, files, &mut sources);
    let strategy = match strategy {
        Some(strategy) if !diagnostics.iter().any(Diagnostic::is_error) => strategy,
        _ => return Err(CompileError::Invalid { diagnostics, sources }),
    };
    let plan = compile(&strategy, sources.get(file), files)?;
    Ok(Compiled { plan, warnings: diagnostics, sources })
}

/// The plan of a strategy that has passed `check`.
pub fn compile(strategy: &Strategy, source: &SourceFile, files: &dyn StrategyFiles) -> Result<Plan, CompileError> {
    let locate = |span: Span| {
        let at = source.line_column(span.start);
        Location { line: at.line, column: at.column }
    };
    let mut segments: Vec<Segment> = strategy
        .segments()
        .map(|definition| Segment {
            name: definition.name.text.clone(),
            condition: match &definition.condition {
                ast::SegmentCondition::Others(_) => None,
                ast::SegmentCondition::Matching(condition) => Some(customer_condition(condition)),
            },
            text: text::segment_definition(definition),
            source: locate(definition.span),
            audience: audience(strategy, Some(&definition.name.text), &locate),
        })
        .collect();
    let mut every_customer = audience(strategy, None, &locate);
    name_rules(&mut segments, &mut every_customer);
    let templates = templates(&segments, &every_customer, files)?;
    let mut settings = settings(strategy, files)?;
    // "Skip invoices with less than …" for every customer is the minimum-amount setting.
    every_customer.guards.retain(|guard| match &guard.kind {
        GuardKind::MinimumAmount { amount } => {
            settings.minimum_amount = Some(*amount);
            false
        }
        _ => true,
    });
    // The order organisations are named in means nothing.
    let mut organisations: Vec<String> = strategy.organisations.iter().map(|name| name.text.clone()).collect();
    organisations.sort();
    organisations.dedup();
    Ok(Plan {
        plan_version: PLAN_VERSION,
        strategy: strategy.name.text.clone(),
        source: source.name().to_string(),
        organisations,
        settings,
        segments,
        every_customer,
        templates,
    })
}

/// The rules and guards under every heading for one segment (or for every customer).
fn audience(strategy: &Strategy, segment: Option<&str>, locate: &dyn Fn(Span) -> Location) -> Audience {
    let key = segment.map(segment_key);
    let items = strategy.rule_sections().filter(|section| match &section.audience {
        ast::Audience::Everyone(_) => key.is_none(),
        ast::Audience::Segment(name) => key.as_deref() == Some(segment_key(&name.text).as_str()),
    });
    let mut result = Audience::default();
    for item in items.flat_map(|section| &section.items) {
        match item {
            ast::RuleItem::Rule(rule) => result.rules.push(Rule {
                id: String::new(),
                trigger: trigger(&rule.trigger.kind),
                condition: rule.condition.as_ref().map(|c| {
                    let condition = invoice_condition(&c.condition);
                    if c.unless { InvoiceCondition::Not(Box::new(condition)) } else { condition }
                }),
                action: action(&rule.action.kind),
                text: text::rule_item(item),
                source: locate(rule.span),
            }),
            ast::RuleItem::Guard(guard) => result.guards.push(Guard {
                kind: guard_kind(&guard.kind),
                text: text::rule_item(item),
                source: locate(guard.span),
            }),
        }
    }
    result
}

fn guard_kind(guard: &ast::GuardKind) -> GuardKind {
    match guard {
        ast::GuardKind::DoNotContact { condition } => {
            GuardKind::DoNotContact { condition: customer_condition(condition) }
        }
        ast::GuardKind::StopDisputed => GuardKind::StopDisputed,
        ast::GuardKind::PauseOnPromise { grace } => GuardKind::PauseOnPromise { grace: period(grace) },
        ast::GuardKind::BrokenPromise { action: a } => {
            GuardKind::BrokenPromise { id: String::new(), action: action(&a.kind) }
        }
        ast::GuardKind::MinimumAmount { amount } => GuardKind::MinimumAmount { amount: super::convert::money(amount) },
        ast::GuardKind::OnReply { pause } => GuardKind::OnReply { pause: reply_pause(pause) },
        ast::GuardKind::OnPaidClaim { pause } => GuardKind::OnPaidClaim { period: period(pause) },
        ast::GuardKind::OnBounce { action: a } => GuardKind::OnBounce { action: action(&a.kind) },
    }
}

fn reply_pause(pause: &ast::ReplyPause) -> ReplyPause {
    match pause {
        ast::ReplyPause::UntilHandled => ReplyPause::Handled,
        ast::ReplyPause::For(length) => ReplyPause::Period { period: period(length) },
        ast::ReplyPause::KeepChasing => ReplyPause::Never,
    }
}

/// Names every rule and broken-promise guard, keeps one of each repeated sentence (the checker
/// warns of repeats and rejects rules that would share an id), and sorts each audience so that
/// the order of sentences leaves no trace.
fn name_rules(segments: &mut [Segment], every_customer: &mut Audience) {
    let named = segments.iter_mut().map(|segment| (slug(&segment.name), &mut segment.audience));
    for (audience_slug, audience) in named.chain(std::iter::once((ids::EVERY_CUSTOMER.to_string(), every_customer))) {
        for rule in &mut audience.rules {
            rule.id = ids::rule_id(&audience_slug, rule);
        }
        audience.rules.sort_by(|a, b| a.id.cmp(&b.id).then(a.source.cmp(&b.source)));
        audience.rules.dedup_by(|later, earlier| later.id == earlier.id);
        for guard in &mut audience.guards {
            if let GuardKind::BrokenPromise { id, action } = &mut guard.kind {
                *id = ids::broken_promise_id(&audience_slug, action);
            }
        }
        audience.guards.sort_by(|a, b| a.text.cmp(&b.text).then(a.source.cmp(&b.source)));
        audience.guards.dedup_by(|later, earlier| later.text == earlier.text);
    }
}

fn settings(strategy: &Strategy, files: &dyn StrategyFiles) -> Result<Settings, CompileError> {
    let mut settings = Settings::default();
    for setting in strategy.settings() {
        apply(&mut settings, &setting.kind, files)?;
    }
    settings.holidays.sort();
    settings.holidays.dedup();
    Ok(settings)
}

fn apply(settings: &mut Settings, setting: &SettingKind, files: &dyn StrategyFiles) -> Result<(), CompileError> {
    match setting {
        SettingKind::Sender { address, display_name } => {
            settings.sender =
                Some(Sender { address: address.text.clone(), name: display_name.as_ref().map(|n| n.text.clone()) })
        }
        SettingKind::ReplyTo { address } => settings.reply_to = Some(address.text.clone()),
        SettingKind::SendingWindow { days, start, end } => {
            settings.sending_window =
                SendingWindow { days: super::convert::sending_days(*days), start: clock(start), end: clock(end) }
        }
        SettingKind::TimeZone { zone } => settings.time_zone = Some(zone.text.clone()),
        SettingKind::Holidays { dates } => settings.holidays.extend(dates.iter().map(|date| holiday(date.date))),
        SettingKind::HolidayFile { path } => settings.holidays.extend(holiday_file(&path.text, files)?),
        SettingKind::FrequencyCap { interval } => settings.frequency_cap = Some(period(interval)),
        SettingKind::MinimumAmount { amount } => settings.minimum_amount = Some(super::convert::money(amount)),
        SettingKind::Consolidation { enabled } => settings.consolidate = *enabled,
        SettingKind::CatchUp { window } => settings.catch_up = window.as_ref().map(period),
        SettingKind::WriteBack { enabled } => settings.write_back = *enabled,
        SettingKind::PersonAddress { person, address } => {
            settings.people.insert(person.text.clone(), address.text.clone());
        }
    }
    Ok(())
}

fn clock(time: &ast::TimeOfDay) -> ClockTime {
    ClockTime { hour: time.time.hour() as u8, minute: time.time.minute() as u8 }
}

fn holiday(date: ast::CalendarDate) -> Holiday {
    match date {
        ast::CalendarDate::On(date) => Holiday::Date(date),
        ast::CalendarDate::EveryYear { month, day } => Holiday::EveryYear { month, day },
    }
}

/// The dates of a holiday file (the checker has read it already).
fn holiday_file(path: &str, files: &dyn StrategyFiles) -> Result<Vec<Holiday>, CompileError> {
    let text = files
        .read(Path::new(path))
        .map_err(|error| CompileError::Unreadable(format!("cannot read the holiday file {path}: {error}")))?;
    crate::syntax::holiday_file_lines(&text)
        .map(|(number, line, date)| {
            date.map(holiday).ok_or_else(|| {
                CompileError::Unreadable(format!("line {number} of the holiday file {path} is not a date: {line}"))
            })
        })
        .collect()
}

/// Every template the plan's emails use, read and split into its parts.
fn templates(
    segments: &[Segment],
    every_customer: &Audience,
    files: &dyn StrategyFiles,
) -> Result<BTreeMap<String, Template>, CompileError> {
    let audiences = segments.iter().map(|segment| &segment.audience).chain(std::iter::once(every_customer));
    let actions = audiences.flat_map(|audience| {
        let from_rules = audience.rules.iter().map(|rule| &rule.action);
        let from_guards = audience.guards.iter().filter_map(|guard| match &guard.kind {
            GuardKind::BrokenPromise { action, .. } => Some(action),
            _ => None,
        });
        from_rules.chain(from_guards)
    });
    let mut templates = BTreeMap::new();
    for action in actions {
        let Action::Email { template: name, .. } = action else { continue };
        if templates.contains_key(name) {
            continue;
        }
        let path = template_file(name);
        let text = files
            .read(&path)
            .map_err(|error| CompileError::Unreadable(format!("cannot read the template {name}: {error}")))?;
        let parsed = EmailTemplate::parse(&text)
            .map_err(|_| CompileError::Unreadable(format!("the template {name} is not a template")))?;
        let template = Template {
            subject: parsed.subject.source,
            text: parsed.text.source,
            html: parsed.html.map(|part| part.source),
            markdown: parsed.markdown,
        };
        templates.insert(name.clone(), template);
    }
    Ok(templates)
}
