//! Writes one generated commune inside the caller's transaction, table by table, parents
//! before children (SQLite checks foreign keys statement by statement).
//!
//! The demo commune and the extra communes of the synthetic province share this code: they
//! differ only in the `CommunePlan` (names, codes, seed, size, and whether the commune brings
//! its province and the demo accounts).

use super::calendar::Calendar;
use super::names::{self, Gender};
use super::org::{self, TeamPlan};
use super::people::{self, HamletPace, Issued, Place};
use super::{DemoAccount, FIXED_NAME};
use crate::auth::Role;
use crate::crypto::Keys;
use crate::db::batch::Rows;
use crate::db::{Param, now};
use crate::error::Result;
use crate::text;
use chrono::Datelike;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;

/// Share of completed services that also get a help record (the rest were done by residents
/// themselves or recorded in bulk).
const HELP_SHARE: f64 = 0.2;
/// Added to the commune's seed for the generators of activities and of online dossiers: they
/// draw from their own, so the residents (drawn from the main one) do not change with the
/// number of activities, which grows with today.
const ACTIVITY_SEED: u64 = 0x0AC7_1717;
const DOSSIER_SEED: u64 = 0x0D05_5132;

fn int(v: i64) -> Param {
    Param::Int(v)
}
fn txt(v: impl Into<String>) -> Param {
    Param::Text(v.into())
}
fn opt_int(v: Option<i64>) -> Param {
    Param::from(v)
}
fn opt_txt(v: Option<String>) -> Param {
    Param::from(v)
}

async fn next_id(conn: &mut AnyConnection, table: &str) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    let (id,): (i64,) = crate::db::query_as(&sql).fetch_one(&mut *conn).await?;
    Ok(id)
}

/// Household numbers in hamlet 3 whose head is `FIXED_NAME`, spread over the hamlet.
pub fn fixed_head_seqs(households: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..3)
        .map(|i| i * households / 3 + 1)
        .filter(|&s| s <= households)
        .collect();
    v.dedup();
    v
}

/// Where a commune hangs in the area tree.
pub enum Parent<'a> {
    /// The demo commune: it creates its province, and brings the demo accounts (with this
    /// password hash) and the name the tests search for.
    Demo {
        province_code: &'a str,
        province_name: &'a str,
        password_hash: &'a str,
    },
    /// One more commune under a province already in the database.
    Province(i64),
}

/// What tells one generated commune from another.
pub struct CommunePlan<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// The prefix of its household codes.
    pub prefix: &'a str,
    pub sort_order: i64,
    pub hamlets: usize,
    pub households_per_hamlet: usize,
    pub seed: u64,
    pub parent: Parent<'a>,
    /// The day the commune is seeded on, which everything it dates is relative to.
    pub cal: Calendar,
}

impl CommunePlan<'_> {
    fn is_demo(&self) -> bool {
        matches!(self.parent, Parent::Demo { .. })
    }
}

/// What was written.
pub struct Written {
    pub commune_id: i64,
    pub households: i64,
    pub residents: i64,
    pub accounts: Vec<DemoAccount>,
}

/// Ids assigned up front, so rows can reference each other before they are inserted.
struct Ids {
    province: i64,
    commune: i64,
    first_team: i64,
    ts: i64,
}

impl Ids {
    fn hamlet(&self, n: usize) -> i64 {
        self.commune + n as i64
    }
    /// Team 0 is the commune group, team n the team of hamlet n.
    fn team(&self, n: usize) -> i64 {
        self.first_team + n as i64
    }
}

