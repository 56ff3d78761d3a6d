//! `inbox fetch` and autopilot's watch: each configured mailbox read after its cursor, one
//! message at a time, each stored with the cursor moved in the same transaction.

use std::time::Duration;

use jiff::Timestamp;

use super::imap::{ImapError, MailboxSettings, Session};
use super::import::{Imported, Importer};
use crate::config::{InboxConfig, MailboxConfig};
use crate::store::inbox::MailboxCursor;
use crate::store::{Store, StoreError};

/// On a mailbox's first read, replies older than this many days are history.
const FIRST_READ_DAYS: i64 = 14;

/// What reading one mailbox did.
#[derive(Debug, Default)]
pub struct MailboxReport {
    pub mailbox: String,
    pub stored: u32,
    pub already: u32,
    pub own: u32,
    pub too_large: u32,
    /// Why the mailbox could not be read (to the end), if it could not.
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct FetchReport {
    pub mailboxes: Vec<MailboxReport>,
}

impl FetchReport {
    pub fn failed(&self) -> bool {
        self.mailboxes.is_empty() || self.mailboxes.iter().any(|m| m.error.is_some())
    }

    pub fn lines(&self) -> Vec<String> {
        if self.mailboxes.is_empty() {
            return vec!["No mailbox to read: set [inbox] url in collectiq.toml (docs/inbox.md).".into()];
        }
        self.mailboxes
            .iter()
            .map(|m| {
                let counts = format!(
                    "{} stored, {} already stored, {} of our own ignored, {} too large to read",
                    m.stored, m.already, m.own, m.too_large
                );
                match &m.error {
                    Some(error) => format!("{}: {counts}; stopped: {error}", m.mailbox),
                    None => format!("{}: {counts}", m.mailbox),
                }
            })
            .collect()
    }
}

/// Why a mailbox was not read to the end.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "no password for {mailbox}: set COLLECTIQ_IMAP_PASSWORD (or COLLECTIQ_IMAP_PASSWORD_FILE, or the mailbox's password_env)"
    )]
    NoPassword { mailbox: String },
    #[error("{mailbox} is for the organisation \"{name}\", which is not connected")]
    NoSuchOrganisation { mailbox: String, name: String },
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads every configured mailbox once. A mailbox that fails is reported and the others are read;
/// only the store failing stops everything.
pub async fn fetch_all(config: &InboxConfig, importer: &Importer) -> Result<FetchReport, StoreError> {
    let mut report = FetchReport::default();
    for mailbox in &config.mailboxes {
        let mut read = MailboxReport { mailbox: shown(mailbox), ..MailboxReport::default() };
        match fetch_one(mailbox, importer, &mut read).await {
            Ok(session) => session.close().await,
            Err(FetchError::Store(error)) => return Err(error),
            Err(error) => read.error = Some(error.to_string()),
        }
        report.mailboxes.push(read);
    }
    Ok(report)
}

/// A mailbox's URL as it may be shown (no password).
fn shown(mailbox: &MailboxConfig) -> String {
    let mut url = mailbox.url.clone();
    let _ = url.set_password(None);
    url.to_string()
}

async fn open(mailbox: &MailboxConfig) -> Result<Session, FetchError> {
    let password = mailbox.password.clone().ok_or_else(|| FetchError::NoPassword { mailbox: shown(mailbox) })?;
    let settings = MailboxSettings {
        url: mailbox.url.clone(),
        password,
        ca_file: mailbox.ca_file.clone(),
        trusted_network: mailbox.trusted_network,
    };
    Ok(Session::open(&settings).await?)
}

async fn fetch_one(
    mailbox: &MailboxConfig,
    importer: &Importer,
    read: &mut MailboxReport,
) -> Result<Session, FetchError> {
    let importer = for_mailbox(mailbox, importer).await?;
    let mut session = open(mailbox).await?;
    read_new(&mut session, &importer, read).await?;
    Ok(session)
}

