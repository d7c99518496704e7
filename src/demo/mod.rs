//! The demo commune: Rạch Kiến (Tây Ninh) with 17 hamlets, their teams, about 10,000
//! households and 35,000 residents, service statuses, activities and one account per role.
//! `generate_province` adds more communes like it under Tây Ninh, for measuring at province
//! scale.
//!
//! The demo is a commune well into its year on the day it is seeded (`calendar`): services,
//! help and activities from January to today, the year's plan with its progress, the hamlets'
//! monthly reports up to last month, communications, online dossiers, the reports to the
//! province and, in the last quarter, the teams' year-end evaluations being drafted.
//!
//! The data is generated from a fixed seed so every demo database looks the same, and written
//! in one transaction with explicit ids and multi-row inserts: row-by-row inserts through the
//! data layer would take minutes for this volume.

mod businesses;
mod calendar;
mod communications;
mod consents;
mod evaluations;
mod funding;
mod guides;
mod monthly;
mod names;
mod org;
mod people;
mod province;
mod reports;
mod scores;
mod trainings;
mod write;
mod writers;
mod yearplan;

pub use province::{CommuneDone, ProvinceOptions, ProvinceSummary, commune_names};
pub use province::{generate_province, generate_province_on};

use crate::auth::Role;
use crate::crypto::Keys;
use crate::db::Db;
use crate::error::Result;
use calendar::Calendar;
use chrono::NaiveDate;
use people::Issued;
use write::{CommunePlan, Parent, Written};

pub const HAMLETS: usize = 17;
pub const PROVINCE_CODE: &str = "tay-ninh";
pub const COMMUNE_CODE: &str = "rach-kien";
const PROVINCE_NAME: &str = "Tây Ninh";
const COMMUNE_NAME: &str = "Rạch Kiến";
/// Tables written with explicit ids, whose PostgreSQL identities must move past them.
const WITH_IDS: &[&str] = &[
    "areas",
    "teams",
    "members",
    "households",
    "residents",
    "activities",
    "help_records",
    "accounts",
    "service_status_history",
];
/// Tests search hamlet 3 for this name, so it must be there whatever the seed.
pub const FIXED_NAME: &str = "Nguyễn Văn Đức";

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub households_per_hamlet: usize,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        // 17 × 590 ≈ 10,000 households, the size of a merged commune.
        DemoOptions {
            households_per_hamlet: 590,
            seed: 2026,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub area_code: String,
}

#[derive(Clone, Debug)]
pub struct DemoSummary {
    pub commune_id: i64,
    pub households: i64,
    pub residents: i64,
    pub accounts: Vec<DemoAccount>,
}

/// The code of hamlet `n` of the demo commune.
pub fn hamlet_code(n: usize) -> String {
    hamlet_code_of(COMMUNE_CODE, n)
}

/// The code of hamlet `n` of any generated commune.
pub fn hamlet_code_of(commune_code: &str, n: usize) -> String {
    format!("{commune_code}-ap-{n:02}")
}

/// The demo usernames in order: commune and province accounts, then one hamlet head and one
/// team member per hamlet.
pub fn account_list() -> Vec<DemoAccount> {
    let acc = |u: &str, role, area: &str| DemoAccount {
        username: u.to_string(),
        role,
        area_code: area.to_string(),
    };
    let mut v = vec![
        acc("quantri", Role::Sysadmin, PROVINCE_CODE),
        acc("vhxh", Role::CommuneAdmin, COMMUNE_CODE),
        acc("chutich", Role::CommuneLeader, COMMUNE_CODE),
        acc("kinhte", Role::Finance, COMMUNE_CODE),
        acc("so", Role::ProvinceViewer, PROVINCE_CODE),
    ];
    for n in 1..=HAMLETS {
        v.push(acc(
            &format!("truongap{n:02}"),
            Role::HamletHead,
            &hamlet_code(n),
        ));
    }
    for n in 1..=HAMLETS {
        v.push(acc(
            &format!("tovien{n:02}"),
            Role::TeamMember,
            &hamlet_code(n),
        ));
    }
    v
}

/// Seeds the demo commune as it stands today (`period::today`, which `CONGDONGSO_TODAY` sets) if
/// the database has no areas yet; returns None when it was not empty.
pub async fn seed(
    db: &Db,
    keys: &Keys,
    password: &str,
    opts: &DemoOptions,
) -> Result<Option<DemoSummary>> {
    seed_on(db, keys, password, opts, crate::indicators::period::today()).await
}

