//! Tokens from the client's side: expiry and rotation during a sync, two processes refreshing
//! at once, and a refresh token Xero no longer takes.

use collectiq::store::Store;
use collectiq::store::connections::GrantStatus;
use collectiq::xero::client::ApiError;
use collectiq::xero::session::Session;
use collectiq::xero::sync::SyncError;
use collectiq::xero::tokens::TokenError;

use crate::support::*;

async fn grant_of(connected: &Connected) -> i64 {
    connected.store().organisations().await.unwrap()[0].grant_id.unwrap()
}

async fn refresh_token(store: &Store, grant: i64) -> String {
    store.grant(grant).await.unwrap().unwrap().refresh_token.unwrap().expose().to_string()
}

#[tokio::test]
async fn an_expired_access_token_is_replaced_and_the_rotated_refresh_token_kept() {
    let connected = connected("expiry", sandbox_config(31, 1, 200)).await;
    let grant = grant_of(&connected).await;
    let first = refresh_token(connected.store(), grant).await;
    connected.sync(false).await;
    // Half an hour passes in Xero: the access token CollectIQ holds is refused.
    connected.advance("minutes=31").await;
    connected.sync(false).await;
    let second = refresh_token(connected.store(), grant).await;
    assert_ne!(first, second, "the refresh token rotated and the new one was stored");
    // The stored token is the one Xero now honours (the first is past its grace period later).
    connected.advance("minutes=31").await;
    connected.sync(false).await;
    assert_ne!(refresh_token(connected.store(), grant).await, second);
}

#[tokio::test]
async fn two_processes_refreshing_at_once_share_one_refresh() {
    let connected = connected("concurrent", sandbox_config(32, 1, 100)).await;
    let grant = grant_of(&connected).await;
    let stale = connected.store().grant(grant).await.unwrap().unwrap().access_token;
    let before = refresh_token(connected.store(), grant).await;
    // A second process: its own connection to the same database file.
    let other_store = Store::open(&connected.config.database).await.unwrap();
    let other = Session::with_store(&connected.config, other_store, quick_retries()).await.unwrap();
    let (mine, theirs) =
        tokio::join!(connected.session.tokens.replace(grant, &stale), other.tokens.replace(grant, &stale));
    let (mine, theirs) = (mine.unwrap(), theirs.unwrap());
    assert_eq!(mine.expose(), theirs.expose(), "the second waited for the first and used its token");
    let after = refresh_token(connected.store(), grant).await;
    assert_ne!(after, before);
    // Only one refresh happened: the stored refresh token is the live one and works now, long
    // after the grace period of the one it replaced.
    connected.advance("minutes=45").await;
    connected.sync(false).await;
}

#[tokio::test]
async fn a_refresh_token_xero_refuses_marks_the_organisation_for_reconnection() {
    let connected = connected("lapsed", sandbox_config(33, 1, 100)).await;
    connected.sync(false).await;
    // Sixty days without a refresh: the refresh token lapses.
    connected.advance("days=61").await;
    let reports = connected.try_sync(false).await;
    let error = reports[0].error.clone().expect("the sync fails");
    assert!(matches!(&*error, SyncError::Api(ApiError::Token(TokenError::NeedsReconnect(_)))), "{error:?}");
    assert!(error.to_string().contains("collectiq connect"), "{error}");
    let grant = grant_of(&connected).await;
    assert!(matches!(connected.store().grant(grant).await.unwrap().unwrap().status, GrantStatus::NeedsReconnect(_)));
    let recorded = connected.store().organisations().await.unwrap()[0].last_sync_error.clone().unwrap();
    assert!(recorded.contains("collectiq connect"), "{recorded}");
    // And no token appears in what was said.
    let tokens = connected.store().grant(grant).await.unwrap().unwrap();
    assert!(!error.to_string().contains(tokens.access_token.expose()));
    assert!(!error.to_string().contains(tokens.refresh_token.unwrap().expose()));
}

#[tokio::test]
async fn organisations_of_one_grant_refresh_once_between_them() {
    let connected = connected("one-refresh", sandbox_config(34, 2, 100)).await;
    let grant = grant_of(&connected).await;
    let stale = connected.store().grant(grant).await.unwrap().unwrap().access_token;
    let tokens = &connected.session.tokens;
    let (a, b, c) =
        tokio::join!(tokens.replace(grant, &stale), tokens.replace(grant, &stale), tokens.replace(grant, &stale));
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.expose(), b.expose(), "one refresh served every task");
    assert_eq!(b.expose(), c.expose());
    assert_ne!(a.expose(), stale.expose());
}
