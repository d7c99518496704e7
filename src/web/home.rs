//! The home page: what the caller's area holds and where they usually go next.

use super::areas::commune_blocks;
use super::{SharedState, Shell, render};
use crate::auth::{Caller, Role};
use crate::db::{accounts, stats};
use crate::error::AppError;
use crate::text::format_int;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    shell: Shell,
    heading: String,
    subtitle: String,
    cards: Vec<(String, String)>,
    links: Vec<(String, String)>,
    notes: String,
    reminders: Vec<super::reminders::Reminder>,
}

/// Field work that waits for someone: help given today, conflicts to decide, households to assign.
async fn field_links(
    s: &SharedState,
    caller: &Caller,
    cards: &mut Vec<(String, String)>,
    links: &mut Vec<(String, String)>,
) -> Result<(), AppError> {
    let Some(scope) = caller.personal_scope() else {
        return Ok(());
    };
    let mut f = crate::db::Filter::default();
    f.add("commune_id = ?", scope.commune_id);
    if let Some(h) = scope.hamlet_id {
        f.add("hamlet_id = ?", h);
    }
    f.add("help_date = ?", crate::db::today());
    let today =
        s.db.scalar_i64(
            &format!("SELECT COUNT(*) FROM help_records{}", f.where_sql()),
            &f.params,
        )
        .await?;
    cards.push(("lượt hỗ trợ hôm nay".into(), format_int(today)));
    if matches!(caller.role, Role::HamletHead | Role::CommuneAdmin) {
        let open = crate::db::conflicts::count_open(&s.db, scope).await?;
        if open > 0 {
            links.insert(
                0,
                (
                    "/conflicts".into(),
                    format!("{open} xung đột dữ liệu cần xử lý"),
                ),
            );
        }
        links.push(("/assignments".into(), "Giao hộ cho thành viên".into()));
    }
    Ok(())
}

async fn home(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    let blocks = commune_blocks(&s.db, &caller).await?;
    let total = stats::sum(blocks.iter().map(|b| &b.total));
    let hamlets: usize = blocks
        .iter()
        .map(|b| b.hamlets.iter().filter(|h| h.area.active == 1).count())
        .sum();
    let mut cards = vec![
        ("hộ".to_string(), format_int(total.households)),
        ("nhân khẩu".to_string(), format_int(total.residents)),
        ("thành viên Tổ CNSCĐ".to_string(), format_int(total.members)),
    ];
    let mut links: Vec<(String, String)> = Vec::new();
    let mut notes = String::new();
    let heading;
    match caller.role {
        Role::HamletHead | Role::TeamMember => {
            heading = caller.area_name.clone();
            if let Some(t) = blocks
                .first()
                .and_then(|b| b.hamlets.first())
                .and_then(|h| h.team_id)
            {
                links.push((format!("/teams/{t}"), "Tổ CNSCĐ của ấp".into()));
            }
            links.insert(
                0,
                (
                    "/field".into(),
                    "Thực địa: ghi nhận hỗ trợ từng hộ (dùng được khi mất sóng)".into(),
                ),
            );
            links.insert(
                1,
                (
                    "/dashboard".into(),
                    "Chỉ tiêu của ấp và danh sách cần đến tiếp".into(),
                ),
            );
            links.push((
                "/activities".into(),
                "Buổi hoạt động của tổ trong tháng".into(),
            ));
            links.push((
                "/activities/calendar".into(),
                "Lịch hoạt động của tổ".into(),
            ));
            links.push(("/requests".into(), "Yêu cầu hỗ trợ của người dân".into()));
            if caller.role == Role::HamletHead {
                links.push(("/reports".into(), "Báo cáo tháng của ấp".into()));
                links.push(("/year-end".into(), "Tự đánh giá cuối năm".into()));
            }
            links.push((
                "/communications".into(),
                "Tuyên truyền trên loa, mạng xã hội".into(),
            ));
            links.push(("/households".into(), "Danh sách hộ".into()));
            links.push(("/residents".into(), "Tìm nhân khẩu".into()));
            field_links(&s, &caller, &mut cards, &mut links).await?;
        }
        Role::ProvinceViewer => {
            heading = format!("Tỉnh {}", caller.area_name);
            cards.insert(0, ("xã, phường".into(), blocks.len().to_string()));
            cards.insert(1, ("ấp, khu phố".into(), hamlets.to_string()));
            links.push((
                "/province".into(),
                "Chỉ tiêu toàn tỉnh và từng xã, phường".into(),
            ));
            links.push(("/areas".into(), "Số liệu từng xã, từng ấp".into()));
            notes =
                "Tài khoản cấp tỉnh chỉ xem số liệu tổng hợp, không xem dữ liệu cá nhân.".into();
        }
        Role::Sysadmin => {
            heading = "Quản trị hệ thống".into();
            cards = vec![(
                "tài khoản".into(),
                accounts::count(&s.db).await?.to_string(),
            )];
            links.push(("/areas".into(), "Các đơn vị".into()));
            notes = "Tạo tài khoản bằng lệnh: congdongso user add --username … --role … --area …"
                .into();
        }
        _ => {
            heading = blocks.first().map_or_else(
                || caller.area_name.clone(),
                |b| format!("Xã {}", b.commune.name),
            );
            cards.insert(0, ("ấp".into(), hamlets.to_string()));
            links.push((
                "/dashboard".into(),
                "Chỉ tiêu của xã, xếp hạng các ấp".into(),
            ));
            links.push(("/plan".into(), "Kế hoạch năm và mục tiêu".into()));
            links.push((
                "/reports".into(),
                "Báo cáo tháng của các ấp, báo cáo của xã".into(),
            ));
            links.push(("/year-end".into(), "Đánh giá, khen thưởng cuối năm".into()));
            links.push((
                "/communications".into(),
                "Tuyên truyền của xã và các ấp".into(),
            ));
            links.push(("/areas".into(), "Các ấp và Tổ CNSCĐ".into()));
            if caller.personal_scope().is_some() {
                links.push(("/activities".into(), "Buổi hoạt động của các tổ".into()));
                links.push(("/requests".into(), "Yêu cầu hỗ trợ của người dân".into()));
                links.push(("/teams".into(), "Thành viên các Tổ CNSCĐ".into()));
                links.push(("/residents".into(), "Tìm nhân khẩu".into()));
                field_links(&s, &caller, &mut cards, &mut links).await?;
            }
        }
    }
    let reminders = super::reminders::for_caller(&s, &caller).await?;
    render(&HomePage {
        reminders,
        shell: Shell::new(&caller, "Trang chủ", "/"),
        subtitle: format!("{} · {}", caller.role.label(), caller.area_name),
        heading,
        cards,
        links,
        notes,
    })
}
