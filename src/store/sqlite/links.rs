//! Online-invoice links, as Xero gave them. An invoice's `OnlineInvoiceUrl` does not change, so
//! each is fetched once and kept: a reminder, a second reminder and a statement about the same
//! invoice cost Xero one call between them, not one each.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::codec::format_time;
use super::{Database, Doing, Result};

impl Database {
    pub fn online_link(&self, tenant: Uuid, invoice: Uuid) -> Result<Option<String>> {
        self.conn()
            .prepare_cached("SELECT url FROM online_links WHERE tenant_id = ?1 AND invoice_id = ?2")
            .and_then(|mut s| s.query_row(params![tenant.to_string(), invoice.to_string()], |r| r.get(0)).optional())
            .doing("read an online invoice link")
    }

    pub fn online_links(&self, tenant: Uuid, invoices: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut links = HashMap::new();
        for invoice in invoices {
            if let Some(url) = self.online_link(tenant, *invoice)? {
                links.insert(*invoice, url);
            }
        }
        Ok(links)
    }

    pub fn keep_online_link(&mut self, tenant: Uuid, invoice: Uuid, url: &str, now: Timestamp) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO online_links (tenant_id, invoice_id, url, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET url = excluded.url, fetched_at = excluded.fetched_at",
                params![tenant.to_string(), invoice.to_string(), url, format_time(now)],
            )
            .doing("keep an online invoice link")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_kept_per_organisation_and_invoice() {
        let mut store = Database::open_in_memory().unwrap();
        let (tenant, invoice) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(store.online_link(tenant, invoice).unwrap(), None);
        store.keep_online_link(tenant, invoice, "https://in.xero.com/abc", Timestamp::now()).unwrap();
        assert_eq!(store.online_link(tenant, invoice).unwrap().as_deref(), Some("https://in.xero.com/abc"));
        assert_eq!(store.online_link(Uuid::from_u128(9), invoice).unwrap(), None, "another organisation's");
    }
}
