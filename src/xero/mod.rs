//! Everything that talks to Xero: the wire format, and the Windows time zones organisations use.

pub mod budget;
pub mod client;
pub mod connect;
pub mod convert;
pub mod oauth;
pub mod receiver;
pub mod session;
pub mod signature;
pub mod sync;
pub mod timezones;
pub mod tokens;
mod unstored;
pub mod wire;
