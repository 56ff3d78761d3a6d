//! Speed of reading strategies (PRODUCT.md: parse + check ≥ 5 MB/s; `collectiq check` of a
//! typical strategy < 10 ms as a whole process). Run with `cargo bench --bench strategy`.

mod common;

use std::path::Path;
use std::process::Command;

use collectiq::check::check;
use collectiq::diagnostics::Sources;
use collectiq::files::Folder;
use collectiq::source::SourceFile;
use divan::Bencher;
use divan::counter::BytesCount;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies");
const LINES: usize = 10_000;

fn main() {
    divan::main();
}

fn large() -> String {
    let text = common::strategy(LINES);
    let parsed = collectiq::syntax::parse(&text);
    assert!(!parsed.has_errors(), "the generated strategy must parse cleanly: {:?}", parsed.diagnostics.first());
    text
}

#[divan::bench]
fn parse_10k_lines(bencher: Bencher) {
    let text = large();
    bencher.counter(BytesCount::of_str(&text)).bench(|| collectiq::syntax::parse(divan::black_box(&text)));
}

#[divan::bench]
fn parse_and_check_10k_lines(bencher: Bencher) {
    let text = large();
    bencher.counter(BytesCount::of_str(&text)).bench(|| {
        let parsed = collectiq::syntax::parse(divan::black_box(&text));
        let mut sources = Sources::default();
        let file = sources.add(SourceFile::new("generated.strategy", text.as_str()));
        let strategy = parsed.strategy.expect("a tree");
        let diagnostics = check(&strategy, &Folder(Path::new(CORPUS).to_path_buf()), &mut sources, file);
        assert!(diagnostics.iter().all(|d| !d.is_error()));
        diagnostics
    });
}

#[divan::bench]
fn format_10k_lines(bencher: Bencher) {
    let text = large();
    bencher.counter(BytesCount::of_str(&text)).bench(|| collectiq::format::format_source(divan::black_box(&text)));
}

/// The whole `collectiq check` process on a typical strategy, as a user runs it.
#[divan::bench(sample_count = 50)]
fn check_process_typical_strategy() {
    let status = Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(["check", "strategies/wholesale.strategy"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}
