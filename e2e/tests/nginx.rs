//! The deployment path: Debian's nginx terminates TLS with deploy/nginx.conf,
//! spreads WebSockets over two relays, and serves Passport on the same origin.

use devserver::hub::Timing;
use e2e::*;
use std::process::{Command, Stdio};

struct Nginx(std::process::Child);
impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A self-signed certificate for 127.0.0.1 in `dir`.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "openssl made a certificate");
    (cert, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_serves_tls_itself() {
    let stack = Stack::start(Timing::default()).await;
    let dir = std::env::temp_dir().join(format!("msn-relay-tls-{}", std::process::id()));
    let (cert, key) = certificate(&dir);
    let relay = stack.extra_relay_tls(Some(relay::tls::acceptor(&cert, &key).unwrap()), |_| {}).await;
    let driver = Driver::start().await;
    let alice = driver.browser_with(&["--ignore-certificate-errors"]).await;
    alice.sign_in_at(&format!("https://{}/", relay.addr), None, "alice@example.com", "alice", "MSNP7").await;
    alice.until_online().await;
    alice.el("[data-testid=contact][data-email='bob@example.com']").await;
    alice.c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_through_nginx_to_two_relays() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx is installed (scripts/test.sh installs it)");
    let stack = Stack::start(Timing::default()).await;
    let trust = |c: &mut relay::Config| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let a = stack.extra_relay(trust).await;
    let b = stack.extra_relay(trust).await;

    let dir = std::env::temp_dir().join(format!("msn-nginx-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let (cert, key) = certificate(&dir);
    let port = free_port();
    let conf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx.conf"))
        .unwrap()
        .replace("{{PREFIX}}", dir.to_str().unwrap())
        .replace("{{LISTEN}}", &format!("127.0.0.1:{port}"))
        .replace("{{RELAY_A}}", &a.addr.to_string())
        .replace("{{RELAY_B}}", &b.addr.to_string())
        .replace("{{PASSPORT}}", &stack.dev.http.unwrap().to_string())
        .replace("{{CERT}}", cert.to_str().unwrap())
        .replace("{{KEY}}", key.to_str().unwrap());
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let _nginx = Nginx(
        Command::new(nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let url = format!("https://127.0.0.1:{port}/");
    let driver = Driver::start().await;
    let alice = driver.browser_with(&["--ignore-certificate-errors"]).await;
    let bob = driver.browser_with(&["--ignore-certificate-errors"]).await;
    // TWN with the page's default ticket URL: /NotRST.srf on the same origin.
    alice.sign_in_at(&url, None, "alice@example.com", "alice", "MSNP12").await;
    alice.until_online().await;
    bob.sign_in_at(&url, None, "bob@example.com", "bob", "MSNP9").await;
    bob.until_online().await;
    alice.el("[data-testid=contact][data-email='bob@example.com'][data-status=NLN]").await;
    alice.open_chat("bob@example.com").await;
    alice.say("over TLS and nginx").await;
    bob.until_text("[data-testid=message][data-from='alice@example.com']", "over TLS and nginx").await;
    assert!(a.active() > 0 && b.active() > 0, "both relays carry connections: {} and {}", a.active(), b.active());
    alice.c.close().await.unwrap();
    bob.c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
