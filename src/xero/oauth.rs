//! Xero's OAuth 2 with the oauth2 crate: the authorisation URL (PKCE S256 and a random `state`),
//! the code exchange and token refresh, and listing the organisations a token reaches. HTTP goes
//! through CollectIQ's own reqwest client, which never follows redirects.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse,
};

use crate::config::XeroConfig;
use crate::secret::Secret;
use crate::store::connections::{Connected, Tokens};
use crate::xero::wire::Connection;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The scopes CollectIQ asks for: read access to what it chases, and (when history write-back is
/// on) the scopes that add history notes to invoices and contacts.
pub fn scopes(write_history: bool) -> Vec<&'static str> {
    let mut scopes = vec![
        "offline_access",
        "accounting.invoices.read",
        "accounting.payments.read",
        "accounting.contacts.read",
        "accounting.settings.read",
    ];
    if write_history {
        scopes.extend(["accounting.invoices", "accounting.contacts"]);
    }
    scopes
}

pub struct OAuth {
    client: Client,
    http: reqwest::Client,
    connections_url: String,
    scopes: Vec<&'static str>,
}

/// A sign-in under way: the URL to send the person to, and what the answer must match.
pub struct Authorization {
    pub url: url::Url,
    pub state: CsrfToken,
    pub verifier: PkceCodeVerifier,
}

#[derive(Debug)]
pub enum OAuthError {
    /// `client_id` is not set.
    NoClient,
    BadEndpoint(oauth2::url::ParseError),
    /// The identity service refused: `invalid_grant` and the like.
    Refused {
        error: String,
        description: Option<String>,
    },
    /// It could not be reached, or answered with something that is not OAuth.
    Unreachable(String),
}

impl OAuthError {
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, OAuthError::Refused { error, .. } if error == "invalid_grant")
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthError::NoClient => f.write_str(
                "no Xero client id is configured: set COLLECTIQ_XERO_CLIENT_ID or `client_id` under [xero] in collectiq.toml",
            ),
            OAuthError::BadEndpoint(why) => write!(f, "a Xero address is not usable: {why}"),
            OAuthError::Refused { error, description } => match description {
                Some(description) => write!(f, "Xero refused: {error} ({description})"),
                None => write!(f, "Xero refused: {error}"),
            },
            OAuthError::Unreachable(why) => write!(f, "could not reach Xero's identity service: {why}"),
        }
    }
}

impl std::error::Error for OAuthError {}

/// An HTTP failure as the oauth2 crate wants it.
#[derive(Debug)]
pub struct HttpFailure(String);

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpFailure {}

/// Sends one of oauth2's requests with reqwest. Errors name the problem, never the body (which
/// may hold tokens).
async fn send(http: &reqwest::Client, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, HttpFailure> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|error| HttpFailure(crate::net::describe(&error)))?;
    let mut answer = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await.map_err(|error| HttpFailure(crate::net::describe(&error)))?;
    answer.body(body.to_vec()).map_err(|error| HttpFailure(format!("the answer could not be read: {error}")))
}

/// CollectIQ's reqwest client as the oauth2 crate's HTTP client. A named type with a boxed `Send`
/// future, so that token refreshes can run inside spawned tasks.
struct Http(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        let client = self.0.clone();
        Box::pin(async move { send(&client, request).await })
    }
}

