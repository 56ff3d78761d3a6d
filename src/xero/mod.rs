//! Everything that talks to Xero: the wire format, and the Windows time zones organisations use.

pub mod signature;
pub mod timezones;
pub mod wire;
