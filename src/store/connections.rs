//! Connections: OAuth grants (one token may reach many organisations) and the organisations
//! they reach, with each organisation's settings and sync state.
//!
//! Refreshing a token is guarded by a lease in the database, so that two processes refreshing at
//! once never both spend the same refresh token: one refreshes, the other waits and then uses
//! what the first stored.
//!
//! The tokens themselves are stored sealed (`sealed.rs`): they are sealed here on the way in and
//! opened on the way out, so nothing outside the store sees a sealed value.

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::{Result, Store};
use crate::ledger::records::Organisation;
use crate::secret::Secret;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    /// The refresh token was refused (`invalid_grant`): someone must run `collectiq connect`.
    NeedsReconnect(String),
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub id: i64,
    pub client_id: String,
    pub scopes: String,
    pub access_token: Secret,
    pub access_expires_at: Timestamp,
    pub refresh_token: Option<Secret>,
    pub refreshed_at: Timestamp,
    pub status: GrantStatus,
}

/// Tokens as the token endpoint gave them.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: Secret,
    pub expires_at: Timestamp,
    pub refresh_token: Option<Secret>,
    pub scopes: String,
}

/// An organisation reached by a grant, as `/connections` lists it.
#[derive(Clone, Debug)]
pub struct Connected {
    pub tenant_id: Uuid,
    pub name: String,
    pub connection_id: Option<Uuid>,
}

#[derive(Clone, Debug)]
pub struct OrganisationRecord {
    pub organisation: Organisation,
    pub grant_id: Option<i64>,
    pub connection_id: Option<Uuid>,
    pub connected_at: Timestamp,
    pub last_sync_at: Option<Timestamp>,
    pub last_full_sync_at: Option<Timestamp>,
    pub last_sync_error: Option<String>,
    pub groups_refreshed_at: Option<Timestamp>,
}

/// What a process finds when it comes to refresh a grant's tokens.
#[derive(Clone, Debug)]
pub enum Lease {
    /// The access token is good for a while yet (perhaps another process just refreshed it).
    Fresh(Grant),
    /// This process holds the lease: refresh, then save the tokens.
    Taken(Grant),
    /// Another process is refreshing; wait and look again.
    Busy,
    NeedsReconnect(String),
}

/// Whether CollectIQ can reach an organisation in Xero; said in words by `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenHealth {
    NotConnected,
    NeedsReconnect(String),
    Connected,
    /// Connected; the access token has expired and is refreshed on next use.
    ToRefresh,
    /// The stored tokens cannot be decrypted (the key file is missing or another key): why, and
    /// what to do.
    Unreadable(String),
}

impl TokenHealth {
    /// Whether calls to Xero can be made without someone reconnecting.
    pub fn usable(&self) -> bool {
        matches!(self, TokenHealth::Connected | TokenHealth::ToRefresh)
    }
}

impl std::fmt::Display for TokenHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenHealth::NotConnected => f.write_str("not connected"),
            TokenHealth::NeedsReconnect(reason) => write!(f, "needs reconnecting: {reason}"),
            TokenHealth::Connected => f.write_str("connected"),
            TokenHealth::ToRefresh => f.write_str("connected (the access token will be refreshed on next use)"),
            TokenHealth::Unreadable(reason) => write!(f, "cannot be read: {reason}"),
        }
    }
}

impl Store {
    /// Records a new grant and every organisation it reaches, in one transaction. An organisation
    /// connected before keeps its data and moves to the new grant.
    pub async fn add_grant(&self, client_id: &str, tokens: &Tokens, orgs: &[Connected], now: Timestamp) -> Result<i64> {
        let client_id = client_id.to_owned();
        let tokens = tokens.clone();
        let orgs = orgs.to_vec();
        self.call(move |db| db.add_grant(&client_id, &tokens, &orgs, now)).await
    }

    pub async fn grant(&self, grant: i64) -> Result<Option<Grant>> {
        self.call(move |db| db.grant(grant)).await
    }

    /// Takes the refresh lease unless the access token is good until `good_until` or another
    /// process holds the lease. `owner` names this process; the lease lapses after `hold`.
    pub async fn take_refresh_lease(
        &self,
        grant: i64,
        owner: &str,
        now: Timestamp,
        good_until: Timestamp,
        hold: SignedDuration,
    ) -> Result<Lease> {
        let owner = owner.to_owned();
        self.call(move |db| db.take_refresh_lease(grant, &owner, now, good_until, hold)).await
    }

    /// Saves refreshed tokens and gives up the lease, in one transaction: the rotated refresh
    /// token is on disk before the new access token is used.
    pub async fn save_tokens(&self, grant: i64, tokens: &Tokens, now: Timestamp) -> Result<()> {
        let tokens = tokens.clone();
        self.call(move |db| db.save_tokens(grant, &tokens, now)).await
    }

    pub async fn release_lease(&self, grant: i64, owner: &str) -> Result<()> {
        let owner = owner.to_owned();
        self.call(move |db| db.release_lease(grant, &owner)).await
    }

    /// The refresh token was refused: every organisation of the grant needs reconnecting.
    pub async fn mark_needs_reconnect(&self, grant: i64, reason: &str) -> Result<()> {
        let reason = reason.to_owned();
        self.call(move |db| db.mark_needs_reconnect(grant, &reason)).await
    }

    pub async fn organisations(&self) -> Result<Vec<OrganisationRecord>> {
        self.call(move |db| db.organisations()).await
    }

    pub async fn organisation(&self, tenant: Uuid) -> Result<Option<OrganisationRecord>> {
        self.call(move |db| db.organisation(tenant)).await
    }

    /// Organisation details from Xero (name, currency, zone, reminders).
    pub async fn save_organisation_settings(&self, org: &Organisation) -> Result<()> {
        let org = org.clone();
        self.call(move |db| db.save_organisation_settings(&org)).await
    }

    pub async fn record_sync(&self, tenant: Uuid, at: Timestamp, full: bool, error: Option<&str>) -> Result<()> {
        let error = error.map(str::to_owned);
        self.call(move |db| db.record_sync(tenant, at, full, error.as_deref())).await
    }

    pub async fn record_groups_refreshed(&self, tenant: Uuid, at: Timestamp) -> Result<()> {
        self.call(move |db| db.record_groups_refreshed(tenant, at)).await
    }

    /// Forgets an organisation and everything kept for it, in one transaction.
    pub async fn remove_organisation(&self, tenant: Uuid) -> Result<()> {
        self.call(move |db| db.remove_organisation(tenant)).await
    }

    /// The state of an organisation's connection to Xero, tokens opened to be sure they can be.
    pub async fn token_health(&self, org: &OrganisationRecord, now: Timestamp) -> Result<TokenHealth> {
        let org = org.clone();
        self.call(move |db| db.token_health(&org, now)).await
    }
}
