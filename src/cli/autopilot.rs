//! `collectiq autopilot`: webhooks, scheduled syncs and runs, the customers' pages, a health
//! endpoint, until SIGTERM or Ctrl-C; and `collectiq serve`: the same listener without the
//! scheduler.

use std::net::SocketAddr;

use clap::ValueEnum;
use jiff::SignedDuration;

use super::Outcome;
use super::context::{Global, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::autopilot::serve::serve;
use crate::autopilot::{Schedule, autopilot};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct AutopilotArgs {
    /// Where to listen for webhooks and health checks (COLLECTIQ_WEBHOOK_LISTEN, or 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Logs for people, or one JSON object a line for a log collector.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// How often to sync incrementally (such as 10m, 1h).
    #[arg(long, default_value = "10m", value_name = "DURATION")]
    sync_every: SignedDuration,
    /// How often to run the strategies while their sending windows are open.
    #[arg(long, default_value = "15m", value_name = "DURATION")]
    run_every: SignedDuration,
    /// How often to read everything from Xero again.
    #[arg(long, default_value = "24h", value_name = "DURATION")]
    reconcile_every: SignedDuration,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Where to listen (COLLECTIQ_WEBHOOK_LISTEN, or 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Logs for people, or one JSON object a line for a log collector.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// `collectiq serve`: the pages, webhooks and health check, until SIGTERM or Ctrl-C.
pub fn serve_command(global: &Global, args: ServeArgs) -> Outcome {
    start_logging(args.log_format);
    let result = config(global).and_then(|config| {
        let listen = args.listen.unwrap_or(config.webhooks.listen);
        block_on(async { Ok(serve(config, listen, asked_to_stop()).await?) })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}

fn start_logging(format: LogFormat) {
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false);
    let _ = match format {
        LogFormat::Json => logs.json().try_init(),
        LogFormat::Text => logs.with_ansi(false).try_init(),
    };
}

/// Completes on SIGTERM or Ctrl-C.
async fn asked_to_stop() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

pub fn run(global: &Global, args: AutopilotArgs) -> Outcome {
    for (name, every) in [
        ("--sync-every", args.sync_every),
        ("--run-every", args.run_every),
        ("--reconcile-every", args.reconcile_every),
    ] {
        if every < SignedDuration::from_secs(1) {
            return fail(CommandError::TooShort { flag: name });
        }
    }
    start_logging(args.log_format);
    let schedule =
        Schedule { sync_every: args.sync_every, run_every: args.run_every, reconcile_every: args.reconcile_every };
    let result = config(global).and_then(|config| {
        let listen = args.listen.unwrap_or(config.webhooks.listen);
        block_on(async { Ok(autopilot(config, listen, schedule, asked_to_stop()).await?) })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}
