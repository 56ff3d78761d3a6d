//! `collectiq sandbox`: serves generated Xero organisations on loopback until interrupted.

use std::net::SocketAddr;

use super::Outcome;
use super::error::CommandError;
use super::output::fail;
use crate::sandbox::world::generate::Size;
use crate::sandbox::{Client, Faults, Sandbox, SandboxConfig, WebhookTarget};

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Where to listen; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The same seed always gives the same organisations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 1)]
    organisations: usize,
    /// Customers per organisation.
    #[arg(long, default_value_t = 50)]
    contacts: usize,
    /// Invoices per organisation, over the past 18 months and the next two.
    #[arg(long, default_value_t = 1_000)]
    invoices: usize,
    /// The sandbox's today (YYYY-MM-DD); the real date by default.
    #[arg(long, value_name = "DATE")]
    today: Option<jiff::civil::Date>,
    /// Faults to inject, such as "429:0.1,500:0.05,slow:0.05,reset:0.02,truncate:0.02".
    #[arg(long, value_name = "SPEC", default_value = "")]
    faults: Faults,
    /// The length of the rate limit's "minute", in seconds (Xero's is 60; tests shorten it).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    limit_window: u64,
    /// Where to send webhooks.
    #[arg(long, value_name = "URL", requires = "webhook_key")]
    webhook_url: Option<String>,
    /// The key webhooks are signed with.
    #[arg(long, value_name = "KEY", requires = "webhook_url")]
    webhook_key: Option<String>,
}

pub fn run(args: SandboxArgs) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(CommandError::Start(error)),
    };
    runtime.block_on(serve(args))
}

async fn serve(args: SandboxArgs) -> Outcome {
    let config = SandboxConfig {
        seed: args.seed,
        size: Size {
            organisations: args.organisations.max(1),
            contacts: args.contacts.max(1),
            invoices: args.invoices,
        },
        today: args.today,
        faults: args.faults,
        limits: crate::sandbox::Limits { window_ms: args.limit_window * 1000, ..Default::default() },
        webhook: args.webhook_url.zip(args.webhook_key).map(|(url, key)| WebhookTarget { url, key }),
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start(config, args.listen).await {
        Ok(sandbox) => sandbox,
        Err(cause) => return fail(CommandError::Io { doing: format!("listen on {}", args.listen), cause }),
    };
    println!("{}", sandbox.url());
    describe(&sandbox);
    wait_for_interrupt().await;
    eprintln!("stopping the sandbox");
    sandbox.stop().await;
    Outcome::Clean
}

fn describe(sandbox: &Sandbox) {
    let url = sandbox.url();
    let names: Vec<String> =
        crate::sandbox::state::lock(&sandbox.state().world).iter().map(|org| org.name.clone()).collect();
    eprintln!("CollectIQ sandbox at {url}, today {}", sandbox.state().clock.now().strftime("%Y-%m-%d"));
    eprintln!("  organisations: {}", names.join(", "));
    eprintln!(
        "  OAuth clients: {} (public, PKCE) and {} (secret \"{}\")",
        Client::PUBLIC_ID,
        Client::CONFIDENTIAL_ID,
        Client::CONFIDENTIAL_SECRET
    );
    eprintln!("  point CollectIQ at it with COLLECTIQ_XERO_URL={url}");
    eprintln!(
        "  controls: GET {url}/sandbox, POST {url}/sandbox/advance?days=7, POST {url}/sandbox/pay?invoice=INV-000001"
    );
    eprintln!("press Ctrl-C to stop");
}

async fn wait_for_interrupt() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
