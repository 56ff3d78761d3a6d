//! Everything a command needs to talk to Xero, built once from the configuration: the store
//! (given the key that opens its tokens), the token keeper and the rate-limited client.

use std::sync::Arc;

use super::client::{RetryPolicy, XeroClient};
use super::oauth::{OAuth, OAuthError};
use super::tokens::TokenKeeper;
use crate::config::Config;
use crate::store::{Store, StoreError};

pub struct Session {
    pub store: Store,
    pub client: Arc<XeroClient>,
    pub tokens: Arc<TokenKeeper>,
    pub oauth: Arc<OAuth>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
}

impl Session {
    pub async fn open(config: &Config) -> Result<Session, SessionError> {
        let store = Store::open(&config.database).await?;
        Session::with_store(config, store, RetryPolicy::default()).await
    }

    /// A session on `store`, which is given the configured key for its tokens unless it has one.
    pub async fn with_store(config: &Config, store: Store, retry: RetryPolicy) -> Result<Session, SessionError> {
        if !store.key_given().await? {
            store.unlock(config.key_file.as_deref()).await?;
        }
        let oauth = Arc::new(OAuth::new(&config.xero, None)?);
        let tokens = Arc::new(TokenKeeper::new(store.clone(), oauth.clone()));
        let client = Arc::new(XeroClient::new(config.xero.hosts.clone(), tokens.clone(), config.xero.limits, retry));
        client.keep_calls_in(store.clone());
        Ok(Session { store, client, tokens, oauth })
    }
}
