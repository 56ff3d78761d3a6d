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
    let mut out = String::new();
    let p = palette;
    let _ = writeln!(out, "{}", format!("Plan changes: {} → {}", diff.old_source, diff.new_source).style(p.heading));
    if diff.is_empty() {
        let _ = writeln!(out, "\nNo changes: the two plans mean the same.");
        return out;
    }
    if diff.strategy.is_some() || diff.organisations.is_some() || !diff.settings.is_empty() {
        let _ = writeln!(out, "\n{}", "Strategy and settings".style(p.heading));
        for (name, change) in [("name", &diff.strategy), ("organisations", &diff.organisations)] {
            if let Some(change) = change {
                let _ = writeln!(out, "  {} {name}: {} → {}", "~".style(p.changed), change.before, change.after);
            }
        }
        for change in &diff.settings {
            let _ =
                writeln!(out, "  {} {}: {} → {}", "~".style(p.changed), change.setting, change.before, change.after);
        }
    }
    if !diff.segments.is_empty() {
        let _ = writeln!(out, "\n{}", "Segments".style(p.heading));
        for change in &diff.segments {
            let _ = match change {
                SegmentChange::Added { name, text, line } => {
                    writeln!(out, "  {} \"{name}\", line {line}\n      {}", "+".style(p.added), text.style(p.added))
                }
                SegmentChange::Removed { name, text, line } => {
                    writeln!(
                        out,
                        "  {} \"{name}\", was line {line}\n      {}",
                        "-".style(p.removed),
                        text.style(p.removed)
                    )
                }
                SegmentChange::Moved { name, from, to } => {
                    writeln!(out, "  {} \"{name}\" moved from place {from} to place {to}", "↕".style(p.changed))
                }
                SegmentChange::ConditionChanged { name, before, after, old_line, new_line } => writeln!(
                    out,
                    "  {} \"{name}\" condition, line {old_line} → {new_line}\n      {}\n      {}",
                    "~".style(p.changed),
                    format!("- {before}").style(p.removed),
                    format!("+ {after}").style(p.added)
                ),
            };
        }
    }
    if !diff.rules.is_empty() {
        let _ = writeln!(out, "\n{}", "Rules".style(p.heading));
        for change in &diff.rules {
            let _ = match change {
                RuleChange::Added { id, audience, text, line } => {
                    writeln!(
                        out,
                        "  {} {id} ({audience}, line {line})\n      {}",
                        "+".style(p.added),
                        text.style(p.added)
                    )
                }
                RuleChange::Removed { id, audience, text, line } => {
                    writeln!(
                        out,
                        "  {} {id} ({audience}, was line {line})\n      {}",
                        "-".style(p.removed),
                        text.style(p.removed)
                    )
                }
                RuleChange::Changed { id, audience, before, after, old_line, new_line } => writeln!(
                    out,
                    "  {} {id} ({audience}, line {old_line} → {new_line})\n      {}\n      {}",
                    "~".style(p.changed),
                    format!("- {before}").style(p.removed),
                    format!("+ {after}").style(p.added)
                ),
                RuleChange::Rescheduled { old_id, new_id, audience, before, after, old_line, new_line } => writeln!(
                    out,
                    "  {} {old_id} → {new_id} ({audience}, line {old_line} → {new_line}, rescheduled)\n      {}\n      {}",
                    "~".style(p.changed),
                    format!("- {before}").style(p.removed),
                    format!("+ {after}").style(p.added)
                ),
            };
        }
    }
    if !diff.guards.is_empty() {
        let _ = writeln!(out, "\n{}", "Guards".style(p.heading));
        for change in &diff.guards {
            let _ = match change {
                GuardChange::Added { audience, text, line } => {
                    writeln!(out, "  {} {audience}, line {line}: {}", "+".style(p.added), text.style(p.added))
                }
                GuardChange::Removed { audience, text, line } => {
                    writeln!(out, "  {} {audience}, was line {line}: {}", "-".style(p.removed), text.style(p.removed))
                }
            };
        }
    }
    if !diff.templates.is_empty() {
        let _ = writeln!(out, "\n{}", "Templates".style(p.heading));
        for change in &diff.templates {
            let _ = match change {
                TemplateChange::Added { name } => writeln!(out, "  {} {name}", "+".style(p.added)),
                TemplateChange::Removed { name } => writeln!(out, "  {} {name}", "-".style(p.removed)),
                TemplateChange::Changed { name, parts } => {
                    writeln!(out, "  {} {name}: {} changed", "~".style(p.changed), and_list(parts))
                }
            };
        }
    }
    let _ = writeln!(out, "\n{}", summary(diff));
    out
}

