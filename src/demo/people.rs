//! Households, residents and their service statuses, generated in memory.
//!
//! Everything here is pure (only the random generator), so it can be tested without a database.

use super::calendar::Calendar;
use super::names::{self, Gender};
use chrono::Datelike;
use rand::Rng;
use std::collections::HashSet;

pub struct Person {
    pub full_name: String,
    pub gender: Gender,
    pub birth_year: i32,
    pub birth_date: Option<String>,
    pub relation: &'static str,
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub has_smartphone: Option<i64>,
    pub status: &'static str,
    pub status_date: Option<String>,
    /// The year the demo is seeded in: ages are counted to it.
    pub year: i32,
}

impl Person {
    pub fn age(&self) -> i32 {
        self.year - self.birth_year
    }
}

pub struct HouseholdPlan {
    pub code: String,
    pub address: String,
    pub head_name: String,
    pub people: Vec<Person>,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// `yyyy-mm-dd` of the `ordinal`-th day (1-based) of `year`; past the year's end gives 31 Dec.
pub fn date_of(year: i32, ordinal: u32) -> String {
    let feb = if is_leap(year) { 29 } else { 28 };
    let months = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = ordinal.max(1);
    for (i, len) in months.iter().enumerate() {
        if left <= *len {
            return format!("{year:04}-{:02}-{left:02}", i + 1);
        }
        left -= len;
    }
    format!("{year:04}-12-31")
}

pub fn random_date_in(rng: &mut impl Rng, year: i32) -> String {
    let days = if is_leap(year) { 366 } else { 365 };
    date_of(year, rng.gen_range(1..=days))
}

/// A citizen ID: `0` + province `72` (Tây Ninh) + century/gender digit + year + 6 digits.
pub fn cccd(rng: &mut impl Rng, gender: Gender, birth_year: i32) -> String {
    let century = match (birth_year >= 2000, gender) {
        (false, Gender::Male) => 0,
        (false, Gender::Female) => 1,
        (true, Gender::Male) => 2,
        (true, Gender::Female) => 3,
    };
    format!(
        "072{century}{:02}{:06}",
        birth_year.rem_euclid(100),
        rng.gen_range(0..1_000_000u32)
    )
}

/// What generated people must not repeat: across the commune, and across the province when
/// the generator writes several communes that share one set.
#[derive(Default)]
pub struct Issued {
    /// Citizen IDs as numbers: a province holds millions, and a number takes a fraction of the
    /// memory of a string.
    cccds: HashSet<u64>,
}

impl Issued {
    /// Marks an ID already in the database as taken.
    pub fn take(&mut self, cccd: &str) {
        if let Ok(n) = cccd.parse() {
            self.cccds.insert(n);
        }
    }

    fn unique_cccd(&mut self, rng: &mut impl Rng, gender: Gender, birth_year: i32) -> String {
        loop {
            let c = cccd(rng, gender, birth_year);
            // Always 12 digits, so the number stands for exactly one ID.
            if c.parse().is_ok_and(|n| self.cccds.insert(n)) {
                return c;
            }
        }
    }
}

/// Where households are: the prefix of their codes and the commune named in their address.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub prefix: &'a str,
    pub commune: &'a str,
}

/// The demo commune's place, as its household codes (`RK-…`) and addresses have always read.
pub const DEMO_PLACE: Place<'static> = Place {
    prefix: "RK",
    commune: "Rạch Kiến",
};

/// Someone before the personal details (ID, phone, status) are filled in.
struct Draft {
    family: String,
    gender: Gender,
    birth_year: i32,
    relation: &'static str,
    /// A name fixed in advance (the hamlet 3 heads that tests search for).
    name: Option<String>,
}

fn draft(family: &str, gender: Gender, birth_year: i32, relation: &'static str) -> Draft {
    Draft {
        family: family.to_string(),
        gender,
        birth_year: birth_year.max(1935),
        relation,
        name: None,
    }
}

fn gender(rng: &mut impl Rng) -> Gender {
    if rng.gen_bool(0.5) {
        Gender::Male
    } else {
        Gender::Female
    }
}

