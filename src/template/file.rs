//! The template file format:
//!
//! ```text
//! Subject: Invoice {{ invoice.number }} is overdue
//! Format: markdown                        (optional: the body is Markdown)
//!
//! Dear {{ customer.name }}, …            (the body)
//! --- html ---                            (optional, plain-text bodies only: an HTML body follows)
//! <p>Dear {{ customer.name }}, …</p>
//! ```
//!
//! A Markdown body gives both parts of the email; a plain-text body is sent as written, with an
//! HTML part made from it unless the file has its own.

use crate::source::Span;

/// The line that separates the text body from the optional HTML body.
pub const HTML_SEPARATOR: &str = "--- html ---";

/// One template file, split into its parts. Each part remembers where it sits in the file, so an
/// error inside it can point at the right line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailTemplate {
    pub subject: Part,
    pub text: Part,
    pub html: Option<Part>,
    /// `Format: markdown`: the body is Markdown, from which both parts are made.
    pub markdown: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub source: String,
    /// Byte offset of the part in the file.
    pub offset: usize,
}

impl Part {
    /// The span in the file of the given 1-based line of this part.
    pub fn line_span(&self, line: usize) -> Span {
        let mut start = 0;
        for _ in 1..line {
            match self.source[start..].find('\n') {
                Some(at) => start += at + 1,
                None => break,
            }
        }
        let end = self.source[start..].find('\n').map_or(self.source.len(), |at| start + at);
        Span::new(self.offset + start, self.offset + end)
    }
}

/// What can be wrong with the shape of a template file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateFileError {
    /// The first line is not `Subject: …`.
    MissingSubject { span: Span },
    /// The subject is not followed by a blank line.
    NoBlankLine { span: Span },
    /// Nothing after the subject.
    EmptyBody { span: Span },
    /// A `Format:` line naming a format other than `markdown` or `text`.
    UnknownFormat { span: Span },
    /// A Markdown body with a `--- html ---` part: the HTML is made from the Markdown.
    HtmlWithMarkdown { span: Span },
}

impl EmailTemplate {
    pub fn parse(text: &str) -> Result<EmailTemplate, TemplateFileError> {
        let first_line_end = text.find('\n').unwrap_or(text.len());
        let first_line = text[..first_line_end].trim_end_matches('\r');
        let subject_start = first_line
            .get(..8)
            .filter(|prefix| prefix.eq_ignore_ascii_case("subject:"))
            .map(|_| 8)
            .ok_or(TemplateFileError::MissingSubject { span: Span::new(0, first_line.len()) })?;
        let subject = first_line[subject_start..].trim_start();
        let subject_offset = first_line.len() - subject.len();

        let mut rest_start = (first_line_end + 1).min(text.len());
        let mut markdown = false;
        let second_end = text[rest_start..].find('\n').map_or(text.len(), |at| rest_start + at);
        let second = text[rest_start..second_end].trim_end_matches('\r');
        if second.get(..7).is_some_and(|prefix| prefix.eq_ignore_ascii_case("format:")) {
            markdown = match second[7..].trim().to_ascii_lowercase().as_str() {
                "markdown" => true,
                "text" => false,
                _ => {
                    return Err(TemplateFileError::UnknownFormat {
                        span: Span::new(rest_start, rest_start + second.len()),
                    });
                }
            };
            rest_start = (second_end + 1).min(text.len());
        }
        let rest = &text[rest_start..];
        let blank_end = rest.find('\n').map_or(rest.len(), |at| at + 1);
        if !rest[..blank_end].trim().is_empty() {
            let line_end = rest_start + rest[..blank_end].trim_end().len();
            return Err(TemplateFileError::NoBlankLine { span: Span::new(rest_start, line_end) });
        }
        let body_start = rest_start + blank_end;
        let body = &text[body_start..];
        if body.trim().is_empty() {
            return Err(TemplateFileError::EmptyBody { span: Span::new(0, first_line.len()) });
        }
        let (text_body, html) = split_html(body, body_start);
        if let (true, Some(html)) = (markdown, &html) {
            let separator = html.offset - HTML_SEPARATOR.len() - 1;
            return Err(TemplateFileError::HtmlWithMarkdown {
                span: Span::new(separator, separator + HTML_SEPARATOR.len()),
            });
        }
        Ok(EmailTemplate {
            subject: Part { source: subject.to_string(), offset: subject_offset },
            text: Part { source: text_body.to_string(), offset: body_start },
            html,
            markdown,
        })
    }
}

fn split_html(body: &str, body_start: usize) -> (&str, Option<Part>) {
    let mut line_start = 0;
    for line in body.split_inclusive('\n') {
        if line.trim() == HTML_SEPARATOR {
            let html_start = line_start + line.len();
            let html = Part { source: body[html_start..].to_string(), offset: body_start + html_start };
            return (&body[..line_start], Some(html));
        }
        line_start += line.len();
    }
    (body, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_subject_text_and_html() {
        let file = "Subject: Hello {{ customer.name }}\n\nDear you,\n--- html ---\n<p>Dear you</p>\n";
        let template = EmailTemplate::parse(file).unwrap();
        assert_eq!(template.subject.source, "Hello {{ customer.name }}");
        assert_eq!(&file[template.subject.offset..][..5], "Hello");
        assert_eq!(template.text.source, "Dear you,\n");
        assert_eq!(template.html.as_ref().map(|h| h.source.as_str()), Some("<p>Dear you</p>\n"));
        assert_eq!(template.text.line_span(1), Span::new(36, 45));
    }

    #[test]
    fn a_format_line_makes_the_body_markdown() {
        let template = EmailTemplate::parse("Subject: Hi\nFormat: Markdown\n\nDear **you**\n").unwrap();
        assert!(template.markdown);
        assert_eq!(template.text.source, "Dear **you**\n");
        assert!(!EmailTemplate::parse("Subject: Hi\nformat: text\n\nDear you\n").unwrap().markdown);
        assert!(matches!(
            EmailTemplate::parse("Subject: Hi\nFormat: mjml\n\nDear you\n"),
            Err(TemplateFileError::UnknownFormat { span }) if span == Span::new(12, 24)
        ));
        assert!(matches!(
            EmailTemplate::parse("Subject: Hi\nFormat: markdown\n\nDear you\n--- html ---\n<p>x</p>\n"),
            Err(TemplateFileError::HtmlWithMarkdown { .. })
        ));
    }

    #[test]
    fn reports_a_missing_subject_blank_line_or_body() {
        assert!(matches!(EmailTemplate::parse("Hello\n\nBody"), Err(TemplateFileError::MissingSubject { .. })));
        assert!(matches!(EmailTemplate::parse("Subject: x\nBody"), Err(TemplateFileError::NoBlankLine { .. })));
        assert!(matches!(EmailTemplate::parse("Subject: x\n\n  \n"), Err(TemplateFileError::EmptyBody { .. })));
    }
}
