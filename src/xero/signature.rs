//! Webhook signatures: `x-xero-signature` is the base64 HMAC-SHA256 of the raw body under the
//! webhook key. Checked in constant time.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is the body's signature under `key`.
pub fn verify(key: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let signature = sign("key", b"{\"events\":[]}");
        assert!(verify("key", b"{\"events\":[]}", &signature));
        assert!(!verify("other", b"{\"events\":[]}", &signature));
        assert!(!verify("key", b"{\"events\":[1]}", &signature));
        assert!(!verify("key", b"{}", "not base64!"));
        // RFC 4231 test case 2.
        assert_eq!(sign("Jefe", b"what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }
}
