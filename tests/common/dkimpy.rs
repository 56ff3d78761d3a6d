//! DKIM signatures checked by an independent verifier: Debian's dkimpy (`python3-dkim`, which
//! scripts/test installs), asked for no real DNS: it is given the one TXT record a domain would
//! publish for the selector, and finds nothing anywhere else. Shared by the tests of the signer
//! (tests/email/dkim.rs) and of the demo (tests/autopilot/main.rs).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The messages' paths in, one verdict per line out ("good", "bad", or "error: why"), so that a
/// whole folder of emails costs one Python start.
const SCRIPT: &str = r#"
import sys, dkim
name = sys.argv[1].rstrip(".").encode() + b"."
record = sys.argv[2].encode()
def dns(query, timeout=5):
    return record if query == name else None
for path in sys.argv[3:]:
    try:
        ok = dkim.verify(open(path, "rb").read(), dnsfunc=dns)
        print("good" if ok else "bad")
    except Exception as error:
        print("error: " + repr(error).replace("\n", " "))
"#;

/// What dkimpy says of each message, in order: whether its signature is good with `record`
/// published at `name` (`SELECTOR._domainkey.DOMAIN`), and what it said (with its log when not).
pub fn verify_all(emls: &[PathBuf], name: &str, record: &str) -> Vec<(bool, String)> {
    let output = Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT, name, record])
        .args(emls)
        .output()
        .expect("python3 runs (scripts/test installs python3-dkim)");
    let said = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    let verdicts: Vec<&str> = said.lines().collect();
    assert!(output.status.success() && verdicts.len() == emls.len(), "dkimpy did not run through: {said}\n{log}");
    verdicts
        .into_iter()
        .map(
            |verdict| if verdict == "good" { (true, verdict.to_string()) } else { (false, format!("{verdict} {log}")) },
        )
        .collect()
}

/// What dkimpy says of one message.
pub fn verifies(eml: &Path, name: &str, record: &str) -> (bool, String) {
    verify_all(&[eml.to_path_buf()], name, record).remove(0)
}
