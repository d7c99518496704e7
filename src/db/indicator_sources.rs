//! Keeps `indicator_counts` equal to the sum of every resident's and household's steps.
//!
//! Every write that can change an indicator calls `refresh_residents` (or `refresh_hamlet`) in
//! its own transaction: the entity's steps are recomputed from the source rows, compared with
//! what `indicator_sources` says it contributed, and the counts move by the difference. So the
//! figures are right as of the last commit, with no nightly job and no cache to go stale.

use super::batch::Rows;
use super::id_set::IdSet;
use super::write_group::WriteGroup;
use super::{Db, Param};
use crate::error::Result;
use crate::indicators::period::{self, FLOOR, Month, NEVER};
use crate::indicators::steps::{self, Open, ResidentInput, Step};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// How many ids go into one `IN (…)` list.
const CHUNK: usize = 500;

#[derive(sqlx::FromRow, Clone)]
struct ResidentRow {
    id: i64,
    commune_id: i64,
    hamlet_id: i64,
    household_id: i64,
    birth_date: Option<String>,
    birth_year: Option<i64>,
    has_smartphone: Option<i64>,
    status: String,
    status_date: Option<String>,
    active: i64,
    household_active: i64,
}

#[derive(sqlx::FromRow)]
struct HamletRow {
    id: i64,
    active: i64,
    opened_on: Option<String>,
    closed_on: Option<String>,
}

fn open_of(h: &HamletRow) -> Open {
    Open::of_hamlet(
        h.active == 1,
        h.opened_on.as_deref(),
        h.closed_on.as_deref(),
    )
}

/// The month a resident stops living here; one who left on an unknown date never counts.
fn leaves(r: &ResidentRow) -> Month {
    if r.status == "living" {
        return NEVER;
    }
    r.status_date
        .as_deref()
        .and_then(period::month_of_date)
        .unwrap_or(FLOOR)
}

/// The residents matching `condition` (on `r`), with what the engine needs of each.
async fn load(
    conn: &mut AnyConnection,
    condition: &str,
    params: &[Param],
) -> Result<Vec<(ResidentRow, ResidentInput)>> {
    let rows: Vec<ResidentRow> = super::bind_as(
        crate::db::query_as(&format!(
            "SELECT r.id, r.commune_id, r.hamlet_id, r.household_id, r.birth_date, r.birth_year, \
             r.has_smartphone, r.status, r.status_date, r.active, h.active AS household_active \
             FROM residents r JOIN households h ON h.id = r.household_id WHERE {condition}"
        )),
        params,
    )
    .fetch_all(&mut *conn)
    .await?;
    let services: Vec<(i64, String, String)> = super::bind_as(
        crate::db::query_as(&format!(
            "SELECT s.resident_id, s.service_code, s.status_date FROM resident_services s \
             JOIN residents r ON r.id = s.resident_id WHERE s.status = 'done' AND {condition}"
        )),
        params,
    )
    .fetch_all(&mut *conn)
    .await?;
    let helps: Vec<(i64, String)> = super::bind_as(
        crate::db::query_as(&format!(
            "SELECT x.resident_id, MIN(x.help_date) FROM help_records x \
             JOIN residents r ON r.id = x.resident_id WHERE {condition} GROUP BY x.resident_id"
        )),
        params,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut done: HashMap<i64, Vec<(String, Month)>> = HashMap::new();
    for (rid, code, date) in services {
        if let Some(m) = period::month_of_date(&date) {
            done.entry(rid).or_default().push((code, m));
        }
    }
    let first_help: HashMap<i64, Month> = helps
        .into_iter()
        .filter_map(|(rid, d)| period::month_of_date(&d).map(|m| (rid, m)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let first = first_help.get(&r.id).copied();
            let input = input_of(&r, first, done.remove(&r.id).unwrap_or_default());
            (r, input)
        })
        .collect())
}

fn input_of(
    r: &ResidentRow,
    first_help: Option<Month>,
    mut done: Vec<(String, Month)>,
) -> ResidentInput {
    // In code order whatever order the database returned them in, so the same resident always
    // stores the same steps (and an unchanged one is not written again).
    done.sort_unstable();
    ResidentInput {
        counted: r.active == 1 && r.household_active == 1,
        adult_from: period::adult_from(r.birth_date.as_deref(), r.birth_year),
        leaves: leaves(r),
        first_help,
        no_smartphone: r.has_smartphone == Some(0),
        done,
    }
}

