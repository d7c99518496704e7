//! Cẩm nang pages and API (issue 20): step-by-step guides per service, searchable without
//! diacritics, printed as a one-page handout, and carried by the field app for use offline.
//! Every account reads the guides of its commune (its own and the province's it has not
//! hidden); the commune admin keeps the commune's and hides province guides; the sysadmin and
//! province accounts given the right keep the province's. Every change is audited.

use super::api_errors::ReadErrors;
use super::api_input::ApiQuery;
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::guides::{self as store, Fields, Guide, Search, Step};
use crate::error::AppError;
use crate::guides;
use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

use super::forms::TypedBack;

type Result<T, E = AppError> = std::result::Result<T, E>;

/// Pictures being made small at once, server-wide.
static PICTURES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/guides", get(list_page).post(add))
        .route("/guides/new", get(new_page))
        .route("/guides/{id}", get(guide_page))
        .route("/guides/{id}/edit", get(edit_page).post(edit))
        .route("/guides/{id}/handout", get(handout))
        .route("/guides/{id}/delete", post(remove))
        .route("/guides/{id}/hide", post(hide))
        .route("/guides/{id}/show", post(show))
        .route(
            "/guides/{id}/steps/{n}/picture",
            get(picture)
                .post(attach_picture)
                .layer(DefaultBodyLimit::max(guides::MAX_UPLOAD)),
        )
        .route(
            "/guides/{id}/steps/{n}/picture/delete",
            post(remove_picture),
        )
}

/// Whose guides the caller reads: a commune's (its own and the province's), or with no commune
/// (province, sysadmin) the province's.
fn reader(c: &Caller) -> Option<i64> {
    c.commune_id
}

/// The commune admin keeps the commune's guides and hides the province's.
fn commune_keeper(c: &Caller) -> Option<i64> {
    match (c.role, c.commune_id) {
        (Role::CommuneAdmin, Some(commune)) if c.area_level == "commune" => Some(commune),
        _ => None,
    }
}

/// The sysadmin, and a province account the sysadmin let publish guides.
async fn province_keeper(s: &SharedState, c: &Caller) -> Result<bool> {
    Ok(match c.role {
        Role::Sysadmin => true,
        Role::ProvinceViewer => store::publishes(&s.db, c.account_id).await?,
        _ => false,
    })
}

/// Where a new guide of the caller goes: `Some(Some(commune))` the commune's, `Some(None)` the
/// province's; None: the caller adds no guides.
async fn adds_to(s: &SharedState, c: &Caller) -> Result<Option<Option<i64>>> {
    if let Some(commune) = commune_keeper(c) {
        return Ok(Some(Some(commune)));
    }
    Ok(province_keeper(s, c).await?.then_some(None))
}

async fn may_edit(s: &SharedState, c: &Caller, g: &Guide) -> Result<bool> {
    match g.commune_id {
        Some(commune) => Ok(commune_keeper(c) == Some(commune)),
        None => province_keeper(s, c).await,
    }
}

/// A guide the caller reads and keeps, or 403/404.
async fn editable(s: &SharedState, c: &Caller, id: i64) -> Result<Guide> {
    let g = store::get(&s.db, reader(c), id).await?;
    if !may_edit(s, c, &g).await? {
        return Err(AppError::Forbidden);
    }
    Ok(g)
}

/// A guide with its steps, as the pages and the API show it.
pub(super) struct Full {
    pub guide: Guide,
    pub steps: Vec<Step>,
    pub service_name: Option<String>,
}

