//! Records as a sync writes them: by page with the cursor, or by id after a webhook.

use collectiq::store::StoreError;
use collectiq::store::records::Records;

use crate::support::*;

#[tokio::test]
async fn records_are_kept_per_organisation_and_counted() {
    for (backend, store) in backends("records").await {
        let ours = vec![invoice(TENANT, 1, 1, "100.00"), invoice(TENANT, 2, 1, "0.00")];
        store.save_records(TENANT, Records::Invoices(ours)).await.unwrap();
        store.save_records(OTHER_TENANT, Records::Invoices(vec![invoice(OTHER_TENANT, 3, 1, "5.00")])).await.unwrap();
        store.save_records(TENANT, Records::Contacts(vec![contact(TENANT, 1, None)])).await.unwrap();
        assert_eq!(store.invoices(TENANT).await.unwrap().len(), 2, "{backend}");
        assert_eq!(store.open_invoices(TENANT).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.find_invoices("INV-0003").await.unwrap()[0].tenant_id, OTHER_TENANT, "{backend}");
        assert_eq!(store.find_contacts("customer 1").await.unwrap().len(), 1, "{backend}");
        let counts = store.counts(TENANT).await.unwrap();
        assert_eq!((counts.invoices, counts.open_invoices, counts.contacts), (2, 1, 1), "{backend}");
    }
}

#[tokio::test]
async fn an_older_copy_of_a_record_never_replaces_a_newer_one() {
    for (backend, store) in backends("older").await {
        let mut newer = invoice(TENANT, 1, 1, "0.00");
        newer.updated = now();
        let mut older = invoice(TENANT, 1, 1, "100.00");
        older.updated = now() - jiff::SignedDuration::from_hours(1);
        store.save_records(TENANT, Records::Invoices(vec![newer])).await.unwrap();
        store.save_records(TENANT, Records::Invoices(vec![older])).await.unwrap();
        assert_eq!(store.invoices(TENANT).await.unwrap()[0].status, "PAID", "{backend}");
    }
}

#[tokio::test]
async fn a_full_pass_removes_only_what_it_did_not_see() {
    for (backend, store) in backends("pass").await {
        let all: Vec<_> = (1..=3).map(|n| invoice(TENANT, n, 1, "10.00")).collect();
        store.save_records(TENANT, Records::Invoices(all)).await.unwrap();
        let pass = store.begin_pass(TENANT, "invoices", None, true).await.unwrap();
        let seen = vec![Records::Invoices(vec![invoice(TENANT, 1, 1, "10.00"), invoice(TENANT, 3, 1, "10.00")])];
        store.write_pages(TENANT, "invoices", seen, &pass, 2, Some(now())).await.unwrap();
        assert_eq!(store.seen_in_pass(TENANT, "invoices", &pass).await.unwrap(), 2, "{backend}");
        let removed = store.finish_pass(TENANT, "invoices", &pass, Some(now())).await.unwrap();
        assert_eq!(removed, 1, "{backend}");
        let left: Vec<String> = store.invoices(TENANT).await.unwrap().iter().map(|i| i.number.to_string()).collect();
        assert_eq!(left.len(), 2, "{backend}");
        assert!(!left.contains(&"INV-0002".to_string()), "{backend}");
        let cursor = store.cursor(TENANT, "invoices").await.unwrap();
        assert!(cursor.pass.is_none() && cursor.modified_since == Some(now()), "{backend}");
    }
}

#[tokio::test]
async fn a_pass_overtaken_by_another_stops() {
    for (backend, store) in backends("overtaken").await {
        let first = store.begin_pass(TENANT, "invoices", None, true).await.unwrap();
        let _second = store.begin_pass(TENANT, "invoices", None, true).await.unwrap();
        let page = vec![Records::Invoices(vec![invoice(TENANT, 1, 1, "10.00")])];
        let refused = store.write_pages(TENANT, "invoices", page, &first, 2, None).await;
        assert!(matches!(refused, Err(StoreError::PassOvertaken { .. })), "{backend}: {refused:?}");
    }
}
