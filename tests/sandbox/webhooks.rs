//! Webhooks: signed batches of INVOICE and CONTACT events after time travel or a payment, and
//! the intent-to-receive check.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use collectiq::sandbox::WebhookTarget;
use collectiq::xero::signature::verify;
use serde_json::Value;

use crate::support::*;

const KEY: &str = "webhook-key-for-tests";

/// A receiver that checks signatures as CollectIQ's will: 200 for a good one, 401 otherwise.
struct Receiver {
    url: String,
    payloads: Arc<Mutex<Vec<Value>>>,
    rejected: Arc<Mutex<u32>>,
}

async fn receiver() -> Receiver {
    let payloads = Arc::new(Mutex::new(Vec::new()));
    let rejected = Arc::new(Mutex::new(0));
    let (kept, refused) = (payloads.clone(), rejected.clone());
    let app = axum::Router::new().route(
        "/xero/webhooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (kept, refused) = (kept.clone(), refused.clone());
            async move {
                let signature = headers.get("x-xero-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                if verify(KEY, &body, signature) {
                    kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                    StatusCode::OK
                } else {
                    *refused.lock().unwrap() += 1;
                    StatusCode::UNAUTHORIZED
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/xero/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, payloads, rejected }
}

async fn harness_sending_to(receiver: &Receiver, key: &str) -> Harness {
    let mut config = config();
    config.webhook = Some(WebhookTarget { url: receiver.url.clone(), key: key.to_string() });
    start(config).await
}

fn events(payloads: &[Value]) -> Vec<Value> {
    payloads.iter().flat_map(|p| p["events"].as_array().unwrap().clone()).collect()
}

#[tokio::test]
async fn a_payment_sends_a_signed_invoice_event() {
    let receiver = receiver().await;
    let harness = harness_sending_to(&receiver, KEY).await;
    let session = harness.sign_in().await;
    let open = harness.get_json(&session, "Invoices?Statuses=AUTHORISED").await;
    let invoice = &open["Invoices"][0];
    let id = invoice["InvoiceID"].as_str().unwrap();
    let paid = harness.http.post(harness.url(&format!("/sandbox/pay?invoice={id}"))).send().await.unwrap();
    assert_eq!(ok_json(paid).await["amount_due"], "0.00");

    let payloads = receiver.payloads.lock().unwrap().clone();
    let events = events(&payloads);
    let event = events.iter().find(|e| e["resourceId"] == id).expect("an event for the paid invoice");
    assert_eq!(event["eventCategory"], "INVOICE");
    assert_eq!(event["eventType"], "UPDATE");
    assert_eq!(event["tenantId"].as_str(), Some(session.tenants[0].as_str()));
    assert_eq!(event["tenantType"], "ORGANISATION");
    assert!(event["resourceUrl"].as_str().unwrap().ends_with(&format!("/api.xro/2.0/Invoices/{id}")));
    assert_eq!(*receiver.rejected.lock().unwrap(), 0);
    let status = harness.get_json(&session, &format!("Invoices/{id}")).await;
    assert_eq!(status["Invoices"][0]["Status"], "PAID");
}

#[tokio::test]
async fn time_travel_sends_batches_of_at_most_a_hundred_events() {
    let receiver = receiver().await;
    let mut config = config();
    config.size.contacts = 200;
    config.webhook = Some(WebhookTarget { url: receiver.url.clone(), key: KEY.to_string() });
    let harness = start(config).await;
    let moved = harness.advance("days=60").await;
    let changes = moved["webhook_events"].as_u64().unwrap();
    assert!(changes > 0 && changes <= moved["changes"].as_u64().unwrap());
    let payloads = receiver.payloads.lock().unwrap().clone();
    assert!(payloads.iter().all(|p| p["events"].as_array().unwrap().len() <= 100));
    assert_eq!(events(&payloads).len() as u64, changes);
    let categories: std::collections::BTreeSet<&str> = payloads
        .iter()
        .flat_map(|p| p["events"].as_array().unwrap())
        .map(|e| e["eventCategory"].as_str().unwrap())
        .collect();
    assert!(categories.contains("INVOICE") && categories.contains("CONTACT"), "{categories:?}");
    // Sequences run on from batch to batch.
    for pair in payloads.windows(2) {
        assert_eq!(pair[1]["firstEventSequence"].as_u64(), pair[0]["lastEventSequence"].as_u64().map(|n| n + 1));
    }
    assert_eq!(harness.status().await["stats"]["webhooks_sent"], payloads.len());
    let mut spec = crate::openapi::load("xero-webhooks.yaml");
    for payload in &payloads {
        spec.check("WebhookEvent", payload).unwrap_or_else(|e| panic!("{e}\n{payload:#}"));
    }
}

#[tokio::test]
async fn intent_to_receive_passes_only_a_receiver_that_checks_signatures() {
    let receiver = receiver().await;
    let harness = harness_sending_to(&receiver, KEY).await;
    let result = ok_json(harness.http.post(harness.url("/sandbox/webhooks/intent")).send().await.unwrap()).await;
    assert_eq!(result["passed"], true, "{result}");
    assert_eq!(result["valid_signature_status"], 200);
    assert_eq!(result["invalid_signature_status"], 401);

    // Signed with a key the receiver does not know: even the "valid" payload is refused.
    let confused = harness_sending_to(&receiver, "some-other-key").await;
    let result = ok_json(confused.http.post(confused.url("/sandbox/webhooks/intent")).send().await.unwrap()).await;
    assert_eq!(result["passed"], false);
    assert_eq!(result["valid_signature_status"], 401);
}