/// Seeds the demo commune as it stands on `today`: the same seed and day give the same data.
pub async fn seed_on(
    db: &Db,
    keys: &Keys,
    password: &str,
    opts: &DemoOptions,
    today: NaiveDate,
) -> Result<Option<DemoSummary>> {
    if db.scalar_i64("SELECT COUNT(*) FROM areas", &[]).await? > 0 {
        return Ok(None);
    }
    let cal = Calendar::on(today);
    // Argon2 is deliberately slow: one hash serves every demo account.
    let password_hash = crate::auth::hash_password(password)?;
    let w = write_commune(
        db,
        keys,
        &demo_plan(opts, &password_hash, cal),
        &mut Issued::default(),
    )
    .await?;
    let commune = w.commune_id;
    // What the hamlets' reports freeze comes first: communications and the plan's targets.
    communications::write(db, commune, &cal).await?;
    yearplan::write(db, commune, &cal).await?;
    monthly::write(db, commune, &cal, opts.seed).await?;
    reports::seed_commune_reports(db, commune, 1, &cal).await?;
    scores::write(db, commune, &cal).await?;
    consents::write(db, commune, &cal).await?;
    evaluations::write(db, commune, &cal, opts.seed).await?;
    funding::write(db, commune, &cal).await?;
    trainings::write(db, commune, &cal, opts.seed).await?;
    guides::write(db, commune, &cal).await?;
    businesses::write(db, commune, &cal, opts.seed).await?;
    // Everything was just loaded: the planner learns the tables' sizes now.
    db.analyze(&[]).await?;
    Ok(Some(DemoSummary {
        commune_id: w.commune_id,
        households: w.households,
        residents: w.residents,
        accounts: w.accounts,
    }))
}

fn demo_plan<'a>(opts: &DemoOptions, password_hash: &'a str, cal: Calendar) -> CommunePlan<'a> {
    CommunePlan {
        code: COMMUNE_CODE,
        name: COMMUNE_NAME,
        prefix: people::DEMO_PLACE.prefix,
        sort_order: 1,
        hamlets: HAMLETS,
        households_per_hamlet: opts.households_per_hamlet,
        seed: opts.seed,
        parent: Parent::Demo {
            province_code: PROVINCE_CODE,
            province_name: PROVINCE_NAME,
            password_hash,
        },
        cal,
    }
}

