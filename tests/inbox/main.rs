//! The inbox: real-shaped messages concluded as docs/inbox.md says, a real IMAP server (Dovecot)
//! read over plain IMAP and TLS, replies pausing the chase, bounces stopping a dead address, and
//! hostile input stored or refused with a reason, never a panic or a half-written message.

mod corpus;
mod dovecot;
mod hostile;
mod imap;
mod pausing;
mod scripts;
#[path = "../store/support.rs"]
#[allow(dead_code)]
mod support;
mod world;
