//! Where emails go: an SMTP server (`COLLECTIQ_SMTP_URL`: `smtp://host:port` for plain loopback,
//! `smtp://host:587?tls=required` for STARTTLS, `smtps://host:465` for TLS; credentials from
//! `COLLECTIQ_SMTP_USERNAME` and `COLLECTIQ_SMTP_PASSWORD`), or a folder that keeps each message
//! as a `.eml` file named by its Message-ID (the demo's capture).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::email::{RenderedEmail, message};
use crate::secret::Secret;

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// Why a message was not sent, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Mailer {
    /// An SMTP mailer for `url`. The credentials, if any, never appear in errors.
    pub fn smtp(url: &str, username: Option<String>, password: Option<Secret>) -> Result<Mailer, String> {
        crate::net::install_tls_provider();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| format!("COLLECTIQ_SMTP_URL is not a usable SMTP address: {error}"))?
            .timeout(Some(Duration::from_secs(30)));
        if let (Some(username), Some(password)) = (username, password) {
            builder = builder.credentials(Credentials::new(username, password.expose().to_string()));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    pub fn folder(path: &Path) -> Result<Mailer, String> {
        std::fs::create_dir_all(path).map_err(|error| format!("cannot create {}: {error}", path.display()))?;
        Ok(Mailer::Folder(path.to_path_buf()))
    }

    pub async fn send(&self, email: &RenderedEmail) -> Result<(), SendError> {
        let message = message(email).map_err(|error| SendError { permanent: true, message: error.to_string() })?;
        match self {
            Mailer::Smtp(transport) => transport.send(message).await.map(|_| ()).map_err(|error| SendError {
                permanent: error.is_permanent(),
                message: format!("the SMTP server did not take the email: {error}"),
            }),
            Mailer::Folder(folder) => {
                // Written whole under a temporary name, then renamed: a file is there complete or not at all.
                let name: String = email.message_id.chars().filter(|c| c.is_ascii_alphanumeric()).take(32).collect();
                let path = folder.join(format!("{name}.eml"));
                let partial = folder.join(format!(".{name}.eml.partial"));
                std::fs::write(&partial, message.formatted()).and_then(|_| std::fs::rename(&partial, &path)).map_err(
                    |error| SendError {
                        permanent: false,
                        message: format!("cannot write {}: {error}", path.display()),
                    },
                )
            }
        }
    }
}
