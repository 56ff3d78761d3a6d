//! One test per behaviour the runtime owes a collections manager (LANGUAGE.md §5–7). Days run at
//! 10:00 UTC; 2026-11-02 is a Monday.

use collectiq::decide::decision::Outcome;

use crate::harness::*;

const ONE_REMINDER: &str =
    "Strategy \"t\".\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n";

#[test]
fn an_invoice_paid_before_its_reminder_gets_none() {
    let mut world = world(ONE_REMINDER);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let paid = world.invoice(customer, "INV-1", "2026-11-03", "100.00");
    world.invoice(customer, "INV-2", "2026-11-03", "100.00");
    world.pay(paid, "100.00", "2026-11-03");
    let log = world.days("2026-11-01", "2026-11-10");
    assert_eq!(log, ["2026-11-04 act friendly-reminder INV-2"]);
}

#[test]
fn a_partial_payment_never_makes_a_later_rule_skip() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n  8 days after the due date, send the \"firm-reminder\" email.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let invoice = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    let mut log = world.days("2026-11-01", "2026-11-04");
    world.pay(invoice, "200.00", "2026-11-05");
    log.extend(world.days("2026-11-05", "2026-11-12"));
    assert_eq!(log, ["2026-11-03 act friendly-reminder INV-1", "2026-11-10 act firm-reminder INV-1"]);
}

#[test]
fn a_moved_due_date_moves_future_reminders_and_never_repeats_fired_ones() {
    let mut world =
        world("Strategy \"t\".\nFor every customer:\n  3 days after the due date, send the \"firm-reminder\" email.\n");
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let invoice = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    let mut log = world.days("2026-11-01", "2026-11-04");
    world.invoice_mut(invoice).due_date = "2026-11-09".parse().unwrap();
    log.extend(world.days("2026-11-05", "2026-11-13"));
    assert_eq!(log, ["2026-11-12 act firm-reminder INV-1"]);
    world.invoice_mut(invoice).due_date = "2026-11-16".parse().unwrap();
    assert!(world.days("2026-11-14", "2026-11-25").is_empty(), "an occurrence that fired is not repeated");
}

#[test]
fn a_customer_changing_segment_gets_the_new_rules_from_then_on() {
    let strategy = "Strategy \"t\".\nSegments:\n  \"Key\" customers are customers in the contact group \"Key\".\n  \"Other\" customers are all other customers.\nFor \"Key\" customers:\n  2 days after the due date, send the \"firm-reminder\" email.\n  9 days after the due date, send the \"final-notice\" email.\nFor \"Other\" customers:\n  2 days after the due date, send the \"friendly-reminder\" email.\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    let mut log = world.days("2026-11-01", "2026-11-09");
    world.groups.insert(customer, vec!["Key".into()]);
    log.extend(world.days("2026-11-10", "2026-11-12"));
    assert_eq!(
        log,
        [
            "2026-11-04 act friendly-reminder INV-1",
            // The new segment's 2-day reminder fell due long before the change: not sent.
            "2026-11-10 skip(missed) firm-reminder INV-1",
            "2026-11-11 act final-notice INV-1",
        ]
    );
}

const PROMISES: &str = "Strategy \"t\".\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n  When a customer promises to pay, pause chasing until 2 days after the promised date.\n  If a promise is broken, send the \"broken-promise\" email.\n";

#[test]
fn a_kept_promise_pauses_chasing_and_ends_it() {
    let mut world = world(PROMISES);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let invoice = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    let mut log = world.days("2026-11-01", "2026-11-04");
    world.invoice_mut(invoice).expected_payment_date = Some("2026-11-12".parse().unwrap());
    log.extend(world.days("2026-11-05", "2026-11-11"));
    world.pay(invoice, "500.00", "2026-11-12");
    log.extend(world.days("2026-11-12", "2026-11-30"));
    assert_eq!(log, ["2026-11-03 act firm-reminder INV-1", "2026-11-10 skip(promised) firm-reminder INV-1"]);
}

