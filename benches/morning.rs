//! The morning batch (issue 18): 5 organisations × 3,000 invoices in the sandbox with Xero's real
//! limits (60 calls a minute, 5,000 a day, 5 at once per organisation) and faults
//! `429:0.1,500:0.05,reset:0.02`, a strategy that makes about 1,500 emails due at one moment,
//! delivered to a real SMTP server on loopback (aiosmtpd) by `collectiq run`.
//!
//! Reported, timed from the start of `run` (its sync and deciding included): when every email was
//! accepted by the SMTP server, when every note was written, Xero calls per email besides notes
//! and first-time online-invoice links, and the most calls any organisation (and the app)
//! received in any 60 s window, by the sandbox's own count. Then the same batch with one
//! organisation at 100% 429s for its first 5 minutes.
//!
//! `cargo bench --bench morning` runs the real thing (about 20 minutes of mostly waiting on
//! Xero's limits); `cargo test` runs a small batch on a 2-second window to see that it works.
//! `COLLECTIQ_BENCH_BIN` runs another build of `collectiq` (to measure an older main).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use collectiq::sandbox::world::generate::Size;
use collectiq::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

struct Scale {
    organisations: usize,
    contacts: usize,
    invoices: usize,
    /// The length of the sandbox's (and CollectIQ's) "minute".
    window: Duration,
    /// How long the failing organisation's 429s last in the second batch.
    outage: &'static str,
}

fn scale() -> Scale {
    if std::env::args().any(|arg| arg == "--bench") {
        Scale { organisations: 5, contacts: 400, invoices: 3_000, window: Duration::from_secs(60), outage: "5m" }
    } else {
        Scale { organisations: 2, contacts: 40, invoices: 300, window: Duration::from_secs(2), outage: "4s" }
    }
}

const STRATEGY: &str = "Strategy \"Morning batch\".

Settings:
  Send emails from \"accounts@collectiq.example\" as \"Accounts\".
  Send on any day between 12am and 11:59pm.
  Catch up on missed reminders for up to 25 business days.

For every customer:
  30 days before the due date, send the \"saas-renewal-upcoming\" email.
  Every 7 days from 1 to 600 days overdue, send the \"saas-overdue\" email.
";

fn main() {
    let scale = scale();
    // `COLLECTIQ_BENCH_ONLY=quiet` or `=outage` runs one of the two worlds.
    let only = std::env::var("COLLECTIQ_BENCH_ONLY").unwrap_or_default();
    if only != "outage" {
        let (cold, warm) = batch(&scale, None);
        println!("{cold}");
        println!("{}", warm.expect("the quiet batch measures the next week too"));
    }
    if only != "quiet" {
        let (outage, _) = batch(&scale, Some(scale.outage));
        println!("{outage}");
    }
}

/// What one batch did.
struct Figures {
    title: String,
    emails: usize,
    notes: u64,
    run_seconds: f64,
    emails_seconds: f64,
    notes_seconds: f64,
    /// Per organisation: (name, emails, seconds until its last email, calls besides notes and links, links, busiest window).
    organisations: Vec<(String, usize, f64, usize, usize, usize)>,
    app_busiest: usize,
    window: Duration,
    report: String,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let calls: usize = self.organisations.iter().map(|o| o.3).sum();
        writeln!(f, "== {}", self.title)?;
        writeln!(
            f,
            "{} emails accepted in {:.1} s; {} notes written by {:.1} s; run ended at {:.1} s",
            self.emails, self.emails_seconds, self.notes, self.notes_seconds, self.run_seconds
        )?;
        writeln!(
            f,
            "Xero calls per email besides notes and first-time links: {:.3} ({calls} calls)",
            calls as f64 / self.emails.max(1) as f64
        )?;
        let window = self.window.as_secs_f64();
        for (name, emails, seconds, calls, links, busiest) in &self.organisations {
            writeln!(
                f,
                "  {name}: {emails} emails, last at {seconds:.1} s; {calls} calls besides notes and links, {links} links; most in any {window} s: {busiest}"
            )?;
        }
        writeln!(f, "  the app: most in any {window} s: {} (over the whole benchmark so far)", self.app_busiest)?;
        write!(f, "  run: {}", self.report)
    }
}

/// A world for one batch: the sandbox, an SMTP server, a folder with the strategy and database.
struct Bench<'r> {
    world: World<'r>,
    sandbox: &'r Sandbox,
    smtp: Smtp,
    strategy: PathBuf,
    tenants: Vec<String>,
    window: Duration,
}

