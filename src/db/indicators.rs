//! Reads the indicators of an area for a period: resident and household metrics from the
//! running counts, team, report and business metrics straight from their (small) tables.

use super::Db;
use super::areas::Area;
use crate::error::Result;
use crate::indicators::catalog::{self, Definition, Figure, Target};
use crate::indicators::period::{self, Month, Period};
use crate::indicators::steps::Open;
use crate::reports::{Chart, Series};
use std::collections::{BTreeMap, HashMap};

pub type Totals = HashMap<String, i64>;

/// The area whose figures are asked for. Ids are the database's own integers, so conditions
/// built from them are inlined without placeholders.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Hamlet(i64),
    Commune(i64),
    Province(i64),
    /// Some communes of a province (those whose cached share is out of date), never empty.
    Communes(&'a [i64]),
}

impl Scope<'_> {
    pub fn of(area: &Area) -> Scope<'static> {
        match area.level.as_str() {
            "hamlet" => Scope::Hamlet(area.id),
            "commune" => Scope::Commune(area.id),
            _ => Scope::Province(area.id),
        }
    }

    fn communes_of(p: i64) -> String {
        format!("(SELECT id FROM areas WHERE parent_id = {p} AND level = 'commune')")
    }

    /// Rows of a table with commune and hamlet columns that lie in the area.
    fn rows(&self, commune_col: &str, hamlet_col: &str) -> String {
        match *self {
            Scope::Hamlet(h) => format!("{hamlet_col} = {h}"),
            Scope::Commune(c) => format!("{commune_col} = {c}"),
            Scope::Province(p) => format!("{commune_col} IN {}", Self::communes_of(p)),
            Scope::Communes(ids) => format!("{commune_col} IN ({})", id_list(ids)),
        }
    }

    /// Rows of a table keyed by commune that concern the area.
    fn communes(&self, commune_col: &str) -> String {
        match *self {
            Scope::Hamlet(h) => {
                format!("{commune_col} = (SELECT commune_id FROM areas WHERE id = {h})")
            }
            _ => self.rows(commune_col, ""),
        }
    }

    /// The count rows summing to the area's total.
    fn count_areas(&self) -> String {
        match *self {
            Scope::Hamlet(h) => format!("area_id = {h}"),
            Scope::Commune(c) => format!("area_id = {c}"),
            Scope::Province(p) => format!("area_id IN {}", Self::communes_of(p)),
            Scope::Communes(ids) => format!("area_id IN ({})", id_list(ids)),
        }
    }

    /// The count rows of the area's children (a commune's hamlets, a province's communes).
    fn child_count_areas(&self) -> String {
        match *self {
            Scope::Hamlet(h) => format!("area_id = {h}"),
            Scope::Commune(c) => {
                format!(
                    "area_id IN (SELECT id FROM areas WHERE parent_id = {c} AND level = 'hamlet')"
                )
            }
            Scope::Province(_) | Scope::Communes(_) => self.count_areas(),
        }
    }
}

/// Ids (the database's own integers) as a list for `IN (…)`.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The month number (`period::Month`) of a `yyyy-mm` column, in SQL both databases run.
fn month_of_code(col: &str) -> String {
    format!(
        "(CAST(SUBSTR({col}, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR({col}, 6, 2) AS INTEGER) - 1)"
    )
}

fn add(totals: &mut Totals, metric: &str, n: i64) {
    *totals.entry(metric.to_string()).or_default() += n;
}