pub async fn write(
    conn: &mut AnyConnection,
    keys: &Keys,
    plan: &CommunePlan<'_>,
    issued: &mut Issued,
) -> Result<Written> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let first_area = next_id(conn, "areas").await?;
    let (province, commune) = match plan.parent {
        Parent::Demo { .. } => (first_area, first_area + 1),
        Parent::Province(p) => (p, first_area),
    };
    let ids = Ids {
        province,
        commune,
        first_team: next_id(conn, "teams").await?,
        ts: now(),
    };
    write_areas(conn, &ids, plan).await?;

    let hamlet_count = plan.hamlets;
    let per_hamlet = plan.households_per_hamlet;
    let place = Place {
        prefix: plan.prefix,
        commune: plan.name,
    };
    let zalo = org::ZaloPlan::new(&mut rng, hamlet_count);
    let first_year = plan.cal.start.year();
    let hamlet_teams: Vec<TeamPlan> = (1..=hamlet_count)
        .map(|n| org::hamlet_team(&mut rng, n, per_hamlet, &zalo, first_year))
        .collect();
    let commune_team = org::commune_group(&mut rng, &hamlet_teams, first_year);
    let teams: Vec<&TeamPlan> = std::iter::once(&commune_team)
        .chain(hamlet_teams.iter())
        .collect();
    let member_ids = write_teams(conn, &ids, &teams).await?;
    write_activities(
        conn,
        &mut StdRng::seed_from_u64(plan.seed.wrapping_add(ACTIVITY_SEED)),
        (&ids, &plan.cal),
        plan.name,
        &member_ids,
        per_hamlet.div_ceil(50),
    )
    .await?;

    let mut households = Rows::new(
        "households",
        "id, commune_id, hamlet_id, code, address, head_name, search_text, active, created_at, \
         updated_at",
    );
    let mut out = PeopleRows {
        residents: Rows::new(
            "residents",
            "id, commune_id, hamlet_id, household_id, full_name, search_text, sort_key, \
             birth_date, birth_year, gender, cccd_enc, cccd_hash, cccd_masked, phone, relation, \
             has_smartphone, status, status_date, consent, active, version, created_at, \
             updated_at",
        ),
        helps: Rows::new(
            "help_records",
            "id, commune_id, hamlet_id, resident_id, member_id, service_code, dossier_kind, done, \
             help_date, created_at",
        ),
        services: Rows::new(
            "resident_services",
            "commune_id, resident_id, service_code, status, status_date, recorded_by, updated_at",
        ),
        history: Rows::new(
            "service_status_history",
            "id, commune_id, resident_id, service_code, status, status_date, recorded_by, \
             help_id, recorded_at",
        ),
        next_resident: next_id(conn, "residents").await?,
        next_help: next_id(conn, "help_records").await?,
        next_history: next_id(conn, "service_status_history").await?,
        cal: plan.cal,
        dossier_rng: StdRng::seed_from_u64(plan.seed.wrapping_add(DOSSIER_SEED)),
    };
    let mut next_household = next_id(conn, "households").await?;
    // Only the demo has the name the tests search for; elsewhere it would be noise.
    let fixed = if plan.is_demo() {
        fixed_head_seqs(per_hamlet)
    } else {
        Vec::new()
    };
    // One hamlet at a time, so memory stays small for a large commune.
    for (n, team_members) in member_ids.iter().enumerate().skip(1) {
        let hamlet = HamletCtx {
            id: ids.hamlet(n),
            members: team_members,
            pace: HamletPace {
                factor: rng.gen_range(0.7..1.25),
                has_zalo: zalo.has_group(n),
            },
        };
        for seq in 1..=per_hamlet {
            let fixed_head = (n == 3 && fixed.contains(&seq)).then_some(FIXED_NAME);
            let house = people::household(
                &mut rng,
                (&mut *issued, &plan.cal),
                &place,
                n,
                seq,
                fixed_head,
            );
            let search = text::fold(&format!(
                "{} {} {}",
                house.code, house.head_name, house.address
            ));
            households.push(vec![
                int(next_household),
                int(ids.commune),
                int(hamlet.id),
                txt(house.code),
                txt(house.address),
                txt(house.head_name),
                txt(search),
                int(1),
                int(ids.ts),
                int(ids.ts),
            ])?;
            for p in &house.people {
                out.push(&mut rng, keys, &ids, &hamlet, next_household, p)?;
            }
            next_household += 1;
        }
        households.finish(conn).await?;
        out.residents.finish(conn).await?;
        out.helps.finish(conn).await?;
        out.services.finish(conn).await?;
        out.history.finish(conn).await?;
    }

    let accounts = match plan.parent {
        Parent::Demo { password_hash, .. } => {
            write_accounts(
                conn,
                &mut rng,
                &ids,
                plan,
                password_hash,
                &teams,
                &member_ids,
            )
            .await?
        }
        Parent::Province(_) => Vec::new(),
    };
    Ok(Written {
        commune_id: ids.commune,
        households: households.inserted,
        residents: out.residents.inserted,
        accounts,
    })
}

