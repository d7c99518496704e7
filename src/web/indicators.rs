//! The indicators API and the dashboards built on it.

use super::{ApiCaller, ApiError, SharedState};
use crate::auth::Caller;
use crate::db::{self, areas, areas::Area};
use crate::error::Result;
use crate::indicators::Period;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<SharedState> {
    Router::new().route("/api/v1/indicators", get(api_indicators))
}

#[derive(Deserialize, Default)]
pub(super) struct AreaPeriod {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub period: String,
}

impl AreaPeriod {
    /// The area (the caller's own when none is given; any other only if the caller may see
    /// it) and the period (this month when none is given).
    pub async fn resolve(&self, db: &db::Db, caller: &Caller) -> Result<(Area, Period)> {
        let area = if self.area.trim().is_empty() {
            areas::visible_by_id(db, caller, caller.area_id).await?
        } else {
            areas::visible_by_code(db, caller, self.area.trim()).await?
        };
        let period = if self.period.trim().is_empty() {
            Period::current()
        } else {
            Period::parse(&self.period)?
        };
        Ok((area, period))
    }
}

async fn api_indicators(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(q): Query<AreaPeriod>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let (area, period) = q.resolve(&s.db, &c).await?;
    let figures = db::indicators::figures(&s.db, &area, &period).await?;
    Ok(Json(
        figures
            .into_iter()
            .map(|f| {
                json!({
                    "code": f.code,
                    "name": f.name,
                    "numerator": f.numerator,
                    "denominator": f.denominator,
                    "value": f.value,
                    "target": f.target,
                    "met": f.met,
                    "kind": f.kind,
                    "progress": f.progress,
                    "target_when": f.target_when,
                    "area": area.code,
                    "period": period.code(),
                    "reference_date": period.reference_date(),
                })
            })
            .collect(),
    ))
}
