//! Properties that must hold for every input:
//! - reading and checking never panic, whatever the text or bytes, and every span stays inside
//!   its file;
//! - formatting a strategy and reading it back gives the same tree (spans aside), and formatting
//!   twice changes nothing;
//! - a megabyte of junk gets an answer: the first problems of the file, and a count of the rest
//!   that adds up, in the human and the JSON output.

mod common;

use std::path::Path;

use collectiq::check::{check, check_file};
use collectiq::diagnostics::{
    MOST_SHOWN, Shown, Sources, Style, render_human, render_json, render_not_shown, shown, thousands,
};
use collectiq::files::Folder;
use collectiq::format::format_source;
use collectiq::source::SourceFile;
use collectiq::syntax::parse;
use common::without_spans;
use proptest::prelude::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies");

/// Reads, checks and renders `text`, asserting that every span is inside the file it names.
fn read_everything(text: &str) {
    let parsed = parse(text);
    let mut sources = Sources::default();
    let file = sources.add(SourceFile::new("input.strategy", text));
    let mut diagnostics = parsed.diagnostics.clone();
    if let Some(strategy) = &parsed.strategy {
        diagnostics.extend(check(strategy, &Folder(Path::new(CORPUS).to_path_buf()), &mut sources, file));
    }
    for diagnostic in &diagnostics {
        let length = sources.get(diagnostic.file).text().len();
        for span in std::iter::once(diagnostic.primary.span).chain(diagnostic.secondary.iter().map(|l| l.span)) {
            assert!(span.start <= span.end && span.end <= length, "span {span:?} is outside a file of {length} bytes");
        }
        render_human(diagnostic, &sources, Style::Plain);
    }
    for comment in &parsed.comments {
        assert!(comment.end <= text.len());
    }
}

/// Words and symbols of the language, to build inputs that reach deep into the parser.
const PIECES: &[&str] = &[
    "Strategy",
    "\"x\"",
    "Settings:",
    "Segments:",
    "For",
    "every",
    "customer",
    "customers",
    ":",
    ".",
    ",",
    "\n",
    "send",
    "the",
    "email",
    "days",
    "day",
    "business",
    "weeks",
    "months",
    "after",
    "before",
    "due",
    "date",
    "overdue",
    "at",
    "when",
    "an",
    "invoice",
    "is",
    "from",
    "to",
    "between",
    "and",
    "or",
    "not",
    "(",
    ")",
    "if",
    "unless",
    "7",
    "0",
    "1,000",
    "2.5",
    "$5,000",
    "NZD",
    "9am",
    "17:00",
    "2026-12-25",
    "25",
    "December",
    "1st",
    "Monday",
    "escalate",
    "create",
    "a",
    "call",
    "task",
    "stop",
    "chasing",
    "in",
    "contact",
    "group",
    "with",
    "more",
    "than",
    "outstanding",
    "are",
    "all",
    "other",
    "Don't",
    "contact",
    "#",
    "“",
    "\"",
    ";",
    "é",
    "promises",
    "pay",
    "pause",
    "until",
    "replies",
    "handled",
    "says",
    "they",
    "have",
    "paid",
    "keep",
    "bounces",
];

fn language_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|pieces| pieces.join(" "))
}

fn corpus_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for folder in [Path::new(CORPUS).to_path_buf(), Path::new(CORPUS).join("invalid")] {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "strategy") {
                texts.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    texts
}

/// A corpus file with a few of its words deleted, repeated, swapped or replaced.
fn mutated_corpus() -> impl Strategy<Value = String> {
    let texts = corpus_texts();
    (
        prop::sample::select(texts),
        prop::collection::vec((any::<prop::sample::Index>(), 0..4u8, prop::sample::select(PIECES)), 1..6),
    )
        .prop_map(|(text, mutations)| {
            let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
            for (index, kind, piece) in mutations {
                let at = index.index(words.len().max(1));
                match kind {
                    0 if !words.is_empty() => {
                        words.remove(at);
                    }
                    1 if !words.is_empty() => {
                        let word = words[at].clone();
                        words.insert(at, word);
                    }
                    2 if at + 1 < words.len() => words.swap(at, at + 1),
                    _ => words.insert(at.min(words.len()), piece.to_string()),
                }
            }
            words.join(" ")
        })
}