/// Up to `n` children of a mother born in `mother_year`, born when she was 20–38 and before
/// `this_year`.
fn children(
    rng: &mut impl Rng,
    family: &str,
    (mother_year, this_year): (i32, i32),
    n: usize,
    relation: &'static str,
) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut year = mother_year + rng.gen_range(20..=27);
    for _ in 0..n {
        if year >= this_year || year > mother_year + 40 {
            break;
        }
        out.push(draft(family, gender(rng), year, relation));
        year += rng.gen_range(2..=6);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    SingleElder,
    ElderCouple,
    YoungCouple,
    Nuclear(usize),
    SingleParent,
    ThreeGenerations,
    WithParents,
}

/// Shares of household shapes, tuned so a household averages about 3.5 people.
const SHAPES: &[(Shape, u32)] = &[
    (Shape::SingleElder, 9),
    (Shape::ElderCouple, 12),
    (Shape::YoungCouple, 5),
    (Shape::Nuclear(1), 15),
    (Shape::Nuclear(2), 22),
    (Shape::Nuclear(3), 6),
    (Shape::SingleParent, 5),
    (Shape::ThreeGenerations, 17),
    (Shape::WithParents, 10),
];

/// The shapes whose head is a man, for heads whose name is fixed in advance.
const MALE_HEAD_SHAPES: &[(Shape, u32)] = &[
    (Shape::Nuclear(2), 3),
    (Shape::ThreeGenerations, 2),
    (Shape::ElderCouple, 1),
];

/// Wives are usually a few years younger and keep their own family name.
fn wife(rng: &mut impl Rng, husband_year: i32) -> Draft {
    let f = names::family(rng);
    draft(f, Gender::Female, husband_year + rng.gen_range(0..=6), "Vợ")
}

fn members_of(rng: &mut impl Rng, shape: Shape, this_year: i32) -> Vec<Draft> {
    let fam = names::family(rng).to_string();
    match shape {
        Shape::SingleElder => {
            // Widows outlive widowers.
            let g = if rng.gen_bool(0.65) {
                Gender::Female
            } else {
                Gender::Male
            };
            vec![draft(&fam, g, rng.gen_range(1935..=1960), "Chủ hộ")]
        }
        Shape::ElderCouple => {
            let y = rng.gen_range(1940..=1966);
            vec![draft(&fam, Gender::Male, y, "Chủ hộ"), wife(rng, y)]
        }
        Shape::YoungCouple => {
            let y = rng.gen_range(1992..=2002);
            vec![draft(&fam, Gender::Male, y, "Chủ hộ"), wife(rng, y)]
        }
        Shape::Nuclear(n) => {
            let y = rng.gen_range(1965..=1998);
            let w = wife(rng, y);
            let kids = children(rng, &fam, (w.birth_year, this_year), n, "Con");
            let mut v = vec![draft(&fam, Gender::Male, y, "Chủ hộ"), w];
            v.extend(kids);
            v
        }
        Shape::SingleParent => {
            let y = rng.gen_range(1970..=1995);
            // The children carry their father's family name, not the mother's.
            let father = names::family(rng).to_string();
            let n = rng.gen_range(1..=2);
            let mut v = vec![draft(&fam, Gender::Female, y, "Chủ hộ")];
            v.extend(children(rng, &father, (y, this_year), n, "Con"));
            v
        }
        Shape::ThreeGenerations => {
            let y = rng.gen_range(1945..=1966);
            let w = wife(rng, y);
            let son_year = w.birth_year + rng.gen_range(20..=32);
            let dil_family = names::family(rng);
            let dil = draft(
                dil_family,
                Gender::Female,
                son_year + rng.gen_range(-2..=4),
                "Con dâu",
            );
            let n = rng.gen_range(1..=2);
            let grandchildren = children(rng, &fam, (dil.birth_year, this_year), n, "Cháu");
            let mut v = vec![
                draft(&fam, Gender::Male, y, "Chủ hộ"),
                w,
                draft(&fam, Gender::Male, son_year, "Con"),
                dil,
            ];
            v.extend(grandchildren);
            v
        }
        Shape::WithParents => {
            let y = rng.gen_range(1970..=1992);
            let w = wife(rng, y);
            let mother_year = y - rng.gen_range(20..=34);
            let mother_family = names::family(rng);
            let mut v = vec![draft(&fam, Gender::Male, y, "Chủ hộ"), w];
            if rng.gen_bool(0.4) {
                v.push(draft(
                    &fam,
                    Gender::Male,
                    mother_year - rng.gen_range(0..=6),
                    "Cha",
                ));
            }
            v.push(draft(mother_family, Gender::Female, mother_year, "Mẹ"));
            let n = rng.gen_range(0..=2);
            let wife_year = v[1].birth_year;
            v.extend(children(rng, &fam, (wife_year, this_year), n, "Con"));
            v
        }
    }
}