async fn write_areas(conn: &mut AnyConnection, ids: &Ids, plan: &CommunePlan<'_>) -> Result<()> {
    let mut areas = Rows::new(
        "areas",
        "id, code, name, level, parent_id, commune_id, sort_order, active, created_at, updated_at",
    );
    let mut area = |id, code: String, name: String, level: &str, parent, sort| {
        areas.push(vec![
            int(id),
            txt(code),
            txt(name),
            txt(level),
            opt_int(parent),
            opt_int((level != "province").then_some(ids.commune)),
            int(sort),
            int(1),
            int(ids.ts),
            int(ids.ts),
        ])
    };
    if let Parent::Demo {
        province_code,
        province_name,
        ..
    } = plan.parent
    {
        area(
            ids.province,
            province_code.into(),
            province_name.into(),
            "province",
            None,
            1,
        )?;
    }
    area(
        ids.commune,
        plan.code.into(),
        plan.name.into(),
        "commune",
        Some(ids.province),
        plan.sort_order,
    )?;
    for n in 1..=plan.hamlets {
        let (code, name) = (super::hamlet_code_of(plan.code, n), format!("Ấp {n}"));
        area(
            ids.hamlet(n),
            code,
            name,
            "hamlet",
            Some(ids.commune),
            n as i64,
        )?;
    }
    areas.finish(conn).await
}

/// Writes teams and members; returns each team's member ids in plan order.
async fn write_teams(
    conn: &mut AnyConnection,
    ids: &Ids,
    teams: &[&TeamPlan],
) -> Result<Vec<Vec<i64>>> {
    let mut team_rows = Rows::new(
        "teams",
        "id, commune_id, area_id, kind, name, zalo_link, zalo_members, zalo_active, active, \
         created_at, updated_at",
    );
    let mut member_rows = Rows::new(
        "members",
        "id, commune_id, team_id, full_name, search_text, sort_key, phone, position, \
         affiliation, affiliation_detail, joined_on, active, created_at, updated_at",
    );
    let mut next_member = next_id(conn, "members").await?;
    let mut member_ids = Vec::with_capacity(teams.len());
    for (i, t) in teams.iter().enumerate() {
        let area_id = if i == 0 { ids.commune } else { ids.hamlet(i) };
        team_rows.push(vec![
            int(ids.team(i)),
            int(ids.commune),
            int(area_id),
            txt(t.kind),
            txt(t.name.clone()),
            opt_txt(t.zalo_link.clone()),
            opt_int(t.zalo_members),
            int(t.zalo_active as i64),
            int(1),
            int(ids.ts),
            int(ids.ts),
        ])?;
        let mut team_members = Vec::with_capacity(t.members.len());
        for m in &t.members {
            member_rows.push(vec![
                int(next_member),
                int(ids.commune),
                int(ids.team(i)),
                txt(m.full_name.clone()),
                txt(text::fold(&m.full_name)),
                txt(text::sort_key(&m.full_name)),
                opt_txt(m.phone.clone()),
                txt(m.position),
                txt(m.affiliation),
                opt_txt(m.detail.clone()),
                txt(m.joined_on.clone()),
                int(1),
                int(ids.ts),
                int(ids.ts),
            ])?;
            team_members.push(next_member);
            next_member += 1;
        }
        member_ids.push(team_members);
    }
    team_rows.finish(conn).await?;
    member_rows.finish(conn).await?;
    Ok(member_ids)
}

