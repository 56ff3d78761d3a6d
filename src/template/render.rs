//! Rendering a template's parts with the variables of one email: the one place emails are
//! rendered, called by the runtime when it decides an email and by anything that previews one.

use super::{EmailContext, environment};

/// A template's subject, text and (when it has one) HTML, as rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// A part of a template that could not be rendered, and why.
#[derive(Debug, thiserror::Error)]
#[error("the {part} could not be rendered: {cause}")]
pub struct RenderError {
    pub part: &'static str,
    pub cause: minijinja::Error,
}

/// Renders a template's parts. The HTML escapes every value; the subject is one line.
pub fn render(subject: &str, text: &str, html: Option<&str>, context: &EmailContext) -> Result<Rendered, RenderError> {
    let mut env = environment();
    let failed = |part: &'static str| move |cause| RenderError { part, cause };
    env.add_template_owned("subject.txt", subject.to_owned()).map_err(failed("subject"))?;
    env.add_template_owned("body.txt", text.to_owned()).map_err(failed("text"))?;
    if let Some(html) = html {
        // The .html name turns on escaping of every value shown.
        env.add_template_owned("body.html", html.to_owned()).map_err(failed("HTML"))?;
    }
    let render = |name: &str, part: &'static str| {
        env.get_template(name).and_then(|t| t.render(minijinja::value::Serde(context))).map_err(failed(part))
    };
    Ok(Rendered {
        subject: header_text(&render("subject.txt", "subject")?),
        text: render("body.txt", "text")?,
        html: match html {
            Some(_) => Some(render("body.html", "HTML")?),
            None => None,
        },
    })
}

/// One line of header text: line breaks and other control characters become spaces.
pub fn header_text(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_it_shows() {
        let mut context = crate::template::sample_context(true);
        context.customer.name = "<b>Kauri</b> & Co".into();
        let rendered = render(
            "Invoice {{ invoice.number }}",
            "Dear {{ customer.name }}",
            Some("<p>Dear {{ customer.name }}</p>"),
            &context,
        )
        .unwrap();
        assert_eq!(rendered.subject, "Invoice INV-0042");
        assert_eq!(rendered.text, "Dear <b>Kauri</b> & Co");
        assert_eq!(rendered.html.unwrap(), "<p>Dear &lt;b&gt;Kauri&lt;&#x2f;b&gt; &amp; Co</p>");
    }

    #[test]
    fn a_subject_is_one_line_and_a_failure_names_its_part() {
        let context = crate::template::sample_context(true);
        let rendered = render("Overdue\r\nBcc: x@y.z", "Hi", None, &context).unwrap();
        assert_eq!(rendered.subject, "Overdue Bcc: x@y.z");
        let error = render("{{ nobody.name }}", "Hi", None, &context).unwrap_err();
        assert_eq!(error.part, "subject");
    }
}
