//! Full and incremental syncs against the sandbox.

use std::collections::HashSet;

use crate::equal::{assert_balances_match_world, assert_same, from_sandbox, from_store};
use crate::support::*;

#[tokio::test]
async fn full_and_incremental_syncs_leave_the_store_equal_to_the_sandbox() {
    let connected = connected("equal", sandbox_config(11, 1, 2_500)).await;
    let tenant = connected.tenants().await[0];
    let reports = connected.sync(true).await;
    let invoices = reports[0].entities.iter().find(|e| e.entity == "invoices").unwrap();
    assert_eq!(invoices.pages, 3, "2,500-odd invoices come in pages of 1,000");
    assert_same(
        "after a full sync",
        &from_store(connected.store(), tenant).await,
        &from_sandbox(&connected.sandbox, tenant),
    );
    assert_balances_match_world(connected.store(), &connected.sandbox, tenant).await;

    // A month passes: payments, new invoices, credit allocated (some without touching the invoice's
    // UpdatedDateUTC), customers changing address.
    connected.advance("days=30").await;
    connected.sync(false).await;
    assert_same(
        "after an incremental sync",
        &from_store(connected.store(), tenant).await,
        &from_sandbox(&connected.sandbox, tenant),
    );
    assert_balances_match_world(connected.store(), &connected.sandbox, tenant).await;

    // A payment made now is picked up by the next incremental sync.
    let open = connected.store().open_invoices(tenant).await.unwrap();
    let target = &open[0];
    connected.admin(reqwest::Method::POST, &format!("/sandbox/pay?invoice={}", target.invoice_id)).await;
    connected.sync(false).await;
    let after = connected.store().invoices(tenant).await.unwrap();
    let paid = after.iter().find(|i| i.invoice_id == target.invoice_id).unwrap();
    assert_eq!(paid.status, "PAID");
    assert_same(
        "after a payment",
        &from_store(connected.store(), tenant).await,
        &from_sandbox(&connected.sandbox, tenant),
    );
}

#[tokio::test]
async fn an_incremental_sync_with_nothing_changed_costs_one_call_per_entity() {
    let connected = connected("quiet", sandbox_config(12, 1, 300)).await;
    connected.sync(false).await;
    let before = connected.calls().await;
    let reports = connected.sync(false).await;
    let used = connected.calls().await - before;
    // Organisation, invoice reminders, contact groups, and the six paged entities.
    assert_eq!(used, 9, "{:?}", connected.stats().await["calls"]);
    assert_eq!(reports[0].calls, 9);
    assert!(reports[0].entities.iter().all(|e| e.fetched == 0 || e.entity == "contacts" || e.fetched < 5));
}

#[tokio::test]
async fn organisations_never_see_each_others_data() {
    let connected = connected("tenants", sandbox_config(13, 2, 400)).await;
    connected.sync(true).await;
    let tenants = connected.tenants().await;
    assert_eq!(tenants.len(), 2);
    let store = connected.store();
    let mut seen_invoices = HashSet::new();
    let mut seen_contacts = HashSet::new();
    for &tenant in &tenants {
        let invoices = store.invoices(tenant).await.unwrap();
        assert!(!invoices.is_empty());
        let contacts: HashSet<_> = store.contacts(tenant).await.unwrap().iter().map(|c| c.contact_id).collect();
        for invoice in &invoices {
            assert_eq!(invoice.tenant_id, tenant);
            assert!(contacts.contains(&invoice.contact_id), "an invoice's customer is in its own organisation");
            assert!(seen_invoices.insert(invoice.invoice_id), "an invoice appears under two organisations");
        }
        for contact in contacts {
            assert!(seen_contacts.insert(contact));
        }
    }
    for &tenant in &tenants {
        assert_same(
            "each organisation",
            &from_store(connected.store(), tenant).await,
            &from_sandbox(&connected.sandbox, tenant),
        );
    }
}

#[tokio::test]
async fn syncing_writes_nothing_to_xero() {
    let connected = connected("readonly", sandbox_config(14, 1, 300)).await;
    connected.sync(true).await;
    connected.advance("days=10").await;
    connected.sync(false).await;
    let stats = connected.stats().await;
    assert_eq!(stats["refused_writes"].as_array().unwrap().len(), 0);
    assert_eq!(stats["notes_written"], 0);
    for call in stats["calls"].as_object().unwrap().keys() {
        assert!(call.starts_with("GET "), "{call}");
    }
}

