//! Links to customers' pages at the boundary: stored with what they grant, read back, revoked
//! by email or by customer, each only once.

use collectiq::store::page_links::{NewPageLink, Revoke};
use jiff::SignedDuration;
use uuid::Uuid;

use super::support::*;

fn link(id: &str, contact: u128, action: Option<i64>) -> NewPageLink {
    NewPageLink {
        id: id.into(),
        tenant_id: TENANT,
        contact_id: Uuid::from_u128(100 + contact),
        invoice_id: None,
        action_id: action,
        created_at: now(),
        expires_at: now().checked_add(SignedDuration::from_hours(24 * 60)).unwrap(),
    }
}

#[tokio::test]
async fn links_grant_until_they_expire_or_are_revoked() {
    for (backend, store) in backends("page-links").await {
        store.create_page_link(link("a1", 1, Some(7))).await.unwrap();
        store.create_page_link(link("a2", 1, Some(8))).await.unwrap();
        store.create_page_link(link("b1", 2, Some(9))).await.unwrap();
        assert!(store.create_page_link(link("a1", 2, None)).await.is_err(), "{backend}: an id is used once");
        let a1 = store.page_link("a1".into()).await.unwrap().unwrap();
        assert_eq!(a1.grant.contact_id, Uuid::from_u128(101), "{backend}");
        assert!(a1.opens_at(now()), "{backend}");
        assert!(!a1.opens_at(a1.grant.expires_at), "{backend}: expired at its end");
        assert_eq!(store.page_link("zz".into()).await.unwrap(), None, "{backend}");
        assert_eq!(store.revoke_page_links(Revoke::Email(7), now()).await.unwrap(), 1, "{backend}");
        assert!(!store.page_link("a1".into()).await.unwrap().unwrap().opens_at(now()), "{backend}");
        assert!(
            store.page_link("a2".into()).await.unwrap().unwrap().opens_at(now()),
            "{backend}: another email's link"
        );
        let customer = Revoke::Customer { tenant_id: TENANT, contact_id: Uuid::from_u128(101) };
        assert_eq!(store.revoke_page_links(customer, now()).await.unwrap(), 1, "{backend}: a2 only; a1 was already");
        assert!(store.page_link("b1".into()).await.unwrap().unwrap().opens_at(now()), "{backend}: another customer's");
    }
}
