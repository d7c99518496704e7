//! Team member lists: name, hamlet, position, affiliation and phone, read with the same care
//! as resident lists, and compared with the members already recorded.

use super::cells::{self, Raw, hamlet_key};
use super::headers::{Field, Kind};
use super::{Problem, Sheet, header, header_name, headers_of};
use crate::codes::{AFFILIATIONS, POSITIONS};
use crate::text;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub line: usize,
    pub hamlet: String,
    pub full_name: String,
    pub position: Option<&'static str>,
    pub affiliation: Option<(&'static str, Option<String>)>,
    pub phone: Option<String>,
}

pub fn position(s: &str) -> Option<&'static str> {
    match text::fold(s).as_str() {
        "to truong" | "truong" => Some("leader"),
        "to pho" | "pho" => Some("deputy"),
        "to vien" | "thanh vien" | "vien" => Some("member"),
        _ => POSITIONS
            .iter()
            .find(|(_, l)| text::fold(l) == text::fold(s))
            .map(|(c, _)| *c),
    }
}

/// A known affiliation by its label or a usual short form; anything else is "Khác" with the
/// text kept as the detail.
pub fn affiliation(s: &str) -> (&'static str, Option<String>) {
    let f = text::fold(s);
    let short: &[(&str, &str)] = &[
        ("doan thanh nien", "youth_union"),
        ("doan tn", "youth_union"),
        ("thanh nien", "youth_union"),
        ("hoi phu nu", "women_union"),
        ("phu nu", "women_union"),
        ("hoi nong dan", "farmers_union"),
        ("nong dan", "farmers_union"),
        ("hoi cuu chien binh", "veterans"),
        ("cuu chien binh", "veterans"),
        ("ccb", "veterans"),
        ("cong an", "police"),
        ("cong an xa", "police"),
        ("truong ap", "hamlet_head"),
        ("lanh dao ubnd xa", "commune_leader"),
        ("ubnd xa", "commune_leader"),
        ("doanh nghiep", "enterprise"),
        ("vnpt", "enterprise"),
        ("viettel", "enterprise"),
        ("mobifone", "enterprise"),
        ("buu dien", "enterprise"),
    ];
    if let Some((_, code)) = short.iter().find(|(k, _)| *k == f) {
        let detail = (*code == "enterprise" && !f.starts_with("doanh")).then(|| text::clean(s));
        return (code, detail);
    }
    match AFFILIATIONS.iter().find(|(_, l)| text::fold(l) == f) {
        Some((c, _)) => (c, None),
        None => ("other", Some(text::clean(s))),
    }
}

pub fn members(table: &[Vec<Raw>]) -> Result<Sheet<MemberRow>, String> {
    let (h, cols) = header(
        Kind::Members,
        table,
        &[(Field::FullName, "Họ và tên"), (Field::Hamlet, "Ấp")],
    )?;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let empty = Raw::Empty;
    'rows: for (i, cells_) in table.iter().enumerate().skip(h + 1) {
        if cells_.iter().all(Raw::is_blank) {
            continue;
        }
        let line = i + 1;
        let mut r = MemberRow {
            line,
            hamlet: String::new(),
            full_name: String::new(),
            position: None,
            affiliation: None,
            phone: None,
        };
        for &(col, field) in &cols.fields {
            let raw = cells_.get(col).unwrap_or(&empty);
            let mut bad = |reason: String| {
                rejected.push(Problem {
                    line,
                    column: header_name(table, h, col),
                    reason,
                })
            };
            match field {
                Field::FullName => {
                    r.full_name = cells::text(raw)
                        .map(|s| cells::person_name(&s))
                        .unwrap_or_default()
                }
                Field::Hamlet => r.hamlet = cells::text(raw).unwrap_or_default(),
                Field::Position => {
                    if let Some(t) = cells::text(raw) {
                        match position(&t) {
                            Some(p) => r.position = Some(p),
                            None => {
                                bad(format!(
                                    "chức danh {} phải là Tổ trưởng, Tổ phó hoặc Tổ viên",
                                    cells::quoted(raw)
                                ));
                                continue 'rows;
                            }
                        }
                    }
                }
                Field::Affiliation => r.affiliation = cells::text(raw).map(|t| affiliation(&t)),
                Field::Phone => match cells::phone(raw) {
                    Ok(p) => r.phone = p,
                    Err(e) => {
                        bad(e);
                        continue 'rows;
                    }
                },
                _ => {}
            }
        }
        let col_of = |f: Field| {
            cols.fields
                .iter()
                .find(|(_, g)| *g == f)
                .map_or(0, |(c, _)| *c)
        };
        let reason = if r.full_name.is_empty() {
            Some((Field::FullName, "thiếu họ và tên".to_string()))
        } else if r.full_name.chars().any(|c| c.is_ascii_digit())
            || r.full_name.chars().count() > 100
        {
            Some((
                Field::FullName,
                format!("họ và tên «{}» không hợp lệ", r.full_name),
            ))
        } else if r.hamlet.is_empty() {
            Some((
                Field::Hamlet,
                "thiếu tên ấp (ghi «Xã» cho tổ của xã)".to_string(),
            ))
        } else {
            None
        };
        match reason {
            Some((f, reason)) => rejected.push(Problem {
                line,
                column: header_name(table, h, col_of(f)),
                reason,
            }),
            None => rows.push(r),
        }
    }
    rejected.sort_by_key(|p| p.line);
    Ok(Sheet {
        rows,
        rejected,
        headers: headers_of(table, h, &cols),
        ignored_columns: cols.ignored,
        header_line: h + 1,
    })
}

