//! Printing diagnostics and errors, and finding the strategy files a command was given.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::Outcome;
use super::error::CommandError;
use crate::diagnostics::{
    Diagnostic, Severity, Shown, Sources, Style, render_human, render_not_shown, shown, thousands,
};

/// Colour only for a terminal, and never when NO_COLOR is set.
pub fn style() -> Style {
    let wanted = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    if wanted && std::io::stdout().is_terminal() { Style::Colour } else { Style::Plain }
}

/// The first problems of each file, and a count of the rest.
pub fn print_human(diagnostics: &[Diagnostic], sources: &Sources) {
    let style = style();
    for entry in shown(diagnostics) {
        print!("{}", render_entry(&entry, sources, style));
    }
}

fn render_entry(entry: &Shown<'_>, sources: &Sources, style: Style) -> String {
    match entry {
        Shown::Diagnostic(diagnostic) => render_human(diagnostic, sources, style),
        Shown::NotShown(not_shown) => render_not_shown(not_shown, sources),
    }
}

/// `2 errors and 1 warning`, counting those not shown too.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let count = |severity| diagnostics.iter().filter(|d| d.severity == severity).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let plural = |n: usize, one: &str, many: &str| format!("{} {}", thousands(n), if n == 1 { one } else { many });
    match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (e, 0) => plural(e, "error", "errors"),
        (0, w) => plural(w, "warning", "warnings"),
        (e, w) => format!("{} and {}", plural(e, "error", "errors"), plural(w, "warning", "warnings")),
    }
}

/// The files named, with each folder replaced by its `*.strategy` files in name order.
pub fn strategy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CommandError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(strategies_in(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn strategies_in(folder: &Path) -> Result<Vec<PathBuf>, CommandError> {
    let entries = std::fs::read_dir(folder)
        .map_err(|cause| CommandError::Io { doing: format!("read the folder {}", folder.display()), cause })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "strategy") && path.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CommandError::NoStrategies { folder: folder.to_path_buf() });
    }
    Ok(files)
}

/// Writes beside the file and renames over it, so the file is never left half-written.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = directory.join(format!(".{file_name}.collectiq-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Says on standard error why a command failed, with what to do about it: every command's
/// errors are rendered here, once, by miette.
pub fn fail(error: impl Into<CommandError>) -> Outcome {
    let error = error.into();
    eprint!("{}", render_error(&error, error_style()));
    Outcome::Failed
}

/// An error as `fail` shows it.
pub fn render_error(error: &CommandError, style: Style) -> String {
    let theme = match style {
        Style::Colour => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    // Wide enough that a message is never broken inside a path or a command to copy.
    let handler = GraphicalReportHandler::new_themed(theme).with_width(10_000).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, error).is_err() {
        out = format!("error: {error}\n");
    }
    out
}

fn error_style() -> Style {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() { Style::Colour } else { Style::Plain }
}

/// Problems on standard error, for commands whose standard output is their result.
pub fn eprint_human(diagnostics: &[Diagnostic], sources: &Sources) {
    let style = error_style();
    for entry in shown(diagnostics) {
        eprint!("{}", render_entry(&entry, sources, style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn an_error_is_shown_with_what_to_do_about_it() {
        let shown = render_error(&CommandError::NothingConnected, Style::Plain);
        assert!(shown.contains("no organisation is connected yet"), "{shown}");
        assert!(shown.contains("run `collectiq connect` first"), "{shown}");
        let locked = CommandError::from(StoreError::RunsLocked { path: "/srv/collectiq.db".into() });
        let shown = render_error(&locked, Style::Plain);
        assert!(shown.contains("/srv/collectiq.db") && shown.contains("cron"), "{shown}");
        // A long message is never broken inside a path someone may copy.
        let long = CommandError::NoStore { path: format!("/{}/collectiq.db", "very-long-folder/".repeat(12)).into() };
        assert!(render_error(&long, Style::Plain).contains(&"very-long-folder/".repeat(12)));
    }
}
