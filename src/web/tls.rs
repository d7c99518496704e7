//! HTTPS in the server itself, so a commune needs no reverse proxy: a certificate from PEM
//! files (`--tls-cert`, `--tls-key`), or one obtained and renewed from an ACME certificate
//! authority (`--acme-domain`: Let's Encrypt unless `--acme-directory` names another).
//!
//! ACME uses the TLS-ALPN-01 challenge, answered on the HTTPS port itself: the authority opens
//! a TLS connection asking for the `acme-tls/1` protocol and is shown a certificate made for
//! the challenge. Nothing else has to listen, not even port 80. The certificate and the ACME
//! account key are kept in a folder beside the database, so a restart reuses them instead of
//! asking again (Let's Encrypt limits how often one may ask); the certificate is renewed once
//! two thirds of its life have passed (30 days before the end of a 90-day certificate).

use crate::error::{AppError, Result};
use futures_util::StreamExt;
use rustls_acme::caches::DirCache;
use rustls_acme::{AcmeConfig, EventOk, is_tls_alpn_challenge};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::server::TlsStream;

/// Where the certificate comes from.
#[derive(Clone, Debug)]
pub enum Https {
    Files { cert: PathBuf, key: PathBuf },
    Acme(Acme),
}

/// What the server asks an ACME authority for, and where it keeps what it gets.
#[derive(Clone, Debug)]
pub struct Acme {
    pub domains: Vec<String>,
    pub email: Option<String>,
    pub directory: String,
    /// The certificate, its key and the account key (private: the folder is made 0700).
    pub cache_dir: PathBuf,
    /// Trust only this CA for the connection to the ACME directory (a private authority, or
    /// a test one such as pebble); otherwise the usual web roots.
    pub directory_root: Option<PathBuf>,
}

/// Accepts TLS connections with the configured certificate, and answers ACME challenges.
pub struct Acceptor {
    default: Arc<ServerConfig>,
    /// The configuration for `acme-tls/1` connections, when certificates come from ACME.
    challenge: Option<Arc<ServerConfig>>,
}

/// rustls on *ring* (as rustls-acme is built here): it builds with a C compiler alone, where
/// aws-lc-rs also wants cmake. rustls marks it deprecated only because *ring* has no
/// post-quantum key exchange; the classical suites it offers are the ones browsers use.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config() -> Result<rustls::ConfigBuilder<ServerConfig, rustls::WantsVerifier>> {
    ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The protocols the server speaks, offered in the handshake.
fn with_alpn(mut config: ServerConfig) -> Arc<ServerConfig> {
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn unreadable(path: &Path, what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Config(format!(
        "Không đọc được {what} «{}»: {e}. Cần tệp PEM.",
        path.display()
    ))
}

impl Acceptor {
    /// A certificate chain and its private key from PEM files.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Acceptor> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| unreadable(cert, "chứng chỉ", e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| unreadable(cert, "chứng chỉ", e))?;
        if chain.is_empty() {
            return Err(unreadable(cert, "chứng chỉ", "tệp không có chứng chỉ nào"));
        }
        let key =
            PrivateKeyDer::from_pem_file(key).map_err(|e| unreadable(key, "khóa riêng", e))?;
        let config = server_config()?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                AppError::Config(format!("Chứng chỉ và khóa riêng không đi với nhau: {e}"))
            })?;
        Ok(Acceptor {
            default: with_alpn(config),
            challenge: None,
        })
    }

    /// Starts obtaining (or loading) the certificate and keeps renewing it in the background.
    /// Until the first certificate is there, handshakes fail; the authority's own challenge
    /// connections are answered meanwhile.
    pub fn acme(acme: &Acme) -> Result<Acceptor> {
        private_dir(&acme.cache_dir)?;
        let mut config = AcmeConfig::new(acme.domains.iter())
            .directory(&acme.directory)
            .contact(acme.email.iter().map(|e| format!("mailto:{e}")));
        if let Some(root) = &acme.directory_root {
            config = config.client_tls_config(Arc::new(client_trusting(root)?));
        }
        let mut state = config.cache(DirCache::new(acme.cache_dir.clone())).state();
        let default = with_alpn(
            server_config()?
                .with_no_client_auth()
                .with_cert_resolver(state.resolver()),
        );
        let challenge = state.challenge_rustls_config_with_provider(provider());
        let domains = acme.domains.join(", ");
        tokio::spawn(async move {
            // The state is a stream: polling it loads, orders and renews; each step is an event.
            while let Some(event) = state.next().await {
                match event {
                    Ok(EventOk::DeployedNewCert) => println!(
                        "Đã nhận chứng chỉ HTTPS mới cho {domains}; sẽ tự gia hạn trước khi hết hạn."
                    ),
                    Ok(EventOk::DeployedCachedCert) => {
                        println!("Dùng chứng chỉ HTTPS đã lưu cho {domains}.")
                    }
                    Ok(EventOk::CertCacheStore) => {
                        println!("Đã lưu chứng chỉ HTTPS cho {domains}.")
                    }
                    Ok(EventOk::AccountCacheStore) => {}
                    // The stream waits before trying again (longer each time).
                    Err(e) => {
                        eprintln!("Chưa lấy được chứng chỉ HTTPS cho {domains}: {e}. Sẽ thử lại.")
                    }
                }
            }
        });
        Ok(Acceptor {
            default,
            challenge: Some(challenge),
        })
    }

    /// The TLS handshake on a new connection: the stream to serve, or None when the
    /// connection was an ACME challenge (answered and done).
    pub async fn accept(&self, tcp: TcpStream) -> std::io::Result<Option<TlsStream<TcpStream>>> {
        let start =
            tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp).await?;
        if let Some(challenge) = &self.challenge
            && is_tls_alpn_challenge(&start.client_hello())
        {
            start.into_stream(challenge.clone()).await?;
            return Ok(None);
        }
        Ok(Some(start.into_stream(self.default.clone()).await?))
    }
}

