//! Secrets (client secrets, tokens, webhook keys): kept out of every `Debug` and `Display`, so
//! that no log line or error message can print one by accident. The OAuth tokens kept in the
//! database are sealed with a key from a file of its own (`key_file`, `sealing`).

pub mod key_file;
pub mod page_key;
pub mod sealing;

use std::fmt;
use std::path::Path;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Why a secret file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFileError {
    Unreadable {
        path: String,
        reason: std::io::ErrorKind,
    },
    /// Group or others can read it.
    TooOpen {
        path: String,
        mode: u32,
    },
    Empty {
        path: String,
    },
}

impl fmt::Display for SecretFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretFileError::Unreadable { path, reason } => write!(f, "cannot read the secret file {path}: {reason}"),
            SecretFileError::TooOpen { path, mode } => write!(
                f,
                "the secret file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}` and try again"
            ),
            SecretFileError::Empty { path } => write!(f, "the secret file {path} is empty"),
        }
    }
}

impl std::error::Error for SecretFileError {}

/// The permission bits of a file that others may read or write, or none when only its owner
/// may (mode 0600 or stricter; always none where there are no such bits).
pub fn open_to_others(metadata: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Randomness from the operating system (through the AEAD crate's `OsRng`, already a dependency),
/// for every key and id CollectIQ makes.
pub fn random_bytes(bytes: &mut [u8]) {
    use chacha20poly1305::aead::rand_core::RngCore;
    chacha20poly1305::aead::OsRng.fill_bytes(bytes);
}

/// Reads a secret from a file that only its owner may read (mode 0600 or stricter). Surrounding
/// whitespace, such as a final newline, is dropped.
pub fn read_secret_file(path: &Path) -> Result<Secret, SecretFileError> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path)
        .map_err(|error| SecretFileError::Unreadable { path: shown.clone(), reason: error.kind() })?;
    if let Some(mode) = open_to_others(&metadata) {
        return Err(SecretFileError::TooOpen { path: shown, mode });
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| SecretFileError::Unreadable { path: shown.clone(), reason: error.kind() })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(SecretFileError::Empty { path: shown });
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(…)");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[cfg(unix)]
    #[test]
    fn secret_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("collectiq-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = read_secret_file(&path).unwrap_err();
        assert!(matches!(refused, SecretFileError::TooOpen { mode: 0o644, .. }));
        assert!(!refused.to_string().contains("s3cret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose(), "s3cret");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