#[test]
fn a_broken_promise_is_answered_once_and_chasing_resumes_after_the_grace() {
    let mut world = world(PROMISES);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let invoice = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    world.state.promises.insert(invoice, "2026-11-09".parse().unwrap());
    let log = world.days("2026-11-03", "2026-11-18");
    assert_eq!(
        log,
        [
            "2026-11-03 skip(promised) firm-reminder INV-1",
            "2026-11-10 skip(promised) firm-reminder INV-1",
            "2026-11-10 act broken-promise INV-1",
            "2026-11-17 act firm-reminder INV-1",
        ]
    );
}

#[test]
fn a_disputed_invoice_is_not_chased() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n  Stop chasing disputed invoices.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let disputed = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    world.invoice(customer, "INV-2", "2026-11-02", "80.00");
    world.state.disputes.insert(disputed);
    let log = world.days("2026-11-01", "2026-11-05");
    assert_eq!(log, ["2026-11-03 skip(disputed) friendly-reminder INV-1", "2026-11-03 act friendly-reminder INV-2"]);
}

/// A reminder every day, on any day of the week, so that a pause shows day by day.
const DAILY: &str = "Strategy \"t\".\nSettings:\n  Send on any day between 9am and 5pm.\nFor every customer:\n  Every day from 1 to 20 days overdue, send the \"firm-reminder\" email.\n";

/// Each day's decisions about one invoice, in short.
fn about(log: &[String], number: &str) -> Vec<String> {
    log.iter().filter(|line| line.ends_with(&format!(" {number}"))).cloned().collect()
}

#[test]
fn a_claim_of_payment_pauses_only_that_invoice_for_3_business_days_from_the_day_it_was_made() {
    let mut world = world(DAILY);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let claimed = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    world.invoice(customer, "INV-2", "2026-11-02", "80.00");
    let mut log = world.days("2026-11-03", "2026-11-05");
    // Thursday afternoon, after that day's run: three business days from Thursday is Tuesday.
    world.state.paid_claims.insert(claimed, "2026-11-05T15:00:00Z".parse().unwrap());
    log.extend(world.days("2026-11-06", "2026-11-12"));
    assert_eq!(
        about(&log, "INV-1"),
        [
            "2026-11-03 act firm-reminder INV-1",
            "2026-11-04 act firm-reminder INV-1",
            "2026-11-05 act firm-reminder INV-1",
            "2026-11-06 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-07 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-08 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-09 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-10 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-11 act firm-reminder INV-1",
            "2026-11-12 act firm-reminder INV-1",
        ]
    );
    let other = about(&log, "INV-2");
    assert_eq!(other.len(), 10, "the customer's other invoice is chased every day: {other:?}");
    assert!(other.iter().all(|line| line.contains(" act ")), "{other:?}");
}

