//! The year's plan in the demo, made from the template as the commune admin makes it on `/plan`
//! (in January also last year's, which this year's is then copied from), with the progress the
//! commune has recorded by today: the tasks of quarters already over done, the running
//! quarter's under way, and two tasks behind with a note that says why. Notes give figures
//! (aggregates from the demo's own data), never names.

use super::calendar::{Calendar, iso};
use super::writers;
use crate::db::{Db, Param, plans};
use crate::error::Result;
use chrono::{Datelike, NaiveDate};

/// What the notes quote, counted in the demo's data up to the day the plan stands at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub hamlets: i64,
    pub members: i64,
    pub zalo_groups: i64,
    pub zalo_active: i64,
    pub campaigns: i64,
    /// Hamlets with an information-security session in the third quarter (the plan's).
    pub security_hamlets: i64,
    pub dx_day_hamlets: i64,
    pub without_smartphone: i64,
    pub ecommerce: i64,
    pub digital_skills: i64,
    pub dossiers: i64,
}

/// Where the plan's year stands: the quarter running on `as_of` (5 once the year is over) and
/// the month within it (1–3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub quarter: i64,
    pub month_in_quarter: u32,
    /// National Digital Transformation Day (10 October) has come.
    pub dx_day_passed: bool,
}

impl Standing {
    pub fn of(year: i32, as_of: NaiveDate) -> Standing {
        if as_of.year() > year || (as_of.month() == 12 && as_of.day() == 31) {
            return Standing {
                quarter: 5,
                month_in_quarter: 1,
                dx_day_passed: true,
            };
        }
        Standing {
            quarter: i64::from((as_of.month() - 1) / 3 + 1),
            month_in_quarter: (as_of.month() - 1) % 3 + 1,
            dx_day_passed: (as_of.month(), as_of.day()) >= (10, 10),
        }
    }
}

/// A task's status and note: `content` is the template's task, `quarter` its quarter, `index`
/// its place within the quarter.
pub fn progress(
    (content, quarter, index): (&str, i64, usize),
    at: Standing,
    f: &Facts,
) -> (&'static str, String) {
    let n = f.hamlets;
    let starts = |words: &str| content.starts_with(words);
    // What a finished task says.
    let done_note = || -> String {
        if starts("Rà soát, kiện toàn") {
            format!(
                "{n}/{n} Tổ CNSCĐ ấp được kiện toàn, tổng số {} thành viên.",
                f.members
            )
        } else if starts("Khảo sát, lập danh sách") {
            format!(
                "Đã lập danh sách tại {n}/{n} ấp: {} người trưởng thành chưa có điện thoại \
                 thông minh.",
                f.without_smartphone
            )
        } else if starts("Tổ chức các đợt ra quân") && f.campaigns > 0 {
            format!("Đã tổ chức {} đợt ra quân tại các ấp.", f.campaigns)
        } else if starts("Hướng dẫn đăng ký, sử dụng dịch vụ công") && f.dossiers > 0
        {
            format!(
                "Từ đầu năm, Tổ CNSCĐ hỗ trợ người dân nộp {} hồ sơ trực tuyến.",
                f.dossiers
            )
        } else if starts("Tuyên truyền, hướng dẫn kỹ năng nhận diện lừa đảo") {
            format!(
                "{}/{n} Tổ CNSCĐ tổ chức buổi tuyên truyền an toàn thông tin, chống lừa đảo \
                 trong quý III.",
                f.security_hamlets
            )
        } else if starts("Rà soát, cập nhật kết quả phổ cập") {
            format!(
                "{} người dân được xác nhận đạt phổ cập kỹ năng số trên VNeID.",
                f.digital_skills
            )
        } else if starts("Tổ chức hoạt động hưởng ứng Ngày Chuyển đổi số") {
            format!(
                "{}/{n} ấp tổ chức hoạt động hưởng ứng ngày 10/10.",
                f.dx_day_hamlets
            )
        } else if starts("Tổng hợp kết quả") {
            format!("Đã tổng hợp báo cáo đánh giá của {n} Tổ CNSCĐ.")
        } else {
            String::new()
        }
    };
    // The two tasks a commune is typically behind on, and why.
    if starts("Thành lập, duy trì Nhóm Zalo") && f.zalo_active < n && quarter <= at.quarter {
        let quiet = f.zalo_groups - f.zalo_active;
        let mut note = format!(
            "{}/{n} ấp có Nhóm Zalo hoạt động; {} ấp chưa lập được nhóm",
            f.zalo_active,
            n - f.zalo_groups
        );
        if quiet > 0 {
            note.push_str(&format!(", {quiet} nhóm ít tương tác"));
        }
        note.push_str(". Tổ CNSCĐ các ấp tiếp tục vận động mỗi hộ có ít nhất 01 người tham gia.");
        return ("in_progress", note);
    }
    if starts("Hướng dẫn hộ kinh doanh") && quarter < at.quarter {
        return (
            "in_progress",
            format!(
                "Chậm so với kế hoạch: mới có {} người dân bán hàng trên sàn thương mại điện tử. \
                 Đề nghị Bưu điện, VNPT phối hợp hướng dẫn trên postmart.vn, voso.vn.",
                f.ecommerce
            ),
        );
    }
    if quarter < at.quarter {
        return ("done", done_note());
    }
    if quarter > at.quarter {
        return ("not_started", String::new());
    }
    // The running quarter: the fourth's tasks follow the calendar of the year's end.
    if starts("Tổ chức hoạt động hưởng ứng Ngày Chuyển đổi số") {
        return if at.dx_day_passed {
            ("done", done_note())
        } else {
            (
                "in_progress",
                "Các ấp chuẩn bị hoạt động hưởng ứng ngày 10/10.".to_string(),
            )
        };
    }
    if starts("Tổng hợp kết quả") {
        return match at.month_in_quarter {
            1 => ("not_started", String::new()),
            2 => ("in_progress", String::new()),
            _ => (
                "in_progress",
                "Các Tổ CNSCĐ đang hoàn thiện bản tự đánh giá cuối năm.".to_string(),
            ),
        };
    }
    if starts("Bình xét") {
        return if at.month_in_quarter == 3 {
            (
                "in_progress",
                "Đang tổng hợp đề xuất khen thưởng của các ấp.".to_string(),
            )
        } else {
            ("not_started", String::new())
        };
    }
    if starts("Đề xuất phương hướng") {
        return ("not_started", String::new());
    }
    // Otherwise the quarter's first tasks are done as its months go by.
    if index + 1 < at.month_in_quarter as usize {
        ("done", done_note())
    } else {
        ("in_progress", String::new())
    }
}

