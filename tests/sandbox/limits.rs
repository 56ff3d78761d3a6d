//! Rate limits as Xero enforces them, made small so that the tests are quick.

use reqwest::{Method, StatusCode};

use crate::support::*;

#[tokio::test]
async fn the_minute_limit_counts_down_and_then_refuses() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_limits(3, 1000, 5, 1000).await;
    for left in [2, 1, 0] {
        let response = harness.get(&session, "Organisation").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "x-minlimit-remaining"), Some(left.to_string()));
        assert_eq!(header(&response, "x-daylimit-remaining"), Some((997 + left).to_string()));
    }
    let refused = harness.get(&session, "Organisation").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-rate-limit-problem").as_deref(), Some("minute"));
    let wait: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(header(&refused, "x-minlimit-remaining").as_deref(), Some("0"));

    // The other organisation has its own allowance.
    let other = harness.api(&session, 1, Method::GET, "Organisation").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(harness.status().await["stats"]["rate_limited"], 1);
}

#[tokio::test]
async fn the_day_limit_refuses_with_its_own_problem() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_limits(100, 2, 5, 1000).await;
    for _ in 0..2 {
        assert_eq!(harness.get(&session, "Organisation").await.status(), StatusCode::OK);
    }
    let refused = harness.get(&session, "Organisation").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-rate-limit-problem").as_deref(), Some("day"));
    assert_eq!(header(&refused, "x-daylimit-remaining").as_deref(), Some("0"));
}

#[tokio::test]
async fn the_app_limit_spans_organisations() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_limits(100, 1000, 5, 3).await;
    for tenant in [0, 1, 0] {
        let response = harness.api(&session, tenant, Method::GET, "Organisation").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, "x-appminlimit-remaining").is_some());
    }
    let refused = harness.api(&session, 1, Method::GET, "Organisation").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-rate-limit-problem").as_deref(), Some("appminute"));
}

#[tokio::test]
async fn calls_beyond_the_concurrent_limit_are_refused() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.set_limits(100, 1000, 1, 1000).await;
    // Every answer is slow, so the first call is still open when the second arrives.
    harness.set_faults("slow:1:1500").await;
    let first = harness.get(&session, "Organisation");
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        harness.get(&session, "Organisation").await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&second, "x-rate-limit-problem").as_deref(), Some("concurrent"));
}
