//! Replies, auto-replies and bounces in the simulator: listed in the data folder's
//! `events.json`, or drawn after emails sent (`--replies RATE`); and promises, disputes and claims
//! of payment from the customer page, listed there too.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A strategy that emails every 3 days from the day after the due date, with `guards` added for
/// every customer.
fn strategy(guards: &str) -> String {
    format!(
        "Strategy \"Events\".\n\nSettings:\n  Use the \"Pacific/Auckland\" time zone.\n\n\
         For every customer:\n{guards}  Every 3 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n"
    )
}

/// A data folder with two customers (Ridgeway Ltd and Tui Cafe, one overdue invoice each, due
/// 2027-03-01), an `events.json` if given, and the strategy with `guards`.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str, guards: &str, events: Option<Value>) -> Folder {
        let folder = std::env::temp_dir().join(format!("collectiq-sim-events-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(folder.join("data")).unwrap();
        std::fs::create_dir_all(folder.join("templates")).unwrap();
        std::fs::copy(
            Path::new(ROOT).join("strategies/templates/firm-reminder.email"),
            folder.join("templates/firm-reminder.email"),
        )
        .unwrap();
        std::fs::write(folder.join("events.strategy"), strategy(guards)).unwrap();
        let write = |name: &str, json: Value| std::fs::write(folder.join("data").join(name), json.to_string()).unwrap();
        write(
            "Organisation.json",
            json!({"Organisations": [{"OrganisationID": "6a7b5e0c-0000-4000-8000-000000000001", "Name": "Kauri Supplies",
                "BaseCurrency": "NZD", "Timezone": "NEWZEALANDSTANDARDTIME"}]}),
        );
        write(
            "Contacts.json",
            json!({"Contacts": [
                {"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c1", "Name": "Ridgeway Ltd",
                 "EmailAddress": "accounts@ridgeway.example", "ContactStatus": "ACTIVE"},
                {"ContactID": "6a7b5e0c-0000-4000-8000-0000000000c2", "Name": "Tui Cafe",
                 "EmailAddress": "ap@tui.example", "ContactStatus": "ACTIVE"}]}),
        );
        let invoice = |n: u32, contact: &str, name: &str| {
            json!({"Type": "ACCREC", "InvoiceID": format!("6a7b5e0c-0000-4000-8000-0000000000a{n}"),
                "InvoiceNumber": format!("INV-000{n}"), "Contact": {"ContactID": contact, "Name": name},
                "Status": "AUTHORISED", "Date": "2027-02-01T00:00:00", "DueDate": "2027-03-01T00:00:00",
                "CurrencyCode": "NZD", "Total": 1000.00, "AmountDue": 1000.00, "AmountPaid": 0, "AmountCredited": 0})
        };
        write(
            "Invoices.json",
            json!({"Invoices": [
                invoice(1, "6a7b5e0c-0000-4000-8000-0000000000c1", "Ridgeway Ltd"),
                invoice(2, "6a7b5e0c-0000-4000-8000-0000000000c2", "Tui Cafe")]}),
        );
        if let Some(events) = events {
            write("events.json", events);
        }
        Folder(folder)
    }

    fn run(&self, extra: &[&str]) -> std::process::Output {
        let strategy = self.0.join("events.strategy").to_string_lossy().to_string();
        let data = self.0.join("data").to_string_lossy().to_string();
        let mut args = vec!["simulate", &strategy, "--data", &data, "--from", "2027-03-01", "--days", "30"];
        args.extend_from_slice(extra);
        super::cli::collectiq(&args)
    }

    fn json(&self, extra: &[&str]) -> Value {
        let out = self.run(&[&["--format", "json"][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A customer's actions of a kind, by day.
fn days_of(report: &Value, customer: &str, kind: &str) -> Vec<String> {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["contact_name"] == customer && a["kind"] == kind)
        .map(|a| a["date"].as_str().unwrap().to_string())
        .collect()
}

fn strings(days: &[&str]) -> Vec<String> {
    days.iter().map(|d| d.to_string()).collect()
}

#[test]
fn without_events_both_customers_are_emailed_every_three_days() {
    let folder = Folder::new("none", "", None);
    let report = folder.json(&[]);
    let emailed = days_of(&report, "Ridgeway Ltd", "email");
    assert_eq!(emailed[..4], strings(&["2027-03-02", "2027-03-05", "2027-03-08", "2027-03-11"]), "{report}");
    assert_eq!(days_of(&report, "Tui Cafe", "email"), emailed);
    assert_eq!(report["events"], json!([]));
    assert_eq!(report["totals"]["held_by_replies"], 0);
}

#[test]
fn a_reply_pauses_the_customer_until_it_is_handled_then_emails_resume() {
    let events = json!({"events": [
        {"day": "2027-03-04", "kind": "reply", "customer": "ridgeway ltd", "handled_on": "2027-03-10"}]});
    let folder = Folder::new("reply", "", Some(events));
    let report = folder.json(&[]);
    let emailed = days_of(&report, "Ridgeway Ltd", "email");
    assert_eq!(emailed[..3], strings(&["2027-03-02", "2027-03-11", "2027-03-15"]), "{report}");
    assert_eq!(days_of(&report, "Ridgeway Ltd", "skipped"), strings(&["2027-03-05", "2027-03-08"]));
    assert_eq!(days_of(&report, "Tui Cafe", "email")[..2], strings(&["2027-03-02", "2027-03-05"]), "others go on");
    let skipped = report["actions"].as_array().unwrap().iter().find(|a| a["kind"] == "skipped").unwrap();
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .ends_with("paused: the customer replied on 4 March 2027, message 1, not yet handled"),
        "{skipped}"
    );
    assert_eq!(report["totals"]["held_by_replies"], 2);
    assert_eq!(report["totals"]["replies"], 1);
    let event = &report["events"][0];
    assert_eq!(
        (event["number"].clone(), event["kind"].clone(), event["date"].clone()),
        (json!(1), json!("reply"), json!("2027-03-04"))
    );
    assert_eq!(event["handled_on"], "2027-03-10");
    assert_eq!(event["source"], "events.json");
    // The text shows the reply on its day, and the count of emails held back.
    let text = String::from_utf8_lossy(&folder.run(&[]).stdout).into_owned();
    assert!(
        text.contains(
            "2027-03-04\n  reply      Ridgeway Ltd replied (message 1, as events.json says); handled on 2027-03-10"
        ),
        "{text}"
    );
    assert!(text.contains("2 emails not sent because a customer had replied"), "{text}");
    let html = String::from_utf8_lossy(&folder.run(&["--format", "html"]).stdout).into_owned();
    assert!(
        html.contains("<h2>Replies and bounces</h2>")
            && html.contains("emails not sent because a customer had replied")
    );
}

#[test]
fn a_reply_never_handled_pauses_to_the_end_and_a_pause_for_a_time_ends_by_itself() {
    let events = json!({"events": [{"day": "2027-03-04", "kind": "reply", "address": "ACCOUNTS@ridgeway.example"}]});
    let folder = Folder::new("never-handled", "", Some(events.clone()));
    let report = folder.json(&[]);
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email"), strings(&["2027-03-02"]), "{report}");
    assert_eq!(report["totals"]["held_by_replies"], days_of(&report, "Ridgeway Ltd", "skipped").len());
    let guard = "  When a customer replies, pause chasing for 5 days.\n";
    let folder = Folder::new("for-a-time", guard, Some(events));
    let report = folder.json(&[]);
    // Paused until 9 March (5 days after the 4th), so the 8th is skipped and the 11th goes.
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..2], strings(&["2027-03-02", "2027-03-11"]), "{report}");
    assert_eq!(days_of(&report, "Ridgeway Ltd", "skipped"), strings(&["2027-03-05", "2027-03-08"]));
}

#[test]
fn keep_chasing_when_a_customer_replies_pauses_nothing() {
    let events = json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Ridgeway Ltd"}]});
    let folder = Folder::new("keep-chasing", "  Keep chasing when a customer replies.\n", Some(events));
    let report = folder.json(&[]);
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..3], strings(&["2027-03-02", "2027-03-05", "2027-03-08"]));
    assert!(days_of(&report, "Ridgeway Ltd", "skipped").is_empty(), "{report}");
    assert_eq!(
        (report["totals"]["replies"].clone(), report["totals"]["held_by_replies"].clone()),
        (json!(1), json!(0))
    );
}

