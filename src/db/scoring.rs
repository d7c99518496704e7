//! The year-end scored sheet's data: the commune's criteria per year, the points the commune
//! gives by hand, and what the automatic measures read from activities, reports and the
//! indicator engine. The scoring itself is `crate::scoring`.

use super::Db;
use super::areas::Area;
use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month, Period};
use crate::indicators::steps::Open;
use crate::scoring::{
    self, Criterion, CriterionEdit, DEFAULT_CRITERIA, Manual, Method, MonthActivity, Sheet,
    TeamData,
};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    year: i64,
    position: i64,
    name: String,
    max_points: i64,
    method: String,
    how: String,
    evidence: String,
    verifier: String,
    active: i64,
}

impl Row {
    fn criterion(self) -> Criterion {
        Criterion {
            id: self.id,
            position: self.position,
            name: self.name,
            max_points: self.max_points,
            // The column's CHECK keeps it to the known methods.
            method: Method::parse(&self.method).unwrap_or(Method::Manual),
            how: self.how,
            evidence: self.evidence,
            verifier: self.verifier,
        }
    }
}

const COLS: &str = "id, year, position, name, max_points, method, how, evidence, verifier, active";

/// The commune's criteria in force for the year, in the sheet's order.
pub async fn criteria(db: &Db, commune_id: i64, year: i64) -> Result<Vec<Criterion>> {
    let rows: Vec<Row> = db
        .fetch_all(
            &format!(
                "SELECT {COLS} FROM score_criteria WHERE commune_id = $1 AND year = $2 \
                 AND active = 1 ORDER BY position, id"
            ),
            &[commune_id.into(), year.into()],
        )
        .await?;
    Ok(rows.into_iter().map(Row::criterion).collect())
}

/// Whether the commune has criteria for the year (retired ones included: a commune that
/// retired every criterion chose so, and is not seeded again).
pub async fn seeded(db: &Db, commune_id: i64, year: i64) -> Result<bool> {
    Ok(db
        .scalar_i64(
            "SELECT COUNT(*) FROM score_criteria WHERE commune_id = $1 AND year = $2",
            &[commune_id.into(), year.into()],
        )
        .await?
        > 0)
}

