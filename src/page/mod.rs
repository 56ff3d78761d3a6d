//! The customer's own page, behind the signed link in every email: their open invoices, credits
//! and totals, a Pay now link per invoice, and three answers (I'll pay on a day, I dispute this,
//! I've already paid). Server-rendered HTML that works without JavaScript, plain forms posted
//! and redirected (303) to a page that shows the result, each form carrying a token against
//! cross-site requests. Served by `autopilot` and `collectiq serve` on their listener
//! (docs/customer-page.md).
//!
//! A link opens only when its signature holds, its row says what it grants, and it is neither
//! expired nor revoked; anything else is the same friendly 404, reached by the same work, so
//! that neither the body nor the time taken tells whether a customer exists. Every invoice a
//! form names must be an open invoice of the link's own customer.

pub mod answers;
pub mod headers;
pub mod limits;
pub mod remittance;
pub mod view;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use jiff::civil::Date;
use minijinja::Environment;
use tracing::{error, info};
use uuid::Uuid;

use self::answers::{About, Kind, Refusal};
use self::limits::{Budget, Limiter};
use self::view::{Notice, PageView, confirmation, credit_rows, invoice_rows, totals, words};
use crate::config::Config;
use crate::inbox::conclude::Policies;
use crate::runtime::page_link::page_key_path;
use crate::secret::page_key::{LinkId, PageKey, PageKeyError, id_text};
use crate::store::page_links::PageLink;
use crate::store::records::Account;
use crate::store::{Store, StoreError};

/// A form's token holds for this many days after the page was shown.
const FORM_DAYS: i64 = 2;
/// The most text a form field other than a file may hold.
const LONGEST_FIELD: usize = 16 * 1024;

/// What the pages need, shared by every request.
pub struct PageState {
    store: Store,
    key: Arc<PageKey>,
    policies: Policies,
    max_promise_days: u32,
    uploads_dir: PathBuf,
    trusted_proxies: Vec<IpAddr>,
    /// The style sheet, with the organisation's colour in it.
    css: String,
    logo: Option<(Vec<u8>, &'static str)>,
    /// Where a customer whose link does not open can write (the sender configured).
    contact: Option<String>,
    by_address: Limiter,
    by_link: Limiter,
    templates: Environment<'static>,
}

/// Why the pages cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Key(#[from] PageKeyError),
    #[error("cannot read the logo {path}: {reason}")]
    Logo { path: String, reason: std::io::ErrorKind },
    #[error("the logo {path} is not a PNG, JPEG or SVG file")]
    LogoType { path: String },
}

impl PageError {
    pub fn help(&self) -> Option<String> {
        match self {
            PageError::Key(_) => Some(
                "the page key signs the links in emails; fix the file named, or set [page] key_file (COLLECTIQ_PAGE_KEY_FILE)"
                    .into(),
            ),
            PageError::Logo { .. } | PageError::LogoType { .. } => {
                Some("set [page] logo_file to a PNG, JPEG or SVG file, or remove it".into())
            }
        }
    }
}

impl PageState {
    /// The pages as configured: the key is read, or created on first use.
    pub fn new(config: &Config, store: Store, policies: Policies) -> Result<PageState, PageError> {
        let key = PageKey::load_or_create(&page_key_path(&config.page))?;
        let logo = match &config.page.logo_file {
            Some(path) => Some(read_logo(path)?),
            None => None,
        };
        let mut state = PageState::with_key(Arc::new(key), store, policies);
        state.max_promise_days = config.page.max_promise_days;
        state.uploads_dir = config.page.uploads_dir.clone();
        state.trusted_proxies = config.page.trusted_proxies.clone();
        state.contact = config.email.from.clone();
        state.logo = logo;
        if let Some(colour) = &config.page.colour {
            state.css = state.css.replacen("--accent: #1d4ed8", &format!("--accent: {colour}"), 1);
        }
        Ok(state)
    }

