//! The inbox: every message read from the mailbox replies go to (or imported from a file), stored
//! once with what was concluded from it; the customers it concerns, with the task and history
//! note each gets; addresses that bounced for good; and how far each mailbox has been read.
//!
//! A message, its customers, tasks, notes, a suppression and the mailbox's cursor are written in
//! one transaction: a crash leaves either all of it or none, and a message read but not stored is
//! read again.

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store};

/// What a message was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundKind {
    /// A person answering (pauses the customer's automatic emails, as the strategy says).
    Reply,
    /// An out-of-office or other machine answer: recorded, pauses nothing.
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// Nothing ties it to a customer: listed, pauses nothing.
    Unmatched,
    /// Not a message CollectIQ could read (kept so that it is not read again, and shown).
    Unreadable,
    /// From the customer's page: a promise to pay on a day.
    Promise,
    /// From the customer's page: an invoice disputed, with why.
    Dispute,
    /// From the customer's page (or entered by a person): the customer says they have paid.
    PaidClaim,
}

impl InboundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InboundKind::Reply => "reply",
            InboundKind::AutoReply => "auto_reply",
            InboundKind::Bounce => "bounce",
            InboundKind::Unmatched => "unmatched",
            InboundKind::Unreadable => "unreadable",
            InboundKind::Promise => "promise",
            InboundKind::Dispute => "dispute",
            InboundKind::PaidClaim => "paid_claim",
        }
    }

    pub fn parse(text: &str) -> Option<InboundKind> {
        Some(match text {
            "reply" => InboundKind::Reply,
            "auto_reply" => InboundKind::AutoReply,
            "bounce" => InboundKind::Bounce,
            "unmatched" => InboundKind::Unmatched,
            "unreadable" => InboundKind::Unreadable,
            "promise" => InboundKind::Promise,
            "dispute" => InboundKind::Dispute,
            "paid_claim" => InboundKind::PaidClaim,
            _ => return None,
        })
    }
}

/// How final a delivery failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permanence {
    /// The address is dead: it is never emailed again.
    Permanent,
    /// A failure that may pass (a full mailbox); three within 7 days count as permanent.
    Transient,
    /// Not a failure yet (`Action: delayed`): the server is still trying. Counts for nothing.
    Delayed,
}

impl Permanence {
    pub fn as_str(self) -> &'static str {
        match self {
            Permanence::Permanent => "permanent",
            Permanence::Transient => "transient",
            Permanence::Delayed => "delayed",
        }
    }

    pub fn parse(text: &str) -> Option<Permanence> {
        Some(match text {
            "permanent" => Permanence::Permanent,
            "transient" => Permanence::Transient,
            "delayed" => Permanence::Delayed,
            _ => return None,
        })
    }
}

/// What a bounce says about the address that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BounceFacts {
    /// Lower-case.
    pub address: String,
    pub permanence: Permanence,
    /// The enhanced status code (`5.1.1`), when the report gives one.
    pub status: Option<String>,
}

/// A customer a message concerns, and what it creates for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Concerned {
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub name: String,
    /// The invoices it is about, when known (from the email it answers, or a number it names).
    pub invoices: Vec<Uuid>,
    /// The task to open (a reply to read, a bounce to follow up), if any.
    pub task: Option<NewInboundTask>,
    /// The history note for the Xero contact, if any.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewInboundTask {
    /// `reply` or `call`.
    pub kind: String,
    /// Empty: unassigned.
    pub assignee: String,
    pub summary: String,
}

/// A message about to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInbound {
    /// Without angle brackets; none when the message has none.
    pub message_id: Option<String>,
    /// SHA-256 of the bytes, hex: what recognises a message without a Message-ID.
    pub digest: String,
    /// Where it came from: `imap://user@host/INBOX`, a file's path, `stdin`.
    pub source: String,
    pub received_at: Timestamp,
    /// Its `Date:` header, when readable.
    pub sent_at: Option<Timestamp>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub kind: InboundKind,
    pub bounce: Option<BounceFacts>,
    /// What was concluded, from what, in words.
    pub reason: String,
    /// The start of its text (as text: nothing from a message is ever shown as HTML).
    pub excerpt: Option<String>,
    pub size: u64,
    pub concerns: Vec<Concerned>,
    /// Addresses to stop emailing, each with why.
    pub suppress: Vec<(String, String)>,
    /// Whether it waits for a person (a reply not yet handled). A reply older than CollectIQ
    /// cares about when first read is stored handled.
    pub open: bool,
    /// Mail from before a mailbox was first read: kept, and acted on in no way (no pause, no
    /// suppression, no count toward three temporary failures).
    pub history: bool,
}

/// Where a mailbox has been read up to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailboxCursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

impl MailboxCursor {
    /// The UID to read after in a mailbox whose UIDVALIDITY is now `uid_validity`: the last one
    /// read while it is unchanged; 0 (everything) when it changed, because the server then says
    /// the old UIDs name nothing any more (the mailbox was recreated or rebuilt).
    pub fn start_after(&self, uid_validity: u32) -> u32 {
        if self.uid_validity == uid_validity { self.last_uid } else { 0 }
    }
}

/// What storing a message did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, with this id.
    New(i64),
    /// Already stored (the same Message-ID, or the same bytes), with this id; nothing changed.
    AlreadyHad(i64),
}

