//! The text of every email a week of the wholesale strategy sends to a small sandbox organisation,
//! as the customer reads it: a change to templates, variables, filters or recipients shows here.

use jiff::{Timestamp, ToSpan};
use serde_json::Value;

use crate::support::*;

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

fn shown(email: &Value, due: &str, sent: &str, rule: &str) -> String {
    let list = |field: &str| {
        email[field].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect::<Vec<_>>().join(", ")
    };
    let mut text = format!(
        "Rule: {rule}\nDue: {due}, sent by the run at {sent}\nMessage-ID: {}\nFrom: {} <{}>\nTo: {}\n",
        email["message_id"].as_str().unwrap(),
        email["from_name"].as_str().unwrap_or_default(),
        email["from_address"].as_str().unwrap(),
        list("to"),
    );
    if !email["cc"].as_array().unwrap().is_empty() {
        text.push_str(&format!("Cc: {}\n", list("cc")));
    }
    if let Some(reply_to) = email["reply_to"].as_str() {
        text.push_str(&format!("Reply-To: {reply_to}\n"));
    }
    text.push_str(&format!("Subject: {}\n\n{}", email["subject"].as_str().unwrap(), email["text"].as_str().unwrap()));
    if let Some(html) = email["html"].as_str() {
        text.push_str(&format!("\n--- HTML ---\n{html}"));
    }
    text
}

