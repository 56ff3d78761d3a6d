//! A large, realistic strategy for benchmarks: many segments, each with a full set of rules, in
//! the phrasings managers use. Shared by the benchmarks in this folder.

use std::fmt::Write;

/// About `lines` lines of strategy that checks without errors against `strategies/templates`.
pub fn strategy(lines: usize) -> String {
    let mut text = String::from("# Generated for benchmarks.\nStrategy \"Benchmark\".\n\nSettings:\n");
    for setting in [
        "Send emails from \"ar@acme.example\" as \"Acme Accounts\".",
        "Replies go to \"ar@acme.example\".",
        "Send only on business days between 9am and 5pm.",
        "Use the \"Pacific/Auckland\" time zone.",
        "Treat 2026-12-25, 2026-12-28 and 2027-01-01 as holidays.",
        "Never email a customer more than once every 3 days.",
        "Ignore invoices with less than $20 outstanding.",
        "Reach \"Dana\" at \"dana@acme.example\".",
    ] {
        writeln!(text, "  {setting}").unwrap();
    }
    let per_segment = 24;
    let segments = (lines / (per_segment + 3)).max(1);
    text.push_str("\nSegments:\n");
    for index in 0..segments {
        writeln!(text, "  \"Segment {index}\" customers are {}.", condition(index)).unwrap();
    }
    text.push_str("  \"Everyone else\" customers are all other customers.\n");
    for index in 0..segments {
        writeln!(text, "\nFor \"Segment {index}\" customers:").unwrap();
        for rule in 0..per_segment {
            writeln!(text, "  {}", rule_sentence(index, rule)).unwrap();
        }
    }
    text.push_str(
        "\nFor \"Everyone else\" customers:\n  1 day after the due date, send the \"friendly-reminder\" email.\n",
    );
    text.push_str("\nFor every customer:\n  Don't contact customers in the contact group \"Do not chase\".\n  Stop chasing disputed invoices.\n");
    text
}

fn condition(index: usize) -> String {
    match index % 6 {
        0 => format!("customers in the contact group \"Group {index}\""),
        1 => format!(
            "customers with more than ${},000 outstanding and customers in the contact group \"Region {index}\"",
            index + 1
        ),
        2 => format!(
            "customers whose name contains \"Branch {index}\" or customers whose email address ends with \".site{index}.example\""
        ),
        3 => format!(
            "customers billed more than ${},000 in the last 12 months and not customers in the contact group \"Staff {index}\"",
            index + 5
        ),
        4 => format!(
            "customers who pay more than {} days late on average and customers in the contact group \"Late {index}\"",
            index % 40 + 5
        ),
        _ => format!(
            "customers with {} or more overdue invoices and customers whose first invoice was more than {} days ago and customers in the contact group \"Old {index}\"",
            index % 5 + 2,
            index % 300 + 30
        ),
    }
}

fn rule_sentence(segment: usize, rule: usize) -> String {
    let day = segment % 3 + rule * 5;
    match rule % 8 {
        0 => "3 days before the due date, send the \"upcoming\" email.".to_string(),
        1 => format!("When an invoice is {} days overdue, send the \"friendly-reminder\" email.", day + 1),
        2 => format!(
            "At {} days overdue, if more than ${},000 is outstanding, create a call task for \"Sam\".",
            day + 2,
            rule + 1
        ),
        3 => format!(
            "Every 7 days from {} to {} days overdue, if the reference contains \"PO\", send the \"firm-reminder\" email.",
            day + 3,
            day + 24
        ),
        4 => format!(
            "Send the \"firm-reminder\" email {} days after the due date unless the invoice is partly paid.",
            day + 4
        ),
        5 => format!("At {} days overdue, escalate to \"Dana\".", day + 60),
        6 => "Every Monday, send the \"statement\" email.".to_string(),
        _ => format!("When an invoice is overdue by {} business days, ask \"Sam\" to call the customer.", day % 20 + 1),
    }
}
