//! Field work as the phones send it: the kinds of activity and dossier, the records of the
//! sync API, their validation, and how a resident change made offline meets the server's copy.
//! Plain functions, without HTTP or SQL.

use crate::codes::label;
use crate::error::{AppError, Result};
use crate::text;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Kinds of team activity (PRODUCT.md §3), in the order forms show them.
pub const ACTIVITY_KINDS: [(&str, &str); 7] = [
    ("door_to_door", "Đi từng ngõ, gõ từng nhà"),
    ("cultural_house", "Hỗ trợ tại nhà văn hóa ấp"),
    ("campaign", "Ra quân cao điểm"),
    (
        "meeting_propaganda",
        "Tuyên truyền tại cuộc họp ấp, hội, đoàn thể",
    ),
    (
        "security_session",
        "Tuyên truyền an toàn thông tin, chống lừa đảo",
    ),
    ("training", "Tập huấn"),
    ("dx_day", "Ngày Chuyển đổi số quốc gia (10/10)"),
];

/// Online public-service dossiers submitted for a resident.
pub const DOSSIER_KINDS: [(&str, &str); 3] = [
    ("birth_registration", "Đăng ký khai sinh"),
    ("marital_status", "Xác nhận tình trạng hôn nhân"),
    ("other", "Hồ sơ khác"),
];

/// A team must meet at least this many times a month (the plan).
pub const MONTHLY_MINIMUM: i64 = 4;

pub fn activity_kind_label(code: &str) -> &'static str {
    label(&ACTIVITY_KINDS, code)
}

pub fn dossier_kind_label(code: &str) -> &'static str {
    label(&DOSSIER_KINDS, code)
}

/// A reference to a row: its server id, or the client UUID of a record that created it
/// (a resident added offline, then helped, in the same queue).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Ref {
    Id(i64),
    Client(String),
}

/// One record of `POST /api/v1/sync` as the phone sends it: its UUID and the record. The server
/// reads `id` first, so even a malformed record is answered by its id.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SyncRecord {
    /// Made on the phone; sending the same id again does not record it twice.
    pub id: String,
    #[serde(flatten)]
    pub record: Record,
}

/// One record of `POST /api/v1/sync`, by its `type`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Help {
        resident_id: Ref,
        service: String,
        done: bool,
        date: String,
        #[serde(default)]
        activity_id: Option<Ref>,
        #[serde(default)]
        member_id: Option<i64>,
    },
    Dossier {
        resident_id: Ref,
        kind: String,
        date: String,
        #[serde(default)]
        activity_id: Option<Ref>,
        #[serde(default)]
        member_id: Option<i64>,
    },
    Activity {
        kind: String,
        date: String,
        #[serde(default)]
        place: Option<String>,
        #[serde(default)]
        member_ids: Vec<i64>,
        #[serde(default)]
        residents_reached: Option<i64>,
        #[serde(default)]
        notes: Option<String>,
    },
    ResidentUpdate {
        resident_id: Ref,
        base_version: i64,
        changes: Changes,
    },
    ResidentNew {
        household_id: Ref,
        full_name: String,
        #[serde(default)]
        birth_date: Option<String>,
        #[serde(default)]
        birth_year: Option<i64>,
        #[serde(default)]
        gender: Option<String>,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        has_smartphone: Option<bool>,
        #[serde(default)]
        relation: Option<String>,
    },
    HouseholdNew {
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        address: Option<String>,
        #[serde(default)]
        head_name: Option<String>,
    },
    /// A resident gives or withdraws their consent to be recorded, at the door.
    Consent {
        resident_id: Ref,
        given: bool,
        date: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// A business of the hamlet, recorded at its door.
    BusinessNew {
        name: String,
        #[serde(default)]
        owner_name: Option<String>,
        /// The owner, when a resident of the hamlet.
        #[serde(default)]
        owner_resident_id: Option<Ref>,
        /// household, producer, cooperative, enterprise.
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        products: Option<String>,
        #[serde(default)]
        address: Option<String>,
        #[serde(default)]
        phone: Option<String>,
    },
    /// A business's digital steps and details, changed offline from `base_version`.
    BusinessUpdate {
        business_id: Ref,
        base_version: i64,
        /// By step: ecommerce, listed, einvoice, cashless, social.
        #[serde(default)]
        steps: std::collections::BTreeMap<String, crate::businesses::StepChange>,
        #[serde(default)]
        changes: crate::businesses::DetailChanges,
    },
    HelpRequest {
        #[serde(default)]
        resident_id: Option<Ref>,
        name: String,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Help { .. } => "help",
            Record::Dossier { .. } => "dossier",
            Record::Activity { .. } => "activity",
            Record::ResidentUpdate { .. } => "resident_update",
            Record::ResidentNew { .. } => "resident_new",
            Record::HouseholdNew { .. } => "household_new",
            Record::HelpRequest { .. } => "help_request",
            Record::Consent { .. } => "consent",
            Record::BusinessNew { .. } => "business_new",
            Record::BusinessUpdate { .. } => "business_update",
        }
    }
}

