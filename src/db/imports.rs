//! Loads what an import compares against and applies a confirmed plan: every valid row in one
//! transaction, with the audit, service statuses and indicator counts of the same changes.

use super::batch::{Rows, Statement};
use super::{Db, Param};
use crate::crypto::Keys;
use crate::error::{AppError, Result};
use crate::import::Sheet;
use crate::import::members::{ExistingMember, MemberAction, MemberPlan, Team};
use crate::import::plan::{Action, Current, ExistingHousehold, ExistingResident, Hamlet, Plan};
use crate::text;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(sqlx::FromRow)]
struct ResidentRow {
    id: i64,
    hamlet_id: i64,
    household_id: i64,
    household_code: String,
    cccd_hash: Option<String>,
    full_name: String,
    birth_date: Option<String>,
    birth_year: Option<i64>,
    gender: Option<String>,
    phone: Option<String>,
    relation: Option<String>,
    has_smartphone: Option<i64>,
    notes: Option<String>,
    active: i64,
    consent: i64,
    version: i64,
}

/// The commune's hamlets, households, residents (also those no longer followed, and the
/// erased) and their completed services, read on `conn` (inside the applying transaction, so
/// the plan is made against what the transaction sees); `hashes` are the file's citizen IDs,
/// checked against other communes.
pub async fn current(
    conn: &mut AnyConnection,
    commune_id: i64,
    hashes: &[String],
) -> Result<Current> {
    let hamlets: Vec<(i64, String, i64)> = crate::db::query_as(
        "SELECT id, name, active FROM areas WHERE parent_id = $1 AND level = 'hamlet'",
    )
    .bind(commune_id)
    .fetch_all(&mut *conn)
    .await?;
    let hamlets = hamlets
        .into_iter()
        .map(|(id, name, active)| Hamlet {
            id,
            name,
            active: active == 1,
        })
        .collect();
    let households: Vec<(i64, String, i64)> =
        crate::db::query_as("SELECT id, code, hamlet_id FROM households WHERE commune_id = $1")
            .bind(commune_id)
            .fetch_all(&mut *conn)
            .await?;
    let rows: Vec<ResidentRow> = crate::db::query_as(
        "SELECT r.id, r.hamlet_id, r.household_id, h.code AS household_code, r.cccd_hash, r.full_name, \
         r.birth_date, r.birth_year, r.gender, r.phone, r.relation, r.has_smartphone, r.notes, r.active, \
         r.consent, r.version FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE r.commune_id = $1 ORDER BY r.id",
    )
    .bind(commune_id)
    .fetch_all(&mut *conn)
    .await?;
    let done: Vec<(i64, String)> = crate::db::query_as(
        "SELECT resident_id, service_code FROM resident_services \
         WHERE commune_id = $1 AND status = 'done'",
    )
    .bind(commune_id)
    .fetch_all(&mut *conn)
    .await?;
    let elsewhere = held_elsewhere(conn, commune_id, hashes).await?;
    let mut done_by: HashMap<i64, Vec<String>> = HashMap::new();
    for (r, s) in done {
        done_by.entry(r).or_default().push(s);
    }
    let services = super::services::codes_in_force(conn, commune_id)
        .await?
        .into_iter()
        .collect();
    Ok(Current {
        hamlets,
        households: households
            .into_iter()
            .map(|(id, code, hamlet_id)| ExistingHousehold {
                id,
                code,
                hamlet_id,
            })
            .collect(),
        residents: rows
            .into_iter()
            .map(|r| ExistingResident {
                services_done: done_by.remove(&r.id).unwrap_or_default(),
                active: r.active == 1,
                erased: r.consent == 0 && r.full_name == super::personal::ERASED_NAME,
                version: r.version,
                id: r.id,
                hamlet_id: r.hamlet_id,
                household_id: r.household_id,
                household_code: r.household_code,
                cccd_hash: r.cccd_hash,
                full_name: r.full_name,
                birth_date: r.birth_date,
                birth_year: r.birth_year,
                gender: r.gender,
                phone: r.phone,
                relation: r.relation,
                has_smartphone: r.has_smartphone,
                notes: r.notes,
            })
            .collect(),
        services,
        elsewhere,
    })
}

