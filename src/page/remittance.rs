//! Remittance advice a customer sends with "I've already paid": at most 5 MB, and a PDF, PNG or
//! JPEG by its content (whatever its name or declared type says). It is kept in the uploads
//! folder under a name CollectIQ makes, readable by the operator only, and never served or
//! rendered: a person opens it from there.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::page_actions::Remittance;

/// The largest file taken.
pub const LARGEST: usize = 5 * 1024 * 1024;

/// Why a file was refused or could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum RemittanceError {
    #[error("the file is larger than 5 MB")]
    TooLarge,
    #[error("the file is not a PDF, PNG or JPEG")]
    NotAllowed,
    #[error("the file could not be kept ({0})")]
    Unkept(std::io::ErrorKind),
}

/// The file's type by its first bytes (the signatures of the three formats taken), if allowed.
/// Three fixed signatures need no library: a file that merely claims a type is refused.
pub fn media_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// Checks a file and keeps it in `folder` (created 0700 if missing), as a new file (0600).
pub fn keep(folder: &Path, bytes: &[u8]) -> Result<Remittance, RemittanceError> {
    if bytes.len() > LARGEST {
        return Err(RemittanceError::TooLarge);
    }
    let (media_type, extension) = media_type(bytes).ok_or(RemittanceError::NotAllowed)?;
    create_folder(folder).map_err(|error| RemittanceError::Unkept(error.kind()))?;
    let name = format!("{}-{:016x}.{extension}", jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S"), fastrand::u64(..));
    let path: PathBuf = folder.join(&name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&path).and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&path);
        return Err(RemittanceError::Unkept(error.kind()));
    }
    Ok(Remittance { file: name, media_type: media_type.to_string(), size: bytes.len() as u64 })
}

fn create_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_formats_by_content_and_only_up_to_5_mb() {
        let folder = std::env::temp_dir().join(format!("collectiq-remittance-{}", fastrand::u64(..)));
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
        let kept = keep(&folder, pdf).unwrap();
        assert_eq!((kept.media_type.as_str(), kept.size), ("application/pdf", pdf.len() as u64));
        assert!(kept.file.ends_with(".pdf"));
        assert_eq!(std::fs::read(folder.join(&kept.file)).unwrap(), pdf);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(folder.join(&kept.file)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by the operator only");
        }
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\nrest").map(|t| t.0), Some("image/png"));
        assert_eq!(media_type(b"\xFF\xD8\xFF\xE0rest").map(|t| t.0), Some("image/jpeg"));
        assert!(matches!(keep(&folder, b"<html><script>alert(1)</script>"), Err(RemittanceError::NotAllowed)));
        assert!(matches!(keep(&folder, b"MZ\x90\x00 an executable"), Err(RemittanceError::NotAllowed)));
        let mut large = b"%PDF-".to_vec();
        large.resize(LARGEST + 1, b' ');
        assert!(matches!(keep(&folder, &large), Err(RemittanceError::TooLarge)));
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1, "nothing refused is kept");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