async fn hamlets(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Open>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let set = IdSet::new(conn, ids);
    let rows: Vec<HamletRow> = crate::db::query_as(&format!(
        "SELECT id, active, opened_on, closed_on FROM areas WHERE {}",
        set.sql("id", 1)
    ))
    .bind(set.text())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(|h| (h.id, open_of(h))).collect())
}

type Sources = Vec<(i64, Source)>;

/// One entity's contribution: where it counts and its steps.
#[derive(PartialEq)]
struct Source {
    commune_id: i64,
    hamlet_id: i64,
    /// A resident's household, so the household is refreshed when the resident leaves it.
    parent_id: Option<i64>,
    steps: Vec<Step>,
}

impl Source {
    fn placed(&self) -> Vec<(i64, Vec<Step>)> {
        vec![
            (self.hamlet_id, self.steps.clone()),
            (self.commune_id, self.steps.clone()),
        ]
    }
}

/// Computes the sources of the given residents and of every household they belong to.
fn compute(
    residents: &[(ResidentRow, ResidentInput)],
    household_members: &[(ResidentRow, ResidentInput)],
    open: &HashMap<i64, Open>,
) -> (Sources, Sources) {
    let open_of = |h: i64| open.get(&h).copied().unwrap_or(Open::ALWAYS);
    let rs = residents
        .iter()
        .map(|(r, input)| {
            (
                r.id,
                Source {
                    commune_id: r.commune_id,
                    hamlet_id: r.hamlet_id,
                    parent_id: Some(r.household_id),
                    steps: steps::resident_steps(input, open_of(r.hamlet_id)),
                },
            )
        })
        .collect();
    let mut by_household: BTreeMap<i64, Vec<&(ResidentRow, ResidentInput)>> = BTreeMap::new();
    for x in household_members {
        by_household.entry(x.0.household_id).or_default().push(x);
    }
    let hs = by_household
        .into_iter()
        .map(|(hid, members)| {
            let r = &members[0].0;
            let inputs: Vec<ResidentInput> = members.iter().map(|m| m.1.clone()).collect();
            (
                hid,
                Source {
                    commune_id: r.commune_id,
                    hamlet_id: r.hamlet_id,
                    parent_id: None,
                    steps: steps::household_steps(&inputs, open_of(r.hamlet_id)),
                },
            )
        })
        .collect();
    (rs, hs)
}

/// The stored sources of these residents and households, in one query; with `left`, also of
/// the households those residents were last counted in (one they have just left).
async fn stored(
    conn: &mut AnyConnection,
    resident_ids: &[i64],
    household_ids: &[i64],
    left: bool,
) -> Result<(HashMap<i64, Source>, HashMap<i64, Source>)> {
    let (mut residents, mut households) = (HashMap::new(), HashMap::new());
    if resident_ids.is_empty() && household_ids.is_empty() {
        return Ok((residents, households));
    }
    let (r, h) = (
        IdSet::new(conn, resident_ids),
        IdSet::new(conn, household_ids),
    );
    // Each part its own index look-up (an OR of them read every household's source).
    let columns = "kind, entity_id, commune_id, hamlet_id, parent_id, steps";
    let parents = if left {
        format!(
            " UNION ALL SELECT {columns} FROM indicator_sources WHERE kind = 'household' \
             AND entity_id IN (SELECT parent_id FROM indicator_sources \
             WHERE kind = 'resident' AND {})",
            r.sql("entity_id", 1)
        )
    } else {
        String::new()
    };
    let rows: Vec<(String, i64, i64, i64, Option<i64>, String)> = crate::db::query_as(&format!(
        "SELECT {columns} FROM indicator_sources WHERE kind = 'resident' AND {} \
         UNION ALL SELECT {columns} FROM indicator_sources WHERE kind = 'household' AND {}{parents}",
        r.sql("entity_id", 1),
        h.sql("entity_id", 2),
    ))
    .bind(r.text())
    .bind(h.text())
    .fetch_all(&mut *conn)
    .await?;
    for (kind, id, commune_id, hamlet_id, parent_id, s) in rows {
        let source = Source {
            commune_id,
            hamlet_id,
            parent_id,
            steps: steps::decode(&s),
        };
        if kind == "resident" {
            residents.insert(id, source);
        } else {
            households.insert(id, source);
        }
    }
    Ok((residents, households))
}

