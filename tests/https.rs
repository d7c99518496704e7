//! HTTPS served by the binary itself, from outside: with certificate files, and with a
//! certificate it obtains and renews from an ACME authority — Debian's `pebble`, a real ACME
//! server, with `pebble-challtestsrv` answering its DNS questions. Plain HTTP is redirected,
//! cookies are `Secure` and HSTS is sent.
//!
//! The ACME test is skipped with a message when pebble is not installed, except under
//! CI=true, where .ci/run installs it.

mod common;
use common::bin;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// The master key the servers of these tests run with (no key file).
const KEY: &str = "dGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXk=";

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A test CA and a certificate it signs for `localhost` and 127.0.0.1.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server's stdout, line by line, read on a thread.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `marker`; returns what follows it up to the next space.
fn wait_for(rx: &mpsc::Receiver<String>, marker: &str, seen: &mut Vec<String>) -> String {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("the server printed «{marker}»; it printed: {seen:?}"));
        seen.push(line.clone());
        if let Some(rest) = line.split(marker).nth(1) {
            return rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string();
        }
    }
}

fn serve(dir: &Path, args: &[&str]) -> (Running, mpsc::Receiver<String>) {
    let url = format!("sqlite://{}", dir.join("congdongso.db").display());
    let mut child = bin()
        .args(["serve", "--database-url", &url])
        .args(args)
        .env("CONGDONGSO_SECRET_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let rx = lines_of(&mut child);
    (Running(child), rx)
}

#[allow(deprecated)] // ring, as the server uses (src/web/tls.rs)
fn trusting(pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    // Every connection a full handshake: a resumed session reports the certificate of the
    // session it resumes, not the one the server holds now.
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// An answer's status line and headers (lower-case names), and its body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The server's certificate, as it was presented.
    cert: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn parse(raw: &[u8], cert: Vec<u8>) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
        cert,
    }
}

/// GET over TLS to `addr`, checking the certificate against `roots` for `name`.
async fn get_tls(
    addr: SocketAddr,
    name: &str,
    roots: Arc<ClientConfig>,
    path: &str,
) -> std::io::Result<Answer> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let mut tls = TlsConnector::from(roots).connect(server_name, tcp).await?;
    let cert = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut raw = Vec::new();
    tls.read_to_end(&mut raw).await?;
    Ok(parse(&raw, cert))
}

/// A plain-HTTP GET with a given Host header.
async fn get_plain(addr: &str, host: &str, path: &str) -> std::io::Result<Vec<u8>> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await?;
    Ok(raw)
}

/// What every page served over HTTPS carries: a `Secure` cookie and HSTS.
fn assert_secure_login_page(answer: &Answer) {
    assert_eq!(answer.status, 200, "the login page over HTTPS");
    assert!(
        String::from_utf8_lossy(&answer.body).contains("Đăng nhập"),
        "the login page's text"
    );
    let cookies = answer.header("set-cookie");
    assert!(!cookies.is_empty(), "the login form sets its CSRF cookie");
    for c in cookies {
        assert!(
            c.contains("; Secure"),
            "cookie without Secure over HTTPS: {c}"
        );
    }
    let hsts = answer.header("strict-transport-security");
    assert!(
        hsts.first().is_some_and(|h| h.contains("max-age=")),
        "HSTS over HTTPS: {:?}",
        answer.headers
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_https_from_certificate_files_and_sends_plain_http_there() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &pki.cert_pem).unwrap();
    std::fs::write(&key, &pki.key_pem).unwrap();
    let (_server, rx) = serve(
        dir.path(),
        &[
            "--addr",
            "127.0.0.1:0",
            "--http-addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let mut seen = Vec::new();
    let http = wait_for(&rx, "Địa chỉ http://", &mut seen);
    let https: SocketAddr = wait_for(&rx, "đang chạy tại https://", &mut seen)
        .parse()
        .unwrap();

    let answer = get_tls(https, "localhost", trusting(&pki.ca_pem), "/login")
        .await
        .expect("a TLS connection with the configured certificate");
    assert_secure_login_page(&answer);
    assert_eq!(
        answer.cert,
        CertificateDer::from_pem_slice(pki.cert_pem.as_bytes())
            .unwrap()
            .to_vec(),
        "the certificate of --tls-cert is the one presented"
    );

    // Plain HTTP on the HTTPS port gets no page.
    let raw = get_plain(&https.to_string(), "localhost", "/login")
        .await
        .unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&raw).contains("Đăng nhập"),
        "a page served in clear on the HTTPS port"
    );

    // The HTTP address sends every request to the same host and path on HTTPS.
    let raw = get_plain(&http, "xa.example.vn", "/residents?q=an")
        .await
        .unwrap();
    let answer = parse(&raw, Vec::new());
    assert_eq!(answer.status, 308, "{}", String::from_utf8_lossy(&raw));
    assert_eq!(
        answer.header("location"),
        vec![format!("https://xa.example.vn:{}/residents?q=an", https.port()).as_str()]
    );
    // A Host header that is not a host name is not echoed into a Location.
    let raw = get_plain(&http, "evil.example/x", "/").await.unwrap();
    assert_eq!(parse(&raw, Vec::new()).status, 400);
}

