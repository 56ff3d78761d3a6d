//! Answers that come after an email was decided: a promise made on the page holds back the
//! reminder about that invoice still waiting to go, and a claim to have paid entered by a person
//! (`collectiq paid-claim`) pauses the invoice as one from the page does.

use reqwest::StatusCode;
use serde_json::Value;

use crate::PageWorld;
use crate::http::*;
use crate::support::*;

/// Wednesday, within the default sending window, a week after the first reminders.
const A_WEEK_LATER: &str = "2026-12-02T10:00:00Z";

#[test]
fn a_promise_on_the_page_holds_back_the_reminder_already_decided_for_that_invoice() {
    let world = PageWorld::start("page-later", "");
    synced_at(&world.world, A_WEEK_LATER);
    world.world.run_with_mail_down(&world.strategy, A_WEEK_LATER);
    let db = world.world.db();
    let (action, invoice, email): (i64, String, String) = db
        .query_row(
            "SELECT id, subject_id, email FROM actions WHERE status = 'waiting' AND action_kind = 'email'
               AND subject_kind = 'invoice' AND email LIKE '%/p/%' ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a reminder waiting to go, with page links");
    let email: Value = serde_json::from_str(&email).unwrap();
    let text = email["text"].as_str().unwrap();
    let marker = format!("{}/p/", world.base);
    let (at, _) = text.match_indices(&marker).last().unwrap();
    let link: String = text[at..].chars().take_while(|c| !c.is_whitespace() && *c != '>').collect();

    let page = get(&world, &link);
    assert_eq!(page.status, StatusCode::OK, "the waiting email's own link opens");
    let today = page.body.split("min=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = value_of(&page.body, "form");
    let promised =
        post_form(&world, &format!("{link}/promise"), &[("form", &form), ("invoice", &invoice), ("on", &today)]);
    assert_eq!(promised.status, StatusCode::SEE_OTHER, "{}", promised.body);

    // The mail server is back: the reminder is not sent, and says why.
    world.world.run(&world.strategy, "2026-12-02T10:05:00Z", &["--no-sync"]);
    let (status, why): (String, Option<String>) = db
        .query_row("SELECT status, last_error FROM actions WHERE id = ?1", [action], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(status, "cancelled", "{why:?}");
    assert!(why.unwrap_or_default().contains("promised on their page"));
    let message_id = email["message_id"].as_str().unwrap();
    assert!(!world.world.smtp.counts().contains_key(message_id), "never sent");
}

#[test]
fn a_claim_to_have_paid_entered_by_a_person_pauses_the_invoice() {
    let world = PageWorld::start("page-paid-claim", "");
    let db = world.world.db();
    let (number, contact): (String, String) = db
        .query_row(
            "SELECT number, contact_id FROM invoices WHERE status = 'AUTHORISED' AND due_date < '2026-11-20' ORDER BY number LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let recorded =
        world.world.collectiq(&["paid-claim", &number, "--on", &today, "--reference", "Phoned in\r\nBcc: x"]);
    assert!(recorded.status.success(), "{}", text(&recorded));
    let inbox = world.world.collectiq(&["inbox", "list", "--format", "json"]);
    let inbox: Value = serde_json::from_slice(&inbox.stdout).unwrap();
    let event = inbox.as_array().unwrap().iter().find(|e| e["kind"] == "paid_claim").expect("the claim in the inbox");
    assert_eq!(event["source"], "cli");
    let task: String = db
        .query_row("SELECT summary FROM tasks WHERE kind = 'paid_claim' AND contact_id = ?1", [&contact], |r| r.get(0))
        .unwrap();
    assert!(task.starts_with("Check the bank") && !task.contains('\n'), "{task}");

    let strategy = world.strategy.to_str().unwrap();
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24)).unwrap().to_string();
    let explained =
        world.world.collectiq(&["explain", &number, "--strategy", strategy, "--at", &later, "--format", "json"]);
    let explained: Value =
        serde_json::from_slice(&explained.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&explained)));
    let paused: Vec<&str> = explained["paused"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(paused.iter().any(|p| p.contains("that they have paid")), "{paused:?}");
    // Three business days later the pause is over.
    let much_later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24 * 8)).unwrap().to_string();
    let explained =
        world.world.collectiq(&["explain", &number, "--strategy", strategy, "--at", &much_later, "--format", "json"]);
    let explained: Value = serde_json::from_slice(&explained.stdout).unwrap();
    assert!(
        explained["paused"].as_array().unwrap().iter().all(|p| !p.as_str().unwrap().contains("paid")),
        "{explained}"
    );
}

#[test]
fn several_invoices_at_once_and_an_invoice_paid_since_its_email() {
    let world = PageWorld::start("page-several", "");
    let (link, invoice_links) = world.some_email_links();
    let page = get(&world, &link);
    let mut ids: Vec<String> = Vec::new();
    for piece in page.body.split("name=\"invoice\" value=\"").skip(1) {
        let id = piece.split('"').next().unwrap().to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    assert!(ids.len() >= 3, "a customer with several open invoices: {ids:?}");
    let today = page.body.split("min=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = value_of(&page.body, "form");
    let both = post_form(
        &world,
        &format!("{link}/promise"),
        &[("form", &form), ("invoice", &ids[0]), ("invoice", &ids[1]), ("on", &today)],
    );
    assert_eq!(both.status, StatusCode::SEE_OTHER, "{}", both.body);
    assert_eq!(world.world.count("SELECT COUNT(*) FROM page_actions"), 1, "one answer");
    assert_eq!(world.world.count("SELECT COUNT(*) FROM promises WHERE source = 'page'"), 2, "about both invoices");
    let shown = get(&world, &link);
    assert_eq!(shown.body.matches("You said you will pay on").count(), 2, "shown beside each");

    // The invoice an email's link was about is paid in Xero: its page says so, with thanks.
    let db = world.world.db();
    let (invoice, number): (String, String) = db
        .query_row(
            "SELECT i.invoice_id, i.number FROM page_links l JOIN invoices i ON i.invoice_id = l.invoice_id WHERE l.id = ?1",
            [crate::link_id(&invoice_links[0])],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    world.world.admin(&format!("/sandbox/pay?invoice={invoice}"));
    let synced = world.world.collectiq(&["sync"]);
    assert!(synced.status.success(), "{}", text(&synced));
    let thanked = get(&world, &invoice_links[0]);
    assert_eq!(thanked.status, StatusCode::OK);
    assert!(thanked.body.contains(&format!("{number} is paid. Thank you!")), "{}", thanked.body);
    assert!(!thanked.body.contains(&format!("<strong>{number}</strong>")), "no longer among the open invoices");
}
