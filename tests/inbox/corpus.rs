//! Every message of the corpus is concluded as `corpus/expected.toml` says.

use std::collections::BTreeSet;
use std::path::Path;

use collectiq::inbox::{Imported, Importer, Policies};
use collectiq::store::Store;
use collectiq::store::inbox::{InboundKind, Permanence};
use serde::Deserialize;

use super::support::now;
use super::world::{self, label};

#[derive(Deserialize)]
struct Expected {
    message: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    kind: String,
    #[serde(default)]
    customers: Vec<String>,
    matched_by: Option<String>,
    permanent: Option<bool>,
    failed_address: Option<String>,
    subject: Option<String>,
    note: Option<String>,
}

fn corpus() -> (std::path::PathBuf, Vec<Case>) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus");
    let text = std::fs::read_to_string(folder.join("expected.toml")).unwrap();
    let expected: Expected = toml::from_str(&text).unwrap();
    (folder, expected.message)
}

/// What reason text shows each way of matching.
fn shows_match(reason: &str, matched_by: &str) -> bool {
    match matched_by {
        "thread" => reason.contains("threads to the email"),
        "address" => reason.contains("the address of"),
        "invoice_number" => reason.contains("names the open invoice"),
        _ => true,
    }
}

#[tokio::test]
async fn every_message_is_concluded_as_expected() {
    let store = Store::open_in_memory().await.unwrap();
    world::build(&store).await;
    let importer = Importer::new(store.clone(), Policies::default());
    let (folder, cases) = corpus();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let bytes = std::fs::read(folder.join(&case.file)).unwrap();
        let imported = importer.import(&bytes, &case.file, None, now()).await.unwrap();
        let why = case.note.as_deref().unwrap_or_default();
        let id = match imported {
            Imported::OurOwn => {
                if case.kind != "own" {
                    wrong.push(format!("{}: ignored as our own, expected {} ({why})", case.file, case.kind));
                }
                continue;
            }
            Imported::AlreadyHad { id } => {
                wrong.push(format!("{}: taken for message {id}, already stored", case.file));
                continue;
            }
            Imported::New { id, .. } => id,
        };
        let message = store.inbound_message(id).await.unwrap().unwrap();
        let customers: BTreeSet<String> = message.concerns.iter().map(|c| label(c.tenant_id, &c.name)).collect();
        let expected: BTreeSet<String> = case.customers.iter().cloned().collect();
        let mut problems = Vec::new();
        if message.kind.as_str() != case.kind {
            problems.push(format!("kind {} (expected {})", message.kind.as_str(), case.kind));
        }
        if customers != expected {
            problems.push(format!("customers {customers:?} (expected {expected:?})"));
        }
        if let Some(permanent) = case.permanent {
            let found = message.bounce.as_ref().map(|b| b.permanence == Permanence::Permanent);
            if found != Some(permanent) {
                problems.push(format!("permanent {found:?} (expected {permanent})"));
            }
        }
        if let Some(address) = &case.failed_address
            && message.bounce.as_ref().map(|b| b.address.as_str()) != Some(address.as_str())
        {
            problems
                .push(format!("failed address {:?} (expected {address})", message.bounce.as_ref().map(|b| &b.address)));
        }
        if let Some(subject) = &case.subject
            && message.subject.as_deref() != Some(subject.as_str())
        {
            problems.push(format!("subject {:?} (expected {subject:?})", message.subject));
        }
        if message.kind == InboundKind::Reply
            && let Some(by) = &case.matched_by
            && !shows_match(&message.reason, by)
        {
            problems.push(format!("matched by {by}, but the reason says: {}", message.reason));
        }
        for text in [message.subject.as_deref(), message.from_name.as_deref()].into_iter().flatten() {
            if text.contains(['\r', '\n']) {
                problems.push(format!("a line break survived in {text:?}"));
            }
        }
        if !problems.is_empty() {
            wrong.push(format!("{}: {} ({why}); reason: {}", case.file, problems.join("; "), message.reason));
        }
    }
    assert!(wrong.is_empty(), "{} of {} messages concluded wrongly:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[tokio::test]
async fn a_message_imported_twice_is_stored_once() {
    let store = Store::open_in_memory().await.unwrap();
    world::build(&store).await;
    let importer = Importer::new(store.clone(), Policies::default());
    let (folder, cases) = corpus();
    let mut stored = 0;
    for case in &cases {
        let bytes = std::fs::read(folder.join(&case.file)).unwrap();
        if let Imported::New { .. } = importer.import(&bytes, &case.file, None, now()).await.unwrap() {
            stored += 1;
        }
    }
    let before = store.inbound_messages(true).await.unwrap().len();
    let tasks = store.tasks(true).await.unwrap().len();
    assert_eq!(before, stored);
    for case in &cases {
        let bytes = std::fs::read(folder.join(&case.file)).unwrap();
        let again = importer.import(&bytes, &case.file, None, now()).await.unwrap();
        assert!(matches!(again, Imported::AlreadyHad { .. } | Imported::OurOwn), "{}: {again:?}", case.file);
    }
    assert_eq!(store.inbound_messages(true).await.unwrap().len(), before, "nothing new is stored");
    assert_eq!(store.tasks(true).await.unwrap().len(), tasks, "no task twice");
}
