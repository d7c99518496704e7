//! The demo's trainings (issue 20): a session of the plan's topics every other month, taught
//! by the Sở, the telecoms, the post office, the youth union and the commune, most members
//! present; and a good part of the members holding their own digital-skills certificate.
//! Written through the same functions as the Tập huấn pages.

use super::calendar::{Calendar, iso};
use crate::db::Db;
use crate::db::trainings::{self as store, NewTraining};
use crate::error::Result;
use crate::indicators::period;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Month, day, topic code, organiser, its name, method, place.
const SESSIONS: [(i64, u32, &str, &str, &str, &str, &str); 6] = [
    (
        1,
        15,
        "policies",
        "department",
        "Sở Khoa học và Công nghệ",
        "in_person",
        "Hội trường UBND xã",
    ),
    (
        3,
        12,
        "province_app",
        "telecom",
        "VNPT Tây Ninh",
        "hands_on",
        "Nhà văn hóa ấp 1",
    ),
    (
        5,
        14,
        "public_services",
        "telecom",
        "Viettel Tây Ninh",
        "hands_on",
        "Hội trường UBND xã",
    ),
    (
        7,
        9,
        "data_safety",
        "commune",
        "Công an xã",
        "in_person",
        "Hội trường UBND xã",
    ),
    (
        9,
        17,
        "digital_skills",
        "youth_union",
        "Đoàn Thanh niên xã",
        "online",
        "binhdanhocvuso.gov.vn",
    ),
    (
        11,
        12,
        "platforms",
        "post",
        "Bưu điện huyện",
        "hands_on",
        "Bưu điện văn hóa xã",
    ),
];

pub async fn write(db: &Db, commune: i64, cal: &Calendar, seed: u64) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7a9);
    let admin = db
        .scalar_i64(
            "SELECT COALESCE((SELECT id FROM accounts WHERE username = 'vhxh'), 0)",
            &[],
        )
        .await?;
    let topics = store::topics(db, commune).await?;
    let code_of: Vec<(i64, Option<String>)> = db
        .fetch_all(
            "SELECT id, code FROM training_topics WHERE commune_id IS NULL",
            &[],
        )
        .await?;
    let members: Vec<(i64, Option<String>)> = db
        .fetch_all(
            "SELECT id, joined_on FROM members WHERE commune_id = $1 AND active = 1 ORDER BY id",
            &[commune.into()],
        )
        .await?;
    for year in cal.years() {
        for (month, day, topic, organiser, name, method, place) in SESSIONS {
            let m = period::month(year.into(), month);
            let held = Calendar::day_of(m, day);
            if !cal.has_come(held) || held < cal.start {
                continue;
            }
            let Some(topic_id) = code_of
                .iter()
                .find(|(_, c)| c.as_deref() == Some(topic))
                .map(|(id, _)| *id)
                .filter(|id| topics.iter().any(|t| t.id == *id))
            else {
                continue;
            };
            let held_on = iso(held);
            let mut tx = db.begin_write().await?;
            let id = store::add(
                db,
                &mut tx,
                commune,
                admin,
                &NewTraining {
                    topic_id,
                    held_on: &held_on,
                    organiser,
                    organiser_name: Some(name),
                    method,
                    place: Some(place),
                    trainer: None,
                    notes: None,
                },
            )
            .await?;
            // The roster is read outside the transaction: the session must be there first.
            tx.commit().await?;
            let mut tx = db.begin_write().await?;
            let mut present: Vec<(Option<i64>, Option<i64>, Option<String>)> = Vec::new();
            for (m, joined) in &members {
                let member_then = joined.as_deref().is_none_or(|j| j <= held_on.as_str());
                if member_then && rng.gen_bool(0.7) {
                    let result = rng.gen_bool(0.3).then(|| "passed".to_string());
                    present.push((Some(*m), None, result));
                }
            }
            if admin > 0 {
                present.push((None, Some(admin), None));
            }
            store::set_attendance(db, &mut tx, commune, id, &present).await?;
            tx.commit().await?;
        }
    }
    // Members' own certificates from the course, spread over the year so far.
    let mut tx = db.begin_write().await?;
    for (m, _) in &members {
        if rng.gen_bool(0.45) {
            let day = cal.random_day(&mut rng);
            store::set_certificate(&mut tx, commune, *m, Some(&day)).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
