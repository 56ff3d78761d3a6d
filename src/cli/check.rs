//! `collectiq check FILES…`

use std::path::PathBuf;

use super::output::{print_human, strategy_files, summary};
use super::{Format, Outcome};
use crate::check::check_file;
use crate::diagnostics::{Diagnostic, Sources, render_json};

pub fn run(paths: &[PathBuf], format: Format) -> Outcome {
    let files = match strategy_files(paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Failed;
        }
    };
    let mut sources = Sources::default();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut unreadable = false;
    for path in &files {
        match check_file(path, &mut sources) {
            Ok(checked) => diagnostics.extend(checked.diagnostics),
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                unreadable = true;
            }
        }
    }
    match format {
        Format::Json => println!("{}", render_json(&diagnostics, &sources)),
        Format::Human => {
            print_human(&diagnostics, &sources);
            let noun = if files.len() == 1 { "strategy" } else { "strategies" };
            eprintln!("checked {} {noun}: {}", files.len(), summary(&diagnostics));
        }
    }
    if unreadable {
        Outcome::Failed
    } else if diagnostics.iter().any(Diagnostic::is_error) {
        Outcome::Problems
    } else {
        Outcome::Clean
    }
}
