//! The customer's page for real: the sandbox organisation, a real SMTP server, `collectiq run`
//! sending reminders whose links are taken from what the SMTP server received, and `collectiq
//! serve` answering on loopback. The security cases go over plain HTTP; the customer's journey
//! (promise, dispute, paid with a PDF, Pay now) goes through real headless Chromium.

mod browser;
mod crash;
mod http;
mod later;
mod security;
#[path = "../runtime/support.rs"]
mod support;

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// Chases overdue invoices every week; stops at disputes and pauses at promises, as a credit
/// controller would write it.
pub const STRATEGY: &str = r#"Strategy "Customer page".

Settings:
  Send emails from "accounts@collectiq.example" as "Accounts".
  Use the "UTC" time zone.
  Catch up on missed reminders for up to 60 days.

For every customer:
  Every 7 days from 1 day overdue, send the "friendly-reminder" email.
  Stop chasing disputed invoices.
  When a customer promises to pay, pause chasing until 2 days after the promised date.
"#;

/// When the first reminders go (the sandbox's today).
pub const FIRST_RUN: &str = "2026-11-25T10:00:00Z";

/// A world whose reminders carry page links, and `collectiq serve` answering them.
pub struct PageWorld {
    pub world: World,
    pub strategy: std::path::PathBuf,
    server: Child,
    pub base: String,
}

/// `collectiq serve` on `port` (0: one it chooses), once it listens; and its port, from the
/// address it prints first.
fn serve(world: &World, strategy: &std::path::Path, port: u16, fail_at: Option<&str>) -> (Child, u16) {
    let mut command = world.command(&["serve", "--listen", &format!("127.0.0.1:{port}")]);
    command.env("COLLECTIQ_STRATEGY", strategy).stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(point) = fail_at {
        command.env("COLLECTIQ_FAIL_AT", point);
    }
    let mut server = command.spawn().unwrap();
    let stdout = server.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first);
        let _ = sender.send(first);
    });
    let printed = receiver.recv_timeout(Duration::from_secs(30)).expect("collectiq serve says where it listens");
    let port: u16 = printed.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| {
        let _ = server.kill();
        panic!("collectiq serve did not start: {printed:?}")
    });
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "collectiq serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

impl PageWorld {
    /// Starts the world and the page server (on a port it chose itself, so that no other test
    /// can take it first), then sends the first reminders, whose links point at it.
    pub fn start(name: &str, extra_config: &str) -> PageWorld {
        let world = World::start(name, sandbox_config(2101, 1, 12, 160));
        let strategy = strategy_file(&world.folder, "page.strategy", STRATEGY);
        let page = |base: &str| {
            format!(
                "[runtime]\nfreshness_minutes = 0\n[page]\n{base}uploads_dir = \"{}\"\n{extra_config}",
                world.folder.join("uploads").display()
            )
        };
        // The server reads everything but the base URL, which only the runs need.
        world.configure(&page(""));
        let (server, port) = serve(&world, &strategy, 0, None);
        let base = format!("http://127.0.0.1:{port}");
        world.configure(&page(&format!("base_url = \"{base}\"\n")));
        world.run(&strategy, FIRST_RUN, &[]);
        world.smtp.settle();
        PageWorld { world, strategy, server, base }
    }

    /// Stops the page server and starts it again, perhaps armed to end at a fail point.
    pub fn restart(&mut self, fail_at: Option<&str>) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let port: u16 = self.base.rsplit(':').next().unwrap().parse().unwrap();
        self.server = serve(&self.world, &self.strategy, port, fail_at).0;
    }

    /// Whether the page server has ended, and how.
    pub fn server_ended(&mut self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.server.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every page link in the emails the SMTP server received: (the email's recipients, link).
    pub fn links(&self) -> Vec<(Vec<String>, String)> {
        let mut links = Vec::new();
        for received in self.world.smtp.received() {
            let message = mail_parser::MessageParser::default().parse(received.raw.as_bytes()).unwrap();
            let text = message.body_text(0).unwrap_or_default().to_string();
            let prefix = format!("{}/p/", self.base);
            for (at, _) in text.match_indices(&prefix) {
                let link: String = text[at..].chars().take_while(|c| !c.is_whitespace() && *c != '>').collect();
                links.push((received.recipients.clone(), link));
            }
        }
        links
    }

    /// The links of the email to the customer with the most open invoices (so that the page has
    /// several to answer about): its customer-level link (the last in the email), and its
    /// invoices' links.
    pub fn some_email_links(&self) -> (String, Vec<String>) {
        let mut by_email: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for received in self.world.smtp.received() {
            let message = mail_parser::MessageParser::default().parse(received.raw.as_bytes()).unwrap();
            let text = message.body_text(0).unwrap_or_default().to_string();
            let prefix = format!("{}/p/", self.base);
            let links: Vec<String> = text
                .match_indices(&prefix)
                .map(|(at, _)| text[at..].chars().take_while(|c| !c.is_whitespace() && *c != '>').collect())
                .collect();
            if !links.is_empty() {
                by_email.insert(received.message_id.clone(), links);
            }
        }
        let db = self.world.db();
        let open_invoices = |link: &String| -> i64 {
            db.query_row(
                "SELECT COUNT(*) FROM invoices i JOIN page_links l ON l.contact_id = i.contact_id
                  WHERE l.id = ?1 AND i.status = 'AUTHORISED' AND i.amount_due > 0",
                [link_id(link)],
                |row| row.get(0),
            )
            .unwrap()
        };
        let links = by_email
            .into_values()
            .max_by_key(|links| open_invoices(links.last().unwrap()))
            .expect("an email with page links");
        let (customer, invoices) = links.split_last().unwrap();
        (customer.clone(), invoices.to_vec())
    }
}

/// The id a link's token names, as the store keeps it (hex).
pub fn link_id(link: &str) -> String {
    use base64::Engine;
    let token = link.rsplit('/').next().unwrap();
    let id = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Drop for PageWorld {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