#[test]
fn the_paid_claim_guard_sets_how_long_the_pause_lasts_and_says_why_in_words() {
    let strategy = format!("{DAILY}  When a customer says they have paid, pause chasing for 2 days.\n");
    let mut world = world(&strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let claimed = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    world.state.paid_claims.insert(claimed, "2026-11-05T08:00:00Z".parse().unwrap());
    world.days("2026-11-03", "2026-11-04");
    let held = world.run("2026-11-05T10:00:00Z");
    let reasons: Vec<String> = held
        .decisions
        .iter()
        .map(|d| match &d.outcome {
            Outcome::Skipped(skip) => skip.to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(reasons, ["paused until 7 November 2026: the customer said on 5 November 2026 that they have paid"]);
    let log = world.days("2026-11-06", "2026-11-09");
    assert_eq!(
        log,
        [
            "2026-11-06 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-07 skip(claimed_paid) firm-reminder INV-1",
            "2026-11-08 act firm-reminder INV-1",
            "2026-11-09 act firm-reminder INV-1",
        ]
    );
}

#[test]
fn a_dispute_outranks_a_claim_of_payment_and_a_claim_holds_back_a_broken_promise() {
    let strategy = "Strategy \"t\".\nSettings:\n  Send on any day between 9am and 5pm.\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n  Stop chasing disputed invoices.\n  If a promise is broken, send the \"broken-promise\" email.\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let disputed = world.invoice(customer, "INV-1", "2026-11-02", "500.00");
    let promised = world.invoice(customer, "INV-2", "2026-11-02", "500.00");
    world.state.disputes.insert(disputed);
    world.state.promises.insert(promised, "2026-11-02".parse().unwrap());
    for invoice in [disputed, promised] {
        world.state.paid_claims.insert(invoice, "2026-11-02T12:00:00Z".parse().unwrap());
    }
    // Both claims hold until Thursday 5 November; the dispute stands after.
    let log = world.days("2026-11-03", "2026-11-10");
    assert_eq!(
        log,
        [
            "2026-11-03 skip(disputed) firm-reminder INV-1",
            "2026-11-03 skip(claimed_paid) firm-reminder INV-2",
            "2026-11-03 skip(claimed_paid) broken-promise INV-2",
            "2026-11-10 skip(disputed) firm-reminder INV-1",
            "2026-11-10 act firm-reminder INV-2",
        ]
    );
}

#[test]
fn a_reminder_falling_on_a_weekend_goes_on_the_next_business_day() {
    let mut world = world(ONE_REMINDER);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-06", "100.00");
    let log = world.days("2026-11-06", "2026-11-10");
    assert_eq!(log, ["2026-11-09 act friendly-reminder INV-1"]);
    // And outside the window on the day itself, it waits for the window.
    let mut early = world_with_invoice_due("2026-11-02");
    let evaluation = early.run("2026-11-03T07:00:00Z");
    assert!(evaluation.decisions.is_empty());
    assert_eq!(evaluation.waiting.len(), 1);
    assert_eq!(early.run("2026-11-03T09:00:00Z").decisions.len(), 1);
}

fn world_with_invoice_due(due: &str) -> World {
    let mut world = world(ONE_REMINDER);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", due, "100.00");
    world
}

#[test]
fn beyond_the_catch_up_window_an_occurrence_is_recorded_as_missed() {
    let mut world = world_with_invoice_due("2026-11-02");
    // Due on the 3rd; two business days of catch-up end on the 5th.
    let late = world.run("2026-11-09T10:00:00Z");
    assert_eq!(late.decisions.len(), 1);
    assert_eq!(summary(&world, &late.decisions[0]), "skip(missed) friendly-reminder INV-1");
    let mut on_time = world_with_invoice_due("2026-11-02");
    let caught_up = on_time.run("2026-11-05T16:00:00Z");
    assert_eq!(summary(&on_time, &caught_up.decisions[0]), "act friendly-reminder INV-1");
}

#[test]
fn after_an_outage_only_the_latest_missed_reminder_goes() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  Every day from 1 to 20 days overdue, send the \"firm-reminder\" email.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    let first = world.run("2026-11-06T10:00:00Z");
    let acted: Vec<_> = first.acting().collect();
    assert_eq!(acted.len(), 1, "one email, not a burst of four");
    assert_eq!(acted[0].key.occurrence, 3);
    // The three before it are recorded, as one, never silently dropped.
    let overtaken: Vec<_> = first.decisions.iter().filter(|d| d.outcome != Outcome::Act).collect();
    assert_eq!(overtaken.len(), 1);
    assert_eq!(summary(&world, overtaken[0]), "skip(overtaken) firm-reminder INV-1");
    assert_eq!(overtaken[0].key.occurrence, 2);
    let Outcome::Skipped(skip) = &overtaken[0].outcome else { unreachable!() };
    assert_eq!(skip.to_string(), "3 occurrences missed while CollectIQ was not running; only the latest goes");
    assert!(world.run("2026-11-06T11:00:00Z").decisions.is_empty());
}

#[test]
fn the_frequency_cap_makes_reminders_wait_and_a_later_one_supersedes_them() {
    let strategy = "Strategy \"t\".\nSettings:\n  Never email a customer more than once every 3 days.\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n  3 days after the due date, send the \"firm-reminder\" email.\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    world.invoice(customer, "INV-2", "2026-11-03", "100.00");
    let log = world.days("2026-11-03", "2026-11-12");
    assert_eq!(
        log,
        [
            "2026-11-03 act friendly-reminder INV-1",
            // INV-2's friendly reminder waited under the cap; its firm one came due meanwhile.
            "2026-11-06 superseded friendly-reminder INV-2",
            "2026-11-06 act firm-reminder INV-1",
            "2026-11-09 act firm-reminder INV-2",
        ]
    );
}

#[test]
fn combined_reminders_go_as_one_email_listing_the_invoices() {
    let mut world = world(
        "Strategy \"t\".\nSettings:\n  Combine reminders for the same customer into one email.\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    world.invoice(customer, "INV-2", "2026-11-02", "250.00");
    world.invoice(customer, "INV-3", "2026-11-02", "75.00");
    let evaluation = world.run("2026-11-03T10:00:00Z");
    let mut lines: Vec<String> = evaluation.decisions.iter().map(|d| summary(&world, d)).collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "act friendly-reminder INV-1+INV-2+INV-3",
            "combined friendly-reminder INV-2",
            "combined friendly-reminder INV-3",
        ]
    );
}

#[test]
fn statements_go_on_their_day_to_customers_with_an_overdue_balance() {
    let mut world = world("Strategy \"t\".\nFor every customer:\n  Every Monday, send the \"statement\" email.\n");
    let owing = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let current = world.customer("Rimu Bakery", Some("ap@rimu.example"), &[]);
    world.invoice(owing, "INV-1", "2026-11-02", "100.00");
    world.invoice(owing, "INV-2", "2026-12-20", "40.00");
    world.invoice(current, "INV-3", "2026-12-20", "40.00");
    let log = world.days("2026-11-03", "2026-11-17");
    assert_eq!(log, ["2026-11-09 act statement INV-1+INV-2", "2026-11-16 act statement INV-1+INV-2"]);
}

#[test]
fn an_escalation_stops_automatic_emails_until_its_task_is_closed() {
    let strategy = "Strategy \"t\".\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n  5 days after the due date, escalate to \"Dana\".\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "900.00");
    let mut log = world.days("2026-11-03", "2026-11-12");
    world.state.escalated.remove(&customer);
    log.extend(world.days("2026-11-13", "2026-11-17"));
    assert_eq!(
        log,
        [
            "2026-11-03 act firm-reminder INV-1",
            "2026-11-07 act escalate:Dana INV-1",
            "2026-11-10 skip(escalated) firm-reminder INV-1",
            "2026-11-17 act firm-reminder INV-1",
        ]
    );
}

#[test]
fn a_customer_without_an_address_is_called_instead() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n  30 days after the due date, create a call task for \"Sam\".\n",
    );
    let customer = world.customer("Kauri Cafe", None, &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    world.invoice(customer, "INV-2", "2026-11-02", "50.00");
    world.invoice(customer, "INV-3", "2026-11-03", "75.00");
    let log = world.days("2026-11-03", "2026-11-04");
    // One call a day about every invoice that could not be emailed, not one call per email.
    assert_eq!(
        log,
        [
            "2026-11-03 skip(no_address) friendly-reminder INV-1",
            "2026-11-03 skip(no_address) friendly-reminder INV-2",
            "2026-11-03 act call:Sam INV-1+INV-2",
            "2026-11-04 skip(no_address) friendly-reminder INV-3",
            "2026-11-04 act call:Sam INV-3",
        ]
    );
}

