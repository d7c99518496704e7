//! Teams, members and activities of a generated commune, in memory.

use super::names::{self, Gender};
use super::people::{YEAR, date_of};
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

/// Teams were set up through 2025, after the province's plan.
fn joined_on(rng: &mut impl Rng) -> String {
    date_of(YEAR - 1, rng.gen_range(60..=350))
}

/// A member whose age and gender fit the association they come from.
fn member(
    rng: &mut impl Rng,
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
        joined_on: joined_on(rng),
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

pub fn hamlet_team(
    rng: &mut impl Rng,
    hamlet: usize,
    households: usize,
    zalo: &ZaloPlan,
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
    members.push(member(rng, "leader", leader_aff, None));
    for i in 0..deputies {
        let aff = if i == 0 && !head_leads {
            "hamlet_head"
        } else {
            names::pick(
                rng,
                &[("youth_union", 5), ("police", 4), ("women_union", 2)],
            )
        };
        members.push(member(rng, "deputy", aff, None));
    }
    while members.len() < size {
        let aff = names::pick(rng, MEMBER_AFFILIATIONS);
        members.push(member(rng, "member", aff, None));
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
pub fn commune_group(rng: &mut impl Rng, hamlet_teams: &[TeamPlan]) -> TeamPlan {
    let mut members = vec![
        member(
            rng,
            "leader",
            "commune_leader",
            Some("Chủ tịch UBND xã".into()),
        ),
        member(
            rng,
            "deputy",
            "commune_leader",
            Some("Phó Chủ tịch UBND xã".into()),
        ),
        member(
            rng,
            "deputy",
            "other",
            Some("Phòng Văn hóa – Xã hội".into()),
        ),
        member(rng, "member", "police", Some("Công an xã".into())),
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
        members.push(member(rng, "member", "enterprise", Some(enterprise.into())));
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

const ACTIVITY_KINDS: &[(&str, u32)] = &[
    ("door_to_door", 40),
    ("cultural_house", 20),
    ("meeting_propaganda", 15),
    ("campaign", 8),
    ("security_session", 10),
    ("training", 7),
];

/// A few activities a month from January to 20 November, plus the event of the National
/// Digital Transformation Day (10 October).
pub fn activities(
    rng: &mut impl Rng,
    commune: &str,
    hamlet: usize,
    team_size: usize,
    groups: usize,
) -> Vec<ActivityPlan> {
    let mut out = Vec::new();
    for month in 1..=11u32 {
        let last_day = if month == 11 { 20 } else { 28 };
        for _ in 0..rng.gen_range(2..=4) {
            let kind = names::pick(rng, ACTIVITY_KINDS);
            let day = rng.gen_range(1..=last_day);
            out.push(activity(
                rng,
                commune,
                hamlet,
                team_size,
                groups,
                kind,
                format!("{YEAR}-{month:02}-{day:02}"),
            ));
        }
    }
    out.push(activity(
        rng,
        commune,
        hamlet,
        team_size,
        groups,
        "dx_day",
        format!("{YEAR}-10-10"),
    ));
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
