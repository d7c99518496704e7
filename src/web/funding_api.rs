//! Kinh phí in the JSON API (issue 19): the year's budget per source, a month's payment list,
//! and the list's workflow (prepare, approve, mark paid). Amounts are integers in đồng.
//! The province reads each commune's totals only; a hamlet head reads the team's own lines;
//! member names go only to the commune's own offices.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::{ApiJson, ApiPath, ApiQuery};
use super::funding::{Access, access, budget};
use super::{ApiCaller, ApiError, SharedState};
use crate::auth::{Caller, Role};
use crate::db::areas::{self, Area};
use crate::db::funding as store;
use crate::error::AppError;
use crate::funding;
use crate::indicators::period::{self, Month, Period};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type Result<T, E = AppError> = std::result::Result<T, E>;

/// How the caller reads a commune's money: in full, one team's lines, or totals only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Full(Access),
    Team(i64),
    Totals,
}

/// The commune of `code` (the caller's own when empty) and how the caller may read it.
async fn commune_for(s: &SharedState, c: &Caller, code: &str) -> Result<(Area, Reading)> {
    let area = if code.trim().is_empty() {
        let id = c
            .commune_id
            .ok_or_else(|| AppError::invalid("Cho biết mã xã (area=…)."))?;
        // The caller's own commune (a hamlet head's too, who sees the commune only through this).
        areas::get(&s.db, id).await?.ok_or(AppError::NotFound)?
    } else {
        areas::visible_by_code(&s.db, c, code.trim()).await?
    };
    if area.level != "commune" {
        return Err(AppError::invalid(
            "Kinh phí được theo dõi theo xã: hãy cho mã xã.",
        ));
    }
    if c.role == Role::ProvinceViewer {
        return Ok((area, Reading::Totals));
    }
    let (commune, a) = access(c)?;
    if commune != area.id {
        return Err(AppError::NotFound);
    }
    Ok((
        area,
        match a {
            Access::Team(h) => Reading::Team(h),
            other => Reading::Full(other),
        },
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SummaryQuery {
    /// Mã xã; mặc định xã của tài khoản.
    #[serde(default)]
    area: String,
    /// Năm, ví dụ 2026; mặc định năm nay.
    #[serde(default)]
    year: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SourceOut {
    name: String,
    allotted: i64,
    approved: i64,
    paid: i64,
    spent: i64,
    remaining: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SummaryOut {
    area: String,
    year: i64,
    sources: Vec<SourceOut>,
    allotted: i64,
    approved: i64,
    paid: i64,
    spent: i64,
    remaining: i64,
}

/// Kinh phí của một xã trong năm, theo nguồn
///
/// Được giao, đã duyệt chi (kể cả đã chi trả), đã chi trả, chi hoạt động và còn lại, tính bằng
/// đồng. Phòng Kinh tế, lãnh đạo và Phòng VH-XH của xã; Sở xem tổng của từng xã.
#[utoipa::path(
    get,
    path = "/api/v1/funding/summary",
    tag = "Kinh phí",
    params(SummaryQuery),
    responses((status = 200, description = "Kinh phí theo nguồn", body = SummaryOut), ReadErrors)
)]
pub(super) async fn api_summary(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<SummaryOut>, ApiError> {
    let (area, reading) = commune_for(&s, &c, &q.area).await?;
    if matches!(reading, Reading::Team(_)) {
        return Err(AppError::Forbidden.into());
    }
    let year = q
        .year
        .unwrap_or_else(|| period::year_of(period::current_month()));
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&year) {
        return Err(AppError::invalid("Năm nằm ngoài khoảng 2020–2100.").into());
    }
    let (rows, total) = budget(&s.db, area.id, year).await?;
    Ok(Json(SummaryOut {
        area: area.code,
        year,
        sources: rows
            .into_iter()
            .map(|r| SourceOut {
                name: r.name,
                allotted: r.standing.allotted,
                approved: r.standing.approved,
                paid: r.standing.paid,
                spent: r.standing.spent,
                remaining: r.standing.remaining(),
            })
            .collect(),
        allotted: total.allotted,
        approved: total.approved,
        paid: total.paid,
        spent: total.spent,
        remaining: total.remaining(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PaymentsQuery {
    /// Mã xã; mặc định xã của tài khoản.
    #[serde(default)]
    area: String,
    /// Tháng, ví dụ 2026-11.
    #[param(example = "2026-11")]
    month: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct LineOut {
    /// team_month, member_month, person_day hoặc adjustment.
    kind: String,
    team: String,
    /// Chỉ trả cho người được xem tên thành viên.
    #[serde(skip_serializing_if = "Option::is_none")]
    member_name: Option<String>,
    /// Tháng được chi (yyyy-mm).
    month: String,
    /// Ngày công (yyyy-mm-dd), với khoản theo ngày.
    day: Option<String>,
    source: String,
    amount: i64,
    basis: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PaymentsOut {
    area: String,
    month: String,
    /// draft, approved, paid; none: chưa lập.
    status: Option<String>,
    total: i64,
    lines: Vec<LineOut>,
    paid_on: Option<String>,
    voucher_no: Option<String>,
}

fn month_of(s: &str) -> Result<Month> {
    match Period::parse(s)? {
        Period::Month(m) => Ok(m),
        _ => Err(AppError::invalid("Chọn một tháng, ví dụ 2026-11.")),
    }
}

async fn payments(s: &SharedState, c: &Caller, area: &str, month: Month) -> Result<PaymentsOut> {
    let (area, reading) = commune_for(s, c, area).await?;
    let list = store::list(&s.db, area.id, month).await?;
    let (lines, total) = match &list {
        Some(l) => {
            let team = match reading {
                Reading::Team(h) => Some(h),
                _ => None,
            };
            let stored = store::lines(&s.db, l.id, team).await?;
            let total = stored.iter().map(|x| x.amount).sum();
            let names = !matches!(reading, Reading::Totals);
            let lines = if matches!(reading, Reading::Totals) {
                vec![]
            } else {
                stored
                    .into_iter()
                    .map(|x| LineOut {
                        kind: x.kind,
                        team: x.team_name,
                        member_name: if names { x.member_name } else { None },
                        month: x.month,
                        day: x.day,
                        source: x.source_name,
                        amount: x.amount,
                        basis: x.basis,
                    })
                    .collect()
            };
            (lines, total)
        }
        None => (vec![], 0),
    };
    Ok(PaymentsOut {
        area: area.code,
        month: period::month_code(month),
        status: list.as_ref().map(|l| l.status.clone()),
        total,
        lines,
        paid_on: list.as_ref().and_then(|l| l.paid_on.clone()),
        voucher_no: list.and_then(|l| l.voucher_no),
    })
}

/// Danh sách chi của một tháng
///
/// Các dòng (theo tổ, theo thành viên, theo ngày công, điều chỉnh) với căn cứ của từng dòng.
/// Trưởng ấp chỉ thấy các dòng của tổ ấp mình; Sở chỉ thấy tổng.
#[utoipa::path(
    get,
    path = "/api/v1/funding/payments",
    tag = "Kinh phí",
    params(PaymentsQuery),
    responses((status = 200, description = "Danh sách chi", body = PaymentsOut), ReadErrors)
)]
pub(super) async fn api_payments(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<PaymentsQuery>,
) -> Result<Json<PaymentsOut>, ApiError> {
    let month = month_of(&q.month)?;
    Ok(Json(payments(&s, &c, &q.area, month).await?))
}

/// The caller's commune, when the caller has `want` there.
fn acting(c: &Caller, want: Access) -> Result<i64> {
    match access(c)? {
        (commune, a) if a == want => Ok(commune),
        _ => Err(AppError::Forbidden),
    }
}

/// Lập (hoặc lập lại) danh sách chi của tháng
///
/// Phòng Kinh tế. Tính từ số liệu hiện tại; các dòng điều chỉnh được giữ. Không lập lại được
/// danh sách đã duyệt.
#[utoipa::path(
    post,
    path = "/api/v1/funding/payments/{month}/prepare",
    tag = "Kinh phí",
    params(("month" = String, Path, description = "Tháng, ví dụ 2026-11")),
    responses((status = 200, description = "Danh sách vừa lập", body = PaymentsOut), WriteErrors)
)]
pub(super) async fn api_prepare(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(month): ApiPath<String>,
) -> Result<Json<PaymentsOut>, ApiError> {
    let commune = acting(&c, Access::Keep)?;
    let m = month_of(&month)?;
    if m > period::current_month() {
        return Err(AppError::invalid("Chưa đến tháng này.").into());
    }
    let mut tx = s.db.begin_write().await?;
    let id = store::prepare(&s.db, &mut tx, commune, m, c.account_id).await?;
    super::audited(
        &mut tx,
        &c,
        commune,
        ("prepare", "payment_lists", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"month": period::month_code(m)})),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(payments(&s, &c, "", m).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub(super) struct ApproveBody {
    /// Duyệt dù danh sách vượt số còn lại của một nguồn.
    #[serde(default)]
    overrun_ok: bool,
    /// Tổng tiền của danh sách người duyệt đã xem; nếu gửi mà khác tổng hiện tại thì không duyệt.
    #[serde(default)]
    total: Option<i64>,
}

/// Duyệt danh sách chi của tháng
///
/// Lãnh đạo UBND xã. Sau khi duyệt danh sách không thay đổi; một dòng đã được chi ở danh sách
/// đã duyệt khác thì bị từ chối. Vượt dự toán của nguồn cần overrun_ok.
#[utoipa::path(
    post,
    path = "/api/v1/funding/payments/{month}/approve",
    tag = "Kinh phí",
    params(("month" = String, Path, description = "Tháng, ví dụ 2026-11")),
    request_body = ApproveBody,
    responses((status = 200, description = "Đã duyệt", body = PaymentsOut), WriteErrors)
)]
pub(super) async fn api_approve(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(month): ApiPath<String>,
    ApiJson(b): ApiJson<ApproveBody>,
) -> Result<Json<PaymentsOut>, ApiError> {
    let commune = acting(&c, Access::Approve)?;
    let m = month_of(&month)?;
    let list = store::list(&s.db, commune, m)
        .await?
        .ok_or_else(|| AppError::invalid("Danh sách tháng này chưa được lập."))?;
    let lines = store::lines(&s.db, list.id, None).await?;
    if let Some(seen) = b.total
        && seen != lines.iter().map(|l| l.amount).sum::<i64>()
    {
        return Err(AppError::invalid(
            "Tổng tiền của danh sách đã thay đổi từ lúc xem; hãy xem lại rồi duyệt.",
        )
        .into());
    }
    let standing = store::standing(&s.db, commune, period::year_of(m)).await?;
    if !b.overrun_ok && !funding::overruns(&store::as_lines(&lines), &standing).is_empty() {
        return Err(AppError::invalid(
            "Danh sách vượt số còn lại của nguồn kinh phí; gửi overrun_ok: true nếu vẫn duyệt.",
        )
        .into());
    }
    let mut tx = s.db.begin_write().await?;
    store::approve(&mut tx, commune, list.id, c.account_id).await?;
    super::audited(
        &mut tx,
        &c,
        commune,
        ("approve", "payment_lists", Some(list.id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"month": period::month_code(m), "lines": lines.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(payments(&s, &c, "", m).await?))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct PaidBody {
    /// Ngày chi, yyyy-mm-dd.
    paid_on: String,
    /// cash hoặc transfer.
    method: String,
    /// Số phiếu chi hoặc ủy nhiệm chi.
    voucher_no: String,
}

/// Đánh dấu danh sách đã chi
///
/// Phòng Kinh tế, với danh sách đã được duyệt.
#[utoipa::path(
    post,
    path = "/api/v1/funding/payments/{month}/paid",
    tag = "Kinh phí",
    params(("month" = String, Path, description = "Tháng, ví dụ 2026-11")),
    request_body = PaidBody,
    responses((status = 200, description = "Đã chi", body = PaymentsOut), WriteErrors)
)]
pub(super) async fn api_paid(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(month): ApiPath<String>,
    ApiJson(b): ApiJson<PaidBody>,
) -> Result<Json<PaymentsOut>, ApiError> {
    let commune = acting(&c, Access::Keep)?;
    let m = month_of(&month)?;
    let list = store::list(&s.db, commune, m)
        .await?
        .ok_or_else(|| AppError::invalid("Danh sách tháng này chưa được lập."))?;
    let on = super::funding::day_until_today(&b.paid_on, &s.settings.today(), "Ngày chi")?;
    if !funding::PAY_METHODS.iter().any(|(k, _)| *k == b.method) {
        return Err(AppError::invalid("method: cash hoặc transfer.").into());
    }
    let voucher = crate::text::clean(&b.voucher_no);
    if voucher.is_empty() || voucher.chars().count() > 60 {
        return Err(AppError::invalid("Nhập số chứng từ chi (tối đa 60 ký tự).").into());
    }
    let mut tx = s.db.begin_write().await?;
    store::mark_paid(&mut tx, commune, list.id, (&on, &b.method, &voucher)).await?;
    super::audited(
        &mut tx,
        &c,
        commune,
        ("mark_paid", "payment_lists", Some(list.id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"paid_on": on, "method": b.method, "voucher_no": voucher})),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(payments(&s, &c, "", m).await?))
}

/// A typed body as the fields the pages send, so both are checked by the same code.
fn fields(pairs: &[(&str, Option<String>)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
        .collect()
}

#[derive(Serialize, ToSchema)]
pub(super) struct CreatedOut {
    id: i64,
}

#[derive(Deserialize, ToSchema)]
pub(super) struct AdjustmentBody {
    team_id: i64,
    /// Điều chỉnh cho một thành viên của tổ.
    #[serde(default)]
    member_id: Option<i64>,
    source_id: i64,
    /// Đồng; âm để thu hồi.
    amount: i64,
    /// Tháng được điều chỉnh (yyyy-mm); mặc định tháng của danh sách.
    #[serde(default)]
    for_month: Option<String>,
    reason: String,
}

/// Thêm dòng điều chỉnh vào danh sách chưa duyệt
///
/// Phòng Kinh tế. Sai sót của tháng đã duyệt được sửa bằng dòng điều chỉnh ở tháng sau.
#[utoipa::path(
    post,
    path = "/api/v1/funding/payments/{month}/adjustments",
    tag = "Kinh phí",
    params(("month" = String, Path, description = "Tháng của danh sách, ví dụ 2026-11")),
    request_body = AdjustmentBody,
    responses((status = 201, description = "Đã thêm", body = CreatedOut), WriteErrors)
)]
pub(super) async fn api_add_adjustment(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(month): ApiPath<String>,
    ApiJson(b): ApiJson<AdjustmentBody>,
) -> Result<(axum::http::StatusCode, Json<CreatedOut>), ApiError> {
    let m = month_of(&month)?;
    let f = fields(&[
        ("team_id", Some(b.team_id.to_string())),
        ("member_id", b.member_id.map(|m| m.to_string())),
        ("source_id", Some(b.source_id.to_string())),
        ("amount", Some(b.amount.to_string())),
        ("for_month", b.for_month),
        ("reason", Some(b.reason)),
    ]);
    let id = super::funding::adjustment_with(&s, &c, m, &f).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedOut { id })))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct SourceBody {
    /// province, commune hoặc other.
    kind: String,
    name: String,
    #[serde(default)]
    doc_number: Option<String>,
    /// yyyy-mm-dd
    #[serde(default)]
    doc_date: Option<String>,
    /// Mức bổ sung tối đa, % mức của tỉnh (ngân sách xã bổ sung).
    #[serde(default)]
    cap_percent: Option<i64>,
    /// Số được giao năm nay, đồng.
    #[serde(default)]
    allotted: Option<i64>,
}

/// Thêm nguồn kinh phí
///
/// Phòng Kinh tế.
#[utoipa::path(
    post,
    path = "/api/v1/funding/sources",
    tag = "Kinh phí",
    request_body = SourceBody,
    responses((status = 201, description = "Đã thêm", body = CreatedOut), WriteErrors)
)]
pub(super) async fn api_add_source(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiJson(b): ApiJson<SourceBody>,
) -> Result<(axum::http::StatusCode, Json<CreatedOut>), ApiError> {
    let f = fields(&[
        ("kind", Some(b.kind)),
        ("name", Some(b.name)),
        ("doc_number", b.doc_number),
        ("doc_date", b.doc_date),
        ("cap_percent", b.cap_percent.map(|c| c.to_string())),
        ("allotted", b.allotted.map(|a| a.to_string())),
    ]);
    let id = super::funding::source_with(&s, &c, &f).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedOut { id })))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct RateBody {
    source_id: i64,
    /// team_month, member_month hoặc person_day.
    kind: String,
    /// Đồng.
    amount: i64,
    /// Áp dụng từ tháng (yyyy-mm).
    from_month: String,
}

