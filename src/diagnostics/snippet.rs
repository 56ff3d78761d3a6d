//! The piece of a file that miette draws under a message. miette's own `read_span` for a string
//! walks the file from its first byte for each label it draws, which made a file with many
//! problems take time in the square of its size; here the line index finds the lines, and miette
//! reads only those. Lines longer than [`LONG_LINE`] bytes are shown in part, around the place
//! they point at, so that a megabyte written on one line does not print a megabyte per problem.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::{SourceFile, Span, floor_char_boundary};

/// A line longer than this is cut to the part around the label.
pub const LONG_LINE: usize = 400;
/// How much of a long line is shown on each side of a label.
const AROUND: usize = 80;
/// Labels are underlined for at most this many bytes: a sentence that runs on for a megabyte is
/// pointed at by its start.
pub const LONGEST_LABEL: usize = 400;
/// miette asks for the span covering two labels when they are close; past this length the
/// answer is no, and it draws them one by one.
const LONGEST_READ: usize = 4 * LONG_LINE;

/// A source file that tells miette its name, so reports show `file:line:col`.
pub struct Snippet<'a>(pub &'a SourceFile);

/// `span` cut to at most [`LONGEST_LABEL`] bytes, ending on a character boundary.
pub fn clip_label(file: &SourceFile, span: Span) -> Span {
    if span.len() <= LONGEST_LABEL {
        return span;
    }
    let text = file.text();
    let end = floor_char_boundary(text, (span.start + LONGEST_LABEL).min(text.len()));
    Span::new(span.start, end.max(span.start))
}

impl SourceCode for Snippet<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (file, text) = (self.0, self.0.text());
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() || span.len() > LONGEST_READ {
            return Err(MietteError::OutOfBounds);
        }
        let window = window(file, Span::new(start, end), context_lines_before, context_lines_after);
        let local = SourceSpan::new((start - window.start).into(), span.len());
        let inner = text[window.range()].read_span(&local, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = inner.data();
        let data_start = window.start + inner.span().offset();
        // Lines and columns come from the index, counted in characters as in the JSON output.
        let at = file.lines().line_column(text, data_start);
        // miette's line count runs from the top of the file (it decides which labels share a
        // snippet by it), so the lines above the window are added back.
        let line_count = file.lines().line_of(window.start) + inner.line_count();
        Ok(Box::new(MietteSpanContents::new_named(
            file.name().to_string(),
            data,
            SourceSpan::new(data_start.into(), data.len()),
            at.line - 1,
            at.column - 1,
            line_count,
        )))
    }
}

/// The bytes miette needs to read for `span` with its context lines: whole lines, except that a
/// long line holding the span is cut around it and long context lines are left out.
fn window(file: &SourceFile, span: Span, before: usize, after: usize) -> Span {
    let (text, lines) = (file.text(), file.lines());
    let length = |line: usize| lines.line_end(line, text.len()) - lines.line_start(line);
    let first = lines.line_of(span.start);
    let last = lines.line_of(span.end.saturating_sub(1).max(span.start));
    // miette trims the context to what it wants; one line more each side covers its edge cases
    // (a span ending in a newline takes its context from the line after the next).
    let (before, after) = (before + 1, after + 1);
    // A long line is cut around the span, and then no lines beyond the cut are shown.
    let start = if length(first) > LONG_LINE {
        floor_char_boundary(text, span.start.saturating_sub(AROUND).max(lines.line_start(first)))
    } else {
        let mut from = first;
        while from > first.saturating_sub(before) && length(from - 1) <= LONG_LINE {
            from -= 1;
        }
        lines.line_start(from)
    };
    let end = if length(last) > LONG_LINE {
        ceil_char_boundary(text, (span.end + AROUND).min(lines.line_end(last, text.len())).max(span.end))
    } else {
        let mut to = last;
        while to < (last + after).min(lines.line_count() - 1) && length(to + 1) <= LONG_LINE {
            to += 1;
        }
        // The last line's newline is part of it, as miette reads lines.
        (lines.line_end(to, text.len()) + 1).min(text.len())
    };
    Span::new(start, end)
}

fn ceil_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(file: &SourceFile, span: Span, context: usize) -> (String, usize, usize) {
        let snippet = Snippet(file);
        let contents = snippet.read_span(&SourceSpan::new(span.start.into(), span.len()), context, context).unwrap();
        (String::from_utf8_lossy(contents.data()).into_owned(), contents.line(), contents.column())
    }

    #[test]
    fn reads_what_miette_reads_on_ordinary_text() {
        let text = "one\ntwo words\nthree\n\nfive\n";
        let file = SourceFile::new("x", text);
        let snippet = Snippet(&file);
        for start in 0..text.len() {
            for end in start..=text.len() {
                for context in [0, 1, 2] {
                    let span = SourceSpan::new(start.into(), end - start);
                    let ours = snippet.read_span(&span, context, context).unwrap();
                    let theirs = text.read_span(&span, context, context).unwrap();
                    assert_eq!(ours.data(), theirs.data(), "{start}..{end} with {context}");
                    assert_eq!(ours.span(), theirs.span(), "{start}..{end} with {context}");
                    assert_eq!((ours.line(), ours.column()), (theirs.line(), theirs.column()));
                    assert_eq!(ours.line_count(), theirs.line_count(), "{start}..{end} with {context}");
                }
            }
        }
    }

    #[test]
    fn a_long_line_is_shown_around_the_label() {
        let line = "é".repeat(10_000);
        let file = SourceFile::new("x", format!("short\n{line}\nshort\n"));
        let at = 6 + 2 * 5_000;
        let (data, line_number, column) = read(&file, Span::new(at, at + 2), 1);
        assert!(data.len() <= 2 * AROUND + 4, "{} bytes", data.len());
        assert_eq!((line_number, column), (1, 5_000 - AROUND / 2));
    }

    #[test]
    fn long_context_lines_are_left_out() {
        let long = "x".repeat(10_000);
        let file = SourceFile::new("x", format!("{long}\nshort\n{long}\n"));
        let at = 10_001;
        assert_eq!(read(&file, Span::new(at, at + 5), 1).0, "short\n");
    }

    #[test]
    fn labels_are_clipped_to_a_readable_length() {
        let file = SourceFile::new("x", "“".repeat(1_000));
        let clipped = clip_label(&file, Span::new(0, 3_000));
        assert!(clipped.len() <= LONGEST_LABEL && file.text().is_char_boundary(clipped.end));
    }
}