/// The resident fields a phone may change. Absent fields are left alone.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Changes {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub has_smartphone: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The tracked fields of a resident, as the text stored in the change log.
pub const TRACKED_FIELDS: [&str; 3] = ["phone", "has_smartphone", "status"];

pub fn field_label(field: &str) -> &'static str {
    match field {
        "phone" => "Số điện thoại",
        "has_smartphone" => "Điện thoại thông minh",
        "status" => "Tình trạng cư trú",
        _ => "",
    }
}

impl Changes {
    /// The changes as (field, new value) in the change log's text form, validated.
    pub fn normalized(&self) -> Result<Vec<(&'static str, Option<String>)>> {
        let mut out = Vec::new();
        if let Some(p) = &self.phone {
            out.push(("phone", optional_phone(Some(p))?));
        }
        if let Some(s) = self.has_smartphone {
            out.push((
                "has_smartphone",
                Some(if s { "1" } else { "0" }.to_string()),
            ));
        }
        if let Some(s) = &self.status {
            if crate::codes::resident_status_label(s).is_empty() {
                return Err(AppError::invalid(
                    "Tình trạng cư trú phải là: đang cư trú, đã chuyển đi hoặc đã mất.",
                ));
            }
            out.push(("status", Some(s.clone())));
        }
        if out.is_empty() {
            return Err(AppError::invalid("Bản ghi không có thay đổi nào."));
        }
        Ok(out)
    }
}

/// A phone number as typed, stored as 10 digits; blank is none.
pub fn optional_phone(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => text::normalize_phone(p).map(Some).ok_or_else(|| {
            AppError::invalid(format!(
                "Số điện thoại «{p}» không hợp lệ: cần 10 chữ số, bắt đầu bằng 0."
            ))
        }),
    }
}

/// What to do with each changed field of an offline edit.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UpdatePlan {
    pub apply: Vec<(&'static str, Option<String>)>,
    /// (field, the phone's value, the server's value)
    pub conflicts: Vec<(&'static str, Option<String>, Option<String>)>,
}

/// A field changed offline from version `base` conflicts when someone else changed the same
/// field after `base` and the values now differ; other fields apply. A value equal to the
/// server's is neither.
pub fn plan_update(
    changes: Vec<(&'static str, Option<String>)>,
    changed_since_base: &HashSet<String>,
    current: impl Fn(&str) -> Option<String>,
) -> UpdatePlan {
    let mut plan = UpdatePlan::default();
    for (field, value) in changes {
        let now = current(field);
        if now == value {
            continue;
        }
        if changed_since_base.contains(field) {
            plan.conflicts.push((field, value, now));
        } else {
            plan.apply.push((field, value));
        }
    }
    plan
}

/// A client id must be a UUID (what `crypto.randomUUID()` gives), so ids from different
/// phones never collide.
pub fn check_client_id(id: &str) -> Result<()> {
    let ok = id.len() == 36
        && id.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "Mã bản ghi (id) phải là một UUID, ví dụ 0b7e5c7a-3f1e-4c2a-9d4b-6a1f2e3d4c5b.",
        ))
    }
}

/// A field date: `yyyy-mm-dd`, not before 2020 and not after tomorrow (phones' clocks drift).
pub fn check_date(date: &str, today: &str) -> Result<String> {
    let parsed = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(format!(
            "Ngày «{date}» không hợp lệ: cần dạng năm-tháng-ngày, ví dụ 2026-05-10."
        ))
    })?;
    let today = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if parsed > today + chrono::Duration::days(1) {
        return Err(AppError::invalid(format!(
            "Ngày {} ở tương lai: kiểm tra lại ngày giờ của điện thoại.",
            parsed.format("%d/%m/%Y")
        )));
    }
    if parsed < chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(parsed) {
        return Err(AppError::invalid(format!(
            "Ngày {} quá xa trong quá khứ.",
            parsed.format("%d/%m/%Y")
        )));
    }
    Ok(parsed.format("%Y-%m-%d").to_string())
}

