//! `collectiq compile FILE [-o OUT]` and `collectiq schema`.

use std::path::Path;

use super::Outcome;
use super::output::{eprint_human, summary, write_atomically};
use crate::plan::{CompileError, compile_path, to_json};

pub fn run(file: &Path, out: Option<&Path>) -> Outcome {
    let compiled = match compile_path(file) {
        Ok(compiled) => compiled,
        Err(CompileError::Invalid { diagnostics, sources }) => {
            eprint_human(&diagnostics, &sources);
            eprintln!("{} was not compiled: {}", file.display(), summary(&diagnostics));
            return Outcome::Problems;
        }
        Err(CompileError::Unreadable(why)) => {
            eprintln!("error: {why}");
            return Outcome::Failed;
        }
    };
    eprint_human(&compiled.warnings, &compiled.sources);
    let json = to_json(&compiled.plan);
    match out {
        None => print!("{json}"),
        Some(out) => {
            if let Err(error) = write_atomically(out, &json) {
                eprintln!("error: cannot write {}: {error}", out.display());
                return Outcome::Failed;
            }
            eprintln!("wrote the plan of {} to {}", file.display(), out.display());
        }
    }
    Outcome::Clean
}

pub fn schema() -> Outcome {
    print!("{}", crate::plan::schema());
    Outcome::Clean
}
