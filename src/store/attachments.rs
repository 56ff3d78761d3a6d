//! The files an email carries (its invoice or statement PDFs), stored with the email when it is
//! decided, in the transaction that records it (`record_decisions`), so that delivery attaches
//! exactly what was decided and never fetches or renders anything itself.

use serde::Serialize;

use super::{Result, Store};

/// One file of an email: its name as the customer sees it, its MIME type and its bytes.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct EmailAttachment {
    pub filename: String,
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// The bytes are left out: a PDF in a log line helps nobody.
impl std::fmt::Debug for EmailAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Store {
    /// The files the email of outbox action `action` carries, in the order they were decided
    /// (none for an email that carries none, or an action that is not an email).
    pub async fn attachments_of(&self, action: i64) -> Result<Vec<EmailAttachment>> {
        self.call(move |db| db.attachments_of(action)).await
    }
}