/// The quiet batch (and, without an outage, the next week's with every link kept), or the batch
/// with the first organisation refused for `outage`.
fn batch(scale: &Scale, outage: Option<&str>) -> (Figures, Option<Figures>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut config = SandboxConfig {
        seed: 18,
        size: Size { organisations: scale.organisations, contacts: scale.contacts, invoices: scale.invoices },
        today: None,
        ..SandboxConfig::default()
    };
    config.limits.window_ms = scale.window.as_millis() as u64;
    let sandbox = runtime.block_on(Sandbox::start(config, "127.0.0.1:0".parse().unwrap())).unwrap();
    let folder = std::env::temp_dir().join(format!("collectiq-bench-morning-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("templates")).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/templates");
    for entry in std::fs::read_dir(examples).unwrap().flatten() {
        std::fs::copy(entry.path(), folder.join("templates").join(entry.file_name())).unwrap();
    }
    let strategy = folder.join("morning.strategy");
    std::fs::write(&strategy, STRATEGY).unwrap();
    let window = scale.window.as_secs();
    let limits = if window == 60 { String::new() } else { format!("[xero.limits]\nwindow_seconds = {window}\n") };
    std::fs::write(folder.join("collectiq.toml"), limits).unwrap();
    let smtp = Smtp::start(&folder);
    let world =
        World { runtime: &runtime, url: sandbox.url().to_string(), folder: folder.clone(), smtp_url: smtp.url() };
    world.must(&["connect", "--headless", "--port", "0"]);
    world.must(&["sync"]);
    let tenants: Vec<String> = sandbox.state().tenants().iter().map(|t| t.to_string()).collect();
    world.admin("PUT", "/sandbox/faults?spec=429:0.1,500:0.05,reset:0.02");
    let bench = Bench { world, sandbox: &sandbox, smtp, strategy, tenants, window: scale.window };
    let faults = "429:0.1,500:0.05,reset:0.02";
    let size = format!("{} organisations × {} invoices", scale.organisations, scale.invoices);
    let figures = match outage {
        None => {
            let cold = bench.measure(None, format!("{size}, faults {faults}; no link fetched before"));
            // A week on, the same customers' next reminders: their links are kept.
            bench.world.admin("POST", "/sandbox/advance?days=7");
            let now = bench.world.admin("GET", "/sandbox")["now"].as_str().unwrap().to_string();
            let warm = bench.measure(Some(&now), format!("{size}, faults {faults}; a week later, links kept"));
            (cold, Some(warm))
        }
        Some(lasting) => {
            bench.world.admin("PUT", &format!("/sandbox/faults?org={}&spec=429:1&for={lasting}", bench.tenants[0]));
            let title = format!("{size}, faults {faults}; the first organisation at 100% 429 for {lasting}");
            (bench.measure(None, title), None)
        }
    };
    drop(bench);
    runtime.block_on(sandbox.stop());
    let _ = std::fs::remove_dir_all(&folder);
    figures
}

impl Bench<'_> {
    /// Runs `collectiq run` (at `at`, else now) and measures it.
    fn measure(&self, at: Option<&str>, title: String) -> Figures {
        // Xero's window rolls on before the morning: the setup's (or the last batch's) calls are
        // not this batch's to carry.
        std::thread::sleep(self.window);
        let before = self.world.admin("GET", "/sandbox/calls");
        let notes_before = self.sandbox.state().stats.lock().unwrap().notes_written;
        let start = Instant::now();
        let mut args = vec!["run", "--strategy", self.strategy.to_str().unwrap(), "--format", "json"];
        if let Some(at) = at {
            args.extend(["--at", at]);
        }
        let mut child = self.world.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // The report is large: read it as it comes, or the run would wait on a full pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let reading = std::thread::spawn(move || {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let errors = std::thread::spawn(move || std::io::Read::read_to_end(&mut stderr, &mut err).map(|_| err));
            std::io::Read::read_to_end(&mut stdout, &mut out).unwrap();
            (out, errors.join().unwrap().unwrap())
        });
        // When each email arrived, by Message-ID (from the maildir), and when notes were written.
        let mut notes_seen: Vec<(f64, u64)> = Vec::new();
        let mut arrived: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
        loop {
            let now = start.elapsed().as_secs_f64();
            for id in self.smtp.new_message_ids() {
                arrived.insert(id, now);
            }
            notes_seen.push((now, self.sandbox.state().stats.lock().unwrap().notes_written - notes_before));
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let run_seconds = start.elapsed().as_secs_f64();
        let (stdout, stderr) = reading.join().unwrap();
        let report: Value = serde_json::from_slice(&stdout).unwrap_or_else(|error| {
            panic!("run said: {error}\n{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr))
        });
        for id in self.smtp.new_message_ids() {
            arrived.insert(id, run_seconds);
        }
        let notes = notes_seen.last().map_or(0, |n| n.1);
        let notes_seconds = notes_seen.iter().find(|n| n.1 == notes).map_or(0.0, |n| n.0);
        let emails_seconds = arrived.values().cloned().fold(0.0, f64::max);

        let after = self.world.admin("GET", "/sandbox/calls");
        let of = |summary: &Value, tenant: &str| -> Value {
            summary["organisations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["tenant_id"] == tenant)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let count = |org: &Value, kind: &str| -> usize {
            (if kind.is_empty() { org["calls"].as_u64() } else { org["by_kind"][kind].as_u64() }).unwrap_or(0) as usize
        };
        let db = rusqlite::Connection::open(self.world.folder.join("collectiq.db")).unwrap();
        let mut organisations = Vec::new();
        for tenant in &self.tenants {
            let (was, is) = (of(&before, tenant), of(&after, tenant));
            let spent = |kind: &str| count(&is, kind) - count(&was, kind);
            let notes = spent("PUT Invoices/History")
                + spent("PUT Contacts/History")
                + spent("GET Invoices/History")
                + spent("GET Contacts/History");
            let links = spent("GET OnlineInvoice");
            let besides = spent("") - notes - links;
            let name: String = db
                .query_row("SELECT name FROM organisations WHERE tenant_id = ?1", [tenant], |row| row.get(0))
                .unwrap_or_else(|_| tenant.clone());
            let ids: Vec<String> =
                sent_message_ids(&db, tenant).into_iter().filter(|id| arrived.contains_key(id)).collect();
            let last = ids.iter().filter_map(|id| arrived.get(id)).cloned().fold(0.0, f64::max);
            let busiest = is["busiest_window"].as_u64().unwrap_or(0) as usize;
            organisations.push((name, ids.len(), last, besides, links, busiest));
        }
        let figures = Figures {
            title,
            emails: arrived.len(),
            notes,
            run_seconds,
            emails_seconds,
            notes_seconds,
            organisations,
            app_busiest: after["app_busiest_window"].as_u64().unwrap_or(0) as usize,
            window: self.window,
            report: format!(
                "delivered {}; links per organisation (fetched, missing, ahead): {:?}",
                serde_json::to_string(&report["delivered"]).unwrap_or_default(),
                report["organisations"]
                    .as_array()
                    .map(|orgs| orgs
                        .iter()
                        .map(|o| (
                            o["links"]["fetched"].clone(),
                            o["links"]["missing"].clone(),
                            o["links_ahead"].clone()
                        ))
                        .collect::<Vec<_>>())
                    .unwrap_or_default()
            ),
        };
        for (name, _, _, _, _, busiest) in &figures.organisations {
            assert!(*busiest <= 60, "{name} received {busiest} calls in one window: over Xero's limit");
        }
        assert!(figures.emails > 0, "the batch sent nothing");
        figures
    }
}

fn sent_message_ids(db: &rusqlite::Connection, tenant: &str) -> Vec<String> {
    let mut statement = db
        .prepare("SELECT message_id FROM actions WHERE tenant_id = ?1 AND status = 'sent' AND message_id IS NOT NULL")
        .unwrap();
    statement
        .query_map([tenant], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|id| id.unwrap().trim_start_matches('<').trim_end_matches('>').to_string())
        .collect()
}

struct World<'r> {
    runtime: &'r tokio::runtime::Runtime,
    url: String,
    folder: PathBuf,
    smtp_url: String,
}

