//! Household businesses in the database (issue 20): the register per hamlet, each change of a
//! step or detail logged with the version it made, and the conflicts two offline phones make.

use super::{Db, Filter};
use crate::auth::PersonalScope;
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashSet;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Business {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub hamlet_name: String,
    pub name: String,
    pub owner_name: Option<String>,
    pub owner_resident_id: Option<i64>,
    pub kind: Option<String>,
    pub products: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub registered_on: Option<String>,
    pub ecommerce_on: Option<String>,
    pub listed_on: Option<String>,
    pub einvoice_on: Option<String>,
    pub cashless_on: Option<String>,
    pub social_on: Option<String>,
    pub platform: Option<String>,
    pub shop_url: Option<String>,
    pub version: i64,
    pub active: i64,
    /// The owning resident's consent (None: the owner is not a recorded resident).
    pub owner_consent: Option<i64>,
}

impl Business {
    /// The owner who withdrew their consent is not shown to the hamlet's team (as residents
    /// are not); the commune office still sees them.
    fn for_scope(mut self, scope: PersonalScope) -> Business {
        if scope.consented_only && self.owner_consent == Some(0) {
            self.owner_name = Some("(đã rút lại đồng ý)".to_string());
            self.phone = None;
        }
        self
    }

    /// A tracked field's value as the change log stores it.
    pub fn value(&self, field: &str) -> Option<String> {
        match field {
            "ecommerce_on" => self.ecommerce_on.clone(),
            "listed_on" => self.listed_on.clone(),
            "einvoice_on" => self.einvoice_on.clone(),
            "cashless_on" => self.cashless_on.clone(),
            "social_on" => self.social_on.clone(),
            "platform" => self.platform.clone(),
            "shop_url" => self.shop_url.clone(),
            "phone" => self.phone.clone(),
            "products" => self.products.clone(),
            "address" => self.address.clone(),
            _ => None,
        }
    }
    pub fn kind_label(&self) -> &'static str {
        crate::businesses::kind_label(self.kind.as_deref().unwrap_or(""))
    }
    pub fn platform_label(&self) -> &'static str {
        crate::businesses::platform_label(self.platform.as_deref().unwrap_or(""))
    }
    pub fn is_online(&self) -> bool {
        crate::businesses::is_online(self.ecommerce_on.as_deref())
    }
    /// Each step: code, label, the day it was done.
    pub fn steps(&self) -> Vec<(&'static str, &'static str, Option<String>)> {
        crate::businesses::STEPS
            .iter()
            .map(|(code, label)| (*code, *label, self.value(&format!("{code}_on"))))
            .collect()
    }
    pub fn steps_done(&self) -> usize {
        self.steps().iter().filter(|s| s.2.is_some()).count()
    }
}

const SELECT: &str = "SELECT b.id, b.commune_id, b.hamlet_id, h.name AS hamlet_name, b.name, \
     b.owner_name, b.owner_resident_id, b.kind, b.products, b.address, b.phone, b.registered_on, \
     b.ecommerce_on, b.listed_on, b.einvoice_on, b.cashless_on, b.social_on, b.platform, \
     b.shop_url, b.version, b.active, o.consent AS owner_consent \
     FROM businesses b JOIN areas h ON h.id = b.hamlet_id \
     LEFT JOIN residents o ON o.id = b.owner_resident_id";

/// What a list asks for.
#[derive(Default)]
pub struct Query<'a> {
    pub hamlet: Option<i64>,
    pub q: &'a str,
    /// Only those not yet on an e-commerce platform (the work list).
    pub not_online: bool,
}