#[tokio::test]
async fn a_full_sync_removes_what_xero_no_longer_lists() {
    let connected = connected("removals", sandbox_config(15, 1, 300)).await;
    let tenant = connected.tenants().await[0];
    connected.sync(true).await;
    // Something CollectIQ holds that Xero does not (deleted in Xero since, say).
    let mut ghost = connected.store().invoices(tenant).await.unwrap()[0].clone();
    ghost.invoice_id = uuid::Uuid::from_u128(0xDEAD);
    ghost.number = "INV-GHOST".into();
    connected.store().save_records(tenant, collectiq::store::records::Records::Invoices(vec![ghost])).await.unwrap();
    connected.sync(false).await;
    assert!(connected.store().invoices(tenant).await.unwrap().iter().any(|i| i.number == "INV-GHOST"));
    let reports = connected.sync(true).await;
    assert!(!connected.store().invoices(tenant).await.unwrap().iter().any(|i| i.number == "INV-GHOST"));
    assert_eq!(reports[0].entities.iter().find(|e| e.entity == "invoices").unwrap().removed, 1);
}

#[tokio::test]
async fn a_pass_cut_short_resumes_and_removes_nothing_it_should_not() {
    let connected = connected("resume", sandbox_config(16, 1, 2_500)).await;
    let tenant = connected.tenants().await[0];
    connected.sync(true).await;
    // A full pass that stopped after its first page, whose records were lost with the crash.
    {
        let store = connected.store();
        let pass = store.begin_pass(tenant, "invoices", None, true).await.unwrap();
        let nothing = collectiq::store::records::Records::Invoices(Vec::new());
        store.write_pages(tenant, "invoices", vec![nothing], &pass, 2, Some(jiff::Timestamp::now())).await.unwrap();
    }
    let reports = connected.sync(true).await;
    let invoices = reports[0].entities.iter().find(|e| e.entity == "invoices").unwrap();
    assert_eq!(invoices.removed, 0, "records the resumed pass had not marked are not removed");
    assert!(invoices.pages > 2, "the pass noticed what it missed and read it all again");
    assert_same(
        "after a resumed pass",
        &from_store(connected.store(), tenant).await,
        &from_sandbox(&connected.sandbox, tenant),
    );
}

#[tokio::test]
async fn supplier_payments_and_credit_are_not_kept() {
    let connected = connected("suppliers", sandbox_config(17, 1, 600)).await;
    let tenant = connected.tenants().await[0];
    connected.sync(true).await;
    // Every payment kept is on a sales invoice CollectIQ holds.
    let invoices: HashSet<_> = connected.store().invoices(tenant).await.unwrap().iter().map(|i| i.invoice_id).collect();
    let payments = connected.store().payments(tenant).await.unwrap();
    assert!(!payments.is_empty());
    for payment in payments {
        assert!(invoices.contains(&payment.invoice_id.unwrap()), "a payment of a bill was kept");
    }
}

/// Has every call to the sandbox fail once a sync has read some pages of invoices.
struct BreakAfterInvoices {
    state: std::sync::Arc<collectiq::sandbox::state::State>,
    records: u64,
}

impl collectiq::xero::sync::Progress for BreakAfterInvoices {
    fn page(&self, _: &str, entity: &str, fetched: u64, _: u64) {
        if entity == "invoices" && fetched >= self.records {
            self.state.faults.lock().unwrap().faults = "500:1".parse().unwrap();
        }
    }

    fn done(&self, _: &str, _: &collectiq::xero::sync::OrgReport) {}
}

#[tokio::test]
async fn pages_read_before_a_sync_fails_are_kept_and_the_next_sync_goes_on_after_them() {
    let config = || sandbox_config(23, 1, 14_500);
    let calm = connected("unbroken", config()).await;
    let pages_of = |reports: &[collectiq::xero::sync::OrgReport]| {
        reports[0].entities.iter().find(|e| e.entity == "invoices").unwrap().pages
    };
    let all_pages = pages_of(&calm.sync(true).await);
    let broken = connected("broken", config()).await;
    let tenant = broken.tenants().await[0];
    let orgs = broken.store().organisations().await.unwrap();
    let progress = BreakAfterInvoices { state: broken.sandbox.state().clone(), records: 3_000 };
    let syncer = collectiq::xero::sync::Syncer::new(
        broken.session.client.clone(),
        broken.session.store.clone(),
        std::sync::Arc::new(progress),
    );
    let reports = syncer.sync(&orgs, collectiq::xero::sync::SyncOptions { full: true, ..Default::default() }).await;
    assert!(reports[0].error.is_some(), "the sync failed");
    // Fewer pages than are stored together were read: they are stored all the same.
    let pass = broken.store().cursor(tenant, "invoices").await.unwrap().pass.expect("the pass is under way");
    assert!(pass.next_page >= 4, "the pages read are stored: the pass goes on at page {}", pass.next_page);
    let stored = broken.store().invoices(tenant).await.unwrap().len();
    assert_eq!(stored, 1_000 * (pass.next_page as usize - 1), "every invoice of the pages before the cursor");

    broken.sandbox.state().faults.lock().unwrap().faults = "".parse().unwrap();
    let pages = pages_of(&broken.sync(true).await);
    assert_eq!(pages, all_pages - (pass.next_page - 1), "the next sync read only the pages after them");
    assert_same(
        "after a broken sync",
        &from_store(broken.store(), tenant).await,
        &from_store(calm.store(), tenant).await,
    );
}
