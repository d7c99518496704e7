//! What the pages about people in hamlets (households, residents, the help-request queue,
//! exports) share: the hamlets a caller may choose from, the one a list is narrowed to, the
//! household a caller may change, and the list query with its pager's query string. Apart
//! from those pages so none of them imports another.

use super::SharedState;
use crate::auth::Caller;
use crate::db::areas;
use crate::db::households::{self, Household};
use crate::error::AppError;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// The hamlet a list is narrowed to, checked against the caller's scope.
pub async fn hamlet_filter(
    s: &SharedState,
    caller: &Caller,
    code: &str,
) -> Result<Option<i64>, AppError> {
    if code.is_empty() {
        return Ok(None);
    }
    let area = areas::visible_by_code(&s.db, caller, code).await?;
    Ok(match area.level.as_str() {
        "hamlet" => Some(area.id),
        _ => None,
    })
}

/// (id, code, name) of the open hamlets the caller may see.
pub async fn hamlet_options(
    s: &SharedState,
    caller: &Caller,
) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(areas::visible_to(&s.db, caller)
        .await?
        .into_iter()
        .filter(|a| a.level == "hamlet" && a.active == 1)
        .map(|a| (a.id, a.code, a.name))
        .collect())
}

/// The household, if the caller may change it (and its residents).
pub async fn editable_household(
    s: &SharedState,
    caller: &Caller,
    id: i64,
) -> Result<Household, AppError> {
    let scope = caller.require_personal()?;
    let h = households::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if caller.can_edit_residents(h.commune_id, h.hamlet_id) {
        Ok(h)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A value for a query string (the pager repeats the list's query in its links).
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
