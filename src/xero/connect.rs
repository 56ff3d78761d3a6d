//! `collectiq connect`: the authorisation-code flow with PKCE and a checked `state`. A listener on
//! loopback receives the redirect; the person's browser is opened (or the URL printed), or with
//! `headless` CollectIQ follows the authorise redirect itself, as it can against the sandbox,
//! which approves at once. The tokens and every organisation from `/connections` are stored, the
//! tokens sealed with the key file's key (made on the first connect).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use reqwest::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::oauth::{OAuth, OAuthError};
use crate::config::Config;
use crate::store::connections::Connected;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Follow the authorise redirect without a browser (the sandbox approves at once).
    pub headless: bool,
    /// The loopback port for the redirect (register `http://localhost:PORT/callback` with Xero);
    /// 0 picks a free one.
    pub port: u16,
    pub open_browser: bool,
    /// How long to wait for the person to approve.
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { headless: false, port: 8749, open_browser: true, timeout: Duration::from_secs(300) }
    }
}

#[derive(Debug)]
pub enum ConnectError {
    Listen {
        port: u16,
        cause: std::io::Error,
    },
    OAuth(OAuthError),
    /// Xero sent the person back with an error (they declined, or the app is misconfigured).
    Declined(String),
    /// The `state` that came back is not the one sent: the answer is not for this request.
    StateMismatch,
    TimedOut,
    /// Headless, but the authorise page wants a person.
    NeedsBrowser,
    NoOrganisations,
    Store(StoreError),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Listen { port, cause } => {
                write!(f, "cannot listen on 127.0.0.1:{port} for Xero's redirect: {cause}; choose another with --port")
            }
            ConnectError::OAuth(error) => error.fmt(f),
            ConnectError::Declined(why) => write!(f, "Xero did not approve the connection: {why}"),
            ConnectError::StateMismatch => {
                f.write_str("this answer does not match the sign-in under way (its state differs); it was ignored")
            }
            ConnectError::TimedOut => f.write_str("no answer came back from Xero in time; run `collectiq connect` again"),
            ConnectError::NeedsBrowser => f.write_str(
                "Xero's sign-in page needs a person: run `collectiq connect` without --headless and approve in the browser",
            ),
            ConnectError::NoOrganisations => {
                f.write_str("the sign-in worked, but it gave access to no organisation; choose at least one in Xero")
            }
            ConnectError::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ConnectError {}

impl ConnectError {
    /// What to do about it, beyond what the message says.
    pub fn help(&self) -> Option<String> {
        match self {
            ConnectError::Store(error) => error.help(),
            ConnectError::OAuth(_) => Some("check [xero] client_id and the identity host in collectiq.toml".into()),
            ConnectError::Declined(_) | ConnectError::NoOrganisations => {
                Some("run `collectiq connect` again and approve at least one organisation".into())
            }
            _ => None,
        }
    }
}

type Answer = Result<String, ConnectError>;

struct Waiting {
    state: String,
    answer: Mutex<Option<oneshot::Sender<Answer>>>,
}

async fn callback(
    State(waiting): State<Arc<Waiting>>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    // An answer for another request (or from a page that is not Xero) is refused, and the flow
    // keeps waiting for the real one.
    if !params.get("state").is_some_and(|s| constant_time_eq(s, &waiting.state)) {
        let page =
            format!("<h1>Not for this sign-in</h1><p>{}</p>", html_escape(&ConnectError::StateMismatch.to_string()));
        return (StatusCode::BAD_REQUEST, Html(page)).into_response();
    }
    let answer = match (params.get("code"), params.get("error")) {
        (_, Some(error)) => Err(ConnectError::Declined(
            params.get("error_description").map(|d| format!("{error}: {d}")).unwrap_or_else(|| error.clone()),
        )),
        (Some(code), None) => Ok(code.clone()),
        (None, None) => Err(ConnectError::Declined("no code came back".into())),
    };
    let page = match &answer {
        Ok(_) => "<h1>CollectIQ is connected</h1><p>You can close this window.</p>".to_string(),
        Err(error) => format!("<h1>CollectIQ could not connect</h1><p>{}</p>", html_escape(&error.to_string())),
    };
    let status = if answer.is_ok() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    if let Some(sender) = waiting.answer.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = sender.send(answer);
    }
    (status, Html(page)).into_response()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Runs the flow and stores what it gives. Gives the organisations now connected.
pub async fn connect(config: &Config, store: &Store, options: &ConnectOptions) -> Result<Vec<Connected>, ConnectError> {
    // The key first: better to stop now than after the person has approved in the browser.
    store.unlock_or_create(config.key_file.as_deref()).await.map_err(ConnectError::Store)?;
    let config = &config.xero;
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|cause| ConnectError::Listen { port: options.port, cause })?;
    let port = listener.local_addr().map_err(|cause| ConnectError::Listen { port: options.port, cause })?.port();
    let redirect_uri = format!("http://localhost:{port}/callback");
    let oauth = OAuth::new(config, Some(&redirect_uri)).map_err(ConnectError::OAuth)?;
    let authorization = oauth.begin();
    let (sender, receiver) = oneshot::channel();
    let waiting = Arc::new(Waiting { state: authorization.state.secret().clone(), answer: Mutex::new(Some(sender)) });
    let app = axum::Router::new().route("/callback", axum::routing::get(callback)).with_state(waiting);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let answer = if options.headless {
        follow_redirect(oauth.http(), authorization.url.as_str(), &redirect_uri, port).await.and(
            tokio::time::timeout(options.timeout, receiver)
                .await
                .map_err(|_| ConnectError::TimedOut)?
                .unwrap_or(Err(ConnectError::TimedOut)),
        )
    } else {
        eprintln!("Open this address to connect CollectIQ to Xero:\n\n  {}\n", authorization.url);
        if options.open_browser {
            open_browser(authorization.url.as_str());
        }
        tokio::time::timeout(options.timeout, receiver)
            .await
            .map_err(|_| ConnectError::TimedOut)?
            .unwrap_or(Err(ConnectError::TimedOut))
    };
    server.abort();
    let code = answer?;
    let tokens = oauth.exchange(&code, authorization.verifier).await.map_err(ConnectError::OAuth)?;
    let organisations = oauth.connections(&tokens.access_token).await.map_err(ConnectError::OAuth)?;
    if organisations.is_empty() {
        return Err(ConnectError::NoOrganisations);
    }
    let client_id = config.client_id.clone().unwrap_or_default();
    store.add_grant(&client_id, &tokens, &organisations, Timestamp::now()).await.map_err(ConnectError::Store)?;
    Ok(organisations)
}

/// What a browser would do: ask the authorise endpoint, then follow its redirect to the listener.
async fn follow_redirect(http: &reqwest::Client, url: &str, redirect_uri: &str, port: u16) -> Result<(), ConnectError> {
    let unreachable =
        |error: reqwest::Error| ConnectError::OAuth(OAuthError::Unreachable(crate::net::describe(&error)));
    let response = http.get(url).send().await.map_err(unreachable)?;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .filter(|_| response.status().is_redirection())
        .ok_or(ConnectError::NeedsBrowser)?;
    if !location.starts_with(redirect_uri) {
        return Err(ConnectError::NeedsBrowser);
    }
    // The listener is on 127.0.0.1; `localhost` may resolve elsewhere first.
    let local = location.replacen(&format!("http://localhost:{port}"), &format!("http://127.0.0.1:{port}"), 1);
    http.get(local).send().await.map_err(unreachable)?;
    Ok(())
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
