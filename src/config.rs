//! Command line and settings: flags, `CONGDONGSO_*` environment variables, an optional TOML file.

use crate::error::{AppError, Result};
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/congdongso.db";
pub const DEFAULT_BACKUP_KEEP: usize = 14;
/// Let's Encrypt's production directory, the default of `--acme-directory`.
pub const LETS_ENCRYPT_DIRECTORY: &str = "https://acme-v02.api.letsencrypt.org/directory";

#[derive(Parser, Debug)]
#[command(
    name = "congdongso",
    version,
    about = "Cộng Đồng Số — quản lý hoạt động Tổ công nghệ số cộng đồng"
)]
pub struct Cli {
    /// Optional TOML settings file (keys: addr, database_url, secret_file, secure_cookies).
    #[arg(long, global = true, env = "CONGDONGSO_CONFIG")]
    pub config: Option<PathBuf>,
    /// sqlite://<path> or postgres://… (default sqlite://data/congdongso.db).
    #[arg(long, global = true, env = "CONGDONGSO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// File holding the secret key that protects citizen IDs (created if missing).
    #[arg(long, global = true, env = "CONGDONGSO_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Seed the demo commune (Rạch Kiến) into an empty database.
    Demo,
    /// Write a hamlet's or commune's report to a file (Word, Excel or PDF).
    Report(ReportArgs),
    /// API tokens for scripts (`Authorization: Bearer …`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import a commune's resident or member list from Excel (.xlsx, .xls, .ods) or .csv.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a consistent copy of the database while the server runs.
    Backup {
        /// The file to write (it must not exist yet).
        #[arg(long)]
        output: PathBuf,
    },
    /// Replace the database with a backup (stop the server first).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// monthly, quarterly or yearly; settlement (the funding settlement of a quarter or a year)
    /// or payments (a month's payment list to be signed).
    #[arg(value_parser = ["monthly", "quarterly", "yearly", "settlement", "payments"])]
    pub kind: String,
    /// Code of the hamlet, commune or province, e.g. rach-kien-ap-03, rach-kien or tay-ninh.
    #[arg(long)]
    pub area: String,
    /// The period, as in the indicators API: 2026-05, 2026-Q2 or 2026.
    #[arg(long)]
    pub period: String,
    /// docx, xlsx or pdf.
    #[arg(long, value_parser = ["docx", "xlsx", "pdf"])]
    pub format: String,
    /// The file to write.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CONGDONGSO_ADDR")]
    pub addr: Option<String>,
    /// Seed the demo commune when the database is empty, then serve it.
    #[arg(long)]
    pub demo: bool,
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
    #[arg(long, env = "CONGDONGSO_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "CONGDONGSO_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate obtained and renewed by itself from an ACME authority
    /// (Let's Encrypt) for this domain name; several separated by commas. The server must be
    /// reachable on port 443 under that name.
    #[arg(
        long,
        env = "CONGDONGSO_ACME_DOMAIN",
        value_delimiter = ',',
        conflicts_with = "tls_cert"
    )]
    pub acme_domain: Vec<String>,
    /// Contact address given to the ACME authority (expiry warnings).
    #[arg(long, env = "CONGDONGSO_ACME_EMAIL")]
    pub acme_email: Option<String>,
    /// The ACME directory URL.
    #[arg(long, env = "CONGDONGSO_ACME_DIRECTORY", default_value = LETS_ENCRYPT_DIRECTORY)]
    pub acme_directory: String,
    /// Trust only the CA certificates of this PEM file when talking to the ACME directory
    /// (a private or test authority).
    #[arg(long, env = "CONGDONGSO_ACME_DIRECTORY_ROOT")]
    pub acme_directory_root: Option<PathBuf>,
    /// Where the ACME certificate and account key are kept (default: `acme` beside the
    /// database).
    #[arg(long, env = "CONGDONGSO_ACME_CACHE")]
    pub acme_cache: Option<PathBuf>,
    /// A plain-HTTP address that sends every request to HTTPS, e.g. 0.0.0.0:80 (only with
    /// HTTPS on).
    #[arg(long, env = "CONGDONGSO_HTTP_ADDR")]
    pub http_addr: Option<String>,
}

