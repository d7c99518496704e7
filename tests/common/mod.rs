//! Shared test harness: a fresh database per test on SQLite and (when configured) PostgreSQL,
//! the router driven in-process, and a small client that keeps the session cookie.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use congdongso::config::Settings;
use congdongso::crypto::Keys;
use congdongso::db::Db;
use congdongso::demo::{self, DemoOptions};
use congdongso::web::{self, AppState};
use std::sync::Arc;
use tower::ServiceExt;

/// The binary, with no settings inherited from the environment that runs the tests.
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_congdongso"));
    c.env_remove("CONGDONGSO_DATABASE_URL")
        .env_remove("CONGDONGSO_CONFIG")
        .env_remove("CONGDONGSO_TODAY")
        .env_remove("CONGDONGSO_BACKUP_DIR")
        .env("CONGDONGSO_LOG", "warn");
    c
}

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

/// Database URLs for one test: a new SQLite file, and a new PostgreSQL database when
/// CONGDONGSO_TEST_POSTGRES_URL is set (CI sets it; see DEVELOPERS.md).
pub async fn backends() -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    let mut urls = vec![format!("sqlite://{}/test.db", dir.display())];
    match std::env::var("CONGDONGSO_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => urls.push(fresh_postgres(&base).await),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but CONGDONGSO_TEST_POSTGRES_URL is not set");
            }
            eprintln!("PostgreSQL skipped: CONGDONGSO_TEST_POSTGRES_URL is not set");
        }
    }
    urls
}

/// A new, empty database on the server of `base` (a URL naming any database there).
pub async fn fresh_postgres(base: &str) -> String {
    use sqlx::Connection;
    let name = format!(
        "cds_t_{}",
        congdongso::auth::random_token()[..12]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to CONGDONGSO_TEST_POSTGRES_URL");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
    format!("{prefix}/{name}")
}

/// A new database reached through PgBouncer in transaction mode (`CONGDONGSO_TEST_PGBOUNCER_URL`,
/// a URL of the pooler naming any database, started by `.ci/run`); `None` (or a panic under
/// `CI=true`) when there is no pooler.
pub async fn pooled_postgres() -> Option<String> {
    let pooler = match std::env::var("CONGDONGSO_TEST_PGBOUNCER_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but CONGDONGSO_TEST_PGBOUNCER_URL is not set");
            }
            eprintln!("PgBouncer skipped: CONGDONGSO_TEST_PGBOUNCER_URL is not set");
            return None;
        }
    };
    let direct = std::env::var("CONGDONGSO_TEST_POSTGRES_URL")
        .expect("CONGDONGSO_TEST_POSTGRES_URL, for the server behind the pooler");
    let url = fresh_postgres(&direct).await;
    let (_, name) = url.rsplit_once('/').unwrap();
    let (prefix, _) = pooler.rsplit_once('/').expect("URL with a database name");
    Some(format!("{prefix}/{name}"))
}

pub fn keys() -> Keys {
    Keys::from_master(b"test master key for the test suite")
}

pub async fn migrated(url: &str) -> Db {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    db
}

/// The day the tests' demo commune stands on, whatever day the tests run: the demo dates its
/// year relative to the day it is seeded, and the tests' fixed dates are 2026's. Its data run
/// from January to 20 November 2026 (`tests/demo.rs` seeds it on the real today).
pub const DEMO_DAY: &str = "2026-11-20";

/// The tests' demo size: 3 households per hamlet, a fixed seed.
const SMALL_DEMO: DemoOptions = DemoOptions {
    households_per_hamlet: 3,
    seed: 7,
};

pub fn demo_day() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(DEMO_DAY, "%Y-%m-%d").unwrap()
}

/// A database with the demo commune at a small size (3 households per hamlet), as it stands
/// on `DEMO_DAY`.
pub async fn demo_db(url: &str) -> Db {
    demo_db_on(url, DEMO_DAY).await
}

/// A database with the demo commune at the same small size, seeded as `serve --demo` seeds it:
/// on the day the product takes as today (`period::today`, which `CONGDONGSO_TODAY` sets).
pub async fn demo_db_today(url: &str) -> Db {
    let db = migrated(url).await;
    demo::seed(&db, &keys(), PASSWORD, &SMALL_DEMO)
        .await
        .expect("seed demo")
        .expect("database was empty");
    db
}

/// A database with the demo commune at the same small size, as it stands on `today`
/// (`yyyy-mm-dd`): its year, reports and activities up to that day.
pub async fn demo_db_on(url: &str, today: &str) -> Db {
    let db = migrated(url).await;
    let day = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").expect("a yyyy-mm-dd day");
    demo::seed_on(&db, &keys(), PASSWORD, &SMALL_DEMO, day)
        .await
        .expect("seed demo")
        .expect("database was empty");
    db
}

pub fn app(db: Db) -> Router {
    let settings = Settings::for_tests("unused");
    web::router(Arc::new(AppState::new(db, keys(), settings)))
}

