//! The accounting API: paging, If-Modified-Since, filters, single records, history notes, the
//! refusal of every other write, time travel, and determinism.

use std::collections::{BTreeSet, HashSet};

use collectiq::xero::wire::{self, XeroDateTime};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::*;

fn invoices(body: &Value) -> &Vec<Value> {
    body["Invoices"].as_array().expect("an Invoices list")
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(|i| i["InvoiceID"].as_str().unwrap().to_string()).collect()
}

fn updated(invoice: &Value) -> jiff::Timestamp {
    serde_json::from_value::<XeroDateTime>(invoice["UpdatedDateUTC"].clone()).unwrap().0
}

#[tokio::test]
async fn pages_cover_every_invoice_once_in_update_order() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let everything = harness.get_json(&session, "Invoices").await;
    assert!(everything.get("pagination").is_none(), "no page asked for, no pagination");
    let all = ids(invoices(&everything));
    assert!(all.len() > 250, "{} invoices", all.len());

    let mut paged = Vec::new();
    let mut page = 1;
    loop {
        let body = harness.get_json(&session, &format!("Invoices?page={page}&pageSize=70")).await;
        let pagination = &body["pagination"];
        assert_eq!(pagination["page"], page);
        assert_eq!(pagination["pageSize"], 70);
        assert_eq!(pagination["itemCount"], all.len());
        assert_eq!(pagination["pageCount"], all.len().div_ceil(70));
        let items = invoices(&body);
        if items.is_empty() {
            break;
        }
        assert!(items.len() <= 70);
        paged.extend(items.iter().cloned());
        page += 1;
    }
    assert_eq!(ids(&paged), all, "pages, joined, are the whole list in the same order");
    assert!(paged.windows(2).all(|pair| updated(&pair[0]) <= updated(&pair[1])));
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());

    let capped = harness.get_json(&session, "Invoices?page=1&pageSize=5000").await;
    assert_eq!(capped["pagination"]["pageSize"], 1000);
    let default = harness.get_json(&session, "Invoices?page=1").await;
    assert_eq!(invoices(&default).len(), 100);
}

#[tokio::test]
async fn if_modified_since_returns_what_changed_at_or_after_the_second_given() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let all = harness.get_json(&session, "Invoices").await;
    let all = invoices(&all);
    let middle = updated(&all[all.len() / 2]);
    let since = middle.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let expected: Vec<String> =
        ids(&all.iter().filter(|i| updated(i).as_second() >= middle.as_second()).cloned().collect::<Vec<_>>());

    let response =
        harness.api(&session, 0, Method::GET, "Invoices").header("If-Modified-Since", &since).send().await.unwrap();
    let changed = ok_json(response).await;
    assert_eq!(ids(invoices(&changed)), expected);
    assert!(expected.len() < all.len());

    // A payment made now is seen by the next incremental read, and nothing older is.
    let before = harness.status().await["now"].as_str().unwrap().to_string();
    let unpaid = all.iter().find(|i| i["Status"] == "AUTHORISED" && i["Type"] == "ACCREC").unwrap();
    let id = unpaid["InvoiceID"].as_str().unwrap();
    let paid = harness.http.post(harness.url(&format!("/sandbox/pay?invoice={id}&amount=1.00"))).send().await.unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    let before: jiff::Timestamp = before.parse().unwrap();
    let response = harness
        .api(&session, 0, Method::GET, "Invoices")
        .header("If-Modified-Since", before.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .send()
        .await
        .unwrap();
    let changed = ok_json(response).await;
    let changed = invoices(&changed);
    assert!(ids(changed).contains(&id.to_string()));
    assert!(changed.iter().all(|i| updated(i).as_second() >= before.as_second()));
}

