//! A sandbox, a store in a fresh folder, and a session connected to the one from the other.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use collectiq::config::{ClientLimits, Config, Overrides, XeroHosts};
use collectiq::sandbox::world::generate::Size;
use collectiq::sandbox::{Sandbox, SandboxConfig};
use collectiq::store::Store;
use collectiq::xero::client::RetryPolicy;
use collectiq::xero::connect::{ConnectOptions, connect};
use collectiq::xero::session::Session;
use collectiq::xero::sync::{OrgReport, Quiet, SyncOptions, Syncer};
use serde_json::Value;

pub fn sandbox_config(seed: u64, organisations: usize, invoices: usize) -> SandboxConfig {
    let mut config = SandboxConfig {
        seed,
        size: Size { organisations, contacts: 40, invoices },
        today: Some("2026-11-25".parse().unwrap()),
        ..SandboxConfig::default()
    };
    config.limits.per_minute = 10_000;
    config.limits.per_day = 100_000;
    config
}

/// A folder of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("collectiq-sync-{name}-{}-{}", std::process::id(), fastrand::u32(..)));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// The key file of a test's store: in its own folder, never in $HOME.
pub fn key_file_for(database: &Path) -> PathBuf {
    database.with_file_name("token.key")
}

/// `collectiq` as an operator runs it, on this sandbox and store, with the store's key file.
pub fn collectiq(url: &str, db: &Path, args: &[&str]) -> Output {
    collectiq_with_key(url, db, &key_file_for(db), args)
}

pub fn collectiq_with_key(url: &str, db: &Path, key_file: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(args)
        .env("COLLECTIQ_XERO_URL", url)
        .env("COLLECTIQ_DB", db)
        .env("COLLECTIQ_CONFIG", "/dev/null")
        .env("COLLECTIQ_KEY_FILE", key_file)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn config_for(url: &str, database: PathBuf) -> Config {
    let key_file = key_file_for(&database);
    let env = |name: &str| match name {
        "COLLECTIQ_XERO_URL" => Some(url.to_string()),
        "COLLECTIQ_KEY_FILE" => Some(key_file.display().to_string()),
        _ => None,
    };
    let overrides = Overrides { config_file: Some(PathBuf::from("/dev/null")), database: Some(database) };
    let mut config = Config::load_with(&overrides, &env).unwrap();
    config.xero.hosts = XeroHosts::single(url);
    config.xero.limits = ClientLimits { per_minute: 1_000, per_day: 100_000, concurrent: 5, ..ClientLimits::default() };
    config
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 12,
        base: Duration::from_millis(20),
        cap: Duration::from_millis(200),
        ..RetryPolicy::default()
    }
}

pub struct Connected {
    pub sandbox: Sandbox,
    pub config: Config,
    pub session: Session,
    pub folder: PathBuf,
}

impl Connected {
    pub fn store(&self) -> &Store {
        &self.session.store
    }

    pub async fn tenants(&self) -> Vec<uuid::Uuid> {
        self.store().organisations().await.unwrap().iter().map(|o| o.organisation.tenant_id).collect()
    }

    pub async fn sync(&self, full: bool) -> Vec<OrgReport> {
        let orgs = self.store().organisations().await.unwrap();
        let syncer = Syncer::new(self.session.client.clone(), self.session.store.clone(), Arc::new(Quiet));
        let reports = syncer.sync(&orgs, SyncOptions { full, ..SyncOptions::default() }).await;
        for report in &reports {
            assert!(report.error.is_none(), "{}: {:?}", report.name, report.error);
        }
        reports
    }

    /// Syncs and gives what each organisation's sync reported, errors included.
    pub async fn try_sync(&self, full: bool) -> Vec<OrgReport> {
        let orgs = self.store().organisations().await.unwrap();
        let syncer = Syncer::new(self.session.client.clone(), self.session.store.clone(), Arc::new(Quiet));
        syncer.sync(&orgs, SyncOptions { full, ..SyncOptions::default() }).await
    }

    pub fn http(&self) -> reqwest::Client {
        collectiq::net::client(Duration::from_secs(20))
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str) -> Value {
        let response = self.http().request(method, format!("{}{path}", self.sandbox.url())).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn stats(&self) -> Value {
        self.admin(reqwest::Method::GET, "/sandbox").await["stats"].clone()
    }

    pub async fn advance(&self, query: &str) {
        self.admin(reqwest::Method::POST, &format!("/sandbox/advance?{query}")).await;
    }

    /// Total API calls the sandbox answered.
    pub async fn calls(&self) -> u64 {
        self.stats().await["calls"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum()
    }
}

/// Starts a sandbox and connects a fresh store to it, headless, as `collectiq connect` does.
pub async fn connected(name: &str, sandbox: SandboxConfig) -> Connected {
    let sandbox = Sandbox::start(sandbox, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let folder = scratch(name);
    let config = config_for(sandbox.url(), folder.join("collectiq.db"));
    let store = Store::open(&config.database).await.unwrap();
    let options = ConnectOptions { headless: true, port: 0, open_browser: false, timeout: Duration::from_secs(20) };
    let organisations = connect(&config, &store, &options).await.unwrap();
    assert!(!organisations.is_empty());
    let session = Session::with_store(&config, store, quick_retries()).await.unwrap();
    Connected { sandbox, config, session, folder }
}