/// Adds the changes to the counts, in key order so concurrent PostgreSQL writers lock rows in
/// the same order and cannot deadlock.
async fn apply(
    conn: &mut AnyConnection,
    changes: &BTreeMap<(i64, String, Month), i64>,
) -> Result<()> {
    let mut group = WriteGroup::new();
    count_changes(&mut group, changes);
    group.run(conn).await
}

fn count_changes(group: &mut WriteGroup, changes: &BTreeMap<(i64, String, Month), i64>) {
    // In key order, so two transactions touching the same rows lock them in the same order.
    let rows: Vec<_> = changes.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in rows.chunks(200) {
        let sql = format!(
            "INSERT INTO indicator_counts (area_id, metric, month, n) VALUES {} \
             ON CONFLICT (area_id, metric, month) DO UPDATE SET n = indicator_counts.n + excluded.n",
            super::value_rows(chunk.len(), 4, 0)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 4);
        for ((area, metric, month), n) in chunk {
            params.extend([
                (*area).into(),
                metric.clone().into(),
                (*month).into(),
                (**n).into(),
            ]);
        }
        group.push(sql, params);
    }
}

/// Replaces the stored sources of one kind and collects the count changes.
fn replace(
    conn: &AnyConnection,
    group: &mut WriteGroup,
    kind: &'static str,
    ids: &[i64],
    mut old: HashMap<i64, Source>,
    fresh: Vec<(i64, Source)>,
    changes: &mut BTreeMap<(i64, String, Month), i64>,
) {
    let mut fresh: HashMap<i64, Source> = fresh.into_iter().collect();
    let (mut upserts, mut deletes) = (Vec::new(), Vec::new());
    for id in ids {
        let before = old.remove(id);
        let after = fresh.remove(id);
        let diff = steps::difference(
            &before.as_ref().map(Source::placed).unwrap_or_default(),
            &after.as_ref().map(Source::placed).unwrap_or_default(),
        );
        for (k, v) in diff {
            *changes.entry(k).or_default() += v;
        }
        match after {
            // Most helps change nothing a count depends on: no write then.
            Some(s) if before.as_ref() == Some(&s) => {}
            Some(s) => upserts.push((*id, s)),
            None if before.is_some() => deletes.push(*id),
            None => {}
        }
    }
    // One statement per two hundred rows, not one per row.
    for chunk in upserts.chunks(200) {
        let sql = format!(
            "INSERT INTO indicator_sources (entity_id, commune_id, hamlet_id, parent_id, steps, kind) \
             VALUES {} ON CONFLICT (kind, entity_id) DO UPDATE SET \
             commune_id = excluded.commune_id, hamlet_id = excluded.hamlet_id, \
             parent_id = excluded.parent_id, steps = excluded.steps",
            super::value_rows(chunk.len(), 5, 1)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 5 + 1);
        for (id, s) in chunk {
            params.extend([
                (*id).into(),
                s.commune_id.into(),
                s.hamlet_id.into(),
                s.parent_id.into(),
                steps::encode(&s.steps).into(),
            ]);
        }
        params.push(kind.into());
        group.push(sql, params);
    }
    for chunk in deletes.chunks(CHUNK) {
        let set = IdSet::new(conn, chunk);
        group.push(
            format!(
                "DELETE FROM indicator_sources WHERE kind = $1 AND {}",
                set.sql("entity_id", 2)
            ),
            vec![kind.into(), set.param()],
        );
    }
}

