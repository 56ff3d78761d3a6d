//! Webhooks the sandbox sends, as Xero sends them: events batched into one signed POST, and the
//! intent-to-receive check (a correctly signed empty payload must get 200; a wrongly signed one,
//! 401).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use super::config::WebhookTarget;
use super::world::events::Change;
use crate::xero::signature::sign;
use crate::xero::wire::{WebhookEvent, WebhookPayload};

pub struct Sender {
    client: reqwest::Client,
    sequence: AtomicU64,
}

/// What the intent-to-receive check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntentResult {
    pub valid_signature_status: Option<u16>,
    pub invalid_signature_status: Option<u16>,
    pub passed: bool,
}

impl Default for Sender {
    fn default() -> Self {
        Sender::new()
    }
}

impl Sender {
    pub fn new() -> Sender {
        // Xero gives a receiver five seconds.
        Sender { client: crate::net::client(Duration::from_secs(5)), sequence: AtomicU64::new(0) }
    }

    fn payload(&self, events: Vec<WebhookEvent>) -> WebhookPayload {
        let count = events.len() as u64;
        let first = self.sequence.fetch_add(count.max(1), Ordering::SeqCst) + 1;
        WebhookPayload {
            events,
            first_event_sequence: first,
            last_event_sequence: first + count.saturating_sub(1),
            entropy: format!("{:X}", first.wrapping_mul(0x2545_F491_4F6C_DD1D)),
        }
    }

    /// The receiver's status, or the failure that kept it from answering.
    async fn post(&self, target: &WebhookTarget, body: Vec<u8>, signature: String) -> Result<u16, reqwest::Error> {
        let response = self
            .client
            .post(&target.url)
            .header("content-type", "application/json")
            .header("x-xero-signature", signature)
            .body(body)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// Sends the changes in batches of up to 100 events, as Xero does. Gives how many batches
    /// the receiver accepted and how many it did not.
    pub async fn deliver(&self, target: &WebhookTarget, base_url: &str, changes: &[(Uuid, Change)]) -> (u64, u64) {
        let (mut sent, mut failed) = (0, 0);
        let reported: Vec<(Uuid, Change)> = changes.iter().filter(|(_, change)| is_reported(change)).cloned().collect();
        for batch in reported.chunks(100) {
            let events = batch.iter().map(|(tenant, change)| event(base_url, *tenant, change)).collect();
            let body = serde_json::to_vec(&self.payload(events)).unwrap_or_default();
            let signature = sign(&target.key, &body);
            match self.post(target, body, signature).await {
                Ok(200) => sent += 1,
                _ => failed += 1,
            }
        }
        (sent, failed)
    }

    pub async fn intent_to_receive(&self, target: &WebhookTarget) -> IntentResult {
        let body = serde_json::to_vec(&self.payload(Vec::new())).unwrap_or_default();
        let valid = self.post(target, body.clone(), sign(&target.key, &body)).await.ok();
        let wrong_key = format!("{}-but-not-quite", target.key);
        let invalid = self.post(target, body.clone(), sign(&wrong_key, &body)).await.ok();
        IntentResult {
            valid_signature_status: valid,
            invalid_signature_status: invalid,
            passed: valid == Some(200) && invalid == Some(401),
        }
    }
}

/// Xero has webhooks for invoices, contacts and credit notes only.
pub fn is_reported(change: &Change) -> bool {
    matches!(change.category, "INVOICE" | "CONTACT" | "CREDITNOTE")
}

fn event(base_url: &str, tenant: Uuid, change: &Change) -> WebhookEvent {
    let resource = match change.category {
        "INVOICE" => "Invoices",
        "CONTACT" => "Contacts",
        _ => "CreditNotes",
    };
    WebhookEvent {
        resource_url: format!("{base_url}/api.xro/2.0/{resource}/{}", change.resource),
        resource_id: change.resource.to_string(),
        event_date_utc: change.at.strftime("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        event_type: change.kind.to_string(),
        event_category: change.category.to_string(),
        tenant_id: tenant.to_string(),
        tenant_type: "ORGANISATION".to_string(),
    }
}
