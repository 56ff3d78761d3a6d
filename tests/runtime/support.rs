//! A world to run strategies in for real: the sandbox organisations over loopback HTTP, a real
//! SMTP server (aiosmtpd) keeping what it receives, a fresh database, and the `collectiq` binary.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use collectiq::sandbox::world::generate::Size;
use collectiq::sandbox::{Sandbox, SandboxConfig};
use rusqlite::Connection;
use serde_json::Value;

/// A folder of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("collectiq-runtime-{name}-{}-{}", std::process::id(), fastrand::u32(..)));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// The project's example strategies and templates.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies")
}

/// A strategy written beside a copy of the example templates, so its templates resolve.
pub fn strategy_file(folder: &Path, name: &str, text: &str) -> PathBuf {
    let templates = folder.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    for entry in std::fs::read_dir(examples().join("templates")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), templates.join(entry.file_name())).unwrap();
    }
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A real SMTP server on loopback that keeps every message it is given, as a file in a maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
}

/// One message as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub message_id: String,
    pub subject: String,
    /// Who the envelope named (`X-RcptTo`, written by aiosmtpd).
    pub recipients: Vec<String>,
    pub headers: BTreeMap<String, Vec<String>>,
    pub raw: String,
}

/// A Python with aiosmtpd: Debian's (`apt-get install python3-aiosmtpd`) unless told otherwise.
fn python() -> String {
    if let Ok(python) = std::env::var("COLLECTIQ_TEST_PYTHON") {
        return python;
    }
    for candidate in ["/usr/bin/python3", "python3"] {
        let works = Command::new(candidate)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if works {
            return candidate.to_string();
        }
    }
    panic!("these tests need a real SMTP server: apt-get install -y python3-aiosmtpd (or set COLLECTIQ_TEST_PYTHON)");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    pub fn start(folder: &Path) -> SmtpServer {
        SmtpServer::with_handler(folder, "maildir", "aiosmtpd.handlers.Mailbox")
    }

    /// One that keeps each message and then hangs up instead of answering (a lost 250).
    pub fn hanging_up(folder: &Path) -> SmtpServer {
        SmtpServer::with_handler(folder, "hung-up", "hang_up_smtp.KeepThenHangUp")
    }

    fn with_handler(folder: &Path, name: &str, handler: &str) -> SmtpServer {
        let maildir = folder.join(name);
        let port = free_port();
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", handler])
            .arg(&maildir)
            .env("PYTHONPATH", Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtime"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer { child, port, maildir };
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in no particular order.
    pub fn received(&self) -> Vec<Received> {
        let mut messages = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else { continue };
            for entry in entries {
                let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                messages.push(parse(raw));
            }
        }
        messages
    }

    /// Waits until the server has written nothing new for a while (at most a few seconds).
    pub fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = self.received().len();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.received().len();
            if now == last || Instant::now() > deadline {
                return;
            }
            last = now;
        }
    }

    /// How many times each Message-ID arrived.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for message in self.received() {
            *counts.entry(message.message_id).or_default() += 1;
        }
        counts
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headers (unfolded, names lower-cased) and the envelope of a received message.
fn parse(raw: String) -> Received {
    let head = raw.split("\n\n").next().unwrap_or_default().replace("\r\n", "\n");
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(name) = &last {
                let value = headers.get_mut(name).unwrap().last_mut().unwrap();
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.entry(name.clone()).or_default().push(value.trim().to_string());
            last = Some(name);
        }
    }
    let one = |name: &str| headers.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
    let recipients = one("x-rcptto").split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    Received { message_id: one("message-id"), subject: one("subject"), recipients, headers, raw }
}

/// An SMTP address nothing listens on: the mail server is down.
pub fn closed_smtp_url() -> String {
    format!("smtp://127.0.0.1:{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())
}

/// Every email arrived exactly once, and the outbox says exactly those were sent; the counts.
pub fn assert_each_once(world: &World) -> BTreeMap<String, usize> {
    let counts = world.smtp.counts();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "received more than once: {twice:?}");
    let sent: BTreeSet<String> = world.sent_message_ids().into_iter().collect();
    let received: BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(sent, received, "the outbox's sent emails are exactly what the SMTP server received");
    counts
}

/// Pretends every organisation was last synced at `at`: the run's instant decides whether data
/// is fresh, and these tests run as of days in the sandbox's past.
pub fn synced_at(world: &World, at: &str) {
    let at: jiff::Timestamp = at.parse().unwrap();
    world
        .db()
        .execute("UPDATE organisations SET last_sync_at = ?1", [at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()])
        .unwrap();
}

/// The sandbox with its own tokio runtime, so tests can run the binary synchronously beside it.
pub struct World {
    pub runtime: tokio::runtime::Runtime,
    pub sandbox: Option<Sandbox>,
    pub folder: PathBuf,
    pub database: PathBuf,
    pub smtp: SmtpServer,
    pub config_file: PathBuf,
}

