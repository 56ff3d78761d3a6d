//! Every kind of sandbox answer checked against Xero's own OpenAPI specifications.

use reqwest::Method;
use serde_json::Value;

use crate::openapi::{self, OpenApi};
use crate::support::*;

/// Gets `path` and checks the answer against the schema for `template`.
async fn check_get(api: &mut OpenApi, harness: &Harness, session: &Session, template: &str, path: &str) -> Value {
    let body = harness.get_json(session, path).await;
    if let Err(error) = api.check_response(template, "get", 200, &body) {
        panic!("GET {path} does not fit {template} in xero_accounting.yaml:\n{error}\n{body:#}");
    }
    body
}

fn first_id(body: &Value, list: &str, id: &str) -> String {
    body[list][0][id].as_str().unwrap_or_else(|| panic!("no {list}[0].{id} in {body}")).to_string()
}

#[tokio::test]
async fn every_accounting_answer_fits_xeros_specification() {
    let mut api = openapi::load("xero_accounting.yaml");
    let harness = start(config()).await;
    let mut session = harness.sign_in().await;
    // Once as generated, and again after a month in which customers paid and new invoices came.
    for round in 0..2 {
        if round == 1 {
            harness.advance_and_refresh(&mut session, "days=30").await;
        }
        check_get(&mut api, &harness, &session, "/Organisation", "Organisation").await;
        let groups = check_get(&mut api, &harness, &session, "/ContactGroups", "ContactGroups").await;
        let group = first_id(&groups, "ContactGroups", "ContactGroupID");
        check_get(&mut api, &harness, &session, "/ContactGroups/{ContactGroupID}", &format!("ContactGroups/{group}"))
            .await;
        let contacts = check_get(&mut api, &harness, &session, "/Contacts", "Contacts").await;
        let contact = first_id(&contacts, "Contacts", "ContactID");
        check_get(&mut api, &harness, &session, "/Contacts/{ContactID}", &format!("Contacts/{contact}")).await;
        check_get(&mut api, &harness, &session, "/Contacts", "Contacts?page=1&pageSize=5").await;
        check_get(
            &mut api,
            &harness,
            &session,
            "/Contacts/{ContactID}/History",
            &format!("Contacts/{contact}/History"),
        )
        .await;

        let invoices = check_get(&mut api, &harness, &session, "/Invoices", "Invoices").await;
        check_get(&mut api, &harness, &session, "/Invoices", "Invoices?page=2&pageSize=50").await;
        check_get(&mut api, &harness, &session, "/Invoices", "Invoices?page=1&summaryOnly=true").await;
        let invoice = first_id(&invoices, "Invoices", "InvoiceID");
        check_get(&mut api, &harness, &session, "/Invoices/{InvoiceID}", &format!("Invoices/{invoice}")).await;
        check_get(
            &mut api,
            &harness,
            &session,
            "/Invoices/{InvoiceID}/OnlineInvoice",
            &format!("Invoices/{invoice}/OnlineInvoice"),
        )
        .await;
        check_get(
            &mut api,
            &harness,
            &session,
            "/Invoices/{InvoiceID}/History",
            &format!("Invoices/{invoice}/History"),
        )
        .await;

        let payments = check_get(&mut api, &harness, &session, "/Payments", "Payments").await;
        let payment = first_id(&payments, "Payments", "PaymentID");
        check_get(&mut api, &harness, &session, "/Payments/{PaymentID}", &format!("Payments/{payment}")).await;
        for (list, id, template) in [
            ("CreditNotes", "CreditNoteID", "/CreditNotes/{CreditNoteID}"),
            ("Overpayments", "OverpaymentID", "/Overpayments/{OverpaymentID}"),
            ("Prepayments", "PrepaymentID", "/Prepayments/{PrepaymentID}"),
        ] {
            let body = check_get(&mut api, &harness, &session, &format!("/{list}"), list).await;
            let one = first_id(&body, list, id);
            check_get(&mut api, &harness, &session, template, &format!("{list}/{one}")).await;
        }
        check_get(&mut api, &harness, &session, "/RepeatingInvoices", "RepeatingInvoices").await;
        check_get(&mut api, &harness, &session, "/InvoiceReminders/Settings", "InvoiceReminders/Settings").await;
    }
}

