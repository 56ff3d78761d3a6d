//! The strategy corpus under strategies/:
//! - every example strategy checks with no error or warning, is already in canonical form, and
//!   has its tree recorded as a snapshot;
//! - every broken strategy under strategies/invalid/ reports exactly the diagnostic codes its
//!   `# expect:` line lists, and its snapshot shows the input beside the rendered diagnostics.

mod common;

use std::path::{Path, PathBuf};

use collectiq::check::check_file;
use collectiq::diagnostics::Sources;
use collectiq::format::format_source;
use common::render_all;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies");

fn strategies_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "strategy"))
        .collect();
    files.sort();
    files
}

/// Paths in messages relative to the project, as a user running from the root would see them.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().to_path_buf()
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Runs with the project root as the working directory, so paths print as `strategies/…`.
fn check_relative(path: &Path, sources: &mut Sources) -> collectiq::check::CheckedFile {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    check_file(&relative(path), sources).unwrap()
}

#[test]
fn there_are_at_least_six_example_strategies() {
    assert!(strategies_in(Path::new(CORPUS)).len() >= 6);
}

#[test]
fn example_strategies_check_clean_and_are_canonical() {
    for path in strategies_in(Path::new(CORPUS)) {
        let mut sources = Sources::default();
        let checked = check_relative(&path, &mut sources);
        assert!(
            checked.diagnostics.is_empty(),
            "{} has problems:\n{}",
            path.display(),
            render_all(&checked.diagnostics, &sources)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            format_source(&text).unwrap(),
            text,
            "{} is not in canonical form; run collectiq fmt",
            path.display()
        );
    }
}

#[test]
fn example_strategy_trees() {
    for path in strategies_in(Path::new(CORPUS)) {
        let text = std::fs::read_to_string(&path).unwrap();
        let strategy = common::parse_clean(&text);
        snapshot_settings().bind(|| insta::assert_json_snapshot!(format!("tree-{}", stem(&path)), strategy));
    }
}

fn expected_codes(text: &str) -> Vec<String> {
    let line = text.lines().next().unwrap_or_default();
    let codes = line.strip_prefix("# expect:").expect("a broken strategy starts with an `# expect:` line");
    let mut codes: Vec<String> = codes.split(',').map(|code| code.trim().to_string()).collect();
    codes.sort();
    codes
}

#[test]
fn broken_strategies_report_what_they_expect() {
    let broken = strategies_in(&Path::new(CORPUS).join("invalid"));
    assert!(broken.len() >= 8);
    for path in broken {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = Sources::default();
        let checked = check_relative(&path, &mut sources);
        let mut codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code.to_string()).collect();
        codes.sort();
        assert_eq!(codes, expected_codes(&text), "{} reports other problems than it expects", path.display());

        let rendered = render_all(&checked.diagnostics, &sources);
        let shown = format!("{text}\n──── collectiq check {} ────\n{rendered}", relative(&path).display());
        snapshot_settings().bind(|| insta::assert_snapshot!(format!("diagnostics-{}", stem(&path)), shown));
    }
}