#[test]
fn an_auto_reply_changes_nothing_but_is_listed() {
    let events = json!({"events": [{"day": "2027-03-04", "kind": "auto_reply", "customer": "6a7b5e0c-0000-4000-8000-0000000000c1"}]});
    let with = Folder::new("auto-reply", "", Some(events)).json(&[]);
    let without = Folder::new("auto-reply-none", "", None).json(&[]);
    assert_eq!(with["actions"], without["actions"]);
    assert_eq!(with["totals"]["auto_replies"], 1);
    assert_eq!(with["events"][0]["kind"], "auto_reply");
    assert!(with["events"][0]["description"].as_str().unwrap().contains("changes nothing"));
}

#[test]
fn a_permanent_bounce_of_the_only_address_turns_emails_into_a_call_task() {
    let events = json!({"events": [{"day": "2027-03-04", "kind": "bounce", "address": "ap@tui.example"}]});
    let folder = Folder::new("bounce", "  When an email bounces, create a call task for \"Olu\".\n", Some(events));
    let report = folder.json(&[]);
    assert_eq!(days_of(&report, "Tui Cafe", "email"), strings(&["2027-03-02"]), "{report}");
    let calls = days_of(&report, "Tui Cafe", "call");
    assert_eq!(calls[..2], strings(&["2027-03-05", "2027-03-08"]), "{report}");
    let call = report["actions"].as_array().unwrap().iter().find(|a| a["kind"] == "call").unwrap();
    assert_eq!(call["reason"], "Every address bounced: call instead", "{call}");
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..2], strings(&["2027-03-02", "2027-03-05"]));
    assert_eq!(report["totals"]["bounces"], 1);
    assert_eq!(report["totals"]["addresses_set_aside"], 1);
    assert!(
        report["events"][0]["description"].as_str().unwrap().contains("permanent: ap@tui.example never emailed again")
    );
}

