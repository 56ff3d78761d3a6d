//! What changed between two plans, as a reviewer wants to read it: rules by their stable id
//! (added, removed, changed), segments by name (added, removed, moved, condition changed),
//! settings, guards and templates. Reformatting or reordering a strategy changes nothing here.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::describe;
use super::types::{Audience, Plan, Rule, Settings, Template};
use crate::naming::segment_key;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanDiff {
    pub old_source: String,
    pub new_source: String,
    pub strategy: Option<ValueChange>,
    pub organisations: Option<ValueChange>,
    pub settings: Vec<SettingChange>,
    pub segments: Vec<SegmentChange>,
    pub rules: Vec<RuleChange>,
    pub guards: Vec<GuardChange>,
    pub templates: Vec<TemplateChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueChange {
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    pub setting: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum SegmentChange {
    Added {
        name: String,
        text: String,
        line: usize,
    },
    Removed {
        name: String,
        text: String,
        line: usize,
    },
    /// Its place in the order of segments (1 for the first) changed.
    Moved {
        name: String,
        from: usize,
        to: usize,
    },
    ConditionChanged {
        name: String,
        before: String,
        after: String,
        old_line: usize,
        new_line: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum RuleChange {
    Added {
        id: String,
        audience: String,
        text: String,
        line: usize,
    },
    Removed {
        id: String,
        audience: String,
        text: String,
        line: usize,
    },
    /// The same rule (same id) doing its thing differently, such as with other copy addresses.
    Changed {
        id: String,
        audience: String,
        before: String,
        after: String,
        old_line: usize,
        new_line: usize,
    },
    /// The same action for the same segment, on another day: its id changes with its timing.
    Rescheduled {
        old_id: String,
        new_id: String,
        audience: String,
        before: String,
        after: String,
        old_line: usize,
        new_line: usize,
    },
    /// The same action for the same segment at the same time, under another condition.
    ConditionChanged {
        old_id: String,
        new_id: String,
        audience: String,
        before: String,
        after: String,
        old_line: usize,
        new_line: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum GuardChange {
    Added { audience: String, text: String, line: usize },
    Removed { audience: String, text: String, line: usize },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TemplateChange {
    Added {
        name: String,
    },
    Removed {
        name: String,
    },
    /// Which parts changed: `subject`, `text`, `html`.
    Changed {
        name: String,
        parts: Vec<&'static str>,
    },
}

/// How the rules of every customer are named where a segment's name would be.
pub const EVERY_CUSTOMER: &str = "every customer";

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.strategy.is_none()
            && self.organisations.is_none()
            && self.settings.is_empty()
            && self.segments.is_empty()
            && self.rules.is_empty()
            && self.guards.is_empty()
            && self.templates.is_empty()
    }
}

pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    PlanDiff {
        old_source: old.source.clone(),
        new_source: new.source.clone(),
        strategy: changed(&old.strategy, &new.strategy),
        organisations: changed(&describe::names(&old.organisations), &describe::names(&new.organisations)),
        settings: settings(&old.settings, &new.settings),
        segments: segments(old, new),
        rules: rules(old, new),
        guards: guards(old, new),
        templates: templates(&old.templates, &new.templates),
    }
}

fn changed(before: &str, after: &str) -> Option<ValueChange> {
    (before != after).then(|| ValueChange { before: before.to_string(), after: after.to_string() })
}

fn settings(old: &Settings, new: &Settings) -> Vec<SettingChange> {
    let old = describe::settings(old);
    let new = describe::settings(new);
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let before = old.get(name).cloned().unwrap_or_else(|| "not set".to_string());
            let after = new.get(name).cloned().unwrap_or_else(|| "not set".to_string());
            (before != after).then(|| SettingChange { setting: name.clone(), before, after })
        })
        .collect()
}

fn segments(old: &Plan, new: &Plan) -> Vec<SegmentChange> {
    let old_by_key: HashMap<String, (usize, &super::Segment)> =
        old.segments.iter().enumerate().map(|(index, s)| (segment_key(&s.name), (index, s))).collect();
    let new_by_key: HashMap<String, (usize, &super::Segment)> =
        new.segments.iter().enumerate().map(|(index, s)| (segment_key(&s.name), (index, s))).collect();
    let mut changes = Vec::new();
    for segment in &old.segments {
        if !new_by_key.contains_key(&segment_key(&segment.name)) {
            changes.push(SegmentChange::Removed {
                name: segment.name.clone(),
                text: segment.text.clone(),
                line: segment.source.line,
            });
        }
    }
    for segment in &new.segments {
        match old_by_key.get(&segment_key(&segment.name)) {
            None => changes.push(SegmentChange::Added {
                name: segment.name.clone(),
                text: segment.text.clone(),
                line: segment.source.line,
            }),
            Some((_, before)) if before.condition != segment.condition => {
                changes.push(SegmentChange::ConditionChanged {
                    name: segment.name.clone(),
                    before: before.text.clone(),
                    after: segment.text.clone(),
                    old_line: before.source.line,
                    new_line: segment.source.line,
                })
            }
            Some(_) => {}
        }
    }
    changes.extend(moved_segments(old, new, &old_by_key, &new_by_key));
    changes
}

/// Segments kept in both plans whose order relative to the others changed: those outside the
/// longest run of segments that kept their order.
fn moved_segments(
    old: &Plan,
    new: &Plan,
    old_by_key: &HashMap<String, (usize, &super::Segment)>,
    new_by_key: &HashMap<String, (usize, &super::Segment)>,
) -> Vec<SegmentChange> {
    let old_order: Vec<String> =
        old.segments.iter().map(|s| segment_key(&s.name)).filter(|key| new_by_key.contains_key(key)).collect();
    let new_order: Vec<String> =
        new.segments.iter().map(|s| segment_key(&s.name)).filter(|key| old_by_key.contains_key(key)).collect();
    let kept = longest_common_subsequence(&old_order, &new_order);
    new_order
        .iter()
        .filter(|key| !kept.contains(key))
        .map(|key| SegmentChange::Moved {
            name: new_by_key[key].1.name.clone(),
            from: old_by_key[key].0 + 1,
            to: new_by_key[key].0 + 1,
        })
        .collect()
}

fn longest_common_subsequence<'a>(a: &'a [String], b: &[String]) -> Vec<&'a String> {
    let mut lengths = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lengths[i][j] =
                if a[i] == b[j] { lengths[i + 1][j + 1] + 1 } else { lengths[i + 1][j].max(lengths[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut common) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            common.push(&a[i]);
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    common
}

/// Each audience's name and its rules and guards, in plan order.
fn audiences(plan: &Plan) -> Vec<(&str, &Audience)> {
    plan.segments
        .iter()
        .map(|segment| (segment.name.as_str(), &segment.audience))
        .chain(std::iter::once((EVERY_CUSTOMER, &plan.every_customer)))
        .collect()
}

/// Who a guard is for: a segment by its key, or every customer (which no segment name can
/// stand for, even a segment called "Every customer").
fn audience_key(plan: &Plan, position: usize) -> Option<String> {
    plan.segments.get(position).map(|segment| segment_key(&segment.name))
}

fn rules_by_id(plan: &Plan) -> BTreeMap<&str, (&str, &Rule)> {
    audiences(plan)
        .into_iter()
        .flat_map(|(name, audience)| audience.rules.iter().map(move |rule| (rule.id.as_str(), (name, rule))))
        .collect()
}

/// Rules are the same when they mean the same: where they are written does not matter.
fn same_rule(a: &Rule, b: &Rule) -> bool {
    (&a.trigger, &a.condition, &a.action) == (&b.trigger, &b.condition, &b.action)
}

fn rules(old: &Plan, new: &Plan) -> Vec<RuleChange> {
    let old_rules = rules_by_id(old);
    let new_rules = rules_by_id(new);
    let removed: Vec<(&str, &Rule)> =
        old_rules.iter().filter(|(id, _)| !new_rules.contains_key(*id)).map(|(_, side)| *side).collect();
    let added: Vec<(&str, &Rule)> =
        new_rules.iter().filter(|(id, _)| !old_rules.contains_key(*id)).map(|(_, side)| *side).collect();
    let (mut changes, paired_ids) = paired(&removed, &added);
    for (audience, rule) in removed.iter().filter(|(_, rule)| !paired_ids.contains(&rule.id.as_str())) {
        changes.push(RuleChange::Removed {
            id: rule.id.clone(),
            audience: audience.to_string(),
            text: rule.text.clone(),
            line: rule.source.line,
        });
    }
    for (audience, rule) in added.iter().filter(|(_, rule)| !paired_ids.contains(&rule.id.as_str())) {
        changes.push(RuleChange::Added {
            id: rule.id.clone(),
            audience: audience.to_string(),
            text: rule.text.clone(),
            line: rule.source.line,
        });
    }
    for (id, (audience, rule)) in &new_rules {
        match old_rules.get(id) {
            Some((_, before)) if !same_rule(before, rule) => changes.push(RuleChange::Changed {
                id: id.to_string(),
                audience: audience.to_string(),
                before: before.text.clone(),
                after: rule.text.clone(),
                old_line: before.source.line,
                new_line: rule.source.line,
            }),
            _ => {}
        }
    }
    // Grouped by segment, in the new plan's order, then by id.
    let order: Vec<&str> = audiences(new).into_iter().map(|(name, _)| name).collect();
    let place = |audience: &str| order.iter().position(|name| *name == audience).unwrap_or(order.len());
    changes.sort_by(|a, b| (place(a.audience()), a.id()).cmp(&(place(b.audience()), b.id())));
    changes
}

impl RuleChange {
    pub fn audience(&self) -> &str {
        match self {
            RuleChange::Added { audience, .. }
            | RuleChange::Removed { audience, .. }
            | RuleChange::Changed { audience, .. }
            | RuleChange::Rescheduled { audience, .. }
            | RuleChange::ConditionChanged { audience, .. } => audience,
        }
    }

    /// The rule's id (its new id, when rescheduled).
    pub fn id(&self) -> &str {
        match self {
            RuleChange::Added { id, .. } | RuleChange::Removed { id, .. } | RuleChange::Changed { id, .. } => id,
            RuleChange::Rescheduled { new_id, .. } | RuleChange::ConditionChanged { new_id, .. } => new_id,
        }
    }
}

/// A removed rule and an added one that can only be one rule changed: the same segment and
/// action, and either the same trigger (its condition changed) or the same condition and kind
/// of trigger (it was rescheduled), with no other rule removed or added like them.
fn paired<'a>(removed: &[(&'a str, &'a Rule)], added: &[(&'a str, &'a Rule)]) -> (Vec<RuleChange>, Vec<&'a str>) {
    let mut changes = Vec::new();
    let mut taken: Vec<&'a str> = Vec::new();
    let recondition = |(audience, rule): &(&str, &Rule)| format!("{audience}|{:?}|{:?}", rule.trigger, rule.action);
    let reschedule = |(audience, rule): &(&str, &Rule)| {
        format!("{audience}|{:?}|{:?}|{:?}", std::mem::discriminant(&rule.trigger), rule.action, rule.condition)
    };
    for (likeness, rescheduling) in [(&recondition as &dyn Fn(&(&str, &Rule)) -> String, false), (&reschedule, true)] {
        let open = |side: &[(&'a str, &'a Rule)], taken: &[&str]| -> Vec<(&'a str, &'a Rule)> {
            side.iter().filter(|(_, rule)| !taken.contains(&rule.id.as_str())).copied().collect()
        };
        let (removed_open, added_open) = (open(removed, &taken), open(added, &taken));
        for old in &removed_open {
            let alike: Vec<_> = added_open.iter().filter(|new| likeness(new) == likeness(old)).collect();
            let rivals = removed_open.iter().filter(|other| likeness(other) == likeness(old)).count();
            let ([new], 1) = (alike.as_slice(), rivals) else { continue };
            taken.extend([old.1.id.as_str(), new.1.id.as_str()]);
            let (old_id, new_id, audience) = (old.1.id.clone(), new.1.id.clone(), new.0.to_string());
            let (before, after, old_line, new_line) =
                (old.1.text.clone(), new.1.text.clone(), old.1.source.line, new.1.source.line);
            changes.push(if rescheduling {
                RuleChange::Rescheduled { old_id, new_id, audience, before, after, old_line, new_line }
            } else {
                RuleChange::ConditionChanged { old_id, new_id, audience, before, after, old_line, new_line }
            });
        }
    }
    (changes, taken)
}

/// Guards by who they are for and what they say, with the audience's name and the line.
type KeyedGuards<'a> = BTreeMap<(Option<String>, &'a str), (&'a str, usize)>;

fn keyed_guards(plan: &Plan) -> KeyedGuards<'_> {
    audiences(plan)
        .into_iter()
        .enumerate()
        .flat_map(|(position, (name, audience))| {
            let key = audience_key(plan, position);
            audience.guards.iter().map(move |guard| ((key.clone(), guard.text.as_str()), (name, guard.source.line)))
        })
        .collect()
}