impl Full {
    pub fn subject(&self) -> Option<String> {
        self.service_name
            .clone()
            .or_else(|| self.guide.topic.clone())
    }
    /// A step's picture address; it changes with the picture, so copies may be kept for good.
    pub fn picture_url(&self, s: &Step) -> Option<String> {
        s.picture_hash.as_ref().map(|h| {
            format!(
                "/guides/{}/steps/{}/picture?v={h}",
                self.guide.id, s.position
            )
        })
    }
    pub fn steps_text(&self) -> String {
        self.steps
            .iter()
            .map(|s| s.body.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Guides with their steps and their service's name as the commune calls it.
async fn full(s: &SharedState, commune: Option<i64>, list: Vec<Guide>) -> Result<Vec<Full>> {
    let ids: Vec<i64> = list.iter().map(|g| g.id).collect();
    let mut steps = store::steps(&s.db, &ids).await?;
    let services = crate::db::services::current(&s.db, commune).await?;
    let mut out = Vec::new();
    for g in list {
        let mine: Vec<Step> = steps
            .iter()
            .filter(|x| x.guide_id == g.id)
            .cloned()
            .collect();
        steps.retain(|x| x.guide_id != g.id);
        let service_name = g.service_code.as_ref().and_then(|code| {
            services
                .iter()
                .find(|x| &x.code == code)
                .map(|x| x.name.clone())
        });
        out.push(Full {
            guide: g,
            steps: mine,
            service_name,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "guides.html")]
struct ListPage {
    shell: Shell,
    q: String,
    service: String,
    services: Vec<crate::db::services::Service>,
    guides: Vec<Full>,
    hidden: Vec<Full>,
    adds: bool,
    hides: bool,
}

impl ListPage {
    fn is_service(&self, code: &str) -> bool {
        self.service == code
    }
}

async fn list_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let commune = reader(&caller);
    let text = q.get("q").map_or("", |v| v.trim());
    if text.chars().count() > 100 {
        return Err(AppError::invalid("Từ khóa tìm tối đa 100 ký tự."));
    }
    let service = q.get("service").map_or("", |v| v.trim()).to_string();
    let search = Search {
        q: text,
        service: (!service.is_empty()).then_some(service.as_str()),
        with_hidden: commune_keeper(&caller).is_some(),
    };
    let all = store::visible(&s.db, commune, &search).await?;
    let (hidden, shown): (Vec<Guide>, Vec<Guide>) = all.into_iter().partition(Guide::is_hidden);
    render(&ListPage {
        shell: Shell::new(&caller, "Cẩm nang hướng dẫn", "/guides"),
        q: text.to_string(),
        services: crate::db::services::current(&s.db, commune).await?,
        guides: full(&s, commune, shown).await?,
        hidden: full(&s, commune, hidden).await?,
        adds: adds_to(&s, &caller).await?.is_some(),
        hides: commune_keeper(&caller).is_some(),
        service,
    })
}

#[derive(Template)]
#[template(path = "guides_one.html")]
struct GuidePage {
    shell: Shell,
    g: Full,
    edits: bool,
    hides: bool,
}

async fn guide_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let commune = reader(&caller);
    let g = store::get(&s.db, commune, id).await?;
    let edits = may_edit(&s, &caller, &g).await?;
    let hides = g.is_province() && commune_keeper(&caller).is_some();
    let g = full(&s, commune, vec![g])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    render(&GuidePage {
        shell: Shell::new(&caller, g.guide.title.clone(), "/guides"),
        g,
        edits,
        hides,
    })
}

#[derive(Template)]
#[template(path = "guides_form.html")]
struct FormPage {
    shell: Shell,
    /// None: a new guide.
    id: Option<i64>,
    province: bool,
    services: Vec<crate::db::services::Service>,
    typed: HashMap<String, String>,
    error: Option<String>,
    /// The saved steps (number, text, picture address), to attach pictures to.
    saved: Vec<(i64, String, Option<String>)>,
}

impl TypedBack for FormPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn form_view(
    s: &SharedState,
    caller: &Caller,
    id: Option<i64>,
    province: bool,
    typed: HashMap<String, String>,
    error: Option<String>,
) -> Result<Response> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if id.is_some() {
        "Sửa cẩm nang"
    } else {
        "Thêm cẩm nang"
    };
    let saved = match id {
        Some(id) => {
            let g = store::get(&s.db, reader(caller), id).await?;
            let g = full(s, reader(caller), vec![g]).await?;
            g.iter()
                .flat_map(|g| {
                    g.steps
                        .iter()
                        .map(|st| (st.position, st.body.clone(), g.picture_url(st)))
                })
                .collect()
        }
        None => Vec::new(),
    };
    let page = render(&FormPage {
        shell: Shell::new(caller, title, "/guides"),
        id,
        province,
        services: crate::db::services::current(&s.db, reader(caller)).await?,
        typed,
        error,
        saved,
    })?;
    Ok((status, page).into_response())
}

async fn new_page(State(s): State<SharedState>, caller: Caller) -> Result<Response> {
    let to = adds_to(&s, &caller).await?.ok_or(AppError::Forbidden)?;
    let mut typed = HashMap::new();
    typed.insert(
        "checked_on".to_string(),
        crate::text::format_date(&s.settings.today()),
    );
    form_view(&s, &caller, None, to.is_none(), typed, None).await
}

/// A guide's fields as typed, checked.
struct Typed {
    service_code: Option<String>,
    topic: Option<String>,
    title: String,
    steps: Vec<String>,
    tips: Option<String>,
    mistakes: Option<String>,
    checked_on: Option<String>,
    sample: bool,
}

impl Typed {
    fn fields(&self) -> Fields<'_> {
        Fields {
            service_code: self.service_code.as_deref(),
            topic: self.topic.as_deref(),
            title: &self.title,
            steps: &self.steps,
            tips: self.tips.as_deref(),
            mistakes: self.mistakes.as_deref(),
            checked_on: self.checked_on.as_deref(),
            sample: self.sample,
        }
    }
    fn audit(&self) -> serde_json::Value {
        serde_json::json!({"service": self.service_code, "topic": self.topic, "title": self.title,
            "steps": self.steps.len(), "checked_on": self.checked_on, "sample": self.sample})
    }
}

async fn checked(s: &SharedState, caller: &Caller, f: &HashMap<String, String>) -> Result<Typed> {
    let get = |k: &str| f.get(k).map_or("", |v| v.trim());
    let title = crate::text::clean(get("title"));
    if title.is_empty() {
        return Err(AppError::invalid("Cần nhập tên cẩm nang."));
    }
    if title.chars().count() > guides::MAX_TITLE {
        return Err(AppError::invalid(format!(
            "Tên cẩm nang tối đa {} ký tự.",
            guides::MAX_TITLE
        )));
    }
    let service = get("service");
    let service_code = if service.is_empty() {
        None
    } else {
        let known = crate::db::services::current(&s.db, reader(caller)).await?;
        if !known.iter().any(|x| x.code == service) {
            return Err(AppError::invalid("Chọn dịch vụ trong danh sách."));
        }
        Some(service.to_string())
    };
    let topic = crate::text::clean(get("topic"));
    if topic.chars().count() > 120 {
        return Err(AppError::invalid("Chủ đề tối đa 120 ký tự."));
    }
    if service_code.is_none() && topic.is_empty() {
        return Err(AppError::invalid(
            "Chọn dịch vụ mà cẩm nang hướng dẫn, hoặc ghi chủ đề.",
        ));
    }
    let steps = guides::parse_steps(get("steps"))?;
    let tips = super::forms::long_text(get("tips"), "Mẹo", guides::MAX_NOTE)?;
    let mistakes = super::forms::long_text(get("mistakes"), "Lỗi thường gặp", guides::MAX_NOTE)?;
    let checked_on = match get("checked_on") {
        "" => None,
        d => Some(super::funding::day_until_today(
            d,
            &s.settings.today(),
            "Ngày kiểm tra",
        )?),
    };
    Ok(Typed {
        service_code,
        topic: (!topic.is_empty()).then_some(topic),
        title,
        steps,
        tips: (!tips.is_empty()).then_some(tips),
        mistakes: (!mistakes.is_empty()).then_some(mistakes),
        checked_on,
        sample: get("sample") == "1",
    })
}

/// Audits a change to a guide, under its commune (none for a province guide).
async fn audit_guide(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    commune: Option<i64>,
    (action, id): (&str, i64),
    after: serde_json::Value,
) -> Result<()> {
    crate::db::audit::record(
        tx,
        crate::db::audit::Entry {
            commune_id: commune,
            account_id: Some(caller.account_id),
            action,
            entity: "guides",
            entity_id: Some(id),
        },
        None::<&serde_json::Value>,
        Some(&after),
    )
    .await
}

async fn add(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let to = adds_to(&s, &caller).await?.ok_or(AppError::Forbidden)?;
    let t = match checked(&s, &caller, &f).await {
        Ok(t) => t,
        Err(AppError::Invalid(msg)) => {
            return form_view(&s, &caller, None, to.is_none(), f, Some(msg)).await;
        }
        Err(e) => return Err(e),
    };
    let mut tx = s.db.begin_write().await?;
    let id = store::add(&mut tx, to, Some(caller.account_id), &t.fields()).await?;
    audit_guide(&mut tx, &caller, to, ("add", id), t.audit()).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/guides/{id}")))
}

async fn edit_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let g = editable(&s, &caller, id).await?;
    let province = g.is_province();
    let g = full(&s, reader(&caller), vec![g])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let mut typed = HashMap::new();
    let mut put = |k: &str, v: Option<String>| {
        typed.insert(k.to_string(), v.unwrap_or_default());
    };
    put("title", Some(g.guide.title.clone()));
    put("service", g.guide.service_code.clone());
    put("topic", g.guide.topic.clone());
    put("steps", Some(g.steps_text()));
    put("tips", g.guide.tips.clone());
    put("mistakes", g.guide.mistakes.clone());
    put(
        "checked_on",
        g.guide.checked_on.as_deref().map(crate::text::format_date),
    );
    put("sample", g.guide.is_sample().then(|| "1".to_string()));
    form_view(&s, &caller, Some(id), province, typed, None).await
}