#[test]
fn every_email_of_a_wholesale_week() {
    let world = World::start("emails", sandbox_config(67, 1, 20, 300));
    let strategy = examples().join("wholesale.strategy");
    let first: Timestamp = "2026-11-24T21:00:00Z".parse().unwrap();
    // Wednesday 25 November to Tuesday 1 December in Auckland: reminders, then the statement run.
    for day in 0..7 {
        let at = first.checked_add((24 * day).hours()).unwrap().to_string();
        world.run(&strategy, &at, &[]);
        world.admin("/sandbox/advance?days=1");
    }
    let db = world.db();
    let mut statement = db
        .prepare(
            "SELECT email, occurrence_date, done_at, rule_text FROM actions WHERE email IS NOT NULL
             ORDER BY done_at, occurrence_date, key",
        )
        .unwrap();
    let emails: Vec<(String, String, String, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(emails.len() >= 5, "a week sends several emails ({})", emails.len());
    assert!(emails.iter().any(|(.., rule)| rule.contains("statement")), "the 1st brings statements");
    let all: Vec<String> = emails
        .iter()
        .map(|(email, due, sent, rule)| shown(&serde_json::from_str(email).unwrap(), due, sent, rule))
        .collect();
    let text = all.join("\n\n==========\n\n").replace(&world.url(), "http://sandbox");
    assert_eq!(world.smtp.received().len(), emails.len());
    snapshot_settings().bind(|| insta::assert_snapshot!("emails-wholesale-week", text));
}

#[test]
fn preview_writes_the_email_a_run_would_send_signed_and_stores_nothing() {
    let world = World::start("preview", sandbox_config(67, 1, 20, 300));
    let synced = world.collectiq(&["sync"]);
    assert!(synced.status.success(), "{}", text(&synced));
    let key = world.folder.join("dkim.pem");
    let made = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out", key.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(made.success());
    world.configure(&format!(
        "[email.dkim]\ndomain = \"harbourwholesale.example\"\nselector = \"mail2026\"\nkey_file = \"{}\"\n",
        key.display()
    ));
    let number: String = world
        .db()
        .query_row(
            "SELECT i.number FROM invoices i JOIN contacts c ON c.contact_id = i.contact_id
              WHERE i.status = 'AUTHORISED' AND i.amount_due > 0 AND c.email IS NOT NULL ORDER BY i.number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let out = world.folder.join("preview");
    let strategy = examples().join("wholesale.strategy");
    let args = [
        "preview",
        "wholesale-overdue-firm",
        "--invoice",
        &number,
        "--strategy",
        strategy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--at",
        "2026-11-30T21:00:00Z",
    ];
    let shown = world.collectiq(&args);
    assert!(shown.status.success(), "{}", text(&shown));
    let eml = std::fs::read_to_string(out.join(format!("wholesale-overdue-firm-{number}.eml"))).unwrap();
    let eml = eml.replace("\r\n ", " ");
    let html = std::fs::read_to_string(out.join(format!("wholesale-overdue-firm-{number}.html"))).unwrap();
    assert!(eml.contains("multipart/alternative") && eml.contains("text/plain") && eml.contains("text/html"), "{eml}");
    assert!(eml.contains("DKIM-Signature: v=1; a=ed25519-sha256; d=harbourwholesale.example; s=mail2026;"), "{eml}");
    assert!(eml.contains("@harbourwholesale.example>") && eml.contains("Auto-Submitted: auto-generated"), "{eml}");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains(&number), "{html}");
    assert!(text(&shown).contains("Wrote "), "{}", text(&shown));
    assert_eq!(world.count("SELECT COUNT(*) FROM actions"), 0, "a preview records nothing");
    assert_eq!(world.count("SELECT COUNT(*) FROM page_links"), 0, "and makes no link");
    assert!(world.smtp.received().is_empty(), "and sends nothing");

    let unknown =
        world.collectiq(&["preview", "no-such", "--invoice", &number, "--strategy", strategy.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown).contains("has no template \"no-such\"; it has wholesale-due-today"), "{}", text(&unknown));
}

#[test]
fn a_strategy_that_claims_under_the_uk_act_shows_the_claim_on_sterling_invoices_only() {
    let world = World::start("claims", sandbox_config(67, 1, 40, 600));
    let strategy = examples().join("engineering.strategy");
    let synced = world.collectiq(&["sync"]);
    assert!(synced.status.success(), "{}", text(&synced));
    // The simulation of the day, from the same store, before the run sends anything.
    let simulated = world.collectiq(&[
        "simulate",
        strategy.to_str().unwrap(),
        "--from",
        "2026-11-24",
        "--days",
        "1",
        "--format",
        "json",
    ]);
    assert!(simulated.status.success(), "{}", text(&simulated));
    let simulated: Value = serde_json::from_slice(&simulated.stdout).unwrap();
    world.run(&strategy, "2026-11-24T10:00:00Z", &["--no-sync"]);
    let db = world.db();
    // Each email's claim is what the simulation said it would be, to the penny.
    let mut compared = 0;
    let mut sent = db.prepare("SELECT invoices, email FROM actions WHERE email IS NOT NULL").unwrap();
    for row in sent.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap() {
        let (ids, email) = row.unwrap();
        let email: Value = serde_json::from_str(&email).unwrap();
        let body = email["text"].as_str().unwrap();
        let Some(line) = body.lines().find(|line| line.starts_with("Late-payment claim ")) else { continue };
        let shown = line.rsplit("GBP ").next().unwrap().trim().to_string();
        let mut numbers: Vec<String> = serde_json::from_str::<Vec<String>>(&ids)
            .unwrap()
            .iter()
            .map(|id| db.query_row("SELECT number FROM invoices WHERE invoice_id = ?1", [id], |r| r.get(0)).unwrap())
            .collect();
        numbers.sort();
        let action = simulated["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                let mut theirs: Vec<String> =
                    a["invoice_numbers"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
                theirs.sort();
                a["kind"] == "email" && theirs == numbers
            })
            .unwrap_or_else(|| panic!("the simulation has no email about {numbers:?}"));
        let claim = action["claims"].as_array().unwrap().iter().find(|c| c["currency"] == "GBP").unwrap();
        let total: rust_decimal::Decimal = claim["total"].as_str().unwrap().parse().unwrap();
        assert_eq!(collectiq::ledger::money::group_thousands(total), shown, "{numbers:?}: {action}\n{body}");
        compared += 1;
    }
    assert!(compared > 0, "some email carried a claim to compare");
    let mut statement = db.prepare("SELECT email FROM actions WHERE email IS NOT NULL").unwrap();
    let emails: Vec<Value> = statement
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|email| serde_json::from_str(&email.unwrap()).unwrap())
        .collect();
    let text_part = |email: &Value| email["text"].as_str().unwrap().to_string();
    let sterling: Vec<String> = emails.iter().map(text_part).filter(|t| t.contains("GBP ")).collect();
    let others: Vec<String> = emails.iter().map(text_part).filter(|t| !t.contains("GBP ")).collect();
    assert!(
        !sterling.is_empty() && !others.is_empty(),
        "{} emails about sterling invoices, {} others",
        sterling.len(),
        others.len()
    );
    let overdue: Vec<&String> =
        sterling.iter().filter(|t| t.contains("days  ") && t.contains("Late-payment claim")).collect();
    assert!(!overdue.is_empty(), "an overdue sterling invoice carries its claim:\n{}", sterling.join("\n----\n"));
    for email in &overdue {
        // 1.5% a month is 18% a year, simple; the Act's compensation is banded on the total.
        assert!(email.contains("at 18% a year"), "{email}");
        assert!(
            email.contains("compensation GBP 40.00")
                || email.contains("compensation GBP 70.00")
                || email.contains("compensation GBP 100.00"),
            "{email}"
        );
        assert!(email.contains("Total with late-payment claim"), "{email}");
    }
    for email in &others {
        assert!(
            !email.contains("claimed:") && !email.contains("Late-payment claim"),
            "no claim outside sterling:\n{email}"
        );
    }
    // explain shows the same figures as the email, period by period.
    let line = overdue
        .iter()
        .flat_map(|email| email.lines())
        .find(|line| line.starts_with("- INV") && line.contains("claimed: interest for"))
        .expect("an invoice's claim in words");
    let number = line.trim_start_matches("- ").split(':').next().unwrap();
    let interest = line.split("a year, ").nth(1).unwrap().split(';').next().unwrap();
    let explain = |at: &str| {
        let explained = world.collectiq(&["explain", number, "--strategy", strategy.to_str().unwrap(), "--at", at]);
        assert!(explained.status.success(), "{}", text(&explained));
        text(&explained)
    };
    let shown = explain("2026-11-24T10:00:00Z");
    assert!(
        shown.contains("Late-payment claim at the contract's 18% a year, with the UK Late Payment Act's compensation"),
        "{shown}"
    );
    assert!(shown.contains(&format!("interest {interest} over")), "the email's {interest} in:\n{shown}");

    // A dispute stops the interest from the day it is raised (today, by the clock) while it lasts.
    let later = Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24 * 30)).unwrap().to_string();
    let days_claimed = || {
        let shown = explain(&later);
        shown
            .split(" over ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|days| days.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("the days claimed in:\n{shown}"))
    };
    let undisputed = days_claimed();
    let disputed = world.collectiq(&["dispute", number]);
    assert!(disputed.status.success(), "{}", text(&disputed));
    let while_disputed = days_claimed();
    assert!(
        (29..=31).contains(&(undisputed - while_disputed)),
        "{undisputed} days, then {while_disputed} while disputed"
    );
}