/// Which of these citizen-ID hashes belong to residents of other communes.
async fn held_elsewhere(
    conn: &mut AnyConnection,
    commune_id: i64,
    hashes: &[String],
) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in hashes.chunks(1000) {
        let mut params: Vec<Param> = vec![commune_id.into()];
        let marks: Vec<String> = chunk
            .iter()
            .map(|h| {
                params.push(h.clone().into());
                format!("${}", params.len())
            })
            .collect();
        let sql = format!(
            "SELECT cccd_hash FROM residents WHERE commune_id <> $1 AND cccd_hash IN ({})",
            marks.join(", ")
        );
        let rows: Vec<(String,)> = super::bind_as(crate::db::query_as(&sql), &params)
            .fetch_all(&mut *conn)
            .await?;
        out.extend(rows.into_iter().map(|(h,)| h));
    }
    Ok(out)
}

/// What an applied import wrote.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Applied {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub households_added: usize,
}

/// Who imports what, for the audit.
pub struct Source<'a> {
    pub commune_id: i64,
    pub account_id: Option<i64>,
    pub file_name: &'a str,
}

#[derive(Serialize)]
struct AuditValues<'a> {
    household_code: &'a str,
    full_name: &'a str,
    birth_date: &'a Option<String>,
    birth_year: Option<i64>,
    gender: &'a Option<String>,
    phone: &'a Option<String>,
    relation: &'a Option<String>,
    has_smartphone: Option<i64>,
    notes: &'a Option<String>,
    cccd_masked: Option<String>,
    services_done: &'a [&'static str],
}

const REBUILD_ABOVE: usize = 3000;
/// Residents updated per statement.
const UPDATE_ROWS: usize = 300;

/// Writes queued resident updates, many to a statement (`UPDATE … FROM (VALUES …)`, which both
/// databases have), each only over the version this transaction read.
pub async fn update_residents(
    conn: &mut AnyConnection,
    rows: &mut Vec<Vec<Param>>,
    now: i64,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sqlite = conn.backend_name() == "SQLite";
    update_statement(rows, now, sqlite)?.run(conn).await
}

/// The statement of [`update_residents`], taking the queued rows.
fn update_statement(rows: &mut Vec<Vec<Param>>, now: i64, sqlite: bool) -> Result<Statement> {
    let mut values = String::new();
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        values.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..row.len() {
            n += 1;
            if c > 0 {
                values.push_str(", ");
            }
            if sqlite {
                values.push('?');
            } else {
                values.push_str(&format!("${n}"));
            }
        }
        values.push(')');
    }
    // VALUES columns are named column1, column2, … on both databases.
    let sql = format!(
        "UPDATE residents SET household_id = v.column3, hamlet_id = v.column4, full_name = v.column5, \
         search_text = v.column6, sort_key = v.column7, birth_date = v.column8, birth_year = v.column9, \
         gender = v.column10, phone = v.column11, relation = v.column12, has_smartphone = v.column13, \
         notes = v.column14, cccd_enc = COALESCE(v.column15, residents.cccd_enc), \
         cccd_hash = COALESCE(v.column16, residents.cccd_hash), \
         cccd_masked = COALESCE(v.column17, residents.cccd_masked), \
         version = residents.version + 1, updated_at = {now} \
         FROM (VALUES {values}) AS v WHERE residents.id = v.column1 AND residents.version = v.column2"
    );
    let expected = rows.len() as u64;
    let args = super::batch::arguments(rows.drain(..).flatten())?;
    // Changed by someone else since this transaction read it (PostgreSQL lets another write
    // commit meanwhile): start again rather than write over it.
    Ok(Statement::new(sql.into(), args).expecting(
        expected,
        "Một nhân khẩu trong tệp vừa được sửa ở nơi khác trong lúc nhập; không có gì được ghi. \
         Hãy nhập lại.",
    ))
}