#[test]
fn guards_and_minimums_hold_reminders_back() {
    let strategy = "Strategy \"t\".\nSettings:\n  Ignore invoices with less than $20 outstanding.\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n  Don't contact customers in the contact group \"Do not chase\".\n";
    let mut world = world(strategy);
    let left_alone = world.customer("Totara Trust", Some("ap@totara.example"), &["Do not chase"]);
    let small = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(left_alone, "INV-1", "2026-11-02", "100.00");
    world.invoice(small, "INV-2", "2026-11-02", "19.99");
    let mut log = world.days("2026-11-03", "2026-11-03");
    log.sort();
    assert_eq!(
        log,
        [
            "2026-11-03 skip(below_minimum) friendly-reminder INV-2",
            "2026-11-03 skip(do_not_contact) friendly-reminder INV-1"
        ]
    );
}

#[test]
fn a_paused_customer_is_left_alone_until_the_pause_ends() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    world.state.pauses.insert(customer, "2026-11-12".parse().unwrap());
    let log = world.days("2026-11-03", "2026-11-17");
    assert_eq!(
        log,
        [
            "2026-11-03 skip(paused) firm-reminder INV-1",
            "2026-11-10 skip(paused) firm-reminder INV-1",
            "2026-11-17 act firm-reminder INV-1",
        ]
    );
}