/// Writes one commune and its indicator tables in one transaction, so a commune is either
/// all there (counts included) or absent.
async fn write_commune(
    db: &Db,
    keys: &Keys,
    plan: &CommunePlan<'_>,
    issued: &mut Issued,
) -> Result<Written> {
    let mut tx = db.begin_write().await?;
    let w = write::write(&mut tx, keys, plan, issued).await?;
    crate::db::indicator_sources::rebuild_commune(&mut tx, w.commune_id).await?;
    tx.commit().await?;
    db.reset_sequences(WITH_IDS).await?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::names::Gender;
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use unicode_normalization::UnicodeNormalization;

    fn sample_names(seed: u64) -> Vec<String> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..300)
            .map(|i| {
                let g = if i % 2 == 0 {
                    Gender::Male
                } else {
                    Gender::Female
                };
                names::random_name(&mut rng, g, 1940 + (i % 85))
            })
            .collect()
    }

    #[test]
    fn names_are_deterministic_nfc_and_three_words() {
        let a = sample_names(7);
        assert_eq!(a, sample_names(7));
        assert_ne!(a, sample_names(8));
        for n in &a {
            assert_eq!(&n.nfc().collect::<String>(), n);
            assert_eq!(n.split(' ').count(), 3, "{n}");
        }
        assert!(a.iter().any(|n| n.contains('Đ') || n.contains('đ')));
        let nguyen = a.iter().filter(|n| n.starts_with("Nguyễn ")).count();
        assert!(
            (60..=170).contains(&nguyen),
            "Nguyễn is the most common family name: {nguyen}"
        );
    }

    #[test]
    fn cccd_encodes_province_gender_and_year() {
        let mut rng = StdRng::seed_from_u64(1);
        for (g, y, d) in [
            (Gender::Male, 1975, '0'),
            (Gender::Female, 1948, '1'),
            (Gender::Male, 2008, '2'),
            (Gender::Female, 2010, '3'),
        ] {
            let c = people::cccd(&mut rng, g, y);
            assert_eq!(c.len(), 12);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
            assert_eq!(&c[..3], "072");
            assert_eq!(c.chars().nth(3), Some(d));
            assert_eq!(c[4..6], format!("{:02}", y % 100));
        }
    }

    /// The day the unit tests generate people on.
    fn cal() -> Calendar {
        Calendar::on(NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
    }

    #[test]
    fn dates_are_calendar_days() {
        assert_eq!(people::date_of(2026, 1), "2026-01-01");
        assert_eq!(people::date_of(2026, 324), "2026-11-20");
        assert_eq!(people::date_of(2024, 60), "2024-02-29");
        assert_eq!(people::date_of(2025, 365), "2025-12-31");
    }

    #[test]
    fn households_look_like_households() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut issued = people::Issued::default();
        let mut persons = 0;
        let mut cccds = std::collections::HashSet::new();
        for seq in 1..=2000 {
            let h = people::household(
                &mut rng,
                (&mut issued, &cal()),
                &people::DEMO_PLACE,
                5,
                seq,
                None,
            );
            assert_eq!(h.code, format!("RK-05-{seq:04}"));
            assert!(h.address.ends_with("Ấp 5, xã Rạch Kiến"));
            assert_eq!(h.people[0].relation, "Chủ hộ");
            assert_eq!(h.people[0].status, "living");
            assert_eq!(h.head_name, h.people[0].full_name);
            assert_eq!(
                h.people.iter().filter(|p| p.relation == "Chủ hộ").count(),
                1
            );
            let head = &h.people[0];
            let head_family = head.full_name.split(' ').next().unwrap();
            for p in &h.people {
                assert!((1935..=2025).contains(&p.birth_year));
                assert_eq!(p.cccd.is_some(), p.age() >= 14, "{}", p.full_name);
                if let Some(c) = &p.cccd {
                    assert!(cccds.insert(c.clone()), "CCCD {c} issued twice");
                }
                if let Some(d) = &p.birth_date {
                    assert!(d.starts_with(&p.birth_year.to_string()));
                }
                if p.relation == "Con" && head.gender == Gender::Male {
                    assert!(
                        p.full_name.starts_with(head_family),
                        "children take the father's name"
                    );
                }
            }
            persons += h.people.len();
        }
        let avg = persons as f64 / 2000.0;
        assert!((3.2..=3.9).contains(&avg), "average household size {avg}");
    }

    #[test]
    fn hamlet_three_has_the_searched_name() {
        assert_eq!(write::fixed_head_seqs(590), vec![1, 197, 394]);
        assert_eq!(write::fixed_head_seqs(3), vec![1, 2, 3]);
        assert_eq!(write::fixed_head_seqs(1), vec![1]);
        assert!(write::fixed_head_seqs(0).is_empty());
        let mut rng = StdRng::seed_from_u64(9);
        let mut issued = people::Issued::default();
        for seq in 1..50 {
            let h = people::household(
                &mut rng,
                (&mut issued, &cal()),
                &people::DEMO_PLACE,
                3,
                seq,
                Some(FIXED_NAME),
            );
            assert_eq!(h.head_name, FIXED_NAME);
            assert_eq!(h.people[0].gender, Gender::Male);
            for p in h
                .people
                .iter()
                .filter(|p| matches!(p.relation, "Con" | "Cháu"))
            {
                assert!(p.full_name.starts_with("Nguyễn "), "{}", p.full_name);
            }
        }
    }

    #[test]
    fn service_statuses_are_partial_and_plausible() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut issued = people::Issued::default();
        let pace = people::HamletPace {
            factor: 1.0,
            has_zalo: true,
        };
        let (mut adults, mut vneid, mut ecommerce) = (0, 0, 0);
        let cal = cal();
        for seq in 1..=1500 {
            let h = people::household(
                &mut rng,
                (&mut issued, &cal),
                &people::DEMO_PLACE,
                1,
                seq,
                None,
            );
            for p in h.people {
                let statuses = people::service_statuses(&mut rng, &p, &pace, &cal);
                if p.status != "living" || p.age() < 15 {
                    assert!(statuses.is_empty());
                    continue;
                }
                adults += 1;
                for s in &statuses {
                    assert!(s.date.as_str() >= "2026-01-01" && s.date.as_str() <= "2026-12-04");
                    if s.status == "done" {
                        vneid += (s.code == "vneid") as i32;
                        ecommerce += (s.code == "ecommerce") as i32;
                    }
                }
            }
        }
        let share = |n: i32| n as f64 / adults as f64;
        assert!(
            (0.55..0.85).contains(&share(vneid)),
            "vneid {}",
            share(vneid)
        );
        assert!(share(ecommerce) < 0.06, "ecommerce {}", share(ecommerce));
        let no_zalo = people::HamletPace {
            factor: 1.0,
            has_zalo: false,
        };
        let p = people::household(
            &mut rng,
            (&mut issued, &cal),
            &people::DEMO_PLACE,
            1,
            1,
            None,
        )
        .people
        .remove(0);
        for _ in 0..50 {
            let s = people::service_statuses(&mut rng, &p, &no_zalo, &cal);
            assert!(s.iter().all(|s| s.code != "zalo_group"));
        }
    }

    #[test]
    fn teams_have_one_leader_and_a_hamlet_head() {
        let mut rng = StdRng::seed_from_u64(5);
        let zalo = org::ZaloPlan::new(&mut rng, HAMLETS);
        let teams: Vec<_> = (1..=HAMLETS)
            .map(|n| org::hamlet_team(&mut rng, n, 590, &zalo, 2026))
            .collect();
        for t in &teams {
            assert!((4..=9).contains(&t.members.len()));
            assert_eq!(
                t.members.iter().filter(|m| m.position == "leader").count(),
                1
            );
            let deputies = t.members.iter().filter(|m| m.position == "deputy").count();
            assert!((1..=2).contains(&deputies));
            assert_eq!(
                t.members
                    .iter()
                    .filter(|m| m.affiliation == "hamlet_head")
                    .count(),
                1
            );
            assert_eq!(t.members[t.ordinary_member()].position, "member");
            for m in &t.members {
                let p = m.phone.as_deref().unwrap();
                assert_eq!(crate::text::normalize_phone(p).as_deref(), Some(p));
                assert!(["09", "03", "08", "07"].contains(&&p[..2]));
            }
        }
        assert_eq!(teams.iter().filter(|t| t.zalo_link.is_some()).count(), 14);
        assert_eq!(teams.iter().filter(|t| t.zalo_active).count(), 13);
        let group = org::commune_group(&mut rng, &teams, 2026);
        let enterprises: Vec<_> = group
            .members
            .iter()
            .filter(|m| m.affiliation == "enterprise")
            .filter_map(|m| m.detail.as_deref())
            .collect();
        assert_eq!(enterprises, ["VNPT", "Viettel", "MobiFone", "Bưu điện"]);
    }

    #[test]
    fn account_list_is_in_print_order() {
        let list = account_list();
        assert_eq!(list.len(), 5 + 2 * HAMLETS);
        let names: Vec<&str> = list.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(
            &names[..6],
            ["quantri", "vhxh", "chutich", "kinhte", "so", "truongap01"]
        );
        assert_eq!(names[list.len() - 1], "tovien17");
        for a in &list {
            let level = match a.area_code.as_str() {
                PROVINCE_CODE => "province",
                COMMUNE_CODE => "commune",
                _ => "hamlet",
            };
            assert!(a.role.area_level().contains(&level), "{}", a.username);
        }
    }

    #[test]
    fn added_communes_have_distinct_names_and_codes() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for k in 2..=300 {
            let (code, name, prefix) = commune_names(k);
            assert!(codes.insert(code.clone()), "code {code} twice");
            assert!(names.insert(name.clone()), "name {name} twice");
            assert_ne!(code, COMMUNE_CODE);
            assert_eq!(code, crate::text::fold(&name).replace(' ', "-"));
            assert_eq!(prefix.len(), 2, "{prefix}");
            assert!(prefix.chars().all(|c| c.is_ascii_uppercase()));
        }
        assert_eq!(commune_names(2).1, "Tân Hiệp");
        assert_eq!(commune_names(3).1, "Phước Lợi");
        assert_eq!(commune_names(146).1, "Tân Hiệp 2");
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        db.scalar_i64(sql, &[]).await.unwrap()
    }

    #[tokio::test]
    async fn seeds_an_empty_sqlite_database_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/demo.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let keys = Keys::from_master(b"demo test master key");
        let opts = DemoOptions {
            households_per_hamlet: 12,
            seed: 4,
        };
        let s = seed(&db, &keys, "mat-khau-demo", &opts)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.households, 12 * HAMLETS as i64);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM residents").await,
            s.residents
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM areas").await,
            2 + HAMLETS as i64
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM teams").await,
            1 + HAMLETS as i64
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM accounts").await,
            s.accounts.len() as i64
        );
        let duc = "SELECT COUNT(*) FROM residents r JOIN areas a ON a.id = r.hamlet_id \
                   WHERE a.code = 'rach-kien-ap-03' AND r.full_name = 'Nguyễn Văn Đức' \
                   AND r.search_text LIKE '%nguyen van duc%'";
        assert!(count(&db, duc).await >= 3);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM resident_services").await,
            count(&db, "SELECT COUNT(*) FROM service_status_history").await
        );
        // Team-member accounts sit in their own hamlet's team.
        let linked = "SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id \
                      JOIN teams t ON t.id = m.team_id \
                      WHERE a.role = 'team_member' AND t.area_id = a.area_id";
        assert_eq!(count(&db, linked).await, HAMLETS as i64);
        let (enc,): (String,) = db
            .fetch_one(
                "SELECT cccd_enc FROM residents WHERE cccd_enc IS NOT NULL LIMIT 1",
                &[],
            )
            .await
            .unwrap();
        assert!(keys.decrypt(&enc).unwrap().starts_with("072"));
        let (hash,): (String,) = db
            .fetch_one(
                "SELECT password_hash FROM accounts WHERE username = 'tovien03'",
                &[],
            )
            .await
            .unwrap();
        assert!(crate::auth::verify_password("mat-khau-demo", &hash));
        assert!(
            seed(&db, &keys, "mat-khau-demo", &opts)
                .await
                .unwrap()
                .is_none()
        );
    }
}
