//! The demo's customers answer: one replies to the email they were sent, and one address
//! bounces. Both messages go through the inbox as a real mailbox's would (`inbox import`), so
//! the demo shows what CollectIQ concludes from each and what it changes.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::DemoError;
use crate::inbox::message::read;
use crate::inbox::{Imported, Importer, Policies};
use crate::store::Store;

/// What the demo heard back.
#[derive(Debug, Default)]
pub struct Heard {
    /// The reply's inbox id, its customer's address and what was concluded.
    pub reply: Option<(i64, String, String)>,
    /// The bounce's inbox id, the dead address and what was concluded.
    pub bounce: Option<(i64, String, String)>,
}

/// An email the demo wrote: the facts an answer to it needs.
struct Written {
    message_id: String,
    to: String,
    subject: String,
    from: String,
}

fn written(path: &Path) -> Option<Written> {
    let bytes = std::fs::read(path).ok()?;
    let inbound = read(&bytes).ok()?;
    Some(Written {
        message_id: inbound.message_id?,
        to: inbound.to.into_iter().next()?,
        subject: inbound.subject.unwrap_or_default(),
        from: inbound.from?,
    })
}

/// A customer's answer, as a mail client writes one: threaded to the email it answers.
fn reply_to(email: &Written) -> String {
    format!(
        "From: {to}\r\nTo: {from}\r\nSubject: Re: {subject}\r\nMessage-ID: <demo-reply.{id}>\r\nIn-Reply-To: <{id}>\r\n\
         References: <{id}>\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Hi, we paid this on Friday; the remittance is attached. Can you check your bank?\r\n",
        to = email.to,
        from = email.from,
        subject = email.subject,
        id = email.message_id,
        date = Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
    )
}

/// What a mail server sends back for an address that does not exist (RFC 3464).
fn bounce_of(email: &Written) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\nTo: {from}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <demo-bounce.{id}>\r\nDate: {date}\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered to {to}.\r\n\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n\
         Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{to}>: Recipient address rejected: User unknown\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\n\r\n--b--\r\n",
        to = email.to,
        from = email.from,
        subject = email.subject,
        id = email.message_id,
        date = Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
    )
}

/// Writes a reply to the first email and a bounce of another customer's, into `folder/inbox`,
/// and imports both.
pub async fn hear_back(
    folder: &Path,
    store: &Store,
    emails: &[PathBuf],
    policies: Policies,
) -> Result<Heard, DemoError> {
    let mut heard = Heard::default();
    let written: Vec<Written> = emails.iter().filter_map(|path| written(path)).collect();
    let Some(first) = written.first() else { return Ok(heard) };
    let other = written.iter().find(|w| w.to != first.to);
    let inbox = folder.join("inbox");
    std::fs::create_dir_all(&inbox)
        .map_err(|cause| DemoError::Io { doing: format!("create {}", inbox.display()), cause })?;
    let importer = Importer::new(store.clone(), policies);
    let mut answers = vec![("reply.eml", reply_to(first), first.to.clone())];
    if let Some(other) = other {
        answers.push(("bounce.eml", bounce_of(other), other.to.clone()));
    }
    for (name, text, address) in answers {
        let path = inbox.join(name);
        std::fs::write(&path, &text)
            .map_err(|cause| DemoError::Io { doing: format!("write {}", path.display()), cause })?;
        if let Imported::New { id, reason, .. } =
            importer.import(text.as_bytes(), &path.display().to_string(), None, Timestamp::now()).await?
        {
            let found = Some((id, address, reason));
            if name == "reply.eml" {
                heard.reply = found;
            } else {
                heard.bounce = found;
            }
        }
    }
    Ok(heard)
}
