//! `collectiq fmt FILES… [--check | --stdout]`

use std::path::{Path, PathBuf};

use super::Outcome;
use super::error::CommandError;
use super::output::{eprint_human, fail, strategy_files, write_atomically};
use crate::check::Problem;
use crate::diagnostics::Sources;
use crate::format::format_source;
use crate::source::{NotUtf8, SourceFile, decode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Rewrite,
    Check,
    Stdout,
}

impl Mode {
    pub fn from_flags(check: bool, stdout: bool) -> Mode {
        match (check, stdout) {
            (true, _) => Mode::Check,
            (_, true) => Mode::Stdout,
            _ => Mode::Rewrite,
        }
    }
}

pub fn run(paths: &[PathBuf], mode: Mode) -> Outcome {
    let files = match strategy_files(paths) {
        Ok(files) => files,
        Err(error) => return fail(error),
    };
    let mut outcome = Outcome::Clean;
    for path in &files {
        let result = format_one(path, mode);
        outcome = worst(outcome, result);
    }
    outcome
}

fn worst(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Failed, _) | (_, Outcome::Failed) => Outcome::Failed,
        (Outcome::Problems, _) | (_, Outcome::Problems) => Outcome::Problems,
        _ => Outcome::Clean,
    }
}

fn format_one(path: &Path, mode: Mode) -> Outcome {
    let (original, not_utf8) = match std::fs::read(path) {
        Ok(bytes) => decode(bytes),
        Err(cause) => return fail(CommandError::Io { doing: format!("read {}", path.display()), cause }),
    };
    let result = match not_utf8 {
        Some(NotUtf8 { byte, span }) => Err(vec![Problem::NotUtf8 { byte, span }.to_diagnostic()]),
        None => format_source(&original),
    };
    let formatted = match result {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            let mut sources = Sources::default();
            let file = sources.add(SourceFile::new(path.display().to_string(), original));
            let diagnostics: Vec<_> = diagnostics.into_iter().map(|d| d.in_file(file)).collect();
            eprint_human(&diagnostics, &sources);
            eprintln!("{} was not formatted: fix its errors first", path.display());
            return Outcome::Problems;
        }
    };
    match mode {
        Mode::Stdout => {
            print!("{formatted}");
            Outcome::Clean
        }
        Mode::Check if formatted != original => {
            println!("would reformat {}", path.display());
            Outcome::Problems
        }
        Mode::Check => Outcome::Clean,
        Mode::Rewrite if formatted == original => Outcome::Clean,
        Mode::Rewrite => match write_atomically(path, &formatted) {
            Ok(()) => {
                println!("formatted {}", path.display());
                Outcome::Clean
            }
            Err(cause) => fail(CommandError::Io { doing: format!("write {}", path.display()), cause }),
        },
    }
}
