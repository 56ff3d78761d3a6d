//! The webhook receiver: signatures checked, events stored once and before the answer, bodies
//! bounded, and the worker bringing in what changed.

use std::sync::Arc;

use collectiq::sandbox::WebhookTarget;
use collectiq::secret::Secret;
use collectiq::xero::receiver::{LARGEST_BODY, Receiver, router, work_off};
use collectiq::xero::signature::sign;
use reqwest::StatusCode;
use tokio::sync::Notify;

use crate::support::*;

const KEY: &str = "a-webhook-key-for-tests";

async fn serve(connected: &Connected) -> String {
    let receiver = Arc::new(Receiver {
        key: Secret::new(KEY),
        store: connected.session.store.clone(),
        arrived: Arc::new(Notify::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/xero", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(receiver)).await.unwrap() });
    url
}

fn payload(tenant: uuid::Uuid, invoice: uuid::Uuid) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "events": [{
            "resourceUrl": format!("https://api.xero.com/api.xro/2.0/Invoices/{invoice}"),
            "resourceId": invoice.to_string(),
            "eventDateUtc": "2026-11-25T12:00:00.000",
            "eventType": "UPDATE",
            "eventCategory": "INVOICE",
            "tenantId": tenant.to_string(),
            "tenantType": "ORGANISATION"
        }],
        "firstEventSequence": 1,
        "lastEventSequence": 1,
        "entropy": "ABC"
    }))
    .unwrap()
}

async fn post(url: &str, body: Vec<u8>, signature: &str) -> (StatusCode, String) {
    let http = collectiq::net::client(std::time::Duration::from_secs(10));
    let response = http.post(url).header("x-xero-signature", signature).body(body).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn signatures_are_checked_and_events_stored_once() {
    let connected = connected("receiver", sandbox_config(41, 1, 100)).await;
    let url = serve(&connected).await;
    let tenant = connected.tenants().await[0];
    let body = payload(tenant, uuid::Uuid::from_u128(7));

    assert_eq!(post(&url, body.clone(), &sign(KEY, &body)).await, (StatusCode::OK, String::new()));
    assert_eq!(connected.store().waiting_events(10).await.unwrap().len(), 1, "stored before the 200");

    assert_eq!(post(&url, body.clone(), &sign("another-key", &body)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&url, body.clone(), "").await.0, StatusCode::UNAUTHORIZED);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'7').unwrap();
    tampered[at] = b'8';
    assert_eq!(post(&url, tampered, &sign(KEY, &body)).await.0, StatusCode::UNAUTHORIZED);

    // Replayed: accepted (it is signed) but stored once.
    assert_eq!(post(&url, body.clone(), &sign(KEY, &body)).await.0, StatusCode::OK);
    assert_eq!(connected.store().waiting_events(10).await.unwrap().len(), 1);

    let huge = vec![b' '; LARGEST_BODY + 10];
    assert_eq!(post(&url, huge.clone(), &sign(KEY, &huge)).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    // Xero's intent-to-receive check: an empty, signed batch.
    let empty = br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"X"}"#.to_vec();
    assert_eq!(post(&url, empty.clone(), &sign(KEY, &empty)).await, (StatusCode::OK, String::new()));
    assert_eq!(post(&url, empty.clone(), &sign("wrong", &empty)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sandboxs_webhooks_bring_payments_into_the_store() {
    let connected = connected("webhooks", sandbox_config(42, 1, 3_000)).await;
    let url = serve(&connected).await;
    let tenant = connected.tenants().await[0];
    connected.sync(true).await;
    *collectiq::sandbox::state::lock(&connected.sandbox.state().webhook) =
        Some(WebhookTarget { url: url.clone(), key: KEY.into() });

    let intent = connected.admin(reqwest::Method::POST, "/sandbox/webhooks/intent").await;
    assert_eq!(intent["passed"], true, "{intent}");

    let open = connected.store().open_invoices(tenant).await.unwrap();
    let invoice = open[0].invoice_id;
    connected.admin(reqwest::Method::POST, &format!("/sandbox/pay?invoice={invoice}")).await;
    let worked = work_off(&connected.session.client, &connected.session.store).await.unwrap();
    assert_eq!((worked.events, worked.invoices, worked.failed), (1, 1, 0));
    let stored = connected.store().invoices(tenant).await.unwrap();
    assert_eq!(stored.iter().find(|i| i.invoice_id == invoice).unwrap().status, "PAID");
    assert!(connected.store().waiting_events(10).await.unwrap().is_empty());

    // Fetched by id, 50 a call: a month of changes takes few calls.
    connected.advance("days=30").await;
    let waiting = connected.store().waiting_events(10_000).await.unwrap();
    let distinct = |category: &str| {
        let ids: std::collections::BTreeSet<_> =
            waiting.iter().filter(|e| e.event.category == category).map(|e| e.event.resource_id).collect();
        ids.len()
    };
    let expected = distinct("INVOICE").div_ceil(50) + distinct("CONTACT").div_ceil(50) + distinct("CREDITNOTE");
    assert!(distinct("INVOICE") > 50, "enough changes to need more than one batch");
    let before = connected.calls().await;
    let worked = work_off(&connected.session.client, &connected.session.store).await.unwrap();
    assert_eq!(worked.failed, 0);
    assert_eq!((connected.calls().await - before) as usize, expected);
}