/// Brings the counts up to date with these residents and their households (also a household
/// a resident has just left).
pub async fn refresh_residents(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let set = IdSet::new(conn, chunk);
        let households = format!(
            "r.household_id IN (SELECT household_id FROM residents WHERE {} \
             UNION SELECT parent_id FROM indicator_sources WHERE kind = 'resident' \
             AND {} AND parent_id IS NOT NULL)",
            set.sql("id", 1),
            set.sql("entity_id", 1)
        );
        let members = load_with_hamlets(conn, &households, set.param()).await?;
        refresh(conn, chunk, &[], members, true).await?;
    }
    Ok(())
}

/// Brings the counts up to date with these households and every resident in them.
pub async fn refresh_households(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let set = IdSet::new(conn, chunk);
        let members = load_with_hamlets(conn, &set.sql("r.household_id", 1), set.param()).await?;
        let residents: Vec<i64> = members.0.iter().map(|(r, _)| r.id).collect();
        refresh(conn, &residents, chunk, members, false).await?;
    }
    Ok(())
}

/// Residents (each with what the engine needs) and the hamlets they live in.
type Loaded = (Vec<(ResidentRow, ResidentInput)>, HashMap<i64, Open>);

/// What `load` and `hamlets` read, in one query instead of four: each is a round trip on
/// PostgreSQL, in every sync batch (issue 16). For the members of up to a chunk of households
/// (a few thousand residents at most, each looked up by index); a whole commune is read by
/// `load`, whose joins suit that size.
async fn load_with_hamlets(
    conn: &mut AnyConnection,
    condition: &str,
    param: Param,
) -> Result<Loaded> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        resident: ResidentRow,
        hamlet_active: i64,
        opened_on: Option<String>,
        closed_on: Option<String>,
        /// A JSON list of [service, date] of the services done.
        done: Option<String>,
        first_help: Option<String>,
    }
    let done = if conn.backend_name() == "PostgreSQL" {
        "json_agg(json_build_array(s.service_code, s.status_date))::text"
    } else {
        "json_group_array(json_array(s.service_code, s.status_date))"
    };
    let rows: Vec<Row> = super::bind_as(
        crate::db::query_as(&format!(
            "SELECT r.id, r.commune_id, r.hamlet_id, r.household_id, r.birth_date, r.birth_year, \
             r.has_smartphone, r.status, r.status_date, r.active, h.active AS household_active, \
             a.active AS hamlet_active, a.opened_on, a.closed_on, \
             (SELECT {done} FROM resident_services s \
              WHERE s.resident_id = r.id AND s.status = 'done') AS done, \
             (SELECT MIN(x.help_date) FROM help_records x WHERE x.resident_id = r.id) AS first_help \
             FROM residents r JOIN households h ON h.id = r.household_id \
             JOIN areas a ON a.id = r.hamlet_id WHERE {condition}"
        )),
        &[param],
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut open = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        open.entry(row.resident.hamlet_id).or_insert_with(|| {
            open_of(&HamletRow {
                id: row.resident.hamlet_id,
                active: row.hamlet_active,
                opened_on: row.opened_on.clone(),
                closed_on: row.closed_on.clone(),
            })
        });
        // A list the database itself made: one it cannot read is a fault, not "nothing done".
        let pairs: Vec<(String, String)> = match row.done.as_deref() {
            Some(j) => serde_json::from_str(j).map_err(|e| {
                crate::error::AppError::Internal(format!("indicator sources: services done: {e}"))
            })?,
            None => Vec::new(),
        };
        let done = pairs
            .into_iter()
            .filter_map(|(code, date)| period::month_of_date(&date).map(|m| (code, m)))
            .collect();
        let first = row.first_help.as_deref().and_then(period::month_of_date);
        let input = input_of(&row.resident, first, done);
        out.push((row.resident, input));
    }
    Ok((out, open))
}

