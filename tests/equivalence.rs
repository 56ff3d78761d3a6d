//! Phrasings LANGUAGE.md calls equivalent give the same tree (spans aside) and format to the
//! same text. Each group below is one row of its tables (or one rule of §1).

mod common;

use collectiq::format::format_source;
use common::{parse_clean, strategy_with, without_spans};

const SETTINGS: &str = "Settings:";
const SEGMENTS: &str = "Segments:";
const RULES: &str = "For every customer:";

fn assert_equivalent(heading: &str, phrasings: &[&str]) {
    let texts: Vec<String> = phrasings.iter().map(|sentence| strategy_with(heading, sentence)).collect();
    let first_tree = without_spans(&parse_clean(&texts[0]));
    let first_text = format_source(&texts[0]).unwrap();
    for (text, phrasing) in texts.iter().zip(phrasings).skip(1) {
        assert_eq!(
            without_spans(&parse_clean(text)),
            first_tree,
            "\"{phrasing}\" should mean the same as \"{}\"",
            phrasings[0]
        );
        assert_eq!(format_source(text).unwrap(), first_text, "\"{phrasing}\" should format like \"{}\"", phrasings[0]);
    }
}

#[test]
fn articles_are_optional() {
    assert_equivalent(
        RULES,
        &[
            "1 day after the due date, send the \"x\" email.",
            "1 day after due date, send \"x\" email.",
            "1 day after the due date, send an \"x\" email.",
            "1 day after the due date, send a \"x\" email.",
        ],
    );
}

#[test]
fn keywords_ignore_case() {
    assert_equivalent(
        RULES,
        &[
            "1 day after the due date, send the \"x\" email.",
            "1 DAY AFTER THE DUE DATE, SEND THE \"x\" EMAIL.",
            "1 Day After The Due Date, Send The \"x\" Email.",
        ],
    );
}

#[test]
fn singular_and_plural_number_words_and_a_are_interchangeable() {
    assert_equivalent(
        RULES,
        &[
            "1 day after the due date, stop chasing.",
            "1 days after the due date, stop chasing.",
            "one day after the due date, stop chasing.",
            "a day after the due date, stop chasing.",
        ],
    );
    assert_equivalent(
        RULES,
        &[
            "2 days after the due date, stop chasing.",
            "2 day after the due date, stop chasing.",
            "two days after the due date, stop chasing.",
        ],
    );
}

#[test]
fn lengths_of_time_are_counted_in_days_and_months() {
    assert_equivalent(
        RULES,
        &[
            "14 days after the due date, stop chasing.",
            "2 weeks after the due date, stop chasing.",
            "a fortnight after the due date, stop chasing.",
        ],
    );
}

#[test]
fn before_the_due_date() {
    assert_equivalent(
        RULES,
        &[
            "3 days before the due date, send the \"x\" email.",
            "3 days before an invoice is due, send the \"x\" email.",
            "when an invoice is due in 3 days, send the \"x\" email.",
        ],
    );
}

#[test]
fn on_the_due_date() {
    assert_equivalent(
        RULES,
        &["On the due date, send the \"x\" email.", "When an invoice is due, send the \"x\" email."],
    );
}

#[test]
fn days_overdue() {
    assert_equivalent(
        RULES,
        &[
            "1 day after the due date, send the \"x\" email.",
            "When an invoice is 1 day overdue, send the \"x\" email.",
            "At 1 day overdue, send the \"x\" email.",
            "1 day overdue, send the \"x\" email.",
            "1 day past due, send the \"x\" email.",
            "When an invoice is overdue by 1 day, send the \"x\" email.",
        ],
    );
}

#[test]
fn repeating() {
    assert_equivalent(
        RULES,
        &[
            "Every 7 days from 8 to 29 days overdue, send the \"x\" email.",
            "Every week from 8 days overdue until 29 days overdue, send the \"x\" email.",
            "Every 7 days between 8 and 29 days overdue, send the \"x\" email.",
        ],
    );
    assert_equivalent(
        RULES,
        &[
            "Every 14 days after 60 days overdue, send the \"x\" email.",
            "Every 14 days from 60 days overdue, send the \"x\" email.",
            "Every fortnight after 60 days overdue, send the \"x\" email.",
        ],
    );
}

#[test]
fn after_issue() {
    assert_equivalent(
        RULES,
        &[
            "5 days after the invoice date, send the \"x\" email.",
            "5 days after an invoice is issued, send the \"x\" email.",
        ],
    );
}

