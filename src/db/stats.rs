//! Counts per area for overview pages: aggregates only, no personal data.

use super::Db;
use crate::error::Result;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub households: i64,
    pub residents: i64,
    pub members: i64,
}

/// Counts per hamlet of the given communes, keyed by hamlet id, in three grouped queries.
pub async fn per_hamlet(db: &Db, commune_ids: &[i64]) -> Result<HashMap<i64, Counts>> {
    let mut out: HashMap<i64, Counts> = HashMap::new();
    if commune_ids.is_empty() {
        return Ok(out);
    }
    let list = commune_ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let hh: Vec<(i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT hamlet_id, COUNT(*) FROM households WHERE active = 1 AND commune_id IN ({list}) GROUP BY hamlet_id"
            ),
            &[],
        )
        .await?;
    for (h, n) in hh {
        out.entry(h).or_default().households = n;
    }
    let rs: Vec<(i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT hamlet_id, COUNT(*) FROM residents WHERE active = 1 AND status = 'living' \
                 AND commune_id IN ({list}) GROUP BY hamlet_id"
            ),
            &[],
        )
        .await?;
    for (h, n) in rs {
        out.entry(h).or_default().residents = n;
    }
    let ms: Vec<(i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT t.area_id, COUNT(*) FROM members m JOIN teams t ON t.id = m.team_id \
                 WHERE m.active = 1 AND t.commune_id IN ({list}) GROUP BY t.area_id"
            ),
            &[],
        )
        .await?;
    for (h, n) in ms {
        out.entry(h).or_default().members = n;
    }
    Ok(out)
}

pub fn sum<'a>(items: impl Iterator<Item = &'a Counts>) -> Counts {
    items.fold(Counts::default(), |acc, c| Counts {
        households: acc.households + c.households,
        residents: acc.residents + c.residents,
        members: acc.members + c.members,
    })
}
