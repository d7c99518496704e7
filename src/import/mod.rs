//! Importing the resident and member lists communes keep in Excel (PRODUCT.md §6): files read
//! into rows, rows into what they say, and what they say compared with the database into a
//! preview of adds, updates, unchanged and rejected rows. No SQL here: `db::imports` loads
//! what the plan compares against and applies it.

pub mod bounds;
pub mod businesses;
pub mod cells;
pub mod headers;
pub mod legacy;
pub mod members;
pub mod plan;
pub mod preview;
pub mod read;
pub mod template;

use cells::Raw;
use headers::{Columns, Field, Kind};
use serde::Serialize;

/// A row that cannot be imported: its line in the sheet, the column and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

/// What one row of a resident list says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResidentRow {
    pub line: usize,
    pub hamlet: String,
    pub household_code: Option<String>,
    pub address: Option<String>,
    pub relation: Option<String>,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<&'static str>,
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub smartphone: Option<bool>,
    /// Services the row marks done (a "no" never undoes what field work recorded).
    pub services_done: Vec<&'static str>,
    pub notes: Option<String>,
}

/// A sheet read as rows of one kind.
#[derive(Clone)]
pub struct Sheet<R> {
    pub rows: Vec<R>,
    pub rejected: Vec<Problem>,
    /// Headers not recognised, reported and ignored.
    pub ignored_columns: Vec<String>,
    /// The header row's line.
    pub header_line: usize,
    /// Each recognised column's header as the file writes it, for messages.
    pub headers: Vec<(Field, String)>,
}

impl<R> Sheet<R> {
    /// The file's header for a field, or the template's when the file has no such column.
    pub fn header_of(&self, f: Field) -> String {
        self.headers
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, h)| h.clone())
            .or_else(|| {
                headers::RESIDENT_COLUMNS
                    .iter()
                    .find(|(g, _)| *g == f)
                    .map(|(_, h)| h.to_string())
            })
            .unwrap_or_default()
    }
}

pub(crate) fn headers_of(table: &[Vec<Raw>], h: usize, cols: &Columns) -> Vec<(Field, String)> {
    cols.fields
        .iter()
        .map(|(c, f)| (*f, header_name(table, h, *c)))
        .collect()
}

/// Finds the header row among the first lines (lists often start with a title) and the
/// columns it names; both required fields must be there.
pub fn header(
    kind: Kind,
    table: &[Vec<Raw>],
    required: &[(Field, &str)],
) -> Result<(usize, Columns), String> {
    for (i, row) in table.iter().take(30).enumerate() {
        let headers: Vec<String> = row.iter().map(|c| c.shown()).collect();
        let cols = Columns::of(kind, &headers);
        if required.iter().all(|(f, _)| cols.has(*f)) {
            return Ok((i, cols));
        }
    }
    let names: Vec<String> = required.iter().map(|(_, n)| format!("«{n}»")).collect();
    Err(format!(
        "Không tìm thấy dòng tiêu đề có các cột {} trong 30 dòng đầu của trang tính. \
         Hãy dùng tệp mẫu hoặc đặt tên cột như trong tệp mẫu.",
        names.join(" và ")
    ))
}

pub(crate) fn header_name(table: &[Vec<Raw>], header_line: usize, col: usize) -> String {
    table
        .get(header_line)
        .and_then(|r| r.get(col))
        .map(|c| c.shown())
        .unwrap_or_default()
}

/// Reads every row under the header into a resident, or a problem naming the first cell that
/// is wrong. Blank rows are skipped. `today` (ISO) bounds birth dates.
pub fn residents(table: &[Vec<Raw>], today: &str) -> Result<Sheet<ResidentRow>, String> {
    let (h, cols) = header(
        Kind::Residents,
        table,
        &[(Field::Hamlet, "Ấp"), (Field::FullName, "Họ và tên")],
    )?;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    for (i, cells) in table.iter().enumerate().skip(h + 1) {
        if cells.iter().all(Raw::is_blank) {
            continue;
        }
        let line = i + 1;
        match resident_row(table, h, &cols, cells, line, today) {
            Ok(r) => rows.push(r),
            Err(p) => rejected.push(p),
        }
    }
    Ok(Sheet {
        rows,
        rejected,
        headers: headers_of(table, h, &cols),
        ignored_columns: cols.ignored,
        header_line: h + 1,
    })
}

fn resident_row(
    table: &[Vec<Raw>],
    h: usize,
    cols: &Columns,
    cells: &[Raw],
    line: usize,
    today: &str,
) -> Result<ResidentRow, Problem> {
    let mut r = ResidentRow {
        line,
        ..Default::default()
    };
    let empty = Raw::Empty;
    let problem = |col: usize, reason: String| Problem {
        line,
        column: header_name(table, h, col),
        reason,
    };
    let mut cccd_col = 0;
    for &(col, field) in &cols.fields {
        let raw = cells.get(col).unwrap_or(&empty);
        let bad = |reason: String| problem(col, reason);
        match field {
            Field::Hamlet => r.hamlet = cells::text(raw).unwrap_or_default(),
            Field::FullName => {
                r.full_name = cells::text(raw)
                    .map(|s| cells::person_name(&s))
                    .unwrap_or_default()
            }
            Field::HouseholdCode => r.household_code = cells::text(raw),
            Field::Address => r.address = cells::text(raw),
            Field::Relation => r.relation = cells::text(raw),
            Field::Notes => r.notes = cells::text(raw),
            Field::Birth => {
                if let Some(b) = cells::birth(raw, today).map_err(bad)? {
                    r.birth_date = b.date;
                    r.birth_year = Some(b.year);
                }
            }
            Field::Gender => r.gender = cells::gender(raw).map_err(bad)?,
            Field::Cccd => {
                cccd_col = col;
                r.cccd = cells::cccd(raw).map_err(bad)?;
            }
            Field::Phone => r.phone = cells::phone(raw).map_err(bad)?,
            Field::Smartphone => r.smartphone = cells::yes_no(raw).map_err(bad)?,
            Field::Service(code) => {
                if cells::yes_no(raw).map_err(bad)? == Some(true) {
                    r.services_done.push(code);
                }
            }
            Field::Position | Field::Affiliation | Field::RowNumber => {}
        }
    }
    let col_of = |f: Field| {
        cols.fields
            .iter()
            .find(|(_, g)| *g == f)
            .map_or(0, |(c, _)| *c)
    };
    if r.full_name.is_empty() {
        return Err(problem(col_of(Field::FullName), "thiếu họ và tên".into()));
    }
    if r.full_name.chars().any(|c| c.is_ascii_digit()) || r.full_name.chars().count() > 100 {
        return Err(problem(
            col_of(Field::FullName),
            format!("họ và tên «{}» không hợp lệ", r.full_name),
        ));
    }
    if r.hamlet.is_empty() {
        return Err(problem(col_of(Field::Hamlet), "thiếu tên ấp".into()));
    }
    if let Some(c) = r.cccd.as_deref() {
        cells::cccd_agrees(c, r.gender, r.birth_year)
            .map_err(|reason| problem(cccd_col, reason))?;
    }
    for (value, max, f) in [
        (&r.household_code, 40, Field::HouseholdCode),
        (&r.address, 300, Field::Address),
        (&r.relation, 50, Field::Relation),
        (&r.notes, 1000, Field::Notes),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(problem(col_of(f), format!("dài quá {max} ký tự")));
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests;