impl ServeArgs {
    /// Whether the server itself speaks HTTPS.
    pub fn https(&self) -> bool {
        self.tls_cert.is_some() || !self.acme_domain.is_empty()
    }
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Residents, one row each (PRODUCT.md §6): prints the preview, then applies it.
    Residents(ImportArgs),
    /// Team members: name, hamlet, position, affiliation, phone.
    Members(ImportArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The list to import.
    pub file: PathBuf,
    /// Code of the commune, e.g. rach-kien.
    #[arg(long)]
    pub commune: String,
    /// Only print the preview; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token for an account and print it (it is shown only once).
    Create {
        #[arg(long)]
        username: String,
        /// What the token is for, e.g. "xuất số liệu cho Sở".
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List an account's tokens.
    List {
        #[arg(long)]
        username: String,
    },
    /// Revoke a token by its number (from `token list`).
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// sysadmin, commune_admin, commune_leader, finance, hamlet_head, team_member, province_viewer
        #[arg(long)]
        role: String,
        /// Code of the area the account belongs to, e.g. rach-kien or rach-kien-ap-03.
        #[arg(long)]
        area: String,
        #[arg(long)]
        full_name: Option<String>,
    },
    /// Set an account's password, read from standard input.
    Passwd {
        #[arg(long)]
        username: String,
    },
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<String>,
    database_url: Option<String>,
    secret_file: Option<PathBuf>,
    secure_cookies: Option<bool>,
    backup_dir: Option<PathBuf>,
    backup_keep: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
}

/// A PostgreSQL URL made fit for a pooler in transaction mode (PgBouncer's
/// `pool_mode = transaction`): consecutive transactions of one connection may reach different
/// server sessions, so nothing may outlive a transaction. The application keeps no session
/// state (its locks are per transaction, migrations run one transaction each); what remains
/// is the driver's named prepared statements, turned off here: every statement is prepared
/// unnamed, in the transaction that runs it. A SQLite URL is left as it is.
pub fn behind_transaction_pooler(url: &str) -> String {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        || url.contains("statement-cache-capacity=")
    {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}statement-cache-capacity=0")
}

/// The replica URLs of `CONGDONGSO_DATABASE_REPLICA_URL`: PostgreSQL only.
fn replica_urls(value: &str, pooler: bool) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for url in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(AppError::Config(
                "CONGDONGSO_DATABASE_REPLICA_URL chỉ nhận địa chỉ PostgreSQL (postgres://…), cách nhau bằng dấu phẩy."
                    .into(),
            ));
        }
        out.push(if pooler {
            behind_transaction_pooler(url)
        } else {
            url.to_string()
        });
    }
    Ok(out)
}

/// A whole number from the environment, or the default when unset; `what` names it in the
/// message ("số giây nguyên không âm").
fn number_var<T: std::str::FromStr>(name: &str, default: T, what: &str) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| AppError::Config(format!("{name} phải là một {what} (nhận được «{v}»)"))),
        _ => Ok(default),
    }
}

fn seconds_var(name: &str, default: u64) -> Result<u64> {
    number_var(name, default, "số giây nguyên không âm")
}

fn count_var(name: &str, default: usize) -> Result<usize> {
    number_var(name, default, "số nguyên dương")
}

