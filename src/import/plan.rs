//! Rows compared with what the commune already holds: which to add, which update an existing
//! resident (and what changes), which change nothing, and which cannot be taken. A person is
//! the same when the citizen ID matches, otherwise household code + name + birth date.

use super::cells::hamlet_key;
use super::headers::Field;
use super::{Problem, ResidentRow, Sheet};
use crate::text;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct Hamlet {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ExistingResident {
    pub id: i64,
    pub hamlet_id: i64,
    pub household_id: i64,
    pub household_code: String,
    pub cccd_hash: Option<String>,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub has_smartphone: Option<i64>,
    pub notes: Option<String>,
    pub services_done: Vec<String>,
    /// No longer followed (moved away, died): rows about them are refused.
    pub active: bool,
    /// Erased on their request: rows about them are refused.
    pub erased: bool,
    /// The row's version when read: an update writes only over that version.
    pub version: i64,
}

#[derive(Clone, Debug)]
pub struct ExistingHousehold {
    pub id: i64,
    pub code: String,
    pub hamlet_id: i64,
}

/// What the commune holds, as far as an import compares.
pub struct Current {
    pub hamlets: Vec<Hamlet>,
    pub residents: Vec<ExistingResident>,
    pub households: Vec<ExistingHousehold>,
    /// Services in use: the others' columns are read but not applied.
    pub services: Vec<String>,
    /// Citizen-ID hashes of the file that belong to residents of other communes.
    pub elsewhere: std::collections::HashSet<String>,
}

/// A resident's values after the row is applied: the row's where it has one, the stored one
/// where its cell is blank.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Values {
    pub household_code: String,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub has_smartphone: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Add,
    /// The labels of what changes, for the preview.
    Update {
        id: i64,
        changes: Vec<&'static str>,
    },
    Unchanged {
        id: i64,
    },
}

#[derive(Clone, Debug)]
pub struct Item {
    pub line: usize,
    pub hamlet_id: i64,
    pub values: Values,
    /// The plain citizen ID to store (new or filling a blank), else `None`.
    pub cccd: Option<String>,
    pub services_done: Vec<&'static str>,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub struct NewHousehold {
    pub code: String,
    pub hamlet_id: i64,
    pub address: Option<String>,
    pub head_name: Option<String>,
}

pub struct Plan {
    pub items: Vec<Item>,
    pub rejected: Vec<Problem>,
    pub new_households: Vec<NewHousehold>,
    pub ignored_columns: Vec<String>,
}

impl Plan {
    pub fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.items.iter().filter(|i| f(&i.action)).count()
    }
    pub fn adds(&self) -> usize {
        self.count(|a| matches!(a, Action::Add))
    }
    pub fn updates(&self) -> usize {
        self.count(|a| matches!(a, Action::Update { .. }))
    }
    pub fn unchanged(&self) -> usize {
        self.count(|a| matches!(a, Action::Unchanged { .. }))
    }
    /// Whether applying would write anything.
    pub fn writes(&self) -> bool {
        self.adds() + self.updates() > 0
    }
}

/// A household code for a row that has none, the same for the same person every time, so a
/// list without household codes imports again without duplicates.
pub fn auto_household_code(hamlet_id: i64, name: &str, birth: &str) -> String {
    let digest = Sha256::digest(format!("{hamlet_id}|{}|{birth}", text::fold(name)).as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02X}")).collect();
    format!("NK-{hex}")
}

fn birth_key(date: &Option<String>, year: Option<i64>) -> String {
    date.clone()
        .or_else(|| year.map(|y| y.to_string()))
        .unwrap_or_default()
}

/// Births that may be the same person: the same day, or the same year when one side knows only
/// the year, or neither known.
fn births_agree(a: (&Option<String>, Option<i64>), b: (&Option<String>, Option<i64>)) -> bool {
    match (a, b) {
        ((Some(x), _), (Some(y), _)) => x == y,
        ((_, Some(x)), (_, Some(y))) => x == y,
        ((None, None), (None, None)) => true,
        _ => false,
    }
}