async fn edit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let g = editable(&s, &caller, id).await?;
    let t = match checked(&s, &caller, &f).await {
        Ok(t) => t,
        Err(AppError::Invalid(msg)) => {
            return form_view(&s, &caller, Some(id), g.is_province(), f, Some(msg)).await;
        }
        Err(e) => return Err(e),
    };
    let mut tx = s.db.begin_write().await?;
    store::update(&mut tx, id, &t.fields()).await?;
    audit_guide(&mut tx, &caller, g.commune_id, ("edit", id), t.audit()).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/guides/{id}")))
}

async fn remove(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let g = editable(&s, &caller, id).await?;
    let mut tx = s.db.begin_write().await?;
    store::remove(&mut tx, id).await?;
    audit_guide(
        &mut tx,
        &caller,
        g.commune_id,
        ("remove", id),
        serde_json::json!({"title": g.title}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/guides"))
}

async fn set_hidden(s: &SharedState, caller: &Caller, id: i64, hide: bool) -> Result<Response> {
    let commune = commune_keeper(caller).ok_or(AppError::Forbidden)?;
    let g = store::get(&s.db, Some(commune), id).await?;
    if !g.is_province() {
        return Err(AppError::invalid(
            "Chỉ ẩn được cẩm nang của tỉnh; cẩm nang của xã thì sửa hoặc xóa.",
        ));
    }
    let mut tx = s.db.begin_write().await?;
    store::set_hidden(&mut tx, commune, id, caller.account_id, hide).await?;
    audit_guide(
        &mut tx,
        caller,
        Some(commune),
        (if hide { "hide" } else { "show" }, id),
        serde_json::json!({"title": g.title}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/guides"))
}

async fn hide(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_hidden(&s, &caller, id, true).await
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_hidden(&s, &caller, id, false).await
}

async fn attach_picture(
    State(s): State<SharedState>,
    caller: Caller,
    Path((id, n)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response> {
    let g = editable(&s, &caller, id).await?;
    // Decoding a photo takes a core and up to ~100 MB for a moment: off the server's threads,
    // and two at a time across the server, so many uploads at once stay within bounds.
    let _turn = PICTURES
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("picture turn: {e}")))?;
    let p = tokio::task::spawn_blocking(move || guides::shrink_picture(&body))
        .await
        .map_err(|e| AppError::Internal(format!("picture: {e}")))??;
    let mut tx = s.db.begin_write().await?;
    if !store::set_picture(&mut tx, id, n, Some(&p.jpeg)).await? {
        return Err(AppError::NotFound);
    }
    audit_guide(
        &mut tx,
        &caller,
        g.commune_id,
        ("attach_picture", id),
        serde_json::json!({"step": n, "bytes": p.jpeg.len(), "width": p.width, "height": p.height}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/guides/{id}/edit")))
}

async fn remove_picture(
    State(s): State<SharedState>,
    caller: Caller,
    Path((id, n)): Path<(i64, i64)>,
) -> Result<Response> {
    let g = editable(&s, &caller, id).await?;
    let mut tx = s.db.begin_write().await?;
    if !store::set_picture(&mut tx, id, n, None).await? {
        return Err(AppError::NotFound);
    }
    audit_guide(
        &mut tx,
        &caller,
        g.commune_id,
        ("remove_picture", id),
        serde_json::json!({"step": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/guides/{id}/edit")))
}

async fn picture(
    State(s): State<SharedState>,
    caller: Caller,
    Path((id, n)): Path<(i64, i64)>,
) -> Result<Response> {
    store::get(&s.db, reader(&caller), id).await?;
    let bytes = store::picture(&s.db, id, n).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            // The address carries the picture's hash: a new picture is a new address.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The guide as a one-page A4 handout in large type (PDF).
async fn handout(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = reader(&caller);
    let g = store::get(&s.db, commune, id).await?;
    let g = full(&s, commune, vec![g])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let mut pictures = store::pictures(&s.db, id).await?;
    let steps = g
        .steps
        .iter()
        .map(|st| {
            let pic = pictures
                .iter()
                .position(|(p, _)| *p == st.position)
                .map(|i| pictures.swap_remove(i).1)
                .and_then(|jpeg| guides::jpeg_size(&jpeg).map(|(w, h)| (jpeg, w, h)));
            (st.body.clone(), pic)
        })
        .collect();
    let owner = match g.guide.commune_id {
        Some(c) => {
            let (name,): (String,) =
                s.db.fetch_one("SELECT name FROM areas WHERE id = $1", &[c.into()])
                    .await?;
            format!("Cẩm nang của {name}")
        }
        None => "Cẩm nang chung của tỉnh".to_string(),
    };
    let checked = g.guide.checked_on.as_deref().map_or_else(
        || "chưa kiểm tra".to_string(),
        |d| format!("kiểm tra ngày {}", crate::text::format_date(d)),
    );
    let doc = crate::reports::pdf::handout::Handout {
        title: g.guide.title.clone(),
        subject: g.subject(),
        sample: g.guide.is_sample(),
        steps,
        tips: g.guide.tips.clone(),
        mistakes: g.guide.mistakes.clone(),
        foot: format!("{owner} · {checked}"),
    };
    let bytes = tokio::task::spawn_blocking(move || crate::reports::pdf::handout::render(&doc))
        .await
        .map_err(|e| AppError::Internal(format!("handout: {e}")))??;
    let shown = format!("Cẩm nang - {}", g.guide.title);
    let plain: String = crate::text::fold(&shown)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok(super::funding::download(
        bytes,
        crate::reports::Format::Pdf,
        &plain,
        &shown,
    ))
}

// ---------- API ----------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct GuidesQuery {
    /// Tìm theo tên, bước, mẹo (không dấu cũng được).
    #[serde(default)]
    q: String,
    /// Mã dịch vụ, ví dụ vneid.
    #[serde(default)]
    service: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct StepOut {
    n: i64,
    text: String,
    /// Địa chỉ ảnh của bước (JPEG), nếu có.
    picture: Option<String>,
    picture_bytes: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct GuideOut {
    id: i64,
    title: String,
    /// Mã dịch vụ, hoặc không có (cẩm nang theo chủ đề).
    service: Option<String>,
    service_name: Option<String>,
    topic: Option<String>,
    /// province (của tỉnh, mọi xã thấy) hoặc commune (của xã).
    source: String,
    /// Bản mẫu, cần kiểm tra lại trước khi dùng.
    sample: bool,
    /// yyyy-mm-dd
    checked_on: Option<String>,
    steps: Vec<StepOut>,
    tips: Option<String>,
    mistakes: Option<String>,
}

fn out(g: &Full, keep_picture: &mut dyn FnMut(i64) -> bool) -> GuideOut {
    GuideOut {
        id: g.guide.id,
        title: g.guide.title.clone(),
        service: g.guide.service_code.clone(),
        service_name: g.service_name.clone(),
        topic: g.guide.topic.clone(),
        source: if g.guide.is_province() {
            "province"
        } else {
            "commune"
        }
        .to_string(),
        sample: g.guide.is_sample(),
        checked_on: g.guide.checked_on.clone(),
        steps: g
            .steps
            .iter()
            .map(|st| {
                let kept = st.picture_bytes.is_some_and(&mut *keep_picture);
                StepOut {
                    n: st.position,
                    text: st.body.clone(),
                    picture: g.picture_url(st).filter(|_| kept),
                    picture_bytes: st.picture_bytes.filter(|_| kept),
                }
            })
            .collect(),
        tips: g.guide.tips.clone(),
        mistakes: g.guide.mistakes.clone(),
    }
}

/// Cẩm nang hướng dẫn
///
/// Các cẩm nang xã thấy (của xã và của tỉnh, trừ cái xã đã ẩn); tài khoản tỉnh: cẩm nang của
/// tỉnh. `q` tìm không phân biệt dấu; `service` lọc theo dịch vụ.
#[utoipa::path(
    get,
    path = "/api/v1/guides",
    tag = "Cẩm nang",
    params(GuidesQuery),
    responses((status = 200, description = "Các cẩm nang", body = Vec<GuideOut>), ReadErrors)
)]
pub(super) async fn api_guides(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<GuidesQuery>,
) -> Result<Json<Vec<GuideOut>>, ApiError> {
    if q.q.chars().count() > 100 {
        return Err(AppError::invalid("Từ khóa tìm tối đa 100 ký tự.").into());
    }
    let commune = reader(&c);
    let search = Search {
        q: &q.q,
        service: Some(q.service.trim()).filter(|x| !x.is_empty()),
        with_hidden: false,
    };
    let list = full(&s, commune, store::visible(&s.db, commune, &search).await?).await?;
    Ok(Json(list.iter().map(|g| out(g, &mut |_| true)).collect()))
}

#[derive(Serialize, ToSchema)]
pub(super) struct FieldGuides {
    /// Dung lượng tối đa ảnh cẩm nang lưu trên điện thoại (byte).
    budget_bytes: usize,
    /// Tổng dung lượng các ảnh được gửi kèm (byte).
    pictures_bytes: usize,
    /// Số ảnh không gửi kèm vì vượt dung lượng.
    pictures_left_out: usize,
    guides: Vec<GuideOut>,
}

/// Cẩm nang cho ứng dụng thực địa
///
/// Các cẩm nang theo dịch vụ của xã, để điện thoại lưu và mở khi không có mạng; ảnh được gửi
/// kèm theo thứ tự cho đến hết dung lượng cho phép (`budget_bytes`). Trả 304 khi không đổi.
#[utoipa::path(
    get,
    path = "/api/v1/field/guides",
    tag = "Thực địa",
    responses(
        (status = 200, description = "Cẩm nang và ảnh trong giới hạn", body = FieldGuides),
        (status = 304, description = "Không đổi so với bản trên máy (If-None-Match)"),
        ReadErrors
    )
)]
pub(super) async fn api_field_guides(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let commune = reader(&c).ok_or(AppError::Forbidden)?;
    let list = store::visible(&s.db, Some(commune), &Search::default()).await?;
    // Guides of a service first (what a chip opens), then by topic.
    let (mut list, topics): (Vec<Guide>, Vec<Guide>) =
        list.into_iter().partition(|g| g.service_code.is_some());
    list.extend(topics);
    let list = full(&s, Some(commune), list).await?;
    let sizes: Vec<usize> = list
        .iter()
        .flat_map(|g| g.steps.iter().filter_map(|st| st.picture_bytes))
        .map(|n| n as usize)
        .collect();
    let kept = guides::within_budget(&sizes, guides::FIELD_BUDGET);
    let mut i = 0;
    let mut keep = |_n: i64| {
        let k = kept.get(i).copied().unwrap_or(false);
        i += 1;
        k
    };
    let guides_out: Vec<GuideOut> = list.iter().map(|g| out(g, &mut keep)).collect();
    let pictures_bytes = sizes
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|(n, _)| n)
        .sum();
    let body = FieldGuides {
        budget_bytes: guides::FIELD_BUDGET,
        pictures_bytes,
        pictures_left_out: kept.iter().filter(|k| !**k).count(),
        guides: guides_out,
    };
    let json = serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    let etag = format!("\"g{}\"", guides::picture_tag(&json));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::ETAG, etag),
        ],
        json,
    )
        .into_response())
}
