//! The floors of `src/` (docs/architecture.md): every module may use the ones below it in
//! [`FLOORS`] and never one above, the pure core uses no I/O crate, and no two sibling files
//! use each other except the lexer and its tokens.
//!
//! It reads the source as text: every `crate::…` and `super::…` path, in a `use` of any form
//! (`use crate::{a, b::c}`, `use crate::runtime as _`) or written out in code, comments and
//! strings left aside.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top to bottom. Mirrored in docs/architecture.md.
const FLOORS: &[(&str, &str)] = &[
    ("main", "the binary: hands its arguments to cli"),
    ("cli", "commands, their flags and output; renders every error once"),
    ("demo", "the guided tour against the built-in sandbox"),
    ("autopilot", "the long-running process: schedule, webhooks, health"),
    ("page", "the customer's own page behind a signed link, and their answers"),
    ("simulate", "decide on a virtual clock over real or generated books"),
    ("sandbox", "a local stand-in for Xero's API and identity service"),
    ("inbox", "the reply mailbox: IMAP and files, read, concluded, stored once"),
    ("runtime", "the I/O shell of a run: load, decide, record, compose, deliver, notes"),
    ("xero", "Xero's wire format, the client and its budget, OAuth, sync, webhooks"),
    ("store", "the storage boundary and its SQLite backend"),
    ("decide", "the pure core: plan × books × memory × instant → decisions"),
    ("plan", "the compiled, versioned action plan, its diffs and reports"),
    ("check", "what is wrong with a strategy, before it is compiled"),
    ("format", "a strategy written back in canonical phrasing"),
    ("template", "email templates: loading, variables, rendering"),
    ("syntax", "lexer and parser: text to the strategy tree"),
    ("ast", "the strategy tree"),
    ("diagnostics", "one diagnostic type, rendered for people and as JSON"),
    ("config", "collectiq.toml and the environment"),
    ("secret", "secrets that never print, the token key and sealing"),
    ("pdf", "the invoice and statement PDFs: values in, bytes out"),
    ("ledger", "domain types: money, currencies, records, ageing"),
    ("files", "reading files with errors that name them"),
    ("source", "source text, spans and line numbers"),
    ("net", "loopback and address helpers"),
    ("failpoint", "named fail points for crash tests"),
    ("naming", "how generated things are named"),
    ("suggest", "did-you-mean suggestions"),
];

/// Crates the pure core must not use, in code or in its tests.
const NOT_IN_THE_CORE: &[&str] = &["tokio", "reqwest", "rusqlite", "lettre", "axum", "std::fs", "std::net"];

/// The clock, which the pure core is given as a value instead of reading.
const CLOCKS: &[&str] = &["Timestamp::now", "Zoned::now", "SystemTime", "Instant::now", "Date::today"];

/// The one circle between sibling files: the logos idiom (see `src/syntax/token.rs`).
const ALLOWED_CIRCLES: &[(&str, &str)] = &[("syntax::lexer", "syntax::token")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path a file defines: `src/store/mod.rs` → `store`, `src/decide/evaluate/due.rs`
/// → `decide::evaluate::due`, `src/lib.rs` → the crate root (empty), `src/main.rs` → `main`.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && stem == "lib")) {
        parts.push(stem.to_string());
    }
    parts
}

/// The text with comments, string and character literals blanked (newlines kept), so that a
/// path mentioned in prose or in a message is not read as a use.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(chars[i..j.min(chars.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("   ");
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            // '\n', '\'', '\u{…}'
            let mut j = i + 2;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Reads an identifier (or `*`) at `at`, after spaces.
fn word(text: &[char], at: &mut usize) -> Option<String> {
    while *at < text.len() && text[*at].is_whitespace() {
        *at += 1;
    }
    let start = *at;
    if text.get(*at) == Some(&'*') {
        *at += 1;
        return Some("*".into());
    }
    while *at < text.len() && (text[*at].is_alphanumeric() || text[*at] == '_') {
        *at += 1;
    }
    (start < *at).then(|| text[start..*at].iter().collect())
}

