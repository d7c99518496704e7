//! The user guide ("Hướng dẫn sử dụng") at `/huong-dan`: one chapter per role, with the
//! screenshots the browser tests take (`docs/screenshots/`, embedded at build time), printable.
//! Public: it holds no data, and a volunteer may read it before their first login.

use super::{MaybeCaller, SharedState, Shell, render};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

#[derive(rust_embed::RustEmbed)]
#[folder = "docs/screenshots/"]
#[include = "login.png"]
#[include = "field-*.png"]
#[include = "phone-home-hamlet.png"]
#[include = "phone-activities-hamlet.png"]
#[include = "report-hamlet-*.png"]
#[include = "dashboard-commune.png"]
#[include = "worklist.png"]
#[include = "phone-plan.png"]
#[include = "reports-commune.png"]
#[include = "report-commune-to-province.png"]
#[include = "import*.png"]
#[include = "phone-accounts-commune.png"]
#[include = "phone-settings-commune.png"]
#[include = "phone-funding*.png"]
#[include = "phone-field-guide.png"]
#[include = "phone-field-business.png"]
#[include = "phone-businesses.png"]
#[include = "phone-province.png"]
#[include = "reports-province.png"]
struct Shots;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/huong-dan", get(page))
        .route("/huong-dan/anh/{name}", get(picture))
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    shell: Shell,
    /// The chapter of the reader's role, listed first in the contents.
    own: &'static str,
}

async fn page(MaybeCaller(caller): MaybeCaller) -> Result<Html<String>, AppError> {
    let title = "Hướng dẫn sử dụng";
    let (mut shell, own) = match &caller {
        Some(c) => (
            Shell::new(c, title, "/huong-dan"),
            super::shell::guide_chapter(Some(c.role), ""),
        ),
        None => (Shell::public(title, String::new()), "bat-dau"),
    };
    shell.help = "/huong-dan#bat-dau".into();
    render(&GuidePage { shell, own })
}

async fn picture(Path(name): Path<String>) -> Response {
    match Shots::get(&name) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                // Screenshots change only with a new build.
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            f.data.into_owned(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
