//! The simulation as one self-contained HTML page: no scripts, no fonts or images fetched, so it
//! opens offline and can be attached to an email. Two charts drawn as inline SVG (actions per day
//! by kind; the outstanding balance by age over time) and the day-by-day table.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::report::Report;
use crate::ledger::aging::Bucket;
use crate::ledger::money::group_thousands;

/// The kinds drawn in the actions chart, with their colours.
const KINDS: [(&str, &str); 5] = [
    ("email", "#2f6fdf"),
    ("statement", "#7fa8ef"),
    ("call", "#e0962b"),
    ("escalation", "#d2453b"),
    ("stop", "#7a7a7a"),
];
const BUCKET_COLOURS: [&str; 5] = ["#9cc9a8", "#f2d36b", "#f0a55a", "#e0713f", "#b8322a"];
/// Rows of the table beyond which the page would be too heavy to open; JSON has them all.
const TABLE_ROWS: usize = 5_000;
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 220.0;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut page = String::new();
    let title = format!("Simulation of \u{201c}{}\u{201d} for {}", report.strategy, report.organisation);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(page, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        page,
        "<p class=\"lead\">{} days from {}: {} actions.</p>",
        report.days, report.from, report.totals.actions
    );
    page.push_str(&totals(report));
    let _ = writeln!(page, "<h2>Actions per day</h2>{}", actions_chart(report));
    let _ = writeln!(page, "<h2>Outstanding by age</h2>{}", aging_chart(report));
    if !report.events.is_empty() {
        let from_the_page = report.events.iter().any(|e| matches!(e.kind, "promise" | "dispute" | "paid_claim"));
        let heading = if from_the_page { "Replies, bounces and the customer page" } else { "Replies and bounces" };
        let _ = writeln!(page, "<h2>{heading}</h2>{}", events(report));
    }
    let _ = writeln!(page, "<h2>Day by day</h2>{}", table(report));
    page.push_str("</body></html>\n");
    page
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px}.lead{color:#555}\
table{border-collapse:collapse;width:100%;font-size:12px}td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\
.totals td{border:none;padding:1px 10px 1px 0}.num{text-align:right;font-variant-numeric:tabular-nums}";

fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (label, colour) in items {
        let _ = write!(out, "<span><i style=\"background:{colour}\"></i>{}</span>", escape(label));
    }
    out.push_str("</div>");
    out
}

fn totals(report: &Report) -> String {
    let mut out = String::from("<table class=\"totals\"><tr>");
    let column = |heading: &str, rows: Vec<(String, usize)>| {
        let mut cell = format!("<td><b>{}</b><br>", escape(heading));
        for (name, count) in rows {
            let _ = write!(cell, "{} {}<br>", count, escape(&name));
        }
        cell.push_str("</td>");
        cell
    };
    let totals = &report.totals;
    out.push_str(&column("By kind", totals.by_kind.iter().map(|(k, n)| (k.to_string(), *n)).collect()));
    out.push_str(&column("By rule", totals.by_rule.iter().map(|(k, n)| (k.clone(), *n)).collect()));
    out.push_str(&column("By segment", totals.by_segment.iter().map(|(k, n)| (k.clone(), *n)).collect()));
    if totals.replies + totals.auto_replies + totals.bounces + totals.held_by_replies > 0 {
        let rows = vec![
            ("replies".to_string(), totals.replies),
            ("auto-replies".to_string(), totals.auto_replies),
            ("bounces".to_string(), totals.bounces),
            ("addresses set aside".to_string(), totals.addresses_set_aside),
            ("emails not sent because a customer had replied".to_string(), totals.held_by_replies),
        ];
        out.push_str(&column("Replies and bounces", rows));
    }
    if totals.promises + totals.disputes + totals.paid_claims + totals.held_by_paid_claims > 0 {
        let rows = vec![
            ("promises".to_string(), totals.promises),
            ("disputes".to_string(), totals.disputes),
            ("claims of payment".to_string(), totals.paid_claims),
            ("reminders not sent because the customer said they had paid".to_string(), totals.held_by_paid_claims),
        ];
        out.push_str(&column("Customer page", rows));
    }
    out.push_str("</tr></table>");
    out
}

