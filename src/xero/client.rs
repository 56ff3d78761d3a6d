//! Calls to Xero's accounting API: every request carries the organisation's tenant id and
//! `Accept: application/json` (or `application/pdf`, for an invoice's PDF), waits its turn in the organisation's and the app's budgets, and
//! is retried when the failure is passing — 429 after `Retry-After`; 5xx, timeouts, dropped
//! connections and bodies cut short with jittered, growing, bounded backoff; a refused access
//! token once, with a fresh one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::budget::{Announced, Budget, Exhausted, Priority};
use super::tokens::{TokenError, TokenKeeper};
use super::wire::dates::format_http_date;
use crate::config::{ClientLimits, XeroHosts};
use crate::store::Store;

/// How retries are spaced: `base` doubling up to `cap`, each a random fraction of that (full
/// jitter), at most `attempts` tries in all.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// The longest `Retry-After` honoured; longer ones end the call with an error.
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            longest_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1 << attempt.min(16)).min(self.cap);
        ceiling.mul_f64(fastrand::f64()).max(Duration::from_millis(10))
    }
}

#[derive(Debug)]
pub enum ApiError {
    Token(TokenError),
    /// Xero will take no more calls for this organisation today.
    DayBudgetSpent,
    /// 403: the organisation is no longer connected, or a scope is missing.
    Forbidden(String),
    NotFound(String),
    /// 400: Xero refused the request, with its message.
    Rejected(String),
    /// Still failing after every retry.
    GaveUp {
        path: String,
        last: String,
    },
    /// A whole answer that does not read as what Xero documents.
    Unreadable {
        path: String,
        cause: serde_json::Error,
    },
    /// An answer that is not what Xero documents.
    Unexpected {
        path: String,
        why: String,
    },
}

