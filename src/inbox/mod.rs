//! Hearing the customer: the mailbox replies go to, read over IMAP or imported from files, each
//! message concluded (a reply, an automatic answer, a bounce, unmatched or unreadable) and stored
//! once with why, pausing, opening tasks and suppressing dead addresses as docs/inbox.md says.
//!
//! `message` reads the bytes (mail-parser), `bounce` and `auto_reply` recognise machine mail,
//! `conclude` matches a message to customers, `import` is the one path after the bytes, and
//! `imap`, `fetch` and `files` are where bytes come from.

pub mod auto_reply;
pub mod bounce;
pub mod conclude;
pub mod fetch;

pub mod files;
pub mod imap;

pub mod import;
pub mod message;
pub mod policies;

pub use conclude::{Policies, Policy};
pub use import::{Imported, Importer};