/// Settings after merging: flag or environment, then the file, then the default.
#[derive(Clone, Debug)]
pub struct Settings {
    pub addr: String,
    pub database_url: String,
    pub secret_file: PathBuf,
    /// Base64 master key; overrides the secret file (CONGDONGSO_SECRET_KEY).
    pub secret_key: Option<String>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// How the server itself serves HTTPS, in words for the sysadmin's page (none: plain HTTP).
    pub https: Option<String>,
    /// The calendar day the report workflow takes as today (`CONGDONGSO_TODAY`, `yyyy-mm-dd`):
    /// for a demonstration or a training copy that replays a month of the plan, and for tests.
    /// Unset, it is today in Vietnam.
    pub today: Option<String>,
    /// Where the server writes a backup every night (`CONGDONGSO_BACKUP_DIR`); none: no nightly
    /// backup.
    pub backup_dir: Option<PathBuf>,
    /// How many nightly backups to keep (`CONGDONGSO_BACKUP_KEEP`, default 14).
    pub backup_keep: usize,
    /// PostgreSQL streaming replicas for the read-mostly pages (`CONGDONGSO_DATABASE_REPLICA_URL`,
    /// URLs separated by commas).
    pub replica_urls: Vec<String>,
    /// A replica further behind the primary is skipped (`CONGDONGSO_REPLICA_MAX_LAG_SECONDS`,
    /// default 5).
    pub replica_max_lag_seconds: u64,
    /// An account's reads stay on the primary this long after its own write
    /// (`CONGDONGSO_REPLICA_STICKY_SECONDS`, default 5, never less than the lag allowed plus the checks' own delay).
    pub replica_sticky_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`trusted_proxies` in the file,
    /// or `CONGDONGSO_TRUSTED_PROXIES`, addresses or networks separated by commas). From any
    /// other peer the header is ignored: a client could write anything in it.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A client must send a request's headers within this many seconds of connecting or of
    /// its previous answer, or the connection is closed: the header read timeout and the idle
    /// keep-alive timeout (`CONGDONGSO_HEADER_TIMEOUT_SECONDS`, default 20).
    pub header_timeout_seconds: u64,
    /// Connections one address may hold open at once; trusted proxies are not capped
    /// (`CONGDONGSO_MAX_CONNECTIONS_PER_ADDRESS`, default 128: a mobile network may put many
    /// phones behind one address, each browser opening up to 6).
    pub max_connections_per_address: usize,
}

impl Settings {
    /// The backup folder: the configured one, or `backups` beside the database.
    pub fn backup_folder(&self) -> PathBuf {
        self.backup_dir.clone().unwrap_or_else(|| {
            self.secret_file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join("backups")
        })
    }

    /// Today for the report workflow: submission dates and whether a report is due.
    pub fn today(&self) -> String {
        self.today
            .clone()
            .unwrap_or_else(crate::indicators::period::today_iso)
    }

