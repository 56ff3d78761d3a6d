//! The sandbox's HTTP server: one base URL serving Xero's three hosts under their own paths,
//! plus its own `/sandbox` controls.

// Handlers return an early answer as their error, the usual axum shape; boxing it would only
// add noise.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod api;
pub mod identity;
pub mod paths;
mod respond;

use std::sync::Arc;

use axum::Router;
use axum::routing::{any, delete, get, post, put};

use super::state::State;

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/identity/connect/authorize", get(identity::authorize))
        .route("/connect/token", post(identity::token))
        .route("/connect/revocation", post(identity::revoke))
        .route("/connections", get(identity::connections))
        .route("/connections/{id}", delete(identity::disconnect))
        .route("/api.xro/2.0/{*path}", any(api::handle))
        .route("/online-invoice/{id}", get(admin::online_invoice))
        .route("/sandbox", get(admin::status))
        .route("/sandbox/advance", post(admin::advance))
        .route("/sandbox/pay", post(admin::pay))
        .route("/sandbox/limits", put(admin::set_limits))
        .route("/sandbox/calls", get(admin::calls))
        .route("/sandbox/faults", put(admin::set_faults))
        .route("/sandbox/webhooks/intent", post(admin::intent))
        .with_state(state)
}
