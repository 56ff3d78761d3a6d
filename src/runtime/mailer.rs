//! Where emails go: an SMTP server (`COLLECTIQ_SMTP_URL`: `smtp://host:port` for plain loopback,
//! `smtp://host:587?tls=required` for STARTTLS, `smtps://host:465` for TLS; credentials from
//! `COLLECTIQ_SMTP_USERNAME` and `COLLECTIQ_SMTP_PASSWORD`), or a folder that keeps each message
//! as a `.eml` file named by its Message-ID (the demo's capture).
//!
//! The SMTP session is lettre's protocol over a socket this module opens itself, with
//! `TCP_NODELAY` set: lettre writes a message's final `\r\n.\r\n` as a write of its own, and with
//! Nagle's algorithm on, that small packet waits for the server's delayed acknowledgement of the
//! body (about 40 ms on loopback). A process killed meanwhile still has it sent by the kernel: the
//! server takes a message the outbox never hears was taken. With the delay gone the window
//! between "the message is complete on the wire" and "recorded as sent" is the server's answer
//! and one commit. Sessions are pooled: up to `[email] sessions` are open and sending at once
//! (organisations deliver side by side), each carrying one message at a time and each watched
//! on its own, so the guarantees hold for every session.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::dkim::Signer;
use super::email::{RenderedEmail, message};
use crate::secret::Secret;
use crate::store::attachments::EmailAttachment;

/// How long connecting, and each exchange with the server, may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where emails go, and the DKIM signer (if any) each is signed with on its way.
pub struct Mailer {
    route: Route,
    signer: Option<Signer>,
}

enum Route {
    Smtp(Box<SmtpMailer>),
    Folder(PathBuf),
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    /// Plain text (for loopback).
    Plain,
    /// STARTTLS, and refuse to send without it.
    StartTls,
    /// STARTTLS when the server offers it.
    StartTlsIfOffered,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

pub struct SmtpMailer {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    sessions: Vec<tokio::sync::Mutex<Session>>,
    /// One permit per session: a message waits here until a session is free.
    free: tokio::sync::Semaphore,
}

/// One SMTP session of the pool: its connection (opened when first needed) and when its last
/// message's final dot left, for the window it spends before being recorded.
#[derive(Default)]
struct Session {
    connection: Option<AsyncSmtpConnection>,
    written: Arc<Mutex<Option<Instant>>>,
}

/// Why a message was not sent, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
    /// The message was complete on the wire before the failure (the server's answer was lost):
    /// the server may have taken it.
    pub maybe_sent: bool,
}

impl SendError {
    /// A message that no server will take as it is (it cannot even be written out); the reason
    /// is kept in the outbox for the operator.
    fn permanent(why: &dyn std::fmt::Display) -> SendError {
        SendError { permanent: true, message: why.to_string(), maybe_sent: false }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why no mailer could be set up from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("COLLECTIQ_SMTP_URL is not a usable SMTP address: {0}")]
    UnreadableUrl(#[from] url::ParseError),
    #[error("COLLECTIQ_SMTP_URL is not a usable SMTP address: {scheme}:// (use smtp:// or smtps://)")]
    Scheme { scheme: String },
    #[error("COLLECTIQ_SMTP_URL is not a usable SMTP address: tls={value} (use required, opportunistic or none)")]
    Tls { value: String },
    #[error("COLLECTIQ_SMTP_URL is not a usable SMTP address: it names no host")]
    NoHost,
    #[error("cannot create {}: {cause}", path.display())]
    Folder { path: PathBuf, cause: std::io::Error },
}

impl MailerError {
    pub fn help(&self) -> Option<String> {
        match self {
            MailerError::Folder { .. } => Some("check [email] capture and the folder's permissions".into()),
            _ => Some("write it as smtp://host:port?tls=required or smtps://host:port; credentials go in COLLECTIQ_SMTP_USERNAME and COLLECTIQ_SMTP_PASSWORD".into()),
        }
    }
}

impl Mailer {
    /// An SMTP mailer for `url` using up to `sessions` sessions at once. The credentials, if any,
    /// never appear in errors.
    pub fn smtp(
        url: &str,
        username: Option<String>,
        password: Option<Secret>,
        sessions: usize,
    ) -> Result<Mailer, MailerError> {
        crate::net::install_tls_provider();
        let parsed = url::Url::parse(url)?;
        let tls = parsed.query_pairs().find(|(name, _)| name == "tls").map(|(_, value)| value.into_owned());
        let security = match (parsed.scheme(), tls.as_deref()) {
            ("smtps", _) => Security::Tls,
            ("smtp", Some("required")) => Security::StartTls,
            ("smtp", Some("opportunistic")) => Security::StartTlsIfOffered,
            ("smtp", None | Some("none")) => Security::Plain,
            ("smtp", Some(other)) => return Err(MailerError::Tls { value: other.into() }),
            (scheme, _) => return Err(MailerError::Scheme { scheme: scheme.into() }),
        };
        let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or(MailerError::NoHost)?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = parsed.port().unwrap_or(if security == Security::Tls { 465 } else { 25 });
        let credentials = match (username, password) {
            (Some(username), Some(password)) => Some(Credentials::new(username, password.expose().to_string())),
            _ => None,
        };
        let smtp = Route::Smtp(Box::new(SmtpMailer {
            host,
            port,
            security,
            credentials,
            sessions: (0..sessions.max(1)).map(|_| tokio::sync::Mutex::new(Session::default())).collect(),
            free: tokio::sync::Semaphore::new(sessions.max(1)),
        }));
        Ok(Mailer { route: smtp, signer: None })
    }

