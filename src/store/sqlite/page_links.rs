//! Links to customers' pages (migration 10).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

use super::codec::{format_time, id, instant, optional_id, optional_instant};
use super::{Database, Doing, Result};
use crate::store::page_links::{NewPageLink, PageLink, Revoke};

fn link_from(row: &Row<'_>) -> rusqlite::Result<PageLink> {
    Ok(PageLink {
        grant: NewPageLink {
            id: row.get("id")?,
            tenant_id: id(row, "tenant_id")?,
            contact_id: id(row, "contact_id")?,
            invoice_id: optional_id(row, "invoice_id")?,
            action_id: row.get("action_id")?,
            created_at: instant(row, "created_at")?,
            expires_at: instant(row, "expires_at")?,
        },
        revoked_at: optional_instant(row, "revoked_at")?,
    })
}

/// Stores one link, inside whatever transaction is writing what it was made for.
pub(super) fn insert_page_link(conn: &rusqlite::Connection, link: &NewPageLink) -> Result<()> {
    conn.execute(
        "INSERT INTO page_links (id, tenant_id, contact_id, invoice_id, action_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            link.id,
            link.tenant_id.to_string(),
            link.contact_id.to_string(),
            link.invoice_id.map(|i| i.to_string()),
            link.action_id,
            format_time(link.created_at),
            format_time(link.expires_at),
        ],
    )
    .doing("store a page link")?;
    Ok(())
}

impl Database {
    pub fn create_page_link(&mut self, link: &NewPageLink) -> Result<()> {
        insert_page_link(self.conn(), link)
    }

    pub fn page_link(&self, link: &str) -> Result<Option<PageLink>> {
        self.conn()
            .query_row("SELECT * FROM page_links WHERE id = ?1", [link], link_from)
            .optional()
            .doing("read a page link")
    }

    pub fn revoke_page_links(&mut self, which: Revoke, now: Timestamp) -> Result<u64> {
        let now = format_time(now);
        let changed = match which {
            Revoke::Email(action) => self.conn().execute(
                "UPDATE page_links SET revoked_at = ?2 WHERE action_id = ?1 AND revoked_at IS NULL",
                params![action, now],
            ),
            Revoke::Customer { tenant_id, contact_id } => self.conn().execute(
                "UPDATE page_links SET revoked_at = ?3 WHERE tenant_id = ?1 AND contact_id = ?2 AND revoked_at IS NULL",
                params![tenant_id.to_string(), contact_id.to_string(), now],
            ),
        }
        .doing("revoke page links")?;
        Ok(changed as u64)
    }
}