proptest! {


    #[test]
    fn any_text_is_read_without_panicking(text in any::<String>()) {
        read_everything(&text);
    }

    #[test]
    fn language_soup_is_read_without_panicking(text in language_soup()) {
        read_everything(&text);
        read_everything(&format!("Strategy \"s\".\nFor every customer:\n{text}"));
    }

    #[test]
    fn mutated_strategies_are_read_without_panicking(text in mutated_corpus()) {
        read_everything(&text);
        // A mutation that still reads cleanly must format and read back to the same tree.
        if let Ok(formatted) = format_source(&text) {
            let original = parse(&text).strategy.unwrap();
            let reread = common::parse_clean(&formatted);
            prop_assert_eq!(without_spans(&reread), without_spans(&original));
        }
    }

    #[test]
    fn any_bytes_are_checked_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let path = std::env::temp_dir().join(format!("collectiq-bytes-{}.strategy", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mut sources = Sources::default();
        let checked = check_file(&path, &mut sources).unwrap();
        for diagnostic in &checked.diagnostics {
            render_human(diagnostic, &sources, Style::Plain);
        }
        std::fs::remove_file(&path).unwrap();
    }
}

// ---- A megabyte of junk ----

const MEGABYTE: usize = 1 << 20;

/// Pieces junk is made of: what was slow or fragile once (NULs, quotes, CJK and emoji, full
/// stops, brackets, long words) and words of the language.
const JUNK: &[&str] = &[
    "\0",
    "\"",
    "“",
    "日",
    "本",
    "🙂",
    "é",
    ".",
    "(",
    ")",
    "not ",
    "a",
    "dayz",
    " ",
    "\n",
    "\r",
    "\t",
    ":",
    "$5,000",
    "@",
    "-",
    "#",
    "Strategy \"s\".\n",
    "For every customer:\n",
    "Segments:\n",
    "\"x\" customers are ",
    "1 day after the due date, send the \"friendly-reminder\" email.\n",
    "Use the \"Pacific/Aukland\" time zone.\n",
];

/// A megabyte from a seed: random bytes (kind 0, rarely UTF-8), random ASCII (1), or random
/// junk pieces (2).
fn megabyte(seed: u64, kind: u8) -> Vec<u8> {
    let mut random = fastrand::Rng::with_seed(seed);
    let mut bytes = Vec::with_capacity(MEGABYTE + 64);
    while bytes.len() < MEGABYTE {
        match kind % 3 {
            0 => bytes.push(random.u8(..)),
            1 => bytes.push(random.u8(..128)),
            _ => bytes.extend_from_slice(JUNK[random.usize(..JUNK.len())].as_bytes()),
        }
    }
    bytes
}

/// Checks `bytes` as `collectiq check` does, and asserts that what is shown, in both formats,
/// is the first problems of the file and a count of the rest that adds up.
fn check_megabyte(bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = std::env::temp_dir().join(format!("collectiq-megabyte-{}.strategy", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let mut sources = Sources::default();
    let checked = check_file(&path, &mut sources).unwrap();
    std::fs::remove_file(&path).unwrap();
    let total = checked.diagnostics.len();
    prop_assert!(total > 0, "a megabyte of junk has problems");

    let shown = shown(&checked.diagnostics);
    let (mut listed, mut counted) = (0, 0);
    for entry in &shown {
        match entry {
            Shown::Diagnostic(diagnostic) => {
                listed += 1;
                render_human(diagnostic, &sources, Style::Plain);
            }
            Shown::NotShown(not_shown) => {
                counted += not_shown.count;
                prop_assert!(render_not_shown(not_shown, &sources).contains(&thousands(not_shown.count)));
            }
        }
    }
    prop_assert_eq!(listed, total.min(MOST_SHOWN));
    prop_assert_eq!(listed + counted, total);

    let json: serde_json::Value = serde_json::from_str(&render_json(&checked.diagnostics, &sources)).unwrap();
    let entries = json.as_array().unwrap();
    let not_shown: u64 = entries.iter().filter_map(|entry| entry["not_shown"].as_u64()).sum();
    let problems = entries.iter().filter(|entry| entry["code"] != "more-problems").count();
    prop_assert_eq!(problems, total.min(MOST_SHOWN));
    prop_assert_eq!(problems + not_shown as usize, total);
    Ok(())
}

proptest! {
    // Each case reads two megabytes, a second or two in a debug build: two cases are enough to
    // run each time, and the seeds change from run to run.
    #![proptest_config(ProptestConfig::with_cases(2))]

    #[test]
    fn a_megabyte_of_junk_shows_the_first_problems_and_counts_the_rest(seed in any::<u64>(), text_kind in 1..3u8) {
        // Random bytes, which are rarely UTF-8, and random text of one kind or the other.
        check_megabyte(&megabyte(seed, 0))?;
        check_megabyte(&megabyte(seed, text_kind))?;
    }
}

// ---- Generated strategies, in every phrasing the language accepts ----

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(options)
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..400).prop_map(|n| n.to_string()),
        pick(&["one", "two", "seven", "twelve"]).prop_map(str::to_string)
    ]
}

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        (number(), pick(&["days", "day", "business days", "weeks", "months", "years", "fortnights"]))
            .prop_map(|(n, u)| format!("{n} {u}")),
        pick(&["a week", "a fortnight", "a day", "a month", "an hour-free day"])
            .prop_filter("a real length", |d| !d.contains("hour"))
            .prop_map(str::to_string),
    ]
}

