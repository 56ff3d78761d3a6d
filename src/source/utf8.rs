//! Bytes to text. Strategies are UTF-8; a file that is not is still turned into text (each bad
//! sequence shown as U+FFFD), so that the error can point at the first bad byte by line and
//! column like any other problem.

use super::Span;

/// Where a file stops being UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotUtf8 {
    /// The byte offset of the first bad byte in the file.
    pub byte: usize,
    /// Where that byte is in the decoded text: the U+FFFD that stands for it.
    pub span: Span,
}

/// The text of `bytes`, and where it stopped being UTF-8 when it did.
pub fn decode(bytes: Vec<u8>) -> (String, Option<NotUtf8>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            // The text before the first bad byte is unchanged, so its offset holds in both.
            let byte = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let span = Span::new(byte, byte + char::REPLACEMENT_CHARACTER.len_utf8());
            (text, Some(NotUtf8 { byte, span }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_found_in_the_text() {
        let (text, bad) = decode(b"ok\n\xe9t\xff".to_vec());
        let bad = bad.unwrap();
        assert_eq!(bad.byte, 3);
        assert_eq!(&text[bad.span.range()], "\u{FFFD}");
        assert_eq!(decode(b"fine".to_vec()), ("fine".to_string(), None));
    }
}
