//! The demo's customer page: the link in one of the emails it wrote, opened for real. The pages
//! are served from the demo's database for a moment, the link is fetched as a browser would,
//! and the summary says how to serve it again (`collectiq serve`) and open it in a browser.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::DemoError;
use crate::inbox::Policies;
use crate::inbox::message::read;
use crate::page::headers::secure;
use crate::page::{PageState, router};
use crate::runtime::page_link::PAGE_PATH;
use crate::secret::page_key::PageKey;
use crate::store::Store;

/// A customer's page, as the demo opened it.
#[derive(Debug, Default)]
pub struct Opened {
    /// The link, as the email carries it.
    pub link: String,
    /// The customer whose page it is (the email's first recipient).
    pub to: String,
    /// What the page answered when fetched: 200 when it opened.
    pub status: u16,
    /// Whether the page showed the customer's invoices.
    pub shows_invoices: bool,
}

/// The first page link (the customer's own, the last in an email) among the emails written.
fn first_link(emails: &[PathBuf], base: &str) -> Option<(String, String)> {
    let marker = format!("{base}/{PAGE_PATH}");
    emails.iter().find_map(|path| {
        let bytes = std::fs::read(path).ok()?;
        let message = mail_parser::MessageParser::default().parse(&bytes)?;
        let text = message.body_text(0)?.to_string();
        let (at, _) = text.match_indices(&marker).last()?;
        let link: String = text[at..].chars().take_while(|c| !c.is_whitespace() && *c != '>').collect();
        let to = read(&bytes).ok()?.to.into_iter().next().unwrap_or_default();
        Some((link, to))
    })
}

/// Serves the pages on `listener` just long enough to open one email's link.
pub async fn open_one(
    listener: tokio::net::TcpListener,
    key_file: &Path,
    store: &Store,
    emails: &[PathBuf],
    policies: Policies,
) -> Result<Option<Opened>, DemoError> {
    let address = listener
        .local_addr()
        .map_err(|cause| DemoError::Io { doing: "read the page server's address".into(), cause })?;
    let base = format!("http://{address}");
    let Some((link, to)) = first_link(emails, &base) else { return Ok(None) };
    let key = PageKey::load(key_file)?.ok_or_else(|| DemoError::Io {
        doing: format!("read the page key {}", key_file.display()),
        cause: std::io::ErrorKind::NotFound.into(),
    })?;
    let state = Arc::new(PageState::with_key(Arc::new(key), store.clone(), policies));
    let app = router(state).layer(axum::middleware::from_fn(secure));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let fetched = async {
        let response = crate::net::client(Duration::from_secs(20)).get(&link).send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok::<_, reqwest::Error>((status, body))
    }
    .await;
    let _ = stop.send(());
    let _ = server.await;
    let (status, body) = fetched.map_err(|cause| DemoError::Io {
        doing: format!("open {link}"),
        cause: std::io::Error::other(cause.without_url()),
    })?;
    Ok(Some(Opened { link, to, status, shows_invoices: body.contains("Open invoices") }))
}