/// What a plan does with each line: add, update or leave which resident, or reject.
fn decisions(p: &Plan) -> Vec<(usize, u8, i64)> {
    p.items
        .iter()
        .map(|i| match &i.action {
            Action::Add => (i.line, 0, 0),
            Action::Update { id, .. } => (i.line, 1, *id),
            Action::Unchanged { id } => (i.line, 2, *id),
        })
        .chain(p.rejected.iter().map(|r| (r.line, 3, 0)))
        .collect()
}

/// Applies the plan in one transaction. `progress(done, total)` is called as rows are written.
pub async fn apply_residents(
    db: &Db,
    keys: &Keys,
    src: &Source<'_>,
    prepared: Prepared,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Applied> {
    // The preview's plan is needed only for its decisions, and the rows move into the new
    // plan: a large file is held once while it is written, not three times.
    let Prepared {
        sheet,
        plan: previewed,
    } = prepared;
    // Shadowing would keep the previewed plan alive to the end: drop it once decided.
    let previewed = {
        let plan = previewed;
        decisions(&plan)
    };
    let mut tx = db.begin_write().await?;
    let conn: &mut AnyConnection = &mut tx;
    // One import at a time per commune (the page, the API and the command line alike); on
    // SQLite the write transaction already is one at a time.
    if db.backend == super::Backend::Postgres {
        crate::db::query("SELECT pg_advisory_xact_lock(7106, $1::int)")
            .bind(src.commune_id)
            .execute(&mut *conn)
            .await?;
    }
    // Compared again with what this transaction sees: a preview may be an hour old.
    let current = current(conn, src.commune_id, &hashes_of(keys, &sheet)).await?;
    let plan = crate::import::plan::plan(sheet, &current, &|c| keys.match_hash(c));
    let current = &current;
    let plan = &plan;
    // The same decision for every row, not only the same totals.
    if decisions(plan) != previewed {
        return Err(AppError::invalid(
            "Dữ liệu của xã đã thay đổi từ lúc xem trước (có người vừa sửa hoặc nhập). \
             Hãy tải tệp lên lại để xem trước rồi xác nhận.",
        ));
    }
    let now = super::now();
    let today = super::today();
    let commune = src.commune_id;
    let total = plan.adds() + plan.updates();
    progress(0, total);

    // The field-change log is stamped once per household at the end, not row by row.
    let held = super::field_changes::hold(conn).await?;
    // Ids reserved up front: nothing is read back to learn them.
    let household_ids =
        super::batch::reserve_ids(conn, "households", plan.new_households.len()).await?;
    let resident_ids = super::batch::reserve_ids(conn, "residents", plan.adds()).await?;
    // Rows are prepared while the database writes the previous statement.
    let (touched_pairs, fresh, others) = super::batch::pipeline(conn, async |q| {
        let mut touched_pairs: BTreeSet<(i64, i64)> = BTreeSet::new();
        let mut households = Rows::new(
            "households",
            "id, commune_id, hamlet_id, code, address, head_name, search_text, active, created_at, updated_at",
        );
        let mut household_id: HashMap<&str, i64> = current
            .households
            .iter()
            .map(|h| (h.code.as_str(), h.id))
            .collect();
        let mut new_household_ids: HashSet<i64> = HashSet::new();
        for (h, id) in plan.new_households.iter().zip(household_ids) {
            new_household_ids.insert(id);
            let search = text::fold(&format!(
                "{} {} {}",
                h.code,
                h.head_name.as_deref().unwrap_or(""),
                h.address.as_deref().unwrap_or("")
            ));
            household_id.insert(&h.code, id);
            touched_pairs.insert((h.hamlet_id, id));
            q.push(&mut households, vec![
                id.into(),
                commune.into(),
                h.hamlet_id.into(),
                h.code.clone().into(),
                h.address.clone().into(),
                h.head_name.clone().into(),
                search.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]).await?;
        }
        q.finish(&mut households).await?;
        let hh = |code: &str| household_id.get(code).copied().unwrap_or(0);

        // New residents, many to a statement.
        let mut resident_ids = resident_ids.into_iter();
        let mut residents = Rows::new(
            "residents",
            "id, commune_id, hamlet_id, household_id, full_name, search_text, sort_key, birth_date, birth_year, \
             gender, cccd_enc, cccd_hash, cccd_masked, phone, relation, has_smartphone, status, notes, consent, \
             active, version, created_at, updated_at",
        );
        let mut added_id: Vec<i64> = Vec::with_capacity(plan.adds());
        let mut written: usize = 0;
        for item in plan.items.iter().filter(|i| i.action == Action::Add) {
            let v = &item.values;
            let (enc, hash, masked) = super::residents::cccd_columns(keys, item.cccd.as_deref());
            let id = resident_ids.next().ok_or_else(|| {
                AppError::Internal("import: fewer ids reserved than residents added".into())
            })?;
            added_id.push(id);
            q.push(&mut residents, vec![
                id.into(),
                commune.into(),
                item.hamlet_id.into(),
                hh(&v.household_code).into(),
                v.full_name.clone().into(),
                text::fold(&v.full_name).into(),
                text::sort_key(&v.full_name).into(),
                v.birth_date.clone().into(),
                v.birth_year.into(),
                v.gender.clone().into(),
                enc.into(),
                hash.into(),
                masked.into(),
                v.phone.clone().into(),
                v.relation.clone().into(),
                v.has_smartphone.into(),
                "living".into(),
                v.notes.clone().into(),
                1i64.into(),
                1i64.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]).await?;
            written += 1;
            if written.is_multiple_of(2000) {
                progress(written, total);
            }
        }
        q.finish(&mut residents).await?;
        let mut added_id = added_id.into_iter();

        // Residents added to a household the import created, with no stored resident moving in,
        // are counted from what the import holds; every other written resident is refreshed (or,
        // past a few thousand, the commune rebuilt).
        let moved_into: HashSet<i64> = plan
            .items
            .iter()
            .filter(|i| matches!(i.action, Action::Update { .. }))
            .map(|i| hh(&i.values.household_code))
            .collect();
        let mut fresh: Vec<super::indicator_sources::Fresh> = Vec::new();
        let mut others: Vec<i64> = Vec::new();
        // Changed residents, one statement each.
        let stored: HashMap<i64, &ExistingResident> =
            current.residents.iter().map(|r| (r.id, r)).collect();
        let mut touched: Vec<i64> = Vec::new();
        let mut audit = Rows::new(
            "audit_log",
            "commune_id, account_id, at, action, entity, entity_id, before_json, after_json",
        );
        let mut updates: Vec<Vec<Param>> = Vec::new();
        let mut history = Rows::new(
            "service_status_history",
            "commune_id, resident_id, service_code, status, status_date, recorded_by, recorded_at, help_id",
        );
        // A new resident has no status yet: plain rows. A stored one may have one (not done).
        let mut services_added = Rows::new(
            "resident_services",
            "commune_id, resident_id, service_code, status, status_date, recorded_by, updated_at",
        );
        let mut services = Rows::new(
            "resident_services",
            "commune_id, resident_id, service_code, status, status_date, recorded_by, updated_at",
        )
        .on_conflict(
            "ON CONFLICT (resident_id, service_code) DO UPDATE SET status = excluded.status, \
             status_date = excluded.status_date, recorded_by = excluded.recorded_by, \
             updated_at = excluded.updated_at",
        );
        for item in &plan.items {
            let v = &item.values;
            let mut before = None;
            let id = match &item.action {
                Action::Unchanged { .. } => continue,
                // In the order they were written.
                Action::Add => added_id
                    .next()
                    .ok_or_else(|| AppError::Internal("import: an added resident has no id".into()))?,
                Action::Update { id, .. } => {
                    let id = *id;
                    let e = stored.get(&id).copied();
                    // A citizen ID filling a blank; none keeps the stored one.
                    let (enc, hash, masked) =
                        super::residents::cccd_columns(keys, item.cccd.as_deref());
                    updates.push(vec![
                        id.into(),
                        e.map_or(-1, |e| e.version).into(),
                        hh(&v.household_code).into(),
                        item.hamlet_id.into(),
                        v.full_name.clone().into(),
                        text::fold(&v.full_name).into(),
                        text::sort_key(&v.full_name).into(),
                        v.birth_date.clone().into(),
                        v.birth_year.into(),
                        v.gender.clone().into(),
                        v.phone.clone().into(),
                        v.relation.clone().into(),
                        v.has_smartphone.into(),
                        v.notes.clone().into(),
                        enc.into(),
                        hash.into(),
                        masked.into(),
                    ]);
                    if updates.len() >= UPDATE_ROWS {
                        q.send(update_statement(&mut updates, now, q.sqlite())?).await?;
                    }
                    if let Some(e) = e {
                        touched_pairs.insert((e.hamlet_id, e.household_id));
                        let values = AuditValues {
                            household_code: &e.household_code,
                            full_name: &e.full_name,
                            birth_date: &e.birth_date,
                            birth_year: e.birth_year,
                            gender: &e.gender,
                            phone: &e.phone,
                            relation: &e.relation,
                            has_smartphone: e.has_smartphone,
                            notes: &e.notes,
                            cccd_masked: None,
                            services_done: &[],
                        };
                        before = serde_json::to_string(&values).ok();
                    }
                    written += 1;
                    if written.is_multiple_of(500) {
                        progress(written, total);
                    }
                    id
                }
            };
            touched.push(id);
            let household = hh(&v.household_code);
            touched_pairs.insert((item.hamlet_id, household));
            if item.action == Action::Add
                && new_household_ids.contains(&household)
                && !moved_into.contains(&household)
            {
                fresh.push(super::indicator_sources::Fresh {
                    id,
                    commune_id: commune,
                    hamlet_id: item.hamlet_id,
                    household_id: household,
                    birth_date: v.birth_date.clone(),
                    birth_year: v.birth_year,
                    has_smartphone: v.has_smartphone,
                    done: item
                        .services_done
                        .iter()
                        .map(|c| (c.to_string(), today.clone()))
                        .collect(),
                });
            } else {
                others.push(id);
            }
            let statuses = if item.action == Action::Add {
                &mut services_added
            } else {
                &mut services
            };
            for code in &item.services_done {
                q.push(&mut history, vec![
                    commune.into(),
                    id.into(),
                    code.to_string().into(),
                    "done".into(),
                    today.clone().into(),
                    src.account_id.into(),
                    now.into(),
                    Param::NullInt,
                ]).await?;
                q.push(statuses, vec![
                    commune.into(),
                    id.into(),
                    code.to_string().into(),
                    "done".into(),
                    today.clone().into(),
                    src.account_id.into(),
                    now.into(),
                ]).await?;
            }
            let after = AuditValues {
                household_code: &v.household_code,
                full_name: &v.full_name,
                birth_date: &v.birth_date,
                birth_year: v.birth_year,
                gender: &v.gender,
                phone: &v.phone,
                relation: &v.relation,
                has_smartphone: v.has_smartphone,
                notes: &v.notes,
                cccd_masked: item.cccd.as_deref().map(text::mask_cccd),
                services_done: &item.services_done,
            };
            let after = serde_json::to_string(&after).ok();
            let action = if item.action == Action::Add {
                "import_add"
            } else {
                "import_update"
            };
            q.push(&mut audit, vec![
                commune.into(),
                src.account_id.into(),
                now.into(),
                action.into(),
                "resident".into(),
                id.into(),
                before.into(),
                after.into(),
            ]).await?;
        }
        if !updates.is_empty() {
            q.send(update_statement(&mut updates, now, q.sqlite())?).await?;
        }
        q.finish(&mut audit).await?;
        q.finish(&mut history).await?;
        q.finish(&mut services_added).await?;
        q.finish(&mut services).await?;
        Ok((touched_pairs, fresh, others))
    })
    .await?;
    super::field_changes::release(conn, held, &touched_pairs).await?;
    // Refreshing entity by entity costs about 0.2 ms each (20 s for 100,000 new residents);
    // past a few thousand rows recomputing the whole commune at once is faster (about 3 s
    // with those 100,000; docs/benchmarks.md).
    if others.len() > REBUILD_ABOVE {
        super::indicator_sources::rebuild_commune(conn, commune).await?;
    } else {
        super::indicator_sources::refresh_residents(conn, &others).await?;
        super::indicator_sources::add_fresh(conn, &fresh).await?;
    }
    let applied = Applied {
        added: plan.adds(),
        updated: plan.updates(),
        unchanged: plan.unchanged(),
        rejected: plan.rejected.len(),
        households_added: plan.new_households.len(),
    };
    #[derive(Serialize)]
    struct Summary<'a> {
        file: &'a str,
        #[serde(flatten)]
        applied: &'a Applied,
    }
    super::audit::record(
        conn,
        super::audit::Entry {
            commune_id: Some(commune),
            account_id: src.account_id,
            action: "import",
            entity: "residents",
            entity_id: None,
        },
        None::<&()>,
        Some(&Summary {
            file: src.file_name,
            applied: &applied,
        }),
    )
    .await?;
    tx.commit().await?;
    // A large file changes the tables' sizes: plans must know at once.
    db.analyze(IMPORTED).await?;
    progress(total, total);
    Ok(applied)
}

