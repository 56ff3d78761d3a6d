//! Connections and their sealed tokens, webhook events, online links, Xero calls counted, workers.

use collectiq::store::events::NewEvent;
use jiff::SignedDuration;
use uuid::Uuid;

use crate::support::*;

#[tokio::test]
async fn a_grant_keeps_its_tokens_sealed_and_its_organisations() {
    for (backend, store) in backends("grant").await {
        connect(&store, TENANT, "Harbour").await;
        let organisations = store.organisations().await.unwrap();
        assert_eq!(organisations.len(), 1, "{backend}");
        let grant = store.grant(organisations[0].grant_id.unwrap()).await.unwrap().unwrap();
        assert_eq!(grant.access_token.expose(), "access", "{backend}");
        assert!(store.token_health(&organisations[0], now()).await.is_ok(), "{backend}");
        store.remove_organisation(TENANT).await.unwrap();
        assert!(store.organisation(TENANT).await.unwrap().is_none(), "{backend}");
    }
}

#[tokio::test]
async fn a_webhook_event_is_stored_once_and_worked_off() {
    for (backend, store) in backends("events").await {
        let event = NewEvent {
            tenant_id: TENANT,
            category: "INVOICE".into(),
            event_type: "UPDATE".into(),
            resource_id: Uuid::from_u128(7),
            event_date: "2026-11-25T09:59:00.000".into(),
        };
        store.store_events(std::slice::from_ref(&event), now()).await.unwrap();
        store.store_events(std::slice::from_ref(&event), now()).await.unwrap();
        let waiting = store.waiting_events(10).await.unwrap();
        assert_eq!(waiting.len(), 1, "{backend}: Xero's retry of the same event is stored once");
        store.mark_events_processed(&[waiting[0].id], now()).await.unwrap();
        assert!(store.waiting_events(10).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn links_are_kept_per_organisation_and_invoice() {
    for (backend, store) in backends("links").await {
        let invoice = Uuid::from_u128(9);
        store.keep_online_link(TENANT, invoice, "https://in.xero.com/abc", now()).await.unwrap();
        assert_eq!(
            store.online_link(TENANT, invoice).await.unwrap().as_deref(),
            Some("https://in.xero.com/abc"),
            "{backend}"
        );
        assert_eq!(store.online_link(OTHER_TENANT, invoice).await.unwrap(), None, "{backend}");
        let links = store.online_links(TENANT, &[invoice, Uuid::from_u128(10)]).await.unwrap();
        assert_eq!(links.len(), 1, "{backend}");
    }
}

#[tokio::test]
async fn calls_add_up_over_the_last_day() {
    for (backend, store) in backends("calls").await {
        store.count_xero_calls(TENANT, now() - SignedDuration::from_hours(30), 40).await.unwrap();
        store.count_xero_calls(TENANT, now() - SignedDuration::from_hours(2), 7).await.unwrap();
        store.count_xero_calls(TENANT, now(), 5).await.unwrap();
        store.count_xero_calls(OTHER_TENANT, now(), 100).await.unwrap();
        assert_eq!(
            store.xero_calls_today(TENANT, now()).await.unwrap(),
            12,
            "{backend}: the day before is not counted"
        );
        let hours = store.xero_calls_in_day(TENANT, now()).await.unwrap();
        assert_eq!(hours.iter().map(|(_, n)| n).sum::<u32>(), 12, "{backend}");
    }
}

#[tokio::test]
async fn this_process_is_a_live_worker() {
    for (backend, store) in backends("workers").await {
        let me = store.register_worker(now()).await.unwrap();
        store.forget_gone_workers(now()).await.unwrap();
        assert!(!store.gone_workers(now()).await.unwrap().contains(&me.id), "{backend}");
    }
}
