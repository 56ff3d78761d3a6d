//! Configuration: `collectiq.toml`, overridden by `COLLECTIQ_*` environment variables, overridden
//! by flags. Secrets (the client secret, the webhook key) come only from the environment or from
//! a file only its owner can read, never from `collectiq.toml`.
//!
//! ```toml
//! database = "collectiq.db"
//! key_file = "/srv/collectiq/keys/token.key"   # seals the Xero tokens; ~/.config/collectiq/token.key by default
//!
//! [xero]
//! client_id = "…"
//! url = "http://127.0.0.1:4000"   # one base URL for all three hosts (the sandbox), or:
//! # login_url = "https://login.xero.com"
//! # identity_url = "https://identity.xero.com"
//! # api_url = "https://api.xero.com"
//! write_history = true            # ask for the scopes that write history notes
//! notes = "both"                  # where a consolidated email's notes go: "contact", "invoice" or "both"
//!
//! [xero.limits]                   # what CollectIQ allows itself per organisation
//! per_minute = 60
//! per_day = 5000
//! concurrent = 5
//! window_seconds = 60             # the "minute" (tests shorten it, with the sandbox's)
//!
//! [webhooks]
//! listen = "127.0.0.1:8787"
//!
//! [email]
//! from = "ar@acme.example"         # when a strategy names no sender
//! name = "Acme Accounts"
//! smtp_url = "smtp://127.0.0.1:2525"
//! sessions = 4                     # SMTP sessions used at once
//! # capture = "outbox"             # keep emails as .eml files instead of sending them
//! # locale = "en-GB"               # how money and dates are written; the organisation's country's by default
//! # [email.dkim]                   # sign every message (docs/email.md; `collectiq doctor` prints the DNS record)
//! # domain = "acme.example"
//! # selector = "mail2026"
//! # key_file = "/etc/collectiq/dkim.pem"   # openssl genrsa 2048, or openssl genpkey -algorithm ed25519
//!
//! [inbox]                          # the mailbox replies go to (docs/inbox.md)
//! url = "imaps://ar%40acme.example@mail.acme.example/INBOX"   # password: COLLECTIQ_IMAP_PASSWORD(_FILE)
//! # ca_file = "/etc/collectiq/mail-ca.pem"   # a private CA
//! # trusted_network = true         # plain imap:// beyond this machine (the password goes in the clear)
//! poll_minutes = 5                 # how often autopilot looks (it waits with IMAP IDLE when offered)
//! # [[inbox.mailboxes]]            # or one per organisation
//! # organisation = "Acme Ltd"
//! # url = "imaps://ar%40acme.example@mail.acme.example/INBOX"
//! # password_env = "COLLECTIQ_IMAP_PASSWORD_ACME"
//!
//! [page]                           # customers' pages (docs/customer-page.md)
//! base_url = "https://pay.acme.example"      # where the links point
//! # key_file = "/srv/collectiq/keys/page.key"  # signs the links; page.key beside the token key by default
//! link_days = 60                   # how long a link opens
//! max_promise_days = 30            # how far ahead a customer may promise to pay
//! # uploads_dir = "/srv/collectiq/uploads"   # remittances customers send; beside the database by default
//! # trusted_proxies = ["127.0.0.1"]          # whose X-Forwarded-For names the customer's address
//! # colour = "#1d4ed8"             # the pages' accent colour
//! # logo_file = "/srv/collectiq/logo.png"    # PNG, JPEG or SVG shown at the top of the pages
//!
//! [rates.bank_of_england]         # late-payment reference rates over the shipped table (docs/email.md)
//! "2026-H2" = "3.75"               # percent, quoted; also [rates.ecb_main_refinancing], [rates.basiszinssatz]
//!
//! [runtime]
//! strategies = ["strategies/acme.strategy"]
//! freshness_minutes = 15
//! patience_minutes = 15            # the longest an email waits on Xero (an online link, fresh data)
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secret::key_file::default_path;
use crate::secret::{Secret, SecretFileError, read_secret_file};

pub const DEFAULT_FILE: &str = "collectiq.toml";
pub const DEFAULT_DATABASE: &str = "collectiq.db";
pub const XERO_LOGIN: &str = "https://login.xero.com";
pub const XERO_IDENTITY: &str = "https://identity.xero.com";
pub const XERO_API: &str = "https://api.xero.com";
/// The sandbox's public client, used when CollectIQ is pointed at one base URL without a client id.
pub const SANDBOX_CLIENT_ID: &str = "collectiq-sandbox";

#[derive(Clone, Debug)]
pub struct Config {
    pub database: PathBuf,
    /// The key that seals the OAuth tokens in the database (`COLLECTIQ_KEY_FILE`, `key_file`, or
    /// `token.key` in the configuration folder); none when there is nowhere to put it.
    pub key_file: Option<PathBuf>,
    pub xero: XeroConfig,
    pub webhooks: WebhookConfig,
    pub email: EmailConfig,
    pub runtime: RuntimeConfig,
    pub inbox: InboxConfig,
    pub page: PageConfig,
    /// Late-payment reference rates laid over the shipped table: reference → half-year →
    /// percent, as written (`decide::late_payment::RateTable::with_overrides` checks the names).
    pub rates: RateOverrides,
}