/// The tables a resident import writes.
const IMPORTED: &[&str] = &[
    "households",
    "residents",
    "resident_services",
    "service_status_history",
    "resident_changes",
    "field_changes",
];

/// The commune's teams and their active members, for a member import.
pub async fn member_teams(db: &Db, commune_id: i64) -> Result<(Vec<Team>, Vec<ExistingMember>)> {
    let teams: Vec<(i64, String, Option<String>)> = db
        .fetch_all(
            "SELECT t.id, t.kind, a.name FROM teams t JOIN areas a ON a.id = t.area_id \
             WHERE t.commune_id = $1 AND t.active = 1",
            &[commune_id.into()],
        )
        .await?;
    #[allow(clippy::type_complexity)] // one member row
    let members: Vec<(i64, i64, String, Option<String>, String, String, Option<String>, Option<String>)> = db
        .fetch_all(
            "SELECT id, team_id, full_name, phone, position, affiliation, affiliation_detail, joined_on \
             FROM members WHERE commune_id = $1 AND active = 1",
            &[commune_id.into()],
        )
        .await?;
    Ok((
        teams
            .into_iter()
            .map(|(id, kind, name)| Team {
                id,
                hamlet_name: if kind == "hamlet" { name } else { None },
            })
            .collect(),
        members
            .into_iter()
            .map(
                |(
                    id,
                    team_id,
                    full_name,
                    phone,
                    position,
                    affiliation,
                    affiliation_detail,
                    joined_on,
                )| {
                    ExistingMember {
                        joined_on,
                        id,
                        team_id,
                        full_name,
                        phone,
                        position,
                        affiliation,
                        affiliation_detail,
                    }
                },
            )
            .collect(),
    ))
}