    /// The pages with this key and the defaults of `[page]` (for tests, and as `new` starts).
    pub fn with_key(key: Arc<PageKey>, store: Store, policies: Policies) -> PageState {
        PageState {
            store,
            key,
            policies,
            max_promise_days: crate::config::DEFAULT_MAX_PROMISE_DAYS,
            uploads_dir: PathBuf::from("collectiq-uploads"),
            trusted_proxies: Vec::new(),
            css: include_str!("assets/page.css").to_string(),
            logo: None,
            contact: None,
            // A person reading and answering never comes near these; a script guessing does.
            by_address: Limiter::new(Budget { burst: 60, refill: Duration::from_secs(1) }, 20_000),
            by_link: Limiter::new(Budget { burst: 30, refill: Duration::from_secs(2) }, 20_000),
            templates: templates(),
        }
    }

    pub fn set_uploads_dir(&mut self, folder: PathBuf) {
        self.uploads_dir = folder;
    }

    pub fn set_contact(&mut self, contact: Option<String>) {
        self.contact = contact;
    }
}

/// The pages' templates, built into the binary (a unit test renders each). Names ending in
/// .html are escaped as HTML: everything a customer typed is, everywhere.
fn templates() -> Environment<'static> {
    let mut templates = Environment::new();
    for (name, text) in [
        ("layout.html", include_str!("assets/layout.html")),
        ("page.html", include_str!("assets/page.html")),
        ("gone.html", include_str!("assets/gone.html")),
    ] {
        templates.add_template(name, text).expect("the pages' templates are valid (a unit test renders them)");
    }
    templates
}

fn read_logo(path: &Path) -> Result<(Vec<u8>, &'static str), PageError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| PageError::Logo { path: shown.clone(), reason: error.kind() })?;
    let media_type = match remittance::media_type(&bytes) {
        Some(("image/png", _)) => "image/png",
        Some(("image/jpeg", _)) => "image/jpeg",
        _ if bytes.trim_ascii_start().starts_with(b"<svg") || bytes.trim_ascii_start().starts_with(b"<?xml") => {
            "image/svg+xml"
        }
        _ => return Err(PageError::LogoType { path: shown }),
    };
    Ok((bytes, media_type))
}

/// The pages' routes (with the security headers on every response, 404s included).
pub fn router(state: Arc<PageState>) -> Router {
    use axum::routing::post;
    Router::new()
        .route("/p/-/page.css", get(css))
        .route("/p/-/logo", get(logo))
        .route("/p/{token}", get(show))
        .route(
            "/p/{token}/promise",
            post(|state, token, peer, headers, form| answer_form(Kind::Promise, state, token, peer, headers, form))
                .get(back_to_page),
        )
        .route(
            "/p/{token}/dispute",
            post(|state, token, peer, headers, form| answer_form(Kind::Dispute, state, token, peer, headers, form))
                .get(back_to_page),
        )
        .route(
            "/p/{token}/paid",
            post(paid).get(back_to_page).layer(DefaultBodyLimit::max(remittance::LARGEST + 256 * 1024)),
        )
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

/// The friendly 404 for any path nothing else answers (set as the fallback of the whole app).
pub async fn not_found_anywhere(State(state): State<Arc<PageState>>) -> Response {
    not_found(&state, "")
}

type Token = axum::extract::Path<String>;
type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

async fn css(State(state): State<Arc<PageState>>) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], state.css.clone()).into_response()
}

async fn logo(State(state): State<Arc<PageState>>) -> Response {
    match &state.logo {
        Some((bytes, media_type)) => ([(header::CONTENT_TYPE, *media_type)], bytes.clone()).into_response(),
        None => not_found(&state, "../"),
    }
}

