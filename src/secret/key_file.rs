//! The key file: the one key that seals the OAuth tokens in the database, kept outside it so that
//! a copy or backup of the database alone holds no usable token.
//!
//! It is created on the first `collectiq connect`, readable by its owner only (0600), and never
//! overwritten: it is written whole to a private temporary file, then linked into place, which
//! fails if a key is already there (another process was first, and its key is used). Losing the
//! key means connecting each organisation again, so it is refused rather than replaced when it
//! is damaged, and it belongs in backups of its own.
//!
//! By default it lives in the person's configuration folder (`$XDG_CONFIG_HOME/collectiq/`, or
//! `~/.config/collectiq/`), not beside the database: a folder copied for a backup, or a strategy
//! repository holding `collectiq.toml`, should not carry the key with the tokens.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::OsRng;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};

/// The key file's name in the configuration folder.
pub const FILE_NAME: &str = "token.key";

const HEADER: &str = "# CollectIQ's key for the Xero tokens in its database. Keep it readable by you only (0600)\n\
                      # and back it up apart from the database: without it, every organisation must be connected again.\n";

/// Where the key file is when nothing says otherwise: `$XDG_CONFIG_HOME/collectiq/token.key`, or
/// `$HOME/.config/collectiq/token.key`; none when neither is set.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    // The XDG rule: a relative XDG_CONFIG_HOME is ignored.
    let config = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(config.join("collectiq").join(FILE_NAME))
}

/// The key, with the file it came from (which every error about the tokens names).
pub struct TokenKey {
    path: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenKey({})", self.path.display())
    }
}

/// Why the key could not be had; each says which file and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Neither `COLLECTIQ_KEY_FILE`, `key_file` in collectiq.toml, `XDG_CONFIG_HOME` nor `HOME` says where.
    NoPlace,
    Missing {
        path: String,
    },
    Unreadable {
        path: String,
        reason: std::io::ErrorKind,
    },
    /// Group or others can read it.
    TooOpen {
        path: String,
        mode: u32,
    },
    /// Not a key CollectIQ wrote (damaged, truncated, or another file).
    Malformed {
        path: String,
    },
    Uncreatable {
        path: String,
        reason: std::io::ErrorKind,
    },
}

/// What every message about lost tokens ends with.
pub(crate) const RECONNECT: &str =
    "run `collectiq connect` again (a lost key means connecting each organisation again)";

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::NoPlace => f.write_str(
                "there is no place for the key that seals the Xero tokens: set COLLECTIQ_KEY_FILE (or `key_file` in \
                 collectiq.toml) to a file only you can read, or set HOME",
            ),
            KeyError::Missing { path } => write!(
                f,
                "the key file {path} is missing, so the Xero tokens in the database cannot be decrypted; restore it \
                 from a backup, or {RECONNECT}"
            ),
            KeyError::Unreadable { path, reason } => write!(f, "cannot read the key file {path}: {reason}"),
            KeyError::TooOpen { path, mode } => write!(
                f,
                "the key file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}` and try again"
            ),
            KeyError::Malformed { path } => write!(
                f,
                "the key file {path} does not hold a CollectIQ key (it is damaged or was replaced); restore it from a \
                 backup, or move it aside and {RECONNECT}"
            ),
            KeyError::Uncreatable { path, reason } => {
                write!(f, "cannot create the key file {path}: {reason}; set COLLECTIQ_KEY_FILE to a file you can write")
            }
        }
    }
}

impl std::error::Error for KeyError {}

impl TokenKey {
    /// Reads the key from `path`, which only its owner may read.
    pub fn load(path: &Path) -> Result<TokenKey, KeyError> {
        let shown = path.display().to_string();
        let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => KeyError::Missing { path: shown.clone() },
            reason => KeyError::Unreadable { path: shown.clone(), reason },
        })?;
        if let Some(mode) = super::open_to_others(&metadata) {
            return Err(KeyError::TooOpen { path: shown, mode });
        }
        let text = std::fs::read_to_string(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::InvalidData => KeyError::Malformed { path: shown.clone() },
            reason => KeyError::Unreadable { path: shown.clone(), reason },
        })?;
        let cipher = parse(&text).ok_or(KeyError::Malformed { path: shown })?;
        Ok(TokenKey { path: path.to_path_buf(), cipher })
    }

    /// Reads the key from `path`, creating it first if there is none (as `collectiq connect`
    /// does). An existing key, even a damaged one, is never replaced.
    pub fn load_or_create(path: &Path) -> Result<TokenKey, KeyError> {
        match TokenKey::load(path) {
            Err(KeyError::Missing { .. }) => create(path),
            other => other,
        }
    }

    /// The file the key came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn cipher(&self) -> &XChaCha20Poly1305 {
        &self.cipher
    }

    /// A fresh key kept in memory only, for tests.
    #[cfg(test)]
    pub(crate) fn ephemeral(path: &Path) -> TokenKey {
        TokenKey {
            path: path.to_path_buf(),
            cipher: XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng)),
        }
    }
}

