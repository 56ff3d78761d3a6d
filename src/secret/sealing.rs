//! Sealing a secret for storage: XChaCha20-Poly1305 with a random 24-byte nonce per value, and
//! associated data that names where the value belongs, so a sealed value copied to another row
//! or column is refused like a damaged one.
//!
//! A sealed value is text, `ciq1:` then base64 of: a key version byte, the nonce, and the
//! ciphertext with its tag. The prefix tells sealed values from the plain tokens stores held
//! before; the version byte (also in the associated data) leaves room to rotate the key later.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::Secret;
use super::key_file::TokenKey;

/// What every sealed value starts with.
pub const PREFIX: &str = "ciq1:";
/// The key a value is sealed with; 1 is the key file's key (rotation would add 2).
pub const KEY_VERSION: u8 = 1;
const NONCE: usize = 24;
const TAG: usize = 16;

/// Why a stored value could not be opened (said as what the value was). None of them says
/// anything about the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealError {
    /// Plain text, not a sealed value.
    NotSealed,
    /// Not readable as a sealed value at all (cut short, or not base64).
    Damaged,
    /// Sealed with a key this CollectIQ does not know (a newer one).
    UnknownKey(u8),
    /// The key does not open it: another key, or the value was altered or moved.
    Refused,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::NotSealed => f.write_str("stored unsealed"),
            SealError::Damaged => f.write_str("damaged"),
            SealError::UnknownKey(version) => {
                write!(f, "sealed with key version {version}, which this CollectIQ does not know")
            }
            SealError::Refused => f.write_str("sealed with another key, or damaged or altered since"),
        }
    }
}

impl std::error::Error for SealError {}

pub fn is_sealed(text: &str) -> bool {
    text.starts_with(PREFIX)
}

/// The associated data: the key version and where the value belongs.
fn associated(version: u8, context: &str) -> Vec<u8> {
    format!("collectiq sealed v{version} {context}").into_bytes()
}

/// Seals `secret` for the place `context` names (such as `grants 3 access_token`).
pub fn seal(key: &TokenKey, secret: &Secret, context: &str) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let aad = associated(KEY_VERSION, context);
    // Encryption fails only for messages of hundreds of gigabytes; a token is a few kilobytes,
    // and an empty ciphertext would simply fail to open later, never leak.
    let sealed =
        key.cipher().encrypt(&nonce, Payload { msg: secret.expose().as_bytes(), aad: &aad }).unwrap_or_default();
    let mut bytes = Vec::with_capacity(1 + NONCE + sealed.len());
    bytes.push(KEY_VERSION);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    format!("{PREFIX}{}", STANDARD_NO_PAD.encode(bytes))
}

/// Opens a value sealed for `context`.
pub fn open(key: &TokenKey, stored: &str, context: &str) -> Result<Secret, SealError> {
    let encoded = stored.strip_prefix(PREFIX).ok_or(SealError::NotSealed)?;
    let bytes = STANDARD_NO_PAD.decode(encoded).map_err(|_| SealError::Damaged)?;
    if bytes.len() < 1 + NONCE + TAG {
        return Err(SealError::Damaged);
    }
    let version = bytes[0];
    if version != KEY_VERSION {
        return Err(SealError::UnknownKey(version));
    }
    let (nonce, sealed) = bytes[1..].split_at(NONCE);
    let aad = associated(version, context);
    let plain = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad })
        .map_err(|_| SealError::Refused)?;
    String::from_utf8(plain).map(Secret::new).map_err(|_| SealError::Damaged)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn key() -> TokenKey {
        TokenKey::ephemeral(Path::new("/test/token.key"))
    }

    #[test]
    fn a_sealed_value_opens_only_where_it_belongs_and_only_with_its_key() {
        let key = key();
        let secret = Secret::new("refresh-token-value");
        let sealed = seal(&key, &secret, "grants 1 refresh_token");
        assert!(is_sealed(&sealed) && !sealed.contains("refresh-token-value"), "{sealed}");
        assert_eq!(open(&key, &sealed, "grants 1 refresh_token").unwrap(), secret);
        assert_ne!(sealed, seal(&key, &secret, "grants 1 refresh_token"), "every value has its own nonce");
        assert_eq!(open(&key, &sealed, "grants 2 refresh_token"), Err(SealError::Refused), "another row");
        assert_eq!(open(&key, &sealed, "grants 1 access_token"), Err(SealError::Refused), "another column");
        assert_eq!(open(&self::key(), &sealed, "grants 1 refresh_token"), Err(SealError::Refused), "another key");
    }

    #[test]
    fn altered_and_unknown_values_are_refused() {
        let key = key();
        let sealed = seal(&key, &Secret::new("access"), "grants 1 access_token");
        let mut bytes = STANDARD_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let flipped = format!("{PREFIX}{}", STANDARD_NO_PAD.encode(&bytes));
        assert_eq!(open(&key, &flipped, "grants 1 access_token"), Err(SealError::Refused));
        bytes[last] ^= 1;
        bytes[0] = 9;
        let newer = format!("{PREFIX}{}", STANDARD_NO_PAD.encode(&bytes));
        assert_eq!(open(&key, &newer, "grants 1 access_token"), Err(SealError::UnknownKey(9)));
        assert_eq!(open(&key, "ciq1:AAAA", "grants 1 access_token"), Err(SealError::Damaged));
        assert_eq!(open(&key, "ciq1:not base64!", "grants 1 access_token"), Err(SealError::Damaged));
        assert_eq!(open(&key, "plain-token", "grants 1 access_token"), Err(SealError::NotSealed));
        for error in [SealError::Refused, SealError::Damaged, SealError::NotSealed] {
            assert!(!error.to_string().contains("access"));
        }
    }
}