    pub fn folder(path: &Path) -> Result<Mailer, MailerError> {
        std::fs::create_dir_all(path).map_err(|cause| MailerError::Folder { path: path.to_path_buf(), cause })?;
        Ok(Mailer { route: Route::Folder(path.to_path_buf()), signer: None })
    }

    /// The same mailer, signing every message with `signer` (DKIM) as it is sent.
    pub fn signed_with(self, signer: Signer) -> Mailer {
        Mailer { signer: Some(signer), ..self }
    }

    /// Sends one message; gives, over SMTP, when its final dot was written. It is signed here,
    /// as it leaves, so that the signature's time and Date agree on every attempt.
    pub async fn send(&self, email: &RenderedEmail, files: &[EmailAttachment]) -> Result<Option<Instant>, SendError> {
        let mut message = message(email, files).map_err(|error| SendError::permanent(&error))?;
        if let Some(signer) = &self.signer {
            signer.sign(&mut message);
        }
        match &self.route {
            Route::Smtp(smtp) => smtp.send(&message).await,
            Route::Folder(folder) => {
                // Written whole under a temporary name, then renamed: a file is there complete or not at all.
                let name: String = email.message_id.chars().filter(|c| c.is_ascii_alphanumeric()).take(32).collect();
                let path = folder.join(format!("{name}.eml"));
                let partial = folder.join(format!(".{name}.eml.partial"));
                std::fs::write(&partial, message.formatted())
                    .and_then(|_| std::fs::rename(&partial, &path))
                    .map(|_| None)
                    .map_err(|error| SendError {
                        permanent: false,
                        message: format!("cannot write {}: {error}", path.display()),
                        maybe_sent: false,
                    })
            }
        }
    }

    /// Says goodbye to the SMTP server on every open session.
    pub async fn close(&self) {
        if let Route::Smtp(smtp) = &self.route {
            for session in &smtp.sessions {
                if let Some(mut connection) = session.lock().await.connection.take() {
                    let _ = tokio::time::timeout(TIMEOUT, connection.quit()).await;
                }
            }
        }
    }
}

impl SmtpMailer {
    async fn send(&self, message: &lettre::Message) -> Result<Option<Instant>, SendError> {
        let _permit = self.free.acquire().await.expect("the pool's semaphore is never closed");
        // With a permit in hand, some session is free; a closed one is opened.
        let mut session = match self.sessions.iter().find_map(|session| session.try_lock().ok()) {
            Some(session) => session,
            None => self.sessions[0].lock().await,
        };
        let session = &mut *session;
        let written = session.written.clone();
        *written.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let dot_written = || *written.lock().unwrap_or_else(|p| p.into_inner());
        let connection = match session.connection.take() {
            Some(connection) if !connection.has_broken() => connection,
            _ => self.connect(written.clone()).await?,
        };
        let connection = session.connection.insert(connection);
        let sent = tokio::time::timeout(TIMEOUT, connection.send(message.envelope(), &message.formatted())).await;
        match sent {
            Ok(Ok(_)) => Ok(dot_written()),
            Ok(Err(error)) => {
                // lettre ends a session after a refusal; a broken one is not used again.
                if connection.has_broken() {
                    session.connection.take();
                }
                Err(SendError {
                    permanent: error.is_permanent(),
                    message: format!("the SMTP server did not take the email: {error}"),
                    // A refusal is an answer; only a lost one leaves the outcome open.
                    maybe_sent: dot_written().is_some() && !error.is_permanent() && !error.is_transient(),
                })
            }
            Err(_) => {
                session.connection.take();
                Err(SendError {
                    permanent: false,
                    message: "the SMTP server did not answer in time".into(),
                    maybe_sent: dot_written().is_some(),
                })
            }
        }
    }