/// The key in a key file's text: comment lines, then one line of base64 (32 bytes).
fn parse(text: &str) -> Option<XChaCha20Poly1305> {
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'));
    let encoded = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    let bytes = STANDARD.decode(encoded).ok()?;
    // `new_from_slice` refuses anything but 32 bytes.
    XChaCha20Poly1305::new_from_slice(&bytes).ok()
}

/// Writes a new random key to `path` without ever showing a half-written file or replacing one.
fn create(path: &Path) -> Result<TokenKey, KeyError> {
    let shown = path.display().to_string();
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let text = format!("{HEADER}{}\n", STANDARD.encode(key));
    write_new_key(path, &text).map_err(|error| KeyError::Uncreatable { path: shown, reason: error.kind() })?;
    TokenKey::load(path)
}

/// Writes a key file whole, private to its owner (in a private folder), and links it into place,
/// which fails if a key is already there. A key already there is kept: another process was
/// first, and its key is the one (`Ok(false)`). Shared by every key CollectIQ keeps (the demo's
/// DKIM key too).
pub(crate) fn write_new_key(path: &Path, text: &str) -> std::io::Result<bool> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| FILE_NAME.into());
    let temporary = folder.join(format!(".{name}.{}-{:016x}.tmp", std::process::id(), fastrand::u64(..)));
    let written = write_private(&temporary, text.as_bytes());
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(error) => return Err(error),
    }
    // The new name survives a power cut (best effort: not every system can sync a folder).
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(true)
}

/// A new file only its owner can read, synced to disk before it is linked anywhere.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("collectiq-key-{name}-{}-{}", std::process::id(), fastrand::u32(..)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_default_is_in_the_configuration_folder() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            default_path(&env(&[("HOME", "/home/ar")])),
            Some(PathBuf::from("/home/ar/.config/collectiq/token.key"))
        );
        assert_eq!(
            default_path(&env(&[("HOME", "/home/ar"), ("XDG_CONFIG_HOME", "/cfg")])),
            Some(PathBuf::from("/cfg/collectiq/token.key"))
        );
        assert_eq!(
            default_path(&env(&[("HOME", "/home/ar"), ("XDG_CONFIG_HOME", "relative")])),
            Some(PathBuf::from("/home/ar/.config/collectiq/token.key"))
        );
        assert_eq!(default_path(&env(&[])), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_is_created_private_once_and_never_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("create");
        let path = dir.join("nested/token.key");
        assert_eq!(TokenKey::load(&path).unwrap_err(), KeyError::Missing { path: path.display().to_string() });
        TokenKey::load_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with("# CollectIQ's key"), "{written}");
        TokenKey::load_or_create(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), written, "an existing key is kept");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

        std::fs::write(&path, "not a key\n").unwrap();
        let damaged = TokenKey::load_or_create(&path).unwrap_err();
        assert!(matches!(damaged, KeyError::Malformed { .. }), "{damaged:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n", "a damaged key is not replaced");
        assert!(damaged.to_string().contains(&path.display().to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("open");
        let path = dir.join("token.key");
        TokenKey::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = TokenKey::load(&path).unwrap_err();
        assert!(matches!(refused, KeyError::TooOpen { mode: 0o644, .. }), "{refused:?}");
        assert!(refused.to_string().contains("chmod 600"), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn processes_creating_at_once_share_one_key() {
        let dir = folder("race");
        let path = dir.join("token.key");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn({
                    let path = path.clone();
                    move || TokenKey::load_or_create(&path)
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