fn actions_chart(report: &Report) -> String {
    let days = report.days.max(1) as usize;
    let mut counts = vec![[0usize; KINDS.len()]; days];
    for action in &report.actions {
        let day = (action.date - report.from).get_days().max(0) as usize;
        if let (Some(row), Some(kind)) = (counts.get_mut(day), KINDS.iter().position(|(k, _)| *k == action.kind)) {
            row[kind] += 1;
        }
    }
    let most = counts.iter().map(|row| row.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let bar = WIDTH / days as f64;
    let mut svg = svg_open(&format!("Actions per day; at most {most} on one day"));
    for (day, row) in counts.iter().enumerate() {
        let mut top = HEIGHT;
        for (kind, count) in row.iter().enumerate().filter(|(_, n)| **n > 0) {
            let height = *count as f64 / most as f64 * (HEIGHT - 10.0);
            top -= height;
            let _ = write!(
                svg,
                "<rect x=\"{:.2}\" y=\"{top:.2}\" width=\"{:.2}\" height=\"{height:.2}\" fill=\"{}\"/>",
                day as f64 * bar,
                (bar - 0.5).max(0.5),
                KINDS[kind].1
            );
        }
    }
    let _ = write!(svg, "<text x=\"4\" y=\"12\" font-size=\"11\">{most} a day</text></svg>");
    svg + &legend(&KINDS)
}

fn aging_chart(report: &Report) -> String {
    let most = report.aging.iter().map(|d| d.total).max().unwrap_or(Decimal::ZERO);
    let scale = most.to_f64().unwrap_or(0.0).max(1.0);
    let step = WIDTH / report.aging.len().max(2).saturating_sub(1) as f64;
    let mut svg = svg_open("Outstanding balance by age over time");
    // Stacked areas, drawn from the oldest bucket (at the bottom) up.
    let mut below = vec![0.0f64; report.aging.len()];
    for (bucket, colour) in Bucket::ALL.iter().rev().zip(BUCKET_COLOURS.iter().rev()) {
        let above: Vec<f64> = report
            .aging
            .iter()
            .zip(&below)
            .map(|(day, base)| base + day.buckets.get(*bucket).to_f64().unwrap_or(0.0))
            .collect();
        let point =
            |n: usize, value: f64| format!("{:.2},{:.2}", n as f64 * step, HEIGHT - value / scale * (HEIGHT - 10.0));
        let mut points: Vec<String> = above.iter().enumerate().map(|(n, v)| point(n, *v)).collect();
        points.extend(below.iter().enumerate().rev().map(|(n, v)| point(n, *v)));
        let _ = write!(svg, "<polygon points=\"{}\" fill=\"{colour}\"/>", points.join(" "));
        below = above;
    }
    let _ = write!(svg, "<text x=\"4\" y=\"12\" font-size=\"11\">{}</text></svg>", group_thousands(most));
    let labels: Vec<(&str, &str)> = Bucket::ALL.iter().map(|b| b.label()).zip(BUCKET_COLOURS).collect();
    svg + &legend(&labels)
}

fn svg_open(label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" style=\"background:#fafafa;border:1px solid #e4e4e4\">",
        escape(label)
    )
}

fn table(report: &Report) -> String {
    let mut out = String::from(
        "<table><tr><th>Date</th><th>Kind</th><th>Customer</th><th>Segment</th><th>Invoices</th>\
         <th class=\"num\">Amount</th><th>Rule</th><th>Why</th></tr>\n",
    );
    for action in report.actions.iter().take(TABLE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            action.date,
            action.kind,
            escape(&action.contact_name),
            escape(action.segment.as_deref().unwrap_or("")),
            escape(&action.invoice_numbers.join(", ")),
            group_thousands(action.amount)
                + &action.claims.iter().map(|claim| format!("<br>{}", escape(&claim.to_string()))).collect::<String>(),
            escape(&action.rule),
            escape(&action.reason)
        );
    }
    out.push_str("</table>\n");
    if report.actions.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "<p>The first {TABLE_ROWS} of {} actions are shown; <code>--format json</code> lists them all.</p>",
            report.actions.len()
        );
    }
    out
}

/// What customers did, each on its day (before that day's run).
fn events(report: &Report) -> String {
    let mut out = String::from("<table><tr><th>Date</th><th>#</th><th>Kind</th><th>Customer</th><th>What</th></tr>\n");
    for event in report.events.iter().take(TABLE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            event.date,
            event.number,
            event.kind.replace('_', "-"),
            escape(&event.contact_name),
            escape(&event.description)
        );
    }
    out.push_str("</table>\n");
    out
}