pub fn sandbox_config(seed: u64, organisations: usize, contacts: usize, invoices: usize) -> SandboxConfig {
    let mut config = SandboxConfig {
        seed,
        size: Size { organisations, contacts, invoices },
        today: Some("2026-11-25".parse().unwrap()),
        ..SandboxConfig::default()
    };
    config.limits.per_minute = 100_000;
    config.limits.per_day = 1_000_000;
    config
}

/// The sandbox takes far more than Xero's 60 calls a minute; the tests need not wait.
const LIMITS: &str = "[xero.limits]\nper_minute = 100000\nper_day = 1000000\n";

impl World {
    /// Adds to the configuration file (collectiq.toml) the runs use.
    pub fn configure(&self, toml: &str) {
        std::fs::write(&self.config_file, format!("{LIMITS}{toml}")).unwrap();
    }

    /// Starts the sandbox and an SMTP server, and connects a fresh database, as an operator would.
    pub fn start(name: &str, config: SandboxConfig) -> World {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sandbox = runtime.block_on(Sandbox::start(config, "127.0.0.1:0".parse().unwrap())).unwrap();
        let folder = scratch(name);
        let smtp = SmtpServer::start(&folder);
        let config_file = folder.join("collectiq.toml");
        std::fs::write(&config_file, LIMITS).unwrap();
        let world =
            World { runtime, sandbox: Some(sandbox), database: folder.join("collectiq.db"), folder, smtp, config_file };
        let connect = world.collectiq(&["connect", "--headless", "--port", "0"]);
        assert!(connect.status.success(), "{}", text(&connect));
        world
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    pub fn url(&self) -> String {
        self.sandbox().url().to_string()
    }

    /// `collectiq` with this world's sandbox, database, configuration and SMTP server.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_collectiq"));
        command
            .args(args)
            .env("COLLECTIQ_XERO_URL", self.url())
            .env("COLLECTIQ_DB", &self.database)
            .env("COLLECTIQ_CONFIG", &self.config_file)
            .env("COLLECTIQ_KEY_FILE", self.folder.join("token.key"))
            .env("COLLECTIQ_SMTP_URL", self.smtp.url())
            .env("COLLECTIQ_EMAIL_FROM", "accounts@collectiq.example")
            .env("NO_COLOR", "1")
            .env_remove("COLLECTIQ_EMAIL_CAPTURE")
            .env_remove("COLLECTIQ_STRATEGY");
        command
    }

    pub fn collectiq(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// `collectiq run --format json` that must succeed; its report.
    pub fn run(&self, strategy: &Path, at: &str, extra: &[&str]) -> Value {
        let strategy = strategy.to_str().unwrap();
        let mut args = vec!["run", "--strategy", strategy, "--at", at, "--format", "json"];
        args.extend_from_slice(extra);
        let output = self.collectiq(&args);
        assert!(output.status.success(), "run at {at}: {}", text(&output));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output)))
    }

    /// `collectiq run --format json` with the mail server down: everything is decided, and every
    /// email waits to be tried again. Its report.
    pub fn run_with_mail_down(&self, strategy: &Path, at: &str) -> Value {
        let strategy = strategy.to_str().unwrap();
        let args = ["run", "--strategy", strategy, "--at", at, "--format", "json"];
        let output = self.command(&args).env("COLLECTIQ_SMTP_URL", closed_smtp_url()).output().unwrap();
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output)))
    }

    /// The database, read as any SQLite client would.
    pub fn db(&self) -> Connection {
        Connection::open(&self.database).unwrap()
    }

    /// A count from the database.
    pub fn count(&self, sql: &str) -> u64 {
        self.db().query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap() as u64
    }

    /// The Message-IDs of the emails the outbox says were sent.
    pub fn sent_message_ids(&self) -> Vec<String> {
        let db = self.db();
        let mut statement =
            db.prepare("SELECT email FROM actions WHERE status = 'sent' AND email IS NOT NULL").unwrap();
        let rows = statement.query_map([], |row| row.get::<_, String>(0)).unwrap();
        rows.map(|email| {
            serde_json::from_str::<Value>(&email.unwrap()).unwrap()["message_id"].as_str().unwrap().to_string()
        })
        .collect()
    }

    /// Every history note the sandbox holds that CollectIQ wrote: (subject, text).
    pub fn notes_in_xero(&self) -> Vec<(uuid::Uuid, String)> {
        let world = self.sandbox().state().world.lock().unwrap();
        let mut notes = Vec::new();
        for org in world.iter() {
            for (subject, list) in &org.notes {
                notes.extend(list.iter().map(|note| (*subject, note.details.clone())));
            }
        }
        notes
    }

    pub fn sandbox_stats(&self) -> Value {
        serde_json::to_value(&*self.sandbox().state().stats.lock().unwrap()).unwrap()
    }

    /// Calls the sandbox's admin API (time travel, payments).
    pub fn admin(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.url());
        self.runtime.block_on(async move {
            let response = collectiq::net::client(Duration::from_secs(20)).post(&url).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(status.is_success(), "{url}: {status} {body}");
            serde_json::from_str(&body).unwrap_or(Value::Null)
        })
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.stop());
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