async fn count(db: &Db, sql: &str, params: &[Param]) -> Result<i64> {
    db.scalar_i64(sql, params).await
}

/// The facts of the commune's year `year`, up to `as_of`.
async fn facts(db: &Db, commune_id: i64, year: i32, as_of: &str) -> Result<Facts> {
    let c = || -> Param { commune_id.into() };
    let from = format!("{year}-01-01");
    let span = || -> Vec<Param> { vec![commune_id.into(), from.clone().into(), as_of.into()] };
    let activity_hamlets = |kind: &str| {
        format!(
            "SELECT COUNT(DISTINCT hamlet_id) FROM activities WHERE commune_id = $1 \
             AND activity_date >= $2 AND activity_date <= $3 AND active = 1 AND confirmed = 1 \
             AND kind = '{kind}'"
        )
    };
    let done = |code: &str| {
        format!(
            "SELECT COUNT(*) FROM resident_services WHERE commune_id = $1 AND status = 'done' \
             AND service_code = '{code}' AND status_date <= $2"
        )
    };
    let adult_born_by = i64::from(year) - 18;
    Ok(Facts {
        hamlets: count(
            db,
            "SELECT COUNT(*) FROM areas WHERE commune_id = $1 AND level = 'hamlet' AND active = 1",
            &[c()],
        )
        .await?,
        members: count(
            db,
            "SELECT COUNT(*) FROM members m JOIN teams t ON t.id = m.team_id \
             WHERE t.commune_id = $1 AND t.kind = 'hamlet' AND m.active = 1",
            &[c()],
        )
        .await?,
        zalo_groups: count(
            db,
            "SELECT COUNT(*) FROM teams WHERE commune_id = $1 AND kind = 'hamlet' \
             AND zalo_link IS NOT NULL",
            &[c()],
        )
        .await?,
        zalo_active: count(
            db,
            "SELECT COUNT(*) FROM teams WHERE commune_id = $1 AND kind = 'hamlet' \
             AND zalo_active = 1",
            &[c()],
        )
        .await?,
        campaigns: count(
            db,
            "SELECT COUNT(*) FROM activities WHERE commune_id = $1 AND activity_date >= $2 \
             AND activity_date <= $3 AND active = 1 AND confirmed = 1 AND kind = 'campaign'",
            &span(),
        )
        .await?,
        security_hamlets: count(
            db,
            &activity_hamlets("security_session"),
            &[
                commune_id.into(),
                format!("{year}-07-01").into(),
                as_of.min(&format!("{year}-09-30")).into(),
            ],
        )
        .await?,
        dx_day_hamlets: count(db, &activity_hamlets("dx_day"), &span()).await?,
        without_smartphone: count(
            db,
            "SELECT COUNT(*) FROM residents WHERE commune_id = $1 AND active = 1 \
             AND status = 'living' AND has_smartphone = 0 AND birth_year <= $2",
            &[c(), adult_born_by.into()],
        )
        .await?,
        ecommerce: count(db, &done("ecommerce"), &[c(), as_of.into()]).await?,
        digital_skills: count(db, &done("digital_skills"), &[c(), as_of.into()]).await?,
        dossiers: count(
            db,
            "SELECT COUNT(*) FROM help_records WHERE commune_id = $1 AND help_date >= $2 \
             AND help_date <= $3 AND dossier_kind IS NOT NULL",
            &span(),
        )
        .await?,
    })
}

