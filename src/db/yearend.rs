//! Year-end: each team's self-evaluation, award nominations (the commune leader decides) and
//! good practices proposed for replication.

use super::Db;
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

/// Self-ratings a team may give itself, as the commune's evaluation form words them.
pub const RATINGS: [(&str, &str); 4] = [
    ("excellent", "Hoàn thành xuất sắc nhiệm vụ"),
    ("good", "Hoàn thành tốt nhiệm vụ"),
    ("done", "Hoàn thành nhiệm vụ"),
    ("not_done", "Không hoàn thành nhiệm vụ"),
];

pub fn rating_label(code: &str) -> &'static str {
    crate::codes::label(&RATINGS, code)
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub team_id: i64,
    pub year: i64,
    pub status: String,
    pub rating: String,
    pub results: String,
    pub strengths: String,
    pub weaknesses: String,
    pub proposals: String,
    pub submitted_on: Option<String>,
}

const EVAL_COLS: &str = "id, team_id, year, status, rating, results, strengths, weaknesses, \
                         proposals, submitted_on";

pub async fn evaluation(db: &Db, team_id: i64, year: i64) -> Result<Option<Evaluation>> {
    db.fetch_optional(
        &format!("SELECT {EVAL_COLS} FROM team_evaluations WHERE team_id = $1 AND year = $2"),
        &[team_id.into(), year.into()],
    )
    .await
}

pub async fn evaluations(db: &Db, commune_id: i64, year: i64) -> Result<Vec<Evaluation>> {
    db.fetch_all(
        &format!(
            "SELECT {EVAL_COLS} FROM team_evaluations WHERE commune_id = $1 AND year = $2 ORDER BY team_id"
        ),
        &[commune_id.into(), year.into()],
    )
    .await
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct EvaluationEdit {
    pub rating: String,
    pub results: String,
    pub strengths: String,
    pub weaknesses: String,
    pub proposals: String,
}

/// Saves the team's evaluation; `submit` also submits it (it can no longer be edited).
pub async fn save_evaluation(
    conn: &mut AnyConnection,
    (commune_id, team_id, year): (i64, i64, i64),
    e: &EvaluationEdit,
    (submit, today, account): (bool, &str, i64),
) -> Result<(i64, Option<Evaluation>)> {
    if !e.rating.is_empty() && RATINGS.iter().all(|(c, _)| *c != e.rating) {
        return Err(AppError::invalid("Mức tự xếp loại không hợp lệ."));
    }
    if submit && (e.rating.is_empty() || e.results.trim().is_empty()) {
        return Err(AppError::invalid(
            "Trước khi nộp, hãy chọn mức tự xếp loại và ghi kết quả nổi bật của Tổ trong năm.",
        ));
    }
    let now = super::now();
    // Created empty first, then locked: a draft saved in another tab cannot reopen a
    // submitted evaluation, and two first saves meet on the unique key.
    let created = crate::db::query(
        "INSERT INTO team_evaluations (commune_id, team_id, year, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $4) ON CONFLICT (team_id, year) DO NOTHING",
    )
    .bind(commune_id)
    .bind(team_id)
    .bind(year)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let current: Evaluation = crate::db::query_as(&format!(
        "SELECT {EVAL_COLS} FROM team_evaluations WHERE team_id = $1 AND year = $2{lock}"
    ))
    .bind(team_id)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?;
    if current.status == "submitted" {
        return Err(AppError::invalid(
            "Bản tự đánh giá đã nộp, không sửa được nữa.",
        ));
    }
    let status = if submit { "submitted" } else { "draft" };
    let submitted_on = submit.then(|| today.to_string());
    crate::db::query(
        "UPDATE team_evaluations SET status = $1, rating = $2, results = $3, strengths = $4, \
         weaknesses = $5, proposals = $6, submitted_on = $7, submitted_by = $8, updated_at = $9 \
         WHERE id = $10",
    )
    .bind(status)
    .bind(e.rating.clone())
    .bind(e.results.trim().to_string())
    .bind(e.strengths.trim().to_string())
    .bind(e.weaknesses.trim().to_string())
    .bind(e.proposals.trim().to_string())
    .bind(submitted_on)
    .bind(account)
    .bind(now)
    .bind(current.id)
    .execute(&mut *conn)
    .await?;
    Ok((current.id, (!created).then_some(current)))
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Nomination {
    pub id: i64,
    pub year: i64,
    pub kind: String,
    pub team_id: Option<i64>,
    pub member_id: Option<i64>,
    pub nominee: String,
    pub reason: String,
    pub status: String,
    pub decided_on: Option<String>,
}

impl Nomination {
    pub fn kind_label(&self) -> &'static str {
        if self.kind == "team" {
            "tập thể"
        } else {
            "cá nhân"
        }
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "approved" => "Đồng ý khen thưởng",
            "rejected" => "Không đồng ý",
            _ => "Chờ lãnh đạo xem xét",
        }
    }
}

