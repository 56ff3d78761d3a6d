//! The identity service: authorisation codes with PKCE or a client secret, token lifetimes,
//! rotation and its grace period, revocation, and connections.

use collectiq::sandbox::Client;
use reqwest::StatusCode;

use crate::support::*;

async fn oauth_error(response: reqwest::Response) -> (StatusCode, String) {
    let (status, body) = status_and_json(response).await;
    (status, body["error"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn pkce_sign_in_gives_tokens_that_reach_every_organisation() {
    let harness = start(config()).await;
    let (verifier, challenge) = pkce_pair("verifier-0123456789-0123456789-0123456789-abc");
    let pairs = redirect_query(&harness.authorize(SCOPES, &challenge).await);
    assert_eq!(field(&pairs, "state"), Some("xyz-123"));
    let code = field(&pairs, "code").unwrap().to_string();

    let tokens = ok_json(harness.exchange(&code, &verifier).await).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 1800);
    assert!(tokens["refresh_token"].as_str().is_some_and(|t| !t.is_empty()));
    let access = tokens["access_token"].as_str().unwrap();

    let connections =
        ok_json(harness.http.get(harness.url("/connections")).bearer_auth(access).send().await.unwrap()).await;
    let connections = connections.as_array().unwrap();
    assert_eq!(connections.len(), 2);
    for connection in connections {
        assert_eq!(connection["tenantType"], "ORGANISATION");
        assert!(connection["tenantName"].as_str().is_some_and(|n| !n.is_empty()));
    }
    let session = harness.sign_in().await;
    for tenant in 0..2 {
        let response = harness.api(&session, tenant, reqwest::Method::GET, "Organisation").send().await.unwrap();
        let body = ok_json(response).await;
        assert_eq!(body["Organisations"][0]["OrganisationID"].as_str(), Some(session.tenants[tenant].as_str()));
    }
}

#[tokio::test]
async fn codes_are_single_use_and_expire_after_five_minutes() {
    let harness = start(config()).await;
    let verifier = "verifier-0123456789-0123456789-0123456789-abc";
    let code = harness.code(SCOPES, verifier).await;
    assert_eq!(harness.exchange(&code, verifier).await.status(), StatusCode::OK);
    assert_eq!(
        oauth_error(harness.exchange(&code, verifier).await).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );

    let late = harness.code(SCOPES, verifier).await;
    harness.advance("minutes=6").await;
    assert_eq!(oauth_error(harness.exchange(&late, verifier).await).await.1, "invalid_grant");
}

#[tokio::test]
async fn pkce_is_checked() {
    let harness = start(config()).await;
    let code = harness.code(SCOPES, "the-right-verifier-0123456789-0123456789-xyz").await;
    let wrong = harness.exchange(&code, "a-wrong-verifier-0123456789-0123456789-xyzw").await;
    assert_eq!(oauth_error(wrong).await, (StatusCode::BAD_REQUEST, "invalid_grant".into()));

    // A public client without a challenge is sent back with an error, not a code.
    let response = harness
        .http
        .get(harness.url("/identity/connect/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", Client::PUBLIC_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", SCOPES),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let pairs = redirect_query(&response);
    assert_eq!(field(&pairs, "error"), Some("invalid_request"));
    assert_eq!(field(&pairs, "code"), None);
    assert_eq!(field(&pairs, "state"), Some("s"));
}

#[tokio::test]
async fn confidential_clients_authenticate_with_basic_auth() {
    let harness = start(config()).await;
    let authorize = |state: &'static str| {
        harness
            .http
            .get(harness.url("/identity/connect/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", Client::CONFIDENTIAL_ID),
                ("redirect_uri", REDIRECT_URI),
                ("scope", SCOPES),
                ("state", state),
            ])
            .send()
    };
    let exchange = |code: String, secret: &'static str| {
        harness
            .http
            .post(harness.url("/connect/token"))
            .basic_auth(Client::CONFIDENTIAL_ID, Some(secret))
            .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT_URI)])
            .send()
    };
    let code = field(&redirect_query(&authorize("a").await.unwrap()), "code").unwrap().to_string();
    let tokens = ok_json(exchange(code, Client::CONFIDENTIAL_SECRET).await.unwrap()).await;
    assert!(tokens["access_token"].is_string());

    let code = field(&redirect_query(&authorize("b").await.unwrap()), "code").unwrap().to_string();
    let refused = exchange(code, "not-the-secret").await.unwrap();
    assert_eq!(oauth_error(refused).await, (StatusCode::UNAUTHORIZED, "invalid_client".into()));
}

