//! CollectIQ: accounts-receivable collections for Xero, driven by strategies written in plain
//! language.
//!
//! The pipeline, in order (the floors and their rules are in docs/architecture.md):
//!
//! 1. `syntax` reads a strategy into an [`ast::Strategy`]; `check` finds what is wrong with it;
//!    `format` writes it back in canonical phrasing. Every front-end phase reports through one
//!    [`diagnostics::Diagnostic`] type.
//! 2. `plan` compiles a checked strategy into a versioned [`plan::Plan`], with its templates
//!    (`template`).
//! 3. `xero` syncs each organisation's records (`ledger`) into the `store`, behind one boundary
//!    ([`store::Store`]: async operations, typed errors, SQLite today).
//! 4. `decide`, the pure core, evaluates a plan over an organisation's books and memory at an
//!    instant and gives decisions, with no I/O at all.
//! 5. `runtime`, the only I/O shell of a run, loads the books, has `decide` evaluate them,
//!    records the decisions, composes and delivers the emails and writes the history notes to
//!    Xero; `simulate` runs the same `decide` on a virtual clock instead.
//! 6. The customer answers back: `inbox` reads the mail replies go to (a reply pauses the chase,
//!    a bounce stops a dead address), and `page` serves each customer's own page behind the
//!    signed link in every email (promise, dispute, say it's paid, pay), both stored as customer
//!    events that `decide` reads back as memory.
//! 7. `autopilot` runs all of it on a schedule with webhooks and the pages (`collectiq serve`
//!    serves the pages and webhooks alone); `cli` and `demo` sit on top, and `cli` renders every
//!    phase's error once.

pub mod ast;
pub mod autopilot;
pub mod check;
pub mod cli;
pub mod config;
pub mod decide;
pub mod demo;
pub mod diagnostics;
pub mod failpoint;
pub mod files;
pub mod format;
pub mod inbox;
pub mod ledger;
pub mod naming;
pub mod net;
pub mod page;
pub mod pdf;
pub mod plan;
pub mod runtime;
pub mod sandbox;
pub mod secret;
pub mod simulate;
pub mod source;
pub mod store;
pub mod suggest;
pub mod syntax;
pub mod template;
pub mod xero;