#[test]
fn temporary_bounces_count_only_when_three_come_within_seven_days() {
    let bounce = |day: &str| json!({"day": day, "kind": "bounce", "customer": "Tui Cafe", "permanent": false});
    let apart = json!({"events": [bounce("2027-03-02"), bounce("2027-03-06"), bounce("2027-03-10")]});
    let report = Folder::new("transient-apart", "", Some(apart)).json(&[]);
    assert!(
        days_of(&report, "Tui Cafe", "call").is_empty() && days_of(&report, "Tui Cafe", "email").len() > 5,
        "{report}"
    );
    assert_eq!(
        (report["totals"]["bounces"].clone(), report["totals"]["addresses_set_aside"].clone()),
        (json!(3), json!(0))
    );
    let close = json!({"events": [bounce("2027-03-02"), bounce("2027-03-04"), bounce("2027-03-06")]});
    let report = Folder::new("transient-close", "", Some(close)).json(&[]);
    assert_eq!(days_of(&report, "Tui Cafe", "email"), strings(&["2027-03-02", "2027-03-05"]), "{report}");
    assert_eq!(days_of(&report, "Tui Cafe", "call")[0], "2027-03-08");
    assert!(report["events"][2]["description"].as_str().unwrap().contains("counted as permanent"), "{report}");
}

#[test]
fn replies_drawn_at_a_rate_are_the_same_for_a_seed_and_hold_emails_back() {
    let folder = Folder::new("drawn", "", None);
    let first = folder.json(&["--replies", "0.5", "--seed", "3"]);
    assert_eq!(folder.json(&["--replies", "0.5", "--seed", "3"]), first, "deterministic");
    let held = first["totals"]["held_by_replies"].as_u64().unwrap();
    assert!(held > 0, "{first}");
    assert!(first["totals"]["replies"].as_u64().unwrap() > 0);
    let drawn = first["events"].as_array().unwrap();
    assert!(drawn.iter().all(|e| e["source"] == "--replies" && e["kind"] == "reply" && e["handled_on"].is_string()));
    let everyone = folder.json(&["--replies", "1", "--handled-after", "2"]);
    // Every email gets a reply the next day, handled two business days later: 2 March's email
    // (a Tuesday) is answered on the 3rd and handled on Friday the 5th, when the next one goes.
    assert_eq!(days_of(&everyone, "Ridgeway Ltd", "email")[..2], strings(&["2027-03-02", "2027-03-05"]), "{everyone}");
    let none = folder.json(&["--replies", "0"]);
    assert_eq!(none["events"], json!([]));
    assert_eq!(none["actions"], folder.json(&[])["actions"]);
}