/// Thêm định mức chi từ một tháng
///
/// Phòng Kinh tế. Không áp dụng cho tháng đã có danh sách được duyệt.
#[utoipa::path(
    post,
    path = "/api/v1/funding/rates",
    tag = "Kinh phí",
    request_body = RateBody,
    responses((status = 201, description = "Đã thêm", body = CreatedOut), WriteErrors)
)]
pub(super) async fn api_add_rate(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiJson(b): ApiJson<RateBody>,
) -> Result<(axum::http::StatusCode, Json<CreatedOut>), ApiError> {
    let f = fields(&[
        ("source_id", Some(b.source_id.to_string())),
        ("kind", Some(b.kind)),
        ("amount", Some(b.amount.to_string())),
        ("from_month", Some(b.from_month)),
    ]);
    let id = super::funding::rate_with(&s, &c, &f).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedOut { id })))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct ExpenseBody {
    source_id: i64,
    /// yyyy-mm-dd
    spent_on: String,
    /// stationery, telecoms, water, printing, training hoặc other.
    kind: String,
    /// Đồng.
    amount: i64,
    description: String,
    #[serde(default)]
    voucher_no: Option<String>,
}

/// Ghi một khoản chi hoạt động
///
/// Phòng Kinh tế. Bản quét chứng từ gửi ở trang Chi hoạt động.
#[utoipa::path(
    post,
    path = "/api/v1/funding/expenses",
    tag = "Kinh phí",
    request_body = ExpenseBody,
    responses((status = 201, description = "Đã ghi", body = CreatedOut), WriteErrors)
)]
pub(super) async fn api_add_expense(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiJson(b): ApiJson<ExpenseBody>,
) -> Result<(axum::http::StatusCode, Json<CreatedOut>), ApiError> {
    let f = fields(&[
        ("source_id", Some(b.source_id.to_string())),
        ("spent_on", Some(b.spent_on)),
        ("kind", Some(b.kind)),
        ("amount", Some(b.amount.to_string())),
        ("description", Some(b.description)),
        ("voucher_no", b.voucher_no),
    ]);
    let (id, _) = super::funding::expense_with(&s, &c, &f).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedOut { id })))
}
