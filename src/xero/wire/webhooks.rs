//! Webhooks: what Xero posts when something changes, signed with the webhook key.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPayload {
    #[serde(default)]
    pub events: Vec<WebhookEvent>,
    #[serde(rename = "firstEventSequence", default)]
    pub first_event_sequence: u64,
    #[serde(rename = "lastEventSequence", default)]
    pub last_event_sequence: u64,
    #[serde(default)]
    pub entropy: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    #[serde(rename = "resourceUrl")]
    pub resource_url: String,
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    #[serde(rename = "eventDateUtc")]
    pub event_date_utc: String,
    /// `CREATE` or `UPDATE`.
    #[serde(rename = "eventType")]
    pub event_type: String,
    /// `INVOICE`, `CONTACT`, `CREDITNOTE`, …
    #[serde(rename = "eventCategory")]
    pub event_category: String,
    #[serde(rename = "tenantId")]
    pub tenant_id: String,
    #[serde(rename = "tenantType", default)]
    pub tenant_type: String,
}
