//! Links to customers' pages: what each grants (one customer of one organisation, perhaps focused
//! on one invoice), until when, and for which email, so that one can be revoked alone.

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store};

/// A link about to be made, and what a stored one grants (its id is random, made by the signer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewPageLink {
    /// Hex of the link's 16 random bytes.
    pub id: String,
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    /// The invoice the page opens on, when the link is an invoice's.
    pub invoice_id: Option<Uuid>,
    /// The outbox action (the email) the link was made for.
    pub action_id: Option<i64>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A link as stored: what it grants, and whether it was revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageLink {
    #[serde(flatten)]
    pub grant: NewPageLink,
    pub revoked_at: Option<Timestamp>,
}

impl PageLink {
    /// Whether the link opens at `now`: not revoked, not expired.
    pub fn opens_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.grant.expires_at
    }
}

/// Which links to revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoke {
    /// The links made for one email (an outbox action).
    Email(i64),
    /// Every link of one customer of one organisation.
    Customer { tenant_id: Uuid, contact_id: Uuid },
}

impl Store {
    /// Stores a new link; an id already used is refused (ids are random: it does not happen).
    pub async fn create_page_link(&self, link: NewPageLink) -> Result<()> {
        self.call(move |db| db.create_page_link(&link)).await
    }

    /// The link with this id (hex), whatever its state.
    pub async fn page_link(&self, id: String) -> Result<Option<PageLink>> {
        self.call(move |db| db.page_link(&id)).await
    }

    /// Revokes links still open; how many were.
    pub async fn revoke_page_links(&self, which: Revoke, now: Timestamp) -> Result<u64> {
        self.call(move |db| db.revoke_page_links(which, now)).await
    }
}