/// A stored message, as `inbox list` and `inbox show` give it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InboundMessage {
    pub id: i64,
    pub message_id: Option<String>,
    pub source: String,
    pub received_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub kind: InboundKind,
    pub bounce: Option<BounceFacts>,
    pub reason: String,
    /// `open` or `handled`.
    pub state: String,
    pub assignee: Option<String>,
    pub handled_at: Option<Timestamp>,
    pub excerpt: Option<String>,
    pub size: u64,
    pub concerns: Vec<Concerned>,
}

/// An address no email goes to any more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub address: String,
    pub since: Timestamp,
    pub reason: String,
    /// The bounce that stopped it.
    pub message: Option<i64>,
}

/// An email CollectIQ sent, found by its Message-ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentEmail {
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub invoices: Vec<Uuid>,
    /// The addresses it went to.
    pub to: Vec<String>,
}

/// A customer of a connected organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownCustomer {
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub name: String,
    /// The organisation's name.
    pub organisation: String,
    /// Their addresses (the contact's and its people's), lower-case.
    pub addresses: Vec<String>,
}

/// An open invoice found by its number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberedInvoice {
    pub invoice_id: Uuid,
    pub number: String,
    pub customer: KnownCustomer,
}

impl Store {
    /// Stores a message with everything concluded from it, and moves the mailbox's cursor in the
    /// same transaction. A message already stored (by Message-ID, else by its bytes) changes
    /// nothing but the cursor.
    pub async fn store_inbound(&self, message: NewInbound, cursor: Option<(String, MailboxCursor)>) -> Result<Stored> {
        self.call(move |db| db.store_inbound(&message, cursor.as_ref())).await
    }

    /// Moves a mailbox's cursor past messages that are not stored (CollectIQ's own).
    pub async fn move_mailbox_cursor(&self, mailbox: String, cursor: MailboxCursor) -> Result<()> {
        self.call(move |db| db.move_mailbox_cursor(&mailbox, cursor)).await
    }

    pub async fn mailbox_cursor(&self, mailbox: String) -> Result<Option<MailboxCursor>> {
        self.call(move |db| db.mailbox_cursor(&mailbox)).await
    }

    /// Messages, newest last; handled ones too when `all`.
    pub async fn inbound_messages(&self, all: bool) -> Result<Vec<InboundMessage>> {
        self.call(move |db| db.inbound_messages(all)).await
    }

    pub async fn inbound_message(&self, id: i64) -> Result<Option<InboundMessage>> {
        self.call(move |db| db.inbound_message(id)).await
    }

    /// Marks a message handled (its pause lifts, its tasks are done); false when there is no
    /// such message.
    pub async fn handle_inbound(&self, id: i64, now: Timestamp) -> Result<bool> {
        self.call(move |db| db.handle_inbound(id, now)).await
    }

    /// Gives a message (and its open tasks) to a person; false when there is no such message.
    pub async fn assign_inbound(&self, id: i64, to: String) -> Result<bool> {
        self.call(move |db| db.assign_inbound(id, &to)).await
    }

    /// The replies heard from one customer (as memory holds them for a run), for delivery to
    /// check an email decided before they came.
    pub async fn replies_of(&self, tenant: Uuid, contact: Uuid) -> Result<Option<crate::decide::memory::Replies>> {
        self.call(move |db| db.replies_of(tenant, contact)).await
    }

    /// Transient failures of an address recorded since an instant.
    pub async fn transient_bounces(&self, address: String, since: Timestamp) -> Result<u32> {
        self.call(move |db| db.transient_bounces(&address, since)).await
    }

    pub async fn suppressed_addresses(&self) -> Result<Vec<Suppressed>> {
        self.call(|db| db.suppressed_addresses()).await
    }

    /// Lets an address be emailed again; false when it was not suppressed.
    pub async fn unsuppress(&self, address: String) -> Result<bool> {
        self.call(move |db| db.unsuppress(&address)).await
    }

    /// The email CollectIQ sent with this Message-ID (without angle brackets), if any.
    pub async fn sent_email(&self, message_id: String) -> Result<Option<SentEmail>> {
        self.call(move |db| db.sent_email(&message_id)).await
    }

    /// Every customer, of every organisation, with this address (compared case-insensitively).
    pub async fn customers_with_address(&self, address: String) -> Result<Vec<KnownCustomer>> {
        self.call(move |db| db.customers_with_address(&address)).await
    }

    /// A customer by organisation and contact, with their addresses.
    pub async fn known_customer(&self, tenant: Uuid, contact: Uuid) -> Result<Option<KnownCustomer>> {
        self.call(move |db| db.known_customer(tenant, contact)).await
    }

    /// Open invoices, of every organisation, with one of these numbers.
    pub async fn open_invoices_numbered(&self, numbers: Vec<String>) -> Result<Vec<NumberedInvoice>> {
        self.call(move |db| db.open_invoices_numbered(&numbers)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_restarts_when_uidvalidity_changes() {
        let cursor = MailboxCursor { uid_validity: 7, last_uid: 42 };
        assert_eq!(cursor.start_after(7), 42);
        assert_eq!(cursor.start_after(8), 0);
    }
}
