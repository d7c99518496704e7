//! Text answers go compressed (brotli or gzip, as the client accepts) and read back to the same
//! bytes; files that are already compressed go as they are.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, Resp, app, backends, demo_db};
use std::io::Read;

async fn fetch(c: &mut Client, path: &str, accept: &str) -> Resp {
    c.send(
        Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn decoded(r: &Resp) -> Vec<u8> {
    let mut out = Vec::new();
    match r
        .headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap())
    {
        Some("br") => {
            brotli::Decompressor::new(&r.bytes[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&r.bytes[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out = r.bytes.clone(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

async fn compressed(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::login(app.clone(), "truongap03").await;
    let texts = [
        "/",
        "/assets/style.css",
        "/assets/field.js",
        "/api/v1/field/data",
        "/api/v1/openapi.json",
        "/residents/export?format=csv",
    ];
    for path in texts {
        let plain = fetch(&mut c, path, "identity").await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
        for (accept, encoding) in [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br")] {
            let r = fetch(&mut c, path, accept).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_eq!(
                r.headers
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                Some(encoding),
                "{path} with Accept-Encoding: {accept}"
            );
            assert!(
                r.bytes.len() * 2 < plain.bytes.len(),
                "{path} ({accept}): {} bytes compressed of {}",
                r.bytes.len(),
                plain.bytes.len()
            );
            let back = decoded(&r);
            if path.starts_with("/api/") {
                // The same JSON (a map's keys may come in another order from one answer to
                // the next).
                let a: serde_json::Value = serde_json::from_slice(&back).unwrap();
                assert!(a == plain.json(), "{path} ({accept}) reads back");
            } else {
                // Pages differ only in the disguise of their CSRF token.
                let text = |b: &[u8]| without_tokens(&String::from_utf8_lossy(b));
                assert!(
                    text(&back) == text(&plain.bytes),
                    "{path} ({accept}) reads back"
                );
            }
        }
    }
    // Already compressed: sent as they are, even to a client that accepts compression.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    for path in [
        "/residents/export?format=xlsx",
        "/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-05&format=docx",
        "/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-05&format=pdf",
        "/assets/icon-192.png",
    ] {
        let r = fetch(&mut admin, path, "gzip, br").await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.headers.get(header::CONTENT_ENCODING).is_none(),
            "{path} is not compressed again"
        );
    }
}

/// A page with the values of its CSRF fields left out.
fn without_tokens(page: &str) -> String {
    let mut parts = page.split("name=\"_csrf\" value=\"");
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        out.push_str(part.split_once('"').map_or(part, |(_, rest)| rest));
    }
    out
}

/// The `_csrf` of the first form of a page.
fn form_token(page: &str) -> String {
    let at = page
        .find("name=\"_csrf\" value=\"")
        .expect("a form with its token")
        + 20;
    page[at..].split('"').next().unwrap().to_string()
}

/// Compressed pages must not repeat a secret whose guesses the compressed size would confirm
/// (BREACH): each page carries another disguise of the CSRF token, and each disguise works.
async fn disguised(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::login(app.clone(), "truongap03").await;
    let plain = c.csrf.clone().unwrap();
    let a = form_token(&c.get("/").await.body);
    let b = form_token(&c.get("/").await.body);
    assert_ne!(a, b, "a new disguise on every page");
    assert!(!a.contains(&plain) && !b.contains(&plain));
    // A disguise altered in one digit is refused; the page's own is taken.
    let mut tampered = a.clone().into_bytes();
    tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let refused = c.post_raw_form("/logout", &[("_csrf", &tampered)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let out = c.post_raw_form("/logout", &[("_csrf", &b)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    // The login form's double-submit token is disguised too, and still logs in.
    let mut anon = Client::new(app.clone());
    let page = anon.get("/login").await;
    let cookie = page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = form_token(&page.body);
    assert!(!token.contains(cookie.split('=').nth(1).unwrap()));
    anon.cookie = Some(cookie);
    let r = anon
        .post_raw_form(
            "/login",
            &[
                ("username", "vhxh"),
                ("password", common::PASSWORD),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn every_page_carries_another_disguise_of_the_csrf_token() {
    for url in backends().await {
        disguised(url).await;
    }
}

#[tokio::test]
async fn text_answers_are_compressed_and_files_are_not() {
    for url in backends().await {
        compressed(url).await;
    }
}

/// Pages link assets under names that carry their digest, kept by browsers for a year; the
/// service worker lists the same names, so a new version reaches phones by itself.
#[tokio::test]
async fn assets_have_hashed_names_kept_for_a_year() {
    // Assets do not depend on the database: the first one will do.
    let url = backends().await.remove(0);
    let db = demo_db(&url).await;
    let mut c = Client::login(app(db), "tovien03").await;
    let page = c.get("/field").await;
    let sw = c.get("/sw.js").await;
    assert_eq!(
        sw.headers[header::CACHE_CONTROL].to_str().unwrap(),
        "no-cache",
        "the worker itself is checked on every load"
    );
    for name in ["style", "app", "field"] {
        let url = page
            .body
            .split('"')
            .find(|s| {
                s.starts_with(&format!("/assets/{name}."))
                    && (s.ends_with(".css") || s.ends_with(".js"))
            })
            .unwrap_or_else(|| panic!("a hashed {name} asset in the page"))
            .to_string();
        let digest = url.split('.').nth(1).unwrap();
        assert_eq!(digest.len(), 10, "{url}");
        let r = c.get(&url).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.headers[header::CACHE_CONTROL].to_str().unwrap(),
            "public, max-age=31536000, immutable"
        );
        assert!(sw.body.contains(&url), "the worker keeps {url}");
        // Another digest (a page from an older version) gets today's file, checked again.
        let old = url.replace(digest, "0000000000");
        let r = c.get(&old).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.headers[header::CACHE_CONTROL].to_str().unwrap(),
            "no-cache"
        );
    }
    assert!(!page.body.contains("?v="), "no hand-bumped versions");
}
