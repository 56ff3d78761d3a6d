//! Where each line of a file starts, found once per file. Turning a byte offset into a line and
//! column is then a binary search and a count over at most [`BLOCK`] bytes, never a walk from the
//! top of the file: a file of junk can hold a million problems, and walking the file for each of
//! them took time in the square of its size.

use super::LineColumn;

/// Characters are counted from checkpoints this many bytes apart, so that a column on a line a
/// megabyte long costs no more than one on a short line.
const BLOCK: usize = 256;

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// The byte offset at which each line starts; the first is 0.
    line_starts: Vec<usize>,
    /// How many characters start before byte `i * BLOCK`.
    chars_before_block: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let line_starts = std::iter::once(0).chain(after_newlines(bytes)).collect();
        let mut chars_before_block = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut chars = 0;
        for block in bytes.chunks(BLOCK) {
            chars_before_block.push(chars);
            chars += count_char_starts(block);
        }
        chars_before_block.push(chars);
        LineIndex { line_starts, chars_before_block }
    }

    /// How many lines the file has (a file ending in a newline has an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line]
    }

    /// Where 0-based `line` ends: at its newline, or at the end of a file of `length` bytes.
    pub fn line_end(&self, line: usize, length: usize) -> usize {
        self.line_starts.get(line + 1).map_or(length, |next| next - 1)
    }

    /// How many characters of `text` lie between the char boundaries `from` and `to`.
    pub fn chars_between(&self, text: &str, from: usize, to: usize) -> usize {
        self.chars_before(text, to) - self.chars_before(text, from)
    }

    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        self.chars_before_block[block] + count_char_starts(&text.as_bytes()[block * BLOCK..offset])
    }

    /// The 1-based line and column (in characters) of the char boundary `offset` of `text`.
    pub fn line_column(&self, text: &str, offset: usize) -> LineColumn {
        let line = self.line_of(offset);
        let column = self.chars_between(text, self.line_start(line), offset) + 1;
        LineColumn { line: line + 1, column }
    }
}

/// The offsets just after each newline.
fn after_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, byte)| **byte == b'\n').map(|(at, _)| at + 1)
}

/// Every byte that is not a UTF-8 continuation byte starts a character.
fn count_char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious way, to compare with.
    fn walked(text: &str, offset: usize) -> LineColumn {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        LineColumn { line, column: text[line_start..offset].chars().count() + 1 }
    }

    #[test]
    fn agrees_with_walking_the_text_on_long_mixed_lines() {
        let line = "ab“é”x🙂日本".repeat(100);
        let text = format!("{line}\n\n{line}\nz");
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            assert_eq!(index.line_column(&text, offset), walked(&text, offset), "at {offset}");
        }
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_end(0, text.len()), line.len());
        assert_eq!(index.line_end(3, text.len()), text.len());
    }
}
