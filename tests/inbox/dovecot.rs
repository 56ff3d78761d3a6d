//! A real IMAP server for the inbox tests: Debian's Dovecot (`apt-get install -y dovecot-imapd`)
//! in the foreground, configured from a folder of its own, on a free loopback port, with one user
//! (`ar@example.test`, password `secret`), plain or TLS with a self-signed certificate.
//!
//! It must be started as root (as CI runs the tests): Dovecot's master wants root, and the mail
//! itself is kept as `nobody`, since Dovecot refuses to run mail as uid 0.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use collectiq::inbox::imap::MailboxSettings;
use collectiq::secret::Secret;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};

pub const USER: &str = "ar@example.test";
pub const PASSWORD: &str = "secret";

const DOVECOT: &str = "/usr/sbin/dovecot";
const DOVEADM: &str = "/usr/bin/doveadm";

/// A running Dovecot; stopped, and its folder removed, when dropped (the folder is kept when the
/// test failed, for its log).
pub struct Dovecot {
    child: Child,
    folder: PathBuf,
    pub port: u16,
    tls: bool,
}

/// A private certificate authority (`ca.pem`, what `ca_file` names) and a certificate it signed
/// for `localhost` and 127.0.0.1 (`cert.pem`, `key.pem`), as a company's own CA would issue.
/// (A self-signed certificate will not do: it is a CA, and rustls refuses a CA as a server.)
fn make_certificates(folder: &Path) {
    let openssl = |args: &[&str]| {
        let made = Command::new("openssl")
            .current_dir(folder)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("the TLS tests need the openssl command");
        assert!(made.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&made.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=CollectIQ test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        folder.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "cert.pem",
    ]);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Dovecot {
    /// Plain IMAP on 127.0.0.1.
    pub fn start() -> Dovecot {
        Dovecot::launch(false)
    }

    /// IMAP over TLS only (`ssl = required`), with a certificate for `localhost` and 127.0.0.1
    /// that [`Dovecot::ca_file`] trusts.
    pub fn start_tls() -> Dovecot {
        Dovecot::launch(true)
    }

    fn launch(tls: bool) -> Dovecot {
        let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        assert!(root, "the IMAP tests start Dovecot, which must be started as root: run them as root (as CI does)");
        assert!(
            Path::new(DOVECOT).exists() && Path::new(DOVEADM).exists(),
            "the IMAP tests need a real IMAP server: apt-get install -y dovecot-imapd"
        );
        // Short: Dovecot's sockets live under it, and a socket's path is limited to 108 bytes.
        let folder =
            std::env::temp_dir().join(format!("collectiq-dovecot-{}-{}", std::process::id(), fastrand::u32(..)));
        let _ = std::fs::remove_dir_all(&folder);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(folder.join(sub)).unwrap();
        }
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        let chown = Command::new("chown").arg("nobody:nogroup").arg(folder.join("mail")).status().unwrap();
        assert!(chown.success(), "chown nobody:nogroup of the mail folder failed");
        let users = folder.join("users");
        std::fs::write(&users, format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        // Read by Dovecot's auth process, which is not root.
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o644)).unwrap();

        let port = free_port();
        let listeners = if tls {
            make_certificates(&folder);
            format!(
                "ssl = required\nssl_cert = <{dir}/cert.pem\nssl_key = <{dir}/key.pem\n\
                 service imap-login {{\n  inet_listener imap {{\n    port = 0\n  }}\n  \
                 inet_listener imaps {{\n    address = 127.0.0.1\n    port = {port}\n    ssl = yes\n  }}\n}}\n",
                dir = folder.display()
            )
        } else {
            format!(
                "ssl = no\n\
                 service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
                 inet_listener imaps {{\n    port = 0\n  }}\n}}\n"
            )
        };
        let config = format!(
            "protocols = imap\n\
             listen = 127.0.0.1\n\
             base_dir = {dir}/run\n\
             state_dir = {dir}/state\n\
             log_path = {dir}/dovecot.log\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             mail_location = maildir:~/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {dir}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={dir}/mail/%u\n}}\n\
             {listeners}",
            dir = folder.display()
        );
        std::fs::write(folder.join("dovecot.conf"), config).unwrap();

        // Until log_path is read, complaints about the configuration go to stderr.
        let stderr = std::fs::File::create(folder.join("stderr.txt")).unwrap();
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(folder.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("dovecot starts");
        // Made before waiting, so that a panic below stops it too.
        let mut server = Dovecot { child, folder, port, tls };
        server.wait_until_ready();
        server
    }

    /// Plain: until the server greets with `* OK` (the port can accept before the login process
    /// answers). TLS: until the port accepts; the handshake is the client's to make.
    fn wait_until_ready(&mut self) {
        let address: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("dovecot stopped at once ({status}):\n{}", self.log());
            }
            if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200))
                && (self.tls || greets(&mut stream))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not start on port {} within 10 s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn config(&self) -> PathBuf {
        self.folder.join("dovecot.conf")
    }

    /// The user's Maildir; its root is INBOX.
    fn maildir(&self) -> PathBuf {
        self.folder.join("mail").join(USER).join("Maildir")
    }

    /// Dovecot's log and what it wrote to stderr, for a failure message.
    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.folder.join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.txt"), read("dovecot.log"))
    }

    /// The address of the user's INBOX: `imap://…@127.0.0.1:PORT/INBOX`, or
    /// `imaps://…@localhost:PORT/INBOX` (a name, so the certificate is checked against a name).
    pub fn url(&self) -> url::Url {
        let user = USER.replace('@', "%40");
        let text = if self.tls {
            format!("imaps://{user}@localhost:{}/INBOX", self.port)
        } else {
            format!("imap://{user}@127.0.0.1:{}/INBOX", self.port)
        };
        url::Url::parse(&text).unwrap()
    }

    /// The server's own certificate, for TLS; none for plain.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.then(|| self.folder.join("ca.pem"))
    }

    /// What the reader needs to read the INBOX.
    pub fn settings(&self) -> MailboxSettings {
        MailboxSettings {
            url: self.url(),
            password: Secret::new(PASSWORD),
            ca_file: self.ca_file(),
            trusted_network: false,
        }
    }

    /// Puts a message into `user`'s INBOX without IMAP, as a delivery would.
    pub fn append(&self, user: &str, bytes: &[u8]) {
        self.doveadm(&["save", "-u", user, "-m", "INBOX"], Some(bytes));
    }

    /// Puts a message into the INBOX with IMAP APPEND, over TLS when the server is.
    pub async fn append_over_imap(&self, bytes: &[u8]) {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect to dovecot");
        if !self.tls {
            return append_with(tcp, bytes).await;
        }
        collectiq::net::install_tls_provider();
        let mut roots = rustls::RootCertStore::empty();
        for certificate in CertificateDer::pem_file_iter(self.folder.join("ca.pem")).unwrap() {
            roots.add(certificate.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let stream =
            tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS with dovecot");
        append_with(stream, bytes).await
    }

    /// Every message's flags in the INBOX, as doveadm lists them.
    pub fn flags(&self) -> String {
        self.doveadm(&["fetch", "-u", USER, "flags", "mailbox", "INBOX"], None)
    }

    /// The INBOX's UIDVALIDITY as Dovecot keeps it.
    pub fn uid_validity(&self) -> u32 {
        let status = self.doveadm(&["mailbox", "status", "-u", USER, "uidvalidity", "INBOX"], None);
        status
            .split_whitespace()
            .find_map(|field| field.strip_prefix("uidvalidity="))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no uidvalidity in doveadm's answer: {status:?}"))
    }

    /// The INBOX as if deleted and made anew: every message gone, UIDs starting again at 1, and a
    /// different UIDVALIDITY, which is how a server tells clients their cursor means nothing now.
    ///
    /// Dovecot refuses to delete INBOX, so the Maildir is removed from under it. Left alone,
    /// Dovecot would give the new INBOX a UIDVALIDITY from the clock, the same as before when
    /// both happen within one second; so it is set explicitly to the old one plus one
    /// (`doveadm mailbox update --uid-validity`, which also creates the INBOX again). Call it with
    /// no IMAP session open: an open session could write the old state back.
    pub fn delete_mailbox_and_recreate(&self) {
        let old = self.uid_validity();
        std::fs::remove_dir_all(self.maildir()).expect("remove the Maildir");
        let new = old.wrapping_add(1).max(1).to_string();
        self.doveadm(&["mailbox", "update", "-u", USER, "--uid-validity", &new, "INBOX"], None);
        assert_ne!(self.uid_validity(), old, "the recreated INBOX has a new UIDVALIDITY");
    }

    /// Runs doveadm against this server's configuration, giving it `stdin`; its output.
    fn doveadm(&self, args: &[&str], stdin: Option<&[u8]>) -> String {
        let mut child = Command::new(DOVEADM)
            .arg("-c")
            .arg(self.config())
            .args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("doveadm runs");
        if let Some(bytes) = stdin {
            // Dropped at the end of the statement: doveadm sees the end of its input.
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "doveadm {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// Whether the server at the other end says `* OK` first, as an IMAP server ready for logins does.
fn greets(stream: &mut TcpStream) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 512 && !line.ends_with(b"\n") {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => return false,
        }
    }
    line.starts_with(b"* OK")
}

/// Greeting, LOGIN, APPEND to INBOX, LOGOUT.
async fn append_with<T>(stream: T, bytes: &[u8])
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    let mut client = async_imap::Client::new(stream);
    // async-imap leaves the greeting to be read; LOGIN would take it for its answer otherwise.
    client.read_response().await.expect("read the greeting").expect("a greeting");
    let mut session = client.login(USER, PASSWORD).await.map_err(|(error, _)| error).expect("log in to dovecot");
    session.append("INBOX", None, None, bytes).await.expect("IMAP APPEND");
    session.logout().await.expect("IMAP LOGOUT");
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master then stops its own processes (auth, login, imap, log);
        // killed outright it leaves them behind, unreaped where nothing is init.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.folder);
        }
    }
}
