//! `inbox fetch` against a real IMAP server: Dovecot on loopback, plain and over TLS with its own
//! certificate as the CA. A message is read once, a re-run reads nothing new, nothing is marked
//! read, and a recreated mailbox is read again without storing anything twice.

use std::path::Path;

use collectiq::config::{InboxConfig, MailboxConfig};
use collectiq::inbox::fetch::fetch_all;
use collectiq::inbox::{Importer, Policies};
use collectiq::secret::Secret;
use collectiq::store::Store;

use super::dovecot::{Dovecot, PASSWORD};
use super::world;

fn corpus(file: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus").join(file)).unwrap()
}

fn inbox(server: &Dovecot) -> InboxConfig {
    InboxConfig {
        mailboxes: vec![MailboxConfig {
            url: server.url(),
            password: Some(Secret::new(PASSWORD)),
            ca_file: server.ca_file(),
            organisation: None,
            trusted_network: false,
        }],
        poll: std::time::Duration::from_secs(60),
    }
}

async fn fetched(config: &InboxConfig, importer: &Importer) -> (u32, u32) {
    let report = fetch_all(config, importer).await.unwrap();
    assert!(!report.failed(), "{:?}", report.lines());
    let mailbox = &report.mailboxes[0];
    (mailbox.stored, mailbox.already)
}

async fn reads_once_and_again_after_recreation(server: Dovecot) {
    let store = Store::open_in_memory().await.unwrap();
    world::build(&store).await;
    let importer = Importer::new(store.clone(), Policies::default());
    let config = inbox(&server);
    server.append_over_imap(&corpus("outlook-reply.eml")).await;
    server.append_over_imap(&corpus("bounce-office365-ndr.eml")).await;
    assert_eq!(fetched(&config, &importer).await, (2, 0), "{}", server.log());
    assert_eq!(fetched(&config, &importer).await, (0, 0), "a re-run reads nothing new");
    assert!(!server.flags().contains("\\Seen"), "nothing is marked read: {}", server.flags());
    server.append_over_imap(&corpus("gmail-reply.eml")).await;
    server.append_over_imap(&corpus("bounce-gmail-ndr.eml")).await;
    assert_eq!(fetched(&config, &importer).await, (2, 0), "only the new messages");
    let messages = store.inbound_messages(true).await.unwrap();
    let kinds: Vec<(&str, &str)> = messages.iter().map(|m| (m.kind.as_str(), m.state.as_str())).collect();
    assert_eq!(kinds, [("reply", "handled"), ("bounce", "handled"), ("reply", "open"), ("bounce", "handled")]);
    // The corpus was written in 2025: on the mailbox's first read, its reply and its bounce are
    // history and change nothing; what came after acts.
    assert!(messages[0].reason.contains("kept as history") && messages[1].reason.contains("kept as history"));
    let books = store.books(world::A).await.unwrap();
    assert!(!books.customer(world::contact_id(2)).unwrap().lost_by_bounces(), "history stops no address");
    let harbour = store.memory(world::B).await.unwrap();
    assert!(harbour.replies.get(&world::contact_id(12)).is_some_and(|r| r.first_open.is_some()), "the reply pauses");
    let books = store.books(world::B).await.unwrap();
    assert!(books.customer(world::contact_id(12)).unwrap().lost_by_bounces(), "the bounce stops the address");
    // The mailbox made anew (a new UIDVALIDITY): everything is read again, nothing stored twice.
    server.delete_mailbox_and_recreate();
    server.append(super::dovecot::USER, &corpus("outlook-reply.eml"));
    server.append(super::dovecot::USER, &corpus("apple-mail-reply.eml"));
    assert_eq!(fetched(&config, &importer).await, (1, 1));
    assert_eq!(store.inbound_messages(true).await.unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_imap_on_loopback() {
    reads_once_and_again_after_recreation(Dovecot::start()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_over_tls_with_a_private_ca() {
    reads_once_and_again_after_recreation(Dovecot::start_tls()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_an_untrusted_certificate_is_said_plainly_and_stores_nothing() {
    let server = Dovecot::start_tls();
    let store = Store::open_in_memory().await.unwrap();
    let importer = Importer::new(store.clone(), Policies::default());
    let mut config = inbox(&server);
    config.mailboxes[0].password = Some(Secret::new("not-the-password"));
    let report = fetch_all(&config, &importer).await.unwrap();
    assert!(report.failed());
    let said = report.lines().join("\n");
    assert!(!said.contains("not-the-password") && !said.contains(PASSWORD), "no password in what is said: {said}");
    let mut config = inbox(&server);
    config.mailboxes[0].ca_file = None;
    let report = fetch_all(&config, &importer).await.unwrap();
    assert!(report.failed(), "a self-signed certificate is not trusted without ca_file");
    assert!(store.inbound_messages(true).await.unwrap().is_empty());
}

/// Autopilot's watch: a message appended while it waits (IMAP IDLE) is stored within seconds,
/// long before the poll interval, and stopping it ends the watch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_hears_new_mail_as_it_comes() {
    let server = Dovecot::start();
    let store = Store::open_in_memory().await.unwrap();
    world::build(&store).await;
    let importer = Importer::new(store.clone(), Policies::default());
    let mut config = inbox(&server);
    config.poll = std::time::Duration::from_secs(600);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watching =
        tokio::spawn(collectiq::inbox::fetch::watch(config.mailboxes[0].clone(), importer, config.poll, stopped));
    // Let the first read finish and the wait begin, then deliver.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    server.append_over_imap(&corpus("apple-mail-reply.eml")).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store.inbound_messages(true).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "not heard within 20 s:\n{}", server.log());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), watching).await.expect("the watch stops").unwrap();
}
