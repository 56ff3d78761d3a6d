//! Messages from files: `.eml` files, Maildir folders (`cur/` and `new/`), or one message on
//! stdin (what a Postfix pipe or a forwarding rule delivers).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::message::LARGEST;

/// One message's bytes, or why its file could not be read.
pub struct MailFile {
    /// How the source is named: the path, or `stdin`.
    pub source: String,
    pub bytes: std::io::Result<Vec<u8>>,
}

/// The files a path names, in a stable order: itself, every file of a Maildir's `new/` and
/// `cur/`, or every file of a folder. `-` is stdin.
pub fn expand(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path == Path::new("-") || path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let maildir = ["new", "cur"].iter().map(|sub| path.join(sub)).filter(|sub| sub.is_dir()).collect::<Vec<_>>();
    let folders = if maildir.is_empty() { vec![path.to_path_buf()] } else { maildir };
    let mut files = Vec::new();
    for folder in folders {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
            .collect();
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Reads one message (no more than one byte past the largest CollectIQ reads, so a huge file is
/// refused without filling memory).
pub fn read_message(path: &Path) -> MailFile {
    let limit = LARGEST as u64 + 1;
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        let read = std::io::stdin().lock().take(limit).read_to_end(&mut bytes).map(|_| bytes);
        return MailFile { source: "stdin".into(), bytes: read };
    }
    let read = std::fs::File::open(path).and_then(|file| {
        let mut bytes = Vec::new();
        file.take(limit).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    MailFile { source: path.display().to_string(), bytes: read }
}
