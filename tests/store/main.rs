//! The storage boundary's contract (docs/architecture.md, "The storage boundary"), checked
//! through `Store` alone: no backend type appears here. Every test runs against every backend
//! `backends()` gives; a new backend (PostgreSQL) is added there and must pass the same tests.

mod attachments;
mod books_and_memory;
mod inbox;
mod opening;
mod outbox;
mod page_actions;
mod page_links;
mod records_and_cursors;
mod support;
mod tokens_events_links_calls;
