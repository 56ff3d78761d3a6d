//! Online invoice links asked of Xero while it keeps failing: each link is asked for a bounded
//! number of times and the emails go without it, instead of the run waiting out its patience.

use std::time::Duration;

use collectiq::runtime::compose::{Composer, DefaultSender, LINK_ROUNDS};
use collectiq::xero::budget::Priority;

use super::support::{connected, quick_retries, sandbox_config};

#[tokio::test]
async fn a_link_xero_keeps_failing_on_is_given_up_after_a_few_rounds() {
    let connected = connected("links-failing", sandbox_config(31, 1, 30)).await;
    connected.sync(true).await;
    let tenant = connected.tenants().await[0];
    let invoices: Vec<uuid::Uuid> =
        connected.store().open_invoices(tenant).await.unwrap().iter().take(4).map(|i| i.invoice_id).collect();
    // From now on every call to this organisation fails with a 500.
    connected.admin(reqwest::Method::PUT, &format!("/sandbox/faults?spec=500:1.0&org={tenant}")).await;

    let sender = DefaultSender { address: None, name: None, style: Default::default(), rates: None, locale: None };
    let composer =
        Composer::new(&sender, Some(&connected.session.client), connected.store(), None, jiff::Timestamp::now());
    // Patience of an hour: without a bound on rounds the call would keep asking for all of it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3_600);
    let fetched = composer.fetch_links(tenant, &invoices, deadline, Priority::Now).await;
    assert_eq!((fetched.fetched, fetched.missing), (0, invoices.len()), "{fetched:?}");

    // Every call to the organisation from now on is a link asked for, answered with a 500.
    let asked = connected.stats().await["faults"]["500"].as_u64().unwrap_or(0);
    let most = invoices.len() as u64 * u64::from(quick_retries().attempts) * u64::from(LINK_ROUNDS);
    assert!(asked > invoices.len() as u64, "each link was asked for more than once: {asked}");
    assert!(asked <= most, "{asked} calls for {} links, more than {most}", invoices.len());
    assert_eq!(connected.store().online_links(tenant, &invoices).await.unwrap().len(), 0, "nothing kept");
}