/// The app with the report workflow's calendar set to `today` (`CONGDONGSO_TODAY`).
pub fn app_on(db: Db, today: &str) -> Router {
    let mut settings = Settings::for_tests("unused");
    settings.today = Some(today.to_string());
    web::router(Arc::new(AppState::new(db, keys(), settings)))
}

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Resp {
    pub status: StatusCode,
    pub body: String,
    /// The body as sent, for files.
    pub bytes: Vec<u8>,
    pub headers: axum::http::HeaderMap,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    pub fn new(app: Router) -> Client {
        Client {
            app,
            cookie: None,
            csrf: None,
        }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if let Some(c) = &self.cookie {
            req.headers_mut()
                .insert(header::COOKIE, c.parse().expect("cookie header"));
        }
        let res = self.app.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        if let Some(set) = headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
        {
            let pair = set.split(';').next().unwrap_or("").to_string();
            if pair.starts_with("cds_session=") {
                self.cookie = if pair == "cds_session=" {
                    None
                } else {
                    Some(pair)
                };
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        Resp {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Logs in through the API; panics if that fails.
    pub async fn login(app: Router, username: &str) -> Client {
        let mut c = Client::new(app);
        let r = c.api_login(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.body);
        c
    }

    pub async fn api_login(&mut self, username: &str, password: &str) -> Resp {
        let body = serde_json::json!({"username": username, "password": password}).to_string();
        let r = self
            .send(
                Request::post("/api/v1/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        if r.status == StatusCode::OK {
            self.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        }
        r
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        all.push(("_csrf", &csrf));
        self.post_raw_form(path, &all).await
    }

    /// Posts JSON with the session's CSRF token in `X-CSRF-Token`.
    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Resp {
        let csrf = self.csrf.clone().unwrap_or_default();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", csrf)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Posts a file's bytes as the body, with the session's CSRF token in `X-CSRF-Token`.
    pub async fn post_bytes(&mut self, path: &str, bytes: Vec<u8>) -> Resp {
        let csrf = self.csrf.clone().unwrap_or_default();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .header("x-csrf-token", csrf)
                .body(Body::from(bytes))
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

/// The id of the first resident of a hamlet, as a commune admin sees it.
pub async fn first_resident_of(app: &Router, hamlet_code: &str) -> i64 {
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let r = admin
        .get(&format!("/api/v1/residents?area={hamlet_code}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"][0]["id"]
        .as_i64()
        .expect("a resident in the hamlet")
}

/// The rows the planner believes `table` has: PostgreSQL's `reltuples`, SQLite's
/// `sqlite_stat1` (both written by ANALYZE only).
pub async fn planner_rows(db: &Db, table: &str) -> i64 {
    if db.backend == congdongso::db::Backend::Postgres {
        let (n,): (i64,) = db
            .fetch_one(
                "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = $1 AND relkind = 'r'",
                &[table.into()],
            )
            .await
            .unwrap();
        n
    } else {
        let (stat,): (String,) = db
            .fetch_one(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = $1 ORDER BY idx LIMIT 1",
                &[table.into()],
            )
            .await
            .unwrap();
        stat.split(' ').next().unwrap().parse().unwrap()
    }
}

/// Hamlet, month, activities, security sessions.
pub type ActivityCount = (i64, i64, i64, i64);

/// The per-hamlet-month activity counts the triggers keep (migration 0010), and the same
/// counted from the activities themselves: equal when the triggers kept up with every write.
pub async fn activity_counts(db: &Db) -> (Vec<ActivityCount>, Vec<ActivityCount>) {
    let kept = db
        .fetch_all(
            "SELECT hamlet_id, month, n, security FROM activity_counts \
             WHERE n <> 0 OR security <> 0 ORDER BY hamlet_id, month",
            &[],
        )
        .await
        .unwrap();
    let counted = db
        .fetch_all(
            "SELECT hamlet_id, CAST(SUBSTR(activity_date, 1, 4) AS BIGINT) * 12 \
             + CAST(SUBSTR(activity_date, 6, 2) AS BIGINT) - 1 AS m, COUNT(*), \
             CAST(SUM(CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM activities WHERE active = 1 AND confirmed = 1 \
             GROUP BY hamlet_id, m ORDER BY hamlet_id, m",
            &[],
        )
        .await
        .unwrap();
    (kept, counted)
}

/// Fills the last hour of hamlet `code` with `n` public requests from as many senders, as a
/// busy hour would.
pub async fn busy_hour(db: &Db, code: &str, n: i64) {
    let hamlet = congdongso::db::areas::by_code(db, code)
        .await
        .unwrap()
        .unwrap();
    let now = congdongso::db::now();
    for i in 0..n {
        db.execute(
            "INSERT INTO help_requests (commune_id, hamlet_id, requester_name, phone, source, \
             status, sender_key, created_at, updated_at) \
             VALUES ($1, $2, $3, '0901234567', 'public', 'open', $4, $5, $5)",
            &[
                hamlet.commune_id.unwrap().into(),
                hamlet.id.into(),
                format!("Người {i}").into(),
                format!("key-{i}").into(),
                now.into(),
            ],
        )
        .await
        .unwrap();
    }
}

/// A commune under `parent` (a province code) with a commune admin `<code>-admin`, opened on
/// `opened_on` when given.
pub async fn add_commune(db: &Db, code: &str, parent: &str, opened_on: Option<&str>) -> i64 {
    let parent = congdongso::db::areas::by_code(db, parent)
        .await
        .unwrap()
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let id = congdongso::db::areas::insert(&mut tx, code, code, "commune", Some(&parent), 50)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if let Some(d) = opened_on {
        db.execute(
            "UPDATE areas SET opened_on = $1 WHERE id = $2",
            &[d.into(), id.into()],
        )
        .await
        .unwrap();
    }
    add_account(
        db,
        &format!("{code}-admin"),
        congdongso::auth::Role::CommuneAdmin,
        code,
    )
    .await;
    id
}

pub async fn add_account(db: &Db, username: &str, role: congdongso::auth::Role, area: &str) {
    let hash = congdongso::auth::hash_password(PASSWORD).unwrap();
    let mut tx = db.begin_write().await.unwrap();
    congdongso::db::accounts::create(db, &mut tx, username, &hash, role, area, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
