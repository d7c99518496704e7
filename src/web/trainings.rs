//! Tập huấn pages and API (issue 20): the commune's training sessions for its teams, who
//! attended, and "danh sách tập huấn" — who still needs which topic this year, printable and
//! to Excel. The commune admin (Phòng VH-XH) keeps them; the leader reads; a hamlet head reads
//! and keeps the certificates of the hamlet's team. Every change is audited.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::{ApiJson, ApiQuery};
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::trainings::{self as store, NewTraining};
use crate::error::AppError;
use crate::indicators::period;
use crate::trainings;
use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

use super::forms::TypedBack;

type Result<T, E = AppError> = std::result::Result<T, E>;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/trainings", get(list_page).post(add))
        .route("/trainings/needs", get(needs_page))
        .route("/trainings/topics", post(add_topic))
        .route("/trainings/{id}", get(session_page))
        .route("/trainings/{id}/attendance", post(attendance))
        .route("/trainings/{id}/delete", post(remove))
        .route("/members/{id}/certificate", post(certificate))
        .route("/members/{id}/trainings", get(member_page))
}

/// The commune, and whether the caller keeps the trainings (else reads them); a hamlet head
/// reads with the hamlet's team in view.
fn reader(c: &Caller) -> Result<(i64, bool, Option<i64>)> {
    let commune = c.commune_id.ok_or(AppError::Forbidden)?;
    match c.role {
        Role::CommuneAdmin if c.area_level == "commune" => Ok((commune, true, None)),
        Role::CommuneLeader if c.area_level == "commune" => Ok((commune, false, None)),
        Role::HamletHead => Ok((commune, false, Some(c.area_id))),
        _ => Err(AppError::Forbidden),
    }
}

fn keeper(c: &Caller) -> Result<i64> {
    match reader(c)? {
        (commune, true, _) => Ok(commune),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct ListPage {
    shell: Shell,
    keeps: bool,
    year: i64,
    sessions: Vec<store::Training>,
    topics: Vec<store::Topic>,
    today: String,
    error: Option<String>,
    typed: HashMap<String, String>,
}

impl TypedBack for ListPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn list_view(
    s: &SharedState,
    caller: &Caller,
    year: i64,
    error: Option<String>,
    typed: HashMap<String, String>,
) -> Result<Html<String>> {
    let (commune, keeps, _) = reader(caller)?;
    render(&ListPage {
        shell: Shell::new(caller, "Tập huấn Tổ CNSCĐ", "/trainings"),
        keeps,
        year,
        sessions: store::list(&s.db, commune, year).await?,
        topics: store::topics(&s.db, commune).await?,
        today: crate::text::format_date(&s.settings.today()),
        error,
        typed,
    })
}

async fn list_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let year = super::forms::year_param(&q)?;
    list_view(&s, &caller, year, None, HashMap::new()).await
}

fn field<'a>(f: &'a HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map_or("", |v| v.trim())
}

fn optional(
    f: &HashMap<String, String>,
    k: &str,
    max: usize,
    what: &str,
) -> Result<Option<String>> {
    let v = crate::text::clean(field(f, k));
    if v.chars().count() > max {
        return Err(AppError::invalid(format!("{what} tối đa {max} ký tự.")));
    }
    Ok((!v.is_empty()).then_some(v))
}

