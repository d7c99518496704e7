//! The import page (`/import`, commune admin): upload a resident or member list, watch it
//! being read, check the preview, confirm, watch it being written. The work runs in the
//! background so a 100,000-row list shows its progress; the page refreshes itself meanwhile.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::{ApiPath, ApiQuery, body_bytes};
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::imports::{self, Applied, Prepared, Source};
use crate::db::personal::PersonalData;
use crate::error::{AppError, Result};
use crate::import::businesses::{BusinessPlan, BusinessSheet};
use crate::import::members::{MemberAction, MemberPlan};
use crate::import::plan::Action;
use crate::import::{Problem, template};
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};

/// Large enough for a 100,000-row workbook or CSV.
const MAX_UPLOAD: usize = 64 << 20;
/// Uploads of one commune that may wait their turn at once (each holds its file meanwhile).
const MAX_WAITING: u64 = 3;
/// Previews not confirmed within this time are dropped (they hold the file's rows).
const KEEP: Duration = Duration::from_secs(3600);

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/import", get(page))
        .route("/import/template.xlsx", get(resident_template))
        .route("/import/members-template.xlsx", get(member_template))
        .route(
            "/import/{kind}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/import/jobs/{id}", get(job_page))
        .route("/import/jobs/{id}/apply", post(apply))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ApiImportQuery {
    /// Tên tệp (đuôi .xlsx, .xls, .ods hoặc .csv cho biết cách đọc).
    #[serde(default)]
    #[param(example = "danh-sach.csv")]
    name: String,
    /// true: chỉ xem trước, không ghi.
    #[serde(default)]
    dry_run: bool,
}

/// A file sent as the request body, as it is (documentation only: the handler reads bytes).
pub(super) struct FileUpload;

impl utoipa::PartialSchema for FileUpload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .content_media_type("application/octet-stream")
            .description(Some("Nội dung tệp (Excel hoặc CSV)"))
            .into()
    }
}

impl ToSchema for FileUpload {}

/// What an import found in the file, and whether it was written.
#[derive(Serialize, ToSchema)]
pub(super) struct ImportResult {
    /// False for a dry run or when nothing would change.
    applied: bool,
    added: usize,
    updated: usize,
    unchanged: usize,
    /// Households the resident list creates (null for a member list).
    new_households: Option<usize>,
    /// Columns of the file the import does not read.
    ignored_columns: Vec<String>,
    rejected: Vec<Problem>,
}

fn import_result(
    applied: bool,
    (added, updated, unchanged): (usize, usize, usize),
    new_households: Option<usize>,
    ignored: &[String],
    rejected: &[Problem],
) -> ImportResult {
    ImportResult {
        applied,
        added,
        updated,
        unchanged,
        new_households,
        ignored_columns: ignored.to_vec(),
        rejected: rejected.to_vec(),
    }
}

