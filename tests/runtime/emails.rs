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
