fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = collectiq::syntax::parse(&text);
    let mut sources = collectiq::diagnostics::Sources::default();
    sources.add(collectiq::source::SourceFile::new(path, text));
    for d in &parsed.diagnostics {
        print!("{}", collectiq::diagnostics::render_human(d, &sources, collectiq::diagnostics::Style::Plain));
    }
    if std::env::args().nth(2).is_some() {
        println!("{:#?}", parsed.strategy);
    }
    println!("ok={}", parsed.strategy.is_some());
}