/// Recomputes the sources of these residents and of the households `members` were read for
/// (and those in `household_ids`, even if now empty), and moves the counts by the difference.
/// With `left`, `members` were read for the households the residents were last counted in
/// too, and one of those now empty loses its source.
async fn refresh(
    conn: &mut AnyConnection,
    resident_ids: &[i64],
    household_ids: &[i64],
    (members, mut open): Loaded,
    left: bool,
) -> Result<()> {
    // The residents being refreshed are usually members of those households: load only the
    // ones that are not (one that no longer exists).
    let loaded: std::collections::HashSet<i64> = members.iter().map(|(r, _)| r.id).collect();
    let missing: Vec<i64> = resident_ids
        .iter()
        .copied()
        .filter(|id| !loaded.contains(id))
        .collect();
    let mut residents = Vec::new();
    if !missing.is_empty() {
        let set = IdSet::new(conn, &missing);
        let (more, hamlets) = load_with_hamlets(conn, &set.sql("r.id", 1), set.param()).await?;
        residents = more;
        open.extend(hamlets);
    }
    residents.extend(
        members
            .iter()
            .filter(|(r, _)| resident_ids.contains(&r.id))
            .map(|(r, input)| (r.clone(), input.clone())),
    );
    let (rs, hs) = compute(&residents, &members, &open);
    let mut households: Vec<i64> = members.iter().map(|(r, _)| r.household_id).collect();
    households.extend_from_slice(household_ids);
    households.sort_unstable();
    households.dedup();
    let (old_rs, old_hs) = stored(conn, resident_ids, &households, left).await?;
    if left {
        // A household the residents have just left, now empty, is known from its stored source.
        households.extend(old_hs.keys().copied());
        households.sort_unstable();
        households.dedup();
    }
    // The sources and the counts read nothing of each other: one statement on PostgreSQL.
    let mut changes = BTreeMap::new();
    let mut group = WriteGroup::new();
    replace(
        conn,
        &mut group,
        "resident",
        resident_ids,
        old_rs,
        rs,
        &mut changes,
    );
    replace(
        conn,
        &mut group,
        "household",
        &households,
        old_hs,
        hs,
        &mut changes,
    );
    count_changes(&mut group, &changes);
    group.run(conn).await
}

/// After a hamlet opened, closed or changed its dates: every household (and so every resident)
/// in it.
pub async fn refresh_hamlet(conn: &mut AnyConnection, hamlet_id: i64) -> Result<()> {
    let ids: Vec<(i64,)> = crate::db::query_as("SELECT id FROM households WHERE hamlet_id = $1")
        .bind(hamlet_id)
        .fetch_all(&mut *conn)
        .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    refresh_households(conn, &ids).await
}

/// Recomputes a whole commune from scratch: after a bulk load, or to repair.
pub async fn rebuild_commune(conn: &mut AnyConnection, commune_id: i64) -> Result<()> {
    crate::db::query(
        "DELETE FROM indicator_counts WHERE area_id IN (SELECT id FROM areas WHERE commune_id = $1)",
    )
    .bind(commune_id)
    .execute(&mut *conn)
    .await?;
    crate::db::query("DELETE FROM indicator_sources WHERE commune_id = $1")
        .bind(commune_id)
        .execute(&mut *conn)
        .await?;
    let hamlet_rows: Vec<HamletRow> = crate::db::query_as(
        "SELECT id, active, opened_on, closed_on FROM areas WHERE commune_id = $1 AND level = 'hamlet'",
    )
    .bind(commune_id)
    .fetch_all(&mut *conn)
    .await?;
    let open: HashMap<i64, Open> = hamlet_rows.iter().map(|h| (h.id, open_of(h))).collect();
    let mut sources = Rows::new(
        "indicator_sources",
        "kind, entity_id, commune_id, hamlet_id, parent_id, steps",
    );
    let mut counts: BTreeMap<(i64, String, Month), i64> = BTreeMap::new();
    // A hamlet at a time keeps memory small for a large commune.
    for hamlet in open.keys() {
        let residents = load(conn, "r.hamlet_id = $1", &[(*hamlet).into()]).await?;
        let (rs, hs) = compute(&residents, &residents, &open);
        queue_new(&mut sources, &mut counts, rs, hs)?;
        sources.finish(conn).await?;
    }
    let mut rows = Rows::new("indicator_counts", "area_id, metric, month, n");
    for ((area, metric, month), n) in counts.into_iter().filter(|(_, n)| *n != 0) {
        rows.push(vec![area.into(), metric.into(), month.into(), n.into()])?;
    }
    rows.finish(conn).await
}

