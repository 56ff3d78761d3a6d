//! Tokens at rest, as an operator meets them: the database file never holds a token in plain
//! text; a copy with another key, a missing key file or an altered token is refused in plain
//! words that name the key file and say to connect again; plain tokens of an older store are
//! sealed on first use; and `connect` recovers from a lost key.

use std::path::{Path, PathBuf};

use collectiq::sandbox::Sandbox;
use collectiq::secret::key_file::TokenKey;
use collectiq::store::Store;
use rusqlite::Connection;

use crate::support::*;

struct Connected {
    sandbox: Sandbox,
    folder: PathBuf,
    db: PathBuf,
}

impl Connected {
    fn url(&self) -> String {
        self.sandbox.url().to_string()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        collectiq(&self.url(), &self.db, args)
    }

    fn key_file(&self) -> PathBuf {
        key_file_for(&self.db)
    }
}

/// A sandbox, and a store connected to it by `collectiq connect` as an operator would.
async fn connected(name: &str, seed: u64) -> Connected {
    let sandbox = Sandbox::start(sandbox_config(seed, 1, 60), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let folder = scratch(name);
    let db = folder.join("collectiq.db");
    let connect = collectiq(sandbox.url(), &db, &["connect", "--headless", "--port", "0"]);
    assert!(connect.status.success(), "{}", text(&connect));
    Connected { sandbox, folder, db }
}

/// Every token the store holds, opened with `key_file`: (access, refresh) per grant.
async fn tokens(db: &Path, key_file: &Path) -> Vec<(String, Option<String>)> {
    let store = Store::open(db).await.unwrap();
    store.use_key(TokenKey::load(key_file).unwrap()).await.unwrap();
    let grants: Vec<i64> = store.organisations().await.unwrap().iter().filter_map(|o| o.grant_id).collect();
    let mut tokens = Vec::new();
    for id in grants {
        let grant = store.grant(id).await.unwrap().unwrap();
        tokens.push((grant.access_token.expose().to_string(), grant.refresh_token.map(|r| r.expose().to_string())));
    }
    tokens
}

fn secrets(tokens: &[(String, Option<String>)]) -> Vec<String> {
    tokens.iter().flat_map(|(access, refresh)| std::iter::once(access.clone()).chain(refresh.clone())).collect()
}

/// The database as a backup would copy it: the file and its write-ahead log.
fn raw(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    bytes.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    bytes
}

fn holds(bytes: &[u8], secret: &str) -> bool {
    bytes.windows(secret.len()).any(|window| window == secret.as_bytes())
}

/// The stored (sealed) values of the tokens, as any SQLite client reads them.
fn stored(db: &Path) -> Vec<(i64, String, Option<String>)> {
    let conn = Connection::open(db).unwrap();
    let mut statement = conn.prepare("SELECT id, access_token, refresh_token FROM grants").unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// What `collectiq orgs` says of the first organisation's tokens.
fn token_health_of(url: &str, db: &Path, key_file: &Path) -> String {
    let orgs = collectiq_with_key(url, db, key_file, &["orgs", "--format", "json"]);
    assert!(orgs.status.success(), "{}", text(&orgs));
    let listed: serde_json::Value = serde_json::from_slice(&orgs.stdout).unwrap();
    listed[0]["token"].as_str().unwrap().to_string()
}

fn token_health(connected: &Connected, key_file: &Path) -> String {
    token_health_of(&connected.url(), &connected.db, key_file)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_file_never_holds_a_token_in_plain_text() {
    let connected = connected("at-rest-plain", 61).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(connected.key_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is private");
    }
    let sync = connected.run(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));
    let tokens = tokens(&connected.db, &connected.key_file()).await;
    assert!(!tokens.is_empty() && tokens.iter().all(|(_, refresh)| refresh.is_some()));
    for (_, access, refresh) in stored(&connected.db) {
        assert!(access.starts_with("ciq1:") && refresh.unwrap().starts_with("ciq1:"));
    }
    let bytes = raw(&connected.db);
    for secret in secrets(&tokens) {
        assert!(!holds(&bytes, &secret), "a token is in the database file in plain text");
    }
    assert_eq!(token_health(&connected, &connected.key_file()), "connected");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_of_the_database_with_another_key_is_refused_in_plain_words() {
    let connected = connected("at-rest-copy", 62).await;
    let secrets = secrets(&tokens(&connected.db, &connected.key_file()).await);
    let elsewhere = scratch("at-rest-copy-elsewhere");
    let copy = elsewhere.join("collectiq.db");
    std::fs::copy(&connected.db, &copy).unwrap();
    let other_key = elsewhere.join("token.key");
    TokenKey::load_or_create(&other_key).unwrap();

    let health = token_health_of(&connected.url(), &copy, &other_key);
    let shown = other_key.display().to_string();
    assert!(health.starts_with("cannot be read:"), "{health}");
    for words in ["cannot be decrypted", shown.as_str(), "collectiq connect"] {
        assert!(health.contains(words), "{words} in {health}");
    }
    let sync = collectiq_with_key(&connected.url(), &copy, &other_key, &["sync"]);
    let said = text(&sync);
    assert!(!sync.status.success(), "{said}");
    assert!(said.contains(&shown) && said.contains("collectiq connect"), "{said}");
    for secret in &secrets {
        assert!(!said.contains(secret.as_str()));
    }
    // The original, with its own key, is untouched.
    assert_eq!(token_health(&connected, &connected.key_file()), "connected");
    let _ = std::fs::remove_dir_all(&elsewhere);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_file_is_named_and_connecting_again_recovers() {
    let connected = connected("at-rest-missing", 63).await;
    let secrets = secrets(&tokens(&connected.db, &connected.key_file()).await);
    std::fs::remove_file(connected.key_file()).unwrap();

    let health = token_health(&connected, &connected.key_file());
    let shown = connected.key_file().display().to_string();
    for words in ["cannot be read:", "is missing", shown.as_str(), "collectiq connect"] {
        assert!(health.contains(words), "{words} in {health}");
    }
    let sync = connected.run(&["sync"]);
    let said = text(&sync);
    assert!(!sync.status.success(), "{said}");
    assert!(said.contains(&shown) && said.contains("is missing") && said.contains("collectiq connect"), "{said}");
    assert!(!connected.key_file().exists(), "a lost key is not replaced by one that opens nothing");
    let bytes = raw(&connected.db);
    for secret in &secrets {
        assert!(!said.contains(secret.as_str()));
        assert!(!holds(&bytes, secret), "no plain token to fall back to");
    }

    // Connecting again makes a new key and replaces the tokens it could not open.
    let connect = connected.run(&["connect", "--headless", "--port", "0"]);
    assert!(connect.status.success(), "{}", text(&connect));
    assert!(text(&connect).contains(&shown), "connect says where the new key is: {}", text(&connect));
    assert_eq!(token_health(&connected, &connected.key_file()), "connected");
    let sync = connected.run(&["sync"]);
    assert!(sync.status.success(), "{}", text(&sync));

    // Without a key, disconnecting still forgets the organisation and its tokens.
    std::fs::remove_file(connected.key_file()).unwrap();
    let disconnect = connected.run(&["disconnect", "Harbour"]);
    assert!(disconnect.status.success(), "{}", text(&disconnect));
    assert!(text(&disconnect).contains("Xero was not told"), "{}", text(&disconnect));
    assert!(stored(&connected.db).is_empty(), "the tokens are gone with the organisation");
    let _ = std::fs::remove_dir_all(&connected.folder);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_tokens_of_an_older_store_are_sealed_on_first_use() {
    let connected = connected("at-rest-older", 64).await;
    let tokens = tokens(&connected.db, &connected.key_file()).await;
    // The store as CollectIQ kept it before tokens were sealed: plain tokens, no key file.
    {
        let conn = Connection::open(&connected.db).unwrap();
        let grants: Vec<i64> = stored(&connected.db).iter().map(|(id, _, _)| *id).collect();
        for (id, (access, refresh)) in grants.iter().zip(&tokens) {
            conn.execute(
                "UPDATE grants SET access_token = ?1, refresh_token = ?2 WHERE id = ?3",
                rusqlite::params![access, refresh, id],
            )
            .unwrap();
        }
    }
    std::fs::remove_file(connected.key_file()).unwrap();
    assert!(holds(&raw(&connected.db), &tokens[0].0), "the test starts from plain tokens");

    let sync = connected.run(&["sync"]);
    assert!(sync.status.success(), "the plain tokens still work: {}", text(&sync));
    assert!(connected.key_file().exists(), "a key is made for a store that had none");
    for (_, access, refresh) in stored(&connected.db) {
        assert!(access.starts_with("ciq1:") && refresh.unwrap().starts_with("ciq1:"));
    }
    let bytes = raw(&connected.db);
    for secret in self::secrets(&tokens) {
        assert!(!holds(&bytes, &secret), "a plain token was left in the database file");
    }
    assert_eq!(self::tokens(&connected.db, &connected.key_file()).await, tokens, "sealed, the tokens are the same");
    assert_eq!(token_health(&connected, &connected.key_file()), "connected");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_altered_or_moved_token_is_refused() {
    let connected = connected("at-rest-altered", 65).await;
    let (id, access, refresh) = stored(&connected.db).remove(0);
    let refresh = refresh.unwrap();
    let set = |access: &str, refresh: &str| {
        Connection::open(&connected.db)
            .unwrap()
            .execute(
                "UPDATE grants SET access_token = ?1, refresh_token = ?2 WHERE id = ?3",
                rusqlite::params![access, refresh, id],
            )
            .unwrap();
    };
    // One character changed in the middle of the sealed access token.
    let middle = access.len() / 2;
    let changed = if &access[middle..=middle] == "A" { "B" } else { "A" };
    let altered = format!("{}{changed}{}", &access[..middle], &access[middle + 1..]);
    let shown = connected.key_file().display().to_string();
    for (access_value, refresh_value) in [(altered.as_str(), refresh.as_str()), (refresh.as_str(), access.as_str())] {
        set(access_value, refresh_value);
        let health = token_health(&connected, &connected.key_file());
        assert!(health.contains("cannot be decrypted") && health.contains(&shown), "{health}");
        let sync = connected.run(&["sync"]);
        assert!(!sync.status.success(), "{}", text(&sync));
        assert!(text(&sync).contains("collectiq connect"), "{}", text(&sync));
    }
    set(&access, &refresh);
    assert_eq!(token_health(&connected, &connected.key_file()), "connected");
}
