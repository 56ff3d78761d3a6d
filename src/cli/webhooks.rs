//! `collectiq webhooks serve`: the webhook receiver and its worker, until interrupted.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::Outcome;
use super::context::{Global, config, session};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::xero::receiver::{Receiver, router, work_off};

#[derive(clap::Subcommand, Debug)]
pub enum WebhooksCommand {
    /// Receive Xero's webhooks at POST /webhooks/xero and fetch what they say changed.
    Serve {
        /// Where to listen (COLLECTIQ_WEBHOOK_LISTEN, or 127.0.0.1:8787).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
}

pub fn run(global: &Global, command: WebhooksCommand) -> Outcome {
    let WebhooksCommand::Serve { listen } = command;
    let result = config(global).and_then(|config| {
        let key = config.webhooks.key.clone().ok_or(CommandError::Missing {
            what: "the webhook key",
            help: "set COLLECTIQ_WEBHOOK_KEY, or COLLECTIQ_WEBHOOK_KEY_FILE",
        })?;
        let listen = listen.unwrap_or(config.webhooks.listen);
        block_on(async move {
            let session = session(&config).await?;
            let listening = |cause| CommandError::Io { doing: format!("listen on {listen}"), cause };
            let listener = tokio::net::TcpListener::bind(listen).await.map_err(listening)?;
            let arrived = Arc::new(Notify::new());
            let receiver = Arc::new(Receiver { key, store: session.store.clone(), arrived: arrived.clone() });
            println!("http://{}/webhooks/xero", listener.local_addr().map_err(listening)?);
            let worker = tokio::spawn(async move {
                loop {
                    match work_off(&session.client, &session.store).await {
                        Ok(worked) if worked.events > 0 => eprintln!(
                            "webhooks: {} events, {} invoices and {} contacts refreshed, {} failed",
                            worked.events, worked.invoices, worked.contacts, worked.failed
                        ),
                        Ok(_) => {}
                        Err(error) => eprintln!("webhooks: {error}"),
                    }
                    let _ = tokio::time::timeout(Duration::from_secs(30), arrived.notified()).await;
                }
            });
            let served = axum::serve(listener, router(receiver)).with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            let result = served.await.map_err(|cause| CommandError::Io { doing: "serve webhooks".into(), cause });
            worker.abort();
            result
        })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}