fn double_colon(text: &[char], at: &mut usize) -> bool {
    let mut j = *at;
    while j < text.len() && text[j].is_whitespace() {
        j += 1;
    }
    if text.get(j) == Some(&':') && text.get(j + 1) == Some(&':') {
        *at = j + 2;
        true
    } else {
        false
    }
}

/// Every path that starts at `at` (just after `crate` or `super`), expanding `{…}` groups:
/// each as its segments.
fn paths_from(text: &[char], at: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        if !double_colon(text, at) {
            out.push(path);
            return;
        }
        let mut j = *at;
        while j < text.len() && text[j].is_whitespace() {
            j += 1;
        }
        if text.get(j) == Some(&'{') {
            *at = j + 1;
            loop {
                let mut k = *at;
                while k < text.len() && text[k].is_whitespace() {
                    k += 1;
                }
                if text.get(k) == Some(&'}') {
                    *at = k + 1;
                    return;
                }
                match word(text, at) {
                    Some(first) => paths_from(text, at, [path.clone(), vec![first]].concat(), out),
                    None => {
                        out.push(path.clone());
                        return;
                    }
                }
                // Skip `as name` and anything else up to the next comma or the group's end.
                let mut depth = 0;
                while *at < text.len() {
                    match text[*at] {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            *at += 1;
                            break;
                        }
                        _ => {}
                    }
                    *at += 1;
                }
            }
        }
        match word(text, at) {
            Some(segment) => path.push(segment),
            None => {
                out.push(path);
                return;
            }
        }
    }
}

/// The modules a file refers to, as absolute module paths, with the file's own module for
/// context. Inline modules (`mod tests { … }`) are followed, so that `super::` inside them
/// resolves to the file's module.
fn references(file: &Path) -> Vec<Vec<String>> {
    references_in(&module_of(file), &std::fs::read_to_string(file).unwrap())
}

/// The modules a file of `module` holding `text` refers to.
fn references_in(module: &[String], text: &str) -> Vec<Vec<String>> {
    let text: Vec<char> = code_only(text).chars().collect();
    // The inline modules open at each brace depth.
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
            while inline.last().is_some_and(|(d, _)| *d > depth) {
                inline.pop();
            }
        }
        if !(c.is_alphabetic() || c == '_') || is_ident(i.checked_sub(1).map(|j| &text[j])) {
            i += 1;
            continue;
        }
        let mut at = i;
        let first = word(&text, &mut at).unwrap();
        if first == "mod" {
            let mut j = at;
            if let Some(name) = word(&text, &mut j) {
                while j < text.len() && text[j].is_whitespace() {
                    j += 1;
                }
                if text.get(j) == Some(&'{') {
                    inline.push((depth + 1, name));
                }
            }
            i = at;
            continue;
        }
        if first != "crate" && first != "super" {
            i = at;
            continue;
        }
        let mut here: Vec<String> = module.to_vec();
        here.extend(inline.iter().map(|(_, name)| name.clone()));
        let mut paths = Vec::new();
        paths_from(&text, &mut at, vec![first], &mut paths);
        for path in paths {
            let mut resolved = if path[0] == "crate" { Vec::new() } else { here.clone() };
            let mut rest = path.iter().skip(if path[0] == "crate" { 1 } else { 0 }).peekable();
            while rest.peek().is_some_and(|s| *s == "super") {
                rest.next();
                resolved.pop();
            }
            resolved.extend(rest.filter(|s| *s != "*" && *s != "self").cloned());
            found.push(resolved);
        }
        i = at;
    }
    found
}

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|(name, _)| *name == module)
}

