//! Rendering a template with the variables of one email: the one place emails are rendered,
//! called by the runtime when it decides an email, by the checker on a sample, and by anything
//! that previews one. Every email gets both parts: a Markdown template gives its text and its
//! HTML from one source; a plain-text template gives its text as written and an HTML part made
//! from it (or its own `--- html ---` part); the HTML is always set in the organisation's layout.

use minijinja::Environment;

use super::components::{self, Part};
use super::markdown::{self, Style};
use super::{EmailContext, Locale, environment, layout};

/// The parts of a template to render.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    /// A plain-text template's own HTML part, if it has one.
    pub html: Option<&'a str>,
    /// Whether `text` is Markdown (`Format: markdown`), from which both parts are made.
    pub markdown: bool,
}

/// A template's subject, text and HTML, as rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    /// The complete HTML document, in the organisation's layout.
    pub html: String,
}

/// A part of a template that could not be rendered, and why.
#[derive(Debug, thiserror::Error)]
#[error("the {part} could not be rendered: {cause}")]
pub struct RenderError {
    pub part: &'static str,
    pub cause: minijinja::Error,
}

/// Renders a template's parts. Values shown in HTML are escaped; the subject is one line.
pub fn render(source: Source<'_>, context: &EmailContext, style: &Style) -> Result<Rendered, RenderError> {
    let failed = |part: &'static str| move |cause| RenderError { part, cause };
    let data = minijinja::Value::from(minijinja::value::Serde(context));
    let locale = &context.locale;
    let subject =
        header_text(&environment(locale).render_str(source.subject, data.clone()).map_err(failed("subject"))?);
    let (text, body) = if source.markdown {
        let text = markdown_environment(Part::Text, style, locale)
            .render_str(source.text, data.clone())
            .map_err(failed("text"))?;
        let html = markdown_environment(Part::Html, style, locale)
            .render_str(source.text, data.clone())
            .map_err(failed("HTML"))?;
        (markdown::to_text(&text), markdown::to_html(&html, style))
    } else {
        let mut env = environment(locale);
        components::register(&mut env, Part::Plain, style, locale);
        let text = env.render_str(source.text, data.clone()).map_err(failed("text"))?;
        let body = match source.html {
            Some(html) => {
                let mut env = environment(locale);
                components::register(&mut env, Part::Html, style, locale);
                // The .html name turns on escaping of every value shown.
                env.add_template_owned("body.html", html.to_owned()).map_err(failed("HTML"))?;
                env.get_template("body.html").and_then(|t| t.render(data.clone())).map_err(failed("HTML"))?
            }
            None => layout::text_to_html(&text, style),
        };
        (text, body)
    };
    let html = layout::wrap(&body, &subject, context, style);
    Ok(Rendered { subject, text, html })
}

/// The environment a Markdown body renders in for one part: every value escaped for that part
/// (a customer's name is never markup, nor Markdown), components drawn for it.
fn markdown_environment(part: Part, style: &Style, locale: &Locale) -> Environment<'static> {
    let mut env = environment(locale);
    let for_html = part == Part::Html;
    env.set_formatter(move |out, _state, value| {
        let shown = value.to_string();
        let shown = if value.is_safe() { shown } else { markdown::escape_value(&shown, for_html) };
        out.write_str(&shown).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "writing failed"))
    });
    components::register(&mut env, part, style, locale);
    env
}

/// One line of header text: line breaks and other control characters become spaces.
pub fn header_text(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        Style { accent: "#0b5cad".into() }
    }

    fn plain<'a>(subject: &'a str, text: &'a str, html: Option<&'a str>) -> Source<'a> {
        Source { subject, text, html, markdown: false }
    }

    #[test]
    fn html_escapes_what_it_shows() {
        let mut context = crate::template::sample_context(true);
        context.customer.name = "<b>Kauri</b> & Co".into();
        let rendered = render(
            plain("Invoice {{ invoice.number }}", "Dear {{ customer.name }}", Some("<p>Dear {{ customer.name }}</p>")),
            &context,
            &style(),
        )
        .unwrap();
        assert_eq!(rendered.subject, "Invoice INV-0042");
        assert_eq!(rendered.text, "Dear <b>Kauri</b> & Co");
        assert!(rendered.html.contains("<p>Dear &lt;b&gt;Kauri&lt;&#x2f;b&gt; &amp; Co</p>"), "{}", rendered.html);
        assert!(rendered.html.starts_with("<!DOCTYPE html>"), "set in the layout");
    }

    #[test]
    fn a_plain_template_gets_an_html_part_too() {
        let context = crate::template::sample_context(true);
        let rendered =
            render(plain("Hi", "Dear {{ customer.name }},\nPay: {{ invoice.url }}", None), &context, &style()).unwrap();
        assert_eq!(rendered.text, "Dear Harbour Cafe Ltd,\nPay: https://in.xero.com/abc123");
        assert!(rendered.html.contains("Dear Harbour Cafe Ltd,\nPay: <a href=\"https://in.xero.com/abc123\""));
    }

    #[test]
    fn markdown_gives_both_parts_from_one_source() {
        let mut context = crate::template::sample_context(true);
        context.customer.name = "*Kauri* <Trading>".into();
        let source = Source {
            subject: "Invoice {{ invoice.number }}",
            text: "Dear {{ customer.name }},\n\n{{ invoice_table(invoices) }}\n\n[Pay now]({{ invoice.url }})\n",
            html: None,
            markdown: true,
        };
        let rendered = render(source, &context, &style()).unwrap();
        assert!(rendered.text.starts_with("Dear *Kauri* <Trading>,\n\nInvoice "), "{}", rendered.text);
        assert!(
            rendered.text.lines().any(|line| line.starts_with("Total ") && line.ends_with(" NZD 10,000.00")),
            "{}",
            rendered.text
        );
        assert!(rendered.text.ends_with("Pay now <https://in.xero.com/abc123>\n"), "{}", rendered.text);
        assert!(rendered.html.contains("Dear *Kauri* &lt;Trading&gt;,"), "{}", rendered.html);
        assert!(rendered.html.contains(">NZD 10,000.00</td>"), "{}", rendered.html);
        assert!(rendered.html.contains("<a href=\"https://in.xero.com/abc123\" style="), "{}", rendered.html);
    }

    #[test]
    fn a_subject_is_one_line_and_a_failure_names_its_part() {
        let context = crate::template::sample_context(true);
        let rendered = render(plain("Overdue\r\nBcc: x@y.z", "Hi", None), &context, &style()).unwrap();
        assert_eq!(rendered.subject, "Overdue Bcc: x@y.z");
        let error = render(plain("{{ nobody.name }}", "Hi", None), &context, &style()).unwrap_err();
        assert_eq!(error.part, "subject");
    }
}
