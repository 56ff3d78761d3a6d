//! Emails as CollectIQ sends them: rendered from the strategy's templates (`template::render`)
//! with the variables of LANGUAGE.md §9, kept as rendered (so that a retry sends the very same message), with a
//! Message-ID derived from the action's idempotency key. Names and subjects never reach a header
//! unchecked: line breaks are removed and addresses are parsed, so nothing can add a header.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::attachments::EmailAttachment;
use crate::template::header_text;

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

/// Why an email cannot be turned into a message.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("\"{address}\" is not an email address")]
    NotAnAddress { address: String },
    #[error("the attachment \"{filename}\" has a content type mail cannot carry")]
    BadAttachment { filename: String },
    #[error("the email could not be built: {0}")]
    Unbuildable(#[from] lettre::error::Error),
}

/// `<32 hex digits of SHA-256(key)@the sender's domain>`: the same key, the same Message-ID, at
/// the domain the mail comes from (a made-up domain marks mail as machine-made to spam filters).
/// Without a usable sender address, `collectiq.invalid`.
pub fn message_id(key: &str, sender: Option<&str>) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let domain = sender
        .and_then(|address| address.trim().rsplit_once('@'))
        .map(|(_, domain)| domain.trim_end_matches('>').to_ascii_lowercase())
        .filter(|domain| {
            !domain.is_empty() && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        .unwrap_or_else(|| "collectiq.invalid".to_string());
    format!("<{hex}@{domain}>")
}

/// `Auto-Submitted: auto-generated` (RFC 3834): auto-responders do not answer it, and mail
/// readers, ours included, can tell it from a person's.
#[derive(Clone, Debug)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

fn mailbox(address: &str, name: Option<&str>) -> Result<lettre::message::Mailbox, EmailError> {
    let address: lettre::Address =
        address.trim().parse().map_err(|_| EmailError::NotAnAddress { address: address.to_owned() })?;
    Ok(lettre::message::Mailbox::new(name.map(header_text).filter(|n| !n.is_empty()), address))
}

/// The message lettre sends: the text and HTML parts as alternatives, and the files stored with
/// the email (its PDFs) attached after them.
pub fn message(email: &RenderedEmail, files: &[EmailAttachment]) -> Result<lettre::Message, EmailError> {
    use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
    let mut builder = lettre::Message::builder()
        .from(mailbox(&email.from_address, email.from_name.as_deref())?)
        .subject(header_text(&email.subject))
        .message_id(Some(email.message_id.clone()))
        .header(AutoSubmitted);
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(mailbox(reply_to, None)?);
    }
    for to in &email.to {
        builder = builder.to(mailbox(to, None)?);
    }
    for cc in &email.cc {
        builder = builder.cc(mailbox(cc, None)?);
    }
    let text = || SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone());
    if files.is_empty() {
        let built = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
            None => builder.singlepart(text()),
        };
        return Ok(built?);
    }
    let mut mixed = match &email.html {
        Some(html) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
        None => MultiPart::mixed().singlepart(text()),
    };
    for file in files {
        let content_type = ContentType::parse(&file.content_type)
            .map_err(|_| EmailError::BadAttachment { filename: file.filename.clone() })?;
        mixed = mixed.singlepart(Attachment::new(header_text(&file.filename)).body(file.bytes.clone(), content_type));
    }
    Ok(builder.multipart(mixed)?)
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
            message_id: message_id("key", Some("ar@acme.example")),
        }
    }

    #[test]
    fn the_same_key_gives_the_same_message_id() {
        let sender = Some("Accounts@Acme.Example");
        assert_eq!(message_id("a/b/c/1", sender), message_id("a/b/c/1", sender));
        assert_ne!(message_id("a/b/c/1", sender), message_id("a/b/c/2", sender));
        assert!(message_id("x", sender).ends_with("@acme.example>"), "at the sender's domain");
        assert!(message_id("x", None).ends_with("@collectiq.invalid>"));
        assert!(message_id("x", Some("ar@acme.example>\r\nBcc: x")).ends_with("@collectiq.invalid>"), "nothing odd");
    }

    #[test]
    fn every_email_says_it_was_sent_automatically() {
        let formatted = String::from_utf8(message(&email("Overdue", "Acme"), &[]).unwrap().formatted()).unwrap();
        assert!(formatted.contains("\r\nAuto-Submitted: auto-generated\r\n"), "{formatted}");
        assert!(formatted.contains("Message-ID: <") && formatted.contains("@acme.example>"), "{formatted}");
    }

    #[test]
    fn files_go_after_both_parts() {
        let email = RenderedEmail { html: Some("<p>Hello</p>".into()), ..email("Overdue", "Acme") };
        let pdf = EmailAttachment {
            filename: "Invoice INV-0042.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 test %%EOF".to_vec(),
        };
        let formatted = String::from_utf8(message(&email, &[pdf]).unwrap().formatted()).unwrap();
        let mixed = formatted.find("multipart/mixed").unwrap();
        let alternative = formatted.find("multipart/alternative").unwrap();
        let file = formatted.find("filename=\"Invoice INV-0042.pdf\"").unwrap();
        assert!(mixed < alternative && alternative < file, "{formatted}");
        assert!(formatted.contains("Content-Type: application/pdf"), "{formatted}");
    }

    #[test]
    fn nothing_in_a_name_or_subject_can_add_a_header() {
        let hostile = email("Overdue\r\nBcc: everyone@evil.example", "Acme\r\nX-Evil: 1");
        let formatted = String::from_utf8(message(&hostile, &[]).unwrap().formatted()).unwrap();
        assert!(!formatted.contains("\r\nBcc:"), "{formatted}");
        assert!(!formatted.contains("\r\nX-Evil:"), "{formatted}");
        assert!(formatted.contains("Subject: Overdue Bcc: everyone@evil.example"), "{formatted}");
        let bad = RenderedEmail { to: vec!["not an address\r\nBcc: x@y.z".into()], ..email("Hi", "Acme") };
        assert!(message(&bad, &[]).is_err());
    }
}
