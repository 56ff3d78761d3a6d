//! Plain HTTP to the page server, as a browser without JavaScript (or an attacker) would speak it.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::PageWorld;

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub fn get(world: &PageWorld, url: &str) -> Answer {
    let url = url.to_string();
    world.world.runtime.block_on(async move {
        let response = client().get(&url).send().await.unwrap();
        Answer { status: response.status(), headers: response.headers().clone(), body: response.text().await.unwrap() }
    })
}

pub fn post_form(world: &PageWorld, url: &str, fields: &[(&str, &str)]) -> Answer {
    let url = url.to_string();
    let body: String =
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields.iter().copied()).finish();
    world.world.runtime.block_on(async move {
        let response = client()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Answer { status: response.status(), headers: response.headers().clone(), body: response.text().await.unwrap() }
    })
}

/// A multipart form, written out (the test client has no multipart feature).
pub fn post_multipart(world: &PageWorld, url: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Answer {
    let boundary = "collectiq-test-boundary-7f3a";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"remittance\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let url = url.to_string();
    world.world.runtime.block_on(async move {
        let response = client()
            .post(&url)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap();
        Answer { status: response.status(), headers: response.headers().clone(), body: response.text().await.unwrap() }
    })
}

/// The value of the first `name="…" value="…"` pair for `name` in a page.
pub fn value_of(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    body[at..].split('"').next().unwrap().to_string()
}

pub fn assert_secure(answer: &Answer, what: &str) {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let policy = header("content-security-policy");
    assert!(
        policy.contains("default-src 'none'") && policy.contains("form-action 'self'") && !policy.contains("unsafe"),
        "{what}: CSP {policy:?}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header("cache-control"), "no-store", "{what}");
}