/// Queues sources that had none before, and adds all their steps to `counts`.
fn queue_new(
    sources: &mut Rows,
    counts: &mut BTreeMap<(i64, String, Month), i64>,
    residents: Sources,
    households: Sources,
) -> Result<()> {
    for (kind, list) in [("resident", residents), ("household", households)] {
        for (id, s) in list {
            for (area, st) in s.placed() {
                for step in st {
                    *counts.entry((area, step.metric, step.month)).or_default() += step.delta;
                }
            }
            sources.push(vec![
                kind.into(),
                id.into(),
                s.commune_id.into(),
                s.hamlet_id.into(),
                s.parent_id.into(),
                steps::encode(&s.steps).into(),
            ])?;
        }
    }
    Ok(())
}

/// A resident an import has just added, living, to a household the same import created and
/// filled with new residents only: everything the engine needs is known without reading back.
pub struct Fresh {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub household_id: i64,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub has_smartphone: Option<i64>,
    /// Services done, each with the date of its done status.
    pub done: Vec<(String, String)>,
}

/// Counts residents an import has just added in households of their own (`Fresh`): neither
/// they nor their households had sources, so the counts move by their steps alone. For a large
/// import this replaces reading the commune back (the rebuild) with what the import holds.
pub async fn add_fresh(conn: &mut AnyConnection, fresh: &[Fresh]) -> Result<()> {
    let mut hamlet_ids: Vec<i64> = fresh.iter().map(|f| f.hamlet_id).collect();
    hamlet_ids.sort_unstable();
    hamlet_ids.dedup();
    let open = hamlets(conn, &hamlet_ids).await?;
    let mut sources = Rows::new(
        "indicator_sources",
        "kind, entity_id, commune_id, hamlet_id, parent_id, steps",
    );
    let mut counts: BTreeMap<(i64, String, Month), i64> = BTreeMap::new();
    // Whole households, a few thousand residents at a time: a household's steps need all its
    // members, and memory stays small.
    let mut by_household: BTreeMap<i64, Vec<&Fresh>> = BTreeMap::new();
    for f in fresh {
        by_household.entry(f.household_id).or_default().push(f);
    }
    // Computed while the database writes the previous rows.
    super::batch::pipeline(conn, async |q| {
        let mut batch: Vec<(ResidentRow, ResidentInput)> = Vec::new();
        let households = by_household.len();
        for (n, members) in by_household.into_values().enumerate() {
            for f in members {
                let r = ResidentRow {
                    id: f.id,
                    commune_id: f.commune_id,
                    hamlet_id: f.hamlet_id,
                    household_id: f.household_id,
                    birth_date: f.birth_date.clone(),
                    birth_year: f.birth_year,
                    has_smartphone: f.has_smartphone,
                    status: "living".into(),
                    status_date: None,
                    active: 1,
                    household_active: 1,
                };
                let done = f
                    .done
                    .iter()
                    .filter_map(|(code, date)| {
                        period::month_of_date(date).map(|m| (code.clone(), m))
                    })
                    .collect();
                let input = input_of(&r, None, done);
                batch.push((r, input));
            }
            if batch.len() >= 2000 || n + 1 == households {
                let (rs, hs) = compute(&batch, &batch, &open);
                queue_new(&mut sources, &mut counts, rs, hs)?;
                q.flush(&mut sources).await?;
                batch.clear();
            }
        }
        q.finish(&mut sources).await
    })
    .await?;
    apply(conn, &counts).await
}

/// Builds the counts of every commune that has residents but no sources yet (a database made
/// before the engine existed, or loaded in bulk).
pub async fn ensure_built(db: &Db) -> Result<usize> {
    let communes: Vec<(i64,)> = db
        .fetch_all(
            "SELECT a.id FROM areas a WHERE a.level = 'commune' \
             AND EXISTS (SELECT 1 FROM residents r WHERE r.commune_id = a.id) \
             AND NOT EXISTS (SELECT 1 FROM indicator_sources s WHERE s.commune_id = a.id)",
            &[],
        )
        .await?;
    for (c,) in &communes {
        let mut tx = db.begin_write().await?;
        rebuild_commune(&mut tx, *c).await?;
        tx.commit().await?;
    }
    Ok(communes.len())
}