fn money() -> impl Strategy<Value = String> {
    (1u32..2_000_000, prop_oneof![Just(0u32), 1u32..100]).prop_flat_map(|(whole, cents)| {
        let amount = if cents == 0 { whole.to_string() } else { format!("{whole}.{cents:02}") };
        pick(&["$", "€", "£", "NZD ", " AUD"]).prop_map(move |symbol| match symbol {
            " AUD" => format!("{amount} AUD"),
            prefix => format!("{prefix}{amount}"),
        })
    })
}

fn name() -> impl Strategy<Value = String> {
    pick(&["friendly", "firm-reminder", "Sam", "Dana", "VIP", "Do not chase", "statement"])
        .prop_map(|n| format!("\"{n}\""))
}

fn comparison() -> impl Strategy<Value = &'static str> {
    pick(&["more than", "over", "at least", "less than", "under", "at most", "fewer than"])
}

fn trigger() -> impl Strategy<Value = String> {
    prop_oneof![
        (duration(), pick(&["before the due date", "before an invoice is due"])).prop_map(|(d, t)| format!("{d} {t}")),
        duration().prop_map(|d| format!("when an invoice is due in {d}")),
        pick(&["on the due date", "when an invoice is due"]).prop_map(str::to_string),
        (duration(), pick(&["after the due date", "overdue", "past due"])).prop_map(|(d, t)| format!("{d} {t}")),
        duration().prop_map(|d| format!("at {d} overdue")),
        duration().prop_map(|d| format!("when an invoice is overdue by {d}")),
        (duration(), 1u32..40, 40u32..90)
            .prop_map(|(every, a, b)| format!("every {every} from {a} to {b} days overdue")),
        (pick(&["week", "month", "fortnight", "day"]), duration())
            .prop_map(|(every, from)| format!("every {every} after {from} overdue")),
        (duration(), pick(&["after the invoice date", "after an invoice is issued"]))
            .prop_map(|(d, t)| format!("{d} {t}")),
        pick(&[
            "every Monday",
            "every friday",
            "on the 1st of every month",
            "on the last day of every month",
            "on the first of every month"
        ])
        .prop_map(str::to_string),
    ]
}

fn invoice_test() -> impl Strategy<Value = String> {
    prop_oneof![
        (comparison(), money()).prop_map(|(c, m)| format!("{c} {m} is outstanding")),
        (comparison(), money()).prop_map(|(c, m)| format!("the invoice total is {c} {m}")),
        Just("the invoice is partly paid".to_string()),
        Just("the invoice is in AUD".to_string()),
        name().prop_map(|n| format!("the reference contains {n}")),
        Just("the customer has promised to pay".to_string()),
    ]
}

