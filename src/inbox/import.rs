//! The one path every message takes once its bytes are in hand, from IMAP, a file or stdin:
//! read, concluded, stored once (with the mailbox's cursor, when it came from one).

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::conclude::{Policies, conclude, is_our_own};
use super::message::{Unreadable, read};
use crate::runtime::outbox_rows::note_reference;
use crate::store::inbox::{InboundKind, MailboxCursor, NewInbound, Stored};
use crate::store::{Result, Store};

/// What importing one message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    /// Stored now.
    New { id: i64, kind: InboundKind, reason: String },
    /// Stored before (same Message-ID or same bytes): nothing changed.
    AlreadyHad { id: i64 },
    /// One of CollectIQ's own emails (a copy, a loop): not stored.
    OurOwn,
}

/// Stores messages for the inbox, concluding with each organisation's policy.
#[derive(Clone, Debug)]
pub struct Importer {
    store: Store,
    policies: Policies,
    /// One message at a time per process (autopilot reads several mailboxes at once): what is
    /// concluded from a message can depend on what was stored before it (three temporary
    /// failures of an address), so the look and the store must not interleave.
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Importer {
    pub fn new(store: Store, policies: Policies) -> Importer {
        Importer { store, policies, turn: Default::default() }
    }

    /// The same importer, matching mail to one organisation's customers only.
    pub fn scoped(&self, tenant: uuid::Uuid) -> Importer {
        Importer {
            store: self.store.clone(),
            policies: Policies { scope: Some(tenant), ..self.policies.clone() },
            turn: self.turn.clone(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Records a message too large to read (never downloaded), so that it is listed and its
    /// mailbox read on past it.
    pub async fn refuse_too_large(
        &self,
        source: &str,
        size: u64,
        cursor: Option<(String, MailboxCursor)>,
        now: Timestamp,
    ) -> Result<Imported> {
        let digest = sha256_hex(format!("too large: {source} {size}").as_bytes());
        let message = unreadable(Unreadable::TooLarge { size: size as usize }, digest, source, size as usize, now);
        Ok(match self.store.store_inbound(message, cursor).await? {
            Stored::New(id) => Imported::New { id, kind: InboundKind::Unreadable, reason: String::new() },
            Stored::AlreadyHad(id) => Imported::AlreadyHad { id },
        })
    }

    /// Reads, concludes and stores one message. `cursor` moves in the same transaction, so a
    /// message read but not stored is read again.
    pub async fn import(
        &self,
        bytes: &[u8],
        source: &str,
        cursor: Option<(String, MailboxCursor)>,
        now: Timestamp,
    ) -> Result<Imported> {
        self.import_with_history(bytes, source, cursor, now, None).await
    }

    /// As [`Importer::import`], with replies written before `history_before` kept as history:
    /// stored handled, with no task, pausing nothing. The first read of a mailbox reads
    /// everything in it, and a reply from last year is no reason to stop chasing today.
    pub async fn import_with_history(
        &self,
        bytes: &[u8],
        source: &str,
        cursor: Option<(String, MailboxCursor)>,
        now: Timestamp,
        history_before: Option<Timestamp>,
    ) -> Result<Imported> {
        let _turn = self.turn.lock().await;
        let digest = sha256_hex(bytes);
        let message = match read(bytes) {
            Ok(inbound) => {
                if is_our_own(&self.store, &inbound).await? {
                    if let Some((mailbox, cursor)) = cursor {
                        self.store.move_mailbox_cursor(mailbox, cursor).await?;
                    }
                    return Ok(Imported::OurOwn);
                }
                let mut conclusion = conclude(&self.store, &inbound, &self.policies, now).await?;
                let history = history_before.zip(inbound.sent_at).is_some_and(|(cutoff, written)| written < cutoff)
                    && matches!(conclusion.kind, InboundKind::Reply | InboundKind::Bounce);
                if history {
                    conclusion.open = false;
                    conclusion.suppress.clear();
                    for concerned in &mut conclusion.concerns {
                        (concerned.task, concerned.note) = (None, None);
                    }
                    conclusion.reason.push_str(&format!(
                        "; written on {}, before this mailbox was first read: kept as history, it changes nothing",
                        inbound.sent_at.map(|at| at.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
                    ));
                }
                for concerned in &mut conclusion.concerns {
                    if let Some(note) = &mut concerned.note {
                        // A short reference that recognises the note in Xero's History, should
                        // its write go unanswered (as the outbox's notes end with theirs).
                        let key = format!("{digest}/{}/{}", concerned.tenant_id, concerned.contact_id);
                        note.push_str(&format!(" ref {}", note_reference(&key)));
                    }
                }
                NewInbound {
                    message_id: inbound.message_id.clone(),
                    digest,
                    source: source.to_string(),
                    received_at: now,
                    sent_at: inbound.sent_at,
                    from: inbound.from.clone(),
                    from_name: inbound.from_name.clone(),
                    subject: inbound.subject.clone(),
                    kind: conclusion.kind,
                    bounce: conclusion.bounce,
                    reason: conclusion.reason,
                    excerpt: Some(inbound.text).filter(|t| !t.trim().is_empty()),
                    size: bytes.len() as u64,
                    concerns: conclusion.concerns,
                    suppress: conclusion.suppress,
                    open: conclusion.open,
                    history,
                }
            }
            Err(why) => unreadable(why, digest, source, bytes.len(), now),
        };
        let (kind, reason) = (message.kind, message.reason.clone());
        Ok(match self.store.store_inbound(message, cursor).await? {
            Stored::New(id) => Imported::New { id, kind, reason },
            Stored::AlreadyHad(id) => Imported::AlreadyHad { id },
        })
    }
}

/// What recognises a message without a Message-ID: the SHA-256 of its bytes, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn unreadable(why: Unreadable, digest: String, source: &str, size: usize, now: Timestamp) -> NewInbound {
    NewInbound {
        message_id: None,
        digest,
        source: source.to_string(),
        received_at: now,
        sent_at: None,
        from: None,
        from_name: None,
        subject: None,
        kind: InboundKind::Unreadable,
        bounce: None,
        reason: format!("not read: {why}; it pauses nothing"),
        excerpt: None,
        size: size as u64,
        concerns: Vec::new(),
        suppress: Vec::new(),
        open: false,
        history: false,
    }
}