impl ApiError {
    /// What to do about it, in plain words (the message already names what failed).
    pub fn help(&self) -> Option<String> {
        Some(match self {
            ApiError::Token(error) => return error.help(),
            ApiError::DayBudgetSpent => {
                "CollectIQ keeps within Xero's 5,000 calls a day; what waits goes tomorrow".into()
            }
            ApiError::Forbidden(_) => "run `collectiq connect` and approve the organisation again".into(),
            ApiError::NotFound(_) => "it was deleted in Xero since it was read; the next sync forgets it".into(),
            ApiError::Rejected(_) => "Xero's message says what it refused".into(),
            ApiError::GaveUp { .. } => "Xero did not answer in time; the next run tries again".into(),
            ApiError::Unreadable { .. } | ApiError::Unexpected { .. } => {
                "Xero answered with something CollectIQ does not read; the next sync tries again, and if it persists, report it with the path".into()
            }
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Token(error) => error.fmt(f),
            ApiError::DayBudgetSpent => {
                f.write_str("Xero's daily call limit for this organisation is used up; try again tomorrow")
            }
            ApiError::Forbidden(path) => write!(
                f,
                "Xero refused access to {path}: the organisation may have been disconnected, or a scope is missing; run `collectiq connect`"
            ),
            ApiError::NotFound(path) => write!(f, "Xero has no {path}"),
            ApiError::Rejected(message) => write!(f, "Xero refused the request: {message}"),
            ApiError::GaveUp { path, last } => write!(f, "{path} kept failing, the last time with: {last}"),
            ApiError::Unexpected { path, why } => write!(f, "Xero's answer to {path} was not as documented: {why}"),
            ApiError::Unreadable { path, cause } => write!(f, "Xero's answer to {path} was not as documented: {cause}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// One GET: the path under `/api.xro/2.0/`, the query, `If-Modified-Since`, and whether it can
/// wait for calls that cannot.
#[derive(Clone, Debug)]
pub struct Get {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub modified_since: Option<Timestamp>,
    pub priority: Priority,
}

impl Get {
    pub fn new(path: impl Into<String>) -> Get {
        Get { path: path.into(), query: Vec::new(), modified_since: None, priority: Priority::Now }
    }

    /// A call that leaves the budget's reserve to calls that cannot wait.
    pub fn in_background(mut self) -> Get {
        self.priority = Priority::Background;
        self
    }

    pub fn param(mut self, name: &str, value: impl ToString) -> Get {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    pub fn since(mut self, since: Option<Timestamp>) -> Get {
        self.modified_since = since;
        self
    }
}

/// What calls cost, for reports and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub calls: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

pub struct XeroClient {
    http: reqwest::Client,
    hosts: XeroHosts,
    tokens: Arc<TokenKeeper>,
    limits: ClientLimits,
    budgets: Mutex<HashMap<Uuid, Arc<Budget>>>,
    app: Budget,
    retry: RetryPolicy,
    counts: Mutex<HashMap<Uuid, CallCounts>>,
    ledger: CallLedger,
}

/// Where the calls spent are written down, so that every process counts against one day.
#[derive(Default)]
struct CallLedger {
    store: Mutex<Option<Store>>,
    /// Calls not yet written, per organisation, and when they were last written.
    unwritten: Mutex<HashMap<Uuid, (u32, std::time::Instant)>>,
}

/// Calls are written down at most this often per organisation (and when a run ends).
const WRITE_CALLS_EVERY: Duration = Duration::from_secs(2);

impl Drop for XeroClient {
    /// The calls spent since they were last written down count against the day too.
    fn drop(&mut self) {
        let Some(store) = self.ledger.store.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
        let unwritten = std::mem::take(&mut *self.ledger.unwritten.lock().unwrap_or_else(|p| p.into_inner()));
        let calls: Vec<(Uuid, u32)> =
            unwritten.into_iter().filter(|(_, (calls, _))| *calls > 0).map(|(t, (calls, _))| (t, calls)).collect();
        if calls.is_empty() {
            return;
        }
        let write = async move {
            for (tenant, calls) in calls {
                if let Err(error) = store.count_xero_calls(tenant, Timestamp::now(), calls).await {
                    tracing::warn!(%error, "could not count Xero calls in the store");
                }
            }
        };
        // On a thread and a runtime of its own, so that it is done before the client is gone,
        // whether or not it is dropped inside a runtime.
        let written = std::thread::spawn(move || match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime.block_on(write),
            Err(error) => tracing::warn!(%error, "the last Xero calls could not be counted in the store"),
        });
        if written.join().is_err() {
            tracing::warn!("the last Xero calls could not be counted in the store");
        }
    }
}

/// Why one attempt failed, and whether another may succeed.
enum Attempt {
    /// The request certainly did not reach Xero: safe to send again.
    Retry(String),
    /// It may or may not have been carried out (a 5xx, a timeout, an answer cut short): a read
    /// is asked again, a write is not, so that a history note is never written twice.
    Unsure(String),
    Wait(Duration, String),
    TokenRefused,
    Fail(ApiError),
}

impl XeroClient {
    pub fn new(hosts: XeroHosts, tokens: Arc<TokenKeeper>, limits: ClientLimits, retry: RetryPolicy) -> XeroClient {
        XeroClient {
            http: crate::net::client(Duration::from_secs(30)),
            hosts,
            tokens,
            limits,
            budgets: Mutex::new(HashMap::new()),
            app: Budget::with_window(10_000, None, None, limits.window()),
            retry,
            counts: Mutex::new(HashMap::new()),
            ledger: CallLedger::default(),
        }
    }

    /// Counts calls in the store: each organisation's budget starts from what was spent today
    /// (by any process), and what this process spends is added as it goes.
    pub fn keep_calls_in(&self, store: Store) {
        *self.ledger.store.lock().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    async fn budget(&self, tenant: Uuid) -> Arc<Budget> {
        let budgets = || self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(budget) = budgets().get(&tenant) {
            return budget.clone();
        }
        // Read from the store before taking the budgets' lock: never hold one lock while waiting
        // for the other.
        let spent = self.spent_earlier(tenant).await;
        budgets()
            .entry(tenant)
            .or_insert_with(|| {
                let budget = Budget::with_window(
                    self.limits.per_minute,
                    Some(self.limits.per_day),
                    Some(self.limits.concurrent),
                    self.limits.window(),
                );
                budget.spent_earlier(spent);
                Arc::new(budget)
            })
            .clone()
    }

    /// The calls the store remembers for the organisation today, as moments on this process's clock.
    async fn spent_earlier(&self, tenant: Uuid) -> Vec<tokio::time::Instant> {
        let Some(store) = self.ledger.store.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return Vec::new();
        };
        let now = Timestamp::now();
        let hours = store.xero_calls_in_day(tenant, now).await;
        let instant_now = tokio::time::Instant::now();
        let mut calls = Vec::new();
        for (end, count) in hours.unwrap_or_default() {
            let ago = now.duration_since(end).unsigned_abs();
            let at = instant_now.checked_sub(ago).unwrap_or(instant_now);
            calls.extend(std::iter::repeat_n(at, count as usize));
        }
        calls
    }

    /// Notes a call spent, and writes the organisation's unwritten calls down now and then.
    async fn spend(&self, tenant: Uuid) {
        let due = {
            let mut unwritten = self.ledger.unwritten.lock().unwrap_or_else(|p| p.into_inner());
            let entry = unwritten.entry(tenant).or_insert((0, std::time::Instant::now()));
            entry.0 += 1;
            entry.1.elapsed() >= WRITE_CALLS_EVERY
        };
        if due {
            self.write_calls_down(Some(tenant)).await;
        }
    }

    /// Writes down the calls not yet in the store (of one organisation, or all).
    pub async fn write_calls_down(&self, only: Option<Uuid>) {
        let Some(store) = self.ledger.store.lock().unwrap_or_else(|p| p.into_inner()).clone() else { return };
        let taken: Vec<(Uuid, u32)> = {
            let mut unwritten = self.ledger.unwritten.lock().unwrap_or_else(|p| p.into_inner());
            unwritten
                .iter_mut()
                .filter(|(tenant, (calls, _))| *calls > 0 && only.is_none_or(|only| only == **tenant))
                .map(|(tenant, entry)| {
                    let calls = std::mem::take(&mut entry.0);
                    entry.1 = std::time::Instant::now();
                    (*tenant, calls)
                })
                .collect()
        };
        let mut unwritten = Vec::new();
        for (tenant, calls) in taken {
            if let Err(error) = store.count_xero_calls(tenant, Timestamp::now(), calls).await {
                tracing::warn!(%error, "could not count Xero calls in the store; kept for the next try");
                unwritten.push((tenant, calls));
            }
        }
        let mut kept = self.ledger.unwritten.lock().unwrap_or_else(|p| p.into_inner());
        for (tenant, calls) in unwritten {
            kept.entry(tenant).or_insert((0, std::time::Instant::now())).0 += calls;
        }
    }

    /// How many calls the organisation has spent in the last day, as far as this process knows.
    pub async fn spent_today(&self, tenant: Uuid) -> usize {
        self.budget(tenant).await.spent_today()
    }

    /// The organisation's day limit.
    pub fn per_day(&self) -> u32 {
        self.limits.per_day
    }

    fn count(&self, tenant: Uuid, change: impl FnOnce(&mut CallCounts)) {
        change(self.counts.lock().unwrap_or_else(|p| p.into_inner()).entry(tenant).or_default());
    }

    pub fn counts(&self, tenant: Uuid) -> CallCounts {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).get(&tenant).copied().unwrap_or_default()
    }

    /// GETs a JSON answer, retrying passing failures.
    pub async fn get<T: DeserializeOwned>(&self, tenant: Uuid, grant: i64, get: &Get) -> Result<T, ApiError> {
        self.send(tenant, grant, Method::GET, get, None, JSON, read_json).await
    }

    /// An invoice's PDF as Xero renders it (`GET /Invoices/{id}` with `Accept: application/pdf`),
    /// in the same budgets and with the same retries as any other call. It can wait for calls
    /// that cannot (an email's attachment is fetched when the email is decided, not sent).
    pub async fn invoice_pdf(&self, tenant: Uuid, grant: i64, invoice_id: Uuid) -> Result<Vec<u8>, ApiError> {
        let get = Get::new(format!("Invoices/{invoice_id}")).in_background();
        self.send(tenant, grant, Method::GET, &get, None, PDF, read_pdf).await
    }

    /// PUTs a JSON body once: retried only when it certainly did not arrive (a refused
    /// connection, a 429, a refused token), never when it may have been carried out. History
    /// notes are the only writes CollectIQ makes, and they can wait: writes are background calls.
    pub async fn put<T: DeserializeOwned>(
        &self,
        tenant: Uuid,
        grant: i64,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_vec(body).unwrap_or_default();
        self.send(tenant, grant, Method::PUT, &Get::new(path).in_background(), Some(body), JSON, read_json).await
    }

    /// One call, retried: `accept` is the answer asked for, `read` turns its bytes into `T` (or
    /// says the answer was cut short, and it is asked again).
    #[allow(clippy::too_many_arguments)]
    async fn send<T>(
        &self,
        tenant: Uuid,
        grant: i64,
        method: Method,
        get: &Get,
        body: Option<Vec<u8>>,
        accept: &'static str,
        read: fn(&str, &[u8]) -> Result<T, Attempt>,
    ) -> Result<T, ApiError> {
        let budget = self.budget(tenant).await;
        let mut token = self.tokens.access_token(grant).await.map_err(ApiError::Token)?;
        let mut replaced_token = false;
        let mut last = String::new();
        for attempt in 0..self.retry.attempts {
            let outcome = {
                let _slot = budget.admit_as(get.priority).await.map_err(|Exhausted::Day| ApiError::DayBudgetSpent)?;
                let _app = self.app.admit().await.map_err(|Exhausted::Day| ApiError::DayBudgetSpent)?;
                self.count(tenant, |c| c.calls += 1);
                self.spend(tenant).await;
                self.attempt(tenant, &budget, &method, get, body.as_deref(), token.expose(), accept)
                    .await
                    .and_then(|bytes| read(&get.path, &bytes))
            };
            match outcome {
                Ok(bytes) => return Ok(bytes),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::TokenRefused) if !replaced_token => {
                    replaced_token = true;
                    token = self.tokens.replace(grant, &token).await.map_err(ApiError::Token)?;
                    last = "the access token was refused".into();
                    continue;
                }
                Err(Attempt::TokenRefused) => {
                    return Err(ApiError::Token(TokenError::NeedsReconnect(
                        "Xero refuses even a fresh access token".into(),
                    )));
                }
                Err(Attempt::Wait(wait, why)) => {
                    if wait > self.retry.longest_wait {
                        return Err(ApiError::GaveUp { path: get.path.clone(), last: why });
                    }
                    self.count(tenant, |c| c.rate_limited += 1);
                    budget.hold(wait);
                    last = why;
                }
                Err(Attempt::Unsure(why)) if method != Method::GET => {
                    return Err(ApiError::GaveUp { path: get.path.clone(), last: why });
                }
                Err(Attempt::Retry(why) | Attempt::Unsure(why)) => {
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    last = why;
                }
            }
            self.count(tenant, |c| c.retries += 1);
        }
        Err(ApiError::GaveUp { path: get.path.clone(), last })
    }

    /// One try: the answer's bytes, or what to do about its failure.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        tenant: Uuid,
        budget: &Budget,
        method: &Method,
        get: &Get,
        body: Option<&[u8]>,
        token: &str,
        accept: &'static str,
    ) -> Result<Vec<u8>, Attempt> {
        let mut request = self
            .http
            .request(method.clone(), self.hosts.accounting_url(&get.path))
            .query(&get.query)
            .bearer_auth(token)
            .header("xero-tenant-id", tenant.to_string())
            .header("accept", accept);
        if let Some(since) = get.modified_since {
            request = request.header("if-modified-since", format_http_date(since));
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_vec());
        }
        let response = request.send().await.map_err(|error| {
            let why = crate::net::describe(&error);
            if error.is_connect() { Attempt::Retry(why) } else { Attempt::Unsure(why) }
        })?;
        let status = response.status();
        let announced = Announced::from_headers(response.headers());
        budget.observe(announced.minute, announced.day);
        self.app.observe(announced.app_minute, None);
        match status {
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(60);
                let problem = response
                    .headers()
                    .get("x-rate-limit-problem")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("unknown")
                    .to_string();
                if problem == "day" {
                    return Err(Attempt::Fail(ApiError::DayBudgetSpent));
                }
                Err(Attempt::Wait(Duration::from_secs(wait), format!("429 ({problem} limit)")))
            }
            StatusCode::UNAUTHORIZED => Err(Attempt::TokenRefused),
            StatusCode::FORBIDDEN => Err(Attempt::Fail(ApiError::Forbidden(get.path.clone()))),
            StatusCode::NOT_FOUND => Err(Attempt::Fail(ApiError::NotFound(get.path.clone()))),
            StatusCode::BAD_REQUEST => {
                let text = response.text().await.unwrap_or_default();
                let message = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("Message").and_then(|m| m.as_str()).map(str::to_string))
                    .unwrap_or_else(|| "400 Bad Request".to_string());
                Err(Attempt::Fail(ApiError::Rejected(message)))
            }
            status if status.is_server_error() => Err(Attempt::Unsure(format!("{status} from Xero"))),
            status if status.is_success() => {
                let bytes = response.bytes().await.map_err(|error| Attempt::Unsure(crate::net::describe(&error)))?;
                Ok(bytes.to_vec())
            }
            status => Err(Attempt::Fail(ApiError::Rejected(format!("unexpected {status}")))),
        }
    }
}

const JSON: &str = "application/json";
const PDF: &str = "application/pdf";

fn read_json<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, Attempt> {
    serde_json::from_slice(bytes).map_err(|error| {
        if error.is_eof() || error.is_syntax() {
            // A body cut short: ask again rather than keep half an answer.
            Attempt::Unsure(format!("the answer was cut short ({error})"))
        } else {
            Attempt::Fail(ApiError::Unreadable { path: path.to_owned(), cause: error })
        }
    })
}

/// A PDF is taken whole or not at all: it starts `%PDF-` and its last lines hold `%%EOF`
/// (a body cut short lacks it, and is asked for again).
fn read_pdf(path: &str, bytes: &[u8]) -> Result<Vec<u8>, Attempt> {
    if !bytes.starts_with(b"%PDF-") {
        let why = "the answer is not a PDF".to_owned();
        return Err(Attempt::Fail(ApiError::Unexpected { path: path.to_owned(), why }));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(Attempt::Unsure("the PDF was cut short (no %%EOF at its end)".to_owned()));
    }
    Ok(bytes.to_vec())
}