/// The active businesses in the caller's scope (the commune, or one hamlet), by hamlet then name.
pub async fn list(db: &Db, scope: PersonalScope, q: &Query<'_>) -> Result<Vec<Business>> {
    let mut f = Filter::default();
    f.add("b.commune_id = ?", scope.commune_id);
    f.raw("b.active = 1");
    if let Some(h) = scope.hamlet_id.or(q.hamlet) {
        f.add("b.hamlet_id = ?", h);
    }
    if let (Some(mine), Some(asked)) = (scope.hamlet_id, q.hamlet)
        && mine != asked
    {
        return Ok(Vec::new());
    }
    if q.not_online {
        f.raw("b.ecommerce_on IS NULL");
    }
    for word in crate::text::fold(q.q).split(' ').filter(|w| !w.is_empty()) {
        f.add(
            "b.search_text LIKE ? ESCAPE '\\'",
            format!("%{}%", crate::text::like_escape(word)),
        );
    }
    let rows: Vec<Business> = db
        .fetch_all(
            &format!(
                "{SELECT}{} ORDER BY h.sort_order, b.name, b.id",
                f.where_sql()
            ),
            &f.params,
        )
        .await?;
    Ok(rows.into_iter().map(|b| b.for_scope(scope)).collect())
}

/// One business in the caller's scope (404 outside it).
pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Business> {
    let b: Business = db
        .fetch_optional(&format!("{SELECT} WHERE b.id = $1"), &[id.into()])
        .await?
        .ok_or(AppError::NotFound)?;
    in_scope(scope, &b)?;
    Ok(b.for_scope(scope))
}

