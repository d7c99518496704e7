//! The hamlets' monthly reports in the demo, from January to last month, through the same
//! workflow as the report pages: the hamlet head writes and submits (by the due day, the 25th
//! unless the commune changed it), the commune admin approves, freezing the figures as the
//! approve button does, or returns a report with a comment. Most are approved on time; a few
//! came late; last month one hamlet has not reported, two reported late, one report was
//! returned for correction, and one sent late may still wait for approval.

use super::calendar::{Calendar, iso};
use super::communications::lower_first;
use super::writers::{self, Hamlet};
use crate::db::{Db, areas, report_data, reports};
use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month};
use crate::plan::TEMPLATE_TASKS;
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// Added to the demo's seed for the reports' generator.
const REPORT_SEED: u64 = 0x8E_9017;
/// Reports whose figures are read at once.
const FREEZE_AT_ONCE: usize = 4;
/// Share of earlier months' reports sent after the due day.
const LATE_SHARE: f64 = 0.06;

const DIFFICULTIES: &[&str] = &[
    "Nhiều người cao tuổi chưa có điện thoại thông minh, phải hướng dẫn nhiều lần.",
    "Nhiều người dân đi làm xa, ban ngày ít người ở nhà; Tổ phải hướng dẫn vào buổi tối và ngày nghỉ.",
    "Sóng di động yếu ở khu vực ven sông, việc cài đặt ứng dụng còn chậm.",
    "Một số người dân còn e ngại cung cấp thông tin vì lo bị lừa đảo.",
    "Thành viên Tổ kiêm nhiệm nhiều việc, thời gian đi từng hộ còn hạn chế.",
];

const PROPOSALS: &[&str] = &[
    "Đề nghị xã hỗ trợ tài liệu hướng dẫn in sẵn về Tây Ninh Smart và VNeID.",
    "Đề nghị xã phối hợp VNPT, Viettel hỗ trợ người dân khó khăn về thiết bị, sim.",
    "Đề nghị xã tổ chức thêm buổi tập huấn về dịch vụ công trực tuyến cho thành viên Tổ.",
    "Đề nghị xã hỗ trợ kinh phí đi lại cho thành viên Tổ khi hướng dẫn tại hộ.",
];

const RETURN_COMMENT: &str = "Đề nghị ấp ghi rõ số lượt người dân được hướng dẫn và số hồ sơ \
                              trực tuyến đã hỗ trợ trong tháng, nêu cụ thể khó khăn để xã tổng hợp.";

/// What became of one hamlet's report for one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Missing,
    /// Submitted on the day, reviewed (approved) on the other, or still waiting if that day
    /// is after today.
    Reviewed(NaiveDate, NaiveDate),
    /// Submitted on the day, returned for correction.
    Returned(NaiveDate),
}

fn days(d: NaiveDate, n: i64) -> NaiveDate {
    d + Duration::days(n)
}

/// The hamlets (indices) that stand out last month: one missing, two late, one returned.
struct Laggards {
    missing: usize,
    late: [usize; 2],
    returned: usize,
}

fn outcome(
    rng: &mut StdRng,
    (m, hamlet): (Month, usize),
    (last, due): (Month, NaiveDate),
    laggards: &Laggards,
) -> Outcome {
    if m == last && hamlet == laggards.missing {
        return Outcome::Missing;
    }
    let late = if m == last {
        laggards.late.contains(&hamlet)
    } else {
        rng.gen_bool(LATE_SHARE)
    };
    let submitted = if late {
        days(due, rng.gen_range(1..=4))
    } else {
        days(due, -rng.gen_range(0..=6))
    };
    if m == last && hamlet == laggards.returned {
        return Outcome::Returned(submitted);
    }
    // Last month's reports are reviewed in the days after the due day (by the first of this
    // month); one sent late may still wait.
    let reviewed = if m == last {
        days(submitted.max(due), rng.gen_range(1..=4))
    } else {
        days(submitted, rng.gen_range(1..=5))
    };
    Outcome::Reviewed(submitted, reviewed)
}

/// The hamlet head's text, from the month's own figures and the plan's next tasks.
fn texts(hamlet: &Hamlet, m: Month, (activities, helped): (i64, i64)) -> reports::Texts {
    let next_quarter = period::quarter_of(m + 1);
    let next: Vec<&str> = TEMPLATE_TASKS
        .iter()
        .filter(|t| t.quarter == next_quarter)
        .map(|t| t.content)
        .collect();
    let pick =
        |list: &[&str], k: usize| list[(hamlet.number + m as usize + k) % list.len()].to_string();
    reports::Texts {
        results: format!(
            "Tổ CNSCĐ tổ chức {activities} buổi hoạt động (đi từng ngõ, gõ từng nhà và hỗ trợ tại \
             nhà văn hóa ấp), hướng dẫn, hỗ trợ {helped} lượt người dân sử dụng VNeID, Tây Ninh \
             Smart và dịch vụ công trực tuyến."
        ),
        difficulties: pick(DIFFICULTIES, 0),
        proposals: pick(PROPOSALS, 1),
        next_plan: format!("Tiếp tục {}", lower_first(&pick(&next, 2))),
    }
}

