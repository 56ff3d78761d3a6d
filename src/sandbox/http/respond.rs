//! Answers as Xero gives them: JSON with its envelope, its error bodies, its rate-limit headers,
//! and the injected faults.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::super::faults::Fault;
use super::super::limits::Remaining;
use super::super::state::State;
use crate::xero::wire::{ApiException, Envelope, Pagination, Problem, XeroDateTime};

pub fn json_bytes<T: Serialize>(body: &T) -> Vec<u8> {
    escape_date_slashes(&serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec()))
}

/// Xero writes its dates as `"\/Date(1764028800000+0000)\/"`: the same string as
/// `"/Date(…)/"`, but clients that match the text expect the escaped slashes. Putting a
/// backslash before a slash inside a JSON string never changes its value.
fn escape_date_slashes(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 16);
    let mut copied = 0;
    for (at, _) in json.iter().enumerate().filter(|(_, byte)| **byte == b'/') {
        let opens = json[..at].ends_with(b"\"") && json[at..].starts_with(b"/Date(");
        let closes = json[..at].ends_with(b")") && json.get(at + 1) == Some(&b'"');
        if opens || closes {
            out.extend_from_slice(&json[copied..at]);
            out.push(b'\\');
            copied = at;
        }
    }
    out.extend_from_slice(&json[copied..]);
    out
}

pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    raw_json(status, json_bytes(body))
}

pub fn raw_json(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

/// Xero's wrapper around a list.
pub fn envelope<T>(state: &State, items: T, pagination: Option<Pagination>) -> Envelope<T> {
    Envelope {
        id: Some(state.new_id().to_string()),
        status: Some("OK".to_string()),
        provider_name: Some("CollectIQ Sandbox".to_string()),
        date_time_utc: Some(XeroDateTime(state.clock.now())),
        pagination,
        items,
        unreadable: Vec::new(),
    }
}

/// A 401 or 403 as Xero words it.
pub fn problem(status: StatusCode, detail: &str) -> Response {
    let title = if status == StatusCode::UNAUTHORIZED { "Unauthorized" } else { "Forbidden" };
    let body = Problem {
        kind: None,
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail.to_string(),
        instance: None,
    };
    json(status, &body)
}

pub fn not_found() -> Response {
    let body = Problem {
        kind: None,
        title: "NotFound".to_string(),
        status: 404,
        detail: "The resource you're looking for cannot be found".to_string(),
        instance: None,
    };
    json(StatusCode::NOT_FOUND, &body)
}

/// A 400 `ValidationException`.
pub fn validation(message: &str, elements: Vec<serde_json::Value>) -> Response {
    let body = ApiException {
        error_number: 10,
        kind: "ValidationException".to_string(),
        message: message.to_string(),
        elements,
    };
    json(StatusCode::BAD_REQUEST, &body)
}

/// Adds Xero's rate-limit headers.
pub fn with_limits(mut response: Response, remaining: Remaining) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-minlimit-remaining", remaining.minute),
        ("x-daylimit-remaining", remaining.day),
        ("x-appminlimit-remaining", remaining.app_minute),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    response
}

pub fn too_many_requests(problem: &str, retry_after_seconds: u64) -> Response {
    let mut response =
        (StatusCode::TOO_MANY_REQUESTS, [(header::CONTENT_TYPE, "text/plain")], "Rate limit exceeded").into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds.max(1)));
    if let Ok(value) = HeaderValue::from_str(problem) {
        headers.insert("x-rate-limit-problem", value);
    }
    response
}

/// The body of a Xero server error: an HTML page, not JSON.
pub fn server_error() -> Response {
    let page = "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Oops! Something went wrong.</h1><p>We're working on it.</p></body></html>";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// A server error for a fault of the sandbox itself (rendering an invoice's PDF), logged first
/// so a test that sees the 500 can find why.
pub fn server_error_because(error: &dyn std::error::Error) -> Response {
    tracing::error!(%error, "the sandbox could not answer");
    server_error()
}

pub const JSON: &str = "application/json; charset=utf-8";
pub const PDF: &str = "application/pdf";

/// A successful answer of `content_type` (JSON, or an invoice's PDF) spoiled by `fault` (a reset
/// or a truncation), or as it is.
pub fn spoiled_as(body: Vec<u8>, fault: Option<Fault>, content_type: &'static str) -> Response {
    let raw = |body: Vec<u8>| (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    match fault {
        Some(Fault::Truncate) => raw(body[..body.len() / 2].to_vec()),
        Some(Fault::Reset) => {
            // The headers promise the whole body; the connection fails halfway through it.
            let length = body.len();
            let half = Bytes::from(body[..length / 2].to_vec());
            let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) });
            // A pause lets the head and the first half reach the client before the drop.
            let drop = futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox fault: connection reset"))
            });
            let mut response = Response::new(Body::from_stream(futures_util::StreamExt::chain(first, drop)));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            response
        }
        _ => raw(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_get_xeros_escaped_slashes_and_keep_their_value() {
        let body = serde_json::json!({ "DueDate": "/Date(1764028800000+0000)/", "Note": "a/b \"/Date(\" )/" });
        let text = String::from_utf8(json_bytes(&body)).unwrap();
        assert!(text.contains(r#""DueDate":"\/Date(1764028800000+0000)\/""#), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), body);
    }
}
