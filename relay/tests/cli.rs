//! The relay binary: flags, environment and config file.

use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn get(port: u16, path: &str, extra: &str) -> Option<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Connection: close\r\n\r\n").as_bytes(),
    )
    .await
    .ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).await.ok()?;
    Some(r)
}

async fn wait_up(port: u16) -> bool {
    for _ in 0..100 {
        if get(port, "/healthz", "").await.is_some_and(|r| r.ends_with("ok\n")) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn config_file_applies_and_flags_win() {
    let dir = std::env::temp_dir().join(format!("relay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file_port = free_port();
    let flag_port = free_port();
    let cfg = dir.join("relay.toml");
    std::fs::write(
        &cfg,
        format!(
            "listen = \"127.0.0.1:{file_port}\"\nupstream = \"127.0.0.1:1863\"\nallow = [\"msn.example:1863-1865\"]\n"
        ),
    )
    .unwrap();
    // From the file alone.
    let _a = Kill(
        Command::new(env!("CARGO_BIN_EXE_relay"))
            .arg("--config")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_up(file_port).await, "listens where the file says");
    // A probe shows the file's allow-list is in force.
    let probe = get(file_port, "/ws?target=msn.example:1864", "").await.unwrap();
    assert!(probe.starts_with("HTTP/1.1 426"), "allowed target: {probe}");
    let probe = get(file_port, "/ws?target=other.example:1864", "").await.unwrap();
    assert!(probe.starts_with("HTTP/1.1 403"), "{probe}");
    // A flag beats the file.
    let _b = Kill(
        Command::new(env!("CARGO_BIN_EXE_relay"))
            .arg("--config")
            .arg(&cfg)
            .args(["--listen", &format!("127.0.0.1:{flag_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_up(flag_port).await, "--listen wins over the file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_config_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("relay-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("relay.toml");
    std::fs::write(&cfg, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relay")).arg("--config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown field `lisen`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_relay")).args(["--allow", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad target pattern"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_certificate_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/cert.pem"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_names_the_stable_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_relay")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for f in [
        "--listen",
        "--upstream",
        "--allow",
        "--allow-origin",
        "--allow-no-origin",
        "--static",
        "--tls-cert",
        "--tls-key",
        "--config",
    ] {
        assert!(help.contains(f), "{f} missing from --help");
    }
}

#[test]
fn warns_when_the_open_file_limit_is_below_max_connections() {
    let port = free_port();
    // util-linux prlimit starts the relay with a hard limit of 256.
    let mut child = Command::new("prlimit")
        .args(["--nofile=256:256", "--"])
        .arg(env!("CARGO_BIN_EXE_relay"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--upstream", "127.0.0.1:1863"])
        .args(["--max-connections", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux)");
    let err = child.stderr.take().unwrap();
    let _k = Kill(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = loop {
        let line = rx.recv_timeout(Duration::from_secs(10)).expect("a warning about the open-file limit");
        if line.contains("open-file limit") {
            break line;
        }
    };
    assert!(line.contains("allows about 96 connections"), "{line}");
    assert!(line.contains("--max-connections (1000)"), "{line}");
}