pub fn in_scope(scope: PersonalScope, b: &Business) -> Result<()> {
    if b.commune_id != scope.commune_id
        || b.active != 1
        || scope.hamlet_id.is_some_and(|h| h != b.hamlet_id)
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The business as it stands, read on the write connection and locked until the transaction
/// ends (SQLite's `BEGIN IMMEDIATE` already serialises writers), so two writers cannot both
/// build on the same version.
pub async fn get_on(conn: &mut AnyConnection, id: i64) -> Result<Option<Business>> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE OF b"
    } else {
        ""
    };
    Ok(
        crate::db::query_as(&format!("{SELECT} WHERE b.id = $1{lock}"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A new business's details, checked.
pub struct NewBusiness<'a> {
    pub hamlet_id: i64,
    pub name: &'a str,
    pub owner_name: Option<&'a str>,
    pub owner_resident_id: Option<i64>,
    pub kind: &'a str,
    pub products: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub registered_on: &'a str,
    pub import_key: Option<&'a str>,
}

/// What the search reads: the name, owner and products (never the phone: a masked viewer
/// could confirm a number by searching for it).
fn search_text(name: &str, owner: Option<&str>, products: Option<&str>) -> String {
    crate::text::fold(&[name, owner.unwrap_or(""), products.unwrap_or("")].join(" "))
}

pub async fn insert(
    conn: &mut AnyConnection,
    commune: i64,
    account: Option<i64>,
    b: &NewBusiness<'_>,
) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO businesses (commune_id, hamlet_id, name, owner_name, owner_resident_id, kind, \
         products, address, phone, registered_on, search_text, import_key, created_by, active, \
         version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, 1, $14, $14) RETURNING id",
    )
    .bind(commune)
    .bind(b.hamlet_id)
    .bind(b.name)
    .bind(b.owner_name)
    .bind(b.owner_resident_id)
    .bind(b.kind)
    .bind(b.products)
    .bind(b.address)
    .bind(b.phone)
    .bind(b.registered_on)
    .bind(search_text(b.name, b.owner_name, b.products))
    .bind(b.import_key)
    .bind(account)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Changes the name, owner and kind (not tracked for conflicts: only the office edits them).
pub async fn rename(
    conn: &mut AnyConnection,
    b: &Business,
    name: &str,
    owner_name: Option<&str>,
    kind: &str,
) -> Result<()> {
    crate::db::query(
        "UPDATE businesses SET name = $1, owner_name = $2, kind = $3, search_text = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(name)
    .bind(owner_name)
    .bind(kind)
    .bind(search_text(name, owner_name, b.products.as_deref()))
    .bind(super::now())
    .bind(b.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The tracked fields changed after `version` by someone other than `account`.
pub async fn changed_since(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    account: i64,
) -> Result<HashSet<String>> {
    let rows: Vec<(String,)> = crate::db::query_as(
        "SELECT DISTINCT field FROM business_changes WHERE business_id = $1 AND version > $2 \
         AND (account_id IS NULL OR account_id <> $3)",
    )
    .bind(id)
    .bind(version)
    .bind(account)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(f,)| f).collect())
}

/// Writes tracked fields as one new version and logs each change with it; the new version.
pub async fn apply(
    conn: &mut AnyConnection,
    before: &Business,
    changes: &[(&'static str, Option<String>)],
    account: Option<i64>,
    source: &str,
) -> Result<i64> {
    let version = before.version + 1;
    let now = super::now();
    for (field, value) in changes {
        if !crate::businesses::TRACKED.contains(field) {
            return Err(AppError::Internal(format!(
                "untracked business field {field}"
            )));
        }
        // The column name comes from the fixed list above, never from the request.
        crate::db::query(&format!("UPDATE businesses SET {field} = $1 WHERE id = $2"))
            .bind(value.clone())
            .bind(before.id)
            .execute(&mut *conn)
            .await?;
        crate::db::query(
            "INSERT INTO business_changes (commune_id, business_id, version, field, old_value, \
             new_value, account_id, source, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(before.commune_id)
        .bind(before.id)
        .bind(version)
        .bind(field.to_string())
        .bind(before.value(field))
        .bind(value.clone())
        .bind(account)
        .bind(source.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    let after = |f: &str| {
        changes
            .iter()
            .find(|(k, _)| *k == f)
            .map_or_else(|| before.value(f), |(_, v)| v.clone())
    };
    crate::db::query(
        "UPDATE businesses SET version = $1, updated_at = $2, search_text = $3 WHERE id = $4",
    )
    .bind(version)
    .bind(now)
    .bind(search_text(
        &before.name,
        before.owner_name.as_deref(),
        after("products").as_deref(),
    ))
    .bind(before.id)
    .execute(&mut *conn)
    .await?;
    Ok(version)
}

pub async fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<()> {
    crate::db::query("UPDATE businesses SET active = 0, updated_at = $1 WHERE id = $2")
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Change {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: Option<String>,
    pub source: String,
    pub changed_at: i64,
}

impl Change {
    pub fn field_label(&self) -> &'static str {
        crate::businesses::field_label(&self.field)
    }
    pub fn new_label(&self) -> String {
        crate::businesses::value_label(&self.field, self.new_value.as_deref())
    }
    pub fn when(&self) -> String {
        crate::text::format_time(self.changed_at)
    }
}

/// A business's history, newest first.
pub async fn history(db: &Db, id: i64) -> Result<Vec<Change>> {
    db.fetch_all(
        "SELECT c.field, c.old_value, c.new_value, COALESCE(a.full_name, a.username) AS changed_by, \
         c.source, c.changed_at FROM business_changes c LEFT JOIN accounts a ON a.id = c.account_id \
         WHERE c.business_id = $1 ORDER BY c.version DESC, c.id DESC",
        &[id.into()],
    )
    .await
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub field: String,
    pub proposed_value: Option<String>,
    pub current_value: Option<String>,
    pub sent_by: Option<String>,
}

impl Conflict {
    pub fn field_label(&self) -> &'static str {
        crate::businesses::field_label(&self.field)
    }
    pub fn proposed_label(&self) -> String {
        crate::businesses::value_label(&self.field, self.proposed_value.as_deref())
    }
    pub fn current_label(&self) -> String {
        crate::businesses::value_label(&self.field, self.current_value.as_deref())
    }
}

pub struct NewConflict<'a> {
    pub business: &'a Business,
    pub client_id: &'a str,
    pub account_id: i64,
    pub field: &'a str,
    pub base_version: i64,
    pub proposed_value: Option<String>,
    pub current_value: Option<String>,
}

pub async fn add_conflict(conn: &mut AnyConnection, c: NewConflict<'_>) -> Result<()> {
    crate::db::query(
        "INSERT INTO business_conflicts (commune_id, hamlet_id, business_id, client_id, account_id, \
         field, base_version, proposed_value, current_value, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.business.commune_id)
    .bind(c.business.hamlet_id)
    .bind(c.business.id)
    .bind(c.client_id.to_string())
    .bind(c.account_id)
    .bind(c.field.to_string())
    .bind(c.base_version)
    .bind(c.proposed_value)
    .bind(c.current_value)
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The open conflicts of a business.
pub async fn conflicts(db: &Db, id: i64) -> Result<Vec<Conflict>> {
    db.fetch_all(
        "SELECT c.id, c.field, c.proposed_value, c.current_value, \
         COALESCE(a.full_name, a.username) AS sent_by FROM business_conflicts c \
         LEFT JOIN accounts a ON a.id = c.account_id \
         WHERE c.business_id = $1 AND c.status = 'open' ORDER BY c.id",
        &[id.into()],
    )
    .await
}

/// How many conflicts wait in the scope.
pub async fn open_conflicts(db: &Db, scope: PersonalScope) -> Result<i64> {
    let mut f = Filter::default();
    f.add("commune_id = ?", scope.commune_id);
    f.raw("status = 'open'");
    if let Some(h) = scope.hamlet_id {
        f.add("hamlet_id = ?", h);
    }
    db.scalar_i64(
        &format!("SELECT COUNT(*) FROM business_conflicts{}", f.where_sql()),
        &f.params,
    )
    .await
}

/// An open conflict of this business: (field, proposed value).
pub async fn conflict_on(
    conn: &mut AnyConnection,
    business: i64,
    conflict: i64,
) -> Result<(String, Option<String>)> {
    let row: Option<(String, Option<String>)> = crate::db::query_as(
        "SELECT field, proposed_value FROM business_conflicts \
         WHERE id = $1 AND business_id = $2 AND status = 'open'",
    )
    .bind(conflict)
    .bind(business)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or(AppError::NotFound)
}

/// Closes an open conflict; 404 when it was closed meanwhile (two choices at once apply once).
pub async fn close_conflict(
    conn: &mut AnyConnection,
    conflict: i64,
    accepted: bool,
    account: i64,
) -> Result<()> {
    let n = crate::db::query(
        "UPDATE business_conflicts SET status = $1, resolved_by = $2, resolved_at = $3 \
         WHERE id = $4 AND status = 'open'",
    )
    .bind(if accepted { "accepted" } else { "rejected" })
    .bind(account)
    .bind(super::now())
    .bind(conflict)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The commune's hamlets and its businesses as an import compares them, read on `conn`.
async fn import_basis(
    conn: &mut AnyConnection,
    commune: i64,
) -> Result<(Vec<(i64, String)>, Vec<crate::import::businesses::Existing>)> {
    let hamlets: Vec<(i64, String)> = crate::db::query_as(
        "SELECT id, name FROM areas WHERE commune_id = $1 AND level = 'hamlet' AND active = 1",
    )
    .bind(commune)
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<Business> = crate::db::query_as(&format!(
        "{SELECT} WHERE b.commune_id = $1 AND b.active = 1"
    ))
    .bind(commune)
    .fetch_all(&mut *conn)
    .await?;
    let existing = rows
        .into_iter()
        .map(|b| crate::import::businesses::Existing {
            id: b.id,
            hamlet_id: b.hamlet_id,
            tracked: crate::businesses::TRACKED
                .iter()
                .map(|f| (*f, b.value(f)))
                .collect(),
            name: b.name,
            owner_name: b.owner_name,
            kind: b.kind,
        })
        .collect();
    Ok((hamlets, existing))
}

/// Reads a business list and compares it with the commune's register; nothing is written.
pub async fn prepare_import(
    db: &Db,
    commune: i64,
    file_name: &str,
    bytes: &[u8],
    today: &str,
) -> Result<(
    crate::import::businesses::BusinessSheet,
    crate::import::businesses::BusinessPlan,
)> {
    let (name, bytes, day) = (file_name.to_string(), bytes.to_vec(), today.to_string());
    let sheet = tokio::task::spawn_blocking(move || {
        let table = crate::import::read::table(&name, &bytes)?;
        crate::import::businesses::businesses(&table, &day)
    })
    .await
    .map_err(|e| AppError::Internal(format!("import: {e}")))?
    .map_err(AppError::invalid)?;
    let mut conn = db.begin_read().await?;
    let (hamlets, existing) = import_basis(&mut conn, commune).await?;
    let plan = crate::import::businesses::plan(sheet.clone(), &hamlets, &existing);
    Ok((sheet, plan))
}

/// Writes a previewed list in one transaction, compared again inside it (what changed since
/// the preview is taken into account; the same list twice adds nothing).
pub async fn apply_import(
    db: &Db,
    src: &crate::db::imports::Source<'_>,
    sheet: crate::import::businesses::BusinessSheet,
    today: &str,
) -> Result<crate::db::imports::Applied> {
    use crate::import::businesses::Action;
    let mut tx = db.begin_write().await?;
    let (hamlets, existing) = import_basis(&mut tx, src.commune_id).await?;
    let plan = crate::import::businesses::plan(sheet, &hamlets, &existing);
    for item in &plan.items {
        let r = &item.row;
        let (id, action, changes) = match &item.action {
            Action::Unchanged(_) => continue,
            Action::Add => {
                let id = insert(
                    &mut tx,
                    src.commune_id,
                    src.account_id,
                    &NewBusiness {
                        hamlet_id: item.hamlet_id,
                        name: &r.name,
                        owner_name: r.owner_name.as_deref(),
                        owner_resident_id: None,
                        kind: r.kind.unwrap_or("household"),
                        products: None,
                        address: None,
                        phone: None,
                        registered_on: today,
                        import_key: Some(&crate::text::fold(&r.name)),
                    },
                )
                .await?;
                let changes = crate::import::businesses::plan_row_changes(r);
                (id, "import_add", changes)
            }
            Action::Update {
                id,
                details,
                changes,
            } => {
                if *details {
                    let b = get_on(&mut tx, *id).await?.ok_or(AppError::NotFound)?;
                    let owner = r.owner_name.clone().or(b.owner_name.clone());
                    let kind = r.kind.map(str::to_string).or(b.kind.clone());
                    rename(
                        &mut tx,
                        &b,
                        &b.name,
                        owner.as_deref(),
                        kind.as_deref().unwrap_or("household"),
                    )
                    .await?;
                }
                (*id, "import_update", changes.clone())
            }
        };
        if !changes.is_empty() {
            let b = get_on(&mut tx, id).await?.ok_or(AppError::NotFound)?;
            apply(&mut tx, &b, &changes, src.account_id, "import").await?;
        }
        let fields: Vec<&str> = changes.iter().map(|(f, _)| *f).collect();
        super::audit::record(
            &mut tx,
            super::audit::Entry {
                commune_id: Some(src.commune_id),
                account_id: src.account_id,
                action,
                entity: "businesses",
                entity_id: Some(id),
            },
            None::<&()>,
            Some(&fields),
        )
        .await?;
    }
    let applied = crate::db::imports::Applied {
        added: plan.count(|a| *a == Action::Add),
        updated: plan.count(|a| matches!(a, Action::Update { .. })),
        unchanged: plan.count(|a| matches!(a, Action::Unchanged(_))),
        rejected: plan.rejected.len(),
        households_added: 0,
    };
    super::audit::record(
        &mut tx,
        super::audit::Entry {
            commune_id: Some(src.commune_id),
            account_id: src.account_id,
            action: "import",
            entity: "businesses",
            entity_id: None,
        },
        None::<&()>,
        Some(&applied),
    )
    .await?;
    tx.commit().await?;
    Ok(applied)
}