/// One criterion of the commune, with its year and whether it is in force.
pub async fn criterion(db: &Db, commune_id: i64, id: i64) -> Result<(i64, Criterion, bool)> {
    let row: Row = db
        .fetch_optional(
            &format!("SELECT {COLS} FROM score_criteria WHERE commune_id = $1 AND id = $2"),
            &[commune_id.into(), id.into()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let (year, active) = (row.year, row.active == 1);
    Ok((year, row.criterion(), active))
}

/// What a commune without criteria for the year starts from: the latest earlier year's
/// criteria in force, or the default set. Returns the set and the year it was copied from.
async fn starting_set(
    conn: &mut AnyConnection,
    commune_id: i64,
    year: i64,
) -> Result<(Vec<CriterionEdit>, Option<i64>)> {
    let (previous,): (Option<i64>,) = crate::db::query_as(
        "SELECT MAX(year) FROM score_criteria WHERE commune_id = $1 AND year < $2 AND active = 1",
    )
    .bind(commune_id)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(from) = previous {
        let rows: Vec<Row> = crate::db::query_as(&format!(
            "SELECT {COLS} FROM score_criteria WHERE commune_id = $1 AND year = $2 AND active = 1 \
             ORDER BY position, id"
        ))
        .bind(commune_id)
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
        let set = rows
            .into_iter()
            .map(|r| CriterionEdit::of(&r.criterion()))
            .collect();
        return Ok((set, Some(from)));
    }
    let set = DEFAULT_CRITERIA
        .iter()
        .enumerate()
        .map(|(i, d)| CriterionEdit::of_default(i as i64 + 1, d))
        .collect();
    Ok((set, None))
}

/// Seeds the year's criteria when the commune has none: copied from the latest earlier year,
/// or the default set. Returns None when it already had some, else the criteria written and
/// the year copied from.
pub async fn seed(
    conn: &mut AnyConnection,
    commune_id: i64,
    year: i64,
) -> Result<Option<(Vec<CriterionEdit>, Option<i64>)>> {
    if conn.backend_name() == "PostgreSQL" {
        // Two first looks at once (two tabs) would both count none and seed twice: the
        // commune's row serialises them (SQLite's BEGIN IMMEDIATE already does).
        crate::db::query("SELECT id FROM areas WHERE id = $1 FOR UPDATE")
            .bind(commune_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    let (n,): (i64,) = crate::db::query_as(
        "SELECT COUNT(*) FROM score_criteria WHERE commune_id = $1 AND year = $2",
    )
    .bind(commune_id)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?;
    if n > 0 {
        return Ok(None);
    }
    let (set, from) = starting_set(conn, commune_id, year).await?;
    for c in &set {
        insert(conn, commune_id, year, c).await?;
    }
    Ok(Some((set, from)))
}

pub async fn insert(
    conn: &mut AnyConnection,
    commune_id: i64,
    year: i64,
    c: &CriterionEdit,
) -> Result<i64> {
    c.check().map_err(AppError::invalid)?;
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO score_criteria (commune_id, year, position, name, max_points, method, how, \
         evidence, verifier, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id",
    )
    .bind(commune_id)
    .bind(year)
    .bind(c.position)
    .bind(c.name.trim().to_string())
    .bind(c.max_points)
    .bind(c.method.code())
    .bind(c.how.trim().to_string())
    .bind(c.evidence.trim().to_string())
    .bind(c.verifier.trim().to_string())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Changes a criterion in force. Lowering its maximum under a score already given is refused:
/// the commune re-scores first, so no stored score silently exceeds its criterion.
pub async fn update(
    conn: &mut AnyConnection,
    commune_id: i64,
    id: i64,
    c: &CriterionEdit,
) -> Result<()> {
    c.check().map_err(AppError::invalid)?;
    let (highest,): (Option<i64>,) =
        crate::db::query_as("SELECT MAX(tenths) FROM team_scores WHERE criterion_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    if c.method.is_manual() && highest.is_some_and(|h| h > c.max_points * 10) {
        return Err(AppError::invalid(format!(
            "Đã có Tổ được chấm {} điểm ở tiêu chí này, cao hơn điểm tối đa mới ({}): hãy chấm lại trước.",
            scoring::format_tenths(highest.unwrap_or(0)),
            c.max_points
        )));
    }
    let n = crate::db::query(
        "UPDATE score_criteria SET position = $1, name = $2, max_points = $3, method = $4, \
         how = $5, evidence = $6, verifier = $7, updated_at = $8 \
         WHERE id = $9 AND commune_id = $10 AND active = 1",
    )
    .bind(c.position)
    .bind(c.name.trim().to_string())
    .bind(c.max_points)
    .bind(c.method.code())
    .bind(c.how.trim().to_string())
    .bind(c.evidence.trim().to_string())
    .bind(c.verifier.trim().to_string())
    .bind(super::now())
    .bind(id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Retires a criterion: it leaves the sheet, its scores stay on record.
pub async fn retire(conn: &mut AnyConnection, commune_id: i64, id: i64) -> Result<()> {
    let n = crate::db::query(
        "UPDATE score_criteria SET active = 0, updated_at = $1 \
         WHERE id = $2 AND commune_id = $3 AND active = 1",
    )
    .bind(super::now())
    .bind(id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The commune's manual scores of the year, by (criterion, team).
pub async fn manual_scores(
    db: &Db,
    commune_id: i64,
    year: i64,
) -> Result<HashMap<(i64, i64), Manual>> {
    let rows: Vec<(i64, i64, i64, String)> = db
        .fetch_all(
            "SELECT s.criterion_id, s.team_id, s.tenths, s.note FROM team_scores s \
             JOIN score_criteria c ON c.id = s.criterion_id \
             WHERE s.commune_id = $1 AND c.year = $2",
            &[commune_id.into(), year.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(c, t, tenths, note)| ((c, t), Manual { tenths, note }))
        .collect())
}

/// Sets (or with `None` clears) a team's score on a manual criterion; returns the score before.
pub async fn set_score(
    conn: &mut AnyConnection,
    commune_id: i64,
    (criterion_id, team_id): (i64, i64),
    score: Option<&Manual>,
    (today, account): (&str, i64),
) -> Result<Option<Manual>> {
    let before: Option<(i64, String)> = crate::db::query_as(
        "SELECT tenths, note FROM team_scores WHERE criterion_id = $1 AND team_id = $2",
    )
    .bind(criterion_id)
    .bind(team_id)
    .fetch_optional(&mut *conn)
    .await?;
    let before = before.map(|(tenths, note)| Manual { tenths, note });
    match score {
        None => {
            crate::db::query("DELETE FROM team_scores WHERE criterion_id = $1 AND team_id = $2")
                .bind(criterion_id)
                .bind(team_id)
                .execute(&mut *conn)
                .await?;
        }
        Some(s) => {
            crate::db::query(
                "INSERT INTO team_scores (commune_id, criterion_id, team_id, tenths, note, \
                 scored_by, scored_on, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (criterion_id, team_id) DO UPDATE SET tenths = excluded.tenths, \
                 note = excluded.note, scored_by = excluded.scored_by, \
                 scored_on = excluded.scored_on, updated_at = excluded.updated_at",
            )
            .bind(commune_id)
            .bind(criterion_id)
            .bind(team_id)
            .bind(s.tenths)
            .bind(s.note.trim().to_string())
            .bind(account)
            .bind(today.to_string())
            .bind(super::now())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(before)
}

#[derive(sqlx::FromRow)]
struct HamletRow {
    id: i64,
    active: i64,
    opened_on: Option<String>,
    closed_on: Option<String>,
}

/// What the automatic measures read for each active hamlet team of the commune, in the
/// commune's order: activities per month up to the reference date, and the year's figures of
/// the team's hamlet from the indicator engine (targets met, reports on time, adults guided).
pub async fn team_data(
    db: &Db,
    commune: &Area,
    year: i64,
    reference: &str,
) -> Result<Vec<TeamData>> {
    let teams: Vec<super::teams::Team> = super::teams::for_commune(db, commune.id)
        .await?
        .into_iter()
        .filter(|t| t.kind == "hamlet" && t.active == 1)
        .collect();
    let hamlets: Vec<HamletRow> = db
        .fetch_all(
            "SELECT id, active, opened_on, closed_on FROM areas \
             WHERE commune_id = $1 AND level = 'hamlet'",
            &[commune.id.into()],
        )
        .await?;
    let open: HashMap<i64, Open> = hamlets
        .iter()
        .map(|h| {
            (
                h.id,
                Open::of_hamlet(
                    h.active == 1,
                    h.opened_on.as_deref(),
                    h.closed_on.as_deref(),
                ),
            )
        })
        .collect();
    let rows: Vec<(i64, String, i64, i64)> = db
        .fetch_all(
            "SELECT hamlet_id, SUBSTR(activity_date, 1, 7), COUNT(*), \
             SUM(CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END) \
             FROM activities WHERE commune_id = $1 AND active = 1 AND confirmed = 1 \
             AND activity_date >= $2 AND activity_date <= $3 \
             GROUP BY hamlet_id, SUBSTR(activity_date, 1, 7)",
            &[
                commune.id.into(),
                format!("{year}-01-01").into(),
                reference.to_string().into(),
            ],
        )
        .await?;
    let mut per_hamlet: HashMap<i64, BTreeMap<Month, MonthActivity>> = HashMap::new();
    for (hamlet, ym, all, security) in rows {
        if let Some(m) = period::month_of_date(&ym) {
            per_hamlet
                .entry(hamlet)
                .or_default()
                .insert(m, MonthActivity { all, security });
        }
    }
    let (_, children) = super::indicators::overview(db, commune, &Period::Year(year)).await?;
    let figures: HashMap<i64, Vec<crate::indicators::catalog::Figure>> =
        children.into_iter().map(|(a, f)| (a.id, f)).collect();
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    for t in teams {
        let o = open.get(&t.area_id).copied().unwrap_or(Open::ALWAYS);
        let (months_counted, months_met, quarters_counted, quarters_with_security) =
            scoring::activity_counts(
                year,
                reference,
                |m| o.contains(m),
                per_hamlet.get(&t.area_id).unwrap_or(&empty),
            );
        let f = figures.get(&t.area_id).map_or(&[][..], Vec::as_slice);
        let fig = |code: &str| f.iter().find(|x| x.code == code);
        let judged = f.iter().filter(|x| x.target.is_some() && x.met.is_some());
        let reports = fig("reports_on_time");
        let guided = fig("adults_guided");
        out.push(TeamData {
            team_id: t.id,
            team: t.name.clone(),
            months_counted,
            months_met,
            quarters_counted,
            quarters_with_security,
            targets_with_value: judged.clone().count() as i64,
            targets_met: judged.filter(|x| x.met == Some(true)).count() as i64,
            reports_expected: reports.and_then(|r| r.denominator).unwrap_or(0),
            reports_on_time: reports.map_or(0, |r| r.numerator),
            adults: guided.and_then(|g| g.denominator).unwrap_or(0),
            adults_guided: guided.map_or(0, |g| g.numerator),
            guided_target: guided.and_then(|g| g.target),
        });
    }
    Ok(out)
}

/// The commune's scored sheet for the year as of `today`. A commune not yet seeded for the
/// year is scored on the set it would start from (ids below zero: nothing stored yet).
pub async fn sheet(db: &Db, commune: &Area, year: i64, today: &str) -> Result<Sheet> {
    let reference = scoring::reference_date(year, today);
    let criteria = if seeded(db, commune.id, year).await? {
        criteria(db, commune.id, year).await?
    } else {
        let mut conn = db.begin_read().await?;
        let (set, _) = starting_set(&mut conn, commune.id, year).await?;
        set.into_iter()
            .enumerate()
            .map(|(i, c)| Criterion {
                id: -(i as i64) - 1,
                position: c.position,
                name: c.name,
                max_points: c.max_points,
                method: c.method,
                how: c.how,
                evidence: c.evidence,
                verifier: c.verifier,
            })
            .collect()
    };
    let data = team_data(db, commune, year, &reference).await?;
    let manual = manual_scores(db, commune.id, year).await?;
    Ok(scoring::sheet(year, &reference, criteria, &data, &manual))
}