/// Nhập danh sách nhân khẩu
///
/// Thân yêu cầu là tệp (Excel .xlsx/.xls/.ods hoặc CSV; tối đa 64 MB). Trả về bản xem trước
/// và, trừ khi dry_run=true, ghi luôn trong cùng lần gọi. 422 khi không dòng nào nhập được.
/// Dành cho quản trị xã.
#[utoipa::path(
    post,
    path = "/api/v1/imports/residents",
    tag = "Nhập dữ liệu",
    params(ApiImportQuery),
    request_body(content = FileUpload, content_type = "application/octet-stream",
        description = "Tệp danh sách"),
    responses((status = 200, description = "Kết quả nhập", body = ImportResult), WriteErrors)
)]
pub(super) async fn api_residents(
    State(s): State<SharedState>,
    ApiAdmin(caller, commune_id): ApiAdmin,
    ApiQuery(q): ApiQuery<ApiImportQuery>,
    body: Body,
) -> std::result::Result<axum::Json<ImportResult>, ApiError> {
    let body = body_bytes(body, MAX_UPLOAD, "Tệp gửi lên").await?;
    let name = if q.name.is_empty() {
        "danh-sach.csv"
    } else {
        q.name.as_str()
    };
    let turns = s.read_turns.of(commune_id);
    let turn = turns.wait(turns.ticket()).await?;
    let prepared = imports::prepare_residents(
        &s.db,
        &s.keys,
        commune_id,
        name,
        body.to_vec(),
        &s.settings.today(),
    )
    .await;
    drop(turn);
    let prepared = prepared?;
    let p = &prepared.plan;
    if p.items.is_empty() {
        return Err(AppError::invalid(format!(
            "Không có dòng nào nhập được ({} dòng bị từ chối).{}",
            p.rejected.len(),
            p.rejected
                .first()
                .map(|r| format!(" Dòng {}, cột «{}»: {}.", r.line, r.column, r.reason))
                .unwrap_or_default()
        ))
        .into());
    }
    let apply = !q.dry_run && p.writes();
    let result = import_result(
        apply,
        (p.adds(), p.updates(), p.unchanged()),
        Some(p.new_households.len()),
        &p.ignored_columns,
        &p.rejected,
    );
    if apply {
        let src = Source {
            commune_id,
            account_id: Some(caller.account_id),
            file_name: name,
        };
        imports::apply_residents(&s.db, &s.keys, &src, prepared, &|_, _| {}).await?;
    }
    Ok(axum::Json(result))
}

/// Nhập danh sách tổ viên
///
/// Như nhập nhân khẩu, cho danh sách tổ viên các Tổ CNSCĐ. Dành cho quản trị xã.
#[utoipa::path(
    post,
    path = "/api/v1/imports/members",
    tag = "Nhập dữ liệu",
    params(ApiImportQuery),
    request_body(content = FileUpload, content_type = "application/octet-stream",
        description = "Tệp danh sách"),
    responses((status = 200, description = "Kết quả nhập", body = ImportResult), WriteErrors)
)]
pub(super) async fn api_members(
    State(s): State<SharedState>,
    ApiAdmin(caller, commune_id): ApiAdmin,
    ApiQuery(q): ApiQuery<ApiImportQuery>,
    body: Body,
) -> std::result::Result<axum::Json<ImportResult>, ApiError> {
    let body = body_bytes(body, MAX_UPLOAD, "Tệp gửi lên").await?;
    let name = if q.name.is_empty() {
        "thanh-vien.csv"
    } else {
        q.name.as_str()
    };
    let turns = s.read_turns.of(commune_id);
    let turn = turns.wait(turns.ticket()).await?;
    let p = imports::prepare_members(&s.db, commune_id, name, &body).await;
    drop(turn);
    let p = p?;
    if p.items.is_empty() {
        return Err(AppError::invalid(format!(
            "Không có dòng nào nhập được ({} dòng bị từ chối).",
            p.rejected.len()
        ))
        .into());
    }
    let counts = (
        p.count(|a| *a == MemberAction::Add),
        p.count(|a| matches!(a, MemberAction::Update(_))),
        p.count(|a| matches!(a, MemberAction::Unchanged(_))),
    );
    let apply = !q.dry_run && counts.0 + counts.1 > 0;
    if apply {
        let src = Source {
            commune_id,
            account_id: Some(caller.account_id),
            file_name: name,
        };
        imports::apply_members(&s.db, &src, &p).await?;
    }
    Ok(axum::Json(import_result(
        apply,
        counts,
        None,
        &p.ignored_columns,
        &p.rejected,
    )))
}