/// `[rates.<reference>]` tables: `"2026-H2" = "3.75"`.
pub type RateOverrides = std::collections::BTreeMap<String, std::collections::BTreeMap<String, rust_decimal::Decimal>>;

/// The customers' pages (docs/customer-page.md).
#[derive(Clone, Debug)]
pub struct PageConfig {
    /// Where the pages are reached from the internet: links are made under it.
    pub base_url: Option<url::Url>,
    /// The key that signs the links (`COLLECTIQ_PAGE_KEY_FILE`, `[page] key_file`, else
    /// `page.key` beside the token key).
    pub key_file: Option<PathBuf>,
    /// How long a link opens, from the email it was sent in.
    pub link_days: u32,
    /// How far ahead of today a customer may promise to pay.
    pub max_promise_days: u32,
    /// Where remittances customers send are kept: outside anything served.
    pub uploads_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` is believed (the customer's address for rate limits).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The pages' accent colour, `#rgb` or `#rrggbb`.
    pub colour: Option<String>,
    /// The logo shown at the top of the pages.
    pub logo_file: Option<PathBuf>,
}

/// How far ahead a promise may go when the configuration says nothing.
pub const DEFAULT_MAX_PROMISE_DAYS: u32 = 30;

/// The `[page]` settings past the base URL and key, each checked.
fn page_config(
    file: FilePage,
    base_url: Option<url::Url>,
    key_file: Option<PathBuf>,
    database: &Path,
) -> Result<PageConfig, ConfigError> {
    let mut trusted_proxies = Vec::new();
    for proxy in &file.trusted_proxies {
        let address = proxy.trim().parse::<std::net::IpAddr>().map_err(|_| ConfigError::BadValue {
            name: "[page] trusted_proxies".into(),
            value: proxy.clone(),
            expected: "an IP address, such as \"127.0.0.1\" or \"::1\"",
        })?;
        trusted_proxies.push(address);
    }
    if let Some(colour) = &file.colour {
        let hex = colour.strip_prefix('#').unwrap_or("");
        if !matches!(hex.len(), 3 | 6) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConfigError::BadValue {
                name: "[page] colour".into(),
                value: colour.clone(),
                expected: "a colour written #rgb or #rrggbb, such as \"#1d4ed8\"",
            });
        }
        // Buttons and the header carry white text on it: WCAG AA asks 4.5:1 for text that size.
        if contrast_with_white(hex) < 4.5 {
            return Err(ConfigError::BadValue {
                name: "[page] colour".into(),
                value: colour.clone(),
                expected: "dark enough for white text on it to be read (WCAG AA, 4.5:1); choose a darker shade",
            });
        }
    }
    let uploads_dir =
        file.uploads_dir.unwrap_or_else(|| database.parent().unwrap_or(Path::new(".")).join("collectiq-uploads"));
    Ok(PageConfig {
        base_url,
        key_file,
        link_days: file.link_days.unwrap_or(DEFAULT_LINK_DAYS).clamp(1, 3650),
        max_promise_days: file.max_promise_days.unwrap_or(DEFAULT_MAX_PROMISE_DAYS).clamp(1, 365),
        uploads_dir,
        trusted_proxies,
        colour: file.colour,
        logo_file: file.logo_file,
    })
}

/// `[email] locale` as written, checked: a locale CLDR has money and date formats for.
fn email_locale(tag: Option<String>) -> Result<Option<crate::ledger::locale::Locale>, ConfigError> {
    let Some(tag) = tag else { return Ok(None) };
    crate::ledger::locale::Locale::parse(&tag).map(Some).map_err(|_| ConfigError::BadValue {
        name: "[email] locale".into(),
        value: tag,
        expected: "a language and a country such as en-GB, en-US, de-DE or fr-FR",
    })
}