const NOM_COLS: &str = "id, year, kind, team_id, member_id, nominee, reason, status, decided_on";

pub async fn nominations(db: &Db, commune_id: i64, year: i64) -> Result<Vec<Nomination>> {
    db.fetch_all(
        &format!(
            "SELECT {NOM_COLS} FROM award_nominations WHERE commune_id = $1 AND year = $2 ORDER BY id"
        ),
        &[commune_id.into(), year.into()],
    )
    .await
}

pub async fn nomination(db: &Db, commune_id: i64, id: i64) -> Result<Nomination> {
    db.fetch_optional(
        &format!("SELECT {NOM_COLS} FROM award_nominations WHERE commune_id = $1 AND id = $2"),
        &[commune_id.into(), id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub struct NewNomination<'a> {
    pub year: i64,
    pub kind: &'a str,
    pub team_id: Option<i64>,
    pub member_id: Option<i64>,
    pub nominee: &'a str,
    pub reason: &'a str,
}

pub async fn propose(
    conn: &mut AnyConnection,
    commune_id: i64,
    n: &NewNomination<'_>,
    account: i64,
) -> Result<i64> {
    if n.reason.trim().is_empty() {
        return Err(AppError::invalid(
            "Hãy ghi thành tích, lý do đề xuất khen thưởng.",
        ));
    }
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO award_nominations (commune_id, year, kind, team_id, member_id, nominee, reason, \
         status, proposed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', $8, $9) RETURNING id",
    )
    .bind(commune_id)
    .bind(n.year)
    .bind(n.kind.to_string())
    .bind(n.team_id)
    .bind(n.member_id)
    .bind(n.nominee.to_string())
    .bind(n.reason.trim().to_string())
    .bind(account)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The commune leader's decision on a nomination.
pub async fn decide(
    conn: &mut AnyConnection,
    commune_id: i64,
    id: i64,
    approve: bool,
    (today, account): (&str, i64),
) -> Result<()> {
    // Only an open nomination is decided: a replayed form cannot turn a decision around.
    let n = crate::db::query(
        "UPDATE award_nominations SET status = $1, decided_by = $2, decided_on = $3 \
         WHERE id = $4 AND commune_id = $5 AND status = 'proposed'",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(account)
    .bind(today.to_string())
    .bind(id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::invalid(
            "Đề xuất này đã có ý kiến của lãnh đạo UBND xã.",
        ));
    }
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Practice {
    pub id: i64,
    pub hamlet_id: Option<i64>,
    pub hamlet_name: Option<String>,
    pub title: String,
    pub description: String,
    pub proposed_on: String,
}

/// Good practices proposed in the year.
pub async fn practices(db: &Db, commune_id: i64, year: i64) -> Result<Vec<Practice>> {
    db.fetch_all(
        "SELECT g.id, g.hamlet_id, a.name AS hamlet_name, g.title, g.description, g.proposed_on \
         FROM good_practices g LEFT JOIN areas a ON a.id = g.hamlet_id \
         WHERE g.commune_id = $1 AND g.active = 1 AND g.proposed_on >= $2 AND g.proposed_on <= $3 \
         ORDER BY g.proposed_on, g.id",
        &[
            commune_id.into(),
            format!("{year}-01-01").into(),
            format!("{year}-12-31").into(),
        ],
    )
    .await
}

pub async fn propose_practice(
    conn: &mut AnyConnection,
    (commune_id, hamlet_id): (i64, Option<i64>),
    (title, description): (&str, &str),
    (today, account): (&str, i64),
) -> Result<i64> {
    if title.trim().is_empty() || description.trim().is_empty() {
        return Err(AppError::invalid(
            "Hãy ghi tên mô hình, cách làm hay và mô tả cách làm để các ấp khác nhân rộng.",
        ));
    }
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO good_practices (commune_id, hamlet_id, title, description, proposed_on, \
         proposed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(commune_id)
    .bind(hamlet_id)
    .bind(title.trim().to_string())
    .bind(description.trim().to_string())
    .bind(today.to_string())
    .bind(account)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}
