//! Xero's API payloads, as Xero documents them (`../shared/xero/`). The sandbox writes them and
//! the sync reads them, so both sides agree by construction; tests hold both to Xero's own
//! examples and OpenAPI schemas.

pub mod accounting;
pub mod dates;
pub mod identity;
pub mod numbers;
pub mod webhooks;

pub use accounting::*;
pub use dates::XeroDateTime;
pub use identity::{Connection, OAuthError, TokenResponse};
pub use webhooks::{WebhookEvent, WebhookPayload};
