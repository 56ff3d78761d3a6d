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

/// One customer's account: their open invoices, oldest due first, and their credits still to
/// use; nothing of another customer's or another organisation's.
#[tokio::test]
async fn an_account_holds_one_customers_open_invoices_and_credits() {
    use collectiq::ledger::records::{Credit, CreditKind};
    for (backend, store) in backends("account").await {
        connect(&store, TENANT, "Harbour").await;
        let contacts = vec![contact(TENANT, 1, Some("ap@one.example")), contact(TENANT, 2, None)];
        store.save_records(TENANT, Records::Contacts(contacts)).await.unwrap();
        let mut late = invoice(TENANT, 3, 1, "40.00");
        late.due_date = day("2026-09-30");
        let invoices =
            vec![invoice(TENANT, 1, 1, "100.00"), invoice(TENANT, 2, 1, "0.00"), late, invoice(TENANT, 4, 2, "10.00")];
        store.save_records(TENANT, Records::Invoices(invoices)).await.unwrap();
        store.save_records(OTHER_TENANT, Records::Invoices(vec![invoice(OTHER_TENANT, 5, 1, "99.00")])).await.unwrap();
        let credit = |n: u128, customer: u128, remaining: &str| Credit {
            tenant_id: TENANT,
            credit_id: uuid::Uuid::from_u128(5000 + n),
            kind: CreditKind::CreditNote,
            number: Some(format!("CN-{n}")),
            contact_id: Some(uuid::Uuid::from_u128(100 + customer)),
            date: Some(day("2026-10-05")),
            status: "AUTHORISED".into(),
            currency: Some("NZD".into()),
            total: "30.00".parse().unwrap(),
            remaining: remaining.parse().unwrap(),
            allocations: Vec::new(),
            updated: now(),
        };
        let credits = vec![credit(1, 1, "30.00"), credit(2, 1, "0.00"), credit(3, 2, "5.00")];
        store.save_records(TENANT, Records::Credits(CreditKind::CreditNote, credits)).await.unwrap();
        let account = store.account(TENANT, uuid::Uuid::from_u128(101)).await.unwrap().unwrap();
        let numbers: Vec<&str> = account.open.iter().map(|i| i.number.as_str()).collect();
        assert_eq!(numbers, ["INV-0003", "INV-0001"], "{backend}: open ones, oldest due first");
        let credits: Vec<Option<&str>> = account.credits.iter().map(|c| c.number.as_deref()).collect();
        assert_eq!(credits, [Some("CN-1")], "{backend}: only credits left to use");
        assert_eq!(store.account(OTHER_TENANT, uuid::Uuid::from_u128(101)).await.unwrap(), None, "{backend}");
        assert_eq!(store.account(TENANT, uuid::Uuid::from_u128(999)).await.unwrap(), None, "{backend}");
    }
}