#[tokio::test]
async fn invoices_filter_by_status_id_contact_and_number() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let all = harness.get_json(&session, "Invoices").await;
    let all = invoices(&all).clone();
    let statuses: BTreeSet<&str> = all.iter().map(|i| i["Status"].as_str().unwrap()).collect();
    for status in ["AUTHORISED", "PAID", "VOIDED", "DRAFT"] {
        assert!(statuses.contains(status), "no {status} invoice among {statuses:?}");
    }

    let open = harness.get_json(&session, "Invoices?Statuses=AUTHORISED,SUBMITTED").await;
    let expected = all.iter().filter(|i| i["Status"] == "AUTHORISED" || i["Status"] == "SUBMITTED").count();
    assert_eq!(invoices(&open).len(), expected);

    let picked = [&all[3], &all[40]];
    let wanted = format!(
        "Invoices?IDs={},{}",
        picked[0]["InvoiceID"].as_str().unwrap(),
        picked[1]["InvoiceID"].as_str().unwrap()
    );
    let by_id = harness.get_json(&session, &wanted).await;
    let mut got = ids(invoices(&by_id));
    got.sort();
    let mut expected = ids(&[picked[0].clone(), picked[1].clone()]);
    expected.sort();
    assert_eq!(got, expected);

    let number = all[7]["InvoiceNumber"].as_str().unwrap();
    let by_number = harness.get_json(&session, &format!("Invoices?InvoiceNumbers={number}")).await;
    assert_eq!(ids(invoices(&by_number)), vec![all[7]["InvoiceID"].as_str().unwrap().to_string()]);

    let contact = all[9]["Contact"]["ContactID"].as_str().unwrap();
    let by_contact = harness.get_json(&session, &format!("Invoices?ContactIDs={contact}")).await;
    let expected = all.iter().filter(|i| i["Contact"]["ContactID"] == contact).count();
    assert_eq!(invoices(&by_contact).len(), expected);
    assert!(invoices(&by_contact).iter().all(|i| i["Contact"]["ContactID"] == contact));

    let receivable = harness.get_json(&session, "Invoices?where=Type%3D%3D%22ACCREC%22").await;
    assert!(invoices(&receivable).iter().all(|i| i["Type"] == "ACCREC"));

    let full = harness.get_json(&session, "Invoices?page=1").await;
    assert!(invoices(&full).iter().all(|i| i["LineItems"].is_array()));
    let summary = harness.get_json(&session, "Invoices?page=1&summaryOnly=true").await;
    assert!(invoices(&summary).iter().all(|i| i.get("LineItems").is_none()));
}

#[tokio::test]
async fn single_records_and_the_online_invoice() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let all = harness.get_json(&session, "Invoices?page=1").await;
    let first = &invoices(&all)[0];
    let id = first["InvoiceID"].as_str().unwrap();
    let by_id = harness.get_json(&session, &format!("Invoices/{id}")).await;
    assert_eq!(invoices(&by_id)[0]["InvoiceNumber"], first["InvoiceNumber"]);
    let number = first["InvoiceNumber"].as_str().unwrap();
    let by_number = harness.get_json(&session, &format!("Invoices/{number}")).await;
    assert_eq!(invoices(&by_number)[0]["InvoiceID"], id);

    let online = harness.get_json(&session, &format!("Invoices/{id}/OnlineInvoice")).await;
    let link = online["OnlineInvoices"][0]["OnlineInvoiceUrl"].as_str().unwrap();
    let page = harness.http.get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(number));

    let (status, body) =
        status_and_json(harness.get(&session, "Invoices/00000000-0000-0000-0000-00000000abcd").await).await;
    assert_eq!((status, body["Title"].as_str()), (StatusCode::NOT_FOUND, Some("NotFound")));
    assert_eq!(harness.get(&session, "BankTransactions").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_other_list_answers_with_its_records() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    for (path, key) in [
        ("Organisation", "Organisations"),
        ("ContactGroups", "ContactGroups"),
        ("Contacts", "Contacts"),
        ("Payments", "Payments"),
        ("CreditNotes", "CreditNotes"),
        ("Overpayments", "Overpayments"),
        ("Prepayments", "Prepayments"),
        ("RepeatingInvoices", "RepeatingInvoices"),
        ("InvoiceReminders/Settings", "InvoiceReminders"),
    ] {
        let body = harness.get_json(&session, path).await;
        assert!(body[key].as_array().is_some_and(|list| !list.is_empty()), "{path}: {body}");
    }
    let credits = harness.get_json(&session, "CreditNotes").await;
    let allocated = credits["CreditNotes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["Allocations"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(allocated, "some credit note is allocated to an invoice");
    let groups = harness.get_json(&session, "ContactGroups").await;
    let names: Vec<&str> =
        groups["ContactGroups"].as_array().unwrap().iter().map(|g| g["Name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Do not chase"), "{names:?}");
    let contacts = harness.get_json(&session, "Contacts").await;
    let contacts = contacts["Contacts"].as_array().unwrap();
    assert!(contacts.iter().any(|c| c.get("EmailAddress").is_none_or(|e| e.as_str() == Some(""))));
    // Some invoice is in a foreign currency at a rate other than one.
    let all = harness.get_json(&session, "Invoices").await;
    assert!(invoices(&all).iter().any(|i| i["CurrencyRate"].as_f64().is_some_and(|r| r != 1.0)));
}

#[tokio::test]
async fn history_notes_are_kept_and_every_other_write_is_refused_and_counted() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let all = harness.get_json(&session, "Invoices?page=1").await;
    let id = invoices(&all)[0]["InvoiceID"].as_str().unwrap().to_string();

    let note =
        serde_json::json!({ "HistoryRecords": [{ "Details": "CollectIQ sent friendly-reminder to ap@example.com" }] });
    let response =
        harness.api(&session, 0, Method::PUT, &format!("Invoices/{id}/History")).json(&note).send().await.unwrap();
    let written = ok_json(response).await;
    assert_eq!(written["HistoryRecords"][0]["Details"], "CollectIQ sent friendly-reminder to ap@example.com");
    let history = harness.get_json(&session, &format!("Invoices/{id}/History")).await;
    let details: Vec<&str> =
        history["HistoryRecords"].as_array().unwrap().iter().filter_map(|r| r["Details"].as_str()).collect();
    assert!(details.contains(&"CollectIQ sent friendly-reminder to ap@example.com"), "{details:?}");

    let empty = serde_json::json!({ "HistoryRecords": [{ "Details": "" }] });
    let response =
        harness.api(&session, 0, Method::PUT, &format!("Invoices/{id}/History")).json(&empty).send().await.unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body["Type"].as_str()), (StatusCode::BAD_REQUEST, Some("ValidationException")));

    let change = serde_json::json!({ "Invoices": [{ "InvoiceID": id, "Status": "VOIDED" }] });
    for (method, path) in [
        (Method::POST, "Invoices".to_string()),
        (Method::PUT, format!("Invoices/{id}")),
        (Method::DELETE, format!("Invoices/{id}")),
    ] {
        let response = harness.api(&session, 0, method, &path).json(&change).send().await.unwrap();
        let (status, body) = status_and_json(response).await;
        assert_eq!((status, body["Type"].as_str()), (StatusCode::BAD_REQUEST, Some("ValidationException")));
    }
    let stats = &harness.status().await["stats"];
    assert_eq!(stats["refused_writes"].as_array().unwrap().len(), 3, "{stats}");
    assert_eq!(stats["notes_written"], 1);
    let still = harness.get_json(&session, &format!("Invoices/{id}")).await;
    assert_eq!(invoices(&still)[0]["Status"], invoices(&all)[0]["Status"]);
}

