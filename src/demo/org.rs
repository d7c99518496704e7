//! Teams, members and activities of a generated commune, in memory.

use super::calendar::{Calendar, iso};
use super::names::{self, Gender};
use super::people::date_of;
use crate::indicators::period::{self, Month};
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;

pub struct MemberPlan {
    pub full_name: String,
    pub phone: Option<String>,
    pub position: &'static str,
    pub affiliation: &'static str,
    pub detail: Option<String>,
    pub joined_on: String,
}

pub struct TeamPlan {
    pub kind: &'static str,
    pub name: String,
    pub zalo_link: Option<String>,
    pub zalo_members: Option<i64>,
    pub zalo_active: bool,
    pub members: Vec<MemberPlan>,
}

impl TeamPlan {
    /// The member who holds the hamlet head's seat (every hamlet team has one).
    pub fn hamlet_head(&self) -> usize {
        self.members
            .iter()
            .position(|m| m.affiliation == "hamlet_head")
            .unwrap_or(0)
    }

    /// An ordinary member, preferably from the Youth Union, for the demo team-member account.
    pub fn ordinary_member(&self) -> usize {
        let plain = |m: &&MemberPlan| m.position == "member" && m.affiliation != "hamlet_head";
        self.members
            .iter()
            .position(|m| plain(&m) && m.affiliation == "youth_union")
            .or_else(|| self.members.iter().position(|m| plain(&m)))
            .unwrap_or(0)
    }

    pub fn leader(&self) -> usize {
        self.members
            .iter()
            .position(|m| m.position == "leader")
            .unwrap_or(0)
    }
}

/// Teams were set up through the year before the demo's history, after the province's plan.
fn joined_on(rng: &mut impl Rng, first_year: i32) -> String {
    date_of(first_year - 1, rng.gen_range(60..=350))
}

/// A member whose age and gender fit the association they come from.
fn member(
    (rng, first_year): (&mut impl Rng, i32),
    position: &'static str,
    affiliation: &'static str,
    detail: Option<String>,
) -> MemberPlan {
    let (gender, year) = match affiliation {
        "youth_union" => (random_gender(rng, 0.6), rng.gen_range(1992..=2005)),
        "women_union" => (Gender::Female, rng.gen_range(1965..=1995)),
        "veterans" => (Gender::Male, rng.gen_range(1950..=1972)),
        "police" => (random_gender(rng, 0.85), rng.gen_range(1985..=2000)),
        "farmers_union" => (random_gender(rng, 0.75), rng.gen_range(1960..=1990)),
        _ => (random_gender(rng, 0.7), rng.gen_range(1965..=1995)),
    };
    MemberPlan {
        full_name: names::random_name(rng, gender, year),
        phone: Some(names::phone(rng)),
        position,
        affiliation,
        detail,
        joined_on: joined_on(rng, first_year),
    }
}

fn random_gender(rng: &mut impl Rng, male_share: f64) -> Gender {
    if rng.gen_bool(male_share) {
        Gender::Male
    } else {
        Gender::Female
    }
}

const MEMBER_AFFILIATIONS: &[(&str, u32)] = &[
    ("youth_union", 30),
    ("women_union", 25),
    ("farmers_union", 15),
    ("veterans", 12),
    ("police", 8),
    ("other", 10),
];

/// Which hamlets have a Zalo group, and which one of those has gone quiet.
pub struct ZaloPlan {
    without: Vec<usize>,
    inactive: usize,
}

impl ZaloPlan {
    pub fn new(rng: &mut impl Rng, hamlets: usize) -> ZaloPlan {
        let mut order: Vec<usize> = (1..=hamlets).collect();
        order.shuffle(rng);
        let without: Vec<usize> = order.iter().take(3.min(hamlets)).copied().collect();
        let inactive = order.get(3).copied().unwrap_or(0);
        ZaloPlan { without, inactive }
    }

    pub fn has_group(&self, hamlet: usize) -> bool {
        !self.without.contains(&hamlet)
    }
}

