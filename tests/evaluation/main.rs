//! The runtime's decisions, scenario by scenario, over days of a simulated ledger: LANGUAGE.md §7
//! held to the letter, with no I/O in the way.

mod harness;
mod scenarios;