/// Toàn bộ dữ liệu về một nhân khẩu (theo yêu cầu của chính người đó)
///
/// Như tệp tải về trên trang của nhân khẩu, số CCCD đầy đủ; việc xuất được ghi nhật ký. Dành
/// cho quản trị xã.
#[utoipa::path(
    get,
    path = "/api/v1/residents/{id}/data",
    tag = "Nhân khẩu",
    params(("id" = i64, Path, description = "Mã số nhân khẩu")),
    responses((status = 200, description = "Dữ liệu cá nhân", body = PersonalData), ReadErrors)
)]
pub(super) async fn api_personal_data(
    State(s): State<SharedState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> std::result::Result<axum::Json<PersonalData>, ApiError> {
    let commune_id = admin_commune(&caller)?;
    let scope = caller.require_personal()?;
    let r = crate::db::residents::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.commune_id != commune_id {
        return Err(AppError::NotFound.into());
    }
    let data = crate::db::personal::export(&s.db, &s.keys, id).await?;
    let mut tx = s.db.begin_write().await?;
    crate::db::audit::record(
        &mut tx,
        crate::db::audit::Entry {
            commune_id: Some(commune_id),
            account_id: Some(caller.account_id),
            action: "export_personal_data",
            entity: "resident",
            entity_id: Some(id),
        },
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(data))
}

enum Stage {
    /// Waiting for the commune's other uploads to be read (its ticket in the commune's turns).
    Waiting(u64),
    Reading,
    Residents(Box<Prepared>),
    Members(Box<MemberPlan>),
    Businesses(Box<(BusinessSheet, BusinessPlan)>),
    Applying,
    Done(Applied),
    Failed(String),
}

pub struct Job {
    id: String,
    members: bool,
    businesses: bool,
    commune_id: i64,
    account_id: i64,
    file_name: String,
    created: Instant,
    stage: Mutex<Stage>,
    changed: Notify,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Job {
    fn set(&self, s: Stage) {
        if let Ok(mut g) = self.stage.lock() {
            *g = s;
        }
        self.changed.notify_waiters();
    }
    fn running(&self) -> bool {
        self.stage
            .lock()
            .map(|g| matches!(*g, Stage::Waiting(_) | Stage::Reading | Stage::Applying))
            .unwrap_or(false)
    }
}

/// Imports in progress or waiting for confirmation, by id.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Arc<Job>>>);

impl Jobs {
    /// Keeps one waiting preview per account (a large one holds hundreds of megabytes): a new
    /// upload replaces the account's previous one unless that is still being worked on.
    fn add(&self, job: Arc<Job>) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|_, j| {
                j.running() || (j.created.elapsed() < KEEP && j.account_id != job.account_id)
            });
            m.insert(job.id.clone(), job);
        }
    }
    fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.0.lock().ok().and_then(|m| m.get(id).cloned())
    }
}

/// Uploads are read one at a time per commune: reading a workbook takes memory, and four large
/// files at once would take four times as much. The others wait their turn, in order, and the
/// page says how many are ahead.
#[derive(Default)]
pub struct ReadTurns(Mutex<HashMap<i64, Arc<Turns>>>);

pub struct Turns {
    /// One permit: the file being read holds it. Tokio's semaphore serves waiters in order.
    gate: tokio::sync::Semaphore,
    /// The next ticket to hand out, and the ticket of the file being read.
    next: AtomicU64,
    reading: AtomicU64,
}

impl ReadTurns {
    pub fn of(&self, commune_id: i64) -> Arc<Turns> {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(commune_id)
            .or_insert_with(|| {
                Arc::new(Turns {
                    gate: tokio::sync::Semaphore::new(1),
                    next: AtomicU64::new(0),
                    reading: AtomicU64::new(0),
                })
            })
            .clone()
    }
}

impl Turns {
    pub fn ticket(&self) -> u64 {
        self.next.fetch_add(1, Ordering::SeqCst)
    }
    /// Files handed a ticket and not yet read (each holds its bytes while it waits).
    fn waiting(&self) -> u64 {
        self.next
            .load(Ordering::SeqCst)
            .saturating_sub(self.reading.load(Ordering::SeqCst) + 1)
    }
    /// Waits for this ticket's turn; reading goes on while the permit is held.
    pub async fn wait(&self, ticket: u64) -> Result<tokio::sync::SemaphorePermit<'_>> {
        let permit = self
            .gate
            .acquire()
            .await
            .map_err(|_| AppError::Internal("upload turns closed".into()))?;
        self.reading.store(ticket, Ordering::SeqCst);
        Ok(permit)
    }
    /// Files of the commune read before this one (the one being read included).
    fn ahead(&self, ticket: u64) -> u64 {
        ticket.saturating_sub(self.reading.load(Ordering::SeqCst))
    }
}