/// `first_year`: the first year of the demo's history (members joined the year before).
pub fn hamlet_team(
    rng: &mut impl Rng,
    hamlet: usize,
    households: usize,
    zalo: &ZaloPlan,
    first_year: i32,
) -> TeamPlan {
    let size = rng.gen_range(4..=9);
    let deputies = rng.gen_range(1..=2);
    let head_leads = rng.gen_bool(0.6);
    let mut members = Vec::with_capacity(size);
    let leader_aff = if head_leads {
        "hamlet_head"
    } else {
        names::pick(rng, &[("youth_union", 5), ("veterans", 3), ("other", 2)])
    };
    members.push(member((&mut *rng, first_year), "leader", leader_aff, None));
    for i in 0..deputies {
        let aff = if i == 0 && !head_leads {
            "hamlet_head"
        } else {
            names::pick(
                rng,
                &[("youth_union", 5), ("police", 4), ("women_union", 2)],
            )
        };
        members.push(member((&mut *rng, first_year), "deputy", aff, None));
    }
    while members.len() < size {
        let aff = names::pick(rng, MEMBER_AFFILIATIONS);
        members.push(member((&mut *rng, first_year), "member", aff, None));
    }
    let (zalo_link, zalo_members) = if zalo.has_group(hamlet) {
        let id: String = (0..8)
            .map(|_| {
                let chars = b"abcdefghijklmnopqrstuvwxyz0123456789";
                char::from(chars[rng.gen_range(0..chars.len())])
            })
            .collect();
        let share = rng.gen_range(0.45..0.9);
        (
            Some(format!("https://zalo.me/g/{id}")),
            Some((households as f64 * share).round() as i64 + size as i64),
        )
    } else {
        (None, None)
    };
    TeamPlan {
        kind: "hamlet",
        name: format!("Tổ CNSCĐ Ấp {hamlet}"),
        zalo_active: zalo_link.is_some() && zalo.inactive != hamlet,
        zalo_link,
        zalo_members,
        members,
    }
}

/// The commune-level group: commune leaders, one representative per hamlet team, the police,
/// and the enterprises that help (telecoms and the post office).
pub fn commune_group(rng: &mut impl Rng, hamlet_teams: &[TeamPlan], first_year: i32) -> TeamPlan {
    let mut members = vec![
        member(
            (&mut *rng, first_year),
            "leader",
            "commune_leader",
            Some("Chủ tịch UBND xã".into()),
        ),
        member(
            (&mut *rng, first_year),
            "deputy",
            "commune_leader",
            Some("Phó Chủ tịch UBND xã".into()),
        ),
        member(
            (&mut *rng, first_year),
            "deputy",
            "other",
            Some("Phòng Văn hóa – Xã hội".into()),
        ),
        member(
            (&mut *rng, first_year),
            "member",
            "police",
            Some("Công an xã".into()),
        ),
    ];
    for (i, t) in hamlet_teams.iter().enumerate() {
        if let Some(l) = t.members.get(t.leader()) {
            members.push(MemberPlan {
                full_name: l.full_name.clone(),
                phone: l.phone.clone(),
                position: "member",
                affiliation: l.affiliation,
                detail: Some(format!("Tổ trưởng Tổ CNSCĐ Ấp {}", i + 1)),
                joined_on: l.joined_on.clone(),
            });
        }
    }
    for enterprise in ["VNPT", "Viettel", "MobiFone", "Bưu điện"] {
        members.push(member(
            (&mut *rng, first_year),
            "member",
            "enterprise",
            Some(enterprise.into()),
        ));
    }
    TeamPlan {
        kind: "commune",
        name: "Nhóm Tổ CNSCĐ cấp xã".into(),
        zalo_link: None,
        zalo_members: None,
        zalo_active: false,
        members,
    }
}

pub struct ActivityPlan {
    pub kind: &'static str,
    pub date: String,
    pub place: String,
    pub reached: i64,
    /// Indices into the team's members.
    pub present: Vec<usize>,
}

/// The occasional extra session of a month, besides the rounds and the cultural-house session.
const EXTRA_KINDS: &[(&str, u32)] = &[
    ("meeting_propaganda", 35),
    ("cultural_house", 25),
    ("campaign", 25),
    ("training", 15),
];

/// Share of hamlet-quarters with an information-security session: most, not all.
const SECURITY_SHARE: f64 = 0.85;