/// Resident and household metrics at month `m`, per count area (or all summed under area 0
/// when `per_area` is false: the database adds them, and fewer rows come back).
/// Naming the metrics lets the database seek each (area, metric) and read only the months up
/// to `m`, instead of every month of every metric (steps reach years ahead, to when today's
/// children turn 15).
async fn count_totals(
    db: &Db,
    areas: &str,
    m: Month,
    metrics: &[String],
    per_area: bool,
) -> Result<HashMap<i64, Totals>> {
    let mut params: Vec<super::Param> = vec![m.into()];
    let marks = metric_marks(metrics, &mut params);
    let (area, group) = if per_area {
        ("area_id", "area_id, metric")
    } else {
        ("0", "metric")
    };
    let rows: Vec<(i64, String, i64)> = db
        .fetch_all(
            &format!(
                "SELECT {area}, metric, CAST(SUM(n) AS BIGINT) FROM indicator_counts \
                 WHERE {areas} AND metric IN ({marks}) AND month <= $1 GROUP BY {group}"
            ),
            &params,
        )
        .await?;
    let mut out: HashMap<i64, Totals> = HashMap::new();
    for (area, metric, n) in rows {
        add(out.entry(area).or_default(), &metric, n);
    }
    Ok(out)
}

/// Placeholders for `metrics`, appended to `params`.
fn metric_marks(metrics: &[String], params: &mut Vec<super::Param>) -> String {
    metrics
        .iter()
        .map(|metric| {
            params.push(metric.clone().into());
            format!("${}", params.len())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The metrics behind these indicators (numerators and denominators).
fn metrics_of_all<'a>(codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = codes
        .into_iter()
        .flat_map(|code| {
            let (num, den) = catalog::metrics_of(code);
            [num, den.to_string()]
        })
        .filter(|m| !m.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[derive(sqlx::FromRow)]
struct HamletRow {
    id: i64,
    commune_id: i64,
    active: i64,
    opened_on: Option<String>,
    closed_on: Option<String>,
}

/// Team, activity, report, business and good-practice metrics of every hamlet in the area
/// (keyed by hamlet; good practices of the commune itself are keyed by the commune).
async fn team_totals(db: &Db, scope: Scope<'_>, p: &Period) -> Result<HashMap<i64, (i64, Totals)>> {
    let r = p.reference_date();
    let last = p.last_month();
    let hamlets: Vec<HamletRow> = db
        .fetch_all(
            &format!(
                "SELECT id, commune_id, active, opened_on, closed_on FROM areas a \
                 WHERE level = 'hamlet' AND {}",
                scope.rows("a.commune_id", "a.id")
            ),
            &[],
        )
        .await?;
    let open: HashMap<i64, (i64, Open)> = hamlets
        .iter()
        .map(|h| {
            (
                h.id,
                (
                    h.commune_id,
                    Open::of_hamlet(
                        h.active == 1,
                        h.opened_on.as_deref(),
                        h.closed_on.as_deref(),
                    ),
                ),
            )
        })
        .collect();
    let mut out: HashMap<i64, (i64, Totals)> = HashMap::new();
    let open_at_r: Vec<i64> = open
        .iter()
        .filter(|(_, (_, o))| o.contains(last))
        .map(|(id, _)| *id)
        .collect();
    for h in &open_at_r {
        let e = out.entry(*h).or_insert((open[h].0, Totals::new()));
        add(&mut e.1, "team.hamlets", 1);
    }
    let counts_at_r = |id: i64| open.get(&id).is_some_and(|(_, o)| o.contains(last));
    let put = |out: &mut HashMap<i64, (i64, Totals)>, hamlet: i64, metric: &str, n: i64| {
        if let Some((commune, _)) = open.get(&hamlet) {
            add(
                &mut out.entry(hamlet).or_insert((*commune, Totals::new())).1,
                metric,
                n,
            );
        }
    };

    // A member counts on the reference date if joined by then and not yet left.
    let active_member = "(m.joined_on IS NULL OR m.joined_on <= $1) \
         AND (m.left_on IS NULL OR m.left_on > $1) AND (m.active = 1 OR m.left_on IS NOT NULL)";
    let teams: Vec<(i64, i64, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT t.area_id, t.zalo_active, COUNT(m.id), \
                 CAST(SUM(CASE WHEN m.position = 'leader' THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM teams t LEFT JOIN members m ON m.team_id = t.id AND {active_member} \
                 WHERE t.kind = 'hamlet' AND t.active = 1 AND {} \
                 GROUP BY t.id, t.area_id, t.zalo_active",
                scope.rows("t.commune_id", "t.area_id")
            ),
            &[r.clone().into()],
        )
        .await?;
    let mut consolidated: HashMap<i64, (bool, bool)> = HashMap::new();
    for (hamlet, zalo, members, leaders) in teams {
        let e = consolidated.entry(hamlet).or_default();
        e.0 |= leaders > 0 && members >= 3;
        e.1 |= zalo == 1;
    }
    for (hamlet, (cons, zalo)) in consolidated {
        if counts_at_r(hamlet) {
            put(&mut out, hamlet, "team.consolidated", cons as i64);
            put(&mut out, hamlet, "team.zalo", zalo as i64);
        }
    }

    // The hamlet teams' members on the reference date: trained in the period (present at a
    // session held in it), and holding their own digital-skills certificate by then.
    let first_day = format!("{}-01", period::month_code(p.first_month()));
    let trained: Vec<(i64, i64, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT t.area_id, COUNT(m.id), \
                 CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM training_attendees a \
                   JOIN trainings x ON x.id = a.training_id WHERE a.member_id = m.id \
                   AND a.attended = 1 AND x.active = 1 AND x.held_on >= $2 AND x.held_on <= $1) \
                 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN m.digital_skills_on IS NOT NULL AND m.digital_skills_on <= $1 \
                 THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM teams t JOIN members m ON m.team_id = t.id AND {active_member} \
                 WHERE t.kind = 'hamlet' AND t.active = 1 AND {} GROUP BY t.area_id",
                scope.rows("t.commune_id", "t.area_id")
            ),
            &[r.clone().into(), first_day.into()],
        )
        .await?;
    for (hamlet, members, trained, skills) in trained {
        if counts_at_r(hamlet) {
            put(&mut out, hamlet, "mem.active", members);
            put(&mut out, hamlet, "mem.trained", trained);
            put(&mut out, hamlet, "mem.skills", skills);
        }
    }

    // Confirmed activities per hamlet and month, from the running counts (migration 0010):
    // one row per hamlet, the months that met the minimum as bits from `from` on, and the
    // security sessions of the quarter window.
    // The window ends with the period (`quarter_window`).
    let (window_from, _) = p.quarter_window();
    let from = window_from.min(p.first_month());
    let activity: Vec<(i64, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT hamlet_id, \
                 CAST(SUM(CASE WHEN n >= {min} THEN CAST(1 AS BIGINT) << CAST(month - $1 AS INTEGER) \
                 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN month >= $3 THEN security ELSE 0 END) AS BIGINT) \
                 FROM activity_counts WHERE month >= $1 AND month <= $2 AND {scope} \
                 GROUP BY commune_id, hamlet_id",
                min = crate::fieldwork::MONTHLY_MINIMUM,
                scope = scope.rows("commune_id", "hamlet_id")
            ),
            &[from.into(), last.into(), window_from.into()],
        )
        .await?;
    let mut met: HashMap<i64, i64> = HashMap::new();
    let mut security: HashMap<i64, i64> = HashMap::new();
    for (hamlet, mask, sec) in activity {
        met.insert(hamlet, mask);
        security.insert(hamlet, sec);
    }
    // Months of the period that have begun: a month still to come is not yet missed.
    let now = period::current_month();
    let months: Vec<Month> = p.months().filter(|m| *m <= now).collect();
    for (hamlet, (_, o)) in &open {
        let mask = met.get(hamlet).copied().unwrap_or(0);
        let open_months: Vec<&Month> = months.iter().filter(|m| o.contains(**m)).collect();
        if !open_months.is_empty() {
            let met_months = open_months.iter().map(|m| (mask >> (**m - from)) & 1).sum();
            put(&mut out, *hamlet, "act.months", open_months.len() as i64);
            put(&mut out, *hamlet, "act.met", met_months);
        }
    }
    for h in &open_at_r {
        put(
            &mut out,
            *h,
            "team.security",
            (security.get(h).copied().unwrap_or(0) > 0) as i64,
        );
    }

    // Monthly reports: expected once their due date has come, on time if submitted by it.
    let due_rows: Vec<(i64, String, String)> = db
        .fetch_all(
            &format!(
                "SELECT commune_id, key, value FROM commune_settings WHERE {} AND {}",
                super::settings::due_day_keys(),
                scope.communes("commune_id")
            ),
            &[],
        )
        .await?;
    let mut by_commune: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (c, k, v) in due_rows {
        by_commune.entry(c).or_default().push((k, v));
    }
    let due_days: HashMap<i64, super::settings::DueDays> = by_commune
        .into_iter()
        .map(|(c, rows)| (c, super::settings::DueDays::from_rows(rows)))
        .collect();
    // One row per hamlet: the months of the period sent, and sent by their due date, as bits
    // from the period's first month. Communes that share due days share one query (usually
    // the whole province does).
    let first = p.first_month();
    let due_of = |commune: i64| -> Vec<String> {
        let days = due_days.get(&commune).cloned().unwrap_or_default();
        p.months()
            .map(|m| period::due_date(m, days.for_month(&period::month_code(m))))
            .collect()
    };
    let default_due = due_of(0);
    let mut groups: HashMap<Vec<String>, Vec<i64>> = HashMap::new();
    for c in due_days.keys() {
        let due = due_of(*c);
        if due != default_due {
            groups.entry(due).or_default().push(*c);
        }
    }
    let custom: Vec<i64> = groups.values().flatten().copied().collect();
    let mut queries: Vec<(Vec<String>, String)> = vec![(
        default_due,
        if custom.is_empty() {
            "1 = 1".to_string()
        } else {
            format!("commune_id NOT IN ({})", id_list(&custom))
        },
    )];
    for (due, communes) in groups {
        queries.push((due, format!("commune_id IN ({})", id_list(&communes))));
    }
    let mut sent_masks: HashMap<i64, (i64, i64)> = HashMap::new();
    let bit = format!(
        "CAST(1 AS BIGINT) << CAST({} - {first} AS INTEGER)",
        month_of_code("month")
    );
    for (due, communes) in queries {
        // Month codes and due dates are made here from numbers: inlined, not user text.
        let due_case: String = p
            .months()
            .zip(&due)
            .map(|(m, d)| format!(" WHEN '{}' THEN '{d}'", period::month_code(m)))
            .collect();
        let rows: Vec<(i64, i64, i64)> = db
            .fetch_all(
                &format!(
                    "SELECT hamlet_id, CAST(SUM({bit}) AS BIGINT), \
                     CAST(SUM(CASE WHEN submitted_on <= CASE month{due_case} END THEN {bit} ELSE 0 END) AS BIGINT) \
                     FROM monthly_reports \
                     WHERE submitted_on IS NOT NULL AND month >= $1 AND month <= $2 AND {} AND {communes} \
                     GROUP BY hamlet_id",
                    scope.rows("commune_id", "hamlet_id")
                ),
                &[
                    period::month_code(first).into(),
                    period::month_code(last).into(),
                ],
            )
            .await?;
        for (hamlet, sent, on_time) in rows {
            sent_masks.insert(hamlet, (sent, on_time));
        }
    }
    let today = super::today();
    let mut dues: HashMap<i64, Vec<String>> = HashMap::new();
    for (hamlet, (commune, o)) in &open {
        let due = dues.entry(*commune).or_insert_with(|| due_of(*commune));
        let (sent, on_time) = sent_masks.get(hamlet).copied().unwrap_or((0, 0));
        let (mut expected, mut in_time) = (0, 0);
        for (m, due) in p.months().zip(due.iter()).filter(|(m, _)| o.contains(*m)) {
            let bit = m - first;
            // As the report pages judge it: counted once sent, or once its due day is over.
            if (sent >> bit) & 1 == 0 && *due >= today {
                continue;
            }
            expected += 1;
            in_time += (on_time >> bit) & 1;
        }
        if expected > 0 {
            put(&mut out, *hamlet, "rep.expected", expected);
            put(&mut out, *hamlet, "rep.on_time", in_time);
        }
    }

    let evaluated: Vec<(i64,)> = db
        .fetch_all(
            &format!(
                "SELECT DISTINCT t.area_id FROM team_evaluations e JOIN teams t ON t.id = e.team_id \
                 WHERE e.year = $1 AND e.status = 'submitted' AND e.submitted_on <= $2 AND {}",
                scope.rows("e.commune_id", "t.area_id")
            ),
            &[p.year().into(), r.clone().into()],
        )
        .await?;
    for (h,) in evaluated {
        if counts_at_r(h) {
            put(&mut out, h, "team.year_end", 1);
        }
    }

    // Businesses in the register by the reference day, and those with each step done by then.
    let business: Vec<(i64, i64, i64, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT hamlet_id, COUNT(*), \
                 SUM(CASE WHEN ecommerce_on IS NOT NULL AND ecommerce_on <= $1 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN einvoice_on IS NOT NULL AND einvoice_on <= $1 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN cashless_on IS NOT NULL AND cashless_on <= $1 THEN 1 ELSE 0 END) \
                 FROM businesses WHERE active = 1 AND (registered_on IS NULL OR registered_on <= $1) \
                 AND {} GROUP BY hamlet_id",
                scope.rows("commune_id", "hamlet_id")
            ),
            &[r.clone().into()],
        )
        .await?;
    for (h, all, shop, einvoice, cashless) in business {
        if counts_at_r(h) {
            put(&mut out, h, "biz.all", all);
            put(&mut out, h, "biz.ecommerce", shop);
            put(&mut out, h, "biz.einvoice", einvoice);
            put(&mut out, h, "biz.cashless", cashless);
        }
    }

    // Good practices proposed in the period; the commune's own have no hamlet.
    let practices: Vec<(i64, Option<i64>, i64)> = db
        .fetch_all(
            &format!(
                "SELECT commune_id, hamlet_id, COUNT(*) FROM good_practices \
                 WHERE active = 1 AND proposed_on >= $1 AND proposed_on <= $2 AND {} GROUP BY commune_id, hamlet_id",
                scope.rows("commune_id", "hamlet_id")
            ),
            &[
                format!("{}-01", period::month_code(p.first_month())).into(),
                r.into(),
            ],
        )
        .await?;
    for (commune, hamlet, n) in practices {
        let key = hamlet.unwrap_or(commune);
        add(
            &mut out.entry(key).or_insert((commune, Totals::new())).1,
            "practices",
            n,
        );
    }
    Ok(out)
}

/// The targets a commune's plan sets for the year, or the template's when it has none.
pub async fn targets(db: &Db, commune_id: Option<i64>, year: i64) -> Result<Vec<Target>> {
    let communes: Vec<i64> = commune_id.into_iter().collect();
    Ok(targets_by_commune(db, &communes, year)
        .await?
        .into_values()
        .next()
        .unwrap_or_else(catalog::default_targets))
}

/// commune, indicator, timing, quarter, target (all but the commune absent for a plan without targets).
type PlanTargetRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// The plan targets of each of these communes that has a plan for the year.
async fn targets_by_commune(
    db: &Db,
    communes: &[i64],
    year: i64,
) -> Result<HashMap<i64, Vec<Target>>> {
    if communes.is_empty() {
        return Ok(HashMap::new());
    }
    let list = id_list(communes);
    // A plan with every target deleted still has a (empty) entry: its targets are none.
    let rows: Vec<PlanTargetRow> = db
        .fetch_all(
            &format!(
                "SELECT p.commune_id, t.indicator, t.timing, t.quarter, t.target FROM plans p \
                 LEFT JOIN plan_targets t ON t.plan_id = p.id \
                 WHERE p.year = $1 AND p.commune_id IN ({list})"
            ),
            &[year.into()],
        )
        .await?;
    let mut out: HashMap<i64, Vec<Target>> = HashMap::new();
    for (commune, indicator, timing, quarter, value) in rows {
        let list = out.entry(commune).or_default();
        if let (Some(i), Some(t), Some(q), Some(v)) = (
            indicator,
            timing.as_deref().and_then(catalog::Timing::parse),
            quarter,
            value,
        ) {
            list.push(Target::new(&i, t, q, v));
        }
    }
    Ok(out)
}

/// The indicators of a commune (None: the province's, on the national list) for periods
/// starting on `from` (`yyyy-mm-dd`): a service the commune retired before that day has no
/// indicator any more; one it added has its own.
pub async fn definitions(db: &Db, commune: Option<i64>, from: &str) -> Result<Vec<Definition>> {
    let list = super::services::in_force(db, commune, from).await?;
    let app = list
        .iter()
        .find(|s| s.code == "province_app")
        .map_or_else(|| "ứng dụng của tỉnh".to_string(), |s| s.short_name.clone());
    let services: Vec<(String, String)> = list.into_iter().map(|s| (s.code, s.name)).collect();
    Ok(catalog::definitions(&services, &app))
}

/// The day a period starts, for `definitions`.
pub fn period_start(p: &Period) -> String {
    format!(
        "{}-01",
        crate::indicators::period::month_code(p.first_month())
    )
}

/// Every indicator of the area for the period.
pub async fn figures(db: &Db, area: &Area, p: &Period) -> Result<Vec<Figure>> {
    let scope = Scope::of(area);
    let commune = match scope {
        Scope::Province(_) => None,
        _ => area.commune_id,
    };
    let defs = definitions(db, commune, &period_start(p)).await?;
    let metrics = metrics_of_all(defs.iter().map(|d| d.code.as_str()));
    let mut totals = Totals::new();
    if let Scope::Province(province) = scope {
        for t in commune_totals(db, province, p, &metrics).await?.values() {
            merge(&mut totals, t);
        }
    } else {
        for t in count_totals(db, &scope.count_areas(), p.last_month(), &metrics, false)
            .await?
            .values()
        {
            merge(&mut totals, t);
        }
        for (_, t) in team_totals(db, scope, p).await?.values() {
            merge(&mut totals, t);
        }
    }
    let targets = targets(db, commune, p.year()).await?;
    Ok(catalog::figures(&defs, &totals, &targets, p))
}

fn merge(into: &mut Totals, from: &Totals) {
    for (k, v) in from {
        match into.get_mut(k) {
            Some(n) => *n += v,
            None => {
                into.insert(k.clone(), *v);
            }
        }
    }
}

/// The province's communes with their versions (migration 0011).
async fn commune_versions(db: &Db, province: i64) -> Result<Vec<(i64, i64)>> {
    db.fetch_all(
        "SELECT a.id, COALESCE(v.version, 0) FROM areas a \
         LEFT JOIN commune_versions v ON v.commune_id = a.id \
         WHERE a.parent_id = $1 AND a.level = 'commune'",
        &[province.into()],
    )
    .await
}

/// Each of the province's communes' sums for the period (running counts and team metrics):
/// kept from an earlier request for a commune not written since, computed in one pass for
/// the others (`figure_cache`).
async fn commune_totals(
    db: &Db,
    province: i64,
    p: &Period,
    metrics: &[String],
) -> Result<HashMap<i64, std::sync::Arc<Totals>>> {
    let versions = commune_versions(db, province).await?;
    // Team and report metrics depend on the day (what is due, which months have begun).
    let key = format!(
        "totals|{}|{}|{}",
        p.code(),
        super::today(),
        metrics.join(",")
    );
    let (mut out, stale) = db.figure_cache.lookup::<Totals>(&key, &versions);
    if stale.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = stale.iter().map(|(c, _)| *c).collect();
    let scope = Scope::Communes(&ids);
    let mut fresh = count_totals(db, &scope.count_areas(), p.last_month(), metrics, true).await?;
    for (commune, t) in team_totals(db, scope, p).await?.into_values() {
        merge(fresh.entry(commune).or_default(), &t);
    }
    for (commune, version) in stale {
        let t = fresh.remove(&commune).unwrap_or_default();
        out.insert(commune, db.figure_cache.put(&key, commune, version, t));
    }
    Ok(out)
}

/// Every indicator of the area and of each of its children (a commune's hamlets, a
/// province's communes), with no personal data: only sums. One pass serves both, as the area's
/// sums are its children's.
pub async fn overview(
    db: &Db,
    area: &Area,
    p: &Period,
) -> Result<(Vec<Figure>, Vec<(Area, Vec<Figure>)>)> {
    let scope = Scope::of(area);
    let children = super::areas::children(db, area.id).await?;
    let commune = match scope {
        Scope::Province(_) => None,
        _ => area.commune_id,
    };
    let defs = definitions(db, commune, &period_start(p)).await?;
    let metrics = metrics_of_all(defs.iter().map(|d| d.code.as_str()));
    let mut totals: HashMap<i64, Totals> = if let Scope::Province(province) = scope {
        commune_totals(db, province, p, &metrics)
            .await?
            .into_iter()
            .map(|(c, t)| (c, std::sync::Arc::unwrap_or_clone(t)))
            .collect()
    } else {
        let mut totals = count_totals(
            db,
            &scope.child_count_areas(),
            p.last_month(),
            &metrics,
            true,
        )
        .await?;
        for (hamlet, (_, t)) in team_totals(db, scope, p).await? {
            merge(totals.entry(hamlet).or_default(), &t);
        }
        totals
    };
    let mut all = Totals::new();
    for t in totals.values() {
        merge(&mut all, t);
    }
    let communes: Vec<i64> = match scope {
        Scope::Province(_) => children.iter().map(|c| c.id).collect(),
        _ => area.commune_id.into_iter().collect(),
    };
    let plans = targets_by_commune(db, &communes, p.year()).await?;
    let targets_of = |commune: Option<i64>| {
        commune
            .and_then(|c| plans.get(&c))
            .cloned()
            .unwrap_or_else(catalog::default_targets)
    };
    let own = match scope {
        Scope::Province(_) => catalog::default_targets(),
        _ => targets_of(area.commune_id),
    };
    let total = catalog::figures(&defs, &all, &own, p);
    let mut out = Vec::new();
    for child in children {
        let t = totals.remove(&child.id).unwrap_or_default();
        let targets = targets_of(child.commune_id);
        out.push((child, catalog::figures(&defs, &t, &targets, p)));
    }
    Ok((total, out))
}

/// These resident and household metrics at the end of each month from `from` to `to`.
/// A province's is the sum of its communes' (kept per commune, as `commune_totals`).
pub async fn monthly_series(
    db: &Db,
    area: &Area,
    from: Month,
    to: Month,
    metrics: &[String],
) -> Result<BTreeMap<Month, Totals>> {
    let scope = Scope::of(area);
    let Scope::Province(province) = scope else {
        let mut series = series_by_area(db, &scope.count_areas(), from, to, metrics, false).await?;
        return Ok(series.remove(&0).unwrap_or_else(|| empty_series(from, to)));
    };
    let versions = commune_versions(db, province).await?;
    let key = format!("series|{from}|{to}|{}", metrics.join(","));
    let (kept, stale) = db
        .figure_cache
        .lookup::<BTreeMap<Month, Totals>>(&key, &versions);
    let mut shares: Vec<std::sync::Arc<BTreeMap<Month, Totals>>> = kept.into_values().collect();
    if !stale.is_empty() {
        let ids: Vec<i64> = stale.iter().map(|(c, _)| *c).collect();
        let areas = Scope::Communes(&ids).count_areas();
        let mut fresh = series_by_area(db, &areas, from, to, metrics, true).await?;
        for (commune, version) in stale {
            let share = fresh
                .remove(&commune)
                .unwrap_or_else(|| empty_series(from, to));
            shares.push(db.figure_cache.put(&key, commune, version, share));
        }
    }
    let mut out = empty_series(from, to);
    for share in shares {
        for (m, t) in share.iter() {
            if let Some(sum) = out.get_mut(m) {
                merge(sum, t);
            }
        }
    }
    Ok(out)
}

fn empty_series(from: Month, to: Month) -> BTreeMap<Month, Totals> {
    (from..=to).map(|m| (m, Totals::new())).collect()
}

/// `monthly_series` per count area (or all summed under area 0 when `per_area` is false).
async fn series_by_area(
    db: &Db,
    areas: &str,
    from: Month,
    to: Month,
    metrics: &[String],
    per_area: bool,
) -> Result<HashMap<i64, BTreeMap<Month, Totals>>> {
    let mut params: Vec<super::Param> = vec![to.into()];
    let marks = metric_marks(metrics, &mut params);
    let (area, group) = if per_area {
        ("area_id", "area_id, metric, month")
    } else {
        ("0", "metric, month")
    };
    let rows: Vec<(i64, String, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT {area}, metric, month, CAST(SUM(n) AS BIGINT) FROM indicator_counts \
                 WHERE {areas} AND metric IN ({marks}) AND month <= $1 \
                 GROUP BY {group} ORDER BY month"
            ),
            &params,
        )
        .await?;
    let mut by_area: HashMap<i64, Vec<(String, Month, i64)>> = HashMap::new();
    for (area, metric, month, n) in rows {
        by_area.entry(area).or_default().push((metric, month, n));
    }
    let mut out = HashMap::new();
    for (area, rows) in by_area {
        let mut running = Totals::new();
        let mut series = BTreeMap::new();
        let mut rows = rows.into_iter().peekable();
        for m in from..=to {
            while let Some((metric, _, n)) = rows.next_if(|(_, month, _)| *month <= m) {
                add(&mut running, &metric, n);
            }
            series.insert(m, running.clone());
        }
        out.insert(area, series);
    }
    Ok(out)
}