pub(super) async fn write(db: &Db, commune_id: i64, cal: &Calendar) -> Result<()> {
    let w = writers::of(db, commune_id).await?;
    for year in cal.years() {
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(cal.today);
        let as_of = cal.today.min(year_end);
        let f = facts(db, commune_id, year, &iso(as_of)).await?;
        let at = Standing::of(year, as_of);
        let mut tx = db.begin_write().await?;
        let (plan, _) = plans::create(&mut tx, commune_id, i64::from(year), Some(w.admin)).await?;
        let tasks: Vec<(i64, i64, String)> = crate::db::query_as(
            "SELECT id, quarter, content FROM plan_tasks WHERE plan_id = $1 \
             ORDER BY quarter, sort_order, id",
        )
        .bind(plan)
        .fetch_all(&mut *tx)
        .await?;
        let mut index = 0;
        for (i, (id, quarter, content)) in tasks.iter().enumerate() {
            if i > 0 && tasks[i - 1].1 != *quarter {
                index = 0;
            }
            let (status, note) = progress((content, *quarter, index), at, &f);
            index += 1;
            if status != "not_started" {
                plans::update_task(&mut tx, *id, status, &note, w.admin).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::TEMPLATE_TASKS;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn statuses(at: Standing) -> Vec<(&'static str, String)> {
        let f = Facts {
            hamlets: 17,
            zalo_groups: 14,
            zalo_active: 13,
            ..Facts::default()
        };
        let mut index = 0;
        let mut last = 0;
        TEMPLATE_TASKS
            .iter()
            .map(|t| {
                if t.quarter != last {
                    (index, last) = (0, t.quarter);
                }
                index += 1;
                progress((t.content, t.quarter, index - 1), at, &f)
            })
            .collect()
    }

    #[test]
    fn in_december_past_quarters_are_done_but_two_tasks_are_late_with_a_note() {
        let s = statuses(Standing::of(2026, day("2026-12-04")));
        let count = |st: &str| s.iter().filter(|(x, _)| *x == st).count();
        let late: Vec<&String> = TEMPLATE_TASKS
            .iter()
            .zip(&s)
            .filter(|(t, (st, _))| t.quarter < 4 && *st != "done")
            .map(|(_, (_, note))| note)
            .collect();
        assert_eq!(late.len(), 2, "{s:?}");
        assert!(late[0].starts_with("13/17 ấp có Nhóm Zalo hoạt động; 3 ấp chưa lập"));
        assert!(late[1].starts_with("Chậm so với kế hoạch"));
        assert_eq!(count("done"), 10);
        assert_eq!(count("in_progress"), 4);
        assert_eq!(count("not_started"), 1);
    }

    #[test]
    fn early_in_the_year_the_first_quarter_is_under_way_and_the_rest_waits() {
        let s = statuses(Standing::of(2027, day("2027-03-10")));
        let q1: Vec<&str> = s[..4].iter().map(|(st, _)| *st).collect();
        assert_eq!(q1, ["done", "in_progress", "in_progress", "in_progress"]);
        assert!(
            s[4..]
                .iter()
                .all(|(st, note)| *st == "not_started" && note.is_empty())
        );
        // A year that is over: all done but the two late ones.
        let s = statuses(Standing::of(2026, day("2027-01-15")));
        assert_eq!(s.iter().filter(|(st, _)| *st == "done").count(), 13);
    }
}