async fn write_activities(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    (ids, cal): (&Ids, &Calendar),
    commune_name: &str,
    member_ids: &[Vec<i64>],
    groups: usize,
) -> Result<()> {
    let mut activities = Rows::new(
        "activities",
        "id, commune_id, hamlet_id, team_id, kind, activity_date, place, residents_reached, \
         active, created_at, confirmed",
    );
    let mut present = Rows::new("activity_members", "activity_id, member_id, commune_id");
    // This month's automatic door-to-door rounds (made by the day's first help) wait for the
    // hamlet head or the team leader to confirm them: the demo shows some waiting.
    let today = cal.today_iso();
    let auto_days: Vec<String> = (1..=2)
        .map(|back| super::calendar::iso(cal.today - chrono::Duration::days(back)))
        .filter(|d| d[..7] == today[..7])
        .collect();
    let mut next_activity = next_id(conn, "activities").await?;
    for (n, team_members) in member_ids.iter().enumerate().skip(1) {
        let team = (commune_name, n);
        for a in org::activities(rng, cal, team, team_members.len(), groups) {
            activities.push(vec![
                int(next_activity),
                int(ids.commune),
                int(ids.hamlet(n)),
                int(ids.team(n)),
                txt(a.kind),
                txt(a.date),
                txt(a.place),
                int(a.reached),
                int(1),
                int(ids.ts),
                int(1),
            ])?;
            for m in a.present.iter().filter_map(|&i| team_members.get(i)) {
                present.push(vec![int(next_activity), int(*m), int(ids.commune)])?;
            }
            next_activity += 1;
        }
        for (k, date) in auto_days.iter().enumerate() {
            if (n + k) % 2 == 0 {
                continue;
            }
            activities.push(vec![
                int(next_activity),
                int(ids.commune),
                int(ids.hamlet(n)),
                int(ids.team(n)),
                txt("door_to_door"),
                txt(date.clone()),
                txt("Đi từng hộ trong ấp".to_string()),
                int(0),
                int(1),
                int(ids.ts),
                int(0),
            ])?;
            next_activity += 1;
        }
    }
    activities.finish(conn).await?;
    present.finish(conn).await
}

struct HamletCtx<'a> {
    id: i64,
    members: &'a [i64],
    pace: HamletPace,
}

/// The rows that follow from one resident, and the next ids of their tables.
struct PeopleRows {
    residents: Rows,
    helps: Rows,
    services: Rows,
    history: Rows,
    next_resident: i64,
    next_help: i64,
    next_history: i64,
    cal: Calendar,
    /// Draws the online dossiers, apart from the main generator.
    dossier_rng: StdRng,
}

impl PeopleRows {
    /// A help record by `member` of hamlet `hamlet` for resident `rid`: with a service, or
    /// an online dossier of that kind. Returns its id.
    fn push_help(
        &mut self,
        ids: &Ids,
        (hamlet, rid, member): (i64, i64, i64),
        (service, dossier): (Option<&str>, Option<&str>),
        date: String,
    ) -> Result<i64> {
        let id = self.next_help;
        self.helps.push(vec![
            int(id),
            int(ids.commune),
            int(hamlet),
            int(rid),
            int(member),
            opt_txt(service.map(str::to_string)),
            opt_txt(dossier.map(str::to_string)),
            int(1),
            txt(date),
            int(ids.ts),
        ])?;
        self.next_help += 1;
        Ok(id)
    }

