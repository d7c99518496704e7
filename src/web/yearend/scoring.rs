//! The scored sheet's changes, all the commune admin's (Phòng Văn hóa – Xã hội): the year's
//! criteria (add, change, retire) and the points of the criteria the commune scores by hand.
//! Every change is audited in its transaction; the session middleware checks the CSRF token.

use super::super::{SharedState, audited, see_other};
use super::year_or_now;
use crate::auth::{Caller, Role};
use crate::db::{scoring as data, teams};
use crate::error::{AppError, Result};
use crate::scoring::{CriterionEdit, Manual, Method, parse_points};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::AnyConnection;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/year-end/criteria", post(add))
        .route("/year-end/criteria/{id}", post(change))
        .route("/year-end/criteria/{id}/retire", post(retire))
        .route("/year-end/scores", post(score))
}

/// Criteria and scores are the commune admin's: the leader and the hamlets read them.
fn admin_commune(caller: &Caller) -> Result<i64> {
    match (caller.role, caller.commune_id) {
        (Role::CommuneAdmin, Some(c)) => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

/// Seeds the year's criteria if the commune has none, audited as the caller's act: the first
/// time the admin opens the sheet or changes it.
pub(super) async fn seed_audited(
    tx: &mut AnyConnection,
    caller: &Caller,
    commune: i64,
    year: i64,
) -> Result<()> {
    if let Some((set, from)) = data::seed(tx, commune, year).await? {
        audited(
            tx,
            caller,
            commune,
            ("create", "score_criteria", None),
            None::<&()>,
            Some(&serde_json::json!({
                "year": year,
                "copied_from_year": from,
                "criteria": set,
            })),
        )
        .await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct CriterionForm {
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    position: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    max_points: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    how: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    verifier: String,
}

impl CriterionForm {
    fn edit(&self) -> Result<CriterionEdit> {
        let int = |s: &str, msg: &str| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid(msg.to_string()))
        };
        let method = Method::parse(self.method.trim())
            .ok_or_else(|| AppError::invalid("Hãy chọn cách tính điểm của tiêu chí."))?;
        let text = |s: &str, what: &str| {
            super::super::forms::long_text(s, what, crate::scoring::MAX_CRITERION_TEXT)
        };
        let e = CriterionEdit {
            position: if self.position.trim().is_empty() {
                0
            } else {
                int(&self.position, "Thứ tự của tiêu chí là một số.")?
            },
            name: crate::text::clean(&self.name),
            max_points: int(
                &self.max_points,
                "Điểm tối đa của tiêu chí là một số nguyên, ví dụ 10.",
            )?,
            method,
            how: text(&self.how, "Cách chấm")?,
            evidence: text(&self.evidence, "Minh chứng")?,
            verifier: crate::text::clean(&self.verifier),
        };
        e.check().map_err(AppError::invalid)?;
        Ok(e)
    }
}

async fn add(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<CriterionForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let year = year_or_now(f.year, &s.settings.today())?;
    let mut e = f.edit()?;
    let mut tx = s.db.begin_write().await?;
    seed_audited(&mut tx, &caller, commune, year).await?;
    if e.position == 0 {
        // No order given: after the last criterion.
        let (last,): (Option<i64>,) = crate::db::query_as(
            "SELECT MAX(position) FROM score_criteria WHERE commune_id = $1 AND year = $2",
        )
        .bind(commune)
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        e.position = last.unwrap_or(0) + 1;
    }
    let id = data::insert(&mut tx, commune, year, &e).await?;
    audited(
        &mut tx,
        &caller,
        commune,
        ("create", "score_criterion", Some(id)),
        None::<&()>,
        Some(&serde_json::json!({"year": year, "criterion": e})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#criteria")))
}

async fn change(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<CriterionForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let (year, before, _) = data::criterion(&s.db, commune, id).await?;
    let e = f.edit()?;
    let mut tx = s.db.begin_write().await?;
    data::update(&mut tx, commune, id, &e).await?;
    audited(
        &mut tx,
        &caller,
        commune,
        ("update", "score_criterion", Some(id)),
        Some(&before),
        Some(&e),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#criterion-{id}")))
}

async fn retire(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let (year, before, _) = data::criterion(&s.db, commune, id).await?;
    let mut tx = s.db.begin_write().await?;
    data::retire(&mut tx, commune, id).await?;
    audited(
        &mut tx,
        &caller,
        commune,
        ("retire", "score_criterion", Some(id)),
        Some(&before),
        Some(&serde_json::json!({"active": false})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#criteria")))
}

/// One manual criterion's points for every team at once: `points_<team id>` and
/// `note_<team id>`. Every value is checked before anything is written.
async fn score(
    State(s): State<SharedState>,
    caller: Caller,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let id: i64 = field("criterion_id")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| AppError::invalid("Hãy chọn tiêu chí để chấm."))?;
    let (year, c, active) = data::criterion(&s.db, commune, id).await?;
    if !active || !c.method.is_manual() {
        return Err(AppError::invalid(
            "Tiêu chí này tính tự động từ dữ liệu hoặc đã thôi áp dụng: không chấm tay.",
        ));
    }
    let teams: Vec<teams::Team> = teams::for_commune(&s.db, commune)
        .await?
        .into_iter()
        .filter(|t| t.kind == "hamlet" && t.active == 1)
        .collect();
    let mut changes = Vec::new();
    for t in &teams {
        let Some(points) = field(&format!("points_{}", t.id)) else {
            continue;
        };
        let tenths = parse_points(points, &format!("{} – {}", c.name, t.name), c.max_points)
            .map_err(AppError::invalid)?;
        let note = super::text_field(field(&format!("note_{}", t.id)).unwrap_or(""), "Ghi chú")?;
        changes.push((t.id, tenths.map(|tenths| Manual { tenths, note })));
    }
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    for (team, score) in changes {
        let before = data::set_score(
            &mut tx,
            commune,
            (id, team),
            score.as_ref(),
            (&today, caller.account_id),
        )
        .await?;
        if before == score {
            continue;
        }
        audited(
            &mut tx,
            &caller,
            commune,
            ("score", "team_score", Some(team)),
            before
                .map(
                    |b| serde_json::json!({"criterion_id": id, "tenths": b.tenths, "note": b.note}),
                )
                .as_ref(),
            Some(&serde_json::json!({
                "criterion_id": id,
                "tenths": score.as_ref().map(|s| s.tenths),
                "note": score.as_ref().map(|s| s.note.clone()),
            })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#score-{id}")))
}