/// `[email.dkim]` as written, checked: a domain and selector DNS can hold.
fn dkim_settings(dkim: Option<DkimSettings>) -> Result<Option<DkimSettings>, ConfigError> {
    let Some(dkim) = dkim else { return Ok(None) };
    let label_ok = |text: &str| {
        !text.is_empty()
            && text.split('.').all(|label| {
                !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    for (name, value) in [("[email.dkim] domain", &dkim.domain), ("[email.dkim] selector", &dkim.selector)] {
        if !label_ok(value) {
            return Err(ConfigError::BadValue {
                name: name.into(),
                value: value.clone(),
                expected: "a DNS name of letters, digits, hyphens and dots, such as \"acme.example\" or \"mail2026\"",
            });
        }
    }
    Ok(Some(dkim))
}

/// The contrast ratio of white against a colour written `rgb` or `rrggbb` (WCAG 2's formula).
fn contrast_with_white(hex: &str) -> f64 {
    let channel = |i: usize| -> f64 {
        let text = if hex.len() == 3 { hex[i..=i].repeat(2) } else { hex[2 * i..2 * i + 2].to_string() };
        let value = f64::from(u8::from_str_radix(&text, 16).unwrap_or(0)) / 255.0;
        if value <= 0.040_45 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    1.05 / (luminance + 0.05)
}

/// Days a link opens when the configuration says nothing.
pub const DEFAULT_LINK_DAYS: u32 = 60;

/// The mailboxes replies go to.
#[derive(Clone, Debug, Default)]
pub struct InboxConfig {
    pub mailboxes: Vec<MailboxConfig>,
    /// How often autopilot reads them.
    pub poll: std::time::Duration,
}

#[derive(Clone, Debug)]
pub struct MailboxConfig {
    /// `imaps://user@host[:port]/MAILBOX`, or `imap://` on loopback.
    pub url: url::Url,
    pub password: Option<Secret>,
    pub ca_file: Option<PathBuf>,
    /// The organisation whose replies come here, when each has its own.
    pub organisation: Option<String>,
    /// Plain `imap://` allowed beyond this machine: the operator trusts the network between.
    pub trusted_network: bool,
}

/// How often autopilot reads the inbox when the configuration says nothing.
pub const DEFAULT_INBOX_POLL_MINUTES: u32 = 5;

#[derive(Clone, Debug, Default)]
pub struct EmailConfig {
    /// The sender when a strategy names none.
    pub from: Option<String>,
    pub name: Option<String>,
    pub smtp_url: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    /// Write emails to this folder instead of sending them.
    pub capture: Option<PathBuf>,
    /// How many SMTP sessions may be open, and sending, at once.
    pub sessions: usize,
    /// `[email.dkim]`: sign every message for this domain.
    pub dkim: Option<DkimSettings>,
    /// The locale emails write money and dates in (`en-GB`), over each organisation's own.
    pub locale: Option<crate::ledger::locale::Locale>,
}

/// `[email.dkim]`: which domain signs, with which selector and key (docs/email.md).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimSettings {
    pub domain: String,
    pub selector: String,
    pub key_file: PathBuf,
}

impl DkimSettings {
    /// Where the public key's TXT record is published: `SELECTOR._domainkey.DOMAIN` (RFC 6376).
    pub fn record_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }
}

/// SMTP sessions used at once when the configuration says nothing.
pub const DEFAULT_SMTP_SESSIONS: usize = 4;

#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// The strategies `run` applies when none is given.
    pub strategies: Vec<PathBuf>,
    /// How recent a sync must be for an email to go without checking its invoices again.
    pub freshness: jiff::SignedDuration,
    /// The longest an email waits on Xero for something it may go without (its online-invoice
    /// link), or for fresh data before its organisation's batch waits for the next run.
    pub patience: std::time::Duration,
}

#[derive(Clone, Debug)]
pub struct XeroConfig {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub hosts: XeroHosts,
    /// Whether to ask for the scopes that write history notes back to Xero.
    pub write_history: bool,
    pub limits: ClientLimits,
    /// Where the history notes of an email about several invoices go.
    pub notes: NotePlaces,
}

/// Where history notes go (`[xero] notes`): on the contact, on each invoice, or both. Whether
/// to write them at all is the strategy's (`Log every email and call to Xero.`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotePlaces {
    Contact,
    Invoice,
    #[default]
    Both,
}

impl NotePlaces {
    pub fn on_contact(self) -> bool {
        matches!(self, NotePlaces::Contact | NotePlaces::Both)
    }

    pub fn on_invoices(self) -> bool {
        matches!(self, NotePlaces::Invoice | NotePlaces::Both)
    }
}

/// Where Xero's three hosts are; one base URL for the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XeroHosts {
    pub login: String,
    pub identity: String,
    pub api: String,
}

impl XeroHosts {
    pub fn single(base: &str) -> XeroHosts {
        let base = base.trim_end_matches('/').to_string();
        XeroHosts { login: base.clone(), identity: base.clone(), api: base }
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/identity/connect/authorize", self.login)
    }

    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.identity)
    }

    pub fn revocation_url(&self) -> String {
        format!("{}/connect/revocation", self.identity)
    }

    pub fn connections_url(&self) -> String {
        format!("{}/connections", self.api)
    }

    pub fn accounting_url(&self, path: &str) -> String {
        format!("{}/api.xro/2.0/{path}", self.api)
    }
}

impl Default for XeroHosts {
    fn default() -> Self {
        XeroHosts { login: XERO_LOGIN.into(), identity: XERO_IDENTITY.into(), api: XERO_API.into() }
    }
}

/// What CollectIQ allows itself per organisation; Xero's own limits by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientLimits {
    pub per_minute: u32,
    pub per_day: u32,
    pub concurrent: u32,
    /// The length of the "minute" `per_minute` counts in: Xero's is 60 seconds.
    pub window_seconds: u64,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits { per_minute: 60, per_day: 5_000, concurrent: 5, window_seconds: 60 }
    }
}

impl ClientLimits {
    pub fn window(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.window_seconds.max(1))
    }
}