fn invoice_condition() -> impl Strategy<Value = String> {
    invoice_test().prop_recursive(3, 8, 3, |inner| {
        prop_oneof![
            (inner.clone(), pick(&["and", "or"]), inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

fn action() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => name().prop_map(|n| format!("send the {n} email")),
        1 => name().prop_map(|n| format!("send {n} email and copy \"ap@acme.example\", \"b@c.example\"")),
        1 => name().prop_map(|n| format!("send the {n} email with the invoice PDF")),
        1 => name().prop_map(|n| format!("send {n} email and copy \"ap@acme.example\" with a statement PDF and the invoice PDF")),
        // Weighted so that each of the three forms is as likely as each other action.
        3 => call_action(),
        1 => name().prop_map(|n| format!("escalate to {n}")),
        1 => Just("stop chasing".to_string()),
    ]
}

fn call_action() -> impl Strategy<Value = String> {
    prop_oneof![
        name().prop_map(|n| format!("create a call task for {n}")),
        name().prop_map(|n| format!("ask {n} to call the customer")),
        name().prop_map(|n| format!("assign a call to {n}")),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    (trigger(), prop::option::of((pick(&["if", "when", "unless"]), invoice_condition())), action(), any::<bool>())
        .prop_map(|(trigger, condition, action, swapped)| {
            let condition = condition.map(|(keyword, c)| format!("{keyword} {c}"));
            match (swapped, condition) {
                (false, Some(c)) => format!("{trigger}, {c}, {action}."),
                (false, None) => format!("{trigger}, {action}."),
                (true, Some(c)) => format!("{action} {trigger} {c}."),
                (true, None) => format!("{action} {trigger}."),
            }
        })
}

fn customer_test() -> impl Strategy<Value = String> {
    prop_oneof![
        name().prop_map(|n| format!("customers in the contact group {n}")),
        (comparison(), money(), pick(&["outstanding", "overdue"]))
            .prop_map(|(c, m, w)| format!("customers with {c} {m} {w}")),
        (comparison(), money(), duration()).prop_map(|(c, m, d)| format!("customers billed {c} {m} in the last {d}")),
        Just("customers billed in AUD".to_string()),
        (comparison(), duration()).prop_map(|(c, d)| format!("customers whose first invoice was {c} {d} ago")),
        (comparison(), duration()).prop_map(|(c, d)| format!("customers who pay {c} {d} late on average")),
        (1u32..9).prop_map(|n| format!("customers with {n} or more overdue invoices")),
        (pick(&["ends with", "contains", "starts with", "is"]), name())
            .prop_map(|(m, n)| format!("customers whose email address {m} {n}")),
        (pick(&["ends with", "contains"]), name()).prop_map(|(m, n)| format!("customers whose name {m} {n}")),
    ]
}

fn customer_condition() -> impl Strategy<Value = String> {
    customer_test().prop_recursive(3, 8, 3, |inner| {
        prop_oneof![
            (inner.clone(), pick(&["and", "or"]), inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

fn guard() -> impl Strategy<Value = String> {
    prop_oneof![
        (pick(&["Don't", "Never", "Do not"]), customer_condition()).prop_map(|(n, c)| format!("{n} contact {c}.")),
        Just("Stop chasing disputed invoices.".to_string()),
        duration()
            .prop_map(|d| format!("When a customer promises to pay, pause chasing until {d} after the promised date.")),
        Just("When a customer promises to pay pause chasing until the promised date.".to_string()),
        action().prop_map(|a| format!("If a promise is broken, {a}.")),
        money().prop_map(|m| format!("Skip invoices with less than {m} outstanding.")),
        Just("When a customer replies pause chasing until the reply is handled.".to_string()),
        duration().prop_map(|d| format!("When a customer replies, pause chasing for {d}.")),
        Just("Keep chasing when clients reply.".to_string()),
        duration().prop_map(|d| format!("When a customer says they have paid, pause chasing for {d}.")),
        call_action().prop_map(|a| format!("When an email bounces, {a}.")),
    ]
}

fn setting() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Send emails from \"ar@acme.example\" as \"Acme Accounts\".".to_string()),
        Just("Replies go to \"ar@acme.example\".".to_string()),
        (
            pick(&["only on business days", "on weekdays", "on any day", "only on every day"]),
            pick(&["between 9am and 5pm", "from 8:30am to 17:00", "between 9 am and noon"])
        )
            .prop_map(|(d, w)| format!("Send {d} {w}.")),
        Just("Use the \"Pacific/Auckland\" time zone.".to_string()),
        pick(&["2026-12-25", "25 December", "January 1", "26th December"])
            .prop_map(|d| format!("Treat {d} and 2027-01-04 as holidays.")),
        duration().prop_map(|d| format!("Never email a customer more than once every {d}.")),
        money().prop_map(|m| format!("Ignore invoices with less than {m} outstanding.")),
        pick(&[
            "Combine reminders for the same customer into one email.",
            "Don't combine reminders.",
            "Don't catch up on missed reminders.",
            "Log every email and call to Xero.",
            "Don't log to Xero."
        ])
        .prop_map(str::to_string),
        duration().prop_map(|d| format!("Catch up on missed reminders for up to {d}.")),
        Just("Reach \"Dana\" at \"dana@acme.example\".".to_string()),
    ]
}

fn segment() -> impl Strategy<Value = String> {
    (
        pick(&["\"A\"", "\"B c\"", "Smb"]),
        pick(&["customers are", "are"]),
        prop_oneof![Just("all other customers".to_string()), Just("everyone else".to_string()), customer_condition()],
    )
        .prop_map(|(n, are, c)| format!("{n} {are} {c}."))
}

fn generated_strategy() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(setting(), 0..4),
        prop::collection::vec(segment(), 0..3),
        prop::collection::vec(prop_oneof![rule(), guard()], 1..6),
        any::<bool>(),
    )
        .prop_map(|(settings, segments, rules, one_line)| {
            let separator = if one_line { " " } else { "\n  " };
            format!(
                "# generated\nStrategy \"Generated\" for organisation \"A\".\n\nSettings:\n  {}\nSegments:\n  {}\nFor every customer: # shared\n  {}\n",
                settings.join(separator),
                segments.join(separator),
                rules.join(separator)
            )
        })
}

proptest! {


    #[test]
    fn formatting_keeps_the_tree_and_is_idempotent(text in generated_strategy()) {
        let original = common::parse_clean(&text);
        let formatted = format_source(&text).unwrap();
        let reread = common::parse_clean(&formatted);
        prop_assert_eq!(without_spans(&reread), without_spans(&original));
        prop_assert_eq!(format_source(&formatted).unwrap(), formatted.clone());
        prop_assert!(formatted.contains("# generated") && formatted.contains("# shared"), "comments are kept");
    }
}
