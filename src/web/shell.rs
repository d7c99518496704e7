//! The page shell: title, navigation for the caller's role, the CSRF token for forms.

use crate::auth::{Caller, Role};
use askama::Template;
use axum::http::StatusCode;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct Shell {
    pub title: String,
    pub user: Option<(String, String, String)>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// The user guide's chapter for this page (the "?" in the header).
    pub help: String,
}

/// The guide's chapter for a page of a section, as the caller's role uses it.
pub fn guide_chapter(role: Option<Role>, section: &str) -> &'static str {
    let province = matches!(role, Some(Role::ProvinceViewer));
    match section {
        "/field" => "tinh-nguyen-vien",
        "/guides" => "cam-nang",
        _ if province || section == "/province" => "tinh",
        _ if matches!(role, Some(Role::HamletHead)) => "truong-ap",
        _ if matches!(role, Some(Role::TeamMember)) => "tinh-nguyen-vien",
        "/plan" => "ke-hoach",
        "/reports" | "/communications" => "bao-cao",
        "/import" => "nhap-excel",
        "/accounts" | "/settings" | "/server" | "/account" => "quan-tri",
        "/funding" => "kinh-phi",
        "/trainings" => "tap-huan",
        "/" | "/dashboard" | "/areas" | "/teams" | "/households" | "/residents" | "/activities"
        | "/requests" | "/businesses" => "bang-chi-tieu",
        _ => "bat-dau",
    }
}

impl Shell {
    pub fn new(caller: &Caller, title: impl Into<String>, section: &str) -> Shell {
        let mut items: Vec<(&'static str, &'static str)> =
            vec![("/", "Trang chủ"), ("/areas", "Địa bàn")];
        if matches!(caller.role, Role::HamletHead | Role::TeamMember) {
            items.insert(1, ("/field", "Thực địa"));
        }
        if caller.area_level == "province" {
            items.push(("/province", "Toàn tỉnh"));
        } else {
            items.push(("/dashboard", "Chỉ tiêu"));
        }
        // Finance keeps the money and reads aggregates: the plan and the reports are not its.
        if caller.commune_id.is_some() && caller.role != Role::Finance {
            items.push(("/plan", "Kế hoạch"));
            items.push(("/reports", "Báo cáo"));
        } else if caller.role == Role::ProvinceViewer {
            items.push(("/reports", "Báo cáo"));
        }
        if caller.personal_scope().is_some() {
            items.push(("/activities", "Hoạt động"));
            items.push(("/requests", "Yêu cầu hỗ trợ"));
            items.push(("/teams", "Tổ CNSCĐ"));
            items.push(("/households", "Hộ"));
            items.push(("/residents", "Nhân khẩu"));
            items.push(("/businesses", "Kinh tế số"));
        }
        if matches!(
            caller.role,
            Role::CommuneAdmin | Role::CommuneLeader | Role::HamletHead
        ) && caller.commune_id.is_some()
        {
            items.push(("/trainings", "Tập huấn"));
        }
        items.push(("/guides", "Cẩm nang"));
        if super::funding::access(caller).is_ok() {
            items.push(("/funding", "Kinh phí"));
        }
        if caller.role == Role::CommuneAdmin && caller.area_level == "commune" {
            items.push(("/import", "Nhập Excel"));
        }
        if caller.may_list_accounts() {
            items.push(("/accounts", "Tài khoản"));
        }
        if caller.role == Role::CommuneAdmin && caller.area_level == "commune" {
            items.push(("/settings", "Thiết lập"));
        }
        if caller.role == Role::Sysadmin {
            items.push(("/server", "Máy chủ"));
        }
        // A temporary password leads nowhere but the change form: no menu to wander off into.
        if caller.must_change_password {
            items.clear();
        }
        let nav = items
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: href == section,
            })
            .collect();
        Shell {
            title: title.into(),
            user: Some((
                caller
                    .full_name
                    .clone()
                    .unwrap_or_else(|| caller.username.clone()),
                caller.role.label().to_string(),
                caller.area_name.clone(),
            )),
            csrf: super::csrf_mask::mask(&caller.csrf_token),
            nav,
            help: format!("/huong-dan#{}", guide_chapter(Some(caller.role), section)),
        }
    }

    pub fn public(title: impl Into<String>, csrf: String) -> Shell {
        Shell {
            title: title.into(),
            user: None,
            csrf: super::csrf_mask::mask(&csrf),
            nav: vec![],
            help: "/huong-dan#bat-dau".to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    shell: Shell,
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> String {
    let page = ErrorPage {
        shell: Shell::public(format!("Lỗi {}", status.as_u16()), String::new()),
        status: status.as_u16(),
        message,
    };
    page.render()
        .unwrap_or_else(|_| "Đã có lỗi trong hệ thống.".to_string())
}
