//! `collectiq compile FILE [-o OUT]` and `collectiq schema`.

use std::path::Path;

use super::Outcome;
use super::error::CommandError;
use super::output::{eprint_human, fail, summary, write_atomically};
use crate::plan::{CompileError, compile_path, to_json};

pub fn run(file: &Path, out: Option<&Path>) -> Outcome {
    let compiled = match compile_path(file) {
        Ok(compiled) => compiled,
        Err(CompileError::Invalid { diagnostics, sources }) => {
            eprint_human(&diagnostics, &sources);
            eprintln!("{} was not compiled: {}", file.display(), summary(&diagnostics));
            return Outcome::Problems;
        }
        Err(unreadable) => return fail(unreadable),
    };
    eprint_human(&compiled.warnings, &compiled.sources);
    let json = to_json(&compiled.plan);
    match out {
        None => print!("{json}"),
        Some(out) => {
            if let Err(cause) = write_atomically(out, &json) {
                return fail(CommandError::Io { doing: format!("write {}", out.display()), cause });
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
