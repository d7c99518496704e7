//! A resident's own data (PRODUCT.md §8, Decree 13/2023): everything held about one person,
//! exported on request; and erasure, which removes what identifies the person but keeps what
//! the figures count (hamlet, household, birth year, gender, residency, service statuses),
//! so indicators and reports stay as they were.

use super::Db;
use crate::crypto::Keys;
use crate::error::{AppError, Result};
use crate::text;
use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// The name an erased resident is shown under.
pub const ERASED_NAME: &str = "(Đã xóa theo yêu cầu)";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    full_name: String,
    birth_date: Option<String>,
    birth_year: Option<i64>,
    gender: Option<String>,
    cccd_enc: Option<String>,
    phone: Option<String>,
    relation: Option<String>,
    has_smartphone: Option<i64>,
    status: String,
    status_date: Option<String>,
    consent: i64,
    consent_date: Option<String>,
    notes: Option<String>,
    active: i64,
    created_at: i64,
    updated_at: i64,
    household_code: String,
    address: Option<String>,
    hamlet: String,
}

/// Everything held about one resident (Decree 13/2023: the person's own data on request).
#[derive(Serialize, ToSchema)]
pub struct PersonalData {
    pub resident: PersonalResident,
    pub household: PersonalHousehold,
    pub services: Vec<PersonalService>,
    pub service_history: Vec<PersonalStatusChange>,
    pub help: Vec<PersonalHelp>,
    pub help_requests: Vec<PersonalRequest>,
    pub field_changes: Vec<PersonalFieldChange>,
    /// The person's consent to be recorded and its withdrawals, newest first.
    pub consents: Vec<PersonalConsent>,
    /// Businesses the person owns (kinh tế số), as the register holds them.
    pub businesses: Vec<PersonalBusiness>,
    pub audit: Vec<PersonalAudit>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct PersonalBusiness {
    pub name: String,
    pub owner_name: Option<String>,
    pub kind: Option<String>,
    pub products: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub registered_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalConsent {
    /// true: consent given; false: withdrawn.
    pub given: bool,
    pub date: String,
    /// in_person, paper, phone, field_app.
    pub method: String,
    pub note: Option<String>,
    pub recorded_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalResident {
    pub id: i64,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    /// In full.
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub has_smartphone: Option<i64>,
    pub status: String,
    pub status_date: Option<String>,
    pub consent: bool,
    pub consent_date: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalHousehold {
    pub code: String,
    pub address: Option<String>,
    pub hamlet: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalService {
    pub service: String,
    pub status: String,
    pub date: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalStatusChange {
    pub service: String,
    pub status: String,
    pub date: String,
    pub recorded_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalHelp {
    pub date: String,
    pub service: Option<String>,
    pub dossier: Option<String>,
    pub done: bool,
    pub member: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalRequest {
    pub requester_name: String,
    pub phone: Option<String>,
    pub service: Option<String>,
    pub message: Option<String>,
    pub status: String,
    pub created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalFieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub at: i64,
}

/// A change recorded about the resident, with the values before and after as they were kept.
#[derive(Serialize, ToSchema)]
pub struct PersonalAudit {
    pub action: String,
    pub at: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Everything held about the resident, the citizen ID in full. The caller has checked that
/// the resident is within their area.
pub async fn export(db: &Db, keys: &Keys, id: i64) -> Result<PersonalData> {
    let r: Row = db
        .fetch_optional(
            "SELECT r.id, r.full_name, r.birth_date, r.birth_year, r.gender, r.cccd_enc, r.phone, r.relation, \
             r.has_smartphone, r.status, r.status_date, r.consent, r.consent_date, r.notes, r.active, \
             r.created_at, r.updated_at, h.code AS household_code, h.address, a.name AS hamlet \
             FROM residents r JOIN households h ON h.id = r.household_id JOIN areas a ON a.id = r.hamlet_id \
             WHERE r.id = $1",
            &[id.into()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let cccd = match &r.cccd_enc {
        Some(enc) => Some(keys.decrypt(enc)?),
        None => None,
    };
    let services: Vec<(String, String, String)> = db
        .fetch_all(
            "SELECT service_code, status, status_date FROM resident_services WHERE resident_id = $1 \
             ORDER BY service_code",
            &[id.into()],
        )
        .await?;
    let history: Vec<(String, String, String, i64)> = db
        .fetch_all(
            "SELECT service_code, status, status_date, recorded_at FROM service_status_history \
             WHERE resident_id = $1 ORDER BY recorded_at, id",
            &[id.into()],
        )
        .await?;
    // date, service, dossier, done, member
    type Help = (String, Option<String>, Option<String>, i64, Option<String>);
    let help: Vec<Help> = db
        .fetch_all(
            "SELECT h.help_date, h.service_code, h.dossier_kind, h.done, m.full_name FROM help_records h \
             LEFT JOIN members m ON m.id = h.member_id WHERE h.resident_id = $1 ORDER BY h.help_date, h.id",
            &[id.into()],
        )
        .await?;
    // name, phone, service, message, status, created
    type Request = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        i64,
    );
    let requests: Vec<Request> = db
        .fetch_all(
            "SELECT requester_name, phone, service_code, message, status, created_at FROM help_requests \
             WHERE resident_id = $1 ORDER BY created_at, id",
            &[id.into()],
        )
        .await?;
    let consents = crate::db::consents::history(db, id)
        .await?
        .into_iter()
        .map(|c| PersonalConsent {
            given: c.given == 1,
            date: c.on_date,
            method: c.method,
            note: c.note,
            recorded_by: c.recorded_by,
        })
        .collect();
    let changes: Vec<(String, Option<String>, Option<String>, i64)> = db
        .fetch_all(
            "SELECT field, old_value, new_value, changed_at FROM resident_changes WHERE resident_id = $1 \
             ORDER BY changed_at, id",
            &[id.into()],
        )
        .await?;
    let audit: Vec<(String, i64, Option<String>, Option<String>)> = db
        .fetch_all(
            "SELECT action, at, before_json, after_json FROM audit_log \
             WHERE entity = 'resident' AND entity_id = $1 ORDER BY at, id",
            &[id.into()],
        )
        .await?;
    let businesses: Vec<PersonalBusiness> = db
        .fetch_all(
            "SELECT name, owner_name, kind, products, address, phone, registered_on FROM businesses \
             WHERE owner_resident_id = $1 AND active = 1 ORDER BY id",
            &[id.into()],
        )
        .await?;
    Ok(PersonalData {
        businesses,
        resident: PersonalResident {
            id: r.id,
            full_name: r.full_name,
            birth_date: r.birth_date,
            birth_year: r.birth_year,
            gender: r.gender,
            cccd,
            phone: r.phone,
            relation: r.relation,
            has_smartphone: r.has_smartphone,
            status: r.status,
            status_date: r.status_date,
            consent: r.consent == 1,
            consent_date: r.consent_date,
            notes: r.notes,
            active: r.active == 1,
            created_at: r.created_at,
            updated_at: r.updated_at,
        },
        household: PersonalHousehold {
            code: r.household_code,
            address: r.address,
            hamlet: r.hamlet,
        },
        services: services
            .into_iter()
            .map(|(service, status, date)| PersonalService {
                service,
                status,
                date,
            })
            .collect(),
        service_history: history
            .into_iter()
            .map(
                |(service, status, date, recorded_at)| PersonalStatusChange {
                    service,
                    status,
                    date,
                    recorded_at,
                },
            )
            .collect(),
        help: help
            .into_iter()
            .map(|(date, service, dossier, done, member)| PersonalHelp {
                date,
                service,
                dossier,
                done: done == 1,
                member,
            })
            .collect(),
        help_requests: requests
            .into_iter()
            .map(
                |(requester_name, phone, service, message, status, created_at)| PersonalRequest {
                    requester_name,
                    phone,
                    service,
                    message,
                    status,
                    created_at,
                },
            )
            .collect(),
        field_changes: changes
            .into_iter()
            .map(|(field, old, new, at)| PersonalFieldChange {
                field,
                old,
                new,
                at,
            })
            .collect(),
        consents,
        audit: audit
            .into_iter()
            .map(|(action, at, before, after)| PersonalAudit {
                action,
                at,
                before: before.and_then(|b| serde_json::from_str(&b).ok()),
                after: after.and_then(|a| serde_json::from_str(&a).ok()),
            })
            .collect(),
    })
}

/// The birth date kept after erasure: none for someone fifteen (counted as an adult) before
/// the first year the figures cover, whose birth month then changes no figure; otherwise the
/// first of the birth month, which places them in the same months as before.
fn kept_birth_date(birth_date: Option<&str>) -> Option<String> {
    use crate::indicators::period;
    let from = period::adult_from(birth_date, None)?;
    if period::year_of(from) < period::FIRST_YEAR {
        return None;
    }
    // The first of the month they count as an adult from, fifteen years back: the same month
    // by construction (29 February included, which counts from March in a common year).
    let code = period::month_code(from);
    let year: i64 = code.get(..4)?.parse().ok()?;
    Some(format!("{:04}-{}-01", year - 15, code.get(5..7)?))
}

/// Removes what identifies the resident, everywhere it is kept. Counted facts stay, so no
/// indicator moves; the audit keeps that changes happened, not what they said. The citizen
/// ID's match hash (keyed, not reversible) stays so that a later import of the same person is
/// refused rather than bringing their data back.
pub async fn erase(conn: &mut AnyConnection, id: i64) -> Result<()> {
    let (name, household, birth_date): (String, i64, Option<String>) = crate::db::query_as(
        "SELECT full_name, household_id, birth_date FROM residents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    crate::db::query(
        "UPDATE residents SET full_name = $1, search_text = $2, sort_key = $3, birth_date = $7, \
         cccd_enc = NULL, cccd_masked = NULL, phone = NULL, relation = NULL, notes = NULL, \
         consent = 0, consent_date = $4, version = version + 1, updated_at = $5 WHERE id = $6",
    )
    .bind(ERASED_NAME)
    .bind(text::fold(ERASED_NAME))
    .bind(text::sort_key(ERASED_NAME))
    .bind(super::today())
    .bind(super::now())
    .bind(id)
    .bind(kept_birth_date(birth_date.as_deref()))
    .execute(&mut *conn)
    .await?;
    // A business they own stays (a counted fact) without its owner: name, link, phone, and the
    // phone numbers its history and conflicts quote.
    let owned: Vec<(i64, String, Option<String>)> = crate::db::query_as(
        "SELECT id, name, products FROM businesses WHERE owner_resident_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (b, bname, products) in owned {
        crate::db::query(
            "UPDATE businesses SET owner_name = NULL, owner_resident_id = NULL, phone = NULL, \
             search_text = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(text::fold(&format!(
            "{bname} {}",
            products.unwrap_or_default()
        )))
        .bind(super::now())
        .bind(b)
        .execute(&mut *conn)
        .await?;
        for sql in [
            "UPDATE business_changes SET old_value = NULL, new_value = NULL \
             WHERE business_id = $1 AND field = 'phone'",
            "UPDATE business_conflicts SET proposed_value = NULL, current_value = NULL, \
             status = CASE WHEN status = 'open' THEN 'rejected' ELSE status END \
             WHERE business_id = $1 AND field = 'phone'",
        ] {
            crate::db::query(sql).bind(b).execute(&mut *conn).await?;
        }
    }
    // The consent history stays (it says the person's wishes were kept); its notes go.
    crate::db::query("UPDATE consents SET note = NULL WHERE resident_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // A household named after its head loses the name, and the audit of its changes (which
    // quote it) their contents; a generated code (a hash of name and birth) is replaced.
    let headed = crate::db::query(
        "UPDATE households SET head_name = NULL, search_text = code, updated_at = $1 \
         WHERE id = $2 AND head_name = $3",
    )
    .bind(super::now())
    .bind(household)
    .bind(name)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if headed > 0 {
        crate::db::query(
            "UPDATE audit_log SET before_json = NULL, after_json = NULL \
             WHERE entity = 'household' AND entity_id = $1",
        )
        .bind(household)
        .execute(&mut *conn)
        .await?;
    }
    let code = format!("NK-{:016X}", rand::random::<u64>());
    crate::db::query(
        "UPDATE households SET code = $1, search_text = $1 WHERE id = $2 AND code LIKE 'NK-%' \
         AND NOT EXISTS (SELECT 1 FROM residents WHERE household_id = $2 AND id <> $3)",
    )
    .bind(code)
    .bind(household)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for sql in [
        "UPDATE resident_changes SET old_value = NULL, new_value = NULL WHERE resident_id = $1",
        "UPDATE sync_conflicts SET proposed_value = NULL, current_value = NULL, \
         status = CASE WHEN status = 'open' THEN 'rejected' ELSE status END WHERE resident_id = $1",
        "UPDATE help_requests SET requester_name = '(Đã xóa)', phone = NULL, message = NULL, \
         close_note = NULL, sender_key = NULL WHERE resident_id = $1",
        // A conflict's message quotes both values.
        "UPDATE sync_records SET message = NULL WHERE target_id = $1 \
         AND kind IN ('resident_update', 'resident_new')",
        "UPDATE audit_log SET before_json = NULL, after_json = NULL \
         WHERE entity = 'resident' AND entity_id = $1",
        "UPDATE audit_log SET before_json = NULL, after_json = NULL WHERE entity = 'help_request' \
         AND entity_id IN (SELECT id FROM help_requests WHERE resident_id = $1)",
    ] {
        crate::db::query(sql).bind(id).execute(&mut *conn).await?;
    }
    // The counts are brought up to date with what is kept, which counts the same.
    super::indicator_sources::refresh_residents(conn, &[id]).await
}