/// A team the commune has: its hamlet's name, or `None` for the commune's own team.
#[derive(Clone, Debug)]
pub struct Team {
    pub id: i64,
    pub hamlet_name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ExistingMember {
    pub id: i64,
    pub team_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub position: String,
    pub affiliation: String,
    pub affiliation_detail: Option<String>,
    pub joined_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberValues {
    pub team_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub position: String,
    pub affiliation: String,
    pub affiliation_detail: Option<String>,
    /// Kept from the stored member; a new one joins on the day of the import.
    pub joined_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberAction {
    Add,
    Update(i64),
    Unchanged(i64),
}

pub struct MemberPlan {
    pub items: Vec<(usize, MemberValues, MemberAction)>,
    pub rejected: Vec<Problem>,
    pub ignored_columns: Vec<String>,
}

impl MemberPlan {
    pub fn count(&self, f: impl Fn(&MemberAction) -> bool) -> usize {
        self.items.iter().filter(|(_, _, a)| f(a)).count()
    }
}

/// The same member is the same folded name in the same team.
pub fn plan(sheet: Sheet<MemberRow>, teams: &[Team], existing: &[ExistingMember]) -> MemberPlan {
    let hamlet_col = sheet.header_of(Field::Hamlet);
    let name_col = sheet.header_of(Field::FullName);
    let commune_team = teams.iter().find(|t| t.hamlet_name.is_none()).map(|t| t.id);
    let mut by_hamlet: HashMap<String, Vec<(&str, i64)>> = HashMap::new();
    for t in teams {
        if let Some(n) = &t.hamlet_name {
            by_hamlet.entry(hamlet_key(n)).or_default().push((n, t.id));
        }
    }
    let by_name: HashMap<(i64, String), &ExistingMember> = existing
        .iter()
        .map(|m| ((m.team_id, text::fold(&m.full_name)), m))
        .collect();
    let mut rejected = sheet.rejected;
    let mut items = Vec::new();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for r in sheet.rows {
        let key = hamlet_key(&r.hamlet);
        let team = if matches!(key.as_str(), "xa" | "to xa" | "ubnd xa" | "cap xa") {
            commune_team
        } else {
            // "Ấp 1" and "Khu phố 1" share a key: then only the exact name decides.
            match by_hamlet.get(&key).map(Vec::as_slice) {
                Some([(_, id)]) => Some(*id),
                Some(many) => many
                    .iter()
                    .find(|(n, _)| text::fold(n) == text::fold(&r.hamlet))
                    .map(|(_, id)| *id),
                None => None,
            }
        };
        let Some(team_id) = team else {
            rejected.push(Problem {
                line: r.line,
                column: hamlet_col.clone(),
                reason: format!("xã không có tổ của ấp «{}»", r.hamlet),
            });
            continue;
        };
        let name_key = (team_id, text::fold(&r.full_name));
        if let Some(first) = seen.get(&name_key) {
            rejected.push(Problem {
                line: r.line,
                column: name_col.clone(),
                reason: format!("trùng thành viên với dòng {first}"),
            });
            continue;
        }
        seen.insert(name_key.clone(), r.line);
        let old = by_name.get(&name_key);
        let (affiliation, affiliation_detail) = match (&r.affiliation, old) {
            (Some((a, d)), _) => (a.to_string(), d.clone()),
            (None, Some(m)) => (m.affiliation.clone(), m.affiliation_detail.clone()),
            (None, None) => ("other".to_string(), None),
        };
        let values = MemberValues {
            team_id,
            full_name: r.full_name.clone(),
            phone: r
                .phone
                .clone()
                .or_else(|| old.and_then(|m| m.phone.clone())),
            position: r
                .position
                .map(str::to_string)
                .or_else(|| old.map(|m| m.position.clone()))
                .unwrap_or_else(|| "member".into()),
            affiliation,
            affiliation_detail,
            joined_on: old.and_then(|m| m.joined_on.clone()),
        };
        let action = match old {
            None => MemberAction::Add,
            Some(m) => {
                let stored = MemberValues {
                    team_id: m.team_id,
                    full_name: m.full_name.clone(),
                    phone: m.phone.clone(),
                    position: m.position.clone(),
                    affiliation: m.affiliation.clone(),
                    affiliation_detail: m.affiliation_detail.clone(),
                    joined_on: m.joined_on.clone(),
                };
                if stored == values {
                    MemberAction::Unchanged(m.id)
                } else {
                    MemberAction::Update(m.id)
                }
            }
        };
        items.push((r.line, values, action));
    }
    rejected.sort_by_key(|p| p.line);
    MemberPlan {
        items,
        rejected,
        ignored_columns: sheet.ignored_columns,
    }
}
