//! Who writes the demo's records, as the pages would: the commune admin (`vhxh`) for the
//! commune, each hamlet's head for their hamlet, with the hamlet's team.

use crate::db::Db;
use crate::error::{AppError, Result};

pub struct Hamlet {
    pub id: i64,
    /// 1-based, as the demo numbers hamlets (Ấp 1 …).
    pub number: usize,
    pub name: String,
    pub team_id: i64,
    /// The hamlet head's account.
    pub head: i64,
}

pub struct Writers {
    /// The commune admin's account.
    pub admin: i64,
    /// In hamlet order.
    pub hamlets: Vec<Hamlet>,
}

pub async fn of(db: &Db, commune_id: i64) -> Result<Writers> {
    let admin: Option<(i64,)> = db
        .fetch_optional(
            "SELECT id FROM accounts WHERE role = 'commune_admin' AND area_id = $1 \
             ORDER BY id LIMIT 1",
            &[commune_id.into()],
        )
        .await?;
    let (admin,) = admin.ok_or_else(|| {
        AppError::Internal("demo: the commune has no commune admin account".into())
    })?;
    let rows: Vec<(i64, String, i64, i64)> = db
        .fetch_all(
            "SELECT a.id, a.name, t.id, MIN(ac.id) FROM areas a \
             JOIN teams t ON t.area_id = a.id AND t.kind = 'hamlet' \
             JOIN accounts ac ON ac.area_id = a.id AND ac.role = 'hamlet_head' \
             WHERE a.commune_id = $1 AND a.level = 'hamlet' AND a.active = 1 \
             GROUP BY a.id, a.name, t.id, a.sort_order ORDER BY a.sort_order, a.id",
            &[commune_id.into()],
        )
        .await?;
    let hamlets = rows
        .into_iter()
        .enumerate()
        .map(|(i, (id, name, team_id, head))| Hamlet {
            id,
            number: i + 1,
            name,
            team_id,
            head,
        })
        .collect();
    Ok(Writers { admin, hamlets })
}
