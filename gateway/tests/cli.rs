//! The binary as a new user meets it: `serve --demo` prints each site's address first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_the_sites_addresses_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scriptorium"))
        .args(["serve", "--demo"])
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display()))
        .env("SCRIPTORIUM_BIND", "127.0.0.1:0")
        .env("SCRIPTORIUM_MAIL_DIR", dir.path().join("mail"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    while !banner.last().is_some_and(|l: &String| l.contains("listening on")) {
        let line = lines.recv_timeout(Duration::from_secs(120)).expect("the server printed no banner");
        banner.push(line);
    }
    let listening = banner.last().unwrap();
    let address = listening.split("http://").nth(1).unwrap().split_whitespace().next().unwrap();
    let port = address.rsplit(':').next().unwrap();
    assert!(port.parse::<u16>().unwrap() > 0, "{listening}");
    assert!(banner[0].starts_with("Sites"), "{banner:#?}");
    assert!(
        banner[1].contains("essays") && banner[1].contains(&format!("http://localhost:{port}/graphql")),
        "{banner:#?}"
    );
    assert!(
        banner[2].contains("papers") && banner[2].contains(&format!("http://papers.localhost:{port}/graphql")),
        "{banner:#?}"
    );
    assert!(listening.contains("X-Tenant"), "{listening}");
}

/// The lines a child prints, as they come.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for a line containing `what`; fails with what was printed.
fn wait_for(lines: &mpsc::Receiver<String>, what: &str, seen: &mut Vec<String>) {
    while !seen.last().is_some_and(|l| l.contains(what)) {
        match lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with {what:?}; printed: {seen:#?}"),
        }
    }
}

#[test]
fn worker_runs_the_periodic_housekeeping_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scriptorium"))
        .arg("worker")
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("worker.db").display()))
        .env("SCRIPTORIUM_MAIL_DIR", dir.path().join("mail"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    let pid = child.id().to_string();
    let mut server = Server(child);
    let mut seen = Vec::new();
    wait_for(&lines, "worker started", &mut seen);
    // the hour's housekeeping job is enqueued as the worker starts, and run
    wait_for(&lines, "housekeeping purged expired rows", &mut seen);
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    wait_for(&lines, "worker stopped", &mut seen);
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}: {seen:#?}");
}

#[test]
fn a_bad_smtp_url_stops_the_start_with_a_clear_message_and_creates_nothing() {
    for (url, says) in [
        ("smtp://mailer:hunter2@mail.example.com:587", "SCRIPTORIUM_SMTP_URL would send the password in plain text"),
        ("smtps://mailer:hunter2@[not a host", "SCRIPTORIUM_SMTP_URL does not parse"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_scriptorium"))
            .args(["serve", "--demo"])
            .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("bad.db").display()))
            .env("SCRIPTORIUM_BIND", "127.0.0.1:0")
            .env("SCRIPTORIUM_MAIL_DIR", dir.path().join("mail"))
            .env("SCRIPTORIUM_SMTP_URL", url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(!stderr.contains("hunter2"), "the password is not repeated: {stderr}");
        assert!(!dir.path().join("bad.db").exists(), "refused before anything was created");
    }
}

#[test]
fn vapid_keys_prints_a_key_pair_and_a_bad_key_or_subject_stops_the_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_scriptorium")).arg("vapid-keys").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SCRIPTORIUM_VAPID_PRIVATE_KEY="))
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();
    let cases = [
        (key.as_str(), None, "SCRIPTORIUM_VAPID_SUBJECT is required"),
        (key.as_str(), Some("ops@example.com"), "must start with mailto: or https://"),
        ("not-a-key", Some("mailto:ops@example.com"), "SCRIPTORIUM_VAPID_PRIVATE_KEY is not"),
    ];
    for (private, subject, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_scriptorium"));
        command
            .args(["worker"])
            .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("bad.db").display()))
            .env("SCRIPTORIUM_MAIL_DIR", dir.path().join("mail"))
            .env("SCRIPTORIUM_VAPID_PRIVATE_KEY", private)
            .env_remove("SCRIPTORIUM_VAPID_SUBJECT")
            .env("RUST_LOG", "warn");
        if let Some(subject) = subject {
            command.env("SCRIPTORIUM_VAPID_SUBJECT", subject);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{says}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!stderr.contains(&key), "the key is not repeated: {stderr}");
        assert!(!dir.path().join("bad.db").exists(), "refused before anything was created");
    }
}