/// A TLS client configuration that trusts only the CA certificates of one PEM file.
fn client_trusting(root: &Path) -> Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in
        CertificateDer::pem_file_iter(root).map_err(|e| unreadable(root, "chứng chỉ gốc", e))?
    {
        roots
            .add(cert.map_err(|e| unreadable(root, "chứng chỉ gốc", e))?)
            .map_err(|e| unreadable(root, "chứng chỉ gốc", e))?;
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| AppError::Internal(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The folder of the ACME keys, readable by the server's user only.
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        AppError::Config(format!(
            "Không tạo được thư mục chứng chỉ «{}»: {e}",
            dir.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The folder beside the database where ACME keeps its certificate: `<database folder>/acme`.
pub fn default_cache_dir(secret_file: &Path) -> PathBuf {
    secret_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("acme")
}

/// The plain-HTTP side (`--http-addr`): every request is sent to the same address on HTTPS
/// with a permanent redirect that keeps the method (308), so nothing is served in clear.
pub fn to_https(https_port: u16) -> axum::Router {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    axum::Router::new().fallback(move |req: axum::extract::Request| async move {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string);
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        match https_location(host.as_deref(), &path, https_port) {
            Some(to) => (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, to.clone())],
                format!("Trang này ở {to}"),
            )
                .into_response(),
            None => (
                StatusCode::BAD_REQUEST,
                "Thiếu tên máy (Host) để chuyển sang HTTPS.",
            )
                .into_response(),
        }
    })
}

/// Where plain HTTP is sent: the same host and path on HTTPS (the port only when not 443).
pub fn https_location(host: Option<&str>, path_and_query: &str, https_port: u16) -> Option<String> {
    let host = host?.trim();
    // The Host header names a host and maybe a port; anything else is not redirected.
    let name = match host.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => host.split(':').next()?.to_string(),
    };
    if name.is_empty()
        || name == "[]"
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
    {
        return None;
    }
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = if path_and_query.starts_with('/') {
        path_and_query
    } else {
        "/"
    };
    Some(format!("https://{name}{port}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_host_and_path_and_drop_the_http_port() {
        assert_eq!(
            https_location(Some("xa.example.vn"), "/login?next=/", 443).as_deref(),
            Some("https://xa.example.vn/login?next=/")
        );
        assert_eq!(
            https_location(Some("xa.example.vn:80"), "/", 8443).as_deref(),
            Some("https://xa.example.vn:8443/")
        );
        assert_eq!(
            https_location(Some("[::1]:8080"), "/field", 443).as_deref(),
            Some("https://[::1]/field")
        );
        // A Host header that is not a host name is not echoed into a Location.
        assert_eq!(https_location(Some("evil.example/x"), "/", 443), None);
        assert_eq!(https_location(Some("a b"), "/", 443), None);
        assert_eq!(https_location(None, "/", 443), None);
    }

    #[test]
    fn the_acme_folder_sits_beside_the_database() {
        assert_eq!(
            default_cache_dir(Path::new("data/congdongso.key")),
            PathBuf::from("data/acme")
        );
        assert_eq!(
            default_cache_dir(Path::new("congdongso.key")),
            PathBuf::from("./acme")
        );
    }
}
