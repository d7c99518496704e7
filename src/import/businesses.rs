//! Business lists (kinh tế số): the register as the commune keeps it in Excel — the same
//! columns the export writes — read with the same care as resident lists and compared with
//! the businesses already recorded. The same business is the same folded name in the same
//! hamlet, so importing a list again changes nothing. A step's cell holds the day it was done
//! (or "x"/"Có": done, on the import's day); a blank cell never takes a step back.

use super::cells::{self, Raw, hamlet_key};
use super::headers::key;
use super::{Problem, header_name};
use crate::businesses::{self as rules, PLATFORMS};
use crate::text;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Hamlet,
    Name,
    Owner,
    Kind,
    Products,
    Address,
    Phone,
    /// A step's day, by the step's column.
    Step(&'static str),
    Platform,
    ShopUrl,
    RowNumber,
}

const COLUMNS: &[(Col, &str)] = &[
    (Col::Hamlet, "Ấp"),
    (Col::Hamlet, "Tên ấp"),
    (Col::Hamlet, "Khu phố"),
    (Col::Name, "Tên cơ sở"),
    (Col::Name, "Tên cơ sở kinh doanh"),
    (Col::Name, "Tên hộ kinh doanh"),
    (Col::Name, "Cơ sở"),
    (Col::Owner, "Chủ cơ sở"),
    (Col::Owner, "Chủ hộ kinh doanh"),
    (Col::Owner, "Người đại diện"),
    (Col::Kind, "Loại"),
    (Col::Kind, "Loại hình"),
    (Col::Products, "Sản phẩm"),
    (Col::Products, "Mặt hàng"),
    (Col::Products, "Ngành nghề"),
    (Col::Address, "Địa chỉ"),
    (Col::Phone, "Số điện thoại"),
    (Col::Phone, "Điện thoại"),
    (Col::Phone, "SĐT"),
    (Col::Step("ecommerce_on"), "Gian hàng TMĐT từ ngày"),
    (Col::Step("ecommerce_on"), "Gian hàng TMĐT"),
    (Col::Step("ecommerce_on"), "Sàn thương mại điện tử"),
    (Col::Platform, "Sàn TMĐT"),
    (Col::Platform, "Tên sàn"),
    (Col::ShopUrl, "Địa chỉ gian hàng"),
    (Col::ShopUrl, "Link gian hàng"),
    (Col::Step("listed_on"), "Đăng sản phẩm từ ngày"),
    (Col::Step("listed_on"), "Đăng sản phẩm"),
    (Col::Step("einvoice_on"), "Hóa đơn điện tử từ ngày"),
    (Col::Step("einvoice_on"), "Hóa đơn điện tử"),
    (
        Col::Step("cashless_on"),
        "Thanh toán không dùng tiền mặt từ ngày",
    ),
    (Col::Step("cashless_on"), "Thanh toán không dùng tiền mặt"),
    (Col::Step("cashless_on"), "Thanh toán QR"),
    (Col::Step("social_on"), "Mạng xã hội từ ngày"),
    (Col::Step("social_on"), "Mạng xã hội"),
    (Col::Step("social_on"), "Trang mạng xã hội"),
    (Col::RowNumber, "STT"),
    (Col::RowNumber, "TT"),
];

fn col_of(header: &str) -> Option<Col> {
    let k = key(header);
    COLUMNS
        .iter()
        .find(|(_, name)| key(name) == k)
        .map(|(c, _)| *c)
}

/// What one row of a business list says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BusinessRow {
    pub line: usize,
    pub hamlet: String,
    pub name: String,
    pub owner_name: Option<String>,
    pub kind: Option<&'static str>,
    pub products: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// (step column, day) for the steps the row marks done.
    pub steps: Vec<(&'static str, String)>,
    pub platform: Option<&'static str>,
    pub shop_url: Option<String>,
}

#[derive(Clone)]
pub struct BusinessSheet {
    pub rows: Vec<BusinessRow>,
    pub rejected: Vec<Problem>,
    pub ignored_columns: Vec<String>,
}

