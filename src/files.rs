//! Where a strategy's neighbouring files (its templates and holiday file) are read from: a folder
//! on disk, or the same folder at a git revision (for `diff --git`).

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files beside a strategy, named relative to the strategy's folder.
pub trait StrategyFiles {
    fn read(&self, relative: &Path) -> io::Result<String>;
    /// The names of the files in a folder, for "did you mean" suggestions.
    fn list(&self, relative: &Path) -> io::Result<Vec<String>>;
    /// How a file is named in messages.
    fn display(&self, relative: &Path) -> String;
}

/// A folder on disk.
#[derive(Clone, Debug)]
pub struct Folder(pub PathBuf);

impl Folder {
    /// The folder holding `strategy` (the current folder for a bare file name).
    pub fn of(strategy: &Path) -> Folder {
        Folder(strategy.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf())
    }
}

impl StrategyFiles for Folder {
    fn read(&self, relative: &Path) -> io::Result<String> {
        std::fs::read_to_string(self.0.join(relative))
    }

    fn list(&self, relative: &Path) -> io::Result<Vec<String>> {
        std::fs::read_dir(self.0.join(relative))?
            .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    fn display(&self, relative: &Path) -> String {
        if self.0 == Path::new(".") {
            relative.display().to_string()
        } else {
            self.0.join(relative).display().to_string()
        }
    }
}

/// A folder as it was at a git revision.
#[derive(Clone, Debug)]
pub struct GitRevision {
    /// The repository's top folder.
    root: PathBuf,
    revision: String,
    /// The strategy's folder, relative to the repository's top.
    folder: PathBuf,
}

impl GitRevision {
    /// The folder of `strategy` at `revision`, in the repository that holds it.
    pub fn of(strategy: &Path, revision: &str) -> io::Result<GitRevision> {
        if revision.starts_with('-') || revision.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("\"{revision}\" is not a git revision")));
        }
        let folder = Folder::of(strategy).0;
        let root = PathBuf::from(git(&folder, &["rev-parse", "--show-toplevel"])?.trim());
        let prefix = git(&folder, &["rev-parse", "--show-prefix"])?.trim().to_string();
        Ok(GitRevision { root, revision: revision.to_string(), folder: PathBuf::from(prefix) })
    }

    fn object(&self, relative: &Path) -> String {
        let path = self.folder.join(relative);
        format!("{}:{}", self.revision, path.to_string_lossy().replace('\\', "/"))
    }
}

impl StrategyFiles for GitRevision {
    fn read(&self, relative: &Path) -> io::Result<String> {
        git(&self.root, &["show", &self.object(relative)])
    }

    fn list(&self, relative: &Path) -> io::Result<Vec<String>> {
        let listing = git(&self.root, &["ls-tree", "--name-only", &format!("{}/", self.object(relative))])?;
        Ok(listing.lines().map(|line| line.rsplit('/').next().unwrap_or(line).to_string()).collect())
    }

    fn display(&self, relative: &Path) -> String {
        self.object(relative)
    }
}

/// Runs git and gives its output, or its complaint as an error.
fn git(folder: &Path, args: &[&str]) -> io::Result<String> {
    let output = Command::new("git").arg("-C").arg(folder).args(args).output()?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    } else {
        let complaint = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let kind = if complaint.contains("does not exist") || complaint.contains("exists on disk, but not in") {
            io::ErrorKind::NotFound
        } else {
            io::ErrorKind::Other
        };
        Err(io::Error::new(kind, format!("git {}: {complaint}", args.join(" "))))
    }
}

/// Files held in memory, for tests and for strategies that arrive without a folder.
#[derive(Clone, Debug, Default)]
pub struct InMemory(pub std::collections::BTreeMap<PathBuf, String>);

impl InMemory {
    pub fn with(mut self, relative: &str, text: &str) -> InMemory {
        self.0.insert(PathBuf::from(relative), text.to_string());
        self
    }
}

impl StrategyFiles for InMemory {
    fn read(&self, relative: &Path) -> io::Result<String> {
        self.0.get(relative).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn list(&self, relative: &Path) -> io::Result<Vec<String>> {
        Ok(self
            .0
            .keys()
            .filter(|path| path.parent() == Some(relative))
            .filter_map(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect())
    }

    fn display(&self, relative: &Path) -> String {
        relative.display().to_string()
    }
}
