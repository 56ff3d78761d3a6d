//! Sync under the sandbox's faults converges to the same store as without them, and CollectIQ
//! never runs into a rate limit Xero's headers announced.

use crate::equal::{assert_same, from_store};
use crate::support::*;

#[tokio::test]
async fn faults_change_nothing_but_the_number_of_calls() {
    let calm = connected("calm", sandbox_config(21, 1, 1_500)).await;
    let mut faulty_config = sandbox_config(21, 1, 1_500);
    faulty_config.faults = "429:0.08,500:0.08,slow:0.04:150,reset:0.05,truncate:0.08".parse().unwrap();
    let faulty = connected("faulty", faulty_config).await;
    let tenant = calm.tenants().await[0];
    assert_eq!(faulty.tenants().await, vec![tenant], "the same seed gives the same organisation");

    calm.sync(true).await;
    let reports = faulty.sync(true).await;
    assert!(reports[0].retries > 0, "the faults were met");
    assert_same(
        "full sync under faults",
        &from_store(faulty.store(), tenant).await,
        &from_store(calm.store(), tenant).await,
    );

    for connected in [&calm, &faulty] {
        connected.advance("days=20").await;
        connected.sync(false).await;
    }
    assert_same(
        "incremental sync under faults",
        &from_store(faulty.store(), tenant).await,
        &from_store(calm.store(), tenant).await,
    );

    let stats = faulty.stats().await;
    let injected: u64 = stats["faults"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(injected > 0);
    assert_eq!(stats["rate_limited"], 0, "no call went past a limit Xero announced");
}

#[tokio::test]
async fn a_small_limit_is_respected_not_hit() {
    let mut config = sandbox_config(22, 1, 200);
    config.limits.per_minute = 12;
    let connected = connected("limits", config).await;
    // CollectIQ allows itself more than the sandbox does; the headers must hold it back.
    connected.sync(false).await;
    let stats = connected.stats().await;
    assert_eq!(stats["rate_limited"], 0, "{stats}");
}