fn guards(old: &Plan, new: &Plan) -> Vec<GuardChange> {
    let (old_guards, new_guards) = (keyed_guards(old), keyed_guards(new));
    let removed =
        old_guards.iter().filter(|(key, _)| !new_guards.contains_key(*key)).map(|((_, text), (audience, line))| {
            GuardChange::Removed { audience: audience.to_string(), text: text.to_string(), line: *line }
        });
    let added =
        new_guards.iter().filter(|(key, _)| !old_guards.contains_key(*key)).map(|((_, text), (audience, line))| {
            GuardChange::Added { audience: audience.to_string(), text: text.to_string(), line: *line }
        });
    removed.chain(added).collect()
}

fn templates(old: &BTreeMap<String, Template>, new: &BTreeMap<String, Template>) -> Vec<TemplateChange> {
    let removed =
        old.keys().filter(|name| !new.contains_key(*name)).map(|name| TemplateChange::Removed { name: name.clone() });
    let added =
        new.keys().filter(|name| !old.contains_key(*name)).map(|name| TemplateChange::Added { name: name.clone() });
    let changed = new.iter().filter_map(|(name, after)| {
        let before = old.get(name)?;
        let parts: Vec<&'static str> = [
            ("subject", before.subject != after.subject),
            ("text", before.text != after.text),
            ("html", before.html != after.html),
            ("format", before.markdown != after.markdown),
        ]
        .into_iter()
        .filter_map(|(part, differs)| differs.then_some(part))
        .collect();
        (!parts.is_empty()).then(|| TemplateChange::Changed { name: name.clone(), parts })
    });
    removed.chain(added).chain(changed).collect()
}
