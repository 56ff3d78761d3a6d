//! `collectiq check FILES…`

use std::path::PathBuf;

use super::error::CommandError;
use super::output::{fail, print_human, strategy_files, summary};
use super::{Format, Outcome};
use crate::check::check_file;
use crate::diagnostics::{Diagnostic, Sources, render_json};

pub fn run(paths: &[PathBuf], format: Format) -> Outcome {
    let files = match strategy_files(paths) {
        Ok(files) => files,
        Err(error) => return fail(error),
    };
    let mut sources = Sources::default();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut unreadable = 0;
    for path in &files {
        match check_file(path, &mut sources) {
            Ok(checked) => diagnostics.extend(checked.diagnostics),
            Err(cause) => {
                fail(CommandError::Io { doing: format!("read {}", path.display()), cause });
                unreadable += 1;
            }
        }
    }
    match format {
        Format::Json => println!("{}", render_json(&diagnostics, &sources)),
        Format::Human => {
            print_human(&diagnostics, &sources);
            let checked = files.len() - unreadable;
            let noun = if checked == 1 { "strategy" } else { "strategies" };
            let unread = match unreadable {
                0 => String::new(),
                1 => " (1 file could not be read)".to_string(),
                n => format!(" ({n} files could not be read)"),
            };
            eprintln!("checked {checked} {noun}{unread}: {}", summary(&diagnostics));
        }
    }
    if unreadable > 0 {
        Outcome::Failed
    } else if diagnostics.iter().any(Diagnostic::is_error) {
        Outcome::Problems
    } else {
        Outcome::Clean
    }
}
