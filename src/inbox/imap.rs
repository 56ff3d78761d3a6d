//! Reading a mailbox over IMAP: connect (TLS, or plain only to this machine), log in, open the
//! mailbox read-only, list the UIDs after a cursor and fetch messages one at a time, and wait for
//! news with IDLE where the server offers it.
//!
//! It never changes the mailbox: the mailbox is opened with EXAMINE and bodies are fetched with
//! `BODY.PEEK[]`, so no message is moved, deleted or marked \Seen. What was read is remembered by
//! the caller as a [`MailboxCursor`](crate::store::inbox::MailboxCursor) (UIDVALIDITY and the last UID), which stays true across sessions as
//! long as the server keeps the same UIDVALIDITY.
//!
//! Any error leaves the session in a state nobody knows (a command may be half answered), so the
//! caller drops it and opens a new one on the next pass.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_imap::error::Error as ProtocolError;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::{Capability, Fetch, UnsolicitedResponse};
use futures_util::StreamExt;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use rustls_platform_verifier::BuilderVerifierExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::{Host, Url};

use crate::secret::Secret;

/// Messages larger than this are not downloaded: the most CollectIQ reads at all (a reply to a
/// collections email is a few KB; an attachment this big is not something to keep in memory).
pub const MAX_MESSAGE_BYTES: u64 = super::message::LARGEST as u64;

/// For each step of opening a session: the TCP connection, the TLS handshake, the greeting, the
/// login.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// For a command whose answer is small (EXAMINE, CAPABILITY, UID SEARCH, IDLE's start and end).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// For fetching one message, which can be up to [`MAX_MESSAGE_BYTES`] over a slow link.
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);
/// LOGOUT is a courtesy; a server that does not answer it is not waited for.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// RFC 2177: servers may log out a client idle for 30 minutes, so IDLE is ended before that.
const IDLE_LIMIT: Duration = Duration::from_secs(29 * 60);

/// Where a mailbox is and how to log in to it.
#[derive(Clone)]
pub struct MailboxSettings {
    /// `imaps://user@host[:port]/MAILBOX` (port 993 by default) or, for a server on this machine
    /// only, `imap://user@127.0.0.1[:port]/MAILBOX` (port 143). An `@` in the user name is written
    /// `%40`; the mailbox is INBOX when the path is empty.
    pub url: Url,
    pub password: Secret,
    /// Trust exactly the PEM certificates in this file instead of the system's roots (a private
    /// certificate authority, or a test server's own certificate).
    pub ca_file: Option<PathBuf>,
    /// Plain `imap://` to a host beyond this machine, which the operator says is on a network
    /// they trust (`[inbox] trusted_network = true`): the password crosses it in the clear.
    pub trusted_network: bool,
}

impl fmt::Debug for MailboxSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A password written into the URL by mistake must not reach a log through Debug either.
        let mut url = self.url.clone();
        let _ = url.set_password(None);
        f.debug_struct("MailboxSettings")
            .field("url", &url.as_str())
            .field("password", &self.password)
            .field("ca_file", &self.ca_file)
            .field("trusted_network", &self.trusted_network)
            .finish()
    }
}

/// One message read, not yet stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Fetched {
    pub uid: u32,
    /// The whole message as the server keeps it (RFC 5322 bytes); empty when `too_large`.
    pub bytes: Vec<u8>,
    /// The message's size when it is over [`MAX_MESSAGE_BYTES`] and was not downloaded. The caller
    /// still moves its cursor past it (and may record that it was skipped), so one huge message
    /// cannot stop the inbox from being read.
    pub too_large: Option<u64>,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("uid", &self.uid)
            .field("bytes", &self.bytes.len())
            .field("too_large", &self.too_large)
            .finish()
    }
}

