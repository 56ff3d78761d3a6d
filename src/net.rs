//! HTTP clients. TLS is rustls with the ring provider (no C build of aws-lc), which every
//! process must install before its first client.

use std::sync::Once;
use std::time::Duration;

static PROVIDER: Once = Once::new();

/// Installs the TLS provider for this process (once; later calls do nothing).
pub fn install_tls_provider() {
    PROVIDER.call_once(|| {
        // Another library may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client that never follows redirects on its own and gives up after `timeout`.
pub fn client(timeout: Duration) -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("CollectIQ/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// What went wrong with a request, in words, without the URL's query (which can hold codes).
pub fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut short or unreadable"
    } else if error.is_redirect() {
        "too many redirects"
    } else {
        "the request failed"
    };
    match error.url() {
        Some(url) => format!("{kind} ({}{})", url.origin().ascii_serialization(), url.path()),
        None => kind.to_string(),
    }
}