    async fn connect(&self, written: Arc<Mutex<Option<Instant>>>) -> Result<AsyncSmtpConnection, SendError> {
        let failed = |what: String| SendError {
            permanent: false,
            message: format!("cannot reach the SMTP server: {what}"),
            maybe_sent: false,
        };
        let address = (self.host.as_str(), self.port);
        let tcp = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(address))
            .await
            .map_err(|_| failed(format!("{}:{} did not answer in time", self.host, self.port)))?
            .map_err(|error| failed(format!("{}:{}: {error}", self.host, self.port)))?;
        tcp.set_nodelay(true).map_err(|error| failed(format!("cannot set TCP_NODELAY: {error}")))?;
        let watched = Watched { inner: tcp, dot_written: false, written };
        let hello = ClientId::default();
        let tls = || TlsParameters::new(self.host.clone()).map_err(|error| failed(format!("TLS: {error}")));
        let stream: Box<dyn AsyncTokioStream> = match self.security {
            Security::Tls => {
                Box::new(implicit_tls::connect(watched, tls()?).await.map_err(|error| failed(format!("TLS: {error}")))?)
            }
            _ => Box::new(watched),
        };
        let mut connection = tokio::time::timeout(TIMEOUT, AsyncSmtpConnection::connect_with_transport(stream, &hello))
            .await
            .map_err(|_| failed("no greeting in time".into()))?
            .map_err(|error| failed(format!("the greeting failed: {error}")))?;
        let offered = connection.can_starttls();
        match self.security {
            Security::StartTls if !offered => {
                return Err(failed("the server does not offer STARTTLS, which tls=required asks for".into()));
            }
            Security::StartTls | Security::StartTlsIfOffered if offered => {
                tokio::time::timeout(TIMEOUT, connection.starttls(tls()?, &hello))
                    .await
                    .map_err(|_| failed("STARTTLS did not finish in time".into()))?
                    .map_err(|error| failed(format!("STARTTLS: {error}")))?;
            }
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            tokio::time::timeout(TIMEOUT, connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials))
                .await
                .map_err(|_| failed("signing in did not finish in time".into()))?
                .map_err(|error| SendError {
                    permanent: error.is_permanent(),
                    message: format!("the SMTP server refused the credentials: {error}"),
                    maybe_sent: false,
                })?;
        }
        Ok(connection)
    }
}

/// The socket, watched for the moment a message's final dot has been written: a fail point for
/// crash tests, and the start of the window that ends when the outbox records the message sent.
#[derive(Debug)]
struct Watched {
    inner: tokio::net::TcpStream,
    dot_written: bool,
    written: Arc<Mutex<Option<Instant>>>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        // lettre writes the end of a message on its own: `\r\n.\r\n`.
        if matches!(written, Poll::Ready(Ok(5))) && buf == b"\r\n.\r\n" {
            self.dot_written = true;
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let flushed = Pin::new(&mut self.inner).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) && std::mem::take(&mut self.dot_written) {
            *self.written.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
            crate::failpoint::pass("smtp:data-written");
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Watched {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.inner.peer_addr()
    }
}

/// TLS from the first byte over our own socket: lettre's stream, upgraded before the greeting,
/// seen through Tokio's traits (lettre's implicit TLS would open a socket we cannot set up).
#[allow(deprecated)]
mod implicit_tls {
    use super::*;
    use futures_util::io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
    use lettre::transport::smtp::client::AsyncNetworkStream;

    #[derive(Debug)]
    pub struct ImplicitTls(AsyncNetworkStream);

    pub async fn connect(socket: Watched, tls: TlsParameters) -> Result<ImplicitTls, lettre::transport::smtp::Error> {
        let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(socket));
        stream.upgrade_tls(tls).await?;
        Ok(ImplicitTls(stream))
    }

    impl AsyncRead for ImplicitTls {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            let unfilled = buf.initialize_unfilled();
            match Pin::new(&mut self.0).poll_read(cx, unfilled) {
                Poll::Ready(Ok(read)) => {
                    buf.advance(read);
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl AsyncWrite for ImplicitTls {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.0).poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.0).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.0).poll_close(cx)
        }
    }

    impl AsyncTokioStream for ImplicitTls {
        fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
            self.0.peer_addr()
        }
    }
}
