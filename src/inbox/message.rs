//! What CollectIQ reads from one inbound message, whatever it turns out to be: who it is from,
//! what it threads to, the headers that mark machine mail, and the start of its text. Parsing is
//! mail-parser's; this keeps only what the inbox decides by, as owned values.

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// Messages larger than this are refused unread (the limit most mail servers apply too).
pub const LARGEST: usize = 25 * 1024 * 1024;

/// More MIME boundaries than any real message has: a message with more is refused before it is
/// parsed, so that a million-part bomb costs a scan and no more.
const MOST_BOUNDARIES: usize = 10_000;

/// How much of the text is kept for `inbox show`.
const EXCERPT: usize = 4_000;

/// One message, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inbound {
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` then `References`, newest first, without angle brackets.
    pub threads_to: Vec<String>,
    /// Lower-case.
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// Whom it was sent to (lower-case): for a bounce, our own sender, never the failed address.
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub sent_at: Option<jiff::Timestamp>,
    pub auto_submitted: Option<String>,
    pub x_autoreply: bool,
    pub x_autorespond: bool,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    pub x_failed_recipients: Vec<String>,
    /// `multipart/report; report-type=delivery-status`.
    pub is_delivery_report: bool,
    /// `multipart/report; report-type=disposition-notification`: a read receipt.
    pub is_read_receipt: bool,
    /// Each `message/delivery-status` part's bytes.
    pub delivery_status: Vec<Vec<u8>>,
    /// Message-IDs of the original message a report returns (its `text/rfc822-headers` or
    /// `message/rfc822` part).
    pub original_ids: Vec<String>,
    /// Addresses the original was sent to, from the returned headers (lower-case).
    pub original_to: Vec<String>,
    /// The readable text (HTML turned to text), cut to a few thousand characters, control
    /// characters removed.
    pub text: String,
}

/// Why a message could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("it is {size} bytes, over the {} MB CollectIQ reads", LARGEST / 1024 / 1024)]
    TooLarge { size: usize },
    #[error("it has more than {MOST_BOUNDARIES} MIME parts")]
    TooManyParts,
    #[error("it is empty")]
    Empty,
    #[error("it is not an email message (no headers could be read)")]
    NotAMessage,
}

/// Reads a message's bytes.
pub fn read(bytes: &[u8]) -> Result<Inbound, Unreadable> {
    if bytes.len() > LARGEST {
        return Err(Unreadable::TooLarge { size: bytes.len() });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Unreadable::Empty);
    }
    if boundaries(bytes) > MOST_BOUNDARIES {
        return Err(Unreadable::TooManyParts);
    }
    let message = MessageParser::default().parse(bytes).ok_or(Unreadable::NotAMessage)?;
    if message.headers().is_empty() {
        return Err(Unreadable::NotAMessage);
    }
    Ok(inbound(&message))
}

/// Lines that start like a MIME boundary (`--`).
fn boundaries(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').filter(|line| line.starts_with(b"--")).count()
}

fn inbound(message: &Message<'_>) -> Inbound {
    let from = message.from().and_then(|a| a.first());
    let mut threads_to = ids(message.in_reply_to());
    for id in ids(message.references()).into_iter().rev() {
        if !threads_to.contains(&id) {
            threads_to.push(id);
        }
    }
    let mut inbound = Inbound {
        message_id: message.message_id().map(bare_id).filter(|id| !id.is_empty()),
        threads_to,
        from: from.and_then(|a| a.address()).map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty()),
        from_name: from.and_then(|a| a.name()).map(one_line).filter(|n| !n.is_empty()),
        to: message
            .to()
            .into_iter()
            .flat_map(|to| to.iter())
            .filter_map(|a| a.address())
            .map(|a| a.trim().to_lowercase())
            .collect(),
        subject: message.subject().map(one_line),
        sent_at: message.date().and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok()),
        auto_submitted: text_header(message, "Auto-Submitted"),
        x_autoreply: message.header_raw("X-Autoreply").is_some(),
        x_autorespond: message.header_raw("X-Autorespond").is_some(),
        precedence: text_header(message, "Precedence").map(|p| p.to_ascii_lowercase()),
        list_id: text_header(message, "List-Id").filter(|l| !l.is_empty()),
        x_failed_recipients: message
            .header_raw("X-Failed-Recipients")
            .map(|raw| raw.split(',').map(|a| a.trim().to_lowercase()).filter(|a| a.contains('@')).collect())
            .unwrap_or_default(),
        is_delivery_report: is_report(message, "delivery-status"),
        is_read_receipt: is_report(message, "disposition-notification"),
        ..Inbound::default()
    };
    for part in message.parts.iter().skip(1) {
        let content_type = part.content_type();
        let is = |ctype: &str, subtype: &str| {
            content_type.is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case(ctype) && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
            })
        };
        if is("message", "delivery-status") || is("message", "global-delivery-status") {
            inbound.delivery_status.push(part.contents().to_vec());
        } else if is("text", "rfc822-headers") {
            if let Some(headers) = MessageParser::default().parse_headers(part.contents()) {
                remember_original(&mut inbound, &headers);
            }
        } else if let PartType::Message(original) = &part.body {
            remember_original(&mut inbound, original);
        }
    }
    inbound.text = excerpt(message);
    inbound
}

fn is_report(message: &Message<'_>, kind: &str) -> bool {
    message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case(kind))
    })
}

fn remember_original(inbound: &mut Inbound, original: &Message<'_>) {
    if let Some(id) = original.message_id().map(bare_id).filter(|id| !id.is_empty()) {
        inbound.original_ids.push(id);
    }
    for address in original.to().into_iter().flat_map(|to| to.iter()) {
        if let Some(address) = address.address() {
            inbound.original_to.push(address.trim().to_lowercase());
        }
    }
}

/// The message's text: its first text body, else its HTML turned to text by mail-parser.
fn excerpt(message: &Message<'_>) -> String {
    let text = message.body_text(0).unwrap_or_default();
    let mut kept: String = text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        kept.push('…');
    }
    kept
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![bare_id(id)],
        HeaderValue::TextList(ids) => ids.iter().map(|id| bare_id(id)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

/// A header as text, decoded, on one line.
fn text_header(message: &Message<'_>, name: &str) -> Option<String> {
    let raw = message.header_raw(name)?;
    Some(one_line(raw.trim()))
}

/// Without angle brackets or spaces.
pub fn bare_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

/// A header value with any line break or other control character turned into a space: what a
/// header-injection attempt decodes to stays one harmless line.
pub fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_line_break_in_the_subject_stays_on_one_line() {
        let raw = b"From: a@b.example\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_victim@x.example?=\r\n\r\nbody\r\n";
        let inbound = read(raw).unwrap();
        assert_eq!(inbound.subject.as_deref(), Some("Hi Bcc: victim@x.example"));
    }

    #[test]
    fn threading_lists_in_reply_to_first_then_references_newest_first() {
        let raw = b"From: a@b.example\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\nReferences: <m1@x> <m2@x>\r\n\r\nhi\r\n";
        let inbound = read(raw).unwrap();
        assert_eq!(inbound.message_id.as_deref(), Some("m3@x"));
        assert_eq!(inbound.threads_to, vec!["m2@x".to_string(), "m1@x".to_string()]);
    }

    #[test]
    fn too_large_empty_and_part_bombs_are_refused_unparsed() {
        assert_eq!(read(b"  \r\n"), Err(Unreadable::Empty));
        let mut bomb = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
        for _ in 0..=MOST_BOUNDARIES {
            bomb.extend_from_slice(b"--x\r\n\r\n");
        }
        assert_eq!(read(&bomb), Err(Unreadable::TooManyParts));
        assert!(matches!(read(&vec![b'a'; LARGEST + 1]), Err(Unreadable::TooLarge { .. })));
    }

    #[test]
    fn the_from_address_is_lower_case_and_the_name_kept() {
        let inbound = read(b"From: \"Amy Lee\" <Amy.Lee@Ridgeway.example>\r\nSubject: x\r\n\r\nhello\r\n").unwrap();
        assert_eq!(inbound.from.as_deref(), Some("amy.lee@ridgeway.example"));
        assert_eq!(inbound.from_name.as_deref(), Some("Amy Lee"));
        assert_eq!(inbound.text.trim(), "hello");
    }
}
