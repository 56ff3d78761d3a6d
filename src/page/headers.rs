//! What every response of the process that serves the pages carries, 404s included: a strict
//! Content-Security-Policy (no scripts at all, styles and images from here only, forms posting
//! here only), no MIME sniffing, no framing, no caching, and no Referer, so that a page's token
//! never leaks to Xero's pay page or anywhere else a link leads.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                                           base-uri 'none'; frame-ancestors 'none'";

/// Adds the security headers to whatever the inner service answered.
pub async fn secure(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    response
}

/// The address a request came from: the peer's, unless the peer is a trusted proxy, in which
/// case the nearest address in `X-Forwarded-For` that is not one (a client can write anything
/// at the far end of that header, so it is read from the near end).
pub fn client_address(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer.map(|ConnectInfo(address)| address.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => continue,
            Ok(address) => return Some(address),
            // Garbage from a client: the proxy's own address is all that can be trusted.
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(forwarded).unwrap());
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let from = |peer: &str| Some(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 4000)));
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        // Anyone else's header is ignored.
        assert_eq!(client_address(&headers("1.2.3.4"), from("203.0.113.9").as_ref(), &[proxy]), ip("203.0.113.9"));
        // The proxy's is read from its own end: what the client wrote before it is not believed.
        assert_eq!(
            client_address(&headers("6.6.6.6, 198.51.100.7"), from("10.0.0.1").as_ref(), &[proxy]),
            ip("198.51.100.7")
        );
        assert_eq!(client_address(&headers("junk"), from("10.0.0.1").as_ref(), &[proxy]), ip("10.0.0.1"));
        assert_eq!(client_address(&HeaderMap::new(), from("10.0.0.1").as_ref(), &[proxy]), ip("10.0.0.1"));
        assert_eq!(client_address(&HeaderMap::new(), None, &[proxy]), None);
    }
}
