//! Static assets embedded in the binary: no CDN, the commune network may have no internet.
//!
//! Each asset is linked under a name carrying a digest of its content (`style.1a2b3c4d5e.css`),
//! so a phone may keep it for a year without asking again, and a new binary with a changed file
//! links a new name: nobody bumps a `?v=` by hand.

use super::SharedState;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/assets/{*path}", get(serve))
}

/// How long a browser keeps an asset whose name carries its digest.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// File name → its digest (10 hex digits), computed once from the embedded bytes.
fn digests() -> &'static HashMap<String, String> {
    static DIGESTS: OnceLock<HashMap<String, String>> = OnceLock::new();
    DIGESTS.get_or_init(|| {
        Assets::iter()
            .filter_map(|name| {
                let file = Assets::get(&name)?;
                let hex: String = Sha256::digest(&file.data)
                    .iter()
                    .take(5)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Some((name.into_owned(), hex))
            })
            .collect()
    })
}

/// `style.css` → `style.<digest>.css`.
fn hashed_name(name: &str, digest: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{digest}.{ext}"),
        None => format!("{name}.{digest}"),
    }
}

/// The URL a page links an asset by; its name changes whenever its content does.
pub fn url(name: &str) -> String {
    match digests().get(name) {
        Some(d) => format!("/assets/{}", hashed_name(name, d)),
        None => format!("/assets/{name}"),
    }
}

/// The embedded file a requested name stands for, and whether the name carried the file's
/// current digest (only then may the browser keep it for good).
fn resolve(path: &str) -> Option<(String, bool)> {
    if Assets::get(path).is_some() {
        return Some((path.to_string(), false));
    }
    // `stem.digest.ext` or `name.digest`: drop the digest part.
    let (dir_stem, ext) = path.rsplit_once('.')?;
    let candidates = match dir_stem.rsplit_once('.') {
        Some((stem, digest)) => vec![
            (format!("{stem}.{ext}"), digest),
            (dir_stem.to_string(), ext),
        ],
        None => vec![(dir_stem.to_string(), ext)],
    };
    candidates.into_iter().find_map(|(name, digest)| {
        let current = digests().get(&name)?;
        Some((name, current == digest))
    })
}

/// One digest over every asset: changes whenever any of them does.
pub fn version() -> String {
    let mut names: Vec<_> = digests().iter().collect();
    names.sort();
    let mut h = Sha256::new();
    for (n, d) in names {
        h.update(n.as_bytes());
        h.update(d.as_bytes());
    }
    h.finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn serve(Path(path): Path<String>) -> Response {
    match resolve(&path) {
        Some((name, exact)) => {
            let cache = if exact {
                IMMUTABLE
            } else {
                // A plain name, or a digest of another version (a page from before an
                // upgrade): the current file, checked again next time.
                "no-cache"
            };
            with_cache(asset_response(&name), cache)
        }
        None => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

fn with_cache(mut res: Response, cache: &'static str) -> Response {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    res
}

/// An embedded file with its content type; `no-cache` unless the caller says otherwise.
pub fn asset_response(name: &str) -> Response {
    match Assets::get(name) {
        Some(file) => {
            let mime = mime_guess::from_path(name).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.to_string()),
                    (header::CACHE_CONTROL, "no-cache".to_string()),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

/// An embedded text file with every `/assets/<name>` it mentions replaced by the hashed URL,
/// and `{{version}}` by [`version`]: the service worker and the manifest.
pub fn text_with_urls(name: &str) -> Option<String> {
    let file = Assets::get(name)?;
    let mut text = String::from_utf8(file.data.into_owned()).ok()?;
    let mut names: Vec<&String> = digests().keys().collect();
    // Longer names first, so no name is replaced inside another.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in names {
        text = text.replace(&format!("/assets/{n}\""), &format!("{}\"", url(n)));
        text = text.replace(&format!("/assets/{n}'"), &format!("{}'", url(n)));
    }
    Some(text.replace("{{version}}", &version()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every asset the field app needs offline, by its hashed URL.
    fn field_urls() -> Vec<String> {
        [
            "field.js",
            "field.css",
            "style.css",
            "app.js",
            "icon-192.png",
            "icon-512.png",
        ]
        .iter()
        .map(|n| url(n))
        .collect()
    }

    #[test]
    fn a_hashed_name_resolves_to_its_file_and_only_the_current_digest_is_exact() {
        let u = url("style.css");
        let name = u.trim_start_matches("/assets/");
        assert_ne!(name, "style.css", "the URL carries a digest");
        assert_eq!(resolve(name), Some(("style.css".to_string(), true)));
        assert_eq!(
            resolve("style.0000000000.css"),
            Some(("style.css".to_string(), false))
        );
        assert_eq!(resolve("style.css"), Some(("style.css".to_string(), false)));
        assert_eq!(resolve("nothing.0000000000.css"), None);
    }

    #[test]
    fn the_service_worker_lists_the_hashed_urls() {
        let sw = text_with_urls("sw.js").expect("sw.js is embedded");
        for u in field_urls() {
            assert!(sw.contains(&u), "{u} missing from the service worker");
        }
        assert!(sw.contains(&version()));
        assert!(!sw.contains("{{version}}"));
    }
}
