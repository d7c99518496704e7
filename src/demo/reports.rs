//! The demo's commune reports to the province: a few past months sent on time, late, returned
//! or acknowledged (with frozen figures), so a newcomer sees the province's completeness page
//! and the province report's status table at work. Texts are aggregates, never names.

use super::calendar::{Calendar, iso};
use crate::db::{Db, areas, commune_reports};
use crate::error::Result;
use crate::indicators::Period;
use crate::indicators::period;

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

/// One report as the demo states it: period, status, and the days of the month after the
/// period it was first sent and acknowledged on.
struct Sent {
    period: Period,
    status: &'static str,
    submitted_day: u32,
    acknowledged_day: Option<u32>,
    comment: &'static str,
}

fn sent(period: Period, status: &'static str, day: u32) -> Sent {
    Sent {
        period,
        status,
        submitted_day: day,
        acknowledged_day: None,
        comment: "",
    }
}

fn acknowledged(period: Period, day: u32, seen: u32) -> Sent {
    Sent {
        period,
        status: "acknowledged",
        submitted_day: day,
        acknowledged_day: Some(seen),
        comment: "",
    }
}

/// The reports of the `index`-th commune (1 is the demo commune), counted back from this month:
/// with the default due day (the 5th of the following month) last month's are due on the 5th
/// of this one. Sent on the 8th is late.
fn plan(index: usize, cal: &Calendar) -> Vec<Sent> {
    let now = cal.this_month();
    let month = |back: i64| Period::Month(now - back);
    if index == 1 {
        // The last quarter that has ended: its report goes in the month after.
        let ended = now - 1 - period::month_number(now - 1) % 3;
        let quarter = Period::Quarter {
            year: period::year_of(ended),
            quarter: period::quarter_of(ended),
        };
        return vec![
            acknowledged(month(3), 3, 7),
            acknowledged(month(2), 8, 9),
            sent(quarter, "submitted", 10),
            sent(month(1), "submitted", 4),
        ];
    }
    match index % 4 {
        0 => vec![sent(month(2), "submitted", 4)],
        1 => vec![acknowledged(month(2), 2, 6), sent(month(1), "submitted", 3)],
        2 => vec![sent(month(1), "submitted", 9)],
        _ => vec![Sent {
            period: month(1),
            status: "returned",
            submitted_day: 5,
            acknowledged_day: None,
            comment: "Đề nghị xã bổ sung số liệu hỗ trợ nộp hồ sơ trực tuyến trong tháng.",
        }],
    }
}

/// Writes the commune's demo reports; acknowledged ones freeze the figures as the province
/// would have seen them. A report sent after today is not sent yet; one acknowledged after
/// today waits for the province.
pub async fn seed_commune_reports(
    db: &Db,
    commune_id: i64,
    index: usize,
    cal: &Calendar,
) -> Result<()> {
    let Some(commune) = areas::get(db, commune_id).await? else {
        return Ok(());
    };
    for (i, mut r) in plan(index, cal).into_iter().enumerate() {
        let p = r.period;
        let after = p.last_month() + 1;
        let submitted_on = Calendar::day_of(after, r.submitted_day);
        if !cal.has_come(submitted_on) {
            continue;
        }
        let acknowledged_on = r
            .acknowledged_day
            .map(|d| Calendar::day_of(after, d))
            .filter(|d| cal.has_come(*d));
        if r.status == "acknowledged" && acknowledged_on.is_none() {
            r.status = "submitted";
        }
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
                p.code().into(),
                r.status.into(),
                "Các Tổ CNSCĐ duy trì hướng dẫn tại hộ và tại trụ sở ấp theo kế hoạch.".into(),
                pick(DIFFICULTIES).into(),
                pick(PROPOSALS).into(),
                "Tiếp tục hướng dẫn người dân cài đặt, sử dụng Tây Ninh Smart và VNeID.".into(),
                r.comment.into(),
                figures.into(),
                Some(iso(submitted_on)).into(),
                acknowledged_on.map(iso).into(),
                crate::db::now().into(),
            ],
        )
        .await?;
    }
    Ok(())
}