    pub fn resolve(cli: &Cli, addr_flag: Option<&str>) -> Result<Settings> {
        let file = match &cli.config {
            Some(p) => load_file(p)?,
            None => FileSettings::default(),
        };
        let database_url = cli
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let pooler = match std::env::var("CONGDONGSO_DATABASE_POOLER") {
            Ok(v) if v.trim() == "transaction" => true,
            Ok(v) if v.trim().is_empty() || v.trim() == "none" => false,
            Ok(v) => {
                return Err(AppError::Config(format!(
                    "CONGDONGSO_DATABASE_POOLER chỉ nhận «transaction» hoặc «none» (nhận được «{v}»)"
                )));
            }
            Err(_) => false,
        };
        let database_url = if pooler {
            behind_transaction_pooler(&database_url)
        } else {
            database_url
        };
        let secret_file = cli
            .secret_file
            .clone()
            .or(file.secret_file)
            .unwrap_or_else(|| default_secret_file(&database_url));
        let secure_cookies = std::env::var("CONGDONGSO_SECURE_COOKIES")
            .ok()
            .map(|v| matches!(v.as_str(), "1" | "true" | "yes"))
            .or(file.secure_cookies)
            .unwrap_or(false);
        Ok(Settings {
            addr: addr_flag
                .map(str::to_string)
                .or(file.addr)
                .unwrap_or_else(|| DEFAULT_ADDR.to_string()),
            database_url,
            secret_file,
            secret_key: std::env::var("CONGDONGSO_SECRET_KEY").ok(),
            secure_cookies,
            https: None,
            backup_dir: std::env::var("CONGDONGSO_BACKUP_DIR")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
                .or(file.backup_dir),
            backup_keep: match std::env::var("CONGDONGSO_BACKUP_KEEP") {
                Ok(v) => v.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    AppError::Config(format!(
                        "CONGDONGSO_BACKUP_KEEP phải là một số dương (nhận được «{v}»)"
                    ))
                })?,
                Err(_) => file.backup_keep.unwrap_or(DEFAULT_BACKUP_KEEP),
            },
            replica_urls: match std::env::var("CONGDONGSO_DATABASE_REPLICA_URL") {
                Ok(v) => replica_urls(&v, pooler)?,
                Err(_) => Vec::new(),
            },
            replica_max_lag_seconds: seconds_var("CONGDONGSO_REPLICA_MAX_LAG_SECONDS", 5)?,
            replica_sticky_seconds: seconds_var("CONGDONGSO_REPLICA_STICKY_SECONDS", 5)?,
            header_timeout_seconds: seconds_var("CONGDONGSO_HEADER_TIMEOUT_SECONDS", 20)?.max(1),
            max_connections_per_address: count_var("CONGDONGSO_MAX_CONNECTIONS_PER_ADDRESS", 128)?
                .max(1),
            trusted_proxies: trusted_proxies(
                std::env::var("CONGDONGSO_TRUSTED_PROXIES")
                    .ok()
                    .map(|v| v.split(',').map(str::to_string).collect())
                    .or(file.trusted_proxies)
                    .unwrap_or_default(),
            )?,
            today: match std::env::var("CONGDONGSO_TODAY") {
                Ok(v) if !v.trim().is_empty() => Some(
                    chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                        .map_err(|_| {
                            AppError::Config(format!(
                                "CONGDONGSO_TODAY phải là một ngày dạng yyyy-mm-dd (nhận được «{v}»)"
                            ))
                        })?
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                _ => None,
            },
        })
    }

    /// Settings for tests: a given database, a key that needs no file.
    pub fn for_tests(database_url: &str) -> Settings {
        Settings {
            addr: "127.0.0.1:0".into(),
            database_url: database_url.into(),
            secret_file: PathBuf::from("unused"),
            secret_key: Some("dGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXk=".into()),
            secure_cookies: false,
            https: None,
            today: None,
            backup_dir: None,
            backup_keep: DEFAULT_BACKUP_KEEP,
            replica_urls: Vec::new(),
            replica_max_lag_seconds: 5,
            replica_sticky_seconds: 5,
            trusted_proxies: Vec::new(),
            header_timeout_seconds: 20,
            max_connections_per_address: 128,
        }
    }
}

/// Addresses (`10.0.0.2`) and networks (`10.0.0.0/24`) of trusted proxies.
fn trusted_proxies(items: Vec<String>) -> Result<Vec<ipnet::IpNet>> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    AppError::Config(format!(
                        "trusted_proxies: «{s}» không phải địa chỉ IP hay dải mạng (ví dụ 10.0.0.2 hoặc 10.0.0.0/24)"
                    ))
                })
        })
        .collect()
}

fn load_file(path: &Path) -> Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Config(format!("Không đọc được tệp cấu hình {path:?}: {e}")))?;
    toml::from_str(&text)
        .map_err(|e| AppError::Config(format!("Tệp cấu hình {path:?} không hợp lệ: {e}")))
}

/// The key lives beside the SQLite file, so copying the data folder keeps them together.
fn default_secret_file(database_url: &str) -> PathBuf {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path).parent() {
            return dir.join("secret.key");
        }
    }
    PathBuf::from("data/secret.key")
}