#[derive(Clone, Debug)]
pub struct WebhookConfig {
    pub listen: SocketAddr,
    pub key: Option<Secret>,
}

/// What flags override.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub database: Option<PathBuf>,
}

#[derive(Debug)]
pub enum ConfigError {
    Unreadable { path: String, reason: std::io::Error },
    Invalid { path: String, reason: Box<toml::de::Error> },
    SecretInFile { path: String, key: &'static str, variable: &'static str },
    BadUrl { name: String, value: String },
    BadAddress { name: String, value: String },
    BadImapUrl { name: String, value: String },
    PasswordInUrl { name: String },
    BadValue { name: String, value: String, expected: &'static str },
    Secret(SecretFileError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable { path, reason } => write!(f, "cannot read {path}: {reason}"),
            ConfigError::Invalid { path, reason } => write!(f, "{path} is not valid: {reason}"),
            ConfigError::SecretInFile { path, key, variable } => write!(
                f,
                "{path} holds `{key}`, but secrets do not belong in the configuration file: set {variable}, or {variable}_FILE to a file only you can read"
            ),
            ConfigError::BadUrl { name, value } => {
                write!(f, "{name} is \"{value}\", which is not an http or https address")
            }
            ConfigError::BadAddress { name, value } => {
                write!(f, "{name} is \"{value}\", which is not an address and port such as 127.0.0.1:8787")
            }
            ConfigError::BadImapUrl { name, value } => write!(
                f,
                "{name} is \"{value}\", which is not a mailbox address such as imaps://ar%40acme.example@mail.acme.example/INBOX (imaps:// or imap://, a user, a host)"
            ),
            ConfigError::PasswordInUrl { name } => write!(
                f,
                "{name} holds a password, but secrets do not belong there: set COLLECTIQ_IMAP_PASSWORD (or COLLECTIQ_IMAP_PASSWORD_FILE) and leave it out of the address"
            ),
            ConfigError::BadValue { name, value, expected } => {
                write!(f, "{name} holds \"{value}\", which is not {expected}")
            }
            ConfigError::Secret(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<PathBuf>,
    key_file: Option<PathBuf>,
    #[serde(default)]
    xero: FileXero,
    #[serde(default)]
    webhooks: FileWebhooks,
    #[serde(default)]
    email: FileEmail,
    #[serde(default)]
    runtime: FileRuntime,
    #[serde(default)]
    inbox: FileInbox,
    #[serde(default)]
    page: FilePage,
    #[serde(default)]
    rates: RateOverrides,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePage {
    base_url: Option<String>,
    key_file: Option<PathBuf>,
    link_days: Option<u32>,
    max_promise_days: Option<u32>,
    uploads_dir: Option<PathBuf>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    colour: Option<String>,
    logo_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInbox {
    url: Option<String>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    trusted_network: bool,
    poll_minutes: Option<u32>,
    #[serde(default)]
    mailboxes: Vec<FileMailbox>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMailbox {
    url: String,
    organisation: Option<String>,
    ca_file: Option<PathBuf>,
    /// The environment variable holding this mailbox's password (else COLLECTIQ_IMAP_PASSWORD).
    password_env: Option<String>,
    trusted_network: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEmail {
    from: Option<String>,
    name: Option<String>,
    smtp_url: Option<String>,
    smtp_username: Option<String>,
    capture: Option<PathBuf>,
    sessions: Option<usize>,
    dkim: Option<DkimSettings>,
    locale: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRuntime {
    #[serde(default)]
    strategies: Vec<PathBuf>,
    freshness_minutes: Option<u32>,
    patience_minutes: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileXero {
    client_id: Option<String>,
    url: Option<String>,
    login_url: Option<String>,
    identity_url: Option<String>,
    api_url: Option<String>,
    write_history: Option<bool>,
    limits: Option<ClientLimits>,
    notes: Option<NotePlaces>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhooks {
    listen: Option<String>,
}

/// Secrets someone might put in the file by mistake, and where they belong instead.
const SECRETS: &[(&str, &str, &str)] = &[
    ("xero", "client_secret", "COLLECTIQ_XERO_CLIENT_SECRET"),
    ("email", "smtp_password", "COLLECTIQ_SMTP_PASSWORD"),
    ("email", "password", "COLLECTIQ_SMTP_PASSWORD"),
    ("webhooks", "key", "COLLECTIQ_WEBHOOK_KEY"),
    ("webhooks", "webhook_key", "COLLECTIQ_WEBHOOK_KEY"),
    ("inbox", "password", "COLLECTIQ_IMAP_PASSWORD"),
];

impl Config {
    /// Reads the configuration from the process environment.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        Config::load_with(overrides, &|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration with `env` standing in for the environment.
    pub fn load_with(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let explicit = overrides.config_file.clone().or_else(|| env("COLLECTIQ_CONFIG").map(PathBuf::from));
        let file = match &explicit {
            Some(path) => read_file(path)?,
            None if Path::new(DEFAULT_FILE).exists() => read_file(Path::new(DEFAULT_FILE))?,
            None => FileConfig::default(),
        };
        let database = overrides
            .database
            .clone()
            .or_else(|| env("COLLECTIQ_DB").map(PathBuf::from))
            .or(file.database)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATABASE));
        let key_file = env("COLLECTIQ_KEY_FILE").map(PathBuf::from).or(file.key_file).or_else(|| default_path(env));
        let xero = xero_config(file.xero, env)?;
        let listen_text = env("COLLECTIQ_WEBHOOK_LISTEN").or(file.webhooks.listen).unwrap_or("127.0.0.1:8787".into());
        let listen = listen_text
            .parse()
            .map_err(|_| ConfigError::BadAddress { name: "the webhook listen address".into(), value: listen_text })?;
        let key = secret(env, "COLLECTIQ_WEBHOOK_KEY")?;
        let email = EmailConfig {
            from: env("COLLECTIQ_EMAIL_FROM").or(file.email.from),
            name: file.email.name,
            smtp_url: env("COLLECTIQ_SMTP_URL").or(file.email.smtp_url),
            smtp_username: env("COLLECTIQ_SMTP_USERNAME").or(file.email.smtp_username),
            smtp_password: secret(env, "COLLECTIQ_SMTP_PASSWORD")?,
            capture: env("COLLECTIQ_EMAIL_CAPTURE").map(PathBuf::from).or(file.email.capture),
            sessions: file.email.sessions.unwrap_or(DEFAULT_SMTP_SESSIONS).clamp(1, 32),
            dkim: dkim_settings(file.email.dkim)?,
            locale: email_locale(file.email.locale)?,
        };
        let strategies = match env("COLLECTIQ_STRATEGY") {
            Some(path) => vec![PathBuf::from(path)],
            None => file.runtime.strategies,
        };
        let freshness = jiff::SignedDuration::from_mins(i64::from(file.runtime.freshness_minutes.unwrap_or(15)));
        let patience = std::time::Duration::from_secs(60 * u64::from(file.runtime.patience_minutes.unwrap_or(15)));
        let inbox = inbox_config(file.inbox, env)?;
        let base_url = match env("COLLECTIQ_PAGE_BASE_URL").or(file.page.base_url.clone()) {
            Some(value) => Some(
                url::Url::parse(&checked_url("the page base URL ([page] base_url)", &value)?)
                    .map_err(|_| ConfigError::BadUrl { name: "[page] base_url".into(), value })?,
            ),
            None => None,
        };
        let page_key = env("COLLECTIQ_PAGE_KEY_FILE").map(PathBuf::from).or(file.page.key_file.clone()).or_else(|| {
            key_file
                .as_ref()
                .map(|token| token.parent().unwrap_or(Path::new(".")).join(crate::secret::page_key::FILE_NAME))
        });
        let page = page_config(file.page, base_url, page_key, &database)?;
        let rates = file.rates;
        Ok(Config {
            database,
            key_file,
            xero,
            webhooks: WebhookConfig { listen, key },
            email,
            runtime: RuntimeConfig { strategies, freshness, patience },
            inbox,
            page,
            rates,
        })
    }
}

fn inbox_config(file: FileInbox, env: &dyn Fn(&str) -> Option<String>) -> Result<InboxConfig, ConfigError> {
    let shared_password = secret(env, "COLLECTIQ_IMAP_PASSWORD")?;
    let mut mailboxes = Vec::new();
    if let Some(url) = env("COLLECTIQ_IMAP_URL").or(file.url) {
        mailboxes.push(MailboxConfig {
            url: imap_url("COLLECTIQ_IMAP_URL", &url)?,
            password: shared_password.clone(),
            ca_file: env("COLLECTIQ_IMAP_CA_FILE").map(PathBuf::from).or(file.ca_file.clone()),
            organisation: None,
            trusted_network: file.trusted_network,
        });
    }
    for mailbox in file.mailboxes {
        let password = match &mailbox.password_env {
            Some(variable) => secret(env, variable)?,
            None => shared_password.clone(),
        };
        let url = imap_url("an [[inbox.mailboxes]] url", &mailbox.url)?;
        // The shared CA is for TLS; a plain loopback mailbox has no use for it.
        let shared_ca = file.ca_file.clone().filter(|_| url.scheme() == "imaps");
        mailboxes.push(MailboxConfig {
            url,
            password,
            ca_file: mailbox.ca_file.or(shared_ca),
            organisation: mailbox.organisation,
            trusted_network: mailbox.trusted_network.unwrap_or(file.trusted_network),
        });
    }
    let minutes = file.poll_minutes.unwrap_or(DEFAULT_INBOX_POLL_MINUTES).clamp(1, 24 * 60);
    Ok(InboxConfig { mailboxes, poll: std::time::Duration::from_secs(60 * u64::from(minutes)) })
}

fn imap_url(name: &str, value: &str) -> Result<url::Url, ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if url.password().is_some() => Err(ConfigError::PasswordInUrl { name: name.to_string() }),
        Ok(url) if matches!(url.scheme(), "imap" | "imaps") && url.host().is_some() && !url.username().is_empty() => {
            Ok(url)
        }
        _ => Err(ConfigError::BadImapUrl { name: name.to_string(), value: without_password(value) }),
    }
}

/// A URL as it may be shown: any password in it replaced.
fn without_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(_) => value.to_string(),
        // Unreadable as a URL: whatever stands between `://` and the last `@` may be a password.
        Err(_) => match (value.find("://"), value.rfind('@')) {
            (Some(start), Some(end)) if end > start + 3 => format!("{}***{}", &value[..start + 3], &value[end..]),
            _ => value.to_string(),
        },
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|reason| ConfigError::Unreadable { path: shown.clone(), reason })?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|reason| ConfigError::Invalid { path: shown.clone(), reason: Box::new(reason) })?;
    for (section, key, variable) in SECRETS {
        if table.get(*section).and_then(|s| s.get(*key)).is_some() {
            return Err(ConfigError::SecretInFile { path: shown, key, variable });
        }
    }
    toml::from_str(&text).map_err(|reason| ConfigError::Invalid { path: shown, reason: Box::new(reason) })
}

fn xero_config(file: FileXero, env: &dyn Fn(&str) -> Option<String>) -> Result<XeroConfig, ConfigError> {
    let single = env("COLLECTIQ_XERO_URL").or(file.url.clone());
    let mut hosts = match &single {
        Some(base) => XeroHosts::single(&checked_url("COLLECTIQ_XERO_URL", base)?),
        None => XeroHosts::default(),
    };
    for (variable, from_file, host) in [
        ("COLLECTIQ_XERO_LOGIN_URL", file.login_url, &mut hosts.login),
        ("COLLECTIQ_XERO_IDENTITY_URL", file.identity_url, &mut hosts.identity),
        ("COLLECTIQ_XERO_API_URL", file.api_url, &mut hosts.api),
    ] {
        if let Some(value) = env(variable).or(from_file) {
            *host = checked_url(variable, &value)?.trim_end_matches('/').to_string();
        }
    }
    let client_id = env("COLLECTIQ_XERO_CLIENT_ID")
        .or(file.client_id)
        .or_else(|| single.is_some().then(|| SANDBOX_CLIENT_ID.to_string()));
    Ok(XeroConfig {
        client_id,
        client_secret: secret(env, "COLLECTIQ_XERO_CLIENT_SECRET")?,
        hosts,
        write_history: file.write_history.unwrap_or(true),
        limits: file.limits.unwrap_or_default(),
        notes: file.notes.unwrap_or_default(),
    })
}

fn checked_url(name: &str, value: &str) -> Result<String, ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(value.to_string()),
        _ => Err(ConfigError::BadUrl { name: name.to_string(), value: value.to_string() }),
    }
}

/// A secret from `NAME`, or from the file `NAME_FILE` names.
fn secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<Secret>, ConfigError> {
    if let Some(value) = env(name) {
        return Ok(Some(Secret::new(value)));
    }
    match env(&format!("{name}_FILE")) {
        Some(path) => read_secret_file(Path::new(&path)).map(Some).map_err(ConfigError::Secret),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(vars: &[(&str, &str)], file: Option<&str>) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut overrides = Overrides::default();
        let dir = std::env::temp_dir().join(format!("collectiq-config-{}-{}", std::process::id(), fastrand::u64(..)));
        if let Some(text) = file {
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("collectiq.toml");
            std::fs::write(&path, text).unwrap();
            overrides.config_file = Some(path);
        } else {
            overrides.config_file = Some(PathBuf::from("/nonexistent/collectiq.toml"));
        }
        // Without a file of its own, a test reads an empty one.
        if file.is_none() && !vars.contains_key("MISSING") {
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("collectiq.toml");
            std::fs::write(&path, "").unwrap();
            overrides.config_file = Some(path);
        }
        let result = Config::load_with(&overrides, &|name| vars.get(name).cloned());
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    #[test]
    fn the_batch_settings_are_read_and_a_wrong_note_place_is_named() {
        let defaults = load(&[], Some("")).unwrap();
        assert_eq!(defaults.xero.notes, NotePlaces::Both);
        assert_eq!(defaults.email.sessions, DEFAULT_SMTP_SESSIONS);
        assert_eq!(defaults.runtime.patience, std::time::Duration::from_secs(15 * 60));
        assert_eq!(defaults.xero.limits.window(), std::time::Duration::from_secs(60));
        let file = "[xero]\nnotes = \"contact\"\n[xero.limits]\nwindow_seconds = 6\n[email]\nsessions = 2\n[runtime]\npatience_minutes = 0\n";
        let config = load(&[], Some(file)).unwrap();
        assert_eq!(config.xero.notes, NotePlaces::Contact);
        assert_eq!(config.xero.limits.window(), std::time::Duration::from_secs(6));
        assert_eq!(config.xero.limits.per_minute, 60, "the rest of the limits keep Xero's");
        assert_eq!(config.email.sessions, 2);
        assert_eq!(config.runtime.patience, std::time::Duration::ZERO);
        let wrong = load(&[], Some("[xero]\nnotes = \"everywhere\"\n")).err().unwrap().to_string();
        assert!(wrong.contains("everywhere") && wrong.contains("contact"), "{wrong}");
    }

    #[test]
    fn the_email_locale_is_read_and_a_wrong_one_is_named() {
        assert_eq!(load(&[], Some("")).unwrap().email.locale, None);
        let german = load(&[], Some("[email]\nlocale = \"de-DE\"\n")).unwrap();
        assert_eq!(german.email.locale.map(|l| l.tag().to_string()).as_deref(), Some("de-DE"));
        let wrong = load(&[], Some("[email]\nlocale = \"German please\"\n")).err().unwrap().to_string();
        assert!(wrong.contains("[email] locale holds \"German please\"") && wrong.contains("en-GB"), "{wrong}");
    }

    #[test]
    fn the_inbox_is_one_mailbox_or_one_per_organisation_with_passwords_from_the_environment() {
        assert!(load(&[], Some("")).unwrap().inbox.mailboxes.is_empty());
        let file = "[inbox]\nurl = \"imaps://ar%40acme.example@mail.acme.example/INBOX\"\nca_file = \"ca.pem\"\npoll_minutes = 2\n\
                    [[inbox.mailboxes]]\norganisation = \"Acme\"\nurl = \"imap://ar@127.0.0.1:1143/INBOX\"\npassword_env = \"ACME_IMAP\"\n\
                    [[inbox.mailboxes]]\nurl = \"imap://ar@mail.lan/INBOX\"\ntrusted_network = true\n";
        let config =
            load(&[("COLLECTIQ_IMAP_PASSWORD", "shared-secret"), ("ACME_IMAP", "acme-secret")], Some(file)).unwrap();
        let [shared, acme, lan] = &config.inbox.mailboxes[..] else { panic!("{:?}", config.inbox.mailboxes) };
        assert_eq!(config.inbox.poll, std::time::Duration::from_secs(120));
        assert_eq!(shared.password.as_ref().map(|p| p.expose()), Some("shared-secret"));
        assert_eq!(shared.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(acme.password.as_ref().map(|p| p.expose()), Some("acme-secret"));
        assert_eq!(acme.organisation.as_deref(), Some("Acme"));
        assert_eq!(acme.ca_file, None, "the shared CA is for imaps:// only");
        assert!(lan.trusted_network && !shared.trusted_network);
        let with_password =
            load(&[], Some("[inbox]\nurl = \"imaps://ar:hunter2@mail.example/INBOX\"\n")).err().unwrap();
        assert!(!with_password.to_string().contains("hunter2"), "{with_password}");
        assert!(matches!(with_password, ConfigError::PasswordInUrl { .. }));
        let not_imap = load(&[], Some("[inbox]\nurl = \"https://mail.example/INBOX\"\n")).err().unwrap();
        assert!(matches!(not_imap, ConfigError::BadImapUrl { .. }), "{not_imap}");
        let in_file = load(&[], Some("[inbox]\npassword = \"x\"\n")).err().unwrap().to_string();
        assert!(in_file.contains("COLLECTIQ_IMAP_PASSWORD"), "{in_file}");
    }

    #[test]
    fn the_page_colour_must_carry_white_text() {
        assert!(contrast_with_white("1d4ed8") >= 4.5, "the default accent");
        assert!(contrast_with_white("000") > 20.0);
        assert!(contrast_with_white("ffff00") < 4.5);
        let light = load(&[], Some("[page]\ncolour = \"#ffd700\"\n")).err().unwrap();
        assert!(light.to_string().contains("dark enough for white text"), "{light}");
        let bad = load(&[], Some("[page]\ncolour = \"blue\"\n")).err().unwrap();
        assert!(bad.to_string().contains("#rgb or #rrggbb"), "{bad}");
        let proxy = load(&[], Some("[page]\ntrusted_proxies = [\"10.0.0.300\"]\n")).err().unwrap();
        assert!(proxy.to_string().contains("IP address"), "{proxy}");
        let fine = load(&[], Some("[page]\ncolour = \"#063\"\ntrusted_proxies = [\"::1\"]\nmax_promise_days = 14\n"));
        let page = fine.unwrap().page;
        assert_eq!((page.colour.as_deref(), page.max_promise_days), (Some("#063"), 14));
    }

    #[test]
    fn the_page_key_is_beside_the_token_key_unless_told() {
        let config = load(&[("COLLECTIQ_KEY_FILE", "/srv/keys/token.key")], Some("")).unwrap();
        assert_eq!(config.page.key_file, Some(PathBuf::from("/srv/keys/page.key")));
        assert_eq!((config.page.base_url, config.page.link_days), (None, DEFAULT_LINK_DAYS));
        let file = "[page]\nbase_url = \"https://pay.acme.example\"\nkey_file = \"/k/p.key\"\nlink_days = 30\n";
        let config = load(&[], Some(file)).unwrap();
        assert_eq!(config.page.base_url.unwrap().as_str(), "https://pay.acme.example/");
        assert_eq!((config.page.key_file, config.page.link_days), (Some(PathBuf::from("/k/p.key")), 30));
        let wrong = load(&[], Some("[page]\nbase_url = \"pay.acme.example\"\n")).err().unwrap();
        assert!(matches!(wrong, ConfigError::BadUrl { .. }), "{wrong}");
    }

    #[test]
    fn defaults_point_at_xero() {
        let config = load(&[], Some("")).unwrap();
        assert_eq!(config.database, PathBuf::from("collectiq.db"));
        assert_eq!(config.xero.hosts.token_url(), "https://identity.xero.com/connect/token");
        assert_eq!(config.xero.hosts.authorize_url(), "https://login.xero.com/identity/connect/authorize");
        assert_eq!(config.xero.client_id, None);
        assert_eq!(config.xero.limits, ClientLimits::default());
        assert_eq!(config.key_file, None, "nowhere to put it without HOME");
    }

    #[test]
    fn the_key_file_is_in_the_configuration_folder_unless_told() {
        let home = load(&[("HOME", "/home/ar")], Some("")).unwrap();
        assert_eq!(home.key_file, Some(PathBuf::from("/home/ar/.config/collectiq/token.key")));
        let file = load(&[("HOME", "/home/ar")], Some("key_file = \"/srv/keys/token.key\"\n")).unwrap();
        assert_eq!(file.key_file, Some(PathBuf::from("/srv/keys/token.key")));
        let env = load(&[("HOME", "/home/ar"), ("COLLECTIQ_KEY_FILE", "/run/key")], Some("key_file = \"/srv/k\"\n"));
        assert_eq!(env.unwrap().key_file, Some(PathBuf::from("/run/key")));
    }

    #[test]
    fn one_base_url_serves_every_host_and_the_environment_wins() {
        let file = "database = \"from-file.db\"\n[xero]\nclient_id = \"file-id\"\n[xero.limits]\nper_minute = 600\n";
        let config =
            load(&[("COLLECTIQ_XERO_URL", "http://127.0.0.1:4000/"), ("COLLECTIQ_DB", "env.db")], Some(file)).unwrap();
        assert_eq!(config.database, PathBuf::from("env.db"));
        assert_eq!(config.xero.hosts.connections_url(), "http://127.0.0.1:4000/connections");
        assert_eq!(config.xero.hosts.accounting_url("Invoices"), "http://127.0.0.1:4000/api.xro/2.0/Invoices");
        assert_eq!(config.xero.client_id.as_deref(), Some("file-id"));
        assert_eq!(config.xero.limits.per_minute, 600);
        assert_eq!(config.xero.limits.concurrent, 5);
        let sandbox = load(&[("COLLECTIQ_XERO_URL", "http://127.0.0.1:4000")], None).unwrap();
        assert_eq!(sandbox.xero.client_id.as_deref(), Some(SANDBOX_CLIENT_ID));
    }

    #[test]
    fn secrets_in_the_file_are_refused_by_name() {
        let error = load(&[], Some("[xero]\nclient_secret = \"abc123\"\n")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("COLLECTIQ_XERO_CLIENT_SECRET"), "{message}");
        assert!(!message.contains("abc123"), "{message}");
    }

    #[test]
    fn mistakes_are_named() {
        let typo = load(&[], Some("[xero]\nclientid = \"x\"\n")).unwrap_err().to_string();
        assert!(typo.contains("clientid"), "{typo}");
        let url = load(&[("COLLECTIQ_XERO_URL", "localhost:4000")], None).unwrap_err().to_string();
        assert!(url.contains("COLLECTIQ_XERO_URL") && url.contains("not an http"), "{url}");
        let listen = load(&[("COLLECTIQ_WEBHOOK_LISTEN", "everywhere")], None).unwrap_err().to_string();
        assert!(listen.contains("everywhere"), "{listen}");
        let missing = load(&[("MISSING", "1")], None).unwrap_err().to_string();
        assert!(missing.contains("/nonexistent/collectiq.toml"), "{missing}");
    }

    #[test]
    fn secrets_come_from_the_environment() {
        let config =
            load(&[("COLLECTIQ_XERO_CLIENT_SECRET", "shh"), ("COLLECTIQ_WEBHOOK_KEY", "k")], Some("")).unwrap();
        assert_eq!(config.xero.client_secret.unwrap().expose(), "shh");
        assert_eq!(config.webhooks.key.unwrap().expose(), "k");
        let error = load(&[("COLLECTIQ_WEBHOOK_KEY_FILE", "/nonexistent/key")], Some("")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/key"));
    }

    #[test]
    fn rate_overrides_are_read_as_written_quoted_or_not() {
        let config = load(&[], Some("[rates.bank_of_england]\n\"2026-H2\" = \"3.75\"\n\"2027-H1\" = 3.5\n")).unwrap();
        let boe = &config.rates["bank_of_england"];
        assert_eq!(boe["2026-H2"].to_string(), "3.75");
        assert_eq!(boe["2027-H1"].to_string(), "3.5");
        assert!(load(&[], Some("")).unwrap().rates.is_empty());
    }
}
