//! `collectiq doctor` against a real DNS server on loopback (a few lines of dnspython, which
//! python3-dkim brings): the record to publish, and what the domain publishes, found right,
//! found wrong, or not found; and a DNS that cannot be reached, said plainly.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const DNS_SERVER: &str = r#"
import json, socket, sys
import dns.message, dns.rcode, dns.rdatatype, dns.rrset
records = json.loads(sys.argv[1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
while True:
    data, peer = sock.recvfrom(4096)
    query = dns.message.from_wire(data)
    answer = dns.message.make_response(query)
    question = query.question[0]
    texts = records.get(str(question.name).lower())
    if texts and question.rdtype == dns.rdatatype.TXT:
        answer.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", *['"%s"' % t for t in texts]))
    elif texts is None:
        answer.set_rcode(dns.rcode.NXDOMAIN)
    sock.sendto(answer.to_wire(), peer)
"#;

struct Dns {
    child: Child,
    port: u16,
}

impl Dns {
    fn start(records: serde_json::Value) -> Dns {
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", DNS_SERVER, &records.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with dnspython (scripts/test installs python3-dkim, which brings it)");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        Dns { port: line.trim().parse().expect("the DNS server's port"), child }
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("collectiq-doctor-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let made = Command::new("openssl").args(["genpkey", "-algorithm", "ed25519", "-out"]).arg(&path).status().unwrap();
    assert!(made.success());
    path
}

fn doctor(dir: &Path, key: &Path, dns: &str, format: &str) -> (Option<i32>, String) {
    let config = dir.join("collectiq.toml");
    std::fs::write(
        &config,
        format!(
            "[email]\nfrom = \"ar@acme.example\"\nsmtp_url = \"smtp://mail.acme.example:587?tls=required\"\n[email.dkim]\ndomain = \"acme.example\"\nselector = \"mail2026\"\nkey_file = \"{}\"\n",
            key.display()
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(["doctor", "--format", format])
        .env("COLLECTIQ_CONFIG", &config)
        .env("COLLECTIQ_DNS_SERVER", dns)
        .env("NO_COLOR", "1")
        .env_remove("COLLECTIQ_EMAIL_FROM")
        .env_remove("COLLECTIQ_SMTP_URL")
        .env_remove("COLLECTIQ_EMAIL_CAPTURE")
        .env_remove("COLLECTIQ_STRATEGY")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

/// The record doctor says to publish.
fn record_to_publish(text: &str) -> String {
    let line =
        text.lines().skip_while(|l| !l.contains("Publish this TXT record at mail2026._domainkey.acme.example")).nth(1);
    line.expect("the record to publish").trim().to_string()
}

#[test]
fn doctor_prints_the_record_and_checks_what_the_domain_publishes() {
    let dir = folder();
    let ours = key(&dir, "dkim.pem");
    // First with a DNS that says nothing at all about the domain.
    let empty = Dns::start(serde_json::json!({}));
    let (code, text) = doctor(&dir, &ours, &format!("127.0.0.1:{}", empty.port), "human");
    assert_eq!(code, Some(1), "{text}");
    let record = record_to_publish(&text);
    assert!(record.starts_with("v=DKIM1; k=ed25519; p="), "{text}");
    assert!(text.contains("acme.example publishes no SPF record"), "{text}");
    assert!(text.contains("no DKIM record at mail2026._domainkey.acme.example"), "{text}");
    assert!(text.contains("publishes no DMARC policy"), "{text}");
    drop(empty);

    // Everything published, our key among them: nothing to do.
    let published = Dns::start(serde_json::json!({
        "acme.example.": ["v=spf1 include:_spf.mail.acme.example -all", "google-site-verification=x"],
        "_dmarc.acme.example.": ["v=DMARC1; p=quarantine"],
        "mail2026._domainkey.acme.example.": [record],
    }));
    let (code, text) = doctor(&dir, &ours, &format!("127.0.0.1:{}", published.port), "human");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("SPF: v=spf1 include:_spf.mail.acme.example -all") && !text.contains("google"), "{text}");
    assert!(text.contains("Nothing missing."), "{text}");
    let (_, json) = doctor(&dir, &ours, &format!("127.0.0.1:{}", published.port), "json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["domains"][0]["dmarc"]["found"], "yes", "{json}");
    assert_eq!(json["dkim"]["algorithm"], "ed25519-sha256");

    // A new key whose record is not published yet: the published one is another key's.
    let new_key = key(&dir, "new.pem");
    let (code, text) = doctor(&dir, &new_key, &format!("127.0.0.1:{}", published.port), "human");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("is another key's: publish the one above"), "{text}");
}

#[test]
fn a_dns_that_cannot_be_reached_is_said_plainly_and_concludes_nothing() {
    let dir = folder();
    let ours = key(&dir, "dkim.pem");
    // A port nothing listens on.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    drop(socket);
    let (code, text) = doctor(&dir, &ours, &format!("127.0.0.1:{port}"), "human");
    assert!(text.contains("SPF: not checked, DNS could not be reached"), "{text}");
    assert!(!text.contains("publishes no SPF"), "{text}");
    assert_eq!(code, Some(0), "nothing is known to be missing: {text}");
}