/// The importer for a mailbox: matching to its organisation's customers only, when it names one.
async fn for_mailbox(mailbox: &MailboxConfig, importer: &Importer) -> Result<Importer, FetchError> {
    let Some(name) = &mailbox.organisation else { return Ok(importer.clone()) };
    let organisations = importer.store().organisations().await?;
    let found = organisations
        .iter()
        .find(|o| o.organisation.name.eq_ignore_ascii_case(name) || o.organisation.tenant_id.to_string() == *name);
    match found {
        Some(record) => Ok(importer.scoped(record.organisation.tenant_id)),
        None => Err(FetchError::NoSuchOrganisation { mailbox: shown(mailbox), name: name.clone() }),
    }
}

/// Reads what came after the cursor. When the mailbox's UIDVALIDITY changed (it was recreated),
/// everything is read again; what was stored before is recognised and not stored twice.
async fn read_new(session: &mut Session, importer: &Importer, read: &mut MailboxReport) -> Result<(), FetchError> {
    let store: &Store = importer.store();
    let key = session.mailbox().to_string();
    let validity = session.uid_validity();
    let known = store.mailbox_cursor(key.clone()).await?;
    let after = known.map_or(0, |cursor| cursor.start_after(validity));
    // A mailbox never read before may hold years of mail: replies written before the last two
    // weeks are kept as history rather than pausing customers today.
    let history_before = known
        .is_none()
        .then(|| Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(24 * FIRST_READ_DAYS)).ok())
        .flatten();
    for uid in session.new_uids(after).await? {
        let cursor = MailboxCursor { uid_validity: validity, last_uid: uid };
        let source = format!("imap {key} uid {uid}");
        let now = Timestamp::now();
        match session.fetch(uid).await? {
            // Expunged meanwhile: nothing to read.
            None => store.move_mailbox_cursor(key.clone(), cursor).await?,
            Some(fetched) => match fetched.too_large {
                Some(size) => {
                    importer.refuse_too_large(&source, size, Some((key.clone(), cursor)), now).await?;
                    read.too_large += 1;
                }
                None => match importer
                    .import_with_history(&fetched.bytes, &source, Some((key.clone(), cursor)), now, history_before)
                    .await?
                {
                    Imported::New { .. } => read.stored += 1,
                    Imported::AlreadyHad { .. } => read.already += 1,
                    Imported::OurOwn => read.own += 1,
                },
            },
        }
    }
    Ok(())
}

/// Autopilot's watch over one mailbox: read, then wait for news (IDLE where offered, else the
/// poll interval), and again, until `stop` resolves. A failure is logged and the mailbox tried
/// again after the interval, on a new session.
pub async fn watch(
    mailbox: MailboxConfig,
    importer: Importer,
    poll: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let name = shown(&mailbox);
    loop {
        // Reading goes on until it fails (then a new session, after the interval) or is stopped.
        let reading = keep_reading(&mailbox, &importer, poll, &name);
        // Stopping drops the session where it is: the server sees the connection close.
        let failed = tokio::select! {
            Err(error) = reading => error,
            _ = stop.changed() => return,
        };
        tracing::warn!(mailbox = %name, error = %failed, "inbox: could not read the mailbox; trying again later");
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Reads a mailbox, then waits for news and reads again, for as long as nothing fails.
async fn keep_reading(
    mailbox: &MailboxConfig,
    importer: &Importer,
    poll: Duration,
    name: &str,
) -> Result<std::convert::Infallible, FetchError> {
    let importer = for_mailbox(mailbox, importer).await?;
    let mut session = open(mailbox).await?;
    let mut read = MailboxReport { mailbox: name.to_string(), ..MailboxReport::default() };
    loop {
        read_new(&mut session, &importer, &mut read).await?;
        if read.stored > 0 {
            tracing::info!(mailbox = %name, stored = read.stored, "inbox: messages stored");
            read.stored = 0;
        }
        session = session.wait_for_news(poll).await?;
    }
}