#[test]
fn a_claim_of_payment_pauses_that_invoice_and_a_dispute_holds_until_it_is_resolved() {
    let events = json!({"events": [
        {"day": "2027-03-04", "kind": "paid_claim", "customer": "Ridgeway Ltd", "invoice": "inv-0001"},
        {"day": "2027-03-04", "kind": "dispute", "customer": "Tui Cafe", "invoice": "INV-0002", "resolved_on": "2027-03-10"}]});
    let folder = Folder::new("page", "  Stop chasing disputed invoices.\n", Some(events));
    let report = folder.json(&[]);
    // Claimed on Thursday 4 March: paused for 3 business days, to Tuesday 9 March.
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..3], strings(&["2027-03-02", "2027-03-11", "2027-03-15"]));
    assert_eq!(days_of(&report, "Ridgeway Ltd", "skipped"), strings(&["2027-03-05", "2027-03-08"]), "{report}");
    let skipped = report["actions"].as_array().unwrap().iter().find(|a| a["kind"] == "skipped").unwrap();
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .ends_with("paused until 9 March 2027: the customer said on 4 March 2027 that they have paid"),
        "{skipped}"
    );
    // Disputed from the 4th until the run of the 10th.
    assert_eq!(days_of(&report, "Tui Cafe", "email")[..3], strings(&["2027-03-02", "2027-03-11", "2027-03-15"]));
    assert_eq!(days_of(&report, "Tui Cafe", "skipped"), strings(&["2027-03-05", "2027-03-08"]), "{report}");
    let totals = &report["totals"];
    assert_eq!(
        [&totals["paid_claims"], &totals["disputes"], &totals["promises"], &totals["held_by_paid_claims"]],
        [&json!(1), &json!(1), &json!(0), &json!(2)]
    );
    assert_eq!(totals["held_by_replies"], 0);
    let claim = &report["events"][0];
    assert_eq!(
        (&claim["kind"], &claim["invoice"], &claim["contact_name"], &claim["source"]),
        (&json!("paid_claim"), &json!("INV-0001"), &json!("Ridgeway Ltd"), &json!("events.json"))
    );
    assert_eq!(claim["description"], "Ridgeway Ltd said on their page that INV-0001 is already paid");
    let dispute = &report["events"][1];
    assert_eq!((&dispute["kind"], &dispute["resolved_on"]), (&json!("dispute"), &json!("2027-03-10")));
    let text = String::from_utf8_lossy(&folder.run(&[]).stdout).into_owned();
    assert!(
        text.contains(
            "2027-03-04\n  paid-claim Ridgeway Ltd said on their page that INV-0001 is already paid\n  \
             dispute    Tui Cafe disputed INV-0002 on their page; resolved on 2027-03-10"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "customer page: 0 promises, 1 disputes, 1 claims of payment; \
             2 reminders not sent because the customer said they had paid"
        ),
        "{text}"
    );
    assert!(!text.contains("replies and bounces:"), "no reply or bounce to count: {text}");
    let html = String::from_utf8_lossy(&folder.run(&["--format", "html"]).stdout).into_owned();
    assert!(html.contains("<h2>Replies, bounces and the customer page</h2>") && html.contains("claims of payment"));
}

#[test]
fn the_paid_claim_guard_sets_the_pause_in_the_simulation_too() {
    let events = json!({"events": [{"day": "2027-03-04", "kind": "paid_claim", "customer": "Ridgeway Ltd", "invoice": "INV-0001"}]});
    let guard = "  When a customer says they have paid, pause chasing for 1 day.\n";
    let report = Folder::new("page-guard", guard, Some(events)).json(&[]);
    assert_eq!(days_of(&report, "Ridgeway Ltd", "skipped"), strings(&["2027-03-05"]), "{report}");
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..3], strings(&["2027-03-02", "2027-03-08", "2027-03-11"]));
}