/// Applies a member plan in one transaction, audited member by member.
pub async fn apply_members(db: &Db, src: &Source<'_>, plan: &MemberPlan) -> Result<Applied> {
    let mut tx = db.begin_write().await?;
    let today = super::today();
    for (_, v, action) in &plan.items {
        let edit = super::members::MemberEdit {
            full_name: v.full_name.clone(),
            phone: v.phone.clone(),
            position: v.position.clone(),
            affiliation: v.affiliation.clone(),
            affiliation_detail: v.affiliation_detail.clone(),
            joined_on: match action {
                MemberAction::Add => Some(today.clone()),
                _ => v.joined_on.clone(),
            },
        };
        let (id, name) = match action {
            MemberAction::Unchanged(_) => continue,
            MemberAction::Add => (
                super::members::insert(&mut tx, src.commune_id, v.team_id, &edit).await?,
                "import_add",
            ),
            MemberAction::Update(id) => {
                super::members::update(&mut tx, *id, &edit).await?;
                (*id, "import_update")
            }
        };
        super::audit::record(
            &mut tx,
            super::audit::Entry {
                commune_id: Some(src.commune_id),
                account_id: src.account_id,
                action: name,
                entity: "member",
                entity_id: Some(id),
            },
            None::<&()>,
            Some(&edit),
        )
        .await?;
    }
    let applied = Applied {
        added: plan.count(|a| *a == MemberAction::Add),
        updated: plan.count(|a| matches!(a, MemberAction::Update(_))),
        unchanged: plan.count(|a| matches!(a, MemberAction::Unchanged(_))),
        rejected: plan.rejected.len(),
        households_added: 0,
    };
    super::audit::record(
        &mut tx,
        super::audit::Entry {
            commune_id: Some(src.commune_id),
            account_id: src.account_id,
            action: "import",
            entity: "members",
            entity_id: None,
        },
        None::<&()>,
        Some(&applied),
    )
    .await?;
    tx.commit().await?;
    Ok(applied)
}