/// Activities and help records per (hamlet, `yyyy-mm`), for the reports' texts.
async fn month_counts(
    db: &Db,
    commune_id: i64,
    cal: &Calendar,
) -> Result<HashMap<(i64, String), (i64, i64)>> {
    let from = iso(cal.start);
    let mut out: HashMap<(i64, String), (i64, i64)> = HashMap::new();
    let acts: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT hamlet_id, SUBSTR(activity_date, 1, 7) AS m, COUNT(*) FROM activities \
             WHERE commune_id = $1 AND active = 1 AND confirmed = 1 AND activity_date >= $2 \
             GROUP BY hamlet_id, SUBSTR(activity_date, 1, 7)",
            &[commune_id.into(), from.clone().into()],
        )
        .await?;
    for (h, m, n) in acts {
        out.entry((h, m)).or_default().0 = n;
    }
    let helps: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT hamlet_id, SUBSTR(help_date, 1, 7) AS m, COUNT(*) FROM help_records \
             WHERE commune_id = $1 AND help_date >= $2 \
             GROUP BY hamlet_id, SUBSTR(help_date, 1, 7)",
            &[commune_id.into(), from.into()],
        )
        .await?;
    for (h, m, n) in helps {
        out.entry((h, m)).or_default().1 = n;
    }
    Ok(out)
}

pub(super) async fn write(db: &Db, commune_id: i64, cal: &Calendar, seed: u64) -> Result<()> {
    let w = writers::of(db, commune_id).await?;
    if w.hamlets.len() < 4 {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(REPORT_SEED));
    let mut order: Vec<usize> = (0..w.hamlets.len()).collect();
    order.shuffle(&mut rng);
    let laggards = Laggards {
        missing: order[0],
        late: [order[1], order[2]],
        returned: order[3],
    };
    let counts = month_counts(db, commune_id, cal).await?;
    let last = cal.last_month();
    let mut dues = Vec::new();
    for m in cal.first_month()..=last {
        let due = reports::due_on(db, commune_id, m).await?;
        let due = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
            .map_err(|e| AppError::Internal(format!("demo: due date {due}: {e}")))?;
        dues.push((m, due));
    }
    // The hamlet heads write and submit.
    let mut sent: Vec<(usize, Month, Outcome)> = Vec::new();
    let mut tx = db.begin_write().await?;
    for (m, due) in dues {
        let month = period::month_code(m);
        for (i, h) in w.hamlets.iter().enumerate() {
            let o = outcome(&mut rng, (m, i), (last, due), &laggards);
            let submitted = match o {
                Outcome::Missing => continue,
                Outcome::Reviewed(s, _) | Outcome::Returned(s) => s,
            };
            let count = counts.get(&(h.id, month.clone())).copied();
            let t = texts(h, m, count.unwrap_or_default());
            reports::save(&mut tx, (commune_id, h.id, &month), &t, h.head).await?;
            reports::submit(&mut tx, h.id, &month, &iso(submitted), h.head).await?;
            sent.push((i, m, o));
        }
    }
    tx.commit().await?;
    // The commune reviews. The figures are frozen from the data as the approve button reads
    // it, once the reports are in (they count in the on-time indicator). A few are read at
    // once: each is a dozen small queries.
    let to_freeze: Vec<(i64, Month, NaiveDate)> = sent
        .iter()
        .filter_map(|(i, m, o)| match o {
            Outcome::Reviewed(_, on) if cal.has_come(*on) => Some((w.hamlets[*i].id, *m, *on)),
            _ => None,
        })
        .collect();
    let mut frozen = Vec::with_capacity(to_freeze.len());
    for chunk in to_freeze.chunks(FREEZE_AT_ONCE) {
        let mut set = tokio::task::JoinSet::new();
        for &(hamlet, m, on) in chunk {
            let db = db.clone();
            set.spawn(async move {
                let area = areas::get(&db, hamlet).await?.ok_or(AppError::NotFound)?;
                let figures = report_data::to_freeze(&db, &area, m).await?;
                Ok::<_, AppError>((hamlet, m, on, figures))
            });
        }
        while let Some(done) = set.join_next().await {
            frozen.push(done.map_err(|e| AppError::Internal(format!("demo: {e}")))??);
        }
    }
    frozen.sort_by_key(|(hamlet, m, _, _)| (*m, *hamlet));
    let mut tx = db.begin_write().await?;
    for (hamlet, m, on, figures) in &frozen {
        let month = period::month_code(*m);
        reports::approve(&mut tx, *hamlet, &month, figures, (&iso(*on), w.admin)).await?;
    }
    for (i, m, o) in &sent {
        if let Outcome::Returned(_) = o {
            let month = period::month_code(*m);
            let hamlet = w.hamlets[*i].id;
            reports::send_back(&mut tx, hamlet, &month, RETURN_COMMENT, (false, w.admin)).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