    fn push(
        &mut self,
        rng: &mut StdRng,
        keys: &Keys,
        ids: &Ids,
        hamlet: &HamletCtx,
        household_id: i64,
        p: &people::Person,
    ) -> Result<()> {
        let rid = self.next_resident;
        self.next_resident += 1;
        let (enc, hash, masked) = match &p.cccd {
            Some(c) => (
                Some(keys.encrypt(c)),
                Some(keys.match_hash(c)),
                Some(text::mask_cccd(c)),
            ),
            None => (None, None, None),
        };
        self.residents.push(vec![
            int(rid),
            int(ids.commune),
            int(hamlet.id),
            int(household_id),
            txt(p.full_name.clone()),
            txt(text::fold(&p.full_name)),
            txt(text::sort_key(&p.full_name)),
            opt_txt(p.birth_date.clone()),
            int(p.birth_year as i64),
            txt(p.gender.code()),
            opt_txt(enc),
            opt_txt(hash),
            opt_txt(masked),
            opt_txt(p.phone.clone()),
            txt(p.relation),
            opt_int(p.has_smartphone),
            txt(p.status),
            opt_txt(p.status_date.clone()),
            int(1),
            int(1),
            int(1),
            int(ids.ts),
            int(ids.ts),
        ])?;
        if let Some(d) = people::dossier(&mut self.dossier_rng, p, &self.cal)
            && !hamlet.members.is_empty()
        {
            let member = hamlet.members[self.dossier_rng.gen_range(0..hamlet.members.len())];
            let what = (None, Some(d.kind));
            self.push_help(ids, (hamlet.id, rid, member), what, d.date)?;
        }
        for s in people::service_statuses(rng, p, &hamlet.pace, &self.cal) {
            let mut help_id = None;
            if s.status == "done" && !hamlet.members.is_empty() && rng.gen_bool(HELP_SHARE) {
                let member = hamlet.members[rng.gen_range(0..hamlet.members.len())];
                let what = (Some(s.code), None);
                help_id =
                    Some(self.push_help(ids, (hamlet.id, rid, member), what, s.date.clone())?);
            }
            self.services.push(vec![
                int(ids.commune),
                int(rid),
                txt(s.code),
                txt(s.status),
                txt(s.date.clone()),
                opt_int(None),
                int(ids.ts),
            ])?;
            self.history.push(vec![
                int(self.next_history),
                int(ids.commune),
                int(rid),
                txt(s.code),
                txt(s.status),
                txt(s.date),
                opt_int(None),
                opt_int(help_id),
                int(ids.ts),
            ])?;
            self.next_history += 1;
        }
        Ok(())
    }
}

async fn write_accounts(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    ids: &Ids,
    plan: &CommunePlan<'_>,
    password_hash: &str,
    teams: &[&TeamPlan],
    member_ids: &[Vec<i64>],
) -> Result<Vec<DemoAccount>> {
    let mut rows = Rows::new(
        "accounts",
        "id, username, password_hash, full_name, role, area_id, commune_id, member_id, active, \
         created_at, updated_at",
    );
    let list = super::account_list();
    let mut next_account = next_id(conn, "accounts").await?;
    let hamlet_prefix = format!("{}-ap-", plan.code);
    let commune_member = |i: usize| teams[0].members.get(i).map(|m| m.full_name.clone());
    for a in &list {
        let hamlet = a
            .area_code
            .strip_prefix(&hamlet_prefix)
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|n| (1..=plan.hamlets).contains(n));
        let (area_id, commune_id) = match (a.area_code.as_str(), hamlet) {
            (_, Some(n)) => (ids.hamlet(n), Some(ids.commune)),
            (code, None) if code == plan.code => (ids.commune, Some(ids.commune)),
            _ => (ids.province, None),
        };
        // Hamlet accounts are linked to their seat in the team, so the help they record is
        // attributed to a member.
        let member = hamlet.and_then(|n| {
            let t = teams[n];
            let i = match a.role {
                Role::HamletHead => t.hamlet_head(),
                _ => t.ordinary_member(),
            };
            Some((t.members.get(i)?.full_name.clone(), *member_ids[n].get(i)?))
        });
        let full_name = match (a.role, &member) {
            (_, Some((name, _))) => Some(name.clone()),
            // The commune group lists the chairman first and the culture officer third.
            (Role::CommuneLeader, _) => commune_member(0),
            (Role::CommuneAdmin, _) => commune_member(2),
            (Role::Finance, _) => Some(names::random_name(rng, Gender::Female, 1985)),
            (Role::ProvinceViewer, _) => Some("Sở Khoa học và Công nghệ Tây Ninh".into()),
            _ => Some("Quản trị hệ thống".into()),
        };
        rows.push(vec![
            int(next_account),
            txt(a.username.clone()),
            txt(password_hash),
            opt_txt(full_name),
            txt(a.role.as_str()),
            int(area_id),
            opt_int(commune_id),
            opt_int(member.map(|(_, id)| id)),
            int(1),
            int(ids.ts),
            int(ids.ts),
        ])?;
        next_account += 1;
    }
    rows.finish(conn).await?;
    Ok(list)
}
