//! Plan diffs for people: as text (coloured on a terminal) and as Markdown for a pull request.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};

use super::diff::{GuardChange, PlanDiff, RuleChange, SegmentChange, TemplateChange};

/// Colours for a terminal, or none.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    added: Style,
    removed: Style,
    changed: Style,
    heading: Style,
}

impl Palette {
    pub fn colour() -> Palette {
        Palette {
            added: Style::new().green(),
            removed: Style::new().red(),
            changed: Style::new().yellow(),
            heading: Style::new().bold(),
        }
    }

    pub fn plain() -> Palette {
        Palette { added: Style::new(), removed: Style::new(), changed: Style::new(), heading: Style::new() }
    }
}

/// `4 rule changes, 1 segment change, 2 settings changed` (or that nothing changed).
pub fn summary(diff: &PlanDiff) -> String {
    let count = |n: usize, one: &str, many: &str| (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }));
    let identity = diff.strategy.iter().count() + diff.organisations.iter().count();
    let parts: Vec<String> = [
        count(
            identity,
            "change to the strategy's name or organisations",
            "changes to the strategy's name or organisations",
        ),
        count(diff.settings.len(), "setting changed", "settings changed"),
        count(diff.segments.len(), "segment change", "segment changes"),
        count(diff.rules.len(), "rule change", "rule changes"),
        count(diff.guards.len(), "guard change", "guard changes"),
        count(diff.templates.len(), "template change", "template changes"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "no changes: the two plans mean the same".to_string() } else { parts.join(", ") }
}

pub fn text(diff: &PlanDiff, palette: Palette) -> String {
    let mut out =
        format!("{}\n", format!("Plan changes: {} → {}", diff.old_source, diff.new_source).style(palette.heading));
    if diff.is_empty() {
        out.push_str("\nNo changes: the two plans mean the same.\n");
        return out;
    }
    let sections = [
        ("Strategy and settings", text_settings(diff, palette)),
        ("Segments", text_segments(diff, palette)),
        ("Rules", text_rules(diff, palette)),
        ("Guards", text_guards(diff, palette)),
        ("Templates", text_templates(diff, palette)),
    ];
    for (title, lines) in sections.into_iter().filter(|(_, lines)| !lines.is_empty()) {
        let _ = write!(out, "\n{}\n{lines}", title.style(palette.heading));
    }
    let _ = writeln!(out, "\n{}", summary(diff));
    out
}

/// `- before` and `+ after`, indented under a change.
fn text_before_after(before: &str, after: &str, p: Palette) -> String {
    format!("      {}\n      {}\n", format!("- {before}").style(p.removed), format!("+ {after}").style(p.added))
}

fn text_settings(diff: &PlanDiff, p: Palette) -> String {
    let identity =
        [("name", &diff.strategy), ("organisations", &diff.organisations)].into_iter().filter_map(|(name, change)| {
            change.as_ref().map(|change| (name.to_string(), change.before.clone(), change.after.clone()))
        });
    let settings =
        diff.settings.iter().map(|change| (change.setting.clone(), change.before.clone(), change.after.clone()));
    identity
        .chain(settings)
        .map(|(name, before, after)| format!("  {} {name}: {before} → {after}\n", "~".style(p.changed)))
        .collect()
}

fn text_segments(diff: &PlanDiff, p: Palette) -> String {
    diff.segments
        .iter()
        .map(|change| match change {
            SegmentChange::Added { name, text, line } => {
                format!("  {} \"{name}\", line {line}\n      {}\n", "+".style(p.added), text.style(p.added))
            }
            SegmentChange::Removed { name, text, line } => {
                format!("  {} \"{name}\", was line {line}\n      {}\n", "-".style(p.removed), text.style(p.removed))
            }
            SegmentChange::Moved { name, from, to } => {
                format!("  {} \"{name}\" moved from place {from} to place {to}\n", "↕".style(p.changed))
            }
            SegmentChange::ConditionChanged { name, before, after, old_line, new_line } => format!(
                "  {} \"{name}\" condition, line {old_line} → {new_line}\n{}",
                "~".style(p.changed),
                text_before_after(before, after, p)
            ),
        })
        .collect()
}

fn text_rules(diff: &PlanDiff, p: Palette) -> String {
    diff.rules
        .iter()
        .map(|change| match change {
            RuleChange::Added { id, audience, text, line } => {
                format!("  {} {id} ({audience}, line {line})\n      {}\n", "+".style(p.added), text.style(p.added))
            }
            RuleChange::Removed { id, audience, text, line } => {
                format!(
                    "  {} {id} ({audience}, was line {line})\n      {}\n",
                    "-".style(p.removed),
                    text.style(p.removed)
                )
            }
            RuleChange::Changed { id, audience, before, after, old_line, new_line } => {
                format!(
                    "  {} {id} ({audience}, line {old_line} → {new_line})\n{}",
                    "~".style(p.changed),
                    text_before_after(before, after, p)
                )
            }
            RuleChange::Rescheduled { old_id, new_id, audience, before, after, old_line, new_line } => format!(
                "  {} {old_id} → {new_id} ({audience}, line {old_line} → {new_line}, rescheduled)\n{}",
                "~".style(p.changed),
                text_before_after(before, after, p)
            ),
            RuleChange::ConditionChanged { old_id, new_id, audience, before, after, old_line, new_line } => format!(
                "  {} {old_id} → {new_id} ({audience}, line {old_line} → {new_line}, condition changed)\n{}",
                "~".style(p.changed),
                text_before_after(before, after, p)
            ),
        })
        .collect()
}

