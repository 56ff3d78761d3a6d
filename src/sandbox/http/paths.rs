//! Xero's paths are case-insensitive: the official SDKs call `GET /Connections`, `/Invoices`,
//! `/api.xro/2.0/...` in their own spelling. The sandbox routes each request under its path's
//! canonical spelling, so every spelling Xero answers, the sandbox answers too. Ids and the rest
//! of an accounting path keep their case (the accounting routes compare names without it).

use axum::http::{Request, Uri};

/// The fixed beginnings of Xero's paths, as the sandbox routes them.
const PREFIXES: &[&str] =
    &["/identity/connect/authorize", "/connect/token", "/connect/revocation", "/connections", "/api.xro/2.0"];

/// The path with its fixed beginning spelled as the sandbox routes it; none when it already is,
/// or is no Xero path.
pub fn canonical(path: &str) -> Option<String> {
    PREFIXES.iter().find_map(|prefix| {
        let head = path.get(..prefix.len())?;
        let rest = &path[prefix.len()..];
        let whole_segment = rest.is_empty() || rest.starts_with('/');
        (whole_segment && head != *prefix && head.eq_ignore_ascii_case(prefix)).then(|| format!("{prefix}{rest}"))
    })
}

/// Rewrites a request's path to its canonical spelling before routing.
pub fn canonical_request<B>(mut request: Request<B>) -> Request<B> {
    if let Some(path) = canonical(request.uri().path()) {
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(rewritten) = path_and_query.parse() {
            parts.path_and_query = Some(rewritten);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_routed_whatever_their_case() {
        assert_eq!(canonical("/Connections").as_deref(), Some("/connections"));
        assert_eq!(canonical("/CONNECTIONS/abc-DEF").as_deref(), Some("/connections/abc-DEF"));
        assert_eq!(canonical("/Connect/Token").as_deref(), Some("/connect/token"));
        assert_eq!(canonical("/API.XRO/2.0/Invoices/ABC").as_deref(), Some("/api.xro/2.0/Invoices/ABC"));
        assert_eq!(canonical("/connections"), None, "already canonical");
        assert_eq!(canonical("/connectionsfoo"), None, "another path");
        assert_eq!(canonical("/sandbox/pay"), None);
        let request = canonical_request(Request::get("/Connections?x=1").body(()).unwrap());
        assert_eq!(request.uri().to_string(), "/connections?x=1");
    }
}
