//! Everything that talks to Xero: the wire format, the client and its call budget, OAuth and
//! tokens, reading the paged entities, syncing them into the store, and webhooks.

pub mod budget;
pub mod client;
pub mod connect;
pub mod convert;
pub mod fetch;
pub mod oauth;
mod page_writer;
pub mod receiver;
pub mod session;
pub mod signature;
pub mod sync;
pub mod timezones;
pub mod tokens;
pub mod wire;
