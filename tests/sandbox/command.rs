//! `collectiq sandbox` as an operator runs it: the URL on the first line once it accepts
//! connections, serving until interrupted, and plain errors for bad options.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn prints_its_url_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(["sandbox", "--seed", "3", "--organisations", "2", "--invoices", "200", "--today", "2026-11-25"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let url = first_line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first_line:?}");

    let http = collectiq::net::client(std::time::Duration::from_secs(10));
    let status: serde_json::Value = http.get(format!("{url}/sandbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["organisations"].as_array().unwrap().len(), 2);
    assert!(status["now"].as_str().unwrap().starts_with("2026-11-25T12:"));

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("stopping the sandbox"), "{stderr}");
}

#[test]
fn bad_options_are_named() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_collectiq")).args(["sandbox", "--faults", "404:0.1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("\"404\" is not a fault; use 429, 500, slow, reset or truncate"), "{stderr}");

    let output =
        Command::new(env!("CARGO_BIN_EXE_collectiq")).args(["sandbox", "--listen", "not-an-address"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));

    // A port already taken is an error that names the address, not a panic.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_collectiq"))
        .args(["sandbox", "--listen", &address, "--invoices", "10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&format!("cannot listen on {address}")), "{stderr}");
}
