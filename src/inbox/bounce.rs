//! Delivery failures: RFC 3464 reports and the common forms without one. mail-parser hands a
//! `message/delivery-status` part over as bytes, so its fields are read here (blocks of headers
//! separated by blank lines, each parsed by mail-parser); nothing else of MIME is.

use mail_parser::MessageParser;

use super::message::Inbound;
use crate::store::inbox::Permanence;

/// One address a report says failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Lower-case.
    pub address: Option<String>,
    pub permanence: Permanence,
    pub status: Option<String>,
    /// How it was told: "the report says Action: failed, Status: 5.1.1".
    pub evidence: String,
}

/// Subjects that mail servers give bounces without a report part (lower-case prefixes).
const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail returned to sender",
    "mail delivery failed",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "undeliverable:",
    "undeliverable mail",
    "returned mail:",
    "mail delivery failure",
    "failure notice",
    "delivery failure",
    "message not delivered",
    "non remis",
];

/// Senders that only ever send reports (the part before `@`, lower-case).
const MAILER_DAEMONS: &[&str] = &["mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"];

/// What a message says failed, if it is a bounce at all.
pub fn failures(inbound: &Inbound) -> Option<Vec<Failure>> {
    if !inbound.delivery_status.is_empty() {
        let found: Vec<Failure> = inbound.delivery_status.iter().flat_map(|part| report_failures(part)).collect();
        // A report of success (delivered, relayed, expanded) is no bounce at all.
        return (!found.is_empty()).then(|| with_failed_recipients(found, inbound));
    }
    let from_daemon = inbound
        .from
        .as_deref()
        .and_then(|from| from.split('@').next())
        .is_some_and(|local| MAILER_DAEMONS.contains(&local));
    let subject = inbound.subject.as_deref().unwrap_or_default().trim().to_lowercase();
    // Only a server's own subject, never a person's reply or forward that quotes one ("Re:
    // delivery failure – 550 units short" is a customer talking), and only with a machine's mark
    // or a failure code in the report itself.
    let bounce_subject = BOUNCE_SUBJECTS.iter().any(|s| subject.starts_with(s));
    let report = before_the_copy(&inbound.text);
    let machine_mark = inbound.auto_submitted.is_some() || smtp_code(report).is_some();
    let looks_like_bounce = inbound.is_delivery_report
        || !inbound.x_failed_recipients.is_empty()
        || from_daemon
        || (bounce_subject && machine_mark);
    if !looks_like_bounce {
        return None;
    }
    // No report part: the text before its copy of the message tells how final it is.
    let (permanence, status, evidence) = match smtp_code(report) {
        Some(code) if code.starts_with('5') => {
            (Permanence::Permanent, Some(code.clone()), format!("its text gives the permanent code {code}"))
        }
        Some(code) => (Permanence::Transient, Some(code.clone()), format!("its text gives the temporary code {code}")),
        // A server's notice with no failure code in it (a quarantine, a warning) counts for nothing.
        None => (Permanence::Delayed, None, "it gives no failure code".into()),
    };
    let addresses: Vec<Option<String>> = if inbound.x_failed_recipients.is_empty() {
        vec![named_in_text(&inbound.text, inbound)]
    } else {
        inbound.x_failed_recipients.iter().cloned().map(Some).collect()
    };
    Some(
        addresses
            .into_iter()
            .map(|address| Failure { address, permanence, status: status.clone(), evidence: evidence.clone() })
            .collect(),
    )
}

/// The per-recipient blocks of a `message/delivery-status` part (the first block is about the
/// reporting server).
fn report_failures(part: &[u8]) -> Vec<Failure> {
    let text = String::from_utf8_lossy(part).replace("\r\n", "\n");
    let mut failures = Vec::new();
    for block in text.split("\n\n").skip(1) {
        let block = format!("{}\n\n", block.trim());
        let Some(fields) = MessageParser::default().parse_headers(block.as_bytes()) else { continue };
        // Shown and stored: one line, and short, whatever a hostile report puts there.
        let field = |name: &str| {
            fields.header_raw(name).map(|v| super::message::one_line(v).chars().take(200).collect::<String>())
        };
        let Some(action) = field("Action").map(|a| a.to_ascii_lowercase()) else { continue };
        let status = field("Status").and_then(|s| s.split_whitespace().next().map(str::to_string));
        let address = field("Final-Recipient")
            .or_else(|| field("Original-Recipient"))
            .map(|r| typed_address(&r))
            .filter(|a| crate::ledger::is_email_address(a));
        let permanence = match action.as_str() {
            // Postfix gives up with 4.x.x at the end of its queue lifetime: still final.
            "failed" => Permanence::Permanent,
            "delayed" => Permanence::Delayed,
            "delivered" | "relayed" | "expanded" => continue,
            _ if status.as_deref().is_some_and(|s| s.starts_with('5')) => Permanence::Permanent,
            _ => Permanence::Transient,
        };
        let evidence = match &status {
            Some(status) => format!("the report says Action: {action}, Status: {status}"),
            None => format!("the report says Action: {action}"),
        };
        failures.push(Failure { address, permanence, status, evidence });
    }
    failures
}

/// Where a plain-text bounce starts quoting the message it returns (lower-case).
const COPY_MARKERS: &[&str] = &[
    "below this line is a copy",
    "this is a copy of the message",
    "original message",
    "returned message",
    "return-path:",
];

/// The part of a plain-text bounce before its copy of the returned message.
fn before_the_copy(text: &str) -> &str {
    // ASCII lower-casing keeps every byte where it was, so offsets found in it hold in `text`.
    let lower = text.to_ascii_lowercase();
    let end = COPY_MARKERS.iter().filter_map(|marker| lower.find(marker)).min().unwrap_or(text.len());
    text.get(..end).unwrap_or(text)
}

