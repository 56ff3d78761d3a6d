//! `collectiq diff OLD NEW` and `collectiq diff --git REV FILE`: what a change to a strategy
//! does, as a reviewer reads it. Exit 0 when the plans mean the same, 1 when they differ, 2 on
//! error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::Outcome;
use super::error::CommandError;
use super::output::{eprint_human, fail};
use crate::files::{GitRevision, StrategyFiles};
use crate::plan::report::{self, Palette};
use crate::plan::{CompileError, Plan, compile_bytes, compile_path, diff::diff, from_json};
use crate::runtime::RunError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// What `--impact` needs: where the data is, how far to look, how many invoices to list.
pub struct ImpactArgs<'a> {
    pub global: &'a super::context::Global,
    pub data: &'a super::simulate::DataArgs,
    pub days: u32,
    pub top: usize,
}

pub fn run(
    files: &[std::path::PathBuf],
    git: Option<&str>,
    format: DiffFormat,
    impact: Option<ImpactArgs<'_>>,
) -> Outcome {
    let sides = match (git, files) {
        (Some(revision), [file]) => load_at_revision(file, revision).and_then(|old| Ok((old, load(file)?))),
        (None, [old, new]) => load(old).and_then(|old| Ok((old, load(new)?))),
        (Some(_), _) => Err(CommandError::Missing {
            what: "the file",
            help: "with --git, give one file: collectiq diff --git REV FILE",
        }),
        (None, _) => {
            Err(CommandError::Missing { what: "a file to compare", help: "give two files: collectiq diff OLD NEW" })
        }
    };
    let (old, new) = match sides {
        Ok(sides) => sides,
        Err(error) => return fail(error),
    };
    let changes = diff(&old, &new);
    let impact = match impact.map(|args| {
        let loaded = args.data.load(args.global, &new)?;
        args.data.impact(&old, &new, &loaded, args.days, args.top)
    }) {
        None => None,
        Some(Ok(impact)) => Some(impact),
        Some(Err(error)) => return fail(error),
    };
    let differs = !changes.is_empty() || impact.as_ref().is_some_and(|i| !i.is_empty());
    if format == DiffFormat::Json {
        let json = match &impact {
            Some(impact) => serde_json::json!({ "changes": changes, "impact": impact }),
            None => serde_json::to_value(&changes).unwrap_or_default(),
        };
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return if differs { Outcome::Problems } else { Outcome::Clean };
    }
    match format {
        DiffFormat::Text => {
            let palette = if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                Palette::colour()
            } else {
                Palette::plain()
            };
            print!("{}", report::text(&changes, palette));
        }
        DiffFormat::Markdown => print!("{}", report::markdown(&changes)),
        DiffFormat::Json => {}
    }
    if let Some(impact) = &impact {
        print!("\n{}", impact.markdown());
    }
    if differs { Outcome::Problems } else { Outcome::Clean }
}

fn is_plan(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "json")
}

/// A plan from a plan file, or compiled from a strategy file.
fn load(path: &Path) -> Result<Plan, CommandError> {
    if is_plan(path) {
        let text = std::fs::read_to_string(path)
            .map_err(|cause| CommandError::Io { doing: format!("read {}", path.display()), cause })?;
        let mut plan = from_json(&text).map_err(|cause| CommandError::Plan { path: path.to_path_buf(), cause })?;
        // Reports name the file given, and what it was compiled from.
        plan.source = format!("{} (the plan of {})", path.display(), plan.source);
        return Ok(plan);
    }
    compiled(path, compile_path(path))
}

/// The plan of a file as it was at a git revision.
fn load_at_revision(path: &Path, revision: &str) -> Result<Plan, CommandError> {
    let files =
        GitRevision::of(path, revision).map_err(|cause| CommandError::Io { doing: "use git here".into(), cause })?;
    let file_name = Path::new(path.file_name().unwrap_or_default());
    let name = format!("{} at {revision}", path.display());
    let text = files.read(file_name).map_err(|cause| CommandError::Io { doing: format!("read {name}"), cause })?;
    if is_plan(path) {
        return from_json(&text).map_err(|cause| CommandError::Plan { path: PathBuf::from(&name), cause });
    }
    compiled(Path::new(&name), compile_bytes(&name, text.into_bytes(), &files))
}

fn compiled(path: &Path, result: Result<crate::plan::Compiled, CompileError>) -> Result<Plan, CommandError> {
    match result {
        Ok(compiled) => Ok(compiled.plan),
        Err(CompileError::Invalid { diagnostics, sources }) => {
            eprint_human(&diagnostics, &sources);
            Err(CommandError::HasErrors { path: path.to_path_buf() })
        }
        Err(cause) => Err(CommandError::Run(RunError::StrategyDoesNotCompile { path: path.to_path_buf(), cause })),
    }
}
