//! An organisation's books and memory, loaded in one operation.

use collectiq::store::StoreError;
use collectiq::store::records::Records;

use crate::support::*;

#[tokio::test]
async fn books_gather_each_customers_open_invoices_and_history() {
    for (backend, store) in backends("books").await {
        connect(&store, TENANT, "Harbour").await;
        let contacts = vec![contact(TENANT, 1, Some("ap@one.example")), contact(TENANT, 2, None)];
        store.save_records(TENANT, Records::Contacts(contacts)).await.unwrap();
        let invoices = [
            invoice(TENANT, 1, 1, "100.00"),
            invoice(TENANT, 2, 1, "0.00"),
            invoice(TENANT, 3, 2, "40.00"),
            // Another organisation's invoice never reaches these books.
            invoice(OTHER_TENANT, 4, 1, "99.00"),
        ];
        store.save_records(TENANT, Records::Invoices(invoices[..3].to_vec())).await.unwrap();
        store.save_records(OTHER_TENANT, Records::Invoices(invoices[3..].to_vec())).await.unwrap();
        let (books, memory) = store.books_and_memory(TENANT).await.unwrap();
        assert_eq!(books.organisation.name, "Harbour", "{backend}");
        let one = books.customer(contact(TENANT, 1, None).contact_id).unwrap();
        assert_eq!(one.open.iter().map(|i| i.number.as_str()).collect::<Vec<_>>(), ["INV-0001"], "{backend}");
        assert_eq!(one.history.billed.len(), 2, "{backend}: the paid one counts in the history");
        assert_eq!(one.recipients(), ["ap@one.example"], "{backend}");
        assert_eq!(books.customer(contact(TENANT, 2, None).contact_id).unwrap().open.len(), 1, "{backend}");
        assert!(memory.promises.is_empty() && memory.pauses.is_empty(), "{backend}");
        assert_eq!(store.books(TENANT).await.unwrap().customers.len(), 2, "{backend}");
    }
}

#[tokio::test]
async fn what_is_entered_by_hand_is_remembered() {
    for (backend, store) in backends("by-hand-memory").await {
        let (invoice_id, contact_id) = (invoice(TENANT, 1, 1, "1").invoice_id, contact(TENANT, 1, None).contact_id);
        store.set_promise(TENANT, invoice_id, Some(day("2026-12-01")), now()).await.unwrap();
        store.set_dispute(TENANT, invoice_id, true, now()).await.unwrap();
        store.set_pause(TENANT, contact_id, Some(day("2026-12-24")), now()).await.unwrap();
        let memory = store.memory(TENANT).await.unwrap();
        assert_eq!(memory.promises.get(&invoice_id), Some(&day("2026-12-01")), "{backend}");
        assert!(memory.disputes.contains(&invoice_id), "{backend}");
        assert_eq!(memory.pauses.get(&contact_id), Some(&day("2026-12-24")), "{backend}");
        assert!(store.memory(OTHER_TENANT).await.unwrap().disputes.is_empty(), "{backend}: per organisation");
    }
}

#[tokio::test]
async fn every_period_an_invoice_was_disputed_is_kept() {
    for (backend, store) in backends("dispute-history").await {
        let invoice_id = invoice(TENANT, 1, 1, "1").invoice_id;
        let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap();
        store.set_dispute(TENANT, invoice_id, true, at("2026-10-01T09:00:00Z")).await.unwrap();
        // Disputed again while open: the same period goes on.
        store.set_dispute(TENANT, invoice_id, true, at("2026-10-03T09:00:00Z")).await.unwrap();
        store.set_dispute(TENANT, invoice_id, false, at("2026-10-10T09:00:00Z")).await.unwrap();
        store.set_dispute(TENANT, invoice_id, true, at("2026-11-01T09:00:00Z")).await.unwrap();
        let periods = store.dispute_periods(TENANT, &[invoice_id]).await.unwrap();
        assert_eq!(
            periods[&invoice_id],
            [(at("2026-10-01T09:00:00Z"), Some(at("2026-10-10T09:00:00Z"))), (at("2026-11-01T09:00:00Z"), None)],
            "{backend}: the resolved dispute is remembered beside the open one"
        );
        assert!(store.dispute_periods(OTHER_TENANT, &[invoice_id]).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn the_books_of_an_organisation_not_connected_are_refused() {
    for (backend, store) in backends("not-connected").await {
        let refused = store.books(TENANT).await;
        assert!(matches!(refused, Err(StoreError::NotConnected { tenant, .. }) if tenant == TENANT), "{backend}");
    }
}
