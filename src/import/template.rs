//! The resident list template offered on the import page: the headers of PRODUCT.md §6, one
//! example row, drop-down Có/Không lists on the yes/no columns, and text-formatted ID and
//! phone columns so Excel keeps their leading zeros.

use super::headers::{Field, MEMBER_COLUMNS, RESIDENT_COLUMNS};
use crate::error::{AppError, Result};
use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};

const EXAMPLE: &[&str] = &[
    "A3-001",
    "Ấp 3",
    "Tổ 2, ấp 3",
    "Chủ hộ",
    "Nguyễn Văn An",
    "05/03/1987",
    "Nam",
    "072087001234",
    "0912345678",
    "Có",
    "Có",
    "Không",
    "Có",
    "",
    "Có",
    "",
    "",
    "",
    "",
    "",
    "Có",
    "",
];

const MEMBER_EXAMPLE: &[&str] = &[
    "Trần Thị Bích",
    "Ấp 3",
    "Tổ viên",
    "Hội Phụ nữ",
    "0987654321",
];

fn err(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// Rows reserved for entries under the example.
const ROWS: u32 = 5000;

pub fn residents() -> Result<Vec<u8>> {
    let headers: Vec<&str> = RESIDENT_COLUMNS.iter().map(|(_, h)| *h).collect();
    let yes_no: Vec<u16> = RESIDENT_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, (f, _))| matches!(f, Field::Service(_) | Field::Smartphone))
        .map(|(i, _)| i as u16)
        .collect();
    let text_cols: Vec<u16> = RESIDENT_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, (f, _))| {
            matches!(
                f,
                Field::Cccd | Field::Phone | Field::HouseholdCode | Field::Birth
            )
        })
        .map(|(i, _)| i as u16)
        .collect();
    let gender = RESIDENT_COLUMNS
        .iter()
        .position(|(f, _)| *f == Field::Gender)
        .map(|i| i as u16);
    sheet("Nhân khẩu", &headers, EXAMPLE, &yes_no, &text_cols, gender)
}

pub fn members() -> Result<Vec<u8>> {
    let headers: Vec<&str> = MEMBER_COLUMNS.iter().map(|(_, h)| *h).collect();
    sheet("Thành viên", &headers, MEMBER_EXAMPLE, &[], &[4], None)
}

fn sheet(
    name: &str,
    headers: &[&str],
    example: &[&str],
    yes_no: &[u16],
    text_cols: &[u16],
    gender: Option<u16>,
) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(err)?;
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("DDEBF7");
    let text = Format::new().set_num_format("@");
    for &c in text_cols {
        ws.set_column_format(c, &text).map_err(err)?;
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 + 2.0).max(12.0))
            .map_err(err)?;
    }
    for (c, v) in example.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string(1, c as u16, *v).map_err(err)?;
        }
    }
    let choice =
        |items: &[&str], message: &str| -> std::result::Result<DataValidation, XlsxError> {
            DataValidation::new()
                .allow_list_strings(items)?
                .ignore_blank(true)
                .set_error_title("Giá trị không hợp lệ")?
                .set_error_message(message)
        };
    let yn = choice(&["Có", "Không"], "Chọn «Có» hoặc «Không» (hoặc để trống).").map_err(err)?;
    for &c in yes_no {
        ws.add_data_validation(1, c, ROWS, c, &yn).map_err(err)?;
    }
    if let Some(c) = gender {
        let g = choice(&["Nam", "Nữ"], "Chọn «Nam» hoặc «Nữ».").map_err(err)?;
        ws.add_data_validation(1, c, ROWS, c, &g).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