#[tokio::test]
async fn time_travel_brings_payments_and_new_invoices() {
    let harness = start(config()).await;
    let mut session = harness.sign_in().await;
    let before = harness.get_json(&session, "Invoices").await;
    let before = invoices(&before).clone();
    let payments_before = harness.get_json(&session, "Payments").await["Payments"].as_array().unwrap().len();

    let moved = harness.advance_and_refresh(&mut session, "days=30").await;
    assert!(moved["changes"].as_u64().unwrap() > 0);
    let after = harness.get_json(&session, "Invoices").await;
    let after = invoices(&after);
    assert!(after.len() > before.len(), "new invoices were raised");
    let was_open: HashSet<&str> =
        before.iter().filter(|i| i["Status"] == "AUTHORISED").map(|i| i["InvoiceID"].as_str().unwrap()).collect();
    let now_paid =
        after.iter().filter(|i| i["Status"] == "PAID" && was_open.contains(i["InvoiceID"].as_str().unwrap()));
    assert!(now_paid.count() > 0, "customers paid open invoices");
    let payments_after = harness.get_json(&session, "Payments").await["Payments"].as_array().unwrap().len();
    assert!(payments_after > payments_before);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_organisations() {
    let strip = |mut body: Value| {
        let object = body.as_object_mut().unwrap();
        object.remove("Id");
        object.remove("DateTimeUTC");
        body
    };
    let mut answers = Vec::new();
    for seed in [7, 7, 8] {
        let harness = start(collectiq::sandbox::SandboxConfig { seed, ..config() }).await;
        let session = harness.sign_in().await;
        let mut bodies = Vec::new();
        for path in ["Organisation", "Contacts", "Invoices", "Payments", "CreditNotes"] {
            bodies.push(strip(harness.get_json(&session, path).await));
        }
        answers.push(bodies);
    }
    assert_eq!(answers[0], answers[1]);
    assert_ne!(answers[0], answers[2]);
}

#[tokio::test]
async fn the_sandbox_answers_in_xeros_wire_format() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let text = harness.get(&session, "Invoices?page=1").await.text().await.unwrap();
    assert!(text.contains("\"DueDate\":\"\\/Date("), "dates as Xero writes them");
    let parsed: wire::Envelope<wire::Invoices> = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.items.items.len(), 100);
}

#[tokio::test]
async fn an_invoice_asked_for_as_a_pdf_is_served_as_one() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let all = harness.get_json(&session, "Invoices?page=1").await;
    let id = invoices(&all)[0]["InvoiceID"].as_str().unwrap().to_string();
    let pdf = harness
        .api(&session, 0, reqwest::Method::GET, &format!("Invoices/{id}"))
        .header("accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    // Asked for as JSON, the same invoice is JSON as before; a list is never a PDF.
    let json = harness.get(&session, &format!("Invoices/{id}")).await;
    assert!(json.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let list = harness
        .api(&session, 0, reqwest::Method::GET, "Invoices?page=1")
        .header("accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert!(list.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
}