#[test]
fn the_floors_cover_every_module_of_src() {
    let mut tops = BTreeSet::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "lib" {
            tops.insert(name);
        }
    }
    let missing: Vec<_> = tops.iter().filter(|t| floor(t).is_none()).collect();
    assert!(missing.is_empty(), "modules of src/ with no floor in the table: {missing:?}");
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    for (name, _) in FLOORS {
        assert!(doc.contains(&format!("`{name}`")), "docs/architecture.md does not describe `{name}`");
    }
}

/// Every use of a module above the user's own floor, as "file: path".
fn arrows_up(files: &[PathBuf]) -> Vec<String> {
    let mut up = Vec::new();
    for file in files {
        let module = module_of(file);
        let Some(own) = module.first().and_then(|m| floor(m)) else { continue };
        for target in references(file) {
            let Some(top) = target.first() else { continue };
            let Some(theirs) = floor(top) else { continue };
            if theirs < own {
                up.push(format!("{}: crate::{}", file.strip_prefix(src()).unwrap().display(), target.join("::")));
            }
        }
    }
    up
}

#[test]
fn no_module_uses_one_above_it() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let up = arrows_up(&files);
    assert!(up.is_empty(), "uses that run up the floors of docs/architecture.md:\n{}", up.join("\n"));
}

#[test]
fn an_arrow_up_in_any_form_is_seen() {
    let probe = ["store".to_string(), "probe".to_string()];
    for (written, seen) in [
        ("use crate::runtime as _;", "runtime"),
        ("use crate::{ledger::money, runtime::run::RunOptions};", "runtime::run::RunOptions"),
        ("use crate::{\n    cli,\n};", "cli"),
        ("fn f() { let _ = crate::simulate::engine::run; }", "simulate::engine::run"),
        ("mod tests { use super::super::super::autopilot::Autopilot; }", "autopilot::Autopilot"),
        ("use super::super::cli::Cli;", "cli::Cli"),
    ] {
        let text = references_in(&probe, written);
        assert!(text.iter().any(|t| t.join("::") == seen), "`{written}` was read as {text:?}, not as a use of {seen}");
    }
    for quiet in ["// use crate::runtime;", "let s = \"crate::runtime\";", "/* crate::cli */"] {
        assert!(references_in(&probe, quiet).is_empty(), "`{quiet}` is not a use");
    }
}

#[test]
fn the_pure_core_uses_no_io() {
    let mut files = Vec::new();
    rust_files(&src().join("decide"), &mut files);
    let mut found = Vec::new();
    for file in &files {
        let text = code_only(&std::fs::read_to_string(file).unwrap());
        for name in NOT_IN_THE_CORE {
            if text.contains(&format!("{name}::")) || text.contains(&format!("use {name};")) {
                found.push(format!("{}: {name}", file.strip_prefix(src()).unwrap().display()));
            }
        }
        for clock in CLOCKS {
            if text.contains(clock) {
                found.push(format!("{}: reads the clock ({clock})", file.strip_prefix(src()).unwrap().display()));
            }
        }
    }
    assert!(found.is_empty(), "src/decide/ must do no I/O and read no clock:\n{}", found.join("\n"));
}

#[test]
fn no_two_sibling_files_use_each_other() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        for target in references(file) {
            // The file that defines what the path names: its longest prefix that is a file.
            let Some(to) = (1..=target.len()).rev().map(|n| target[..n].to_vec()).find(|m| modules.contains(m)) else {
                continue;
            };
            let siblings = from.len() == to.len() && from[..from.len() - 1] == to[..to.len() - 1] && from != to;
            if siblings {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let mut circles = Vec::new();
    for (a, targets) in &edges {
        for b in targets {
            if a < b && edges.get(b).is_some_and(|back| back.contains(a)) {
                let (a, b) = (a.join("::"), b.join("::"));
                if !ALLOWED_CIRCLES.contains(&(a.as_str(), b.as_str())) {
                    circles.push(format!("{a} <-> {b}"));
                }
            }
        }
    }
    assert!(circles.is_empty(), "sibling files that use each other:\n{}", circles.join("\n"));
}