impl World<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let binary =
            std::env::var("COLLECTIQ_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_collectiq").to_string());
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(&self.folder)
            .env("COLLECTIQ_XERO_URL", &self.url)
            .env("COLLECTIQ_DB", self.folder.join("collectiq.db"))
            .env("COLLECTIQ_CONFIG", self.folder.join("collectiq.toml"))
            .env("COLLECTIQ_KEY_FILE", self.folder.join("token.key"))
            .env("COLLECTIQ_SMTP_URL", &self.smtp_url)
            .env("COLLECTIQ_EMAIL_FROM", "accounts@collectiq.example")
            .env("NO_COLOR", "1")
            .env_remove("COLLECTIQ_EMAIL_CAPTURE")
            .env_remove("COLLECTIQ_STRATEGY");
        command
    }

    fn must(&self, args: &[&str]) {
        let output = self.command(args).output().unwrap();
        assert!(
            output.status.success(),
            "collectiq {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn admin(&self, method: &str, path: &str) -> Value {
        let url = format!("{}{path}", self.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.runtime.block_on(async move {
            let response = collectiq::net::client(Duration::from_secs(20)).request(method, &url).send().await.unwrap();
            assert!(response.status().is_success(), "{url}: {}", response.status());
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null)
        })
    }
}

/// aiosmtpd on loopback, keeping each message in a maildir.
struct Smtp {
    child: std::process::Child,
    port: u16,
    maildir: PathBuf,
    seen: std::cell::RefCell<std::collections::HashSet<String>>,
}

impl Smtp {
    fn start(folder: &Path) -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = folder.join("maildir");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the benchmark needs aiosmtpd: apt-get install -y python3-aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtp { child, port, maildir, seen: Default::default() }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The Message-IDs (without angle brackets) of messages not seen before.
    fn new_message_ids(&self) -> Vec<String> {
        let mut seen = self.seen.borrow_mut();
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if seen.contains(&name) {
                    continue;
                }
                let Ok(raw) = std::fs::read_to_string(entry.path()) else { continue };
                let id = raw
                    .lines()
                    .take_while(|line| !line.is_empty())
                    .find_map(|line| line.strip_prefix("Message-ID:").or_else(|| line.strip_prefix("Message-Id:")))
                    .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>').to_string())
                    .unwrap_or_default();
                found.push(id);
                seen.insert(name);
            }
        }
        found
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