async fn back_to_page(axum::extract::Path(token): Token) -> Response {
    see_other(&format!("../{token}"))
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A link that opened: its id, and what it grants.
struct Opened {
    id: LinkId,
    link: PageLink,
}

/// A link's customer, as the page shows them.
struct Customer {
    organisation: String,
    base_currency: String,
    today: Date,
    account: Account,
}

/// Why a request got no page.
enum Closed {
    NotFound,
    TooMany,
    /// Something on this side failed (said in the log, never to the customer).
    Broken(String),
}

impl From<StoreError> for Closed {
    fn from(error: StoreError) -> Closed {
        Closed::Broken(error.to_string())
    }
}

impl PageState {
    /// Opens a token, after the rate limits. A forged token costs the same lookup as a real one.
    async fn open(&self, token: &str, headers: &HeaderMap, peer: &Peer, now: Timestamp) -> Result<Opened, Closed> {
        let connect = peer.as_ref().map(|axum::Extension(info)| info);
        let address = headers::client_address(headers, connect, &self.trusted_proxies);
        let instant = Instant::now();
        if let Some(address) = address
            && !self.by_address.allow(&address.to_string(), instant)
        {
            return Err(Closed::TooMany);
        }
        let verified = self.key.verify(token);
        let id = verified.unwrap_or_else(PageKey::new_id);
        if !self.by_link.allow(&id_text(&id), instant) {
            return Err(Closed::TooMany);
        }
        let link = self.store.page_link(id_text(&id)).await?;
        match (verified, link) {
            (Some(id), Some(link)) if link.opens_at(now) => Ok(Opened { id, link }),
            _ => Err(Closed::NotFound),
        }
    }

    fn closed(&self, closed: Closed, base: &str) -> Response {
        match closed {
            Closed::NotFound => not_found(self, base),
            Closed::TooMany => {
                let mut response = self.gone(
                    StatusCode::TOO_MANY_REQUESTS,
                    base,
                    "Too many requests",
                    "This page was asked for too often in a short time.",
                    "Wait a minute, then reload it.",
                );
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
                response
            }
            Closed::Broken(cause) => {
                error!(error = %cause, "a customer's page could not be read");
                self.gone(
                    StatusCode::SERVICE_UNAVAILABLE,
                    base,
                    "Please try again shortly",
                    "Something went wrong on our side, and nothing you sent was lost or half kept.",
                    "Please try again in a few minutes.",
                )
            }
        }
    }

    fn gone(&self, status: StatusCode, base: &str, title: &str, text: &str, more: &str) -> Response {
        let rendered = self.templates.get_template("gone.html").and_then(|template| {
            template.render(minijinja::context! { base => base, title => title, text => text, more => more })
        });
        html(status, rendered)
    }

    /// The link's customer as of now: their organisation (its name and base currency, and
    /// today where it is: its zone, else UTC) and their account. A customer gone from the books
    /// is a link that no longer opens.
    async fn customer(&self, opened: &Opened, now: Timestamp) -> Result<Customer, Closed> {
        let grant = &opened.link.grant;
        let organisation = self.store.organisation(grant.tenant_id).await?;
        let (name, base_currency, zone) = match organisation {
            Some(record) => (record.organisation.name, record.organisation.base_currency, record.organisation.zone),
            None => return Err(Closed::NotFound),
        };
        let zone = zone.and_then(|zone| jiff::tz::TimeZone::get(&zone).ok()).unwrap_or(jiff::tz::TimeZone::UTC);
        let account = self.store.account(grant.tenant_id, grant.contact_id).await?.ok_or(Closed::NotFound)?;
        Ok(Customer { organisation: name, base_currency, today: zone.to_datetime(now).date(), account })
    }

    /// The page for an opened link, with a notice on top.
    async fn page(
        &self,
        opened: &Opened,
        token: &str,
        base: &str,
        notice: Option<Notice>,
        answer: Option<i64>,
        now: Timestamp,
    ) -> Result<Response, Closed> {
        let grant = &opened.link.grant;
        let Customer { organisation, base_currency, today, account } = self.customer(opened, now).await?;
        let answers = self.store.page_actions(grant.tenant_id, grant.contact_id).await?;
        let open_ids: Vec<Uuid> = account.open.iter().map(|invoice| invoice.invoice_id).collect();
        let pay_links = self.store.online_links(grant.tenant_id, &open_ids).await?;
        let thanks = self.paid_since(opened, &account).await?;
        let notice = notice.or_else(|| {
            let answer = answers.iter().find(|a| Some(a.id) == answer)?;
            let numbers = numbers_of(&account, answer.invoices.iter().copied());
            Some(confirmation(answer, &numbers))
        });
        let latest = today.checked_add(jiff::Span::new().days(i64::from(self.max_promise_days))).unwrap_or(today);
        let expires = jiff::tz::TimeZone::UTC.to_datetime(grant.expires_at).date();
        let view = PageView {
            organisation,
            customer: account.contact.name.clone(),
            logo: self.logo.is_some(),
            today: today.to_string(),
            today_words: words(today),
            latest_promise: latest.to_string(),
            latest_promise_words: words(latest),
            expires_words: words(expires),
            notice,
            thanks,
            invoices: invoice_rows(&account, grant.invoice_id, today, &pay_links, &answers),
            credits: credit_rows(&account, &base_currency),
            totals: totals(&account),
            token: token.to_string(),
            base: base.to_string(),
            form: self.key.form_token(&opened.id, day_number(now)),
            contact: self.contact.clone(),
        };
        let status = if view.notice.as_ref().is_some_and(|n| n.error) {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let rendered = self
            .templates
            .get_template("page.html")
            .and_then(|template| template.render(minijinja::value::Serde(&view)));
        Ok(html(status, rendered))
    }

    /// "Paid, thank you" for the invoices the link's email was about that are paid since.
    async fn paid_since(&self, opened: &Opened, account: &Account) -> Result<Vec<String>, StoreError> {
        let grant = &opened.link.grant;
        let mut about: Vec<Uuid> = grant.invoice_id.into_iter().collect();
        if let Some(action) = grant.action_id
            && let Some(action) = self.store.action_by_id(action).await?
            && action.tenant_id == grant.tenant_id
            && action.contact_id == grant.contact_id
        {
            about.extend(action.invoices);
        }
        about.sort();
        about.dedup();
        let mut thanks = Vec::new();
        for id in about.into_iter().filter(|id| !account.open.iter().any(|i| i.invoice_id == *id)) {
            let found = self.store.find_invoices(&id.to_string()).await?;
            if let Some(invoice) = found.into_iter().find(|invoice| {
                invoice.tenant_id == grant.tenant_id
                    && invoice.contact_id == grant.contact_id
                    && invoice.status == "PAID"
            }) {
                thanks.push(format!("{} is paid. Thank you!", invoice.number));
            }
        }
        Ok(thanks)
    }

    /// Stores an answer read from a form (its remittance, if any, already read) and answers 303
    /// to the page that shows it; a form that fails a check gets the page again saying why.
    async fn answer(
        &self,
        kind: Kind,
        token: &str,
        opened: &Opened,
        fields: &[(String, String)],
        file: Option<Bytes>,
        now: Timestamp,
    ) -> Result<Response, Closed> {
        let grant = &opened.link.grant;
        let Customer { base_currency, today, account, .. } = self.customer(opened, now).await?;
        let nonce = field_value(fields, "form")
            .and_then(|form| self.key.check_form_token(&opened.id, form, day_number(now), FORM_DAYS));
        let Some(nonce) = nonce else {
            // Nothing is recorded: the customer reloads the page and gets a fresh form.
            return Ok(self.gone(
                StatusCode::FORBIDDEN,
                "../",
                "This form has expired",
                "Nothing was recorded: the form was too old, or did not come from this page.",
                "Go back, reload the page, and send it again.",
            ));
        };
        let refused = |refusal: Refusal| Notice { error: true, text: refusal.to_string(), more: None };
        let draft = match answers::read(kind, fields, &account, today, self.max_promise_days) {
            Ok(draft) => draft,
            Err(refusal) => return self.page(opened, token, "../", Some(refused(refusal)), None, now).await,
        };
        let remittance = match file.filter(|bytes| !bytes.is_empty()) {
            Some(bytes) => match remittance::keep(&self.uploads_dir, &bytes) {
                Ok(kept) => Some(kept),
                Err(error @ remittance::RemittanceError::Unkept(_)) => {
                    return Err(Closed::Broken(error.to_string()));
                }
                Err(error) => {
                    let notice = Notice {
                        error: true,
                        text: format!("{}: send a PDF, PNG or JPEG of at most 5 MB.", capitalised(&error.to_string())),
                        more: None,
                    };
                    return self.page(opened, token, "../", Some(notice), None, now).await;
                }
            },
            None => None,
        };
        let kind_name = match kind {
            Kind::Promise => "promise",
            Kind::Dispute => "dispute",
            Kind::PaidClaim => "paid_claim",
        };
        let link_id = id_text(&opened.id);
        let about = About {
            digest: format!("page:{link_id}:{kind_name}:{nonce}"),
            link_id: Some(link_id),
            account: &account,
            base_currency: &base_currency,
            notes: self.policies.of(grant.tenant_id).notes,
            source: "page",
            at: now,
        };
        let kept = remittance.as_ref().map(|remittance| self.uploads_dir.join(&remittance.file));
        let action = answers::to_store(draft, remittance, about);
        let recorded = self.store.record_page_action(action).await;
        // An answer not stored now (an error, or the same form sent before) keeps no file.
        if let Some(path) = kept
            && !recorded.as_ref().is_ok_and(|recorded| recorded.new)
        {
            let _ = std::fs::remove_file(path);
        }
        let recorded = recorded?;
        info!(
            event = recorded.id,
            kind = kind_name,
            replaced = recorded.replaced.len(),
            "a customer answered on their page"
        );
        Ok(see_other(&format!("../{token}?answer={}", recorded.id)))
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn numbers_of(account: &Account, ids: impl Iterator<Item = Uuid>) -> HashMap<Uuid, String> {
    ids.filter_map(|id| {
        account.open.iter().find(|invoice| invoice.invoice_id == id).map(|invoice| (id, invoice.number.to_string()))
    })
    .collect()
}

fn field_value<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// Days since 1970 (UTC): what a form token is dated by.
fn day_number(now: Timestamp) -> i64 {
    now.as_second().div_euclid(86_400)
}

fn html(status: StatusCode, rendered: Result<String, minijinja::Error>) -> Response {
    match rendered {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(cause) => {
            error!(error = %cause, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Something went wrong on our side; please try again later.",
            )
                .into_response()
        }
    }
}

/// The same page for every link that does not open, whatever the reason.
fn not_found(state: &PageState, base: &str) -> Response {
    let more = match &state.contact {
        Some(contact) => {
            format!("Reply to the email the link came in, or write to {contact}, and we will send you a new one.")
        }
        None => "Reply to the email the link came in, and we will send you a new one.".to_string(),
    };
    state.gone(
        StatusCode::NOT_FOUND,
        base,
        "This link does not open",
        "The link may have expired, been replaced by a newer one, or been copied incompletely.",
        &more,
    )
}

#[derive(serde::Deserialize)]
struct Shown {
    answer: Option<i64>,
}

async fn show(
    State(state): State<Arc<PageState>>,
    axum::extract::Path(token): Token,
    peer: Peer,
    headers: HeaderMap,
    Query(shown): Query<Shown>,
) -> Response {
    let now = Timestamp::now();
    let opened = match state.open(&token, &headers, &peer, now).await {
        Ok(opened) => opened,
        Err(closed) => return state.closed(closed, ""),
    };
    match state.page(&opened, &token, "", None, shown.answer, now).await {
        Ok(response) => response,
        Err(closed) => state.closed(closed, ""),
    }
}

/// A promise or a dispute: a plain form.
async fn answer_form(
    kind: Kind,
    State(state): State<Arc<PageState>>,
    axum::extract::Path(token): Token,
    peer: Peer,
    headers: HeaderMap,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Response {
    let now = Timestamp::now();
    let opened = match state.open(&token, &headers, &peer, now).await {
        Ok(opened) => opened,
        Err(closed) => return state.closed(closed, "../"),
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    match state.answer(kind, &token, &opened, &fields, None, now).await {
        Ok(response) => response,
        Err(closed) => state.closed(closed, "../"),
    }
}

/// "I've already paid": a multipart form, perhaps with a remittance, read with limits.
async fn paid(
    State(state): State<Arc<PageState>>,
    axum::extract::Path(token): Token,
    peer: Peer,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let now = Timestamp::now();
    let opened = match state.open(&token, &headers, &peer, now).await {
        Ok(opened) => opened,
        Err(closed) => return state.closed(closed, "../"),
    };
    let read = match multipart {
        Ok(multipart) => read_multipart(multipart).await,
        Err(_) => Err(Unreadable),
    };
    let Ok((fields, file)) = read else {
        let notice = Notice {
            error: true,
            text: "The form could not be read (a file over 5 MB is refused). Please send it again.".into(),
            more: None,
        };
        return match state.page(&opened, &token, "../", Some(notice), None, now).await {
            Ok(response) => response,
            Err(closed) => state.closed(closed, "../"),
        };
    };
    match state.answer(Kind::PaidClaim, &token, &opened, &fields, file, now).await {
        Ok(response) => response,
        Err(closed) => state.closed(closed, "../"),
    }
}

struct Unreadable;

/// The form's text fields and its one file, each within its limit (checked as the bytes come,
/// before anything is kept).
async fn read_multipart(mut multipart: Multipart) -> Result<(Vec<(String, String)>, Option<Bytes>), Unreadable> {
    let mut fields = Vec::new();
    let mut file: Option<Bytes> = None;
    while let Some(mut part) = multipart.next_field().await.map_err(|_| Unreadable)? {
        let name = part.name().unwrap_or_default().to_string();
        let is_file = name == "remittance";
        let most = if is_file { remittance::LARGEST + 1 } else { LONGEST_FIELD };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(|_| Unreadable)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > most {
                if is_file {
                    // Kept whole up to one byte over the limit: the check that refuses it is one.
                    break;
                }
                return Err(Unreadable);
            }
        }
        if is_file {
            if file.is_some() {
                return Err(Unreadable);
            }
            file = Some(Bytes::from(bytes));
        } else {
            fields.push((name, String::from_utf8(bytes).map_err(|_| Unreadable)?));
        }
    }
    Ok((fields, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logo_is_taken_by_its_content_only() {
        let folder = std::env::temp_dir().join(format!("collectiq-logo-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&folder).unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = folder.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let png = write("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        assert_eq!(read_logo(&png).unwrap().1, "image/png");
        let svg = write("logo.svg", b"  <svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        assert_eq!(read_logo(&svg).unwrap().1, "image/svg+xml");
        let html = write("logo.png.html", b"<html><script>alert(1)</script>");
        assert!(matches!(read_logo(&html), Err(PageError::LogoType { .. })));
        assert!(matches!(read_logo(&folder.join("missing.png")), Err(PageError::Logo { .. })));
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn the_templates_render_and_escape_what_they_are_given() {
        let templates = templates();
        let gone = templates
            .get_template("gone.html")
            .unwrap()
            .render(minijinja::context! { base => "../", title => "<b>T</b>", text => "x", more => "y" })
            .unwrap();
        // minijinja writes `/` as `&#x2f;`, which a browser reads back as `/`.
        assert!(gone.contains("href=\"..&#x2f;-/page.css\"") && gone.contains("&lt;b&gt;T&lt;"), "{gone}");
        let view = PageView {
            organisation: "Acme <Ltd>".into(),
            customer: "<script>alert(1)</script>".into(),
            logo: true,
            today: "2026-12-06".into(),
            today_words: "6 December 2026".into(),
            latest_promise: "2027-01-05".into(),
            latest_promise_words: "5 January 2027".into(),
            expires_words: "4 February 2027".into(),
            notice: Some(Notice { error: true, text: "<i>no</i>".into(), more: None }),
            thanks: vec!["INV-1 is paid. Thank you!".into()],
            invoices: Vec::new(),
            credits: Vec::new(),
            totals: Vec::new(),
            token: "tok".into(),
            base: String::new(),
            form: "f".into(),
            contact: Some("ar@acme.example".into()),
        };
        let page = templates.get_template("page.html").unwrap().render(minijinja::value::Serde(&view)).unwrap();
        assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"), "{page}");
        assert!(page.contains("role=\"alert\"") && page.contains("Nothing is open on your account"), "{page}");
    }

    #[test]
    fn form_tokens_are_dated_by_the_utc_day() {
        let noon = "2026-12-06T12:00:00Z".parse::<Timestamp>().unwrap();
        let late = "2026-12-06T23:59:59Z".parse::<Timestamp>().unwrap();
        let next = "2026-12-07T00:00:00Z".parse::<Timestamp>().unwrap();
        assert_eq!(day_number(noon), day_number(late));
        assert_eq!(day_number(next), day_number(noon) + 1);
    }
}