/// Why a mailbox could not be read. No message holds the password.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("the IMAP address is not usable: {reason}")]
    BadUrl { reason: String },
    #[error("plain IMAP (imap://) is only allowed to a server on this machine, and {host} is not one")]
    PlainImapNotLoopback { host: String },
    #[error("cannot use the CA file {}: {cause}", path.display())]
    CaFile { path: PathBuf, cause: String },
    #[error("cannot set up TLS with the system's certificates: {cause}")]
    TlsSetup { cause: rustls::Error },
    #[error("cannot connect to the IMAP server {host}: {cause}")]
    Connect { host: String, cause: io::Error },
    #[error("TLS with the IMAP server {host} failed: {cause}")]
    Tls { host: String, cause: io::Error },
    #[error("the IMAP server {host} did not answer in time (while trying to {doing})")]
    TimedOut { host: String, doing: &'static str },
    #[error("{host} did not greet as an IMAP server does (it closed the connection or did not say OK)")]
    Greeting { host: String },
    #[error("the IMAP server refused to log in {user}")]
    Login { user: String },
    #[error("the password cannot be sent with IMAP LOGIN: it holds a line break")]
    PasswordUnsendable,
    #[error("the IMAP server has no mailbox {mailbox} for this user, or refused to open it")]
    NoSuchMailbox { mailbox: String },
    #[error("the IMAP server's answer to {doing} was not understood: {what}")]
    Unexpected { doing: &'static str, what: &'static str },
    #[error("IMAP failed while trying to {doing}: {cause}")]
    Protocol { doing: &'static str, cause: ProtocolError },
}

impl ImapError {
    pub fn help(&self) -> &'static str {
        match self {
            ImapError::BadUrl { .. } => {
                "write it as imaps://user@host/INBOX (port 993 unless given); write an @ in the user name as %40; \
                 the password goes in its own setting, never in the address"
            }
            ImapError::PlainImapNotLoopback { .. } => {
                "use imaps:// (IMAP over TLS, usually port 993); plain imap:// is only for a server on this machine \
                 (127.0.0.1, ::1 or localhost), since it would send the password in the clear, or on a network you \
                 trust, said with [inbox] trusted_network = true"
            }
            ImapError::CaFile { .. } => {
                "ca_file must be a readable PEM file holding one or more certificates (-----BEGIN CERTIFICATE-----); \
                 leave it out to trust the system's certificate authorities"
            }
            ImapError::TlsSetup { .. } => {
                "this machine's certificate store could not be read; install the CA certificates (ca-certificates) \
                 or set ca_file"
            }
            ImapError::Connect { .. } => {
                "check the host and port, and that this machine may reach the server (firewall, VPN)"
            }
            ImapError::Tls { .. } => {
                "check that the port speaks TLS from the first byte (imaps://, usually 993); if the server's \
                 certificate comes from a private certificate authority, set ca_file to that authority's certificate"
            }
            ImapError::TimedOut { .. } => {
                "check the host and port; if they are right, the server is slow or down: it is tried again on the next pass"
            }
            ImapError::Greeting { .. } => {
                "check that the host and port are an IMAP server's (993 for imaps://, 143 for imap://)"
            }
            ImapError::Login { .. } => {
                "check the user name and password; many hosted mailboxes want an app password, and some refuse \
                 password logins altogether"
            }
            ImapError::PasswordUnsendable => "check the password setting (or its file) for a line break in the middle",
            ImapError::NoSuchMailbox { .. } => {
                "check the mailbox named in the address's path (INBOX when empty); names other than INBOX are \
                 case-sensitive and use the server's separator"
            }
            ImapError::Unexpected { .. } => {
                "try again; if it keeps happening, report it with the name of the mail server"
            }
            ImapError::Protocol { .. } => {
                "the connection broke or the server refused a command; it is tried again on the next pass"
            }
        }
    }
}

/// Anything async-imap can talk over: a TCP stream, or TLS over one. Boxed so that [`Session`]
/// has one type whichever the URL asked for.
trait Transport: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Transport for T {}

type Inner = async_imap::Session<Box<dyn Transport>>;

/// A logged-in session with its mailbox open read-only.
pub struct Session {
    inner: Inner,
    key: String,
    host: String,
    uid_validity: u32,
    idle: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("mailbox", &self.key)
            .field("uid_validity", &self.uid_validity)
            .field("idle", &self.idle)
            .finish()
    }
}