/// A birth date as a phone sends it (`yyyy-mm-dd` or `dd/mm/yyyy`), not in the future.
pub fn check_birth_date(date: &str, today: &str) -> Result<String> {
    let d = text::parse_date(date).ok_or_else(|| {
        AppError::invalid(format!(
            "Ngày sinh «{date}» không hợp lệ: cần dạng ngày/tháng/năm, ví dụ 05/09/1980."
        ))
    })?;
    if d.as_str() > today || d.as_str() < "1900-01-01" {
        return Err(AppError::invalid(format!(
            "Ngày sinh {} không hợp lệ.",
            text::format_date(&d)
        )));
    }
    Ok(d)
}

/// Trims free text and limits its length; empty becomes `None`.
pub fn clean_text(value: Option<&str>, max_chars: usize, what: &str) -> Result<Option<String>> {
    let Some(v) = value.map(text::clean).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max_chars {
        return Err(AppError::invalid(format!(
            "{what} dài quá {max_chars} ký tự."
        )));
    }
    Ok(Some(v))
}

/// `yyyy-mm` of a date, and the first and last day of that month.
pub fn month_bounds(month: &str) -> Option<(String, String)> {
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = if first.format("%m").to_string() == "12" {
        chrono::NaiveDate::from_ymd_opt(
            first.format("%Y").to_string().parse::<i32>().ok()? + 1,
            1,
            1,
        )?
    } else {
        first.checked_add_months(chrono::Months::new(1))?
    };
    let last = next.pred_opt()?;
    Some((
        first.format("%Y-%m-%d").to_string(),
        last.format("%Y-%m-%d").to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_from_the_documented_json() {
        let r: Record = serde_json::from_str(
            r#"{"id":"x","type":"help","resident_id":12,"service":"vneid","done":true,"date":"2026-05-10","activity_id":null}"#,
        )
        .unwrap();
        match r {
            Record::Help {
                resident_id,
                activity_id,
                done,
                ..
            } => {
                assert_eq!(resident_id, Ref::Id(12));
                assert_eq!(activity_id, None);
                assert!(done);
            }
            other => panic!("parsed as {other:?}"),
        }
        let r: Record = serde_json::from_str(
            r#"{"type":"help","resident_id":"0b7e5c7a-3f1e-4c2a-9d4b-6a1f2e3d4c5b","service":"vneid","done":false,"date":"2026-05-10","activity_id":"0b7e5c7a-3f1e-4c2a-9d4b-6a1f2e3d4c5c"}"#,
        )
        .unwrap();
        assert!(matches!(
            r,
            Record::Help {
                resident_id: Ref::Client(_),
                activity_id: Some(Ref::Client(_)),
                ..
            }
        ));
    }

    #[test]
    fn an_offline_change_conflicts_only_on_a_field_changed_since() {
        let since: HashSet<String> = ["phone".to_string()].into();
        let current = |f: &str| match f {
            "phone" => Some("0901111111".to_string()),
            "has_smartphone" => Some("0".to_string()),
            _ => Some("living".to_string()),
        };
        let plan = plan_update(
            vec![
                ("phone", Some("0902222222".into())),
                ("has_smartphone", Some("1".into())),
                ("status", Some("living".into())),
            ],
            &since,
            current,
        );
        assert_eq!(plan.apply, vec![("has_smartphone", Some("1".to_string()))]);
        assert_eq!(
            plan.conflicts,
            vec![(
                "phone",
                Some("0902222222".to_string()),
                Some("0901111111".to_string())
            )]
        );
        // The same value the other phone already wrote is no conflict.
        let plan = plan_update(vec![("phone", Some("0901111111".into()))], &since, current);
        assert_eq!(plan, UpdatePlan::default());
    }

    #[test]
    fn client_ids_and_dates_are_checked() {
        assert!(check_client_id("0b7e5c7a-3f1e-4c2a-9d4b-6a1f2e3d4c5b").is_ok());
        assert!(check_client_id("1").is_err());
        assert!(check_client_id("0b7e5c7a_3f1e-4c2a-9d4b-6a1f2e3d4c5b").is_err());
        assert_eq!(
            check_date("2026-05-10", "2026-05-20").unwrap(),
            "2026-05-10"
        );
        assert!(check_date("2026-05-22", "2026-05-20").is_err());
        assert!(check_date("10/05/2026", "2026-05-20").is_err());
        assert!(check_date("2019-12-31", "2026-05-20").is_err());
    }

    #[test]
    fn phone_changes_are_normalized_and_bad_ones_refused() {
        let c = Changes {
            phone: Some("+84 912 345 678".into()),
            ..Default::default()
        };
        assert_eq!(
            c.normalized().unwrap(),
            vec![("phone", Some("0912345678".to_string()))]
        );
        let c = Changes {
            phone: Some("12345".into()),
            ..Default::default()
        };
        assert!(c.normalized().is_err());
        assert!(Changes::default().normalized().is_err());
    }

    #[test]
    fn month_bounds_cover_the_whole_month() {
        assert_eq!(
            month_bounds("2026-02"),
            Some(("2026-02-01".into(), "2026-02-28".into()))
        );
        assert_eq!(
            month_bounds("2026-12"),
            Some(("2026-12-01".into(), "2026-12-31".into()))
        );
        assert_eq!(month_bounds("2026-13"), None);
    }
}

/// 15 or older on `today`: by the birth date when known, else by the year of birth (as the
/// work lists' query `db::worklists` counts adults).
pub fn is_adult(birth_date: Option<&str>, birth_year: Option<i64>, today: &str) -> bool {
    let year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    match birth_date {
        Some(d) => {
            let cut = format!("{}{}", year - 15, today.get(4..).unwrap_or("-12-31"));
            d <= cut.as_str()
        }
        None => birth_year.is_some_and(|y| y <= year - 15),
    }
}

/// Where a phone's copy of its hamlet stands, handed to it as an opaque string: the hamlet,
/// the number of the hamlet's last change it has seen, a digest of the scope it was made for
/// (account, assignment) and a digest of the small lists sent beside the households (services,
/// members, this month's activities…), which are sent again only when that digest changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub hamlet_id: i64,
    pub seq: i64,
    pub scope: String,
    pub rest: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!(
            "1.{}.{}.{}.{}",
            self.hamlet_id, self.seq, self.scope, self.rest
        )
    }

    /// None for anything this server did not write: the phone then gets everything again.
    pub fn parse(s: &str) -> Option<Cursor> {
        let mut parts = s.split('.');
        if parts.next()? != "1" {
            return None;
        }
        let hamlet_id = parts.next()?.parse().ok()?;
        let seq: i64 = parts.next()?.parse().ok()?;
        let hex = |p: &str| {
            (!p.is_empty() && p.len() <= 32 && p.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| p.to_string())
        };
        let scope = hex(parts.next()?)?;
        let rest = hex(parts.next()?)?;
        if parts.next().is_some() || seq < 0 {
            return None;
        }
        Some(Cursor {
            hamlet_id,
            seq,
            scope,
            rest,
        })
    }

    /// The changes after `self` can be answered from `current` alone: same hamlet and scope,
    /// and not from a future this database never reached (a restored backup).
    pub fn continues_into(&self, current: &Cursor) -> bool {
        self.hamlet_id == current.hamlet_id
            && self.scope == current.scope
            && self.seq <= current.seq
    }
}

/// A short digest of some bytes, for cursors.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod cursor_tests {
    use super::Cursor;

    #[test]
    fn a_cursor_reads_back_and_anything_else_is_unknown() {
        let c = Cursor {
            hamlet_id: 12,
            seq: 345,
            scope: "ab12".into(),
            rest: "cd34".into(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c.clone()));
        for bad in [
            "",
            "x",
            "1.12.345.ab12",
            "2.12.345.ab12.cd34",
            "1.12.-1.ab12.cd34",
            "1.12.345.zz.cd34",
            "1.12.345.ab12.cd34.9",
            "1.a.345.ab12.cd34",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        let later = Cursor {
            seq: 400,
            ..c.clone()
        };
        assert!(c.continues_into(&later));
        assert!(
            !later.continues_into(&c),
            "a cursor from the future starts over"
        );
        assert!(!c.continues_into(&Cursor {
            hamlet_id: 13,
            ..later.clone()
        }));
        assert!(!c.continues_into(&Cursor {
            scope: "ffff".into(),
            ..later
        }));
    }
}