#[test]
fn a_promise_from_the_page_pauses_the_invoice_and_is_answered_when_broken() {
    let events = json!({"events": [
        {"day": "2027-03-03", "kind": "promise", "customer": "Tui Cafe", "invoice": "INV-0002", "promised_on": "2027-03-09"}]});
    let guards = "  When a customer promises to pay, pause chasing until the promised date.\n  \
                  If a promise is broken, send the \"firm-reminder\" email.\n";
    let folder = Folder::new("page-promise", guards, Some(events));
    let report = folder.json(&[]);
    assert_eq!(days_of(&report, "Tui Cafe", "skipped"), strings(&["2027-03-05", "2027-03-08"]), "{report}");
    let emailed = days_of(&report, "Tui Cafe", "email");
    // The broken promise is answered the day after the promised day, and chasing goes on.
    assert_eq!(emailed[..4], strings(&["2027-03-02", "2027-03-10", "2027-03-11", "2027-03-15"]), "{report}");
    assert_eq!(days_of(&report, "Ridgeway Ltd", "email")[..2], strings(&["2027-03-02", "2027-03-05"]));
    let promise = &report["events"][0];
    assert_eq!((&promise["kind"], &promise["promised_on"]), (&json!("promise"), &json!("2027-03-09")));
    assert_eq!(promise["description"], "Tui Cafe promised on their page to pay INV-0002 on 2027-03-09");
    assert_eq!(report["totals"]["promises"], 1);
}

#[test]
fn a_rate_outside_zero_to_one_is_refused() {
    let folder = Folder::new("bad-rate", "", None);
    let out = folder.run(&["--replies", "1.5"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--replies") && said.contains("not a rate between 0 and 1"), "{said}");
    let out = folder.run(&["--handled-after", "3"]);
    assert_eq!(out.status.code(), Some(2), "--handled-after needs --replies");
}

#[test]
fn a_malformed_events_file_is_refused_naming_the_entry() {
    let cases = [
        (
            json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Ridgeway Ltd"},
                           {"day": "2027-03-05", "kind": "shout", "customer": "Ridgeway Ltd"}]}),
            "event 2: unknown variant `shout`",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Nobody"}]}),
            "event 1: no customer is called \"Nobody\"",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "bounce", "address": "x@nowhere.example"}]}),
            "event 1: no customer has the address x@nowhere.example",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Tui Cafe", "colour": "red"}]}),
            "event 1: unknown field `colour`",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Tui Cafe", "handled_on": "2027-03-01"}]}),
            "event 1: it is handled on 2027-03-01, before it came on 2027-03-04",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "auto_reply"}]}),
            "event 1: it names neither a customer nor an address",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "paid_claim", "customer": "Tui Cafe"}]}),
            "event 1: an event from the customer page names its customer and its invoice",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "paid_claim", "customer": "Tui Cafe", "invoice": "INV-0001"}]}),
            "event 1: Tui Cafe has no open invoice INV-0001",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "promise", "customer": "Tui Cafe", "invoice": "INV-0002"}]}),
            "event 1: a promise says the day it promises to pay on (\"promised_on\")",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "promise", "customer": "Tui Cafe", "invoice": "INV-0002",
                               "promised_on": "2027-03-03"}]}),
            "event 1: it promises to pay on 2027-03-03, before the promise was made on 2027-03-04",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "dispute", "customer": "Tui Cafe", "invoice": "INV-0002",
                               "resolved_on": "2027-03-02"}]}),
            "event 1: it is resolved on 2027-03-02, before it was raised on 2027-03-04",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "reply", "customer": "Tui Cafe", "invoice": "INV-0002"}]}),
            "event 1: \"invoice\" is for events from the customer page, not replies",
        ),
        (
            json!({"events": [{"day": "2027-03-04", "kind": "paid_claim", "customer": "Tui Cafe", "invoice": "INV-0002",
                               "promised_on": "2027-03-09"}]}),
            "event 1: \"promised_on\" is for promises, not claims of payment",
        ),
        (json!({"replies": []}), "it is not a list of events"),
    ];
    for (events, expected) in cases {
        let folder = Folder::new("malformed", "", Some(events));
        let out = folder.run(&[]);
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("events.json") && said.contains(expected), "{expected}: {said}");
    }
}