#[test]
fn stop_chasing_ends_every_later_action_on_the_invoice() {
    let mut world = world(
        "Strategy \"t\".\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n  10 days after the due date, stop chasing.\n",
    );
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    let log = world.days("2026-11-03", "2026-11-30");
    assert_eq!(
        log,
        ["2026-11-03 act firm-reminder INV-1", "2026-11-10 act firm-reminder INV-1", "2026-11-12 act stop INV-1"]
    );
}

#[test]
fn an_escalation_that_does_not_happen_holds_nothing_back() {
    let strategy = "Strategy \"t\".\nFor every customer:\n  Every 7 days from 1 to 60 days overdue, send the \"firm-reminder\" email.\n  8 days after the due date, if more than $5,000 is outstanding, escalate to \"Dana\".\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "900.00");
    let log = world.days("2026-11-03", "2026-11-10");
    assert_eq!(
        log,
        [
            "2026-11-03 act firm-reminder INV-1",
            // Only $900 is outstanding: no escalation, so the reminder due the same day still goes.
            "2026-11-10 skip(condition_not_met) escalate:Dana INV-1",
            "2026-11-10 act firm-reminder INV-1",
        ]
    );
}

#[test]
fn a_reminder_held_by_the_cap_waits_beyond_the_catch_up_window() {
    let strategy = "Strategy \"t\".\nSettings:\n  Never email a customer more than once every 7 days.\n  Catch up on missed reminders for up to 1 business day.\nFor every customer:\n  1 day after the due date, send the \"friendly-reminder\" email.\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    world.invoice(customer, "INV-1", "2026-11-02", "100.00");
    world.invoice(customer, "INV-2", "2026-11-04", "100.00");
    let log = world.days("2026-11-03", "2026-11-13");
    // INV-2's reminder came due on the 5th while the cap held the customer until the 10th.
    assert_eq!(log, ["2026-11-03 act friendly-reminder INV-1", "2026-11-10 act friendly-reminder INV-2"]);
}

#[test]
fn a_before_due_reminder_never_fires_for_an_invoice_raised_after_its_day() {
    let strategy = "Strategy \"t\".\nFor every customer:\n  3 days before the due date, send the \"upcoming\" email.\n";
    let mut world = world(strategy);
    let customer = world.customer("Kauri Cafe", Some("ap@kauri.example"), &[]);
    let late = world.invoice(customer, "INV-1", "2026-11-10", "100.00");
    world.invoice_mut(late).date = "2026-11-09".parse().unwrap();
    world.invoice(customer, "INV-2", "2026-11-10", "100.00");
    let log = world.days("2026-11-09", "2026-11-10");
    assert_eq!(log, ["2026-11-09 act upcoming INV-2"], "INV-2 existed on the 7th; INV-1 did not");
}
