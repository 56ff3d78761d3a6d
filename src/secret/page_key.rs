//! The key that signs the links to customers' pages: a link is an opaque random id and an HMAC of
//! it, so a link cannot be made up or altered, and what it grants lives in the store, never in
//! the link. The key is kept like the token key (a 0600 file, created on first use, never
//! replaced) and never in the database: a copy of the database alone signs nothing.
//!
//! Rotating it: move the file aside; the next `run`, `serve` or `autopilot` creates a new one, and
//! every link made before no longer opens (docs/customer-page.md).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::key_file::write_new_key;
use super::random_bytes;

/// The key file's name beside the token key.
pub const FILE_NAME: &str = "page.key";

const HEADER: &str = "# CollectIQ's key for signing the links to customers' pages. Keep it readable by you only (0600).\n\
                      # Replacing it makes every link sent so far stop working.\n";

/// A link's id: random, and meaningless without the store.
pub type LinkId = [u8; 16];

/// How many bytes of the HMAC a link carries: 128 bits, beyond guessing.
const TAG: usize = 16;

pub struct PageKey {
    path: PathBuf,
    key: [u8; 32],
}

/// Why the page key could not be had; each names the file and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageKeyError {
    #[error("cannot read the page key {path}: {reason}")]
    Unreadable { path: String, reason: std::io::ErrorKind },
    #[error("the page key {path} can be read by others (mode {mode:o}); run `chmod 600 {path}` and try again")]
    TooOpen { path: String, mode: u32 },
    #[error(
        "the page key {path} does not hold a CollectIQ key (damaged, or replaced); restore it from a backup, or move it \
         aside to make a new one (every link sent so far then stops working)"
    )]
    Malformed { path: String },
    #[error("cannot create the page key {path}: {reason}; set COLLECTIQ_PAGE_KEY_FILE to a file you can write")]
    Uncreatable { path: String, reason: std::io::ErrorKind },
}

impl fmt::Debug for PageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PageKey({})", self.path.display())
    }
}

impl PageKey {
    /// Reads the key from `path`, creating it first if there is none. A key already there, even
    /// a damaged one, is never replaced.
    pub fn load_or_create(path: &Path) -> Result<PageKey, PageKeyError> {
        match PageKey::load(path) {
            Ok(None) => {
                let mut key = [0u8; 32];
                random_bytes(&mut key);
                let text = format!("{HEADER}{}\n", STANDARD.encode(key));
                write_new_key(path, &text).map_err(|error| PageKeyError::Uncreatable {
                    path: path.display().to_string(),
                    reason: error.kind(),
                })?;
                PageKey::load(path)?.ok_or(PageKeyError::Unreadable {
                    path: path.display().to_string(),
                    reason: std::io::ErrorKind::NotFound,
                })
            }
            Ok(Some(key)) => Ok(key),
            Err(error) => Err(error),
        }
    }

