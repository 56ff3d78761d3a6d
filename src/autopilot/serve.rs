//! `collectiq serve`: what autopilot answers on its listener (the customers' pages, Xero's
//! webhooks and their worker, `/healthz`) without its scheduler, for those who run `collectiq
//! run` from cron. It takes no run lock: the runs cron starts go on beside it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tracing::{error, info};

use super::health::Runs;
use super::{AutopilotError, app, webhook_worker};
use crate::config::Config;
use crate::runtime::run::load_strategies;
use crate::store::Store;
use crate::xero::client::RetryPolicy;
use crate::xero::session::Session;

/// Serves until `shutdown` completes. Prints the address it listens on.
pub async fn serve(
    config: Config,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AutopilotError> {
    // The strategies say whether answers are noted in Xero; one that does not compile is said now.
    let strategies =
        if config.runtime.strategies.is_empty() { Vec::new() } else { load_strategies(&config.runtime.strategies)? };
    let store = Store::open(&config.database).await?;
    // Xero is only called to fetch what webhooks announce: without a webhook key, the pages and
    // the health check need the database alone (and no Xero app).
    let session = match config.webhooks.key {
        Some(_) => Some(Arc::new(Session::with_store(&config, store.clone(), RetryPolicy::default()).await?)),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|cause| AutopilotError::Listen { address: listen, cause })?;
    let address = listener.local_addr().map_err(|cause| AutopilotError::Listen { address: listen, cause })?;
    let arrived = Arc::new(Notify::new());
    let organisations = store.organisations().await?;
    let runs = Arc::new(Mutex::new(Runs::default()));
    let app = app(&config, &store, runs, arrived.clone(), &organisations, &strategies).await?;
    let (stop_sender, stopped) = watch::channel(false);
    info!(%address, "serving: the customers' pages under /p/, POST /webhooks/xero, GET /healthz (no scheduler)");
    println!("http://{address}");
    let webhooks = session.map(|session| tokio::spawn(webhook_worker(session, arrived, stopped.clone())));
    let mut server_stopped = stopped;
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            let _ = server_stopped.wait_for(|stopped| *stopped).await;
        },
    );
    let server = tokio::spawn(async move { server.await });
    shutdown.await;
    let _ = stop_sender.send(true);
    if let Some(Err(error)) = match webhooks {
        Some(worker) => Some(worker.await),
        None => None,
    } {
        error!(%error, "the webhook worker ended badly");
    }
    let served = server.await;
    if let Ok(Err(error)) = served {
        error!(%error, "the HTTP server ended badly");
    }
    info!("stopped");
    Ok(())
}
