//! A hamlet's work lists, to print or download as Excel: whom the team visits next.

use super::{SharedState, Shell, render};
use crate::auth::Caller;
use crate::db::{self, areas, worklists};
use crate::error::{AppError, Result};
use crate::xlsx::Cell;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

/// (list, title, the indicator whose gap it is).
pub(super) const LISTS: [(&str, &str, &str); 3] = [
    (
        "unguided",
        "Người trưởng thành chưa được hướng dẫn trực tiếp",
        "adults_guided",
    ),
    (
        "no_app",
        "Hộ chưa có người cài đặt Tây Ninh Smart",
        "households_province_app",
    ),
    (
        "no_smartphone",
        "Người trưởng thành chưa có điện thoại thông minh",
        "adults_without_smartphone",
    ),
];

pub fn routes() -> Router<SharedState> {
    Router::new().route("/worklists/{hamlet}", get(worklist))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    list: String,
    #[serde(default)]
    format: String,
    page: Option<i64>,
    /// The whole list on one page, to print.
    #[serde(default)]
    all: String,
}

/// Rows a page of a work list shows; the whole list prints from "In tất cả" or goes to Excel.
const PER_PAGE: usize = 50;

/// A list as a table: headers and rows of text, the same for the page and the Excel file.
struct Table {
    title: String,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    shell: Shell,
    hamlet_code: String,
    hamlet_name: String,
    list: String,
    lists: Vec<(&'static str, &'static str, bool)>,
    table: Table,
    today: String,
    /// All rows of the list (the table holds only this page's).
    total: usize,
    page: usize,
    pages: usize,
    all: bool,
}

fn birth(date: &Option<String>, year: Option<i64>) -> String {
    match (date, year) {
        (Some(d), _) => crate::text::format_date(d),
        (None, Some(y)) => y.to_string(),
        _ => String::new(),
    }
}

async fn worklist(
    State(s): State<SharedState>,
    caller: Caller,
    Path(hamlet): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let area = areas::visible_by_code(&s.db, &caller, &hamlet).await?;
    if area.level != "hamlet" {
        return Err(AppError::NotFound);
    }
    let list = if q.list.is_empty() {
        "unguided"
    } else {
        q.list.as_str()
    };
    let (_, title, _) = LISTS.iter().find(|(l, _, _)| *l == list).ok_or_else(|| {
        AppError::invalid("Danh sách không có. Chọn một trong các danh sách bên dưới.")
    })?;
    let today = db::today();
    let export = !q.format.is_empty();
    let phone = |p: &Option<String>, hamlet_id: i64| match p {
        Some(p) if export && caller.exports_full_phone(hamlet_id) => p.clone(),
        Some(p) if !export && caller.sees_full_phone(hamlet_id) => p.clone(),
        Some(p) => crate::text::mask_phone(p),
        None => String::new(),
    };
    let table = match list {
        "no_app" => Table {
            title: title.to_string(),
            headers: vec!["STT", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu"],
            rows: worklists::households_without(&s.db, scope, area.id, "province_app")
                .await?
                .into_iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        (i + 1).to_string(),
                        h.code,
                        h.head_name.unwrap_or_default(),
                        h.address.unwrap_or_default(),
                        h.living.to_string(),
                    ]
                })
                .collect(),
        },
        _ => {
            let people = if list == "unguided" {
                worklists::unguided(&s.db, scope, area.id, &today).await?
            } else {
                worklists::without_smartphone(&s.db, scope, area.id, &today).await?
            };
            Table {
                title: title.to_string(),
                headers: vec![
                    "STT",
                    "Mã hộ",
                    "Họ và tên",
                    "Ngày/năm sinh",
                    "Địa chỉ",
                    "Điện thoại",
                ],
                rows: people
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| {
                        vec![
                            (i + 1).to_string(),
                            p.household_code,
                            p.full_name,
                            birth(&p.birth_date, p.birth_year),
                            p.address.unwrap_or_default(),
                            phone(&p.phone, p.hamlet_id),
                        ]
                    })
                    .collect(),
            }
        }
    };
    if !q.format.is_empty() {
        let rows: Vec<Vec<Cell>> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|c| Cell::from(c.as_str())).collect())
            .collect();
        let title = format!(
            "{} · {} · ngày {}",
            table.title,
            area.name,
            crate::text::format_date(&today)
        );
        return super::exports::table_file(
            &q.format,
            (&format!("{}-{list}", area.code), "Danh sách", &title),
            &table.headers,
            &rows,
        );
    }
    let mut table = table;
    let total = table.rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let all = q.all == "1";
    let page = (q.page.unwrap_or(1).clamp(1, pages as i64)) as usize;
    if !all {
        table.rows = table
            .rows
            .into_iter()
            .skip((page - 1) * PER_PAGE)
            .take(PER_PAGE)
            .collect();
    }
    let page = WorklistPage {
        total,
        page,
        pages,
        all,
        shell: Shell::new(&caller, format!("{} · {}", title, area.name), "/dashboard"),
        hamlet_code: area.code.clone(),
        hamlet_name: area.name.clone(),
        list: list.to_string(),
        lists: LISTS.iter().map(|(l, t, _)| (*l, *t, *l == list)).collect(),
        table,
        today: crate::text::format_date(&today),
    };
    Ok(render(&page)?.into_response())
}
