//! Everything a command needs to talk to Xero, built once from the configuration: the store
//! (given the key that opens its tokens), the token keeper and the rate-limited client.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::client::{RetryPolicy, XeroClient};
use super::oauth::{OAuth, OAuthError};
use super::tokens::TokenKeeper;
use crate::config::Config;
use crate::store::{Store, StoreError};

pub struct Session {
    pub store: Arc<Mutex<Store>>,
    pub client: Arc<XeroClient>,
    pub tokens: Arc<TokenKeeper>,
    pub oauth: Arc<OAuth>,
}

#[derive(Debug)]
pub enum SessionError {
    Store(StoreError),
    OAuth(OAuthError),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Store(error) => error.fmt(f),
            SessionError::OAuth(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SessionError {}

impl Session {
    pub fn open(config: &Config) -> Result<Session, SessionError> {
        let store = Store::open(&config.database).map_err(SessionError::Store)?;
        Session::with_store(config, Arc::new(Mutex::new(store)), RetryPolicy::default())
    }

    /// A session on `store`, which is given the configured key for its tokens unless it has one.
    pub fn with_store(config: &Config, store: Arc<Mutex<Store>>, retry: RetryPolicy) -> Result<Session, SessionError> {
        {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            if !store.key_given() {
                store.unlock(config.key_file.as_deref()).map_err(SessionError::Store)?;
            }
        }
        let oauth = Arc::new(OAuth::new(&config.xero, None).map_err(SessionError::OAuth)?);
        let tokens = Arc::new(TokenKeeper::new(store.clone(), oauth.clone()));
        let client = Arc::new(XeroClient::new(config.xero.hosts.clone(), tokens.clone(), config.xero.limits, retry));
        client.keep_calls_in(store.clone());
        Ok(Session { store, client, tokens, oauth })
    }
}