fn kind(s: &str) -> Option<&'static str> {
    let f = text::fold(s);
    rules::KINDS
        .iter()
        .find(|(c, l)| text::fold(l) == f || *c == f)
        .map(|(c, _)| *c)
        .or(match f.as_str() {
            "hkd" | "ho kd" | "ho san xuat" => Some("household"),
            "htx" => Some("cooperative"),
            "cong ty" | "dn" | "cong ty tnhh" => Some("enterprise"),
            "co so" | "co so sx" => Some("producer"),
            _ => None,
        })
}

fn platform(s: &str) -> Option<&'static str> {
    let f = text::fold(s);
    PLATFORMS
        .iter()
        .find(|(c, l)| text::fold(l) == f || *c == f || f.starts_with(c))
        .map(|(c, _)| *c)
}

/// A step's cell: a day (dd/mm/yyyy, an Excel date) or a yes, not after `today`.
fn step_day(raw: &Raw, today: &str) -> Result<Option<String>, String> {
    let bad = || {
        format!(
            "không đọc được {}: ghi ngày dd/mm/yyyy, hoặc «x» nếu đã có mà không rõ ngày",
            cells::quoted(raw)
        )
    };
    let day = match raw {
        Raw::Empty => return Ok(None),
        Raw::Bool(true) => return Ok(Some(today.to_string())),
        Raw::Bool(false) => return Ok(None),
        Raw::Number(n) | Raw::Date(n) => cells::excel_serial_date(*n)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or_else(bad)?,
        Raw::Text(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match text::parse_date(s.split([' ', 'T']).next().unwrap_or(s)) {
                Some(d) => d,
                None => match cells::yes_no(raw)? {
                    Some(true) => return Ok(Some(today.to_string())),
                    Some(false) => return Ok(None),
                    None => return Err(bad()),
                },
            }
        }
    };
    if day.as_str() > today || day.as_str() < "2000-01-01" {
        return Err(format!(
            "ngày {} không hợp lệ (sau hôm nay hoặc quá xa)",
            text::format_date(&day)
        ));
    }
    Ok(Some(day))
}

