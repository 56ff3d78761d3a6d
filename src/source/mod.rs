//! Source files and the byte spans that point into them.

mod line_index;
mod utf8;

use std::fmt;
use std::ops::Range;

use serde::{Serialize, Serializer};

pub use line_index::LineIndex;
pub use utf8::{NotUtf8, decode};

/// A half-open byte range `start..end` in one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// Lets chumsky hand out our spans directly.
impl chumsky::span::Span for Span {
    type Context = ();
    type Offset = usize;

    /// Between two tokens chumsky describes an empty place as (next start .. previous end);
    /// we keep it as an empty span where the next token starts.
    fn new((): (), range: Range<usize>) -> Self {
        if range.end < range.start { Span::new(range.start, range.start) } else { Span::from(range) }
    }

    fn context(&self) {}

    fn start(&self) -> usize {
        self.start
    }

    fn end(&self) -> usize {
        self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Spans serialize as `"start..end"`, which keeps AST snapshots readable.
impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}..{}", self.start, self.end))
    }
}

/// A 1-based line and column; the column counts characters, as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

/// The text of one strategy (or template) file with the name it is shown under.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    lines: LineIndex,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile { name: name.into(), text, lines }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under `span`, clamped to the file and to character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        let end = floor_char_boundary(&self.text, span.end.min(self.text.len()));
        let start = floor_char_boundary(&self.text, span.start.min(end));
        &self.text[start..end]
    }

    /// Where each line starts, for finding lines and columns without walking the text.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The line and column of `offset`, clamped to the file and to character boundaries.
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        self.lines.line_column(&self.text, offset)
    }
}

/// The nearest character boundary at or before `offset` (which must be inside `text` or at its end).
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let file = SourceFile::new("x.strategy", "ab\n“é” x\n");
        assert_eq!(file.line_column(0), LineColumn { line: 1, column: 1 });
        assert_eq!(file.line_column(3), LineColumn { line: 2, column: 1 });
        let x = file.text().find('x').unwrap();
        assert_eq!(file.line_column(x), LineColumn { line: 2, column: 5 });
        assert_eq!(file.line_column(file.text().len()), LineColumn { line: 3, column: 1 });
    }

    #[test]
    fn slices_never_split_a_character() {
        let file = SourceFile::new("x", "“é”");
        assert_eq!(file.slice(Span::new(1, 4)), "“");
        assert_eq!(file.slice(Span::new(0, 100)), "“é”");
    }
}
