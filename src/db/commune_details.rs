//! The commune's own details written in its reports' headers (issuing body, document symbol,
//! place of the date line, signer, recipients), kept as commune settings.

use super::{Db, settings};
use crate::error::Result;
use crate::reports::input::CommuneDetails;
use sqlx::AnyConnection;

const ISSUER: &str = "letterhead_issuer";
const NUMBER_SYMBOL: &str = "letterhead_number_symbol";
const PLACE: &str = "letterhead_place";
const SIGNER_TITLE: &str = "letterhead_signer_title";
const SIGNER_NAME: &str = "letterhead_signer_name";
const RECIPIENTS: &str = "letterhead_recipients";

fn lines(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn get(db: &Db, commune_id: i64) -> Result<CommuneDetails> {
    let rows: Vec<(String, String)> = db
        .fetch_all(
            "SELECT key, value FROM commune_settings WHERE commune_id = $1 \
             AND key IN ($2, $3, $4, $5, $6, $7)",
            &[
                commune_id.into(),
                ISSUER.into(),
                NUMBER_SYMBOL.into(),
                PLACE.into(),
                SIGNER_TITLE.into(),
                SIGNER_NAME.into(),
                RECIPIENTS.into(),
            ],
        )
        .await?;
    let take = |key: &str| rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    Ok(CommuneDetails {
        issuer: lines(take(ISSUER)),
        number_symbol: take(NUMBER_SYMBOL).unwrap_or_default(),
        place: take(PLACE).unwrap_or_default(),
        signer_title: lines(take(SIGNER_TITLE)),
        signer_name: take(SIGNER_NAME).unwrap_or_default(),
        recipients: lines(take(RECIPIENTS)),
    })
}

/// Saves every field (an empty one goes back to the default).
pub async fn save(conn: &mut AnyConnection, commune_id: i64, d: &CommuneDetails) -> Result<()> {
    for (key, value) in [
        (ISSUER, d.issuer.join("\n")),
        (NUMBER_SYMBOL, d.number_symbol.clone()),
        (PLACE, d.place.clone()),
        (SIGNER_TITLE, d.signer_title.join("\n")),
        (SIGNER_NAME, d.signer_name.clone()),
        (RECIPIENTS, d.recipients.join("\n")),
    ] {
        settings::set(conn, commune_id, key, value.trim()).await?;
    }
    Ok(())
}