/// A household of hamlet `hamlet` (1-based) of the commune at `place`, number `seq` within it.
pub fn household(
    rng: &mut impl Rng,
    (issued, cal): (&mut Issued, &Calendar),
    place: &Place,
    hamlet: usize,
    seq: usize,
    fixed_head: Option<&str>,
) -> HouseholdPlan {
    let shape = match fixed_head {
        Some(_) => names::pick(rng, MALE_HEAD_SHAPES),
        None => names::pick(rng, SHAPES),
    };
    let mut drafts = members_of(rng, shape, cal.year());
    if let Some(name) = fixed_head {
        // Children and grandchildren take the head's family name.
        let fam = name.split(' ').next().unwrap_or(name).to_string();
        for d in drafts.iter_mut() {
            if matches!(d.relation, "Chủ hộ" | "Con" | "Cháu" | "Cha") {
                d.family = fam.clone();
            }
        }
        drafts[0].name = Some(crate::text::clean(name));
    }
    let mut people: Vec<Person> = Vec::with_capacity(drafts.len());
    for d in drafts {
        let mut full_name = match d.name {
            Some(n) => n,
            None => names::full_name(rng, &d.family, d.gender, d.birth_year),
        };
        // Parents do not give two children the same name.
        let mut tries = 0;
        while tries < 8 && people.iter().any(|p| p.full_name == full_name) {
            full_name = names::full_name(rng, &d.family, d.gender, d.birth_year);
            tries += 1;
        }
        people.push(person(
            rng,
            (issued, cal),
            full_name,
            d.gender,
            d.birth_year,
            d.relation,
        ));
    }
    let head_name = people
        .first()
        .map(|p| p.full_name.clone())
        .unwrap_or_default();
    HouseholdPlan {
        code: format!("{}-{hamlet:02}-{seq:04}", place.prefix),
        // Residential groups (tổ) of about fifty households.
        address: format!(
            "Tổ {}, Ấp {hamlet}, xã {}",
            (seq - 1) / 50 + 1,
            place.commune
        ),
        head_name,
        people,
    }
}

fn person(
    rng: &mut impl Rng,
    (issued, cal): (&mut Issued, &Calendar),
    full_name: String,
    gender: Gender,
    birth_year: i32,
    relation: &'static str,
) -> Person {
    let age = cal.year() - birth_year;
    // About one in ten records carries only the year, as on old household books.
    let birth_date = (!rng.gen_bool(0.10)).then(|| random_date_in(rng, birth_year));
    let cccd = (age >= 14).then(|| issued.unique_cccd(rng, gender, birth_year));
    let adult = age >= 18;
    let phone_share = if age >= 75 { 0.35 } else { 0.75 };
    let phone = (adult && rng.gen_bool(phone_share)).then(|| names::phone(rng));
    let has_smartphone = if !adult {
        None
    } else {
        let yes = match age {
            ..=55 => 0.90,
            56..=70 => 0.70,
            _ => 0.40,
        };
        let x: f64 = rng.r#gen();
        if x < 0.07 {
            None
        } else if x < 0.07 + 0.93 * yes {
            Some(1)
        } else {
            Some(0)
        }
    };
    let mut status = "living";
    let mut status_date = None;
    if relation != "Chủ hộ" {
        let deceased = if age >= 70 { 0.08 } else { 0.003 };
        let moved = if (18..=45).contains(&age) {
            0.045
        } else {
            0.008
        };
        let x: f64 = rng.r#gen();
        if x < deceased {
            status = "deceased";
        } else if x < deceased + moved {
            status = "moved";
        }
        if status != "living" {
            // In the demo's history, or in one of the two years before it.
            let first = cal.start.year();
            let year = rng.gen_range(first - 2..=first);
            status_date = Some(if year == first {
                cal.random_day(rng)
            } else {
                random_date_in(rng, year)
            });
        }
    }
    Person {
        full_name,
        gender,
        birth_year,
        birth_date,
        relation,
        cccd,
        phone,
        has_smartphone,
        status,
        status_date,
        year: cal.year(),
    }
}