impl Session {
    pub async fn open(settings: &MailboxSettings) -> Result<Session, ImapError> {
        let address = Address::parse(&settings.url)?;
        if !address.tls && settings.ca_file.is_some() {
            return Err(ImapError::BadUrl {
                reason: "a CA file is given but the address is plain imap://; use imaps://".into(),
            });
        }
        if !address.tls && !settings.trusted_network && !is_loopback_name(&address.host) {
            return Err(ImapError::PlainImapNotLoopback { host: address.host.clone() });
        }
        let host = address.host.clone();
        let stream = connect(&address, settings.ca_file.as_deref(), settings.trusted_network).await?;
        let mut client = async_imap::Client::new(stream);

        // async-imap does not read the greeting itself: without this the login would read the
        // greeting as its answer.
        let greeting = match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
            Err(_) => return Err(ImapError::TimedOut { host, doing: "read the greeting" }),
            Ok(Err(cause)) => return Err(ImapError::Protocol { doing: "read the greeting", cause: cause.into() }),
            Ok(Ok(greeting)) => greeting,
        };
        let greeted =
            greeting.as_ref().is_some_and(|g| matches!(g.parsed(), Response::Data { status: Status::Ok, .. }));
        if !greeted {
            return Err(ImapError::Greeting { host });
        }

        let login = client.login(&address.user, settings.password.expose());
        let mut inner = match tokio::time::timeout(CONNECT_TIMEOUT, login).await {
            Err(_) => return Err(ImapError::TimedOut { host, doing: "log in" }),
            Ok(Ok(session)) => session,
            Ok(Err((cause, _client))) => {
                return Err(match cause {
                    ProtocolError::No(_) | ProtocolError::Bad(_) => ImapError::Login { user: address.user.clone() },
                    // The user name was checked when the URL was read, so only the password can
                    // hold what IMAP cannot quote.
                    ProtocolError::Validate(_) => ImapError::PasswordUnsendable,
                    cause => ImapError::Protocol { doing: "log in", cause },
                });
            }
        };

        let capabilities = within(COMMAND_TIMEOUT, &host, "ask what the server can do", inner.capabilities()).await?;
        let idle =
            capabilities.iter().any(|c| matches!(c, Capability::Atom(atom) if atom.eq_ignore_ascii_case("IDLE")));

