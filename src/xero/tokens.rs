//! Access tokens for API calls: refreshed a little before they expire, with the rotated refresh
//! token committed to the store before the new access token is used. A lease in the store makes
//! sure two processes refreshing at once never both spend the same refresh token. When Xero
//! refuses a refresh token (`invalid_grant`), the grant is marked as needing `collectiq connect`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::oauth::{OAuth, OAuthError};
use crate::secret::Secret;
use crate::store::connections::Lease;
use crate::store::{Store, StoreError};

/// Refresh this long before the access token expires.
const MARGIN: SignedDuration = SignedDuration::from_secs(120);
/// How long a refresh may take before another process may try.
const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// How long to wait for another process's refresh.
const WAIT: Duration = Duration::from_secs(90);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the connection to Xero needs renewing ({0}); run `collectiq connect`")]
    NeedsReconnect(String),
    /// The identity service could not be reached or did not answer sensibly; worth retrying later.
    #[error("could not refresh the Xero token: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TokenError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> Option<String> {
        match self {
            TokenError::NeedsReconnect(_) => Some("`collectiq connect` signs in again; nothing stored is lost".into()),
            TokenError::Unavailable(_) => Some("Xero's identity service did not answer; try again shortly".into()),
            TokenError::Store(error) => error.help(),
        }
    }
}

pub struct TokenKeeper {
    store: Store,
    oauth: Arc<OAuth>,
    /// Names this process in the refresh lease.
    owner: String,
    /// Access tokens this process has seen, so that a call need not wait for the store (which a
    /// sync may be busy writing). An access token stays good until it expires, even after
    /// another process has refreshed.
    known: Mutex<std::collections::HashMap<i64, (Secret, Timestamp)>>,
    /// One refresh at a time within this process (the store's lease keeps processes apart):
    /// organisations of one grant syncing at once must not each spend its refresh token.
    refreshing: tokio::sync::Mutex<()>,
}

impl TokenKeeper {
    pub fn new(store: Store, oauth: Arc<OAuth>) -> TokenKeeper {
        let owner = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
        TokenKeeper {
            store,
            oauth,
            owner,
            known: Mutex::new(std::collections::HashMap::new()),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// An access token for the grant that is good for a while yet.
    pub async fn access_token(&self, grant: i64) -> Result<Secret, TokenError> {
        let now = Timestamp::now();
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner()).get(&grant).cloned();
        if let Some((token, expires)) = known
            && now.checked_add(MARGIN).is_ok_and(|soon| expires > soon)
        {
            return Ok(token);
        }
        self.obtain(grant, None).await
    }

    fn remember(&self, grant: i64, token: &Secret, expires: Timestamp) {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).insert(grant, (token.clone(), expires));
    }

    fn forget(&self, grant: i64) {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).remove(&grant);
    }

    /// A new access token after Xero refused `stale` (it was revoked, or the clocks disagree).
    /// If another process has refreshed since, its token is used instead.
    pub async fn replace(&self, grant: i64, stale: &Secret) -> Result<Secret, TokenError> {
        self.forget(grant);
        self.obtain(grant, Some(stale)).await
    }

    async fn obtain(&self, grant: i64, stale: Option<&Secret>) -> Result<Secret, TokenError> {
        let _one_at_a_time = self.refreshing.lock().await;
        // Another task may have refreshed while this one waited.
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner()).get(&grant).cloned();
        if let Some((token, expires)) = known
            && stale.is_none_or(|stale| *stale != token)
            && Timestamp::now().checked_add(MARGIN).is_ok_and(|soon| expires > soon)
        {
            return Ok(token);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = Timestamp::now();
            let good_until = match stale {
                // Refresh unless the stored token is no longer the one that was refused.
                Some(_) => Timestamp::MAX,
                None => now.checked_add(MARGIN).unwrap_or(now),
            };
            if let Some(stale) = stale
                && let Some(current) = self.store.grant(grant).await?
                && current.access_token != *stale
                && current.access_expires_at > now
            {
                self.remember(grant, &current.access_token, current.access_expires_at);
                return Ok(current.access_token);
            }
            let lease = self.store.take_refresh_lease(grant, &self.owner, now, good_until, LEASE).await?;
            match lease {
                Lease::Fresh(current) => {
                    self.remember(grant, &current.access_token, current.access_expires_at);
                    return Ok(current.access_token);
                }
                Lease::NeedsReconnect(reason) => return Err(TokenError::NeedsReconnect(reason)),
                Lease::Busy if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Lease::Busy => {
                    return Err(TokenError::Unavailable("another process has been refreshing for too long".into()));
                }
                Lease::Taken(current) => {
                    // Another process may have refreshed between the look above and taking the
                    // lease: its new token is the one to use; refreshing again would spend the
                    // refresh token it just stored.
                    if let Some(stale) = stale
                        && current.access_token != *stale
                        && current.access_expires_at > now
                    {
                        self.store.release_lease(grant, &self.owner).await?;
                        self.remember(grant, &current.access_token, current.access_expires_at);
                        return Ok(current.access_token);
                    }
                    return self.refresh(grant, current.refresh_token).await;
                }
            }
        }
    }

    async fn refresh(&self, grant: i64, refresh_token: Option<Secret>) -> Result<Secret, TokenError> {
        let Some(refresh_token) = refresh_token else {
            let reason = "no refresh token was issued (was offline_access granted?)";
            self.store.mark_needs_reconnect(grant, reason).await?;
            return Err(TokenError::NeedsReconnect(reason.into()));
        };
        match self.oauth.refresh(&refresh_token).await {
            Ok(tokens) => {
                // On disk before anyone uses the new access token: the old refresh token is spent.
                self.store.save_tokens(grant, &tokens, Timestamp::now()).await?;
                self.remember(grant, &tokens.access_token, tokens.expires_at);
                Ok(tokens.access_token)
            }
            Err(error) if error.is_invalid_grant() => {
                let reason = "Xero refused the refresh token: it was revoked, unused for 60 days, or replaced";
                self.store.mark_needs_reconnect(grant, reason).await?;
                Err(TokenError::NeedsReconnect(reason.into()))
            }
            Err(error) => {
                self.store.release_lease(grant, &self.owner).await?;
                Err(TokenError::Unavailable(match error {
                    OAuthError::Unreachable(why) => why,
                    other => other.to_string(),
                }))
            }
        }
    }
}
