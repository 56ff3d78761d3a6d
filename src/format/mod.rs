//! `collectiq fmt`: a strategy rewritten in canonical phrasing, one sentence per line, sections
//! indented, comments kept where they were. Formatting is idempotent and never changes meaning:
//! the formatted text parses to the same tree, spans aside.

pub mod text;

use crate::ast::{Section, Strategy};
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

/// The canonical text of `source`, or the errors that stop it from being formatted (a file that
/// does not parse cleanly is left alone).
pub fn format_source(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(source);
    match parsed.strategy {
        Some(strategy) if !parsed.has_errors() => Ok(format_strategy(&strategy, &parsed.comments, source)),
        _ => Err(parsed.diagnostics.into_iter().filter(Diagnostic::is_error).collect()),
    }
}

/// One printed line: a sentence or heading (with where it came from) or a comment.
struct Line {
    /// Where the words came from, to place comments and blank lines.
    origin: Span,
    indent: bool,
    text: String,
    kind: LineKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Sentence,
    Heading,
    Comment,
}

pub fn format_strategy(strategy: &Strategy, comments: &[Span], source: &str) -> String {
    let file = SourceFile::new("", source);
    let mut lines = sentences(strategy);
    lines.extend(comments.iter().map(|&span| Line {
        origin: span,
        indent: false,
        text: source[span.range()].trim_end().to_string(),
        kind: LineKind::Comment,
    }));
    lines.sort_by_key(|line| line.origin.start);
    indent_comments(&mut lines);
    render(&lines, &file)
}

fn sentences(strategy: &Strategy) -> Vec<Line> {
    let sentence = |origin, indent, text| Line { origin, indent, text, kind: LineKind::Sentence };
    let mut lines = vec![sentence(strategy.header, false, text::header(strategy))];
    if let Some(first) = strategy.organisations.first() {
        // Organisations named in the header print on the line after it.
        let origin = if first.span.start < strategy.header.end {
            Span::new(strategy.header.end, strategy.header.end)
        } else {
            first.span
        };
        lines.push(sentence(origin, false, text::organisations(&strategy.organisations)));
    }
    for section in &strategy.sections {
        lines.push(Line {
            origin: section.heading(),
            indent: false,
            text: text::heading(section),
            kind: LineKind::Heading,
        });
        match section {
            Section::Settings(settings) => {
                lines.extend(settings.settings.iter().map(|s| sentence(s.span, true, text::setting(s))));
            }
            Section::Segments(segments) => {
                lines.extend(segments.segments.iter().map(|s| sentence(s.span, true, text::segment_definition(s))));
            }
            Section::Rules(rules) => {
                lines.extend(rules.items.iter().map(|item| sentence(item.span(), true, text::rule_item(item))));
            }
        }
    }
    lines
}

/// A comment takes the indentation of what it introduces: a heading's comment sits at the
/// margin, a sentence's with the sentences.
fn indent_comments(lines: &mut [Line]) {
    let mut next_indent = false;
    let mut inside_section = false;
    let section_of: Vec<bool> = lines
        .iter()
        .map(|line| {
            if line.kind == LineKind::Heading {
                inside_section = true;
            }
            inside_section
        })
        .collect();
    for index in (0..lines.len()).rev() {
        match lines[index].kind {
            LineKind::Comment => lines[index].indent = next_indent && section_of[index],
            _ => next_indent = lines[index].indent,
        }
    }
}

fn render(lines: &[Line], file: &SourceFile) -> String {
    let mut out = String::new();
    let mut previous: Option<&Line> = None;
    for line in lines {
        let line_number = file.line_column(line.origin.start).line;
        if let Some(before) = previous {
            let before_end = file.line_column(before.origin.end.saturating_sub(1).max(before.origin.start)).line;
            if line.kind == LineKind::Comment && line_number == before_end && before.kind != LineKind::Comment {
                // A comment at the end of a sentence's line stays there; the line is still the
                // sentence's as far as blank lines and headings go.
                out.push(' ');
                out.push_str(&line.text);
                continue;
            }
            out.push('\n');
            // Sentences and comments each fill their own line, so any line between two of them is
            // blank.
            let blank_in_source = line_number > before_end + 1;
            if blank_in_source || starts_section(line, before) {
                out.push('\n');
            }
        }
        if line.indent {
            out.push_str("  ");
        }
        out.push_str(&line.text);
        previous = Some(line);
    }
    out.push('\n');
    out
}

/// Headings are set off by a blank line, unless their own comment sits right above them.
fn starts_section(line: &Line, before: &Line) -> bool {
    line.kind == LineKind::Heading && before.kind != LineKind::Comment
        || line.kind == LineKind::Comment && !line.indent && before.kind != LineKind::Comment && before.indent
}