/// What `serve` with these arguments says on stderr when it refuses to start.
fn refusal(dir: &Path, args: &[&str]) -> String {
    let out = bin()
        .args(["serve", "--database-url"])
        .arg(format!("sqlite://{}", dir.join("db.db").display()))
        .args(args)
        .env("CONGDONGSO_SECRET_KEY", KEY)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} should not start");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn refuses_unreadable_certificates_and_a_redirect_without_https() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("khong-co.pem");
    let missing = missing.to_str().unwrap();
    let err = refusal(
        dir.path(),
        &[
            "--addr",
            "127.0.0.1:0",
            "--tls-cert",
            missing,
            "--tls-key",
            missing,
        ],
    );
    assert!(err.contains("Không đọc được chứng chỉ"), "{err}");
    let err = refusal(dir.path(), &["--http-addr", "127.0.0.1:0"]);
    assert!(err.contains("--http-addr"), "{err}");
}

/// pebble and its DNS stand-in, or None (skip) when pebble is not installed outside CI.
fn pebble_installed() -> bool {
    let found = Command::new("pebble")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but pebble is missing (.ci/run installs Debian's pebble)"
        );
        eprintln!("skipped: pebble is not installed (apt-get install pebble)");
    }
    found
}

const DOMAIN: &str = "congdongso.test";
/// Seconds a certificate from the test authority lasts: short, so the renewal (after two
/// thirds of it) happens during the test.
const VALIDITY: u64 = 30;

#[tokio::test(flavor = "multi_thread")]
async fn obtains_a_certificate_from_an_acme_authority_and_renews_it() {
    if !pebble_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    for (name, text) in [
        ("ca.pem", &pki.ca_pem),
        ("pebble-cert.pem", &pki.cert_pem),
        ("pebble-key.pem", &pki.key_pem),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let dns = {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    // Every name resolves to 127.0.0.1 (and to no IPv6 address, where nothing listens).
    let _dns = Running(
        Command::new("pebble-challtestsrv")
            .args([
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
                "-dns01",
                &format!("127.0.0.1:{dns}"),
                "-http01",
                "",
                "-https01",
                "",
                "-tlsalpn01",
                "",
                "-management",
                &format!("127.0.0.1:{}", free_port()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pebble-challtestsrv"),
    );
    let (acme_port, management, https_port) = (free_port(), free_port(), free_port());
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{acme_port}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": dir.path().join("pebble-cert.pem"),
        "privateKey": dir.path().join("pebble-key.pem"),
        "httpPort": free_port(),
        // The authority checks TLS-ALPN-01 on the port the server listens on.
        "tlsPort": https_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
        "certificateValidityPeriod": VALIDITY,
    }});
    std::fs::write(dir.path().join("pebble.json"), config.to_string()).unwrap();
    let _pebble = Running(
        Command::new("pebble")
            .args(["-config"])
            .arg(dir.path().join("pebble.json"))
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            // No random waits before validating, no random nonce refusals: the test measures
            // the flow, not pebble's robustness drills.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pebble"),
    );
    let to_pebble = trusting(&pki.ca_pem);
    let management_addr: SocketAddr = format!("127.0.0.1:{management}").parse().unwrap();
    let started = Instant::now();
    let root = loop {
        match get_tls(management_addr, "localhost", to_pebble.clone(), "/roots/0").await {
            Ok(a) if a.status == 200 => break String::from_utf8(a.body).unwrap(),
            _ if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => panic!("pebble did not start: {:?}", other.map(|a| a.status)),
        }
    };
    let issued_by_pebble = trusting(&root);

    let (addr_arg, directory) = (
        format!("127.0.0.1:{https_port}"),
        format!("https://localhost:{acme_port}/dir"),
    );
    let root = dir.path().join("ca.pem");
    let acme_args = [
        "--addr",
        addr_arg.as_str(),
        "--acme-domain",
        DOMAIN,
        "--acme-email",
        "quantri@rachkien.example.vn",
        "--acme-directory",
        directory.as_str(),
        "--acme-directory-root",
        root.to_str().unwrap(),
    ];
    let (server, rx) = serve(dir.path(), &acme_args);
    let mut seen = Vec::new();
    let addr: SocketAddr = wait_for(&rx, "đang chạy tại https://", &mut seen)
        .parse()
        .unwrap();
    wait_for(&rx, "Đã nhận chứng chỉ HTTPS mới", &mut seen);
    let first = get_tls(addr, DOMAIN, issued_by_pebble.clone(), "/login")
        .await
        .expect("the certificate from the ACME authority, valid for the domain");
    assert_secure_login_page(&first);

    // Kept beside the database, so a restart reuses it.
    wait_for(&rx, "Đã lưu chứng chỉ HTTPS", &mut seen);
    let kept: Vec<String> = std::fs::read_dir(dir.path().join("acme"))
        .expect("the acme folder beside the database")
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        kept.iter().any(|f| f.starts_with("cached_cert_")),
        "kept: {kept:?}"
    );

    // Renewed after two thirds of its life, before it expires.
    wait_for(&rx, "Đã nhận chứng chỉ HTTPS mới", &mut seen);
    let renewed = get_tls(addr, DOMAIN, issued_by_pebble.clone(), "/login")
        .await
        .expect("the renewed certificate");
    assert_eq!(renewed.status, 200);
    assert_ne!(renewed.cert, first.cert, "a new certificate after renewal");

    // A restart takes the kept certificate instead of asking the authority again.
    drop(server);
    let (_server, rx) = serve(dir.path(), &acme_args);
    let mut seen = Vec::new();
    wait_for(&rx, "Dùng chứng chỉ HTTPS đã lưu", &mut seen);
}
