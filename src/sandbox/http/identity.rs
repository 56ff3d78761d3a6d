//! The identity endpoints over HTTP: `/identity/connect/authorize`, `/connect/token`,
//! `/connect/revocation`, `/connections`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use uuid::Uuid;

use super::super::identity::{Issued, OAuthFailure, Redemption};
use super::super::state::{State, lock};
use super::respond::{json, problem};
use crate::xero::wire::{Connection, OAuthError, TokenResponse};

type Params = HashMap<String, String>;

/// Approves at once, for every organisation, and sends the browser back with a code.
pub async fn authorize(Shared(state): Shared<Arc<State>>, Query(params): Query<Params>) -> Response {
    let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let redirect_uri = get("redirect_uri");
    let challenge = params
        .get("code_challenge")
        .map(|c| (c.as_str(), params.get("code_challenge_method").map(String::as_str).unwrap_or("plain")));
    let result = if get("response_type") != "code" {
        Err(OAuthFailure {
            error: "unsupported_response_type",
            description: "response_type must be code".to_string(),
            status: 400,
        })
    } else {
        let now = state.clock.now();
        lock(&state.identity).authorize(get("client_id"), redirect_uri, get("scope"), challenge, now)
    };
    let mut back = match url::Url::parse(redirect_uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        _ => return (StatusCode::BAD_REQUEST, "The redirect_uri is missing or not an http address.").into_response(),
    };
    {
        let mut query = back.query_pairs_mut();
        match &result {
            Ok(code) => query.append_pair("code", code),
            Err(failure) => {
                query.append_pair("error", failure.error).append_pair("error_description", &failure.description)
            }
        };
        if let Some(state_param) = params.get("state") {
            query.append_pair("state", state_param);
        }
        if result.is_ok() {
            query.append_pair("scope", get("scope"));
        }
    }
    Redirect::to(back.as_str()).into_response()
}

/// The client's id and secret, from Basic authentication or the form.
fn client_credentials(headers: &HeaderMap, form: &Params) -> (String, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string())));
    match basic {
        Some((id, secret)) => (id, Some(secret)),
        None => (form.get("client_id").cloned().unwrap_or_default(), form.get("client_secret").cloned()),
    }
}

fn oauth_error(failure: OAuthFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST);
    json(status, &OAuthError { error: failure.error.to_string(), error_description: Some(failure.description) })
}

fn tokens(issued: Issued) -> Response {
    let body = TokenResponse {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        expires_in: issued.expires_in,
        token_type: "Bearer".to_string(),
        scope: Some(issued.scope),
        id_token: None,
    };
    let mut response = json(StatusCode::OK, &body);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

pub async fn token(Shared(state): Shared<Arc<State>>, headers: HeaderMap, Form(form): Form<Params>) -> Response {
    let (client_id, secret) = client_credentials(&headers, &form);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let now = state.clock.now();
    let tenants = state.tenants();
    let mut identity = lock(&state.identity);
    let result = match field("grant_type") {
        "authorization_code" => {
            let presented = Redemption {
                code: field("code"),
                redirect_uri: field("redirect_uri"),
                verifier: form.get("code_verifier").map(String::as_str),
            };
            identity.exchange_code(&client_id, secret.as_deref(), presented, &tenants, now)
        }
        "refresh_token" => identity.refresh(&client_id, secret.as_deref(), field("refresh_token"), now),
        other => Err(OAuthFailure {
            error: "unsupported_grant_type",
            description: format!("grant_type \"{other}\" is not supported"),
            status: 400,
        }),
    };
    match result {
        Ok(issued) => tokens(issued),
        Err(failure) => oauth_error(failure),
    }
}

pub async fn revoke(Shared(state): Shared<Arc<State>>, Form(form): Form<Params>) -> Response {
    if let Some(token) = form.get("token") {
        lock(&state.identity).revoke(token);
    }
    StatusCode::OK.into_response()
}

/// The grant an access token in the `Authorization` header belongs to.
pub fn bearer_grant(state: &State, headers: &HeaderMap) -> Result<super::super::identity::Access, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| problem(StatusCode::UNAUTHORIZED, "AuthenticationUnsuccessful"))?;
    lock(&state.identity).access(token.trim(), state.clock.now()).map_err(|why| problem(StatusCode::UNAUTHORIZED, why))
}

pub async fn connections(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    let access = match bearer_grant(&state, &headers) {
        Ok(access) => access,
        Err(response) => return response,
    };
    let names: HashMap<Uuid, String> = lock(&state.world).iter().map(|org| (org.tenant_id, org.name.clone())).collect();
    let identity = lock(&state.identity);
    let list: Vec<Connection> = identity
        .connections(access.grant)
        .iter()
        .map(|c| {
            let when = c.created.strftime("%Y-%m-%dT%H:%M:%S%.7f").to_string();
            Connection {
                id: c.id.to_string(),
                tenant_id: c.tenant_id.to_string(),
                tenant_name: names.get(&c.tenant_id).cloned(),
                tenant_type: Some("ORGANISATION".to_string()),
                created_date_utc: Some(when.clone()),
                updated_date_utc: Some(when),
            }
        })
        .collect();
    json(StatusCode::OK, &list)
}

pub async fn disconnect(Shared(state): Shared<Arc<State>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let access = match bearer_grant(&state, &headers) {
        Ok(access) => access,
        Err(response) => return response,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if lock(&state.identity).disconnect(access.grant, id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
