//! The links to customers' pages that emails carry. Each email gets links of its own (one to the
//! customer's page, one per invoice it lists): a random id signed with the page key, whose grant
//! (organisation, customer, focused invoice, expiry) is stored with the email's decision, so that
//! one email's links can be revoked alone. Nothing about an invoice is in a link.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use crate::config::PageConfig;
use crate::secret::page_key::{PageKey, PageKeyError, id_text};
use crate::store::page_links::NewPageLink;

/// The path the pages are served under, before the token.
pub const PAGE_PATH: &str = "p/";

/// Makes signed links under the configured base URL.
#[derive(Clone, Debug)]
pub struct PageLinker {
    key: Arc<PageKey>,
    /// Ends with `/`, so that the page path joins under it (a base URL with a path of its own,
    /// such as `https://acme.example/collect`, keeps it).
    base: url::Url,
    lasts: SignedDuration,
}

impl PageLinker {
    pub fn new(key: Arc<PageKey>, mut base: url::Url, link_days: u32) -> PageLinker {
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        PageLinker { key, base, lasts: SignedDuration::from_hours(24 * i64::from(link_days)) }
    }

    /// The linker the configuration asks for: none when no base URL is set (emails then carry
    /// no page links), else with the key found (or created) where the configuration says.
    pub fn from_config(page: &PageConfig) -> Result<Option<PageLinker>, PageKeyError> {
        let Some(base) = page.base_url.clone() else { return Ok(None) };
        let key = PageKey::load_or_create(&page_key_path(page))?;
        Ok(Some(PageLinker::new(Arc::new(key), base, page.link_days)))
    }

    /// A new link to a customer's page, perhaps opened on one invoice: its grant, to store, and
    /// its address, to show.
    pub fn make(
        &self,
        tenant_id: Uuid,
        contact_id: Uuid,
        invoice_id: Option<Uuid>,
        now: Timestamp,
    ) -> (NewPageLink, String) {
        let id = PageKey::new_id();
        let token = self.key.sign(&id);
        let grant = NewPageLink {
            id: id_text(&id),
            tenant_id,
            contact_id,
            invoice_id,
            action_id: None,
            created_at: now,
            expires_at: now.checked_add(self.lasts).unwrap_or(now),
        };
        (grant, self.address(&token))
    }

    /// The address of the page a token opens.
    pub fn address(&self, token: &str) -> String {
        format!("{}{PAGE_PATH}{token}", self.base)
    }

    pub fn key(&self) -> &Arc<PageKey> {
        &self.key
    }
}

/// Where the page key is: as configured, else `page.key` in the working folder (the
/// configuration puts it beside the token key whenever there is one).
pub fn page_key_path(page: &PageConfig) -> std::path::PathBuf {
    page.key_file.clone().unwrap_or_else(|| std::path::PathBuf::from(crate::secret::page_key::FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_differ_every_time_and_carry_nothing_of_the_invoice() {
        let base = url::Url::parse("https://acme.example/collect").unwrap();
        let linker = PageLinker::new(Arc::new(PageKey::ephemeral()), base, 60);
        let (tenant, contact, invoice) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(0xABCDEF));
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let (first, first_url) = linker.make(tenant, contact, Some(invoice), now);
        let (second, second_url) = linker.make(tenant, contact, Some(invoice), now);
        assert_ne!(first_url, second_url);
        assert_ne!(first.id, second.id);
        assert!(first_url.starts_with("https://acme.example/collect/p/"), "{first_url}");
        assert!(!first_url.contains("abcdef") && !first_url.contains(&invoice.to_string()));
        assert_eq!(first.expires_at, now.checked_add(SignedDuration::from_hours(24 * 60)).unwrap());
        let token = first_url.rsplit('/').next().unwrap();
        let id = linker.key().verify(token).unwrap();
        assert_eq!(id_text(&id), first.id);
    }
}