/// A file read and compared, ready to preview and to apply.
pub struct Prepared {
    /// The rows as read: applying compares them again, inside its transaction.
    pub sheet: Sheet<crate::import::ResidentRow>,
    pub plan: Plan,
}

/// Reads a resident list and compares it with the commune's data; nothing is written.
pub async fn prepare_residents(
    db: &Db,
    keys: &Keys,
    commune_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
    today: &str,
) -> Result<Prepared> {
    let name = file_name.to_string();
    let day = today.to_string();
    // Reading a large workbook is seconds of CPU: off the async workers.
    let sheet = tokio::task::spawn_blocking(move || {
        let table = crate::import::read::table(&name, &bytes)?;
        crate::import::residents(&table, &day)
    })
    .await
    .map_err(|e| AppError::Internal(format!("import: {e}")))?
    .map_err(AppError::invalid)?;
    // The workbook's cells were freed on the blocking thread, where this task cannot reuse them.
    crate::memory::give_back();
    let mut conn = db.begin_read().await?;
    let current = current(&mut conn, commune_id, &hashes_of(keys, &sheet)).await?;
    let plan = crate::import::plan::plan(sheet.clone(), &current, &|c| keys.match_hash(c));
    Ok(Prepared { sheet, plan })
}

fn hashes_of(keys: &Keys, sheet: &Sheet<crate::import::ResidentRow>) -> Vec<String> {
    sheet
        .rows
        .iter()
        .filter_map(|r| r.cccd.as_deref().map(|c| keys.match_hash(c)))
        .collect()
}

/// Reads a member list and compares it with the commune's teams.
pub async fn prepare_members(
    db: &Db,
    commune_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<MemberPlan> {
    let name = file_name.to_string();
    let bytes = bytes.to_vec();
    let sheet = tokio::task::spawn_blocking(move || {
        let table = crate::import::read::table(&name, &bytes)?;
        crate::import::members::members(&table)
    })
    .await
    .map_err(|e| AppError::Internal(format!("import: {e}")))?
    .map_err(AppError::invalid)?;
    let (teams, existing) = member_teams(db, commune_id).await?;
    Ok(crate::import::members::plan(sheet, &teams, &existing))
}
