//! DKIM signatures checked by an independent verifier: Debian's dkimpy (`python3-dkim`), given
//! the DNS record `collectiq doctor` prints, over messages as the mailer writes them — multipart,
//! with a Message-ID at the sender's domain and `Auto-Submitted`. Keys are made here by openssl
//! exactly as docs/email.md tells an operator to make them.

use std::path::Path;
use std::process::Command;

use collectiq::runtime::dkim::{DkimKey, Signer};
use collectiq::runtime::email::{RenderedEmail, message_id};
use collectiq::runtime::mailer::Mailer;

fn openssl(args: &[&str]) {
    let status = Command::new("openssl").args(args).status().expect("openssl runs (scripts/test installs it)");
    assert!(status.success(), "openssl {args:?}");
}

/// Where the test's selector publishes its record.
const RECORD_NAME: &str = "mail2026._domainkey.harbourwholesale.example";

/// Whether dkimpy finds the signature good, with `record` as the selector's TXT record.
fn dkimpy_verifies(eml: &Path, record: &str) -> (bool, String) {
    crate::dkimpy::verifies(eml, RECORD_NAME, record)
}

fn email() -> RenderedEmail {
    let from = "accounts@harbourwholesale.example";
    RenderedEmail {
        from_address: from.into(),
        from_name: Some("Harbour Wholesale Accounts".into()),
        reply_to: Some("ar@harbourwholesale.example".into()),
        to: vec!["ap@kauri.example".into()],
        cc: vec!["owner@kauri.example".into()],
        subject: "Your trade account is overdue: NZD 1,426.01 — ngā mihi".into(),
        text: "Kia ora,\n\nINV-000241  20 Oct 2026  36 days  NZD 1,426.01\n   trailing spaces   \n\n\n".into(),
        html: Some(
            "<!DOCTYPE html><html><body><p>Kia ora,</p><table><tr><td>INV-000241</td></tr></table></body></html>"
                .into(),
        ),
        message_id: message_id("tenant/rule/invoice/1", Some(from)),
    }
}

#[tokio::test]
async fn signatures_made_with_rsa_and_ed25519_keys_verify_with_dkimpy() {
    let dir = tempfile_dir("dkim");
    let keys = [
        ("rsa-pkcs1.pem", vec!["genrsa", "-traditional", "-out"], "rsa-sha256"),
        (
            "rsa-pkcs8.pem",
            vec!["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"],
            "rsa-sha256",
        ),
        ("ed25519.pem", vec!["genpkey", "-algorithm", "ed25519", "-out"], "ed25519-sha256"),
    ];
    for (file, args, algorithm) in keys {
        let path = dir.join(file);
        let mut args: Vec<&str> = args;
        let path_text = path.display().to_string();
        args.push(&path_text);
        if file == "rsa-pkcs1.pem" {
            args.push("2048");
        }
        openssl(&args);
        let key = DkimKey::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.algorithm(), algorithm, "{file}");
        let signer = Signer::with_key(&key, "harbourwholesale.example", "mail2026").unwrap();
        let outbox = dir.join(format!("out-{file}"));
        let mailer = Mailer::folder(&outbox).unwrap().signed_with(signer);
        mailer.send(&email(), &[]).await.unwrap();
        let eml = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
        let raw = std::fs::read_to_string(&eml).unwrap();
        assert!(raw.contains("DKIM-Signature: "), "{file}: signed\n{raw}");
        assert!(raw.contains(&format!("a={algorithm}")), "{file}: the algorithm comes from the key");
        assert!(raw.contains("@harbourwholesale.example>") && raw.contains("Auto-Submitted: auto-generated"));
        assert!(raw.contains("multipart/alternative"), "{file}: both parts");

        let (good, said) = dkimpy_verifies(&eml, &key.dns_record());
        assert!(good, "{file}: dkimpy says {said}\n{raw}");

        // The verifier is not one that says yes to anything: a changed figure fails it, and so
        // does another key's record.
        let tampered = dir.join(format!("tampered-{file}.eml"));
        std::fs::write(&tampered, raw.replacen("Kia ora,", "Kia ora!", 1)).unwrap();
        assert!(!dkimpy_verifies(&tampered, &key.dns_record()).0, "{file}: a changed body fails");
        let other_path = dir.join(format!("other-{file}"));
        openssl(&["genpkey", "-algorithm", "ed25519", "-out", &other_path.display().to_string()]);
        let other = DkimKey::read(&other_path).unwrap();
        assert!(!dkimpy_verifies(&eml, &other.dns_record()).0, "{file}: another key's record fails");
    }
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("collectiq-{name}-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