        // EXAMINE, not SELECT: read-only, so nothing this session does can change a flag.
        let mailbox = match tokio::time::timeout(COMMAND_TIMEOUT, inner.examine(&address.mailbox)).await {
            Err(_) => return Err(ImapError::TimedOut { host, doing: "open the mailbox" }),
            Ok(Err(ProtocolError::No(_))) => return Err(ImapError::NoSuchMailbox { mailbox: address.mailbox.clone() }),
            Ok(Err(cause)) => return Err(ImapError::Protocol { doing: "open the mailbox", cause }),
            Ok(Ok(mailbox)) => mailbox,
        };
        let uid_validity = mailbox.uid_validity.ok_or(ImapError::Unexpected {
            doing: "open the mailbox",
            what: "it gave no UIDVALIDITY, so what was read cannot be told from what was not",
        })?;
        Ok(Session { inner, key: address.key(), host, uid_validity, idle })
    }

    /// A key naming the mailbox, `user@host:port/MAILBOX`, stable across sessions: what a cursor
    /// is stored under.
    pub fn mailbox(&self) -> &str {
        &self.key
    }

    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// UIDs of the messages after `after`, ascending.
    pub async fn new_uids(&mut self, after: u32) -> Result<Vec<u32>, ImapError> {
        let Some(first) = after.checked_add(1) else { return Ok(Vec::new()) };
        let query = format!("UID {first}:*");
        let found = within(COMMAND_TIMEOUT, &self.host, "list new messages", self.inner.uid_search(query)).await?;
        // `n:*` always matches the last message, even when its UID is below n (RFC 3501 6.4.8:
        // `*` is the largest UID in use, and a range matches whichever way round it is written).
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > after).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// One message's full bytes, or `None` when no message has that UID any more (expunged
    /// meanwhile). One message at a time, so the caller stores each before asking for the next
    /// and memory stays bounded by one message. The size is asked first so a message over
    /// [`MAX_MESSAGE_BYTES`] is never downloaded: it comes back with `too_large` and no bytes.
    pub async fn fetch(&mut self, uid: u32) -> Result<Option<Fetched>, ImapError> {
        let size = within(
            COMMAND_TIMEOUT,
            &self.host,
            "read a message's size",
            fetch_one(&mut self.inner, uid, "(UID RFC822.SIZE)"),
        )
        .await?;
        let Some(size) = size else { return Ok(None) };
        if let Some(size) = size.size.map(u64::from).filter(|size| *size > MAX_MESSAGE_BYTES) {
            return Ok(Some(Fetched { uid, bytes: Vec::new(), too_large: Some(size) }));
        }
        // PEEK: a plain BODY[] would set \Seen (EXAMINE should stop that too, but some servers
        // are lax about read-only sessions).
        let message = within(
            FETCH_TIMEOUT,
            &self.host,
            "download a message",
            fetch_one(&mut self.inner, uid, "(UID BODY.PEEK[])"),
        )
        .await?;
        let Some(message) = message else { return Ok(None) };
        let Some(body) = message.body() else {
            return Err(ImapError::Unexpected {
                doing: "download a message",
                what: "it sent the message without its body",
            });
        };
        // RFC822.SIZE may be missing or wrong; the limit holds either way.
        let length = body.len() as u64;
        if length > MAX_MESSAGE_BYTES {
            return Ok(Some(Fetched { uid, bytes: Vec::new(), too_large: Some(length) }));
        }
        Ok(Some(Fetched { uid, bytes: body.to_vec(), too_large: None }))
    }

    /// Waits until the server says the mailbox changed, or `timeout` passes (at most 29 minutes).
    /// With IDLE the server tells at once; without it this only sleeps, and the next
    /// [`Session::new_uids`] finds what came. Takes the session by value because async-imap's IDLE
    /// handle owns it while it waits.
    pub async fn wait_for_news(mut self, timeout: Duration) -> Result<Session, ImapError> {
        let timeout = timeout.min(IDLE_LIMIT);
        if self.news_pending() {
            return Ok(self);
        }
        if !self.idle {
            tokio::time::sleep(timeout).await;
            return Ok(self);
        }
        let Session { inner, key, host, uid_validity, idle } = self;
        let mut handle = inner.idle();
        within(COMMAND_TIMEOUT, &host, "start waiting for news (IDLE)", handle.init()).await?;
        {
            // `_stop` must live while waiting: dropping a StopSource ends the wait at once.
            let (wait, _stop) = handle.wait_with_timeout(timeout);
            // The outer timeout too, since async-imap restarts its own at every keep-alive the
            // server sends (Dovecot: every 2 minutes).
            match tokio::time::timeout(timeout, wait).await {
                // News or not, the session goes back to normal; the caller looks for itself.
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(cause)) => return Err(ImapError::Protocol { doing: "wait for news (IDLE)", cause }),
            }
        }
        let inner = within(COMMAND_TIMEOUT, &host, "stop waiting for news (IDLE)", handle.done()).await?;
        let mut session = Session { inner, key, host, uid_validity, idle };
        // What the server said while IDLE ended (Dovecot sends RECENT after EXISTS) is covered by
        // the search the caller makes next; kept, it would only wake the next wait for nothing.
        session.news_pending();
        Ok(session)
    }

    /// Says goodbye (LOGOUT); whatever goes wrong, the connection is closed when this returns.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(LOGOUT_TIMEOUT, self.inner.logout()).await;
    }

    /// Whether the server already said, in answer to an earlier command, that messages came
    /// (EXISTS or RECENT): then there is no need to wait. async-imap keeps such lines aside (up to
    /// 100, dropping the rest); they are emptied here so they do not pile up.
    fn news_pending(&mut self) -> bool {
        let mut news = false;
        while let Ok(response) = self.inner.unsolicited_responses.try_recv() {
            news |= matches!(response, UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_));
        }
        news
    }
}

