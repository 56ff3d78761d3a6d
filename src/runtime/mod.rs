//! The I/O shell around the pure core: a run loads each organisation's books and memory from the
//! store, has `decide` evaluate them, records the decisions, composes and delivers the emails,
//! and writes the history notes back to Xero.

pub mod attach;
pub mod claims;
pub mod compose;
pub mod deliver;
pub mod dkim;
pub mod email;
pub mod explain;
pub mod mail_dns;
pub mod mailer;
pub mod outbox_rows;
pub mod page_link;
pub mod run;
mod run_error;

pub use run_error::RunError;
