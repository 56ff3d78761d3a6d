//! The organisation's layout every HTML part is set in: a coloured band with the organisation's
//! name, the body on white, and a footer with who sent it and how to reach a person. Tables and
//! inline styles only, because that is what mail clients (Outlook's Word engine among them)
//! render alike; 640 pixels wide at most, full width on a phone.

use super::EmailContext;
use super::markdown::{FONT, INK, Style, attribute};

/// The body's HTML set in the layout, as one complete document.
pub fn wrap(body: &str, subject: &str, context: &EmailContext, style: &Style) -> String {
    let organisation = text(&context.organisation.name);
    let sender = text(&context.sender.name);
    let sender_email = text(&context.sender.email);
    let title = text(subject);
    let accent = &style.accent;
    let mailto = attribute(&format!("mailto:{}", context.sender.email));
    let page = if context.links.page.is_empty() {
        String::new()
    } else {
        format!(" · <a href=\"{}\" style=\"color:#52606d\">Your account online</a>", attribute(&context.links.page))
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;background:#ffffff;border:1px solid #e4e7eb;border-radius:8px;border-collapse:separate">
<tr><td style="background:{accent};border-radius:8px 8px 0 0;padding:20px 28px;font:600 18px/1.3 {FONT};color:#ffffff">{organisation}</td></tr>
<tr><td style="padding:28px 28px 12px;font:15px/1.6 {FONT};color:{INK}">
{body}
</td></tr>
<tr><td style="padding:16px 28px 24px;border-top:1px solid #e4e7eb;font:12px/1.6 {FONT};color:#52606d">{sender}, {organisation} · <a href="{mailto}" style="color:#52606d">{sender_email}</a>{page}<br>This email was sent automatically about your account. Reply to it and a person will answer.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#
    )
}

/// Text shown in the layout, escaped.
fn text(value: &str) -> String {
    attribute(value)
}

/// A text-only template's body as HTML: escaped, its line breaks and spacing kept, its web
/// addresses made links.
pub fn text_to_html(body: &str, style: &Style) -> String {
    let mut out = String::with_capacity(body.len() * 2);
    out.push_str(&format!("<div style=\"white-space:pre-wrap;font:15px/1.6 {FONT};color:{INK}\">"));
    for (index, line) in body.trim_end().split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let mut rest = line;
        while let Some(start) = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min() {
            out.push_str(&text(&rest[..start]));
            let address = &rest[start..];
            let end =
                address.find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"').unwrap_or(address.len());
            // A full stop or comma after an address ends the sentence, not the address.
            let end = address[..end].trim_end_matches(['.', ',', ')', ';', ':']).len();
            let link = &address[..end];
            out.push_str(&format!(
                "<a href=\"{}\" style=\"color:{}\">{}</a>",
                attribute(link),
                style.accent,
                text(link)
            ));
            rest = &address[end..];
        }
        out.push_str(&text(rest));
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_body_keeps_its_lines_and_links_its_addresses() {
        let style = Style { accent: "#0b5cad".into() };
        let html = text_to_html("Hi <Ana> & co,\n  INV-1  NZD 5.00\nPay: https://in.xero.com/x?a=1&b=2.\n", &style);
        assert!(html.contains("Hi &lt;Ana&gt; &amp; co,\n  INV-1  NZD 5.00\n"), "{html}");
        assert!(
            html.contains("<a href=\"https://in.xero.com/x?a=1&amp;b=2\" style=\"color:#0b5cad\">https://in.xero.com/x?a=1&amp;b=2</a>."),
            "{html}"
        );
    }

    #[test]
    fn the_layout_escapes_what_it_is_given() {
        let mut context = crate::template::sample_context(true);
        context.organisation.name = "Acme <Supplies>".into();
        let html = wrap("<p>Body</p>", "Hi & bye", &context, &Style { accent: "#123456".into() });
        assert!(html.contains("Acme &lt;Supplies&gt;") && html.contains("<title>Hi &amp; bye</title>"), "{html}");
        assert!(html.contains("<p>Body</p>") && html.contains("background:#123456"), "{html}");
    }
}