    /// Reads the key from `path`; none when there is no file.
    pub fn load(path: &Path) -> Result<Option<PageKey>, PageKeyError> {
        let shown = path.display().to_string();
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(PageKeyError::Unreadable { path: shown, reason: error.kind() }),
        };
        if let Some(mode) = super::open_to_others(&metadata) {
            return Err(PageKeyError::TooOpen { path: shown, mode });
        }
        let text = std::fs::read_to_string(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::InvalidData => PageKeyError::Malformed { path: shown.clone() },
            reason => PageKeyError::Unreadable { path: shown.clone(), reason },
        })?;
        let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'));
        let key = match (lines.next().map(|line| STANDARD.decode(line)), lines.next()) {
            (Some(Ok(bytes)), None) => <[u8; 32]>::try_from(bytes.as_slice()).ok(),
            _ => None,
        };
        let key = key.ok_or(PageKeyError::Malformed { path: shown })?;
        Ok(Some(PageKey { path: path.to_path_buf(), key }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new random link id.
    pub fn new_id() -> LinkId {
        let mut id = [0u8; 16];
        random_bytes(&mut id);
        id
    }

    /// The token a link carries for an id: `ID.TAG`, both base64url.
    pub fn sign(&self, id: &LinkId) -> String {
        let tag = self.mac(id).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(id), URL_SAFE_NO_PAD.encode(&tag[..TAG]))
    }

    /// The id a token was signed for, if this key signed it. Whatever the token (forged,
    /// truncated, altered, of another length), the answer is only none, and the tag is compared
    /// in constant time.
    pub fn verify(&self, token: &str) -> Option<LinkId> {
        let (id, tag) = token.split_once('.')?;
        let id: LinkId = URL_SAFE_NO_PAD.decode(id).ok()?.try_into().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG {
            return None;
        }
        self.mac(&id).verify_truncated_left(&tag).ok()?;
        Some(id)
    }

    fn mac(&self, id: &LinkId) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        // What the tag is for, so that no other use of this key could produce a link's.
        mac.update(b"collectiq customer page link v1\0");
        mac.update(id);
        mac
    }

    /// The token a page's forms carry (against cross-site requests): for one link, made on one
    /// day (a day number), with a random nonce that also tells one sending of a form from another.
    pub fn form_token(&self, id: &LinkId, day: i64) -> String {
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce);
        let tag = self.form_mac(id, day, &nonce).finalize().into_bytes();
        format!("{day}.{}.{}", URL_SAFE_NO_PAD.encode(nonce), URL_SAFE_NO_PAD.encode(&tag[..TAG]))
    }

    /// The nonce of a form token this key made for this link, if it was made no more than
    /// `most_days` before `today`; none for anything else.
    pub fn check_form_token(&self, id: &LinkId, token: &str, today: i64, most_days: i64) -> Option<String> {
        let mut parts = token.splitn(3, '.');
        let (day, nonce, tag) = (parts.next()?, parts.next()?, parts.next()?);
        let day: i64 = day.parse().ok()?;
        if day > today || today - day > most_days {
            return None;
        }
        let nonce_bytes = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG || nonce_bytes.len() != 12 {
            return None;
        }
        self.form_mac(id, day, &nonce_bytes).verify_truncated_left(&tag).ok()?;
        Some(nonce.to_string())
    }

    fn form_mac(&self, id: &LinkId, day: i64, nonce: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(b"collectiq customer page form v1\0");
        mac.update(id);
        mac.update(&day.to_be_bytes());
        mac.update(nonce);
        mac
    }

    /// A key kept in memory only, for tests.
    pub fn ephemeral() -> PageKey {
        let mut key = [0u8; 32];
        random_bytes(&mut key);
        PageKey { path: PathBuf::from("(in memory)"), key }
    }
}

/// A link id as the store keeps it: hex.
pub fn id_text(id: &LinkId) -> String {
    id.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_token_holds_for_its_link_and_days_only() {
        let key = PageKey::ephemeral();
        let (id, other) = (PageKey::new_id(), PageKey::new_id());
        let token = key.form_token(&id, 100);
        assert!(key.check_form_token(&id, &token, 100, 2).is_some());
        assert!(key.check_form_token(&id, &token, 102, 2).is_some());
        assert!(key.check_form_token(&id, &token, 103, 2).is_none(), "too old");
        assert!(key.check_form_token(&id, &token, 99, 2).is_none(), "from the future");
        assert!(key.check_form_token(&other, &token, 100, 2).is_none(), "another link's");
        assert!(PageKey::ephemeral().check_form_token(&id, &token, 100, 2).is_none(), "another key's");
        assert_ne!(key.form_token(&id, 100), token, "each form gets its own nonce");
        let moved_day = token.replacen("100.", "101.", 1);
        assert!(key.check_form_token(&id, &moved_day, 101, 2).is_none());
        for broken in ["", "100", "100..", "x.y.z", &token[..token.len() - 2]] {
            assert!(key.check_form_token(&id, broken, 100, 2).is_none(), "{broken}");
        }
    }

    #[test]
    fn a_signed_id_verifies_and_anything_else_does_not() {
        let key = PageKey::ephemeral();
        let id = PageKey::new_id();
        let token = key.sign(&id);
        assert_eq!(key.verify(&token), Some(id));
        assert_ne!(PageKey::new_id(), id, "ids are random");
        let other = PageKey::ephemeral();
        assert_eq!(other.verify(&token), None, "another key's link");
        let (head, tail) = token.split_once('.').unwrap();
        for forged in [
            format!("{head}.{}", &tail[..tail.len() - 1]),
            format!("{head}."),
            format!("{}.{tail}", URL_SAFE_NO_PAD.encode(PageKey::new_id())),
            format!("{head}.{tail}A"),
            head.to_string(),
            String::new(),
            "….…".into(),
        ] {
            assert_eq!(key.verify(&forged), None, "{forged}");
        }
        assert!(!token.contains(['/', '+', '=']), "safe in a URL: {token}");
    }

    #[cfg(unix)]
    #[test]
    fn the_key_is_created_private_once_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("collectiq-page-key-{}-{}", std::process::id(), fastrand::u32(..)));
        let path = dir.join("page.key");
        let first = PageKey::load_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let token = first.sign(&PageKey::new_id());
        let again = PageKey::load_or_create(&path).unwrap();
        assert!(again.verify(&token).is_some(), "the same key, read back");
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(PageKey::load_or_create(&path), Err(PageKeyError::Malformed { .. })), "never replaced");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