impl OAuth {
    pub fn new(config: &XeroConfig, redirect_uri: Option<&str>) -> Result<OAuth, OAuthError> {
        let client_id = config.client_id.clone().ok_or(OAuthError::NoClient)?;
        let endpoint = OAuthError::BadEndpoint;
        let mut client = BasicClient::new(ClientId::new(client_id))
            .set_auth_uri(AuthUrl::new(config.hosts.authorize_url()).map_err(endpoint)?)
            .set_token_uri(oauth2::TokenUrl::new(config.hosts.token_url()).map_err(endpoint)?);
        if let Some(secret) = &config.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        if let Some(uri) = redirect_uri {
            let uri = RedirectUrl::new(uri.to_owned()).map_err(endpoint)?;
            client = client.set_redirect_uri(uri);
        }
        Ok(OAuth {
            client,
            http: crate::net::client(Duration::from_secs(30)),
            connections_url: config.hosts.connections_url(),
            scopes: scopes(config.write_history),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn begin(&self) -> Authorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.to_string())))
            .set_pkce_challenge(challenge)
            .url();
        Authorization { url, state, verifier }
    }

    pub async fn exchange(&self, code: &str, verifier: PkceCodeVerifier) -> Result<Tokens, OAuthError> {
        let http = Http(self.http.clone());
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await;
        tokens(answer, None)
    }

    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens, OAuthError> {
        let http = Http(self.http.clone());
        let token = RefreshToken::new(refresh_token.expose().to_string());
        let answer = self.client.exchange_refresh_token(&token).request_async(&http).await;
        tokens(answer, Some(refresh_token))
    }

    /// Ends the app's access to one organisation (`DELETE /connections/{id}`).
    pub async fn disconnect(&self, access_token: &Secret, connection: uuid::Uuid) -> Result<(), OAuthError> {
        let response = self
            .http
            .delete(format!("{}/{connection}", self.connections_url))
            .bearer_auth(access_token.expose())
            .send()
            .await
            .map_err(|error| OAuthError::Unreachable(crate::net::describe(&error)))?;
        match response.status() {
            status if status.is_success() || status == reqwest::StatusCode::NOT_FOUND => Ok(()),
            status => Err(OAuthError::Refused { error: format!("{status} from /connections"), description: None }),
        }
    }

    /// The organisations an access token reaches (`GET /connections`).
    pub async fn connections(&self, access_token: &Secret) -> Result<Vec<Connected>, OAuthError> {
        let response = self
            .http
            .get(&self.connections_url)
            .bearer_auth(access_token.expose())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|error| OAuthError::Unreachable(crate::net::describe(&error)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(OAuthError::Refused { error: format!("{status} from /connections"), description: None });
        }
        let list: Vec<Connection> = response
            .json()
            .await
            .map_err(|error| OAuthError::Unreachable(format!("/connections gave something unexpected: {error}")))?;
        Ok(list
            .into_iter()
            .filter(|c| c.tenant_type.as_deref().is_none_or(|t| t == "ORGANISATION"))
            .filter_map(|c| {
                Some(Connected {
                    tenant_id: uuid::Uuid::parse_str(&c.tenant_id).ok()?,
                    name: c.tenant_name.unwrap_or_else(|| "(unnamed organisation)".into()),
                    connection_id: uuid::Uuid::parse_str(&c.id).ok(),
                })
            })
            .collect())
    }
}

type Answer =
    Result<BasicTokenResponse, RequestTokenError<HttpFailure, oauth2::StandardErrorResponse<BasicErrorResponseType>>>;

/// Tokens from the token endpoint's answer. A refresh that gives no new refresh token keeps the
/// old one.
fn tokens(answer: Answer, previous_refresh: Option<&Secret>) -> Result<Tokens, OAuthError> {
    let response = answer.map_err(|error| match error {
        RequestTokenError::ServerResponse(refusal) => OAuthError::Refused {
            error: refusal.error().as_ref().to_string(),
            description: refusal.error_description().cloned(),
        },
        RequestTokenError::Request(failure) => OAuthError::Unreachable(failure.0),
        RequestTokenError::Parse(error, _) => {
            OAuthError::Unreachable(format!("the token endpoint answered with something unexpected: {error}"))
        }
        RequestTokenError::Other(why) => OAuthError::Unreachable(why),
    })?;
    let lifetime = response.expires_in().unwrap_or(Duration::from_secs(30 * 60));
    let now = Timestamp::now();
    let expires_at = now.checked_add(jiff::SignedDuration::try_from(lifetime).unwrap_or_default()).unwrap_or(now);
    let scopes = response
        .scopes()
        .map(|scopes| scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    Ok(Tokens {
        access_token: Secret::new(response.access_token().secret().clone()),
        expires_at,
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone()))
            .or_else(|| previous_refresh.cloned()),
        scopes,
    })
}
