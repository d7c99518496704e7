//! The preview as plain text, for the command line.

use super::Problem;
use super::members::{MemberAction, MemberPlan};
use super::plan::{Action, Plan};
use std::fmt::Write;

fn problems(out: &mut String, ignored: &[String], rejected: &[Problem]) {
    if !ignored.is_empty() {
        let _ = writeln!(out, "Cột không nhận ra (bỏ qua): {}", ignored.join(", "));
    }
    if !rejected.is_empty() {
        let _ = writeln!(out, "Các dòng bị từ chối:");
        for p in rejected {
            let _ = writeln!(out, "  Dòng {}, cột «{}»: {}", p.line, p.column, p.reason);
        }
    }
}

pub fn residents(p: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Thêm mới: {} nhân khẩu ({} hộ mới)\nCập nhật: {}\nKhông đổi: {}\nBị từ chối: {}",
        p.adds(),
        p.new_households.len(),
        p.updates(),
        p.unchanged(),
        p.rejected.len()
    );
    let updates: Vec<String> = p
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::Update { changes, .. } => Some(format!(
                "  Dòng {} ({}): {}",
                i.line,
                i.values.full_name,
                changes.join(", ")
            )),
            _ => None,
        })
        .collect();
    if !updates.is_empty() {
        let _ = writeln!(out, "Các dòng cập nhật:");
        for u in updates.iter().take(50) {
            let _ = writeln!(out, "{u}");
        }
        if updates.len() > 50 {
            let _ = writeln!(out, "  … và {} dòng khác", updates.len() - 50);
        }
    }
    problems(&mut out, &p.ignored_columns, &p.rejected);
    out.trim_end().to_string()
}

pub fn members(p: &MemberPlan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Thêm mới: {} thành viên\nCập nhật: {}\nKhông đổi: {}\nBị từ chối: {}",
        p.count(|a| *a == MemberAction::Add),
        p.count(|a| matches!(a, MemberAction::Update(_))),
        p.count(|a| matches!(a, MemberAction::Unchanged(_))),
        p.rejected.len()
    );
    problems(&mut out, &p.ignored_columns, &p.rejected);
    out.trim_end().to_string()
}