/// Reads every row under the header (found among the first 30 lines) into a business, or a
/// problem naming the first cell that is wrong. `today` (ISO) bounds the steps' days.
pub fn businesses(table: &[Vec<Raw>], today: &str) -> Result<BusinessSheet, String> {
    let mut found = None;
    for (i, row) in table.iter().take(30).enumerate() {
        let cols: Vec<(usize, Option<Col>, String)> = row
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.shown().is_empty())
            .map(|(j, c)| (j, col_of(&c.shown()), c.shown()))
            .collect();
        let has = |want: Col| cols.iter().any(|(_, c, _)| *c == Some(want));
        if has(Col::Name) && has(Col::Hamlet) {
            found = Some((i, cols));
            break;
        }
    }
    let (h, cols) = found.ok_or_else(|| {
        "Không tìm thấy dòng tiêu đề có các cột «Ấp» và «Tên cơ sở» trong 30 dòng đầu của trang tính. \
         Hãy dùng tệp tải từ trang Kinh tế số làm mẫu."
            .to_string()
    })?;
    let mut fields: Vec<(usize, Col)> = Vec::new();
    let mut ignored = Vec::new();
    for (j, c, name) in cols {
        match c {
            Some(Col::RowNumber) => {}
            Some(c) if fields.iter().any(|(_, g)| *g == c) => {
                ignored.push(format!("{name} (trùng cột đã có)"))
            }
            Some(c) => fields.push((j, c)),
            None => ignored.push(name),
        }
    }
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let empty = Raw::Empty;
    'rows: for (i, cells_) in table.iter().enumerate().skip(h + 1) {
        if cells_.iter().all(Raw::is_blank) {
            continue;
        }
        let line = i + 1;
        let mut r = BusinessRow {
            line,
            ..Default::default()
        };
        for &(col, field) in &fields {
            let raw = cells_.get(col).unwrap_or(&empty);
            let problem = |reason: String| Problem {
                line,
                column: header_name(table, h, col),
                reason,
            };
            let t = cells::text(raw);
            match field {
                Col::Hamlet => r.hamlet = t.unwrap_or_default(),
                Col::Name => r.name = t.unwrap_or_default(),
                Col::Owner | Col::Products | Col::Address => {
                    let (max, what) = match field {
                        Col::Owner => (100, "tên chủ cơ sở"),
                        Col::Products => (300, "sản phẩm"),
                        _ => (200, "địa chỉ"),
                    };
                    if t.as_ref().is_some_and(|v| v.chars().count() > max) {
                        rejected.push(problem(format!("{what} dài quá {max} ký tự")));
                        continue 'rows;
                    }
                    match field {
                        Col::Owner => r.owner_name = t.map(|s| cells::person_name(&s)),
                        Col::Products => r.products = t,
                        _ => r.address = t,
                    }
                }
                Col::Kind => {
                    if let Some(s) = t {
                        match kind(&s) {
                            Some(k) => r.kind = Some(k),
                            None => {
                                rejected.push(problem(format!(
                                    "loại {} phải là Hộ kinh doanh, Cơ sở sản xuất, Hợp tác xã hoặc Doanh nghiệp",
                                    cells::quoted(raw)
                                )));
                                continue 'rows;
                            }
                        }
                    }
                }
                Col::Phone => match cells::phone(raw) {
                    Ok(p) => r.phone = p,
                    Err(e) => {
                        rejected.push(problem(e));
                        continue 'rows;
                    }
                },
                Col::Step(step) => match step_day(raw, today) {
                    Ok(Some(d)) => r.steps.push((step, d)),
                    Ok(None) => {}
                    Err(e) => {
                        rejected.push(problem(e));
                        continue 'rows;
                    }
                },
                Col::Platform => {
                    if let Some(s) = t {
                        match platform(&s) {
                            Some(p) => r.platform = Some(p),
                            None => {
                                rejected.push(problem(format!(
                                    "sàn {} chưa có trong danh sách (Voso.vn, Postmart.vn, Shopee, TikTok Shop, Lazada, Sendo, Sàn khác)",
                                    cells::quoted(raw)
                                )));
                                continue 'rows;
                            }
                        }
                    }
                }
                Col::ShopUrl => {
                    if let Some(s) = t {
                        match rules::check_link(&s) {
                            Ok(u) => r.shop_url = Some(u),
                            Err(e) => {
                                rejected.push(problem(e.to_string()));
                                continue 'rows;
                            }
                        }
                    }
                }
                Col::RowNumber => {}
            }
        }
        let column_of = |c: Col| {
            fields
                .iter()
                .find(|(_, g)| *g == c)
                .map(|(j, _)| header_name(table, h, *j))
                .unwrap_or_default()
        };
        let reason = if r.name.is_empty() {
            Some((Col::Name, "thiếu tên cơ sở".to_string()))
        } else if r.name.chars().count() > 150 {
            Some((Col::Name, "tên cơ sở dài quá 150 ký tự".to_string()))
        } else if r.hamlet.is_empty() {
            Some((Col::Hamlet, "thiếu tên ấp".to_string()))
        } else {
            None
        };
        match reason {
            Some((c, reason)) => rejected.push(Problem {
                line,
                column: column_of(c),
                reason,
            }),
            None => rows.push(r),
        }
    }
    rejected.sort_by_key(|p| p.line);
    Ok(BusinessSheet {
        rows,
        rejected,
        ignored_columns: ignored,
    })
}

