//! The Xero sandbox: a real HTTP server that speaks Xero's API, as Xero documents it, over
//! generated organisations. It is the embedded default for the demo and the peer every sync,
//! runtime and simulator test talks to.
//!
//! ```text
//! /identity/connect/authorize                   login.xero.com
//! /connect/token, /connect/revocation           identity.xero.com
//! /connections, /api.xro/2.0/…                  api.xero.com
//! /sandbox/…                                    the sandbox's own controls
//! ```

pub mod calls;
pub mod clock;
pub mod config;
pub mod faults;
pub mod http;
pub mod identity;
pub mod limits;
pub mod state;
pub mod webhooks;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{Client, Faults, Limits, SandboxConfig, WebhookTarget};
pub use state::State;

/// A running sandbox.
pub struct Sandbox {
    url: String,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Generates the organisations and starts serving on `listen` (port 0 for any free port).
    /// Connections are accepted by the time this returns.
    pub async fn start(config: SandboxConfig, listen: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(listen).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let start = match config.today {
            Some(today) => world::generate::at(today, 12),
            None => jiff::Timestamp::now(),
        };
        let (seed, size) = (config.seed, config.size);
        let orgs = tokio::task::spawn_blocking(move || world::generate::organisations(seed, size, start))
            .await
            .map_err(std::io::Error::other)?;
        let state = Arc::new(State::new(&config, url.clone(), orgs, start));
        let router = http::router(state.clone());
        // Routed by each path's canonical spelling: Xero's paths are case-insensitive.
        let app = tower::util::MapRequestLayer::new(http::paths::canonical_request).layer(router);
        let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
        });
        Ok(Sandbox { url, state, shutdown: Some(shutdown), task: Some(task) })
    }

    /// The one base URL for all three Xero hosts.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// Stops accepting connections and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