/// `UID FETCH uid query`, reading the whole answer (the tagged end included) so the next command
/// starts clean. Servers may slip in FETCH lines about other messages (flags changed elsewhere):
/// only the one for `uid` is kept.
async fn fetch_one(inner: &mut Inner, uid: u32, query: &str) -> Result<Option<Fetch>, ProtocolError> {
    let mut answers = inner.uid_fetch(uid.to_string(), query).await?;
    let mut found = None;
    while let Some(answer) = answers.next().await {
        let answer = answer?;
        if answer.uid == Some(uid) {
            found = Some(answer);
        }
    }
    Ok(found)
}

/// Runs one exchange with the server within `limit`.
async fn within<T>(
    limit: Duration,
    host: &str,
    doing: &'static str,
    work: impl Future<Output = Result<T, ProtocolError>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(cause)) => Err(ImapError::Protocol { doing, cause }),
        Err(_) => Err(ImapError::TimedOut { host: host.to_string(), doing }),
    }
}

/// A TCP connection to the server, TLS on top for imaps://.
async fn connect(
    address: &Address,
    ca_file: Option<&Path>,
    trusted_network: bool,
) -> Result<Box<dyn Transport>, ImapError> {
    // Built before dialling, so a bad CA file is reported without touching the network.
    let tls = if address.tls { Some(tls_config(ca_file)?) } else { None };
    let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, tcp_connect(address, trusted_network)).await {
        Err(_) => return Err(ImapError::TimedOut { host: address.host.clone(), doing: "connect" }),
        Ok(tcp) => tcp?,
    };
    let Some(config) = tls else { return Ok(Box::new(tcp)) };
    let name = ServerName::try_from(address.host.clone())
        .map_err(|_| ImapError::BadUrl { reason: format!("{} is not a host name TLS can check", address.host) })?;
    let handshake = tokio_rustls::TlsConnector::from(config).connect(name, tcp);
    match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
        Err(_) => Err(ImapError::TimedOut { host: address.host.clone(), doing: "agree on TLS" }),
        Ok(Err(cause)) => Err(ImapError::Tls { host: address.host.clone(), cause }),
        Ok(Ok(stream)) => Ok(Box::new(stream)),
    }
}