/// The metrics the trend chart draws.
pub fn trend_metrics() -> Vec<String> {
    metrics_of_all(TREND.iter().map(|(code, _)| *code))
}

/// The lines of the trend chart: the plan's headline shares, month by month.
pub const TREND: [(&str, &str); 4] = [
    ("adults_guided", "Được hướng dẫn trực tiếp"),
    ("households_province_app", "Hộ có Tây Ninh Smart"),
    (
        "adults_province_app",
        "Người trưởng thành cài Tây Ninh Smart",
    ),
    ("adults_digital_skills", "Phổ cập kỹ năng số"),
];

/// The headline shares over the 12 months up to the period's end.
pub async fn trend(db: &Db, area: &Area, p: &Period) -> Result<Chart> {
    let to = p.last_month();
    let from = to - 11;
    let series = monthly_series(db, area, from, to, &trend_metrics()).await?;
    let labels = (from..=to)
        .map(|m| format!("{}/{}", period::month_number(m), period::year_of(m) % 100))
        .collect();
    let lines = TREND
        .iter()
        .map(|(code, label)| {
            let (num, den) = catalog::metrics_of(code);
            Series {
                name: label.to_string(),
                values: series
                    .values()
                    .map(|t| {
                        let d = t.get(den).copied().unwrap_or(0);
                        (d > 0).then(|| t.get(&num).copied().unwrap_or(0) as f64 * 100.0 / d as f64)
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Chart {
        title: format!("Xu hướng 12 tháng đến {}", p.label_lower()),
        labels,
        series: lines,
    })
}
