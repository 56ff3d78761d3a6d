//! Online-invoice links, as Xero gave them. An invoice's `OnlineInvoiceUrl` does not change, so
//! each is fetched once and kept: a reminder, a second reminder and a statement about the same
//! invoice cost Xero one call between them, not one each.

use std::collections::HashMap;

use super::{Result, Store};
use jiff::Timestamp;
use uuid::Uuid;

impl Store {
    /// The invoice's online link, if it was fetched before.
    pub async fn online_link(&self, tenant: Uuid, invoice: Uuid) -> Result<Option<String>> {
        self.call(move |db| db.online_link(tenant, invoice)).await
    }

    /// The online links fetched before for these invoices, by invoice.
    pub async fn online_links(&self, tenant: Uuid, invoices: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let invoices = invoices.to_vec();
        self.call(move |db| db.online_links(tenant, &invoices)).await
    }

    /// Keeps an invoice's online link.
    pub async fn keep_online_link(&self, tenant: Uuid, invoice: Uuid, url: &str, now: Timestamp) -> Result<()> {
        let url = url.to_owned();
        self.call(move |db| db.keep_online_link(tenant, invoice, &url, now)).await
    }
}
