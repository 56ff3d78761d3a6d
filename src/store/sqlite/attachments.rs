//! The files emails carry (migration 12): written inside the transaction that records the email,
//! read back by delivery.

use rusqlite::params;

use super::{Database, Doing, Result};
use crate::store::attachments::EmailAttachment;

/// Stores an email's files, inside whatever transaction is recording the email.
pub(super) fn insert_attachments(conn: &rusqlite::Connection, action: i64, files: &[EmailAttachment]) -> Result<()> {
    for (position, file) in files.iter().enumerate() {
        conn.prepare_cached(
            "INSERT INTO email_attachments (action_id, position, filename, content_type, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| s.execute(params![action, position as i64, file.filename, file.content_type, file.bytes]))
        .doing("store an email's attachment")?;
    }
    Ok(())
}

impl Database {
    pub fn attachments_of(&self, action: i64) -> Result<Vec<EmailAttachment>> {
        let mut statement = self
            .conn()
            .prepare_cached(
                "SELECT filename, content_type, bytes FROM email_attachments WHERE action_id = ?1 ORDER BY position",
            )
            .doing("read an email's attachments")?;
        let rows = statement
            .query_map([action], |row| {
                Ok(EmailAttachment { filename: row.get(0)?, content_type: row.get(1)?, bytes: row.get(2)? })
            })
            .doing("read an email's attachments")?;
        rows.collect::<rusqlite::Result<Vec<_>>>().doing("read an email's attachments")
    }
}