/// Tries each address the host name resolves to, in order. For plain IMAP only loopback
/// addresses are tried: a name like `localhost` is checked for what it resolves to, not trusted.
async fn tcp_connect(address: &Address, trusted_network: bool) -> Result<TcpStream, ImapError> {
    let failed = |cause: io::Error| ImapError::Connect { host: address.host.clone(), cause };
    let mut candidates: Vec<SocketAddr> =
        tokio::net::lookup_host((address.host.as_str(), address.port)).await.map_err(failed)?.collect();
    if !address.tls && !trusted_network {
        candidates.retain(|candidate| is_loopback_ip(candidate.ip()));
        if candidates.is_empty() {
            return Err(ImapError::PlainImapNotLoopback { host: address.host.clone() });
        }
    }
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolves to no address");
    for candidate in candidates {
        match TcpStream::connect(candidate).await {
            Ok(stream) => {
                // Commands are small and answered one by one: do not hold them back.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(cause) => last = cause,
        }
    }
    Err(failed(last))
}

/// With a CA file, exactly its certificates are trusted; otherwise the platform's verifier (the
/// system's roots, and revocation where the platform checks it).
fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, ImapError> {
    crate::net::install_tls_provider();
    let builder = rustls::ClientConfig::builder();
    let config = match ca_file {
        Some(path) => {
            let refused = |cause: String| ImapError::CaFile { path: path.to_path_buf(), cause };
            let mut roots = rustls::RootCertStore::empty();
            for certificate in CertificateDer::pem_file_iter(path).map_err(|e| refused(e.to_string()))? {
                let certificate = certificate.map_err(|e| refused(e.to_string()))?;
                roots.add(certificate).map_err(|e| refused(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(refused("it holds no certificate".into()));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => builder.with_platform_verifier().map_err(|cause| ImapError::TlsSetup { cause })?.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// What a mailbox URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    tls: bool,
    /// Without brackets for IPv6, lower-cased for names.
    host: String,
    port: u16,
    user: String,
    mailbox: String,
}

impl Address {
    fn parse(url: &Url) -> Result<Address, ImapError> {
        let bad = |reason: &str| ImapError::BadUrl { reason: reason.to_string() };
        let (tls, default_port) = match url.scheme() {
            "imaps" => (true, 993),
            "imap" => (false, 143),
            _ => return Err(bad("it must start with imaps:// (or imap:// for a server on this machine)")),
        };
        // Never echoed: it is a password.
        if url.password().is_some() {
            return Err(bad("it holds a password; give the password in its own setting"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it has a ?query or #fragment, which IMAP addresses do not use"));
        }
        let host = match url.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Domain(name)) if !name.is_empty() && !name.contains('%') => name.to_ascii_lowercase(),
            Some(Host::Domain(_)) => return Err(bad("its host is not a valid name")),
            None => return Err(bad("it names no host")),
        };
        let user = percent_decode(url.username()).ok_or_else(|| bad("its user name is not valid UTF-8"))?;
        if user.is_empty() {
            return Err(bad("it names no user (imaps://user@host/INBOX)"));
        }
        if user.chars().any(char::is_control) {
            return Err(bad("its user name holds a control character"));
        }
        let path = url.path().trim_start_matches('/').trim_end_matches('/');
        let mailbox = percent_decode(path).ok_or_else(|| bad("its mailbox name is not valid UTF-8"))?;
        // RFC 3501 5.1: INBOX is the one name that is case-insensitive; one spelling keeps the
        // key (and so the cursor) the same however it was written.
        let mailbox =
            if mailbox.is_empty() || mailbox.eq_ignore_ascii_case("inbox") { "INBOX".to_string() } else { mailbox };
        if !mailbox.is_ascii() {
            return Err(bad(
                "its mailbox name has letters outside ASCII; write it as the server spells it in modified UTF-7 (RFC 3501 5.1.3)",
            ));
        }
        if mailbox.chars().any(|c| c.is_ascii_control()) {
            return Err(bad("its mailbox name holds a control character"));
        }
        Ok(Address { tls, host, port: url.port().unwrap_or(default_port), user, mailbox })
    }

    /// `user@host:port/MAILBOX`.
    fn key(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!("{}@{host}:{}/{}", self.user, self.port, self.mailbox)
    }
}

/// Whether a host, as written, names this machine: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z),
/// localhost and names under .localhost (RFC 6761). What a name resolves to is checked again when
/// connecting.
fn is_loopback_name(host: &str) -> bool {
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => is_loopback_ip(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// `%XX` decoded; a `%` not followed by two hex digits is kept as it is (as browsers do). None
/// when the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let hex = |b: u8| (b as char).to_digit(16);
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%'
            && let (Some(high), Some(low)) =
                (bytes.get(at + 1).copied().and_then(hex), bytes.get(at + 2).copied().and_then(hex))
        {
            out.push((high * 16 + low) as u8);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Address, ImapError> {
        Address::parse(&Url::parse(text).expect("a URL"))
    }

    #[test]
    fn imaps_defaults_to_port_993_and_inbox() {
        let address = parse("imaps://ar%40example.test@mail.example.com").unwrap();
        assert_eq!(
            address,
            Address {
                tls: true,
                host: "mail.example.com".into(),
                port: 993,
                user: "ar@example.test".into(),
                mailbox: "INBOX".into()
            }
        );
        assert_eq!(address.key(), "ar@example.test@mail.example.com:993/INBOX");
    }

    #[test]
    fn imap_defaults_to_port_143() {
        let address = parse("imap://ar@127.0.0.1/INBOX").unwrap();
        assert!(!address.tls);
        assert_eq!(address.port, 143);
        assert_eq!(address.host, "127.0.0.1");
    }

    #[test]
    fn a_port_and_a_mailbox_are_read_from_the_url() {
        let address = parse("imaps://ar@Mail.Example.COM:1993/Lists%2FAR/").unwrap();
        assert_eq!((address.host.as_str(), address.port), ("mail.example.com", 1993));
        assert_eq!(address.mailbox, "Lists/AR");
        assert_eq!(parse("imaps://ar@h/Archive/2026").unwrap().mailbox, "Archive/2026");
        assert_eq!(parse("imaps://ar@h/Reply%20Inbox").unwrap().mailbox, "Reply Inbox");
    }

    #[test]
    fn inbox_is_one_mailbox_however_it_is_spelt() {
        for url in ["imaps://ar@h", "imaps://ar@h/", "imaps://ar@h/inbox", "imaps://ar@h/InBox"] {
            assert_eq!(parse(url).unwrap().mailbox, "INBOX", "{url}");
        }
    }

    #[test]
    fn an_at_in_the_user_name_may_be_written_plainly_or_encoded() {
        assert_eq!(parse("imaps://ar%40example.test@h/").unwrap().user, "ar@example.test");
        assert_eq!(parse("imaps://ar@example.test@h/").unwrap().user, "ar@example.test");
    }

    #[test]
    fn ipv6_hosts_lose_their_brackets_and_keep_them_in_the_key() {
        let address = parse("imap://ar@[::1]:1430/INBOX").unwrap();
        assert_eq!(address.host, "::1");
        assert_eq!(address.key(), "ar@[::1]:1430/INBOX");
    }

    #[test]
    fn unusable_urls_are_refused_in_words() {
        for url in [
            "https://ar@h/INBOX",
            "imaps://h/INBOX",
            "imaps://ar@h/INBOX?tls=none",
            "imaps://ar@h/INBOX#x",
            "imaps://ar@h/Bo%C3%AEte",
            "imaps://ar@h/%FF",
            "imaps://ar%0A@h/INBOX",
        ] {
            assert!(matches!(parse(url), Err(ImapError::BadUrl { .. })), "{url}");
        }
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_being_repeated() {
        let error = parse("imaps://ar:hunter2@h/INBOX").unwrap_err();
        assert!(matches!(error, ImapError::BadUrl { .. }));
        assert!(!error.to_string().contains("hunter2"), "{error}");
        let settings = MailboxSettings {
            url: Url::parse("imaps://ar:hunter2@h/INBOX").unwrap(),
            password: Secret::new("s3cret"),
            ca_file: None,
            trusted_network: false,
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for host in
            ["127.0.0.1", "127.5.6.7", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST.", "mail.localhost"]
        {
            assert!(is_loopback_name(host), "{host}");
        }
        for host in ["10.0.0.1", "0.0.0.0", "::", "192.168.1.2", "example.com", "localhost.example.com", "notlocalhost"]
        {
            assert!(!is_loopback_name(host), "{host}");
        }
    }

    #[test]
    fn percent_decoding_keeps_stray_percent_signs() {
        assert_eq!(percent_decode("a%41b").as_deref(), Some("aAb"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%FF"), None);
    }

    #[tokio::test]
    async fn plain_imap_to_another_machine_is_refused_before_connecting() {
        let settings = MailboxSettings {
            url: Url::parse("imap://ar@imap.example.com/INBOX").unwrap(),
            password: Secret::new("s3cret"),
            ca_file: None,
            trusted_network: false,
        };
        let error = Session::open(&settings).await.unwrap_err();
        assert!(matches!(&error, ImapError::PlainImapNotLoopback { host } if host == "imap.example.com"), "{error}");
    }

    #[tokio::test]
    async fn a_ca_file_that_holds_no_certificate_is_refused_before_connecting() {
        let path =
            std::env::temp_dir().join(format!("collectiq-imap-ca-{}-{}.pem", std::process::id(), fastrand::u32(..)));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let settings = MailboxSettings {
            // Port 9 (discard) on TEST-NET-1: nothing must be dialled for this to fail.
            url: Url::parse("imaps://ar@192.0.2.1:9/INBOX").unwrap(),
            password: Secret::new("s3cret"),
            ca_file: Some(path.clone()),
            trusted_network: false,
        };
        let error = Session::open(&settings).await.unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(matches!(error, ImapError::CaFile { .. }), "{error}");
    }

    #[test]
    fn every_error_has_help_and_none_names_the_password() {
        let errors = [
            ImapError::Login { user: "ar@example.test".into() },
            ImapError::PasswordUnsendable,
            ImapError::PlainImapNotLoopback { host: "imap.example.com".into() },
        ];
        for error in errors {
            assert!(!error.help().is_empty());
            assert!(!error.to_string().contains("s3cret"));
        }
    }
}
