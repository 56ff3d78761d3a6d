//! `GET /healthz`: what an operator (or a load balancer) asks of a running autopilot. Per
//! organisation: the last sync, the last run, how many actions wait to be delivered, and whether
//! its connection to Xero still works.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use super::lock;
use crate::store::connections::TokenHealth;
use crate::store::{Store, StoreError};

fn in_words<S: serde::Serializer>(token: &TokenHealth, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(token)
}

/// What the autopilot knows of its own runs, beside what the store holds.
#[derive(Default)]
pub struct Runs {
    pub last: HashMap<Uuid, LastRun>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LastRun {
    pub at: Timestamp,
    /// Actions it decided to take (emails, calls, escalations, stops) for this organisation.
    pub acted: u64,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct Health {
    /// `ok`, or `degraded` when an organisation cannot sync, run or reach Xero.
    pub status: &'static str,
    pub started_at: Timestamp,
    pub organisations: Vec<OrganisationHealth>,
}

#[derive(Serialize)]
pub struct OrganisationHealth {
    pub name: String,
    pub tenant_id: Uuid,
    pub last_sync: Option<Timestamp>,
    pub last_full_sync: Option<Timestamp>,
    pub last_sync_error: Option<String>,
    pub last_run: Option<LastRun>,
    pub queue_depth: u64,
    #[serde(serialize_with = "in_words")]
    pub token: TokenHealth,
}

pub struct HealthState {
    pub store: Store,
    pub runs: Arc<Mutex<Runs>>,
    pub started_at: Timestamp,
}

pub async fn health(state: &HealthState) -> Result<Health, StoreError> {
    let store = &state.store;
    let now = Timestamp::now();
    let mut organisations = Vec::new();
    for org in store.organisations().await? {
        let tenant = org.organisation.tenant_id;
        let queue_depth = store.queue_depth(tenant).await?;
        let token = store.token_health(&org, now).await?;
        organisations.push(OrganisationHealth {
            name: org.organisation.name.clone(),
            tenant_id: tenant,
            last_sync: org.last_sync_at,
            last_full_sync: org.last_full_sync_at,
            last_sync_error: org.last_sync_error.clone(),
            last_run: lock(&state.runs).last.get(&tenant).cloned(),
            queue_depth,
            token,
        });
    }
    let degraded = organisations.iter().any(|o| {
        o.last_sync_error.is_some() || o.last_run.as_ref().is_some_and(|r| r.error.is_some()) || !o.token.usable()
    });
    Ok(Health { status: if degraded { "degraded" } else { "ok" }, started_at: state.started_at, organisations })
}

pub async fn healthz(State(state): State<Arc<HealthState>>) -> (StatusCode, Json<serde_json::Value>) {
    match health(&state).await {
        Ok(health) => (StatusCode::OK, Json(serde_json::to_value(health).unwrap_or_default())),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "error", "error": format!("{error}") })),
        ),
    }
}