/// Whether `text` holds a date such as `Nov 5, 2026` (as the US writes it in a table).
fn has_us_date(text: &str) -> bool {
    const MONTHS: [&str; 12] =
        ["Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "];
    MONTHS.iter().any(|month| {
        text.match_indices(month).any(|(at, _)| {
            let rest = &text[at + month.len()..];
            let day: String = rest.chars().take_while(char::is_ascii_digit).collect();
            !day.is_empty() && rest[day.len()..].starts_with(", 2026")
        })
    })
}

#[test]
fn each_organisation_writes_money_and_dates_as_its_country_does() {
    // Four organisations: New Zealand, Australia, the United Kingdom and the United States.
    let world = World::start("locales", sandbox_config(67, 4, 20, 300));
    let strategy = examples().join("wholesale.strategy");
    world.run(&strategy, "2026-11-25T21:00:00Z", &[]);
    let db = world.db();
    let mut statement = db
        .prepare(
            "SELECT o.country_code, a.email FROM actions a JOIN organisations o ON o.tenant_id = a.tenant_id
              WHERE a.email IS NOT NULL",
        )
        .unwrap();
    let emails: Vec<(String, String)> = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|row| {
            let (country, email) = row.unwrap();
            (country, serde_json::from_str::<Value>(&email).unwrap()["text"].as_str().unwrap().to_string())
        })
        .collect();
    let of = |country: &str| emails.iter().filter(|(c, _)| c == country).map(|(_, t)| t.as_str()).collect::<Vec<_>>();
    let (us, nz) = (of("US"), of("NZ"));
    assert!(!us.is_empty() && !nz.is_empty(), "emails from both: {} US, {} NZ", us.len(), nz.len());
    assert!(us.iter().any(|text| has_us_date(text)), "a US table dates as the US does:\n{}", us.join("\n----\n"));
    assert!(!nz.iter().any(|text| has_us_date(text)), "New Zealand does not:\n{}", nz.join("\n----\n"));
    assert!(nz.iter().any(|text| text.contains("/2026  ")), "New Zealand writes 5/11/2026:\n{}", nz.join("\n----\n"));

    // `[email] locale` sets one locale for every organisation: here German figures and dates.
    world.configure("[email]\nlocale = \"de-DE\"\n");
    let number: String = db
        .query_row(
            "SELECT i.number FROM invoices i JOIN contacts c ON c.contact_id = i.contact_id
               JOIN organisations o ON o.tenant_id = i.tenant_id
              WHERE o.country_code = 'NZ' AND i.status = 'AUTHORISED' AND i.amount_due > 0 AND c.email IS NOT NULL
              ORDER BY i.number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let out = world.folder.join("preview-de");
    let args = ["preview", "wholesale-overdue-firm", "--invoice", &number, "--org", "Harbour Wholesale Ltd"];
    let more =
        ["--strategy", strategy.to_str().unwrap(), "--out", out.to_str().unwrap(), "--at", "2026-11-30T21:00:00Z"];
    let shown = world.collectiq(&[&args[..], &more[..]].concat());
    assert!(shown.status.success(), "{}", text(&shown));
    let html = std::fs::read_to_string(out.join(format!("wholesale-overdue-firm-{number}.html"))).unwrap();
    assert!(html.contains(",") && html.contains(" NZD</td>"), "German figures put the currency after:\n{html}");
    let german_date = html.split("nowrap\">").any(|cell| {
        let date: Vec<char> = cell.chars().take(10).collect();
        date.len() == 10 && date[2] == '.' && date[5] == '.' && cell[10..].starts_with("</td>")
    });
    assert!(german_date, "and date as 05.11.2026:\n{html}");
}
