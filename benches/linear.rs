//! `collectiq check` time by input size, for junk and for valid text at 64 KB, 256 KB and 1 MB:
//! each should take about four times as long as the size before it. It once grew with the square
//! of the number of problems (40,000 NULs took 23 s). Each run reads, checks and renders what
//! `check` prints: the first problems of the file and a count of the rest. Run with
//! `cargo bench --bench linear`.

mod common;

use std::path::Path;

use collectiq::check::check_bytes;
use collectiq::diagnostics::{Shown, Sources, Style, render_human, render_json, render_not_shown, shown};
use collectiq::files::Folder;
use divan::Bencher;
use divan::counter::BytesCount;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies");
const SIZES_KB: [usize; 3] = [64, 256, 1024];

fn main() {
    divan::main();
}

/// `text` repeated and cut to `size` bytes, on a character boundary.
fn repeated(text: &str, size: usize) -> String {
    let mut out = text.repeat(size / text.len() + 1);
    let mut end = size;
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

fn nuls(size: usize) -> String {
    "\0".repeat(size)
}

fn quotes(size: usize) -> String {
    "\"".repeat(size)
}

/// The example strategies one after another, over and over.
fn examples(size: usize) -> String {
    let mut paths: Vec<_> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "strategy"))
        .collect();
    paths.sort();
    let all: String = paths.iter().map(|path| std::fs::read_to_string(path).unwrap()).collect();
    repeated(&all, size)
}

/// CJK characters and emoji, with a space or a line end now and then.
fn cjk(size: usize) -> String {
    let mut random = fastrand::Rng::with_seed(1);
    let mut text = String::with_capacity(size + 4);
    while text.len() < size {
        let c = match random.u32(..100) {
            0 => '\n',
            1..=9 => ' ',
            10..=19 => char::from_u32(0x1F600 + random.u32(..80)).unwrap(),
            _ => char::from_u32(0x4E00 + random.u32(..500)).unwrap(),
        };
        text.push(c);
    }
    text
}

/// A generated strategy that checks clean (warnings aside), of about `size` bytes.
fn valid(size: usize) -> String {
    // The generator writes about 72 bytes a line.
    let text = common::strategy(size / 72);
    assert!(!collectiq::syntax::parse(&text).has_errors());
    text
}

/// What `collectiq check` does with the file: read, check, and render what it prints.
fn check(text: &str, format_json: bool) -> usize {
    let mut sources = Sources::default();
    let folder = Folder(Path::new(CORPUS).to_path_buf());
    let checked = check_bytes("input.strategy", text.as_bytes().to_vec(), &folder, &mut sources);
    if format_json {
        return render_json(&checked.diagnostics, &sources).len();
    }
    shown(&checked.diagnostics)
        .iter()
        .map(|entry| match entry {
            Shown::Diagnostic(diagnostic) => render_human(diagnostic, &sources, Style::Plain).len(),
            Shown::NotShown(not_shown) => render_not_shown(not_shown, &sources).len(),
        })
        .sum()
}

fn bench(bencher: Bencher, text: String, format_json: bool) {
    bencher.counter(BytesCount::of_str(&text)).bench(|| check(divan::black_box(&text), format_json));
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn junk_nuls(bencher: Bencher, kb: usize) {
    bench(bencher, nuls(kb * 1024), false);
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn junk_quotes(bencher: Bencher, kb: usize) {
    bench(bencher, quotes(kb * 1024), false);
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn junk_examples_concatenated(bencher: Bencher, kb: usize) {
    bench(bencher, examples(kb * 1024), false);
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn junk_cjk_and_emoji(bencher: Bencher, kb: usize) {
    bench(bencher, cjk(kb * 1024), false);
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn junk_nuls_json(bencher: Bencher, kb: usize) {
    bench(bencher, nuls(kb * 1024), true);
}

#[divan::bench(args = SIZES_KB, sample_count = 10, sample_size = 1)]
fn valid_strategy(bencher: Bencher, kb: usize) {
    bench(bencher, valid(kb * 1024), false);
}