#[test]
fn trigger_and_action_may_swap() {
    assert_equivalent(
        RULES,
        &["3 days after the due date, send the \"x\" email.", "Send the \"x\" email 3 days after the due date."],
    );
    assert_equivalent(
        RULES,
        &[
            "60 days after the due date, if more than $5,000 is outstanding, escalate to \"Dana\".",
            "Escalate to \"Dana\" at 60 days overdue if more than $5,000 is outstanding.",
            "At 60 days overdue when more than $5,000 is outstanding, escalate to \"Dana\".",
        ],
    );
}

#[test]
fn call_tasks() {
    assert_equivalent(
        RULES,
        &[
            "At 30 days overdue, create a call task for \"Sam\".",
            "At 30 days overdue, ask \"Sam\" to call the customer.",
            "At 30 days overdue, assign a call to \"Sam\".",
        ],
    );
}

#[test]
fn guards() {
    assert_equivalent(
        RULES,
        &[
            "Don't contact customers in the contact group \"Do not chase\".",
            "Never contact customers in the contact group \"Do not chase\".",
            "Do not contact customers in the contact group \"Do not chase\".",
        ],
    );
}

#[test]
fn what_a_reply_does() {
    assert_equivalent(
        RULES,
        &[
            "When a customer replies, pause chasing until the reply is handled.",
            "When customers reply pause chasing until reply is handled.",
            "when the client replies, pause chasing till the reply is handled",
        ],
    );
    assert_equivalent(
        RULES,
        &[
            "When a customer replies, pause chasing for 14 days.",
            "When a customer replies, pause chasing for a fortnight.",
            "When the customer replies pause chasing for 2 weeks.",
        ],
    );
    assert_equivalent(RULES, &["Keep chasing when a customer replies.", "keep chasing when customers reply."]);
}

#[test]
fn what_a_claim_of_payment_does() {
    assert_equivalent(
        RULES,
        &[
            "When a customer says they have paid, pause chasing for 3 business days.",
            "When customers say they have paid pause chasing for 3 business days.",
            "when the client says they have paid, pause chasing for three business days",
        ],
    );
    assert_equivalent(
        RULES,
        &[
            "When a customer says they have paid, pause chasing for 14 days.",
            "When a customer says they have paid, pause chasing for a fortnight.",
            "When the customer says they have paid pause chasing for 2 weeks.",
        ],
    );
}

#[test]
fn the_task_after_a_bounce() {
    assert_equivalent(
        RULES,
        &[
            "When an email bounces, create a call task for \"Sam\".",
            "When an email bounces ask \"Sam\" to call the customer.",
            "When emails bounce, assign the call to \"Sam\".",
        ],
    );
}

#[test]
fn settings() {
    assert_equivalent(
        SETTINGS,
        &["Ignore invoices with less than $20 outstanding.", "Skip invoices with less than $20 outstanding."],
    );
    assert_equivalent(
        SETTINGS,
        &[
            "Send only on business days between 9am and 5pm.",
            "Send on business days between 9:00am and 17:00.",
            "Send only on business days from 9 am to 5 pm.",
        ],
    );
    assert_equivalent(
        SETTINGS,
        &[
            "Never email a customer more than once every 7 days.",
            "Never email a customer more than once a week.",
            "Never email a customer more than once every week.",
        ],
    );
    assert_equivalent(
        SETTINGS,
        &["Treat 25 December as a holiday.", "Treat December 25 as holidays.", "Treat 25th December as a holiday."],
    );
    assert_equivalent(SETTINGS, &["Use the \"Pacific/Auckland\" time zone.", "Use \"Pacific/Auckland\" timezone."]);
}

#[test]
fn money() {
    assert_equivalent(
        SETTINGS,
        &[
            "Ignore invoices with less than 5,000 NZD outstanding.",
            "Ignore invoices with less than NZD 5,000 outstanding.",
            "Ignore invoices with less than 5000 NZD outstanding.",
        ],
    );
    assert_equivalent(
        SETTINGS,
        &["Ignore invoices with less than €500 outstanding.", "Ignore invoices with less than 500 EUR outstanding."],
    );
    assert_equivalent(
        SETTINGS,
        &[
            "Ignore invoices with less than $5000.50 outstanding.",
            "Ignore invoices with less than $5,000.5 outstanding.",
        ],
    );
}

