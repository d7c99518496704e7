//! The lists a hamlet team works from next (the plan's Q1 survey and the Q2 campaign):
//! adults not yet guided, adults without a smartphone, households without the province app.

use super::{Db, Filter};
use crate::auth::PersonalScope;
use crate::error::Result;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub hamlet_id: i64,
    pub household_code: String,
    pub address: Option<String>,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub phone: Option<String>,
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Household {
    pub id: i64,
    pub code: String,
    pub head_name: Option<String>,
    pub address: Option<String>,
    pub living: i64,
}

/// Living adults (15 or more today) of active households, as a condition on `r`.
fn living_adults(f: &mut Filter, today: &str) {
    let year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let cut = format!("{}{}", year - 15, today.get(4..).unwrap_or("-12-31"));
    f.raw("r.active = 1 AND r.status = 'living' AND h.active = 1");
    let a = f.push(cut);
    let b = f.push(year - 15);
    f.clauses.push(format!(
        "((r.birth_date IS NOT NULL AND r.birth_date <= {a}) \
         OR (r.birth_date IS NULL AND r.birth_year <= {b}))"
    ));
}

/// The hamlet's living adults that also meet `condition` (on `r`), by household.
async fn adults_where(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: i64,
    today: &str,
    condition: &str,
) -> Result<Vec<Person>> {
    let mut f = Filter::default();
    f.scope(scope, "r.", "household_id");
    f.add("r.hamlet_id = ?", hamlet_id);
    // Someone who withdrew their consent is not visited about it again.
    f.raw("r.consent = 1");
    living_adults(&mut f, today);
    f.raw(condition);
    db.fetch_all(
        &format!(
            "SELECT r.id, r.hamlet_id, h.code AS household_code, h.address, r.full_name, r.birth_date, \
             r.birth_year, r.phone FROM residents r JOIN households h ON h.id = r.household_id{} \
             ORDER BY h.code, r.sort_key",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}

pub async fn unguided(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: i64,
    today: &str,
) -> Result<Vec<Person>> {
    let no_help = "NOT EXISTS (SELECT 1 FROM help_records x WHERE x.resident_id = r.id)";
    adults_where(db, scope, hamlet_id, today, no_help).await
}

pub async fn without_smartphone(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: i64,
    today: &str,
) -> Result<Vec<Person>> {
    adults_where(db, scope, hamlet_id, today, "r.has_smartphone = 0").await
}

/// Households where someone lives but nobody has the service done.
pub async fn households_without(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: i64,
    service: &str,
) -> Result<Vec<Household>> {
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    f.add("h.hamlet_id = ?", hamlet_id);
    f.raw("h.active = 1");
    f.add(
        "NOT EXISTS (SELECT 1 FROM residents r JOIN resident_services s ON s.resident_id = r.id \
         WHERE r.household_id = h.id AND r.active = 1 AND r.status = 'living' \
         AND s.service_code = ? AND s.status = 'done')",
        service.to_string(),
    );
    db.fetch_all(
        &format!(
            "SELECT h.id, h.code, h.head_name, h.address, \
             (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.active = 1 \
              AND r.status = 'living') AS living \
             FROM households h{} ORDER BY h.code",
            f.where_sql()
        ),
        &f.params,
    )
    .await
    .map(|v: Vec<Household>| v.into_iter().filter(|h| h.living > 0).collect())
}
