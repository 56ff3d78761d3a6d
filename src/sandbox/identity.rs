//! The identity service (login.xero.com and identity.xero.com): the authorisation-code flow with
//! PKCE (S256) or a client secret, access tokens for 30 minutes, refresh tokens that rotate (the
//! previous one still works for 30 minutes) and lapse after 60 days unused, and the list of
//! organisations a grant reaches.

use std::collections::HashMap;

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::config::Client;

pub const ACCESS_TOKEN_LIFETIME: SignedDuration = SignedDuration::from_mins(30);
pub const ROTATION_GRACE: SignedDuration = SignedDuration::from_mins(30);
pub const REFRESH_TOKEN_IDLE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 60);
pub const CODE_LIFETIME: SignedDuration = SignedDuration::from_mins(5);

/// An OAuth error code and what it means, as the token endpoint answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthFailure {
    pub error: &'static str,
    pub description: String,
    /// 400 for a bad request or grant, 401 for a client that failed to authenticate.
    pub status: u16,
}

fn failure(error: &'static str, description: impl Into<String>) -> OAuthFailure {
    OAuthFailure { error, description: description.into(), status: if error == "invalid_client" { 401 } else { 400 } }
}

#[derive(Clone, Debug)]
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scopes: String,
    expires: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub created: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub client_id: String,
    pub scopes: String,
    pub connections: Vec<Connection>,
}

#[derive(Clone, Debug)]
struct AccessToken {
    grant: usize,
    expires: Timestamp,
}

#[derive(Clone, Debug)]
struct RefreshToken {
    grant: usize,
    last_used: Timestamp,
    /// The token that replaced this one, and when.
    replaced_by: Option<(String, Timestamp)>,
}

/// Tokens as the token endpoint answers them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
    pub scope: String,
}

/// What a client presents to redeem an authorisation code.
#[derive(Clone, Copy, Debug)]
pub struct Redemption<'a> {
    pub code: &'a str,
    pub redirect_uri: &'a str,
    /// The PKCE `code_verifier`, when the code was asked for with a challenge.
    pub verifier: Option<&'a str>,
}

/// What a valid access token opens.
#[derive(Clone, Debug)]
pub struct Access {
    pub grant: usize,
    pub scopes: String,
    pub tenants: Vec<Uuid>,
}

#[derive(Debug)]
pub struct Identity {
    clients: Vec<Client>,
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    grants: Vec<Grant>,
    rng: fastrand::Rng,
}

impl Identity {
    pub fn new(clients: Vec<Client>, seed: u64) -> Identity {
        Identity {
            clients,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: Vec::new(),
            rng: fastrand::Rng::with_seed(seed ^ 0x1D3A_7179),
        }
    }

    fn secret(&mut self, length: usize) -> String {
        (0..length).map(|_| self.rng.alphanumeric()).collect()
    }

    fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|client| client.id == id)
    }

    /// `GET /identity/connect/authorize`: approves at once for every organisation and gives the
    /// code to send back to `redirect_uri`.
    pub fn authorize(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        scopes: &str,
        challenge: Option<(&str, &str)>,
        now: Timestamp,
    ) -> Result<String, OAuthFailure> {
        let client = self
            .client(client_id)
            .ok_or_else(|| failure("unauthorized_client", format!("unknown client_id \"{client_id}\"")))?;
        if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
            return Err(failure("invalid_request", "redirect_uri must be an http or https address"));
        }
        let challenge = match challenge {
            Some((challenge, "S256")) if !challenge.is_empty() => Some(challenge.to_string()),
            Some((_, method)) => {
                return Err(failure(
                    "invalid_request",
                    format!("code_challenge_method {method} is not supported; use S256"),
                ));
            }
            None if client.secret.is_none() => {
                return Err(failure("invalid_request", "a public client must use PKCE (code_challenge with S256)"));
            }
            None => None,
        };
        let code = self.secret(40);
        let pending = PendingCode {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            challenge,
            scopes: scopes.to_string(),
            expires: now.checked_add(CODE_LIFETIME).unwrap_or(now),
        };
        self.codes.insert(code.clone(), pending);
        Ok(code)
    }

    /// Checks the client's credentials: its secret if it has one (Basic authentication or the
    /// `client_secret` field), or just its id for a public client.
    fn authenticate(&self, client_id: &str, secret: Option<&str>) -> Result<(), OAuthFailure> {
        let client = self.client(client_id).ok_or_else(|| failure("invalid_client", "unknown client"))?;
        match (&client.secret, secret) {
            (None, None) => Ok(()),
            (Some(expected), Some(given)) if constant_time_eq(expected.as_bytes(), given.as_bytes()) => Ok(()),
            _ => Err(failure("invalid_client", "client authentication failed")),
        }
    }

    /// `grant_type=authorization_code`: a code for tokens, once, within five minutes.
    pub fn exchange_code(
        &mut self,
        client_id: &str,
        secret: Option<&str>,
        presented: Redemption<'_>,
        tenants: &[Uuid],
        now: Timestamp,
    ) -> Result<Issued, OAuthFailure> {
        let Redemption { code, redirect_uri, verifier } = presented;
        self.authenticate(client_id, secret)?;
        // A code is gone once presented, whether or not the exchange succeeds.
        let pending = self.codes.remove(code).ok_or_else(|| failure("invalid_grant", "unknown or used code"))?;
        if pending.expires < now {
            return Err(failure("invalid_grant", "the code has expired"));
        }
        if pending.client_id != client_id || pending.redirect_uri != redirect_uri {
            return Err(failure("invalid_grant", "the code was issued to another client or redirect_uri"));
        }
        if let Some(challenge) = &pending.challenge {
            let verifier = verifier.ok_or_else(|| failure("invalid_grant", "code_verifier is required"))?;
            if !constant_time_eq(s256(verifier).as_bytes(), challenge.as_bytes()) {
                return Err(failure("invalid_grant", "code_verifier does not match the code_challenge"));
            }
        }
        let connections =
            tenants.iter().map(|&tenant_id| Connection { id: uuid(&mut self.rng), tenant_id, created: now }).collect();
        self.grants.push(Grant { client_id: client_id.to_string(), scopes: pending.scopes, connections });
        Ok(self.issue(self.grants.len() - 1, now))
    }

    fn issue(&mut self, grant: usize, now: Timestamp) -> Issued {
        let access_token = self.secret(48);
        self.access.insert(
            access_token.clone(),
            AccessToken { grant, expires: now.checked_add(ACCESS_TOKEN_LIFETIME).unwrap_or(now) },
        );
        let scope = self.grants[grant].scopes.clone();
        let refresh_token = scope.split_whitespace().any(|s| s == "offline_access").then(|| {
            let token = self.secret(48);
            self.refresh.insert(token.clone(), RefreshToken { grant, last_used: now, replaced_by: None });
            token
        });
        Issued { access_token, refresh_token, expires_in: ACCESS_TOKEN_LIFETIME.as_secs() as u64, scope }
    }

    /// `grant_type=refresh_token`: new tokens, the refresh token rotating. The replaced token
    /// still works for 30 minutes (giving the same successor); after that, `invalid_grant`.
    pub fn refresh(
        &mut self,
        client_id: &str,
        secret: Option<&str>,
        token: &str,
        now: Timestamp,
    ) -> Result<Issued, OAuthFailure> {
        self.authenticate(client_id, secret)?;
        let record =
            self.refresh.get(token).cloned().ok_or_else(|| failure("invalid_grant", "unknown refresh token"))?;
        if self.grants[record.grant].client_id != client_id {
            return Err(failure("invalid_grant", "the refresh token belongs to another client"));
        }
        if record.last_used.checked_add(REFRESH_TOKEN_IDLE_LIFETIME).is_ok_and(|lapse| lapse < now) {
            return Err(failure("invalid_grant", "the refresh token has expired"));
        }
        if let Some((successor, replaced_at)) = record.replaced_by {
            if replaced_at.checked_add(ROTATION_GRACE).is_ok_and(|end| end < now) {
                return Err(failure("invalid_grant", "the refresh token was replaced"));
            }
            let mut issued = self.issue_access_only(record.grant, now);
            issued.refresh_token = Some(successor);
            return Ok(issued);
        }
        let issued = self.issue(record.grant, now);
        if let Some(new_token) = &issued.refresh_token
            && let Some(old) = self.refresh.get_mut(token)
        {
            old.replaced_by = Some((new_token.clone(), now));
        }
        Ok(issued)
    }

    fn issue_access_only(&mut self, grant: usize, now: Timestamp) -> Issued {
        let access_token = self.secret(48);
        self.access.insert(
            access_token.clone(),
            AccessToken { grant, expires: now.checked_add(ACCESS_TOKEN_LIFETIME).unwrap_or(now) },
        );
        Issued {
            access_token,
            refresh_token: None,
            expires_in: ACCESS_TOKEN_LIFETIME.as_secs() as u64,
            scope: self.grants[grant].scopes.clone(),
        }
    }

    /// `POST /connect/revocation`: a refresh token (and its grant's tokens) stops working.
    pub fn revoke(&mut self, token: &str) {
        if let Some(record) = self.refresh.remove(token) {
            self.refresh.retain(|_, other| other.grant != record.grant);
            self.access.retain(|_, access| access.grant != record.grant);
        }
    }

    /// What an access token opens, or why it opens nothing.
    pub fn access(&self, token: &str, now: Timestamp) -> Result<Access, &'static str> {
        let record = self.access.get(token).ok_or("AuthenticationUnsuccessful")?;
        if record.expires < now {
            return Err("TokenExpired: token expired");
        }
        let grant = &self.grants[record.grant];
        Ok(Access {
            grant: record.grant,
            scopes: grant.scopes.clone(),
            tenants: grant.connections.iter().map(|c| c.tenant_id).collect(),
        })
    }

    pub fn connections(&self, grant: usize) -> &[Connection] {
        &self.grants[grant].connections
    }

    /// `DELETE /connections/{id}`: the grant no longer reaches that organisation.
    pub fn disconnect(&mut self, grant: usize, connection: Uuid) -> bool {
        let connections = &mut self.grants[grant].connections;
        let before = connections.len();
        connections.retain(|c| c.id != connection);
        connections.len() < before
    }
}