/// Adds a session from a form's or the API's fields; its id.
async fn add_with(s: &SharedState, caller: &Caller, f: &HashMap<String, String>) -> Result<i64> {
    let commune = keeper(caller)?;
    let topic_id: i64 = field(f, "topic_id")
        .parse()
        .map_err(|_| AppError::invalid("Chọn nội dung tập huấn."))?;
    let held_on =
        super::funding::day_until_today(field(f, "held_on"), &s.settings.today(), "Ngày tập huấn")?;
    let organiser = field(f, "organiser");
    if !trainings::ORGANISERS.iter().any(|(c, _)| *c == organiser) {
        return Err(AppError::invalid("Chọn đơn vị tổ chức."));
    }
    let method = field(f, "method");
    if !trainings::METHODS.iter().any(|(c, _)| *c == method) {
        return Err(AppError::invalid(
            "Chọn hình thức: cầm tay chỉ việc, trực tiếp hoặc trực tuyến.",
        ));
    }
    let organiser_name = optional(f, "organiser_name", 120, "Tên đơn vị")?;
    let place = optional(f, "place", 200, "Địa điểm")?;
    let trainer = optional(f, "trainer", 120, "Người hướng dẫn")?;
    let notes = optional(f, "notes", 1000, "Ghi chú")?;
    let mut tx = s.db.begin_write().await?;
    let id = store::add(
        &s.db,
        &mut tx,
        commune,
        caller.account_id,
        &NewTraining {
            topic_id,
            held_on: &held_on,
            organiser,
            organiser_name: organiser_name.as_deref(),
            method,
            place: place.as_deref(),
            trainer: trainer.as_deref(),
            notes: notes.as_deref(),
        },
    )
    .await?;
    super::audited(
        &mut tx,
        caller,
        commune,
        ("add", "trainings", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"topic": topic_id, "held_on": held_on, "organiser": organiser,
            "organiser_name": organiser_name, "method": method, "place": place, "trainer": trainer})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn add(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    keeper(&caller)?;
    match add_with(&s, &caller, &f).await {
        Ok(id) => Ok(see_other(&format!("/trainings/{id}"))),
        Err(AppError::Invalid(msg)) => {
            let year = period::year_of(period::current_month());
            let page = list_view(&s, &caller, year, Some(msg), f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn add_topic(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let name = crate::text::clean(field(&f, "name"));
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid(
            "Nhập tên nội dung tập huấn (tối đa 200 ký tự).",
        ));
    }
    let mut tx = s.db.begin_write().await?;
    let id = store::add_topic(&mut tx, commune, &name).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("add_topic", "training_topics", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/trainings#topics"))
}

#[derive(Template)]
#[template(path = "training.html")]
struct SessionPage {
    shell: Shell,
    keeps: bool,
    training: store::Training,
    roster: Vec<store::Attendee>,
    results: &'static [(&'static str, &'static str)],
}

async fn session_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let (commune, keeps, _) = reader(&caller)?;
    let training = store::get(&s.db, commune, id).await?;
    let mut roster = store::roster(&s.db, commune, id).await?;
    if !keeps {
        roster.retain(|r| r.attended == 1);
    }
    render(&SessionPage {
        shell: Shell::new(&caller, "Buổi tập huấn", "/trainings"),
        keeps,
        training,
        roster,
        results: &trainings::RESULTS,
    })
}

/// The attendance form: `present` boxes (`m<id>` for a member, `a<id>` for an official) and a
/// `result_<key>` for each.
async fn attendance(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let result_of = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == &format!("result_{key}"))
            .map(|(_, v)| v.clone())
            .filter(|v| trainings::RESULTS.iter().any(|(c, _)| c == v))
    };
    let mut present = Vec::new();
    for (k, v) in &pairs {
        if k != "present" {
            continue;
        }
        let (member, account) = match (v.strip_prefix('m'), v.strip_prefix('a')) {
            (Some(n), _) => (n.parse().ok(), None),
            (_, Some(n)) => (None, n.parse().ok()),
            _ => (None, None),
        };
        if member.is_none() && account.is_none() {
            return Err(AppError::invalid("Danh sách có mặt không hợp lệ."));
        }
        present.push((member, account, result_of(v)));
    }
    save_attendance(&s, &caller, commune, id, &present).await?;
    Ok(see_other(&format!("/trainings/{id}")))
}

async fn save_attendance(
    s: &SharedState,
    caller: &Caller,
    commune: i64,
    id: i64,
    present: &[(Option<i64>, Option<i64>, Option<String>)],
) -> Result<usize> {
    let mut tx = s.db.begin_write().await?;
    let n = store::set_attendance(&s.db, &mut tx, commune, id, present).await?;
    super::audited(
        &mut tx,
        caller,
        commune,
        ("set_attendance", "trainings", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"present": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

async fn remove(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let mut tx = s.db.begin_write().await?;
    store::remove(&mut tx, commune, id).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("remove", "trainings", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"removed": true})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/trainings"))
}

/// A member's own digital-skills certificate (binhdanhocvuso), by whoever edits the team.
async fn certificate(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let (commune, team, area): (i64, i64, i64) = s
        .db
        .fetch_optional(
            "SELECT m.commune_id, t.id, t.area_id FROM members m JOIN teams t ON t.id = m.team_id WHERE m.id = $1",
            &[id.into()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    if !caller.can_edit_team(commune, area) {
        return Err(AppError::Forbidden);
    }
    let on = match field(&f, "digital_skills_on") {
        "" => None,
        d => Some(super::funding::day_until_today(
            d,
            &s.settings.today(),
            "Ngày cấp chứng nhận",
        )?),
    };
    let mut tx = s.db.begin_write().await?;
    store::set_certificate(&mut tx, commune, id, on.as_deref()).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("set_certificate", "members", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"digital_skills_on": on})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/teams/{team}")))
}

#[derive(Template)]
#[template(path = "training_needs.html")]
struct NeedsPage {
    shell: Shell,
    year: i64,
    topics: Vec<store::Topic>,
    needs: Vec<trainings::Need>,
}

impl NeedsPage {
    fn topic_names(&self, ids: &[i64]) -> String {
        ids.iter()
            .filter_map(|id| self.topics.iter().find(|t| t.id == *id))
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// "Danh sách tập huấn": who still needs which topic this year; `format=xlsx` for Excel.
async fn needs_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response> {
    let (commune, _, hamlet) = reader(&caller)?;
    let year = super::forms::year_param(&q)?;
    let (topics, needs) = store::needs(&s.db, commune, hamlet, year).await?;
    let page = NeedsPage {
        shell: Shell::new(&caller, "Danh sách tập huấn", "/trainings"),
        year,
        topics,
        needs,
    };
    if q.get("format").map(String::as_str) == Some("xlsx") {
        let rows: Vec<Vec<crate::xlsx::Cell>> = page
            .needs
            .iter()
            .enumerate()
            .map(|(i, n)| {
                vec![
                    (i as i64 + 1).into(),
                    n.name.clone().into(),
                    n.team.clone().into(),
                    page.topic_names(&n.topics).into(),
                ]
            })
            .collect();
        let bytes = crate::xlsx::table(
            "Danh sach tap huan",
            &format!("Danh sách tập huấn năm {year}: thành viên Tổ CNSCĐ chưa được tập huấn"),
            &["STT", "Họ và tên", "Tổ", "Nội dung cần tập huấn"],
            &rows,
        )?;
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"danh-sach-tap-huan-{year}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response());
    }
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TrainingsQuery {
    /// Mã xã; mặc định xã của tài khoản.
    #[serde(default)]
    area: String,
    /// Năm, ví dụ 2026; mặc định năm nay.
    #[serde(default)]
    year: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct AttendeeOut {
    /// Thành viên Tổ; null với cán bộ xã.
    member_id: Option<i64>,
    name: String,
    attended: bool,
    /// passed, certificate hoặc null.
    result: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TrainingOut {
    id: i64,
    topic: String,
    /// yyyy-mm-dd
    date: String,
    /// department, telecom, post, youth_union, commune, other.
    organiser: String,
    organiser_name: Option<String>,
    /// hands_on, in_person, online.
    method: String,
    attendees: Vec<AttendeeOut>,
}

/// The caller's commune for `code` (empty: their own).
async fn commune_of(s: &SharedState, c: &Caller, code: &str) -> Result<i64> {
    let (commune, _, _) = reader(c)?;
    if !code.trim().is_empty() {
        let area = crate::db::areas::visible_by_code(&s.db, c, code.trim()).await?;
        if area.commune_id != Some(commune) || area.level != "commune" {
            return Err(AppError::NotFound);
        }
    }
    Ok(commune)
}

/// Các buổi tập huấn của xã trong năm
///
/// Nội dung, ngày, đơn vị tổ chức, hình thức và người tham dự. Phòng VH-XH, lãnh đạo xã,
/// trưởng ấp.
#[utoipa::path(
    get,
    path = "/api/v1/trainings",
    tag = "Tập huấn",
    params(TrainingsQuery),
    responses((status = 200, description = "Các buổi tập huấn", body = Vec<TrainingOut>), ReadErrors)
)]
pub(super) async fn api_trainings(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<TrainingsQuery>,
) -> Result<Json<Vec<TrainingOut>>, ApiError> {
    let commune = commune_of(&s, &c, &q.area).await?;
    let year = q
        .year
        .unwrap_or_else(|| period::year_of(period::current_month()));
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&year) {
        return Err(AppError::invalid("Năm nằm ngoài khoảng 2020–2100.").into());
    }
    let mut out = Vec::new();
    for t in store::list(&s.db, commune, year).await? {
        let attendees = store::roster(&s.db, commune, t.id)
            .await?
            .into_iter()
            .filter(|a| a.attended == 1 || a.member_id.is_some())
            .map(|a| AttendeeOut {
                member_id: a.member_id,
                name: a.name,
                attended: a.attended == 1,
                result: a.result,
            })
            .collect();
        out.push(TrainingOut {
            id: t.id,
            topic: t.topic,
            date: t.held_on,
            organiser: t.organiser,
            organiser_name: t.organiser_name,
            method: t.method,
            attendees,
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct NewTrainingBody {
    topic_id: i64,
    /// yyyy-mm-dd
    date: String,
    organiser: String,
    #[serde(default)]
    organiser_name: Option<String>,
    method: String,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    trainer: Option<String>,
    /// Thành viên Tổ có mặt.
    #[serde(default)]
    present: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CreatedTraining {
    id: i64,
    present: usize,
}

/// Ghi một buổi tập huấn và người có mặt
///
/// Phòng VH-XH của xã.
#[utoipa::path(
    post,
    path = "/api/v1/trainings",
    tag = "Tập huấn",
    request_body = NewTrainingBody,
    responses((status = 201, description = "Đã ghi", body = CreatedTraining), WriteErrors)
)]
pub(super) async fn api_add_training(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiJson(b): ApiJson<NewTrainingBody>,
) -> Result<(StatusCode, Json<CreatedTraining>), ApiError> {
    let commune = keeper(&c)?;
    // Checked before anything is written: the session and its attendance go in together or
    // not at all.
    let members: Vec<(i64,)> =
        s.db.fetch_all(
            "SELECT id FROM members WHERE commune_id = $1 AND active = 1",
            &[commune.into()],
        )
        .await?;
    if let Some(bad) = b
        .present
        .iter()
        .find(|m| !members.iter().any(|(id,)| id == *m))
    {
        return Err(AppError::invalid(format!(
            "Thành viên {bad} không thuộc Tổ CNSCĐ nào của xã."
        ))
        .into());
    }
    let mut f: HashMap<String, String> = HashMap::new();
    f.insert("topic_id".into(), b.topic_id.to_string());
    f.insert("held_on".into(), b.date);
    f.insert("organiser".into(), b.organiser);
    f.insert("method".into(), b.method);
    for (k, v) in [
        ("organiser_name", b.organiser_name),
        ("place", b.place),
        ("trainer", b.trainer),
    ] {
        if let Some(v) = v {
            f.insert(k.into(), v);
        }
    }
    let id = add_with(&s, &c, &f).await?;
    let present: Vec<(Option<i64>, Option<i64>, Option<String>)> =
        b.present.iter().map(|m| (Some(*m), None, None)).collect();
    let n = save_attendance(&s, &c, commune, id, &present).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTraining { id, present: n }),
    ))
}

#[derive(Template)]
#[template(path = "member_trainings.html")]
struct MemberPage {
    shell: Shell,
    name: String,
    team: String,
    team_id: i64,
    member_id: i64,
    certificate: Option<String>,
    can_edit: bool,
    sessions: Vec<(String, String, String, Option<String>)>,
}

/// A member's trainings and their own digital-skills certificate.
async fn member_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let (commune, _, hamlet) = reader(&caller)?;
    type Row = (String, String, i64, i64, Option<String>);
    let (name, team, team_id, area, certificate): Row =
        s.db.fetch_optional(
            "SELECT m.full_name, t.name, t.id, t.area_id, m.digital_skills_on FROM members m \
             JOIN teams t ON t.id = m.team_id WHERE m.id = $1 AND m.commune_id = $2",
            &[id.into(), commune.into()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    if hamlet.is_some_and(|h| h != area) {
        return Err(AppError::NotFound);
    }
    render(&MemberPage {
        shell: Shell::new(&caller, format!("Tập huấn của {name}"), "/teams"),
        can_edit: caller.can_edit_team(commune, area),
        name,
        team,
        team_id,
        member_id: id,
        certificate,
        sessions: store::of_member(&s.db, id).await?,
    })
}