const LABELS: &[(&str, &str)] = &[
    ("household", "hộ"),
    ("full_name", "họ tên"),
    ("birth", "ngày sinh"),
    ("gender", "giới tính"),
    ("cccd", "số CCCD"),
    ("phone", "số điện thoại"),
    ("relation", "quan hệ với chủ hộ"),
    ("smartphone", "điện thoại thông minh"),
    ("notes", "ghi chú"),
    ("services", "dịch vụ số"),
];

fn label(key: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, l)| l)
}

/// Compares rows with the commune's data. `hash` is the citizen-ID match hash.
pub fn plan(sheet: Sheet<ResidentRow>, current: &Current, hash: &dyn Fn(&str) -> String) -> Plan {
    let col = |f: Field| sheet.header_of(f);
    let (c_hamlet, c_code, c_cccd, c_name) = (
        col(Field::Hamlet),
        col(Field::HouseholdCode),
        col(Field::Cccd),
        col(Field::FullName),
    );
    let Sheet {
        rows,
        mut rejected,
        ignored_columns,
        ..
    } = sheet;
    let mut hamlets: HashMap<String, Vec<&Hamlet>> = HashMap::new();
    for h in &current.hamlets {
        hamlets.entry(hamlet_key(&h.name)).or_default().push(h);
    }
    // Two records may share a citizen ID (one entered by hand, one no longer followed): the
    // followed one is the person.
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    for (i, r) in current.residents.iter().enumerate() {
        let Some(h) = r.cccd_hash.as_deref() else {
            continue;
        };
        let followed = |r: &ExistingResident| r.active && !r.erased;
        match by_hash.get(h) {
            Some(&j) if followed(&current.residents[j]) || !followed(r) => {}
            _ => {
                by_hash.insert(h, i);
            }
        }
    }
    let mut by_household_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut by_hamlet_name: HashMap<(i64, String), Vec<usize>> = HashMap::new();
    for (i, r) in current
        .residents
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.erased)
    {
        let name = text::fold(&r.full_name);
        by_household_name
            .entry((r.household_code.clone(), name.clone()))
            .or_default()
            .push(i);
        by_hamlet_name
            .entry((r.hamlet_id, name))
            .or_default()
            .push(i);
    }
    let mut households: HashMap<String, Vec<&ExistingHousehold>> = HashMap::new();
    for h in &current.households {
        households.entry(code_key(&h.code)).or_default().push(h);
    }
    let hamlet_name = |id: i64| {
        current
            .hamlets
            .iter()
            .find(|h| h.id == id)
            .map_or(String::new(), |h| h.name.clone())
    };

    let mut items: Vec<Item> = Vec::new();
    let mut new_households: Vec<NewHousehold> = Vec::new();
    let mut new_household_at: HashMap<String, (usize, i64, usize)> = HashMap::new();
    let mut seen_cccd: HashMap<String, usize> = HashMap::new();
    let mut seen_person: HashMap<(String, String, String), usize> = HashMap::new();
    let mut matched: HashMap<i64, usize> = HashMap::new();

    for row in rows {
        let line = row.line;
        let reject = |column: &String, reason: String| Problem {
            line,
            column: column.to_string(),
            reason,
        };
        // "Ấp 1" and "Khu phố 1" share the key "1": the name as written decides, else refuse.
        let candidates = hamlets.get(&hamlet_key(&row.hamlet));
        let hamlet = match candidates.map(Vec::as_slice) {
            Some([one]) => Some(*one),
            Some(many) => many
                .iter()
                .find(|h| text::fold(&h.name) == text::fold(&row.hamlet))
                .copied(),
            None => None,
        };
        if hamlet.is_none() && candidates.is_some_and(|c| c.len() > 1) {
            rejected.push(reject(
                &c_hamlet,
                format!("«{}» có thể là nhiều ấp; ghi đúng tên ấp", row.hamlet),
            ));
            continue;
        }
        let Some(hamlet) = hamlet else {
            let names: Vec<&str> = current
                .hamlets
                .iter()
                .filter(|h| h.active)
                .map(|h| h.name.as_str())
                .collect();
            rejected.push(reject(
                &c_hamlet,
                format!(
                    "xã không có ấp «{}» (các ấp: {})",
                    row.hamlet,
                    names.join(", ")
                ),
            ));
            continue;
        };
        if !hamlet.active {
            rejected.push(reject(&c_hamlet, format!("{} đã đóng", hamlet.name)));
            continue;
        }
        let birth = birth_key(&row.birth_date, row.birth_year);
        let written = row
            .household_code
            .clone()
            .unwrap_or_else(|| auto_household_code(hamlet.id, &row.full_name, &birth));
        let key = code_key(&written);
        // The household as stored ("0012" for a cell Excel turned into 12); when both "0012"
        // and "12" are stored only the code as written decides.
        let stored = match households.get(&key).map(Vec::as_slice) {
            None => None,
            Some([one]) => Some(*one),
            Some(many) => match many.iter().find(|h| h.code == written) {
                Some(h) => Some(*h),
                None => {
                    rejected.push(reject(
                        &c_code,
                        format!("mã hộ {written} có thể là nhiều hộ; ghi đúng mã hộ như đã lưu"),
                    ));
                    continue;
                }
            },
        };
        let code = match stored {
            Some(h) => h.code.clone(),
            None => new_household_at
                .get(&key)
                .map(|&(_, _, i)| new_households[i].code.clone())
                .unwrap_or(written),
        };
        let name_key = text::fold(&row.full_name);

        // The household: stored, new in this file, or new now.
        if let Some(h) = stored {
            if h.hamlet_id != hamlet.id {
                rejected.push(reject(
                    &c_code,
                    format!(
                        "hộ {code} thuộc {}, không phải {}",
                        hamlet_name(h.hamlet_id),
                        hamlet.name
                    ),
                ));
                continue;
            }
        } else if let Some(&(first_line, h_hamlet, _)) = new_household_at.get(&key)
            && h_hamlet != hamlet.id
        {
            rejected.push(reject(
                &c_code,
                format!(
                    "hộ {code} đã ghi ở {} tại dòng {first_line}",
                    hamlet_name(h_hamlet)
                ),
            ));
            continue;
        }

        // Duplicates within the file.
        let hash_of_row = row.cccd.as_deref().map(hash);
        if let Some(hsh) = &hash_of_row
            && let Some(first) = seen_cccd.get(hsh)
        {
            rejected.push(reject(&c_cccd, format!("trùng số CCCD với dòng {first}")));
            continue;
        }
        let person = (code.clone(), name_key.clone(), birth.clone());
        if let Some(first) = seen_person.get(&person) {
            rejected.push(reject(
                &c_name,
                format!("trùng người với dòng {first} (cùng hộ, họ tên và ngày sinh)"),
            ));
            continue;
        }

        // The stored resident this row is about.
        let by_id = hash_of_row.as_deref().and_then(|h| by_hash.get(h)).copied();
        if by_id.is_none()
            && hash_of_row
                .as_ref()
                .is_some_and(|h| current.elsewhere.contains(h))
        {
            rejected.push(reject(
                &c_cccd,
                "số CCCD này đã có ở một xã khác trong tỉnh".to_string(),
            ));
            continue;
        }
        // Without a birth date on either side only the same name, diacritics and all, is the
        // same person ("Lê Thị Hà" is not "Lê Thị Hạ").
        let compatible = |i: &&usize| {
            let e = &current.residents[**i];
            let no_births = row.birth_date.is_none()
                && row.birth_year.is_none()
                && e.birth_date.is_none()
                && e.birth_year.is_none();
            births_agree(
                (&row.birth_date, row.birth_year),
                (&e.birth_date, e.birth_year),
            ) && (!no_births || e.full_name.to_lowercase() == row.full_name.to_lowercase())
        };
        let in_household: Vec<usize> = by_household_name
            .get(&(code.clone(), name_key.clone()))
            .map(|c| c.iter().filter(compatible).copied().collect())
            .unwrap_or_default();
        let candidates = if in_household.is_empty() {
            // A row without a household code, or a person stored without one.
            by_hamlet_name
                .get(&(hamlet.id, name_key.clone()))
                .map(|c| {
                    c.iter()
                        .filter(compatible)
                        .filter(|i| {
                            row.household_code.is_none()
                                || current.residents[**i].household_code.starts_with("NK-")
                        })
                        .copied()
                        .collect()
                })
                .unwrap_or_default()
        } else {
            in_household
        };
        // The one followed person of that name and birth; else one no longer followed (the row
        // is then refused below); two followed ones cannot be told apart without the ID.
        let followed: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|i| current.residents[*i].active)
            .collect();
        let by_person = match followed.as_slice() {
            [one] => Some(*one),
            [] => candidates.first().copied(),
            _ => {
                rejected.push(reject(
                    &c_name,
                    "có nhiều người cùng họ tên và ngày sinh; ghi số CCCD để phân biệt".into(),
                ));
                continue;
            }
        };
        let found = match (by_id, by_person) {
            (Some(a), Some(b)) if a != b => {
                let other = &current.residents[a];
                rejected.push(reject(
                    &c_cccd,
                    format!(
                        "số CCCD này đã lưu cho {} ({}, hộ {})",
                        other.full_name,
                        hamlet_name(other.hamlet_id),
                        other.household_code
                    ),
                ));
                continue;
            }
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
        if let Some(i) = found {
            let e = &current.residents[i];
            if e.erased {
                rejected.push(reject(
                    &c_cccd,
                    "người này đã yêu cầu xóa dữ liệu cá nhân; không nhập lại".into(),
                ));
                continue;
            }
            if !e.active {
                rejected.push(reject(
                    &c_name,
                    format!(
                        "{} ({}) đã ngừng theo dõi (chuyển đi hoặc đã mất); nếu đã quay về, \
                         mở lại trên trang nhân khẩu rồi nhập lại",
                        e.full_name,
                        hamlet_name(e.hamlet_id)
                    ),
                ));
                continue;
            }
            if e.hamlet_id != hamlet.id && row.household_code.is_none() {
                rejected.push(reject(
                    &c_hamlet,
                    format!(
                        "người này (số CCCD trùng) đang ở {}, không phải {}; ghi mã hộ mới nếu đã chuyển",
                        hamlet_name(e.hamlet_id),
                        hamlet.name
                    ),
                ));
                continue;
            }
            if let (Some(stored), Some(h)) = (&e.cccd_hash, &hash_of_row)
                && stored != h
            {
                rejected.push(reject(
                    &c_cccd,
                    "khác số CCCD đã lưu cho người này; sửa trên trang nhân khẩu nếu số cũ sai"
                        .into(),
                ));
                continue;
            }
            if let Some(first) = matched.get(&e.id) {
                rejected.push(reject(&c_name, format!("trùng người với dòng {first}")));
                continue;
            }
        }

        // Accepted: note it for the duplicate checks of later rows.
        if let Some(h) = hash_of_row.clone() {
            seen_cccd.insert(h, line);
        }
        seen_person.insert(person, line);
        if stored.is_none() {
            match new_household_at.get(&key) {
                Some(&(_, _, idx)) => {
                    let h = &mut new_households[idx];
                    if h.head_name.is_none() && is_head(&row.relation) {
                        h.head_name = Some(row.full_name.clone());
                    }
                    if h.address.is_none() {
                        h.address = row.address.clone();
                    }
                }
                None => {
                    new_household_at.insert(key.clone(), (line, hamlet.id, new_households.len()));
                    new_households.push(NewHousehold {
                        code: code.clone(),
                        hamlet_id: hamlet.id,
                        address: row.address.clone(),
                        head_name: is_head(&row.relation).then(|| row.full_name.clone()),
                    });
                }
            }
        }
        let in_use = |c: &&&'static str| current.services.iter().any(|s| s == **c);
        let item = match found {
            None => Item {
                line,
                hamlet_id: hamlet.id,
                values: Values {
                    household_code: code,
                    full_name: row.full_name.clone(),
                    birth_date: row.birth_date.clone(),
                    birth_year: row.birth_year,
                    gender: row.gender.map(str::to_string),
                    phone: row.phone.clone(),
                    relation: row.relation.clone(),
                    has_smartphone: row.smartphone.map(i64::from),
                    notes: row.notes.clone(),
                },
                cccd: row.cccd.clone(),
                services_done: row.services_done.iter().filter(in_use).copied().collect(),
                action: Action::Add,
            },
            Some(i) => {
                let e = &current.residents[i];
                matched.insert(e.id, line);
                let (birth_date, birth_year) = match (&row.birth_date, row.birth_year) {
                    (Some(d), y) => (Some(d.clone()), y),
                    (None, Some(y)) if e.birth_year == Some(y) => (e.birth_date.clone(), Some(y)),
                    (None, Some(y)) => (None, Some(y)),
                    (None, None) => (e.birth_date.clone(), e.birth_year),
                };
                let values = Values {
                    // Without a code in the row the person stays in their household.
                    household_code: if row.household_code.is_some() {
                        code
                    } else {
                        e.household_code.clone()
                    },
                    full_name: row.full_name.clone(),
                    birth_date,
                    birth_year,
                    gender: row.gender.map(str::to_string).or_else(|| e.gender.clone()),
                    phone: row.phone.clone().or_else(|| e.phone.clone()),
                    relation: row.relation.clone().or_else(|| e.relation.clone()),
                    has_smartphone: row.smartphone.map(i64::from).or(e.has_smartphone),
                    notes: row.notes.clone().or_else(|| e.notes.clone()),
                };
                let services_done: Vec<&'static str> = row
                    .services_done
                    .iter()
                    .filter(in_use)
                    .filter(|c| !e.services_done.iter().any(|d| d == **c))
                    .copied()
                    .collect();
                let cccd = row.cccd.clone().filter(|_| e.cccd_hash.is_none());
                let mut changes = Vec::new();
                let stored = Values {
                    household_code: e.household_code.clone(),
                    full_name: e.full_name.clone(),
                    birth_date: e.birth_date.clone(),
                    birth_year: e.birth_year,
                    gender: e.gender.clone(),
                    phone: e.phone.clone(),
                    relation: e.relation.clone(),
                    has_smartphone: e.has_smartphone,
                    notes: e.notes.clone(),
                };
                for (key, differs) in [
                    ("household", values.household_code != stored.household_code),
                    ("full_name", values.full_name != stored.full_name),
                    (
                        "birth",
                        (&values.birth_date, values.birth_year)
                            != (&stored.birth_date, stored.birth_year),
                    ),
                    ("gender", values.gender != stored.gender),
                    ("cccd", cccd.is_some()),
                    ("phone", values.phone != stored.phone),
                    ("relation", values.relation != stored.relation),
                    ("smartphone", values.has_smartphone != stored.has_smartphone),
                    ("notes", values.notes != stored.notes),
                    ("services", !services_done.is_empty()),
                ] {
                    if differs {
                        changes.push(label(key));
                    }
                }
                Item {
                    line,
                    hamlet_id: hamlet.id,
                    values,
                    cccd,
                    services_done,
                    action: if changes.is_empty() {
                        Action::Unchanged { id: e.id }
                    } else {
                        Action::Update { id: e.id, changes }
                    },
                }
            }
        };
        items.push(item);
    }
    // Households only the rejected rows needed are not created.
    let used: std::collections::HashSet<&str> = items
        .iter()
        .map(|i| i.values.household_code.as_str())
        .collect();
    new_households.retain(|h| used.contains(h.code.as_str()));
    rejected.sort_by_key(|p| p.line);
    Plan {
        items,
        rejected,
        new_households,
        ignored_columns,
    }
}

/// Household codes compared as written by hand and by Excel: case and spaces aside, and a
/// number's leading zeros (lost when the cell was a number) aside.
pub fn code_key(code: &str) -> String {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()) {
        let t = c.trim_start_matches('0');
        return if t.is_empty() { "0".into() } else { t.into() };
    }
    c
}

fn is_head(relation: &Option<String>) -> bool {
    relation
        .as_deref()
        .is_some_and(|r| text::fold(r) == "chu ho")
}
