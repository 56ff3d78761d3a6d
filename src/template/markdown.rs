//! A Markdown body, rendered twice from one source: as HTML with every element styled inline
//! (mail clients drop `<style>` sheets, so the styles ride on the elements), and as plain text
//! that reads like a letter. Both come from the same pulldown-cmark events, so the two parts of
//! an email cannot say different things.

use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The colours and type the HTML part is styled with.
#[derive(Clone, Debug)]
pub struct Style {
    /// The organisation's colour, for links and headings (a `#rrggbb` checked by the config).
    pub accent: String,
}

impl Default for Style {
    /// A deep blue that carries white text (WCAG AA) when the organisation sets no colour.
    fn default() -> Style {
        Style { accent: "#1d4ed8".into() }
    }
}

/// The font stack of every email: system fonts first, nothing to download.
pub const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";
/// The body text colour (near-black, softer than #000 on white).
pub const INK: &str = "#1f2933";

fn options() -> Options {
    // Strikethrough and tables are left out: neither reads well in the text part.
    Options::empty()
}

/// The body as HTML, each element with its own inline style.
pub fn to_html(markdown: &str, style: &Style) -> String {
    let accent = &style.accent;
    let styled = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Paragraph) => html(format!("<p style=\"margin:0 0 16px;font:15px/1.6 {FONT};color:{INK}\">")),
        Event::Start(Tag::Heading { level, .. }) => {
            let size = match level {
                HeadingLevel::H1 => 22,
                HeadingLevel::H2 => 18,
                _ => 16,
            };
            html(format!("<{level} style=\"margin:24px 0 12px;font:600 {size}px/1.3 {FONT};color:{INK}\">"))
        }
        Event::Start(Tag::Link { dest_url, .. }) => {
            html(format!("<a href=\"{}\" style=\"color:{accent};text-decoration:underline\">", attribute(&dest_url)))
        }
        Event::Start(Tag::List(Some(first))) => {
            html(format!("<ol start=\"{first}\" style=\"margin:0 0 16px;padding-left:24px;font:15px/1.6 {FONT};color:{INK}\">"))
        }
        Event::Start(Tag::List(None)) => {
            html(format!("<ul style=\"margin:0 0 16px;padding-left:24px;font:15px/1.6 {FONT};color:{INK}\">"))
        }
        Event::Start(Tag::BlockQuote(_)) => html(format!(
            "<blockquote style=\"margin:0 0 16px;padding:4px 16px;border-left:3px solid {accent};color:#52606d\">"
        )),
        Event::Start(Tag::CodeBlock(_)) => html(
            "<pre style=\"margin:0 0 16px;padding:12px;background:#f5f7fa;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap\"><code>"
                .to_string(),
        ),
        Event::Rule => html("<hr style=\"border:0;border-top:1px solid #e4e7eb;margin:24px 0\">".to_string()),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut out, styled);
    out
}

fn html(tag: String) -> Event<'static> {
    Event::InlineHtml(CowStr::Boxed(tag.into_boxed_str()))
}

/// A value safe inside a double-quoted HTML attribute.
pub fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The body as plain text: paragraphs kept, emphasis dropped, a link as `text <address>`,
/// lists with dashes or numbers, code blocks (the text form of tables) kept to the space.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    // The address of each link open at this point, and whether its text is the address itself.
    let mut links: Vec<String> = Vec::new();
    let mut link_text_start: Vec<usize> = Vec::new();
    // For each open list, the number of its next item (None: a bulleted list).
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::InlineHtml(text) | Event::Html(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push(dest_url.to_string());
                link_text_start.push(out.len());
            }
            Event::End(TagEnd::Link) => {
                let (Some(url), Some(start)) = (links.pop(), link_text_start.pop()) else { continue };
                if out[start..].trim() != url {
                    let _ = write!(out, " <{url}>");
                }
            }
            Event::Start(Tag::List(first)) => {
                end_block(&mut out);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                end_block(&mut out);
            }
            Event::Start(Tag::Item) => {
                let depth = lists.len().saturating_sub(1);
                out.push_str(&"  ".repeat(depth));
                match lists.last_mut() {
                    Some(Some(number)) => {
                        let _ = write!(out, "{number}. ");
                        *number += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) => {
                while out.ends_with('\n') {
                    out.pop();
                }
                out.push('\n');
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_))
                if lists.is_empty() =>
            {
                end_block(&mut out)
            }
            Event::End(TagEnd::HtmlBlock) => end_block(&mut out),
            Event::Rule => {
                out.push_str("----");
                end_block(&mut out);
            }
            _ => {}
        }
    }
    tidy(&out)
}

/// Ends the block being written with one blank line, however it ended.
fn end_block(out: &mut String) {
    while out.ends_with('\n') {
        out.pop();
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

/// No trailing spaces, no more than one blank line in a row, one newline at the end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A value placed into Markdown by a template, made to read as itself: every ASCII punctuation
/// mark escaped (so `*Bob*` stays `*Bob*`), line breaks flattened (so a value cannot start a
/// block of its own), and for the HTML part `<`, `>`, `&` and `"` as entities (so a customer's
/// name cannot become markup).
pub fn escape_value(text: &str, for_html: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' if for_html => out.push_str("&lt;"),
            '>' if for_html => out.push_str("&gt;"),
            '&' if for_html => out.push_str("&amp;"),
            '"' if for_html => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        Style { accent: "#0b5cad".into() }
    }

    #[test]
    fn html_styles_every_element_inline() {
        let html = to_html("# Hello\n\nPlease [pay now](https://in.xero.com/a?b=1&c=2).\n\n- one\n- two\n", &style());
        assert!(html.contains("<h1 style=\"margin:24px 0 12px;"), "{html}");
        assert!(html.contains("<p style=\"margin:0 0 16px;"), "{html}");
        assert!(html.contains("<a href=\"https://in.xero.com/a?b=1&amp;c=2\" style=\"color:#0b5cad;"), "{html}");
        assert!(html.contains("<ul style="), "{html}");
        assert!(!html.contains("<p>"), "no bare element: {html}");
    }

    #[test]
    fn text_reads_like_a_letter() {
        let text = to_text(
            "Hello **Ana**,\n\nPlease [pay now](https://in.xero.com/a).\nSee <https://pay.example/p/x>.\n\n1. first\n2. second\n\n```\nINV-1   NZD 10.00\nINV-22  NZD  5.00\n```\n\nThanks\n",
        );
        assert_eq!(
            text,
            "Hello Ana,\n\nPlease pay now <https://in.xero.com/a>.\nSee https://pay.example/p/x.\n\n1. first\n2. second\n\nINV-1   NZD 10.00\nINV-22  NZD  5.00\n\nThanks\n"
        );
    }

    #[test]
    fn values_read_as_themselves_in_both_parts() {
        let name = "*Kauri* <b>Trading</b> & [Co](x)\n# not a heading";
        let html = to_html(&format!("Dear {},", escape_value(name, true)), &style());
        assert!(html.contains("Dear *Kauri* &lt;b&gt;Trading&lt;/b&gt; &amp; [Co](x) # not a heading,"), "{html}");
        let text = to_text(&format!("Dear {},", escape_value(name, false)));
        assert_eq!(text, "Dear *Kauri* <b>Trading</b> & [Co](x) # not a heading,\n");
    }
}
