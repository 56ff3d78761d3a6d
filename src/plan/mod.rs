//! The action plan: the contract between the strategy language and everything that acts on it.
//! `compile` turns a checked strategy into a [`Plan`]; `diff` compares two plans for review;
//! `load` reads a plan back from JSON, refusing versions and shapes it does not know. The
//! runtime and simulator need only the types in `types`.

mod claim;
mod compile;
mod convert;
mod describe;
pub mod diff;
mod fingerprint;
pub mod ids;
mod load;
pub mod report;
mod types;

pub use claim::{Claim, ContractualRate, Law, RatePeriod};
pub use compile::{CompileError, Compiled, compile, compile_bytes, compile_path};
pub use load::{LoadError, from_json, schema, to_json};
pub use types::*;
