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