fn admin_commune(caller: &Caller) -> Result<i64> {
    match (caller.role, caller.commune_id) {
        (Role::CommuneAdmin, Some(c)) if caller.area_level == "commune" => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

/// A commune admin, checked before an upload's body is read (up to 64 MB).
struct Admin(Caller, i64);

impl axum::extract::FromRequestParts<SharedState> for Admin {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &SharedState,
    ) -> std::result::Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, s).await?;
        let commune = admin_commune(&caller)?;
        Ok(Admin(caller, commune))
    }
}

/// The same for the API, answering JSON.
pub(super) struct ApiAdmin(Caller, i64);

impl axum::extract::FromRequestParts<SharedState> for ApiAdmin {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &SharedState,
    ) -> std::result::Result<Self, ApiError> {
        let ApiCaller(caller) = ApiCaller::from_request_parts(parts, s).await?;
        let commune = admin_commune(&caller)?;
        Ok(ApiAdmin(caller, commune))
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct Page {
    shell: Shell,
}

async fn page(caller: Caller) -> Result<Response> {
    admin_commune(&caller)?;
    let shell = Shell::new(&caller, "Nhập danh sách từ Excel", "/import");
    Ok(render(&Page { shell })?.into_response())
}

fn xlsx_download(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn resident_template(caller: Caller) -> Result<Response> {
    admin_commune(&caller)?;
    Ok(xlsx_download(template::residents()?, "mau-nhan-khau.xlsx"))
}

async fn member_template(caller: Caller) -> Result<Response> {
    admin_commune(&caller)?;
    Ok(xlsx_download(template::members()?, "mau-thanh-vien.xlsx"))
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    name: String,
}

fn job_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| format!("{:02x}", rng.r#gen::<u8>()))
        .collect()
}

/// Takes the file as the request body (the page sends it with `fetch`, which also shows the
/// upload's progress) and starts reading it.
async fn upload(
    State(s): State<SharedState>,
    Admin(caller, commune_id): Admin,
    Path(kind): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response> {
    let (members, businesses) = match kind.as_str() {
        "residents" => (false, false),
        "members" => (true, false),
        "businesses" => (false, true),
        _ => return Err(AppError::NotFound),
    };
    if body.is_empty() {
        return Err(AppError::invalid("Chưa chọn tệp, hoặc tệp rỗng."));
    }
    let turns = s.read_turns.of(commune_id);
    if turns.waiting() >= MAX_WAITING {
        return Err(AppError::TooManyAttempts(format!(
            "Đang có {MAX_WAITING} tệp của xã chờ đọc. Hãy đợi các tệp đó đọc xong rồi gửi lại."
        )));
    }
    let ticket = turns.ticket();
    let file_name: String = q
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    let job = Arc::new(Job {
        id: job_id(),
        members,
        businesses,
        commune_id,
        account_id: caller.account_id,
        file_name: if file_name.is_empty() {
            "danh-sach.xlsx".into()
        } else {
            file_name
        },
        created: Instant::now(),
        stage: Mutex::new(Stage::Waiting(ticket)),
        changed: Notify::new(),
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
    });
    s.imports.add(job.clone());
    let to = format!("/import/jobs/{}", job.id);
    let state = s.clone();
    let watched = job.clone();
    let work = tokio::spawn(async move {
        let _turn = match turns.wait(ticket).await {
            Ok(p) => p,
            Err(e) => return job.set(Stage::Failed(message(e))),
        };
        job.set(Stage::Reading);
        let bytes = body.to_vec();
        let stage = if job.businesses {
            let today = state.settings.today();
            match crate::db::businesses::prepare_import(
                &state.db,
                job.commune_id,
                &job.file_name,
                &bytes,
                &today,
            )
            .await
            {
                Ok(p) => Stage::Businesses(Box::new(p)),
                Err(e) => Stage::Failed(message(e)),
            }
        } else if job.members {
            match imports::prepare_members(&state.db, job.commune_id, &job.file_name, &bytes).await
            {
                Ok(p) => Stage::Members(Box::new(p)),
                Err(e) => Stage::Failed(message(e)),
            }
        } else {
            match imports::prepare_residents(
                &state.db,
                &state.keys,
                job.commune_id,
                &job.file_name,
                bytes,
                &state.settings.today(),
            )
            .await
            {
                Ok(p) => Stage::Residents(Box::new(p)),
                Err(e) => Stage::Failed(message(e)),
            }
        };
        job.set(stage);
    });
    watch(work, watched);
    Ok(see_other(&to))
}

const FAILED: &str = "Có lỗi khi xử lý tệp; không có dữ liệu nào được ghi. Hãy thử lại.";

fn message(e: AppError) -> String {
    match e {
        AppError::Invalid(m) => m,
        other => {
            other.log();
            FAILED.into()
        }
    }
}

/// A job whose task ends without saying how (a panic) is marked failed rather than left
/// running for ever.
fn watch(work: tokio::task::JoinHandle<()>, job: Arc<Job>) {
    tokio::spawn(async move {
        if work.await.is_err() {
            tracing::error!("import job task ended abnormally");
            job.set(Stage::Failed(FAILED.into()));
        }
    });
}

fn job_of(s: &SharedState, caller: &Caller, id: &str) -> Result<Arc<Job>> {
    admin_commune(caller)?;
    match s.imports.get(id) {
        // The preview holds personal data: only its uploader sees it.
        Some(j) if j.account_id == caller.account_id => Ok(j),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Deserialize)]
struct JobQuery {
    #[serde(default)]
    wait: Option<String>,
}

struct UpdateLine {
    line: usize,
    name: String,
    changes: String,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    shell: Shell,
    id: String,
    file_name: String,
    members: bool,
    businesses: bool,
    running: bool,
    stage: &'static str,
    /// Files of the commune read before this one, while it waits.
    ahead: u64,
    done: usize,
    total: usize,
    adds: usize,
    updates: usize,
    unchanged: usize,
    new_households: usize,
    ignored: Vec<String>,
    rejected: Vec<Problem>,
    rejected_more: usize,
    update_lines: Vec<UpdateLine>,
    applied: Option<Applied>,
    error: Option<String>,
}

/// Rows listed on the page; the command line prints them all.
const SHOWN: usize = 1000;

async fn job_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<JobQuery>,
) -> Result<Response> {
    let job = job_of(&s, &caller, &id)?;
    if q.wait.is_some() {
        // For scripts and tests: answer when the step in progress has finished.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let notified = job.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !job.running() || Instant::now() > deadline {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), notified).await;
        }
    }
    let mut page = JobPage {
        shell: Shell::new(&caller, "Nhập danh sách từ Excel", "/import"),
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        members: job.members,
        businesses: job.businesses,
        running: false,
        stage: "",
        ahead: 0,
        done: job.done.load(Ordering::Relaxed),
        total: job.total.load(Ordering::Relaxed),
        adds: 0,
        updates: 0,
        unchanged: 0,
        new_households: 0,
        ignored: Vec::new(),
        rejected: Vec::new(),
        rejected_more: 0,
        update_lines: Vec::new(),
        applied: None,
        error: None,
    };
    {
        let g = job
            .stage
            .lock()
            .map_err(|_| AppError::Internal("import job lock".into()))?;
        match &*g {
            Stage::Waiting(ticket) => {
                page.running = true;
                page.stage = "waiting";
                page.ahead = s.read_turns.of(job.commune_id).ahead(*ticket).max(1);
            }
            Stage::Reading => {
                page.running = true;
                page.stage = "reading";
            }
            Stage::Applying => {
                page.running = true;
                page.stage = "applying";
            }
            Stage::Failed(m) => {
                page.stage = "failed";
                page.error = Some(m.clone());
            }
            Stage::Done(a) => {
                page.stage = "done";
                page.applied = Some(a.clone());
            }
            Stage::Residents(p) => {
                let p = &p.plan;
                page.stage = "preview";
                page.adds = p.adds();
                page.updates = p.updates();
                page.unchanged = p.unchanged();
                page.new_households = p.new_households.len();
                page.ignored = p.ignored_columns.clone();
                page.rejected = p.rejected.iter().take(SHOWN).cloned().collect();
                page.rejected_more = p.rejected.len().saturating_sub(SHOWN);
                page.update_lines = p
                    .items
                    .iter()
                    .filter_map(|i| match &i.action {
                        Action::Update { changes, .. } => Some(UpdateLine {
                            line: i.line,
                            name: i.values.full_name.clone(),
                            changes: changes.join(", "),
                        }),
                        _ => None,
                    })
                    .take(SHOWN)
                    .collect();
            }
            Stage::Businesses(p) => {
                use crate::import::businesses::Action as B;
                let p = &p.1;
                page.stage = "preview";
                page.adds = p.count(|a| *a == B::Add);
                page.updates = p.count(|a| matches!(a, B::Update { .. }));
                page.unchanged = p.count(|a| matches!(a, B::Unchanged(_)));
                page.ignored = p.ignored_columns.clone();
                page.rejected = p.rejected.iter().take(SHOWN).cloned().collect();
                page.rejected_more = p.rejected.len().saturating_sub(SHOWN);
            }
            Stage::Members(p) => {
                page.stage = "preview";
                page.adds = p.count(|a| *a == MemberAction::Add);
                page.updates = p.count(|a| matches!(a, MemberAction::Update(_)));
                page.unchanged = p.count(|a| matches!(a, MemberAction::Unchanged(_)));
                page.ignored = p.ignored_columns.clone();
                page.rejected = p.rejected.iter().take(SHOWN).cloned().collect();
                page.rejected_more = p.rejected.len().saturating_sub(SHOWN);
            }
        }
    }
    Ok(render(&page)?.into_response())
}

/// Confirms a preview: writes every valid row in one transaction, in the background.
async fn apply(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let job = job_of(&s, &caller, &id)?;
    let taken = {
        let mut g = job
            .stage
            .lock()
            .map_err(|_| AppError::Internal("import job lock".into()))?;
        match &*g {
            Stage::Residents(_) | Stage::Members(_) | Stage::Businesses(_) => {
                std::mem::replace(&mut *g, Stage::Applying)
            }
            // Applying twice, or after it failed, does nothing more.
            _ => return Ok(see_other(&format!("/import/jobs/{id}"))),
        }
    };
    let state = s.clone();
    let j = job.clone();
    let work = tokio::spawn(async move {
        let src = Source {
            commune_id: j.commune_id,
            account_id: Some(j.account_id),
            file_name: &j.file_name,
        };
        let result = match taken {
            Stage::Residents(p) => {
                let progress = |done: usize, total: usize| {
                    j.done.store(done, Ordering::Relaxed);
                    j.total.store(total, Ordering::Relaxed);
                };
                imports::apply_residents(&state.db, &state.keys, &src, *p, &progress).await
            }
            Stage::Members(p) => imports::apply_members(&state.db, &src, &p).await,
            Stage::Businesses(p) => {
                let today = state.settings.today();
                crate::db::businesses::apply_import(&state.db, &src, p.0, &today).await
            }
            _ => return,
        };
        j.set(match result {
            Ok(a) => Stage::Done(a),
            Err(e) => Stage::Failed(message(e)),
        });
    });
    watch(work, job.clone());
    Ok(see_other(&format!("/import/jobs/{id}")))
}
