//! DKIM: every message signed for the sender's domain, so that the receiving server can tell it
//! really comes from there. The key is read as `openssl genrsa` or `openssl genpkey -algorithm
//! ed25519` writes it (PKCS#1 or PKCS#8 PEM); the algorithm comes from the key. Signing is
//! lettre's, with relaxed canonicalisation of headers and body: the "simple" kind breaks on the
//! smallest rewrapping by a relay, and was measured not to verify with dkimpy.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::HeaderName;

pub use crate::config::DkimSettings;

/// Why messages cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum DkimError {
    #[error("the DKIM key {path} cannot be read: {cause}")]
    Unreadable { path: PathBuf, cause: std::io::Error },
    #[error("the DKIM key {path} is not an RSA or Ed25519 private key in PEM form")]
    NotAKey { path: PathBuf },
    #[error("the DKIM key {path} is an RSA key of {bits} bits; receivers want at least 1024 (2048 is usual)")]
    TooShort { path: PathBuf, bits: usize },
}

impl DkimError {
    pub fn help(&self) -> Option<String> {
        Some(match self {
            DkimError::Unreadable { .. } => "check [email.dkim] key_file and that this user may read it".into(),
            DkimError::NotAKey { .. } => "make one with `openssl genrsa -out dkim.pem 2048` or `openssl genpkey -algorithm ed25519 -out dkim.pem`, then publish the record `collectiq doctor` prints".into(),
            DkimError::TooShort { .. } => "make a 2048-bit key: openssl genrsa -out dkim.pem 2048".into(),
        })
    }
}

/// A private key to sign with, and the public half to publish.
pub enum DkimKey {
    Rsa(rsa::RsaPrivateKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for DkimKey {
    // Never the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DkimKey::Rsa(_) => "DkimKey::Rsa(…)",
            DkimKey::Ed25519(_) => "DkimKey::Ed25519(…)",
        })
    }
}

impl DkimKey {
    pub fn read(path: &Path) -> Result<DkimKey, DkimError> {
        let pem =
            std::fs::read_to_string(path).map_err(|cause| DkimError::Unreadable { path: path.to_path_buf(), cause })?;
        let key = DkimKey::from_pem(&pem).ok_or_else(|| DkimError::NotAKey { path: path.to_path_buf() })?;
        if let DkimKey::Rsa(rsa) = &key {
            use rsa::traits::PublicKeyParts;
            let bits = rsa.size() * 8;
            if bits < 1024 {
                return Err(DkimError::TooShort { path: path.to_path_buf(), bits });
            }
        }
        Ok(key)
    }

    /// A key in PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> Option<DkimKey> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        let pem = pem.trim();
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs1_pem(pem) {
            return Some(DkimKey::Rsa(key));
        }
        if let Ok(key) = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem) {
            return Some(DkimKey::Rsa(key));
        }
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem).ok().map(DkimKey::Ed25519)
    }

    /// The TXT record to publish at `SELECTOR._domainkey.DOMAIN` (RFC 6376; RFC 8463 for Ed25519).
    pub fn dns_record(&self) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        match self {
            DkimKey::Rsa(key) => {
                use rsa::pkcs8::EncodePublicKey as _;
                let public = rsa::RsaPublicKey::from(key);
                let der = public.to_public_key_der().map(|der| engine.encode(der.as_bytes())).unwrap_or_default();
                format!("v=DKIM1; k=rsa; p={der}")
            }
            DkimKey::Ed25519(key) => {
                format!("v=DKIM1; k=ed25519; p={}", engine.encode(key.verifying_key().to_bytes()))
            }
        }
    }

    /// `rsa-sha256` or `ed25519-sha256`, as the signature names it.
    pub fn algorithm(&self) -> &'static str {
        match self {
            DkimKey::Rsa(_) => "rsa-sha256",
            DkimKey::Ed25519(_) => "ed25519-sha256",
        }
    }

    fn signing_key(&self) -> Option<DkimSigningKey> {
        match self {
            DkimKey::Rsa(key) => {
                use rsa::pkcs1::EncodeRsaPrivateKey as _;
                let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).ok()?;
                DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).ok()
            }
            DkimKey::Ed25519(key) => {
                let seed = base64::engine::general_purpose::STANDARD.encode(key.to_bytes());
                DkimSigningKey::new(&seed, DkimSigningAlgorithm::Ed25519).ok()
            }
        }
    }
}

/// The headers every signature covers. A header listed but absent (no Cc, say) is signed as
/// absent, so that nobody can add it on the way. Not Content-Type: lettre writes a multipart
/// message's Content-Type with the body, where its signer does not see it, so signing it would
/// sign it as absent and every signature would fail (the body hash covers the parts anyway).
const SIGNED: &[&str] = &[
    "From",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Auto-Submitted",
];

/// Signs messages for one domain.
pub struct Signer {
    config: DkimConfig,
    pub domain: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("domain", &self.domain).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(settings: &DkimSettings) -> Result<Signer, DkimError> {
        let key = DkimKey::read(&settings.key_file)?;
        Signer::with_key(&key, &settings.domain, &settings.selector)
            .ok_or_else(|| DkimError::NotAKey { path: settings.key_file.clone() })
    }

    pub fn with_key(key: &DkimKey, domain: &str, selector: &str) -> Option<Signer> {
        let headers = SIGNED.iter().map(|name| HeaderName::new_from_ascii_str(name)).collect();
        let canonicalization =
            DkimCanonicalization { header: DkimCanonicalizationType::Relaxed, body: DkimCanonicalizationType::Relaxed };
        let config =
            DkimConfig::new(selector.to_string(), domain.to_string(), key.signing_key()?, headers, canonicalization);
        Some(Signer { config, domain: domain.to_string() })
    }

    /// Adds the DKIM-Signature header.
    pub fn sign(&self, message: &mut lettre::Message) {
        message.sign(&self.config);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made for these tests only with `openssl genpkey -algorithm ed25519`.
    const ED25519: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEILXlXReLc/WqcoFGWBid6og3IukwX2qEfPJDOKljlIE6\n-----END PRIVATE KEY-----\n";

    #[test]
    fn an_ed25519_key_gives_its_record_and_signs() {
        let key = DkimKey::from_pem(ED25519).expect("a PKCS#8 Ed25519 key");
        assert_eq!(key.algorithm(), "ed25519-sha256");
        assert!(key.dns_record().starts_with("v=DKIM1; k=ed25519; p="), "{}", key.dns_record());
        let signer = Signer::with_key(&key, "acme.example", "mail").unwrap();
        let mut message = lettre::Message::builder()
            .from("ar@acme.example".parse().unwrap())
            .to("ap@kauri.example".parse().unwrap())
            .subject("Hi")
            .body("Hello".to_string())
            .unwrap();
        signer.sign(&mut message);
        let formatted = String::from_utf8(message.formatted()).unwrap();
        let unfolded = formatted.replace("\r\n ", " ");
        assert!(
            unfolded.contains("DKIM-Signature: v=1; a=ed25519-sha256; d=acme.example; s=mail; c=relaxed/relaxed;"),
            "{unfolded}"
        );
        assert!(format!("{key:?}{signer:?}").find("MC4C").is_none(), "the key never shows");
    }

    #[test]
    fn what_is_not_a_key_is_said() {
        assert!(DkimKey::from_pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_none());
        assert!(DkimKey::from_pem("").is_none());
        let missing = DkimKey::read(Path::new("/nonexistent/dkim.pem")).unwrap_err();
        assert!(matches!(missing, DkimError::Unreadable { .. }) && missing.help().is_some());
    }
}
