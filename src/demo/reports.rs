//! The demo's commune reports to the province: a few past months sent on time, late, returned
//! or acknowledged (with frozen figures), so a newcomer sees the province's completeness page
//! and the province report's status table at work. Texts are aggregates, never names.

use crate::db::{Db, areas, commune_reports};
use crate::error::Result;
use crate::indicators::Period;

const DIFFICULTIES: &[&str] = &[
    "Một số ấp còn nhiều người cao tuổi chưa có điện thoại thông minh; sóng di động yếu ở khu vực ven sông.",
    "Thành viên Tổ CNSCĐ kiêm nhiệm nhiều việc, thời gian đi hướng dẫn tại hộ còn hạn chế.",
    "Người dân còn e ngại cung cấp thông tin khi cài đặt ứng dụng vì lo bị lừa đảo.",
];
const PROPOSALS: &[&str] = &[
    "Đề nghị Sở hỗ trợ tài liệu hướng dẫn in sẵn về Tây Ninh Smart và dịch vụ công trực tuyến.",
    "Đề nghị tổ chức thêm lớp tập huấn về chữ ký số cho thành viên các Tổ CNSCĐ.",
    "Đề nghị xem xét hỗ trợ kinh phí đi lại cho thành viên Tổ khi hướng dẫn tại hộ.",
];

/// One report as the demo states it: period, status, first submission date, comment.
struct Sent {
    period: &'static str,
    status: &'static str,
    submitted_on: Option<&'static str>,
    acknowledged_on: Option<&'static str>,
    comment: &'static str,
}

const fn sent(period: &'static str, status: &'static str, on: &'static str) -> Sent {
    Sent {
        period,
        status,
        submitted_on: Some(on),
        acknowledged_on: None,
        comment: "",
    }
}

const fn acknowledged(period: &'static str, on: &'static str, seen: &'static str) -> Sent {
    Sent {
        period,
        status: "acknowledged",
        submitted_on: Some(on),
        acknowledged_on: Some(seen),
        comment: "",
    }
}

/// The reports of the `index`-th commune (1 is the demo commune). With the default due day
/// (the 5th of the following month) October's are due on 5 November.
fn plan(index: usize) -> Vec<Sent> {
    if index == 1 {
        return vec![
            acknowledged("2026-08", "2026-09-03", "2026-09-07"),
            acknowledged("2026-09", "2026-10-08", "2026-10-09"),
            sent("2026-Q3", "submitted", "2026-10-10"),
            sent("2026-10", "submitted", "2026-11-04"),
        ];
    }
    match index % 4 {
        0 => vec![sent("2026-09", "submitted", "2026-10-04")],
        1 => vec![
            acknowledged("2026-09", "2026-10-02", "2026-10-06"),
            sent("2026-10", "submitted", "2026-11-03"),
        ],
        2 => vec![sent("2026-10", "submitted", "2026-11-09")],
        _ => vec![Sent {
            period: "2026-10",
            status: "returned",
            submitted_on: Some("2026-11-05"),
            acknowledged_on: None,
            comment: "Đề nghị xã bổ sung số liệu hỗ trợ nộp hồ sơ trực tuyến trong tháng.",
        }],
    }
}

/// Writes the commune's demo reports; acknowledged ones freeze the figures as the province
/// would have seen them.
pub async fn seed_commune_reports(db: &Db, commune_id: i64, index: usize) -> Result<()> {
    let Some(commune) = areas::get(db, commune_id).await? else {
        return Ok(());
    };
    for (i, r) in plan(index).into_iter().enumerate() {
        let p = Period::parse(r.period)?;
        let figures = if r.status == "acknowledged" {
            Some(
                commune_reports::to_freeze(db, &commune, &p)
                    .await?
                    .to_json(),
            )
        } else {
            None
        };
        let pick = |list: &[&str]| list[(index + i) % list.len()].to_string();
        db.execute(
            "INSERT INTO commune_reports (commune_id, kind, period, status, results, difficulties, \
             proposals, next_plan, review_comment, figures, submitted_on, last_submitted_on, \
             acknowledged_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $13) \
             ON CONFLICT (commune_id, period) DO NOTHING",
            &[
                commune.id.into(),
                commune_reports::kind_of(&p).code().into(),
                r.period.into(),
                r.status.into(),
                "Các Tổ CNSCĐ duy trì hướng dẫn tại hộ và tại trụ sở ấp theo kế hoạch.".into(),
                pick(DIFFICULTIES).into(),
                pick(PROPOSALS).into(),
                "Tiếp tục hướng dẫn người dân cài đặt, sử dụng Tây Ninh Smart và VNeID.".into(),
                r.comment.into(),
                figures.into(),
                r.submitted_on.map(str::to_string).into(),
                r.acknowledged_on.map(str::to_string).into(),
                crate::db::now().into(),
            ],
        )
        .await?;
    }
    Ok(())
}
