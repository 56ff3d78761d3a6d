//! Emails as CollectIQ sends them: rendered from the strategy's templates with the variables of
//! LANGUAGE.md §9, kept as rendered (so that a retry sends the very same message), with a
//! Message-ID derived from the action's idempotency key. Names and subjects never reach a header
//! unchecked: line breaks are removed and addresses are parsed, so nothing can add a header.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::plan::Template;
use crate::template::{EmailContext, environment};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedEmail {
    pub from_address: String,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailError(pub String);

impl std::fmt::Display for EmailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmailError {}

/// `<32 hex digits of SHA-256(key)@collectiq.invalid>`: the same key, the same Message-ID.
pub fn message_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@collectiq.invalid>")
}

/// One line of header text: line breaks and other control characters become spaces.
pub fn header_text(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders a template's subject, text and (when it has one) HTML. The HTML escapes every value.
pub fn render(template: &Template, context: &EmailContext) -> Result<(String, String, Option<String>), EmailError> {
    let mut env = environment();
    let failed = |part: &str, error: minijinja::Error| EmailError(format!("the {part} could not be rendered: {error}"));
    env.add_template_owned("subject.txt", template.subject.clone()).map_err(|e| failed("subject", e))?;
    env.add_template_owned("body.txt", template.text.clone()).map_err(|e| failed("text", e))?;
    if let Some(html) = &template.html {
        // The .html name turns on escaping of every value shown.
        env.add_template_owned("body.html", html.clone()).map_err(|e| failed("HTML", e))?;
    }
    let render = |name: &str, part: &str| {
        env.get_template(name).and_then(|t| t.render(minijinja::value::Serde(context))).map_err(|e| failed(part, e))
    };
    let subject = header_text(&render("subject.txt", "subject")?);
    let text = render("body.txt", "text")?;
    let html = match template.html {
        Some(_) => Some(render("body.html", "HTML")?),
        None => None,
    };
    Ok((subject, text, html))
}

fn mailbox(address: &str, name: Option<&str>) -> Result<lettre::message::Mailbox, EmailError> {
    let address: lettre::Address =
        address.trim().parse().map_err(|_| EmailError(format!("\"{address}\" is not an email address")))?;
    Ok(lettre::message::Mailbox::new(name.map(header_text).filter(|n| !n.is_empty()), address))
}

/// The message lettre sends.
pub fn message(email: &RenderedEmail) -> Result<lettre::Message, EmailError> {
    use lettre::message::{MultiPart, SinglePart, header::ContentType};
    let mut builder = lettre::Message::builder()
        .from(mailbox(&email.from_address, email.from_name.as_deref())?)
        .subject(header_text(&email.subject))
        .message_id(Some(email.message_id.clone()));
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(mailbox(reply_to, None)?);
    }
    for to in &email.to {
        builder = builder.to(mailbox(to, None)?);
    }
    for cc in &email.cc {
        builder = builder.cc(mailbox(cc, None)?);
    }
    let built = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
        None => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone())),
    };
    built.map_err(|error| EmailError(format!("the email could not be built: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(subject: &str, from_name: &str) -> RenderedEmail {
        RenderedEmail {
            from_address: "ar@acme.example".into(),
            from_name: Some(from_name.into()),
            reply_to: None,
            to: vec!["ap@kauri.example".into()],
            cc: vec![],
            subject: subject.into(),
            text: "Hello".into(),
            html: None,
            message_id: message_id("key"),
        }
    }

    #[test]
    fn the_same_key_gives_the_same_message_id() {
        assert_eq!(message_id("a/b/c/1"), message_id("a/b/c/1"));
        assert_ne!(message_id("a/b/c/1"), message_id("a/b/c/2"));
        assert!(message_id("x").ends_with("@collectiq.invalid>"));
    }

    #[test]
    fn nothing_in_a_name_or_subject_can_add_a_header() {
        let hostile = email("Overdue\r\nBcc: everyone@evil.example", "Acme\r\nX-Evil: 1");
        let formatted = String::from_utf8(message(&hostile).unwrap().formatted()).unwrap();
        assert!(!formatted.contains("\r\nBcc:"), "{formatted}");
        assert!(!formatted.contains("\r\nX-Evil:"), "{formatted}");
        assert!(formatted.contains("Subject: Overdue Bcc: everyone@evil.example"), "{formatted}");
        let bad = RenderedEmail { to: vec!["not an address\r\nBcc: x@y.z".into()], ..email("Hi", "Acme") };
        assert!(message(&bad).is_err());
    }

    #[test]
    fn html_escapes_what_it_shows() {
        let template = Template {
            subject: "Invoice {{ invoice.number }}".into(),
            text: "Dear {{ customer.name }}".into(),
            html: Some("<p>Dear {{ customer.name }}</p>".into()),
        };
        let mut context = crate::template::sample_context(true);
        context.customer.name = "<b>Kauri</b> & Co".into();
        let (subject, text, html) = render(&template, &context).unwrap();
        assert_eq!(subject, "Invoice INV-0042");
        assert_eq!(text, "Dear <b>Kauri</b> & Co");
        assert_eq!(html.unwrap(), "<p>Dear &lt;b&gt;Kauri&lt;&#x2f;b&gt; &amp; Co</p>");
    }
}