pub fn markdown(diff: &PlanDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### CollectIQ plan changes: `{}`\n", diff.new_source);
    if diff.is_empty() {
        let _ = writeln!(out, "No changes: the two plans mean the same.");
        return out;
    }
    let _ = writeln!(out, "**{}**", capitalise(&summary(diff)));
    if diff.strategy.is_some() || diff.organisations.is_some() || !diff.settings.is_empty() {
        let _ = writeln!(out, "\n#### Strategy and settings\n\n| setting | before | after |\n|---|---|---|");
        for (name, change) in [("name", &diff.strategy), ("organisations", &diff.organisations)] {
            if let Some(change) = change {
                let _ = writeln!(out, "| {name} | {} | {} |", cell(&change.before), cell(&change.after));
            }
        }
        for change in &diff.settings {
            let _ = writeln!(out, "| {} | {} | {} |", cell(&change.setting), cell(&change.before), cell(&change.after));
        }
    }
    if !diff.segments.is_empty() {
        let _ = writeln!(out, "\n#### Segments\n");
        for change in &diff.segments {
            let _ = match change {
                SegmentChange::Added { name, text, line } => {
                    writeln!(out, "- **Added** `{name}` (line {line}): {text}")
                }
                SegmentChange::Removed { name, text, line } => {
                    writeln!(out, "- **Removed** `{name}` (was line {line}): {text}")
                }
                SegmentChange::Moved { name, from, to } => {
                    writeln!(out, "- **Moved** `{name}` from place {from} to place {to}")
                }
                SegmentChange::ConditionChanged { name, before, after, old_line, new_line } => {
                    writeln!(
                        out,
                        "- **Condition changed** `{name}` (line {old_line} → {new_line})\n{}",
                        diff_block(before, after)
                    )
                }
            };
        }
    }
    if !diff.rules.is_empty() {
        let _ = writeln!(out, "\n#### Rules\n");
        for change in &diff.rules {
            let _ = match change {
                RuleChange::Added { id, audience, text, line } => {
                    writeln!(out, "- **Added** `{id}` ({audience}, line {line}): {text}")
                }
                RuleChange::Removed { id, audience, text, line } => {
                    writeln!(out, "- **Removed** `{id}` ({audience}, was line {line}): {text}")
                }
                RuleChange::Changed { id, audience, before, after, old_line, new_line } => {
                    writeln!(
                        out,
                        "- **Changed** `{id}` ({audience}, line {old_line} → {new_line})\n{}",
                        diff_block(before, after)
                    )
                }
                RuleChange::Rescheduled { old_id, new_id, audience, before, after, old_line, new_line } => writeln!(
                    out,
                    "- **Rescheduled** `{old_id}` → `{new_id}` ({audience}, line {old_line} → {new_line})\n{}",
                    diff_block(before, after)
                ),
            };
        }
    }
    if !diff.guards.is_empty() {
        let _ = writeln!(out, "\n#### Guards\n");
        for change in &diff.guards {
            let _ = match change {
                GuardChange::Added { audience, text, line } => {
                    writeln!(out, "- **Added** for {audience} (line {line}): {text}")
                }
                GuardChange::Removed { audience, text, line } => {
                    writeln!(out, "- **Removed** for {audience} (was line {line}): {text}")
                }
            };
        }
    }
    if !diff.templates.is_empty() {
        let _ = writeln!(out, "\n#### Templates\n");
        for change in &diff.templates {
            let _ = match change {
                TemplateChange::Added { name } => writeln!(out, "- **Added** `{name}`"),
                TemplateChange::Removed { name } => writeln!(out, "- **Removed** `{name}`"),
                TemplateChange::Changed { name, parts } => writeln!(out, "- **Changed** `{name}`: {}", and_list(parts)),
            };
        }
    }
    out
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