#[test]
fn segments() {
    assert_equivalent(
        SEGMENTS,
        &[
            "\"SMB\" customers are all other customers.",
            "\"SMB\" are everyone else.",
            "SMB customers are all other customers.",
        ],
    );
    assert_equivalent(
        SEGMENTS,
        &[
            "\"Big\" customers are customers with 3 or more overdue invoices.",
            "\"Big\" customers are customers with at least 3 overdue invoices.",
            "\"Big\" customers are customers with at least three overdue invoices.",
        ],
    );
    assert_equivalent(
        SEGMENTS,
        &[
            "\"Big\" customers are customers in the contact group \"A\" or customers in the contact group \"B\" and customers billed in AUD.",
            "\"Big\" customers are customers in the contact group \"A\" or (customers in the contact group \"B\" and customers billed in AUD).",
        ],
    );
}

#[test]
fn several_sentences_may_share_a_line() {
    let apart = "Strategy \"T\".\nFor every customer:\n  On the due date, send the \"a\" email.\n  1 day overdue, send the \"b\" email.\n";
    let together = "Strategy \"T\".\nFor every customer:\n  On the due date, send the \"a\" email. 1 day overdue, send the \"b\" email\n";
    assert_eq!(without_spans(&parse_clean(apart)), without_spans(&parse_clean(together)));
    assert_eq!(format_source(together).unwrap(), format_source(apart).unwrap());
}

#[test]
fn the_organisations_may_be_named_in_the_header_or_after_it() {
    let inline =
        "Strategy \"T\" for organisations \"A\" and \"B\".\nFor every customer:\n  Stop chasing disputed invoices.\n";
    let apart =
        "Strategy \"T\".\nFor organisations \"A\", \"B\".\nFor every customer:\n  Stop chasing disputed invoices.\n";
    assert_eq!(without_spans(&parse_clean(inline)), without_spans(&parse_clean(apart)));
    assert_eq!(format_source(inline).unwrap(), format_source(apart).unwrap());
}

#[test]
fn late_payment_claims() {
    assert_equivalent(
        SETTINGS,
        &[
            "Claim interest and compensation under the UK Late Payment Act, except for customers in the contact group \"Consumers\".",
            "claim interest and compensation under UK late payment act except customers in the contact group \"Consumers\"",
            "CLAIM INTEREST AND COMPENSATION UNDER THE UK LATE PAYMENT ACT, EXCEPT FOR THE CUSTOMERS IN CONTACT GROUP \"Consumers\".",
        ],
    );
    assert_equivalent(
        SETTINGS,
        &[
            "Claim interest and compensation under the EU Late Payment Directive as applied in Germany.",
            "Claim interest and compensation under EU Late Payment Directive as applied in germany.",
        ],
    );
    assert_equivalent(
        SETTINGS,
        &["Claim interest at 2% a month.", "Claim interest at 2 percent per month.", "claim interest at 2 % a months"],
    );
    assert_equivalent(SETTINGS, &["Claim interest at 12% a year.", "Claim interest at 12 percent per year."]);
}

#[test]
fn the_laws_names_stay_free_for_segments() {
    assert_equivalent(
        SEGMENTS,
        &["\"UK\" customers are customers billed in GBP.", "UK customers are customers billed in GBP."],
    );
}

#[test]
fn attachments_go_before_or_after_the_copies_in_any_order() {
    assert_equivalent(
        RULES,
        &[
            "1 day after the due date, send the \"x\" email with the invoice PDF and a statement PDF and copy \"ap@acme.example\".",
            "1 day after the due date, send the \"x\" email and copy \"ap@acme.example\" with a statement PDF and the invoice PDF.",
            "1 day after the due date, send the \"x\" email with a statement pdf, the invoice PDF and copy \"ap@acme.example\".",
            "1 day after the due date, send the \"x\" email with the invoice PDF and copy \"ap@acme.example\" with a statement PDF.",
        ],
    );
    let text = strategy_with(
        RULES,
        "1 day after the due date, send \"x\" email and cc \"ap@acme.example\" with a statement PDF.",
    );
    assert!(
        format_source(&text)
            .unwrap()
            .contains("send the \"x\" email with a statement PDF and copy \"ap@acme.example\"."),
        "{}",
        format_source(&text).unwrap()
    );
}
