//! The webhook receiver, `POST /webhooks/xero`: the signature (base64 HMAC-SHA256 of the raw body
//! under the webhook key) is checked in constant time; a bad one gets 401, a good one 200 with an
//! empty body, and only after the events are stored durably. Bodies over 256 KiB are refused.
//! The same event delivered twice is stored once. A worker then fetches the changed invoices and
//! contacts by id, at most 50 a call.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use tokio::sync::Notify;
use uuid::Uuid;

use super::client::{ApiError, Get, XeroClient};
use super::convert::{self, CreditRecord};
use super::fetch::fetch_by_ids;
use super::signature::verify;
use super::wire::{self, Envelope, WebhookPayload};
use crate::ledger::records::CreditKind;
use crate::secret::Secret;
use crate::store::events::{NewEvent, StoredEvent};
use crate::store::records::Records;
use crate::store::{Store, StoreError};

pub const LARGEST_BODY: usize = 256 * 1024;

pub struct Receiver {
    pub key: Secret,
    pub store: Store,
    /// Wakes the worker when events arrive.
    pub arrived: Arc<Notify>,
}

pub fn router(receiver: Arc<Receiver>) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/xero", axum::routing::post(receive))
        // One byte over the limit is enough to know; the handler answers 413 itself.
        .layer(DefaultBodyLimit::max(LARGEST_BODY + 1))
        .with_state(receiver)
}

async fn receive(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > LARGEST_BODY {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let signature = headers.get("x-xero-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !verify(receiver.key.expose(), &body, signature) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(payload) = serde_json::from_slice::<WebhookPayload>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let events: Vec<NewEvent> = payload
        .events
        .iter()
        .filter_map(|event| {
            Some(NewEvent {
                tenant_id: Uuid::parse_str(&event.tenant_id).ok()?,
                category: event.event_category.clone(),
                event_type: event.event_type.clone(),
                resource_id: Uuid::parse_str(&event.resource_id).ok()?,
                event_date: event.event_date_utc.clone(),
            })
        })
        .collect();
    if !events.is_empty() {
        // Stored before the 200: if this fails, Xero sends the events again.
        if receiver.store.store_events(&events, Timestamp::now()).await.is_err() {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        receiver.arrived.notify_one();
    }
    StatusCode::OK.into_response()
}

/// What a round of the worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Worked {
    pub events: usize,
    pub invoices: usize,
    pub contacts: usize,
    pub failed: usize,
}

/// Works off waiting events: fetches what changed, by id, and stores it. Events of organisations
/// that are not connected are dropped (marked done).
pub async fn work_off(client: &XeroClient, store: &Store) -> Result<Worked, StoreError> {
    let waiting = store.waiting_events(500).await?;
    let mut worked = Worked { events: waiting.len(), ..Worked::default() };
    let mut by_tenant: BTreeMap<Uuid, Vec<StoredEvent>> = BTreeMap::new();
    for event in waiting {
        by_tenant.entry(event.event.tenant_id).or_default().push(event);
    }
    for (tenant, events) in by_tenant {
        let grant = store.organisation(tenant).await?.and_then(|org| org.grant_id);
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let Some(grant) = grant else {
            store.mark_events_processed(&ids, Timestamp::now()).await?;
            continue;
        };
        let changed = Changed {
            invoices: resources(&events, "INVOICE"),
            contacts: resources(&events, "CONTACT"),
            credit_notes: resources(&events, "CREDITNOTE"),
        };
        match refresh(client, store, tenant, grant, changed).await {
            Ok((invoices, contacts)) => {
                worked.invoices += invoices;
                worked.contacts += contacts;
                store.mark_events_processed(&ids, Timestamp::now()).await?;
            }
            Err(error) => {
                worked.failed += ids.len();
                store.mark_events_failed(&ids, &error.to_string()).await?;
            }
        }
    }
    Ok(worked)
}

fn resources(events: &[StoredEvent], category: &str) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> =
        events.iter().filter(|e| e.event.category == category).map(|e| e.event.resource_id).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What a batch of events says changed.
struct Changed {
    invoices: Vec<Uuid>,
    contacts: Vec<Uuid>,
    credit_notes: Vec<Uuid>,
}

async fn refresh(
    client: &XeroClient,
    store: &Store,
    tenant: Uuid,
    grant: i64,
    changed: Changed,
) -> Result<(usize, usize), RefreshError> {
    let (invoice_ids, contact_ids) = (changed.invoices, changed.contacts);
    let mut invoices = Vec::new();
    for answer in fetch_by_ids::<Envelope<wire::Invoices>>(client, tenant, grant, "Invoices", invoice_ids).await? {
        let sales = answer.items.items.iter().filter(|i| i.kind.as_deref() != Some("ACCPAY"));
        invoices.extend(sales.filter_map(|i| convert::invoice(tenant, i).ok()));
    }
    let mut contacts = Vec::new();
    for answer in fetch_by_ids::<Envelope<wire::Contacts>>(client, tenant, grant, "Contacts", contact_ids).await? {
        contacts.extend(answer.items.items.iter().filter_map(|c| convert::contact(tenant, c).ok()));
    }
    let mut credits = Vec::new();
    for id in changed.credit_notes {
        let answer: Envelope<wire::CreditNotes> =
            match client.get(tenant, grant, &Get::new(format!("CreditNotes/{id}"))).await {
                Ok(answer) => answer,
                // Gone since (deleted in Xero): nothing to bring in.
                Err(ApiError::NotFound(_)) => continue,
                Err(error) => return Err(error.into()),
            };
        for note in &answer.items.items {
            credits.extend(convert::credit(tenant, CreditKind::CreditNote, note.fields()).ok());
        }
    }
    let counts = (invoices.len(), contacts.len());
    store.save_records(tenant, Records::Invoices(invoices)).await?;
    store.save_records(tenant, Records::Contacts(contacts)).await?;
    store.save_records(tenant, Records::Credits(CreditKind::CreditNote, credits)).await?;
    Ok(counts)
}

/// Why the records an event names could not be brought in.
#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
