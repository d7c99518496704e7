//! Lists as files: residents and households to Excel or CSV, within the caller's scope and with
//! the same masking as the pages (citizen IDs masked; phones masked outside the own hamlet).

use super::SharedState;
use super::hamlet_scope::hamlet_filter;
use crate::auth::Caller;
use crate::db::{households, residents};
use crate::error::{AppError, Result};
use crate::xlsx::{self, Cell};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/residents/export", get(residents_file))
        .route("/households/export", get(households_file))
        .route("/activities/export", get(activities_file))
        .route("/members/export", get(members_file))
}

/// A whole commune fits: 35,000 residents are a few megabytes.
const MAX_ROWS: i64 = 200_000;

#[derive(Deserialize)]
struct FormatOnly {
    #[serde(default)]
    format: String,
}

/// The members of every team the caller may see, phones full only in the commune admin's file.
async fn members_file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<FormatOnly>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let db = s.db.reader(caller.account_id);
    let teams = match scope.hamlet_id {
        None => crate::db::teams::for_commune(&db, scope.commune_id).await?,
        Some(h) => crate::db::teams::for_area(&db, h).await?,
    };
    let mut rows = Vec::new();
    for team in &teams {
        let full_phone = caller.exports_full_phone(team.area_id);
        for m in crate::db::members::for_team(&db, team.id).await? {
            if m.active != 1 {
                continue;
            }
            rows.push(vec![
                Cell::Text(team.name.clone()),
                Cell::Text(m.full_name.clone()),
                Cell::Text(m.position_label().to_string()),
                Cell::Text(m.affiliation_label()),
                match &m.phone {
                    Some(ph) if full_phone => Cell::Text(ph.clone()),
                    Some(ph) => Cell::Text(crate::text::mask_phone(ph)),
                    None => Cell::Empty,
                },
                m.joined_on
                    .as_deref()
                    .map_or(Cell::Empty, |d| Cell::Text(crate::text::format_date(d))),
            ]);
        }
    }
    table_file(
        &p.format,
        ("thanh-vien", "Thành viên", "Thành viên Tổ CNSCĐ"),
        &[
            "Tổ",
            "Họ và tên",
            "Chức vụ",
            "Thuộc",
            "Số điện thoại",
            "Ngày tham gia",
        ],
        &rows,
    )
}

#[derive(Deserialize)]
struct MonthExport {
    month: String,
    #[serde(default)]
    format: String,
}

/// A month's activities of the caller's hamlet (or the whole commune), as on `/activities`.
async fn activities_file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<MonthExport>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let db = s.db.reader(caller.account_id);
    let (from, to) = crate::fieldwork::month_bounds(&p.month)
        .ok_or_else(|| AppError::invalid("Chọn một tháng dạng năm-tháng, ví dụ 2026-05."))?;
    let items =
        crate::db::activities::list(&db, scope.commune_id, scope.hamlet_id, &from, &to).await?;
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|a| {
            vec![
                Cell::Text(crate::text::format_date(&a.activity_date)),
                Cell::Text(a.hamlet_name.clone()),
                Cell::Text(a.kind_label().to_string()),
                opt(&a.place),
                Cell::from(a.members_present),
                Cell::from(a.residents_reached),
                Cell::from(a.helped),
                Cell::from(a.dossiers),
                opt(&a.notes),
                // An automatic round not yet confirmed is listed, but does not count.
                Cell::Text(
                    if a.confirmed == 1 {
                        "Có"
                    } else {
                        "Chưa (chờ xác nhận)"
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    table_file(
        &p.format,
        (
            &format!("hoat-dong-{}", p.month),
            "Hoạt động",
            &format!(
                "Buổi hoạt động tháng {}",
                crate::reports::build::month_words(&p.month)
            ),
        ),
        &[
            "Ngày",
            "Ấp",
            "Hình thức",
            "Địa điểm",
            "Thành viên có mặt",
            "Người dân được tiếp cận",
            "Lượt hỗ trợ",
            "Hồ sơ trực tuyến",
            "Ghi chú",
            "Tính vào số buổi tối thiểu",
        ],
        &rows,
    )
}

#[derive(Deserialize)]
struct ExportParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
}

/// Answers the table as `.xlsx` or `.csv`.
pub fn table_file(
    format: &str,
    (name, sheet, title): (&str, &str, &str),
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Response> {
    let (bytes, mime, ext) = match format {
        "xlsx" | "" => (
            xlsx::table(sheet, title, headers, rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (xlsx::csv(headers, rows)?, "text/csv; charset=utf-8", "csv"),
        _ => return Err(AppError::invalid("Định dạng phải là xlsx hoặc csv.")),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn opt(s: &Option<String>) -> Cell {
    s.clone().map_or(Cell::Empty, Cell::Text)
}

async fn residents_file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<ExportParams>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let db = s.db.reader(caller.account_id);
    let hamlet_id = hamlet_filter(&s, &caller, &p.area).await?;
    let page = residents::list(
        &db,
        scope,
        &residents::ListFilter {
            hamlet_id,
            q: &p.q,
            consented_only: true,
            ..Default::default()
        },
        1,
        MAX_ROWS,
    )
    .await?;
    let rows: Vec<Vec<Cell>> = page
        .items
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.household_code.clone()),
                Cell::Text(r.hamlet_name.clone()),
                Cell::Text(r.full_name.clone()),
                Cell::Text(r.birth_label()),
                Cell::Text(r.gender_label().to_string()),
                opt(&r.cccd_masked),
                Cell::Text(match &r.phone {
                    Some(p) if caller.exports_full_phone(r.hamlet_id) => p.clone(),
                    Some(p) => crate::text::mask_phone(p),
                    None => String::new(),
                }),
                opt(&r.relation),
                Cell::Text(
                    match r.has_smartphone {
                        Some(1) => "Có",
                        Some(_) => "Không",
                        None => "",
                    }
                    .to_string(),
                ),
                Cell::Text(r.status_label().to_string()),
            ]
        })
        .collect();
    table_file(
        &p.format,
        ("nhan-khau", "Nhân khẩu", "Danh sách nhân khẩu"),
        &[
            "Mã hộ",
            "Ấp",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số CCCD",
            "Số điện thoại",
            "Quan hệ với chủ hộ",
            "Điện thoại thông minh",
            "Tình trạng",
        ],
        &rows,
    )
}

async fn households_file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<ExportParams>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let db = s.db.reader(caller.account_id);
    let hamlet_id = hamlet_filter(&s, &caller, &p.area).await?;
    let page = households::list(
        &db,
        scope,
        &households::ListFilter {
            hamlet_id,
            q: &p.q,
            include_inactive: false,
        },
        1,
        MAX_ROWS,
    )
    .await?;
    let rows: Vec<Vec<Cell>> = page
        .items
        .iter()
        .map(|h| {
            vec![
                Cell::Text(h.code.clone()),
                Cell::Text(h.hamlet_name.clone()),
                opt(&h.address),
                opt(&h.head_name),
                Cell::from(h.resident_count),
            ]
        })
        .collect();
    table_file(
        &p.format,
        ("ho", "Hộ", "Danh sách hộ"),
        &["Mã hộ", "Ấp", "Địa chỉ", "Chủ hộ", "Số nhân khẩu đang ở"],
        &rows,
    )
}
