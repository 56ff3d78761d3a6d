//! The demo's own DKIM key, so that its emails are signed as a real run's are. It is an Ed25519
//! key made on the first run in the demo folder (`dkim.pem`, PKCS#8 PEM as `openssl genpkey
//! -algorithm ed25519` writes it, readable by its owner only) and kept by later runs, like the
//! token and page keys: the record it prints stays the same from one demo to the next.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;

use super::DemoError;
use crate::config::DkimSettings;
use crate::runtime::dkim::DkimKey;

/// The demo's sender's domain (the strategy sends from accounts@harbourwholesale.example), so
/// that the signature is the From domain's, as DMARC wants.
const DOMAIN: &str = "harbourwholesale.example";
const SELECTOR: &str = "demo";
const FILE_NAME: &str = "dkim.pem";

/// What the summary says of the signatures: the key, and the record one would publish for it.
#[derive(Debug)]
pub struct Record {
    pub key_file: PathBuf,
    pub domain: String,
    /// `demo._domainkey.harbourwholesale.example`.
    pub name: String,
    /// The TXT record's text, as `collectiq doctor` prints it.
    pub text: String,
}

/// The `[email.dkim]` settings of the demo's configuration.
pub fn settings(folder: &Path) -> DkimSettings {
    DkimSettings { domain: DOMAIN.into(), selector: SELECTOR.into(), key_file: folder.join(FILE_NAME) }
}

/// Makes the demo's key in `folder` unless one is there, then reads it back as a run will: a key
/// already there (even a damaged one) is never replaced, and one that cannot be read stops the
/// demo before anything is sent.
pub fn key(folder: &Path) -> Result<Record, DemoError> {
    let settings = settings(folder);
    let path = &settings.key_file;
    if !path.exists() {
        create(path).map_err(|cause| DemoError::DkimKeyUncreatable { path: path.clone(), cause })?;
    }
    let key = DkimKey::read(path)?;
    Ok(Record {
        key_file: path.clone(),
        domain: settings.domain.clone(),
        name: settings.record_name(),
        text: key.dns_record(),
    })
}

fn create(path: &Path) -> std::io::Result<()> {
    let mut seed = [0u8; 32];
    crate::secret::random_bytes(&mut seed);
    let pem = ed25519_dalek::SigningKey::from_bytes(&seed)
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|error| std::io::Error::other(error.to_string()))?;
    // Written whole and private (0600), and linked into place only if no key is there yet: a
    // demo started beside this one that was first keeps its key.
    crate::secret::key_file::write_new_key(path, &pem).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "collectiq-demo-dkim-{name}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn the_key_is_made_private_once_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("kept");
        let first = key(&dir).unwrap();
        assert_eq!(std::fs::metadata(&first.key_file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(first.name, "demo._domainkey.harbourwholesale.example");
        assert!(first.text.starts_with("v=DKIM1; k=ed25519; p="), "{}", first.text);
        assert!(std::fs::read_to_string(&first.key_file).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(key(&dir).unwrap().text, first.text, "a second demo signs with the same key");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_key_is_said_and_kept() {
        let dir = folder("damaged");
        std::fs::write(dir.join(FILE_NAME), "not a key").unwrap();
        let error = key(&dir).unwrap_err();
        assert!(error.to_string().contains("is not an RSA or Ed25519 private key"), "{error}");
        assert!(error.help().is_some_and(|help| help.contains("move dkim.pem aside")), "{:?}", error.help());
        assert_eq!(std::fs::read_to_string(dir.join(FILE_NAME)).unwrap(), "not a key");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