/// The second Sunday of month `m`: the plan's day at the hamlet's cultural house.
fn second_sunday(m: Month) -> u32 {
    let first = Calendar::day_of(m, 1);
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    1 + to_sunday + 7
}

/// A hamlet team's activities from the first month of the demo's history up to today, as the
/// plan asks (at least 4 a month: door-to-door rounds and a Sunday at the cultural house), with
/// a slack month here and there, an information-security session in most quarters, and the
/// National Digital Transformation Day (10 October). This month has what happened by today,
/// and at least one round.
pub fn activities<R: Rng>(
    rng: &mut R,
    cal: &Calendar,
    (commune, hamlet): (&str, usize),
    team_size: usize,
    groups: usize,
) -> Vec<ActivityPlan> {
    let mut out = Vec::new();
    let mut held = |rng: &mut R, kind: &'static str, day: NaiveDate| {
        if cal.has_come(day) {
            out.push(activity(
                rng,
                commune,
                hamlet,
                team_size,
                groups,
                kind,
                iso(day),
            ));
        }
    };
    let mut security_month = None;
    for m in cal.months() {
        let len = period::last_day(m).day();
        let any_day = |rng: &mut R| Calendar::day_of(m, rng.gen_range(1..=len));
        if (period::month_number(m) - 1) % 3 == 0 {
            // The month of this quarter's security session, if the team holds one.
            security_month = rng
                .gen_bool(SECURITY_SHARE)
                .then(|| m + rng.gen_range(0..3));
        }
        held(rng, "cultural_house", Calendar::day_of(m, second_sunday(m)));
        let rounds = if rng.gen_bool(0.12) {
            1
        } else {
            rng.gen_range(2..=3)
        };
        for _ in 0..rounds {
            let d = any_day(rng);
            held(rng, "door_to_door", d);
        }
        if security_month == Some(m) {
            let d = any_day(rng);
            held(rng, "security_session", d);
        }
        if rng.gen_bool(0.5) {
            let kind = names::pick(rng, EXTRA_KINDS);
            let d = any_day(rng);
            held(rng, kind, d);
        }
        if period::month_number(m) == 10 {
            held(rng, "dx_day", Calendar::day_of(m, 10));
        }
    }
    // This month has begun with at least one round in every hamlet.
    let this_month = period::month_code(cal.this_month());
    if !out.iter().any(|a| a.date.starts_with(&this_month)) {
        let d = Calendar::day_of(cal.this_month(), rng.gen_range(1..=cal.today.day()));
        out.push(activity(
            rng,
            commune,
            hamlet,
            team_size,
            groups,
            "door_to_door",
            iso(d),
        ));
    }
    out.sort_by(|a, b| a.date.cmp(&b.date));
    out
}

fn activity(
    rng: &mut impl Rng,
    commune: &str,
    hamlet: usize,
    team_size: usize,
    groups: usize,
    kind: &'static str,
    date: String,
) -> ActivityPlan {
    let (place, reached) = match kind {
        "door_to_door" => (
            format!(
                "Các hộ Tổ {}, Ấp {hamlet}",
                rng.gen_range(1..=groups.max(1))
            ),
            rng.gen_range(8..=30),
        ),
        "cultural_house" => (format!("Nhà văn hóa Ấp {hamlet}"), rng.gen_range(20..=60)),
        "meeting_propaganda" => (format!("Hội trường Ấp {hamlet}"), rng.gen_range(25..=80)),
        "campaign" => (format!("Ấp {hamlet}"), rng.gen_range(40..=120)),
        "security_session" => (format!("Nhà văn hóa Ấp {hamlet}"), rng.gen_range(20..=70)),
        "training" => (
            format!("Hội trường UBND xã {commune}"),
            rng.gen_range(10..=30),
        ),
        _ => (
            format!("Sân Nhà văn hóa Ấp {hamlet}"),
            rng.gen_range(60..=200),
        ),
    };
    let mut idx: Vec<usize> = (0..team_size).collect();
    idx.shuffle(rng);
    let count = rng.gen_range(2..=4).min(team_size);
    let mut present: Vec<usize> = idx.into_iter().take(count).collect();
    present.sort_unstable();
    ActivityPlan {
        kind,
        date,
        place,
        reached,
        present,
    }
}
