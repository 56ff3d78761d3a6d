//! Each kind of fault, over real HTTP, and the same faults again from the same seed.

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn a_429_fault_looks_like_a_rate_limit() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_faults("429:1").await;
    let response = harness.get(&session, "Invoices").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&response, "retry-after").is_some());
    assert!(header(&response, "x-rate-limit-problem").is_some());
}

#[tokio::test]
async fn a_500_fault_answers_with_an_html_page() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_faults("500:1").await;
    let response = harness.get(&session, "Invoices").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(header(&response, "content-type").unwrap().starts_with("text/html"));
    assert!(serde_json::from_str::<serde_json::Value>(&response.text().await.unwrap()).is_err());
}

#[tokio::test]
async fn a_slow_fault_outlasts_a_short_timeout_but_then_answers() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_faults("slow:1:1500").await;
    let impatient = harness.api(&session, 0, reqwest::Method::GET, "Organisation").timeout(Duration::from_millis(200));
    let error = impatient.send().await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    let patient = harness.get(&session, "Organisation").await;
    assert_eq!(patient.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reset_fault_drops_the_connection_mid_answer() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_faults("reset:1").await;
    let response = harness.get(&session, "Invoices").await;
    assert_eq!(response.status(), StatusCode::OK, "the headers arrive");
    assert!(response.bytes().await.is_err(), "the body never completes");
}

#[tokio::test]
async fn a_truncate_fault_cuts_the_json_short() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_faults("truncate:1").await;
    let response = harness.get(&session, "Invoices").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with('{'));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
}

#[tokio::test]
async fn faults_repeat_with_the_seed_and_are_counted() {
    let outcomes = |seed: u64| async move {
        let mut config = config();
        config.seed = seed;
        config.faults = "429:0.2,500:0.2,truncate:0.2".parse().unwrap();
        config.limits.per_minute = 1000;
        let harness = start(config).await;
        let session = harness.sign_in().await;
        let mut seen = Vec::new();
        for _ in 0..40 {
            let response = harness.get(&session, "Organisation").await;
            let status = response.status().as_u16();
            let whole = serde_json::from_slice::<serde_json::Value>(&response.bytes().await.unwrap()).is_ok();
            seen.push((status, whole));
        }
        let stats = harness.status().await["stats"]["faults"].clone();
        (seen, stats)
    };
    let (first, stats) = outcomes(3).await;
    let (again, _) = outcomes(3).await;
    let (other, _) = outcomes(4).await;
    assert_eq!(first, again);
    assert_ne!(first, other);
    let count = |wanted: (u16, bool)| first.iter().filter(|&&seen| seen == wanted).count() as u64;
    assert_eq!(stats["429"].as_u64().unwrap_or(0), count((429, false)));
    assert_eq!(stats["500"].as_u64().unwrap_or(0), count((500, false)));
    assert_eq!(stats["truncate"].as_u64().unwrap_or(0), count((200, false)));
    assert!(count((200, true)) > 0);
}

#[tokio::test]
async fn one_organisations_outage_for_a_while_leaves_the_others_alone() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let put =
        |query: Vec<(&'static str, String)>| harness.http.put(harness.url("/sandbox/faults")).query(&query).send();
    let outage =
        put(vec![("spec", "429:1".into()), ("org", session.tenants[0].clone()), ("for", "2s".into())]).await.unwrap();
    assert_eq!(outage.status(), StatusCode::NO_CONTENT);
    let call = |tenant: usize| harness.api(&session, tenant, reqwest::Method::GET, "Invoices").send();
    assert_eq!(call(0).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call(1).await.unwrap().status(), StatusCode::OK, "the other organisation answers as usual");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(call(0).await.unwrap().status(), StatusCode::OK, "the outage is over");
    // Bad requests say what is wrong.
    for query in [
        vec![("spec", "429:1".to_string()), ("org", "not-an-id".to_string())],
        vec![("spec", "429:1".to_string()), ("org", session.tenants[0].clone()), ("for", "soon".to_string())],
        vec![("spec", "429:1".to_string()), ("for", "5m".to_string())],
    ] {
        let refused = put(query).await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }
}