#[tokio::test]
async fn access_tokens_last_thirty_minutes() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    harness.advance("minutes=29").await;
    assert_eq!(harness.get(&session, "Organisation").await.status(), StatusCode::OK);
    harness.advance("minutes=2").await;
    let (status, body) = status_and_json(harness.get(&session, "Organisation").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["Title"], "Unauthorized");
    assert!(body["Detail"].as_str().unwrap().contains("TokenExpired"), "{body}");
}

#[tokio::test]
async fn refresh_tokens_rotate_with_a_thirty_minute_grace() {
    let harness = start(config()).await;
    let first = harness.sign_in().await;
    let rotated = ok_json(harness.refresh(&first.refresh_token).await).await;
    let second = rotated["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first.refresh_token);

    // A retry with the old token (say, after a lost answer) gets the same successor.
    harness.advance("minutes=20").await;
    let retried = ok_json(harness.refresh(&first.refresh_token).await).await;
    assert_eq!(retried["refresh_token"].as_str(), Some(second.as_str()));
    let mut session = first.clone();
    session.access_token = retried["access_token"].as_str().unwrap().to_string();
    assert_eq!(harness.get(&session, "Organisation").await.status(), StatusCode::OK);

    harness.advance("minutes=11").await;
    let (status, body) = status_and_json(harness.refresh(&first.refresh_token).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let third = ok_json(harness.refresh(&second).await).await;
    assert!(third["refresh_token"].as_str().is_some_and(|t| t != second));
}

#[tokio::test]
async fn unused_refresh_tokens_lapse_after_sixty_days() {
    let mut config = config();
    config.size.invoices = 50;
    let harness = start(config).await;
    let session = harness.sign_in().await;
    let kept = ok_json(harness.refresh(&session.refresh_token).await).await;
    let kept = kept["refresh_token"].as_str().unwrap().to_string();
    harness.advance("days=59").await;
    let renewed = ok_json(harness.refresh(&kept).await).await;
    let renewed = renewed["refresh_token"].as_str().unwrap().to_string();
    harness.advance("days=61").await;
    assert_eq!(oauth_error(harness.refresh(&renewed).await).await, (StatusCode::BAD_REQUEST, "invalid_grant".into()));
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_grant() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let response =
        harness.http.post(harness.url("/connect/revocation")).form(&[("token", &session.refresh_token)]).send().await;
    assert_eq!(response.unwrap().status(), StatusCode::OK);
    assert_eq!(oauth_error(harness.refresh(&session.refresh_token).await).await.1, "invalid_grant");
    assert_eq!(harness.get(&session, "Organisation").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disconnecting_an_organisation_closes_it_to_the_grant() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let connections =
        ok_json(harness.http.get(harness.url("/connections")).bearer_auth(&session.access_token).send().await.unwrap())
            .await;
    let first = &connections[0];
    let id = first["id"].as_str().unwrap();
    let tenant = first["tenantId"].as_str().unwrap();
    let delete = harness.http.delete(harness.url(&format!("/connections/{id}"))).bearer_auth(&session.access_token);
    assert_eq!(delete.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let again = harness.http.delete(harness.url(&format!("/connections/{id}"))).bearer_auth(&session.access_token);
    assert_eq!(again.send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let left =
        ok_json(harness.http.get(harness.url("/connections")).bearer_auth(&session.access_token).send().await.unwrap())
            .await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    let index = session.tenants.iter().position(|t| t == tenant).unwrap();
    let response = harness.api(&session, index, reqwest::Method::GET, "Organisation").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn calls_without_a_token_an_organisation_or_a_scope_are_refused_as_xero_refuses_them() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let url = harness.url("/api.xro/2.0/Invoices");

    let anonymous = harness.http.get(&url).header("xero-tenant-id", &session.tenants[0]).send().await.unwrap();
    let (status, body) = status_and_json(anonymous).await;
    assert_eq!((status, body["Title"].as_str()), (StatusCode::UNAUTHORIZED, Some("Unauthorized")));

    let no_tenant = harness.http.get(&url).bearer_auth(&session.access_token).send().await.unwrap();
    let (status, body) = status_and_json(no_tenant).await;
    assert_eq!((status, body["Title"].as_str()), (StatusCode::FORBIDDEN, Some("Forbidden")));

    let stranger = harness
        .http
        .get(&url)
        .bearer_auth(&session.access_token)
        .header("xero-tenant-id", "00000000-0000-0000-0000-000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::FORBIDDEN);

    let narrow = harness.sign_in_with("offline_access accounting.contacts.read").await;
    assert_eq!(harness.get(&narrow, "Contacts").await.status(), StatusCode::OK);
    let (status, body) = status_and_json(harness.get(&narrow, "Invoices").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["Detail"].as_str().unwrap().contains("accounting.invoices.read"), "{body}");
}

/// Xero's paths are case-insensitive, and the official SDKs spell them their own way
/// (xero-python calls `GET /Connections`): every path CollectIQ uses answers in that spelling too.
#[tokio::test]
async fn every_path_answers_in_the_official_sdks_spelling() {
    let harness = start(config()).await;
    let session = harness.sign_in().await;
    let connections =
        ok_json(harness.http.get(harness.url("/Connections")).bearer_auth(&session.access_token).send().await.unwrap())
            .await;
    assert_eq!(connections.as_array().unwrap().len(), 2, "{connections}");
    let refreshed = harness
        .http
        .post(harness.url("/Connect/Token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", Client::PUBLIC_ID),
            ("refresh_token", session.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let refreshed = ok_json(refreshed).await;
    let access = refreshed["access_token"].as_str().unwrap();
    let invoices = ok_json(harness.get(&session, "Invoices?page=1").await).await;
    let invoice = invoices["Invoices"][0]["InvoiceID"].as_str().unwrap().to_string();
    let contact = invoices["Invoices"][0]["Contact"]["ContactID"].as_str().unwrap().to_string();
    for path in [
        "Organisation".to_string(),
        "Contacts".to_string(),
        "ContactGroups".to_string(),
        "Invoices".to_string(),
        "Payments".to_string(),
        "CreditNotes".to_string(),
        "Overpayments".to_string(),
        "Prepayments".to_string(),
        "InvoiceReminders/Settings".to_string(),
        format!("Invoices/{invoice}/History"),
        format!("Invoices/{invoice}/OnlineInvoice"),
        format!("Contacts/{contact}/History"),
    ] {
        for base in ["/api.xro/2.0", "/API.XRO/2.0", "/Api.Xro/2.0"] {
            let response = harness
                .http
                .get(harness.url(&format!("{base}/{path}")))
                .bearer_auth(access)
                .header("xero-tenant-id", &session.tenants[0])
                .header("accept", "application/json")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "GET {base}/{path}");
        }
    }
    let revoked = harness
        .http
        .delete(harness.url(&format!("/CONNECTIONS/{}", connections[0]["id"].as_str().unwrap())))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "DELETE /CONNECTIONS/{{id}}: {}", revoked.status());
}