/// `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`, RFC 7636.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares secrets without revealing through timing how much of them matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn uuid(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:9999/callback";
    const SCOPES: &str = "offline_access accounting.invoices.read";

    fn now() -> Timestamp {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    fn later(minutes: i64) -> Timestamp {
        now().checked_add(SignedDuration::from_mins(minutes)).unwrap()
    }

    fn redeem<'a>(code: &'a str, verifier: Option<&'a str>) -> Redemption<'a> {
        Redemption { code, redirect_uri: REDIRECT, verifier }
    }

    fn signed_in() -> (Identity, Issued) {
        let mut identity = Identity::new(Client::defaults(), 1);
        let challenge = s256("a-verifier-of-enough-length-to-be-realistic");
        let code = identity.authorize(Client::PUBLIC_ID, REDIRECT, SCOPES, Some((&challenge, "S256")), now()).unwrap();
        let issued = identity
            .exchange_code(
                Client::PUBLIC_ID,
                None,
                redeem(&code, Some("a-verifier-of-enough-length-to-be-realistic")),
                &[Uuid::nil()],
                now(),
            )
            .unwrap();
        (identity, issued)
    }

    #[test]
    fn pkce_codes_work_once_with_the_right_verifier() {
        let mut identity = Identity::new(Client::defaults(), 1);
        let challenge = s256("verifier");
        let code = identity.authorize(Client::PUBLIC_ID, REDIRECT, SCOPES, Some((&challenge, "S256")), now()).unwrap();
        let wrong = identity.exchange_code(Client::PUBLIC_ID, None, redeem(&code, Some("other")), &[], now());
        assert_eq!(wrong.unwrap_err().error, "invalid_grant");
        let again = identity.exchange_code(Client::PUBLIC_ID, None, redeem(&code, Some("verifier")), &[], now());
        assert_eq!(again.unwrap_err().error, "invalid_grant", "a code is single-use, even after a failure");
        let public_without_pkce = identity.authorize(Client::PUBLIC_ID, REDIRECT, SCOPES, None, now());
        assert_eq!(public_without_pkce.unwrap_err().error, "invalid_request");
    }

    #[test]
    fn codes_expire() {
        let mut identity = Identity::new(Client::defaults(), 1);
        let code = identity.authorize(Client::CONFIDENTIAL_ID, REDIRECT, SCOPES, None, now()).unwrap();
        let late = identity.exchange_code(
            Client::CONFIDENTIAL_ID,
            Some(Client::CONFIDENTIAL_SECRET),
            redeem(&code, None),
            &[],
            later(6),
        );
        assert_eq!(late.unwrap_err().error, "invalid_grant");
    }

    #[test]
    fn confidential_clients_need_their_secret() {
        let mut identity = Identity::new(Client::defaults(), 1);
        let code = identity.authorize(Client::CONFIDENTIAL_ID, REDIRECT, SCOPES, None, now()).unwrap();
        let wrong = identity.exchange_code(Client::CONFIDENTIAL_ID, Some("guess"), redeem(&code, None), &[], now());
        assert_eq!(wrong.unwrap_err(), failure("invalid_client", "client authentication failed"));
    }

    #[test]
    fn access_tokens_last_thirty_minutes() {
        let (identity, issued) = signed_in();
        assert!(identity.access(&issued.access_token, later(29)).is_ok());
        assert!(identity.access(&issued.access_token, later(31)).is_err());
        assert_eq!(issued.expires_in, 1800);
    }

    #[test]
    fn refresh_tokens_rotate_with_a_grace_period() {
        let (mut identity, issued) = signed_in();
        let first = issued.refresh_token.unwrap();
        let second = identity.refresh(Client::PUBLIC_ID, None, &first, later(10)).unwrap();
        let second_token = second.refresh_token.clone().unwrap();
        assert_ne!(second_token, first);
        let within_grace = identity.refresh(Client::PUBLIC_ID, None, &first, later(30)).unwrap();
        assert_eq!(within_grace.refresh_token, Some(second_token.clone()), "the old token gives the same successor");
        let after_grace = identity.refresh(Client::PUBLIC_ID, None, &first, later(41));
        assert_eq!(after_grace.unwrap_err().error, "invalid_grant");
        assert!(identity.refresh(Client::PUBLIC_ID, None, &second_token, later(41)).is_ok());
    }

    #[test]
    fn unused_refresh_tokens_lapse_after_sixty_days() {
        let (mut identity, issued) = signed_in();
        let token = issued.refresh_token.unwrap();
        let sixty_one_days = now().checked_add(SignedDuration::from_hours(24 * 61)).unwrap();
        assert_eq!(
            identity.refresh(Client::PUBLIC_ID, None, &token, sixty_one_days).unwrap_err().error,
            "invalid_grant"
        );
    }

    #[test]
    fn s256_matches_rfc_7636() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
