//! A sandbox on a free loopback port, and a client that signs in to it as CollectIQ does.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
use collectiq::sandbox::world::generate::Size;
use collectiq::sandbox::{Client, Sandbox, SandboxConfig};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
pub const SCOPES: &str =
    "openid offline_access accounting.settings.read accounting.contacts accounting.invoices accounting.payments.read";

/// A small world with a fixed "today", so that answers repeat run after run.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        seed: 7,
        size: Size { organisations: 2, contacts: 20, invoices: 300 },
        today: Some("2026-11-25".parse().unwrap()),
        ..SandboxConfig::default()
    }
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

/// Tokens from the token endpoint, and the organisations they reach.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub tenants: Vec<String>,
}

pub async fn start(config: SandboxConfig) -> Harness {
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("the sandbox starts");
    Harness { sandbox, http: collectiq::net::client(Duration::from_secs(20)) }
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce_pair(verifier: &str) -> (String, String) {
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier.to_string(), challenge)
}

/// The query of a redirect's `Location`, as pairs.
pub fn redirect_query(response: &Response) -> Vec<(String, String)> {
    assert!(response.status().is_redirection(), "expected a redirect, got {}", response.status());
    let location = response.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    assert!(location.starts_with(REDIRECT_URI), "redirected to {location}");
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    /// `GET /identity/connect/authorize` for the public client with PKCE.
    pub async fn authorize(&self, scope: &str, challenge: &str) -> Response {
        self.http
            .get(self.url("/identity/connect/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", Client::PUBLIC_ID),
                ("redirect_uri", REDIRECT_URI),
                ("scope", scope),
                ("state", "xyz-123"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A fresh authorisation code for the public client.
    pub async fn code(&self, scope: &str, verifier: &str) -> String {
        let (_, challenge) = pkce_pair(verifier);
        let pairs = redirect_query(&self.authorize(scope, &challenge).await);
        field(&pairs, "code").expect("a code").to_string()
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.http.post(self.url("/connect/token")).form(form).send().await.unwrap()
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> Response {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", Client::PUBLIC_ID),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", Client::PUBLIC_ID),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Signs in with `scope` and lists the organisations, as CollectIQ's `connect` does.
    pub async fn sign_in_with(&self, scope: &str) -> Session {
        let verifier = "a-verifier-of-at-least-forty-three-characters-long-0123456789";
        let code = self.code(scope, verifier).await;
        let tokens = ok_json(self.exchange(&code, verifier).await).await;
        let access_token = tokens["access_token"].as_str().unwrap().to_string();
        let refresh_token = tokens["refresh_token"].as_str().unwrap_or_default().to_string();
        let connections =
            ok_json(self.http.get(self.url("/connections")).bearer_auth(&access_token).send().await.unwrap()).await;
        let tenants =
            connections.as_array().unwrap().iter().map(|c| c["tenantId"].as_str().unwrap().to_string()).collect();
        Session { access_token, refresh_token, tenants }
    }

    pub async fn sign_in(&self) -> Session {
        self.sign_in_with(SCOPES).await
    }

    /// A call to the accounting API for one organisation.
    pub fn api(
        &self,
        session: &Session,
        tenant: usize,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/api.xro/2.0/{path}")))
            .bearer_auth(&session.access_token)
            .header("xero-tenant-id", &session.tenants[tenant])
            .header("accept", "application/json")
    }

    pub async fn get(&self, session: &Session, path: &str) -> Response {
        self.api(session, 0, reqwest::Method::GET, path).send().await.unwrap()
    }

    pub async fn get_json(&self, session: &Session, path: &str) -> Value {
        ok_json(self.get(session, path).await).await
    }

    /// Time travel.
    pub async fn advance(&self, query: &str) -> Value {
        ok_json(self.http.post(self.url(&format!("/sandbox/advance?{query}"))).send().await.unwrap()).await
    }

    /// Time travel far enough that the access token lapses, then a token refresh, as CollectIQ
    /// would make on its next run.
    pub async fn advance_and_refresh(&self, session: &mut Session, query: &str) -> Value {
        let moved = self.advance(query).await;
        let tokens = ok_json(self.refresh(&session.refresh_token).await).await;
        session.access_token = tokens["access_token"].as_str().unwrap().to_string();
        session.refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
        moved
    }

    pub async fn status(&self) -> Value {
        ok_json(self.http.get(self.url("/sandbox")).send().await.unwrap()).await
    }

    pub async fn set_limits(&self, per_minute: u32, per_day: u32, concurrent: u32, app_per_minute: u32) {
        let limits = serde_json::json!({
            "per_minute": per_minute, "per_day": per_day, "concurrent": concurrent, "app_per_minute": app_per_minute
        });
        let response = self.http.put(self.url("/sandbox/limits")).json(&limits).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    pub async fn set_faults(&self, spec: &str) {
        let response = self.http.put(self.url("/sandbox/faults")).query(&[("spec", spec)]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", response.text().await.unwrap());
    }
}

/// The JSON body of a 200 answer.
pub async fn ok_json(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// Status and JSON body of any answer.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}")))
}

pub fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}