/// Base share of residents aged 15 and over who have done each service.
pub const SERVICE_RATES: &[(&str, f64)] = &[
    ("vneid", 0.75),
    ("province_app", 0.55),
    ("digital_skills", 0.35),
    ("public_services", 0.40),
    ("cashless", 0.50),
    ("email", 0.30),
    ("vssid", 0.25),
    ("health_book", 0.30),
    ("ecommerce", 0.03),
    ("scam_awareness", 0.40),
    ("digital_signature", 0.05),
    ("zalo_group", 0.45),
];

/// How far a hamlet is ahead of or behind the commune, per service.
pub struct HamletPace {
    pub factor: f64,
    pub has_zalo: bool,
}

pub struct ServiceStatus {
    pub code: &'static str,
    pub status: &'static str,
    pub date: String,
}

/// The statuses a living resident of 15 or more has; services never started are absent.
/// Their dates fall in the demo's history, up to today.
pub fn service_statuses(
    rng: &mut impl Rng,
    p: &Person,
    pace: &HamletPace,
    cal: &Calendar,
) -> Vec<ServiceStatus> {
    let mut out = Vec::new();
    let age = p.age();
    if p.status != "living" || age < 15 {
        return out;
    }
    let mut vneid_done = false;
    for &(code, base) in SERVICE_RATES {
        let mut rate = (base * pace.factor).min(0.97);
        if age >= 60 {
            rate *= match code {
                "vneid" => 0.85,
                "scam_awareness" => 0.9,
                "ecommerce" | "digital_signature" | "email" => 0.2,
                _ => 0.55,
            };
        }
        if age < 18 {
            rate *= match code {
                "vneid" | "email" | "zalo_group" => 0.9,
                "cashless" => 0.5,
                "ecommerce" | "digital_signature" | "vssid" => 0.0,
                _ => 0.6,
            };
        }
        // Without a smartphone only the in-person guidance and the ID-based account happen.
        if p.has_smartphone == Some(0) && code != "scam_awareness" {
            rate *= if code == "vneid" { 0.5 } else { 0.08 };
        }
        // Digital skills are confirmed on VNeID.
        if code == "digital_skills" && !vneid_done {
            rate *= 0.1;
        }
        if code == "zalo_group" && !pace.has_zalo {
            rate = 0.0;
        }
        let x: f64 = rng.r#gen();
        // Some are being guided right now; rarer services have fewer in the pipeline.
        let status = if x < rate {
            "done"
        } else if x < rate + (rate * 0.3).min(0.06) {
            "in_progress"
        } else {
            continue;
        };
        if code == "vneid" {
            vneid_done = status == "done";
        }
        out.push(ServiceStatus {
            code,
            status,
            date: cal.random_day(rng),
        });
    }
    out
}

/// Share of living adults the team helped submit an online public-service dossier in the demo's
/// history (a birth registration, a marital-status certificate, another procedure).
const DOSSIER_SHARE: f64 = 0.025;

/// An online dossier submitted with the team's help.
pub struct Dossier {
    pub kind: &'static str,
    pub date: String,
}

/// The online dossier a resident submitted with the team's help, if any: young parents
/// register births, people of marrying age ask for their marital status.
pub fn dossier(rng: &mut impl Rng, p: &Person, cal: &Calendar) -> Option<Dossier> {
    let age = p.age();
    if p.status != "living" || age < 18 || !rng.gen_bool(DOSSIER_SHARE) {
        return None;
    }
    let x: f64 = rng.r#gen();
    let kind = match age {
        20..=40 if x < 0.45 => "birth_registration",
        18..=45 if x < 0.75 => "marital_status",
        _ => "other",
    };
    Some(Dossier {
        kind,
        date: cal.random_day(rng),
    })
}