/// The first address a plain-text bounce names before its copy of the message (qmail's
/// `<someone@example.com>:`, Exim's indented address), other than the bounce's own sender and
/// the address it was sent to (our sender: "your message from ar@… could not be delivered").
fn named_in_text(text: &str, inbound: &Inbound) -> Option<String> {
    before_the_copy(text)
        .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\''))
        .map(|word| word.trim_end_matches([':', '.']).to_lowercase())
        .filter(|word| crate::ledger::is_email_address(word))
        .find(|word| Some(word.as_str()) != inbound.from.as_deref() && !inbound.to.contains(word))
}

/// Report blocks that name no recipient take `X-Failed-Recipients`, in order.
fn with_failed_recipients(mut found: Vec<Failure>, inbound: &Inbound) -> Vec<Failure> {
    let mut spare = inbound.x_failed_recipients.iter();
    for failure in found.iter_mut().filter(|f| f.address.is_none()) {
        failure.address = spare.next().cloned();
    }
    found
}

/// The Message-IDs a plain-text bounce's copy of the returned message carries.
pub fn quoted_ids(text: &str) -> Vec<String> {
    let copy = &text[before_the_copy(text).len()..];
    copy.lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("message-id").then(|| super::message::bare_id(value))
        })
        .filter(|id| !id.is_empty())
        .collect()
}

/// `rfc822; Someone@Example.com` → `someone@example.com`.
fn typed_address(field: &str) -> String {
    let address = field.split_once(';').map_or(field, |(_, address)| address);
    address.trim().trim_start_matches('<').trim_end_matches('>').trim().to_lowercase()
}

/// The first SMTP failure code in a text: an enhanced status (`5.1.1`, `4.2.2`), else a reply
/// code at the start of a word followed by a space or dash (`550 `, `452-`).
pub fn smtp_code(text: &str) -> Option<String> {
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '#' || c == ',' || c == ';').collect();
    let enhanced = words.iter().find_map(|word| {
        let word = word.trim_end_matches(['.', ':']);
        let mut parts = word.split('.');
        let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, most: usize| !s.is_empty() && s.len() <= most && s.bytes().all(|b| b.is_ascii_digit());
        (parts.next().is_none() && matches!(class, "4" | "5") && digits(subject, 3) && digits(detail, 3))
            .then(|| word.to_string())
    });
    enhanced.or_else(|| {
        words.iter().find_map(|word| {
            let code = word.split('-').next().unwrap_or(word);
            (code.len() == 3 && matches!(code.as_bytes()[0], b'4' | b'5') && code.bytes().all(|b| b.is_ascii_digit()))
                .then(|| code.to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_prose() {
        assert_eq!(smtp_code("host said: 550 5.1.1 <a@b>: Recipient address rejected").as_deref(), Some("5.1.1"));
        assert_eq!(smtp_code("452 mailbox full, try later").as_deref(), Some("452"));
        assert_eq!(smtp_code("invoice 2024.10.5 is due"), None);
        assert_eq!(smtp_code("Remote host said: 554-Your message was rejected").as_deref(), Some("554"));
        assert_eq!(smtp_code("nothing here"), None);
    }

    #[test]
    fn plain_text_bounces_name_the_address_before_their_copy_of_the_message() {
        let qmail = "I wasn't able to deliver your message to the following addresses.\n\n<ap@boomfm.example>:\n550 5.1.1\n\n--- Below this line is a copy of the message.\n\nTo: x@y.example\nMessage-ID: <abc@collectiq.invalid>\n";
        let bounce = Inbound { from: Some("mailer-daemon@x.example".into()), ..Inbound::default() };
        assert_eq!(named_in_text(qmail, &bounce).as_deref(), Some("ap@boomfm.example"));
        let ours = "Your message from ar@ours.example to ap@cust.example could not be delivered: 550 5.1.1\n";
        let bounce = Inbound { to: vec!["ar@ours.example".into()], ..Inbound::default() };
        assert_eq!(named_in_text(ours, &bounce).as_deref(), Some("ap@cust.example"), "never our own sender");
        assert_eq!(quoted_ids(qmail), vec!["abc@collectiq.invalid".to_string()]);
    }

    #[test]
    fn a_person_talking_about_a_failure_is_not_a_bounce() {
        let person = Inbound {
            from: Some("bob@customer.example".into()),
            subject: Some("Re: Mail delivery failed – 550 units short".into()),
            text: "We got 550 units, not 600. Email bob@customer.example about it.".into(),
            ..Inbound::default()
        };
        assert_eq!(failures(&person), None);
        let server = Inbound {
            from: Some("mailer-daemon@mx.example".into()),
            subject: Some("Mail delivery failed: returning message to sender".into()),
            text: "  bob@customer.example\n    550 5.1.1 no such user\n".into(),
            ..Inbound::default()
        };
        let found = failures(&server).unwrap();
        assert_eq!(found[0].address.as_deref(), Some("bob@customer.example"));
        assert_eq!(found[0].permanence, Permanence::Permanent);
    }

    #[test]
    fn a_report_gives_one_failure_per_recipient_block() {
        let part = b"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; Ann@Example.com\r\nAction: failed\r\nStatus: 4.4.1\r\n\r\nFinal-Recipient: rfc822; bob@example.com\r\nAction: delayed\r\nStatus: 4.4.1\r\n";
        let failures = report_failures(part);
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].address.as_deref(), Some("ann@example.com"));
        assert_eq!(failures[0].permanence, Permanence::Permanent);
        assert_eq!(failures[1].permanence, Permanence::Delayed);
    }
}
