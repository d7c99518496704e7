//! The teams' year-end self-evaluations in the demo: in the last quarter the hamlet heads draft
//! them (a quarter of the teams in October, half in November, three quarters in December),
//! through the same function as the year-end page. None is submitted yet: the year is not
//! over. The text quotes the team's own figures of the year, never names.

use super::calendar::{Calendar, iso};
use super::writers;
use crate::db::Db;
use crate::db::yearend::{self, EvaluationEdit};
use crate::error::Result;
use chrono::Datelike;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::HashMap;

/// Added to the demo's seed for the evaluations' generator.
const EVALUATION_SEED: u64 = 0xE7A1;

const STRENGTHS: &[&str] = &[
    "Thành viên nhiệt tình, bám hộ, đi từng ngõ, gõ từng nhà; phối hợp tốt với chi hội, chi đoàn ấp.",
    "Duy trì đều buổi hỗ trợ tại nhà văn hóa ấp vào ngày chủ nhật; người dân biết và tìm đến.",
    "Nhóm Zalo của ấp hoạt động thường xuyên, thông tin đến được hầu hết các hộ.",
];

const WEAKNESSES: &[&str] = &[
    "Tỷ lệ người cao tuổi sử dụng ứng dụng còn thấp; hướng dẫn bán hàng trên sàn thương mại điện tử chưa đạt.",
    "Một số tháng chưa đủ 4 buổi hoạt động do thành viên kiêm nhiệm nhiều việc.",
    "Báo cáo tháng có lúc nộp trễ hạn.",
];

const PROPOSALS: &[&str] = &[
    "Đề nghị xã tiếp tục tập huấn cho thành viên Tổ về dịch vụ công trực tuyến và chữ ký số.",
    "Đề nghị xã hỗ trợ kinh phí hoạt động cho Tổ theo Nghị quyết của HĐND tỉnh.",
];

/// The share of teams (in quarters) with a draft in each month of the last quarter.
fn drafted_share(month: u32) -> usize {
    match month {
        10 => 1,
        11 => 2,
        12 => 3,
        _ => 0,
    }
}

pub(super) async fn write(db: &Db, commune_id: i64, cal: &Calendar, seed: u64) -> Result<()> {
    let quarters = drafted_share(cal.today.month());
    if quarters == 0 {
        return Ok(());
    }
    let w = writers::of(db, commune_id).await?;
    let year = cal.year();
    let from = format!("{year}-01-01");
    // The year so far, per hamlet: activities, security sessions, help given.
    let rows: Vec<(i64, i64, i64)> = db
        .fetch_all(
            "SELECT hamlet_id, COUNT(*), \
             CAST(SUM(CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM activities WHERE commune_id = $1 AND active = 1 AND confirmed = 1 \
             AND activity_date >= $2 GROUP BY hamlet_id",
            &[commune_id.into(), from.clone().into()],
        )
        .await?;
    let acts: HashMap<i64, (i64, i64)> = rows.into_iter().map(|(h, n, s)| (h, (n, s))).collect();
    let rows: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT hamlet_id, COUNT(*) FROM help_records WHERE commune_id = $1 \
             AND help_date >= $2 GROUP BY hamlet_id",
            &[commune_id.into(), from.into()],
        )
        .await?;
    let helped: HashMap<i64, i64> = rows.into_iter().collect();
    let mut order: Vec<usize> = (0..w.hamlets.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(
        seed.wrapping_add(EVALUATION_SEED),
    ));
    let drafted = w.hamlets.len() * quarters / 4;
    let months = i64::from(cal.today.month());
    let today = iso(cal.today);
    let mut tx = db.begin_write().await?;
    for (k, &i) in order.iter().take(drafted).enumerate() {
        let h = &w.hamlets[i];
        let (n, security) = acts.get(&h.id).copied().unwrap_or_default();
        let help = helped.get(&h.id).copied().unwrap_or_default();
        // Some heads have not chosen their rating yet.
        let rating = match (k % 4, n >= 4 * months) {
            (3, _) => "",
            (_, true) => "excellent",
            _ => "good",
        };
        let e = EvaluationEdit {
            rating: rating.to_string(),
            results: format!(
                "Từ đầu năm, Tổ tổ chức {n} buổi hoạt động, trong đó {security} buổi tuyên \
                 truyền an toàn thông tin, chống lừa đảo; hướng dẫn, hỗ trợ {help} lượt người dân."
            ),
            strengths: STRENGTHS[h.number % STRENGTHS.len()].to_string(),
            weaknesses: WEAKNESSES[h.number % WEAKNESSES.len()].to_string(),
            proposals: PROPOSALS[h.number % PROPOSALS.len()].to_string(),
        };
        yearend::save_evaluation(
            &mut tx,
            (commune_id, h.team_id, i64::from(year)),
            &e,
            (false, &today, h.head),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
