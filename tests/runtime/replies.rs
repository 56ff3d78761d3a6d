//! The customer answers while emails wait: a reply read through `inbox import` holds back the
//! email already decided for that customer (delivery asks again, not only decisions), an address
//! that bounced for good is never sent the email kept for it, and what was heard goes to Xero as
//! history notes with the next run.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::EVERY_OVERDUE_INVOICE;
use crate::support::*;

/// A waiting email: (Message-ID, the one address it is for, its contact).
fn waiting_emails(world: &World) -> Vec<(String, String, String)> {
    let db = world.db();
    let mut statement = db
        .prepare(
            "SELECT email, contact_id FROM actions WHERE status = 'waiting' AND action_kind = 'email'
               AND email IS NOT NULL ORDER BY id",
        )
        .unwrap();
    let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))).unwrap();
    rows.map(|row| {
        let (email, contact) = row.unwrap();
        let email: Value = serde_json::from_str(&email).unwrap();
        let to: Vec<&str> = email["to"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        (email["message_id"].as_str().unwrap().to_string(), to.join(","), contact)
    })
    .filter(|(_, to, _)| !to.contains(','))
    .collect()
}

#[test]
fn a_reply_or_a_bounce_after_an_email_was_decided_stops_it_at_delivery() {
    let world = World::start("replies", sandbox_config(69, 1, 30, 300));
    world.configure("[runtime]\nfreshness_minutes = 0\n");
    let strategy = strategy_file(&world.folder, "every.strategy", EVERY_OVERDUE_INVOICE);
    world.run_with_mail_down(&strategy, "2026-11-25T10:00:00Z");
    let waiting = waiting_emails(&world);
    let mut contacts = BTreeSet::new();
    let two: Vec<_> = waiting.into_iter().filter(|(_, _, contact)| contacts.insert(contact.clone())).take(2).collect();
    let [(replied_id, replied_to, _), (bounced_id, bounced_to, _)] = &two[..] else {
        panic!("two customers with a waiting email each: {two:?}")
    };
    let inbox = world.folder.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("reply.eml"),
        format!(
            "From: {replied_to}\r\nTo: accounts@collectiq.example\r\nSubject: Re: your reminder\r\n\
             Message-ID: <reply-1@customer.example>\r\nIn-Reply-To: {replied_id}\r\n\r\nWe paid on Friday.\r\n"
        ),
    )
    .unwrap();
    std::fs::write(
        inbox.join("bounce.eml"),
        format!(
            "From: MAILER-DAEMON@mx.example\r\nTo: accounts@collectiq.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\
             Message-ID: <bounce-1@mx.example>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n\
             Final-Recipient: rfc822; {bounced_to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
             --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {bounced_id}\r\nTo: {bounced_to}\r\n\r\n--b--\r\n"
        ),
    )
    .unwrap();
    let imported = world.collectiq(&["inbox", "import", inbox.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported));
    // The mail server is back: the two emails kept for them go nowhere; the rest go.
    let report = world.run(&strategy, "2026-11-25T11:00:00Z", &["--no-sync"]);
    let received: Vec<String> = world.smtp.received().iter().flat_map(|m| m.recipients.clone()).collect();
    assert!(!received.is_empty(), "the other emails went: {report}");
    for address in [replied_to, bounced_to] {
        assert!(!received.iter().any(|to| to.eq_ignore_ascii_case(address)), "{address} got mail: {received:?}");
    }
    let state = |message_id: &str| -> String {
        world
            .db()
            .query_row(
                "SELECT status || ': ' || coalesce(last_error, reason, '') FROM actions WHERE message_id = ?1",
                [message_id],
                |row| row.get(0),
            )
            .unwrap()
    };
    let replied = state(replied_id);
    assert!(replied.starts_with("cancelled") && replied.contains("the customer replied on"), "{replied}");
    let bounced = state(bounced_id);
    assert!(bounced.starts_with("cancelled"), "{bounced}");
    // What was heard is in Xero now, as history notes on the contacts.
    let notes: Vec<String> = world.notes_in_xero().into_iter().map(|(_, text)| text).collect();
    assert!(notes.iter().any(|n| n.starts_with("Customer replied: Re: your reminder ref ")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.starts_with(&format!("Email to {} bounced (5.1.1)", bounced_to.to_lowercase()))),
        "{notes:?}"
    );
}
