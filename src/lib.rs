//! CollectIQ: accounts-receivable collections for Xero, driven by strategies written in plain
//! language.
//!
//! The pipeline: `syntax` reads a strategy into an [`ast::Strategy`], `check` finds what is
//! wrong with it, and `format` writes it back in canonical phrasing. Every phase reports through
//! one [`diagnostics::Diagnostic`] type.

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
pub mod ledger;
pub mod naming;
pub mod net;
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