/// A business already recorded, as the plan compares it.
#[derive(Clone, Debug)]
pub struct Existing {
    pub id: i64,
    pub hamlet_id: i64,
    pub name: String,
    pub owner_name: Option<String>,
    pub kind: Option<String>,
    /// Each tracked field's value (steps' days, platform, link, phone, products, address).
    pub tracked: HashMap<&'static str, Option<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Add,
    /// The business, whether its owner or kind changed (its name is how it is known, so a
    /// list in capitals keeps the stored one), and the tracked changes.
    Update {
        id: i64,
        details: bool,
        changes: Vec<(&'static str, Option<String>)>,
    },
    Unchanged(i64),
}

#[derive(Clone, Debug)]
pub struct Item {
    pub line: usize,
    pub hamlet_id: i64,
    pub row: BusinessRow,
    pub action: Action,
}

pub struct BusinessPlan {
    pub items: Vec<Item>,
    pub rejected: Vec<Problem>,
    pub ignored_columns: Vec<String>,
}

impl BusinessPlan {
    pub fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.items.iter().filter(|i| f(&i.action)).count()
    }
}

/// The tracked values a row sets: steps it marks done (a step already done keeps its first
/// day), and the details it fills (a blank cell leaves the stored value).
fn row_changes(r: &BusinessRow, old: Option<&Existing>) -> Vec<(&'static str, Option<String>)> {
    let stored = |f: &str| old.and_then(|o| o.tracked.get(f).cloned().flatten());
    let mut out = Vec::new();
    for (step, day) in &r.steps {
        if stored(step).is_none() {
            out.push((*step, Some(day.clone())));
        }
    }
    let details: [(&'static str, Option<String>); 5] = [
        ("platform", r.platform.map(str::to_string)),
        ("shop_url", r.shop_url.clone()),
        ("phone", r.phone.clone()),
        ("products", r.products.clone()),
        ("address", r.address.clone()),
    ];
    for (f, v) in details {
        if v.is_some() && stored(f) != v {
            out.push((f, v));
        }
    }
    out
}

/// What a new business's row sets beyond its name: every step and detail it fills.
pub fn plan_row_changes(r: &BusinessRow) -> Vec<(&'static str, Option<String>)> {
    row_changes(r, None)
}

/// Compares the rows with the commune's hamlets and businesses.
pub fn plan(
    sheet: BusinessSheet,
    hamlets: &[(i64, String)],
    existing: &[Existing],
) -> BusinessPlan {
    let mut by_hamlet: HashMap<String, Vec<(&str, i64)>> = HashMap::new();
    for (id, n) in hamlets {
        by_hamlet.entry(hamlet_key(n)).or_default().push((n, *id));
    }
    let by_name: HashMap<(i64, String), &Existing> = existing
        .iter()
        .map(|b| ((b.hamlet_id, text::fold(&b.name)), b))
        .collect();
    let mut rejected = sheet.rejected;
    let mut items = Vec::new();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for r in sheet.rows {
        let hamlet = match by_hamlet.get(&hamlet_key(&r.hamlet)).map(Vec::as_slice) {
            Some([(_, id)]) => Some(*id),
            Some(many) => many
                .iter()
                .find(|(n, _)| text::fold(n) == text::fold(&r.hamlet))
                .map(|(_, id)| *id),
            None => None,
        };
        let Some(hamlet_id) = hamlet else {
            rejected.push(Problem {
                line: r.line,
                column: "Ấp".into(),
                reason: format!("xã không có ấp «{}»", r.hamlet),
            });
            continue;
        };
        let k = (hamlet_id, text::fold(&r.name));
        if let Some(first) = seen.get(&k) {
            rejected.push(Problem {
                line: r.line,
                column: "Tên cơ sở".into(),
                reason: format!("trùng cơ sở với dòng {first}"),
            });
            continue;
        }
        seen.insert(k.clone(), r.line);
        let old = by_name.get(&k).copied();
        let changes = row_changes(&r, old);
        let action = match old {
            None => Action::Add,
            Some(o) => {
                let details = r
                    .owner_name
                    .as_ref()
                    .is_some_and(|n| Some(n) != o.owner_name.as_ref())
                    || r.kind.is_some_and(|k| Some(k) != o.kind.as_deref());
                if details || !changes.is_empty() {
                    Action::Update {
                        id: o.id,
                        details,
                        changes,
                    }
                } else {
                    Action::Unchanged(o.id)
                }
            }
        };
        items.push(Item {
            line: r.line,
            hamlet_id,
            row: r,
            action,
        });
    }
    rejected.sort_by_key(|p| p.line);
    BusinessPlan {
        items,
        rejected,
        ignored_columns: sheet.ignored_columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Raw {
        Raw::Text(s.to_string())
    }

    #[test]
    fn rows_read_with_their_steps_and_mistakes_named() {
        let table = vec![
            vec![t("DANH SÁCH CƠ SỞ KINH DOANH")],
            vec![
                t("STT"),
                t("Ấp"),
                t("Tên cơ sở"),
                t("Loại"),
                t("Gian hàng TMĐT từ ngày"),
                t("Sàn TMĐT"),
                t("Thanh toán QR"),
                t("Màu sơn"),
            ],
            vec![
                Raw::Number(1.0),
                t("Ấp 3"),
                t("Tạp hóa Cô Ba"),
                t("HKD"),
                t("10/11/2026"),
                t("voso.vn"),
                t("x"),
                t("xanh"),
            ],
            vec![
                Raw::Number(2.0),
                t("Ấp 3"),
                t("Lò bánh"),
                t("Nhà hàng"),
                t(""),
                t(""),
                t(""),
                t(""),
            ],
            vec![
                Raw::Number(3.0),
                t("Ấp 3"),
                t("Quán Tư"),
                t(""),
                t("31/12/2026"),
                t(""),
                t(""),
                t(""),
            ],
            vec![
                Raw::Number(4.0),
                t(""),
                t("Không ấp"),
                t(""),
                t(""),
                t(""),
                t(""),
                t(""),
            ],
        ];
        let s = businesses(&table, "2026-11-20").unwrap();
        assert_eq!(s.ignored_columns, ["Màu sơn"]);
        assert_eq!(s.rows.len(), 1);
        let r = &s.rows[0];
        assert_eq!(r.kind, Some("household"));
        assert_eq!(r.platform, Some("voso"));
        assert_eq!(
            r.steps,
            [
                ("ecommerce_on", "2026-11-10".to_string()),
                ("cashless_on", "2026-11-20".to_string())
            ]
        );
        let lines: Vec<(usize, &str)> = s
            .rejected
            .iter()
            .map(|p| (p.line, p.column.as_str()))
            .collect();
        assert_eq!(
            lines,
            [(4, "Loại"), (5, "Gian hàng TMĐT từ ngày"), (6, "Ấp")]
        );
    }

    #[test]
    fn the_same_list_again_is_unchanged() {
        let row = BusinessRow {
            line: 3,
            hamlet: "Ấp 3".into(),
            name: "Tạp hóa Cô Ba".into(),
            steps: vec![("ecommerce_on", "2026-11-10".into())],
            platform: Some("voso"),
            ..Default::default()
        };
        let sheet = || BusinessSheet {
            rows: vec![row.clone()],
            rejected: vec![],
            ignored_columns: vec![],
        };
        let hamlets = [(7, "Ấp 3".to_string())];
        let p = plan(sheet(), &hamlets, &[]);
        assert_eq!(p.items[0].action, Action::Add);
        let mut tracked = HashMap::new();
        tracked.insert("ecommerce_on", Some("2026-11-01".to_string()));
        tracked.insert("platform", Some("voso".to_string()));
        let stored = Existing {
            id: 9,
            hamlet_id: 7,
            name: "Tạp hóa Cô Ba".into(),
            owner_name: None,
            kind: Some("household".into()),
            tracked,
        };
        let p = plan(sheet(), &hamlets, &[stored]);
        // Already on voso since 1 November: the row's later day does not move it.
        assert_eq!(p.items[0].action, Action::Unchanged(9));
    }
}