fn text_guards(diff: &PlanDiff, p: Palette) -> String {
    diff.guards
        .iter()
        .map(|change| match change {
            GuardChange::Added { audience, text, line } => {
                format!("  {} {audience}, line {line}: {}\n", "+".style(p.added), text.style(p.added))
            }
            GuardChange::Removed { audience, text, line } => {
                format!("  {} {audience}, was line {line}: {}\n", "-".style(p.removed), text.style(p.removed))
            }
        })
        .collect()
}

fn text_templates(diff: &PlanDiff, p: Palette) -> String {
    diff.templates
        .iter()
        .map(|change| match change {
            TemplateChange::Added { name } => format!("  {} {name}\n", "+".style(p.added)),
            TemplateChange::Removed { name } => format!("  {} {name}\n", "-".style(p.removed)),
            TemplateChange::Changed { name, parts } => {
                format!("  {} {name}: {} changed\n", "~".style(p.changed), and_list(parts))
            }
        })
        .collect()
}

pub fn markdown(diff: &PlanDiff) -> String {
    let mut out = format!("### CollectIQ plan changes: `{}`\n\n", diff.new_source);
    if diff.is_empty() {
        out.push_str("No changes: the two plans mean the same.\n");
        return out;
    }
    let _ = writeln!(out, "**{}**", capitalise(&summary(diff)));
    let sections = [
        ("Strategy and settings", markdown_settings(diff)),
        ("Segments", markdown_segments(diff)),
        ("Rules", markdown_rules(diff)),
        ("Guards", markdown_guards(diff)),
        ("Templates", markdown_templates(diff)),
    ];
    for (title, body) in sections.into_iter().filter(|(_, body)| !body.is_empty()) {
        let _ = write!(out, "\n#### {title}\n\n{body}");
    }
    out
}

fn markdown_settings(diff: &PlanDiff) -> String {
    let identity =
        [("name", &diff.strategy), ("organisations", &diff.organisations)].into_iter().filter_map(|(name, change)| {
            change.as_ref().map(|change| (name.to_string(), change.before.clone(), change.after.clone()))
        });
    let settings =
        diff.settings.iter().map(|change| (change.setting.clone(), change.before.clone(), change.after.clone()));
    let rows: String = identity
        .chain(settings)
        .map(|(name, before, after)| format!("| {} | {} | {} |\n", cell(&name), cell(&before), cell(&after)))
        .collect();
    if rows.is_empty() { rows } else { format!("| setting | before | after |\n|---|---|---|\n{rows}") }
}

fn markdown_segments(diff: &PlanDiff) -> String {
    diff.segments
        .iter()
        .map(|change| match change {
            SegmentChange::Added { name, text, line } => format!("- **Added** `{name}` (line {line}): {text}\n"),
            SegmentChange::Removed { name, text, line } => {
                format!("- **Removed** `{name}` (was line {line}): {text}\n")
            }
            SegmentChange::Moved { name, from, to } => {
                format!("- **Moved** `{name}` from place {from} to place {to}\n")
            }
            SegmentChange::ConditionChanged { name, before, after, old_line, new_line } => {
                format!(
                    "- **Condition changed** `{name}` (line {old_line} → {new_line})\n{}\n",
                    diff_block(before, after)
                )
            }
        })
        .collect()
}

fn markdown_rules(diff: &PlanDiff) -> String {
    diff.rules
        .iter()
        .map(|change| match change {
            RuleChange::Added { id, audience, text, line } => {
                format!("- **Added** `{id}` ({audience}, line {line}): {text}\n")
            }
            RuleChange::Removed { id, audience, text, line } => {
                format!("- **Removed** `{id}` ({audience}, was line {line}): {text}\n")
            }
            RuleChange::Changed { id, audience, before, after, old_line, new_line } => {
                format!(
                    "- **Changed** `{id}` ({audience}, line {old_line} → {new_line})\n{}\n",
                    diff_block(before, after)
                )
            }
            RuleChange::Rescheduled { old_id, new_id, audience, before, after, old_line, new_line } => format!(
                "- **Rescheduled** `{old_id}` → `{new_id}` ({audience}, line {old_line} → {new_line})\n{}\n",
                diff_block(before, after)
            ),
            RuleChange::ConditionChanged { old_id, new_id, audience, before, after, old_line, new_line } => format!(
                "- **Condition changed** `{old_id}` → `{new_id}` ({audience}, line {old_line} → {new_line})\n{}\n",
                diff_block(before, after)
            ),
        })
        .collect()
}

fn markdown_guards(diff: &PlanDiff) -> String {
    diff.guards
        .iter()
        .map(|change| match change {
            GuardChange::Added { audience, text, line } => {
                format!("- **Added** for {audience} (line {line}): {text}\n")
            }
            GuardChange::Removed { audience, text, line } => {
                format!("- **Removed** for {audience} (was line {line}): {text}\n")
            }
        })
        .collect()
}

fn markdown_templates(diff: &PlanDiff) -> String {
    diff.templates
        .iter()
        .map(|change| match change {
            TemplateChange::Added { name } => format!("- **Added** `{name}`\n"),
            TemplateChange::Removed { name } => format!("- **Removed** `{name}`\n"),
            TemplateChange::Changed { name, parts } => format!("- **Changed** `{name}`: {}\n", and_list(parts)),
        })
        .collect()
}

/// A fenced `diff` block, indented to sit inside a list item.
fn diff_block(before: &str, after: &str) -> String {
    format!("  ```diff\n  - {before}\n  + {after}\n  ```")
}

/// Table cells cannot hold a bare `|`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn and_list(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [only] => only.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