#[tokio::test]
async fn history_writes_and_refused_writes_fit_xeros_specification() {
    let mut api = openapi::load("xero_accounting.yaml");
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let invoices = harness.get_json(&session, "Invoices?page=1").await;
    let invoice = first_id(&invoices, "Invoices", "InvoiceID");
    let contact = invoices["Invoices"][0]["Contact"]["ContactID"].as_str().unwrap().to_string();
    let note = serde_json::json!({ "HistoryRecords": [{ "Details": "Reminder sent by CollectIQ" }] });
    for (template, path) in [
        ("/Invoices/{InvoiceID}/History", format!("Invoices/{invoice}/History")),
        ("/Contacts/{ContactID}/History", format!("Contacts/{contact}/History")),
    ] {
        let written = harness.api(&session, 0, Method::PUT, &path).json(&note).send().await.unwrap();
        let body = ok_json(written).await;
        api.check_response(template, "put", 200, &body).unwrap_or_else(|e| panic!("PUT {path}: {e}\n{body:#}"));
        let read = harness.get_json(&session, &path).await;
        api.check_response(template, "get", 200, &read).unwrap_or_else(|e| panic!("GET {path}: {e}\n{read:#}"));

        let blank = serde_json::json!({ "HistoryRecords": [{ "Details": " " }] });
        let refused = harness.api(&session, 0, Method::PUT, &path).json(&blank).send().await.unwrap();
        let (status, body) = status_and_json(refused).await;
        api.check_response(template, "put", status.as_u16(), &body).unwrap_or_else(|e| panic!("{e}\n{body:#}"));
    }
    let change = serde_json::json!({ "Invoices": [{ "InvoiceID": invoice, "Status": "VOIDED" }] });
    let refused = harness.api(&session, 0, Method::PUT, "Invoices").json(&change).send().await.unwrap();
    let (status, body) = status_and_json(refused).await;
    assert_eq!(status, 400);
    api.check_response("/Invoices", "put", 400, &body).unwrap_or_else(|e| panic!("{e}\n{body:#}"));
    // The check has teeth: a wrong shape is caught.
    let mut wrong = body.clone();
    wrong["ErrorNumber"] = Value::from("ten");
    assert!(api.check_response("/Invoices", "put", 400, &wrong).is_err());
}

#[tokio::test]
async fn identity_answers_fit_xeros_specification() {
    let mut api = openapi::load("xero-identity.yaml");
    let harness = start(config()).await;
    let verifier = "verifier-0123456789-0123456789-0123456789-abc";
    let code = harness.code(SCOPES, verifier).await;
    let tokens = ok_json(harness.exchange(&code, verifier).await).await;
    api.check("AccessToken", &tokens).unwrap_or_else(|e| panic!("{e}\n{tokens:#}"));
    let refreshed = ok_json(harness.refresh(tokens["refresh_token"].as_str().unwrap()).await).await;
    api.check("AccessToken", &refreshed).unwrap_or_else(|e| panic!("{e}\n{refreshed:#}"));
    let access = tokens["access_token"].as_str().unwrap();
    let connections =
        ok_json(harness.http.get(harness.url("/connections")).bearer_auth(access).send().await.unwrap()).await;
    api.check_response("/Connections", "get", 200, &connections).unwrap_or_else(|e| panic!("{e}\n{connections:#}"));
    let mut wrong = connections.clone();
    wrong[0]["tenantId"] = Value::from(42);
    assert!(api.check_response("/Connections", "get", 200, &wrong).is_err());
}

#[test]
fn xeros_own_examples_fit_and_a_broken_one_does_not() {
    let mut api = openapi::load("xero_accounting.yaml");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/xero/examples/accounting/GET_Invoices.200.json");
    let mut body: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    api.check_response("/Invoices", "get", 200, &body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body["Invoices"] = Value::from("not a list");
    assert!(api.check_response("/Invoices", "get", 200, &body).is_err());
}
