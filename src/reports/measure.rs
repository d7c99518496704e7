//! How wide text is and how wide a table's columns must be, shared by the Word and PDF
//! writers. Liberation Serif has the same advance widths as Times New Roman, so measuring it
//! tells what Word and LibreOffice will need too.
//!
//! A table's `widths` are hints; a column is never narrower than its longest unbreakable
//! token (a number, a percentage, a ratio, a date, a word), otherwise "13.386/29.246" or
//! "STT" would be cut mid-token. The room a narrow column needs is taken from the others in
//! proportion to their width, so the widest columns give the most.

use std::sync::OnceLock;

use ttf_parser::Face;

use super::document::{Cell, Table};

pub(crate) const REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSerif-Regular.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");
pub(crate) const ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-Italic.ttf");

/// Added to every measured token: viewers round and hint differently, and a token that fits
/// to the last hundredth of a point in one of them wraps in another.
const SLACK: f32 = 1.04;

fn face(bold: bool) -> Option<&'static Face<'static>> {
    static FACES: OnceLock<[Option<Face<'static>>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| [Face::parse(REGULAR, 0).ok(), Face::parse(BOLD, 0).ok()]);
    faces[usize::from(bold)].as_ref()
}

/// The width of `text` in points at `size` points, in Liberation Serif (bold or regular).
pub(crate) fn text_width(text: &str, bold: bool, size: f32) -> f32 {
    let Some(face) = face(bold) else {
        // Cannot happen with the embedded fonts; half an em per character is close enough.
        return text.chars().count() as f32 * size / 2.0;
    };
    let per_unit = size / f32::from(face.units_per_em());
    let units: f32 = text
        .chars()
        .map(|c| {
            let g = face.glyph_index(c).unwrap_or_default();
            f32::from(face.glyph_hor_advance(g).unwrap_or(0))
        })
        .sum();
    units * per_unit
}

/// The narrowest each column of `table` may be, in points, at `size` points with `padding`
/// points of cell padding on each side: its widest header word (bold), and its widest cell
/// token. A number, percentage, ratio or date is one token; text breaks at spaces.
pub(crate) fn min_widths(table: &Table, columns: usize, size: f32, padding: f32) -> Vec<f32> {
    let mut widest = vec![0.0f32; columns];
    let mut see = |i: usize, token: &str, bold: bool| {
        if let Some(w) = widest.get_mut(i) {
            *w = w.max(text_width(token, bold, size));
        }
    };
    for (i, title) in table.columns.iter().enumerate() {
        title.split_whitespace().for_each(|word| see(i, word, true));
    }
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            let bold = matches!(cell, Cell::Strong(_));
            let shown = cell.display();
            if cell.is_numeric() || matches!(cell, Cell::Date(_)) {
                see(i, shown.trim(), bold);
            } else {
                shown.split_whitespace().for_each(|word| see(i, word, bold));
            }
        }
    }
    widest
        .into_iter()
        .map(|w| w * SLACK + 2.0 * padding)
        .collect()
}

/// Column widths summing to `total`: in proportion to `weights` (missing or zero weights
/// count as 1), but none below its minimum. Columns that would fall short are pinned at their
/// minimum and the rest share what is left in proportion, until no column falls short. When
/// even the minimums do not fit, the minimums are scaled down to fit (the caller should have
/// tried a smaller type first).
pub(crate) fn fit(weights: &[u16], mins: &[f32], total: f32) -> Vec<f32> {
    let n = mins.len();
    if n == 0 {
        return Vec::new();
    }
    let weight = |i: usize| f32::from(weights.get(i).copied().unwrap_or(1).max(1));
    let need: f32 = mins.iter().sum();
    if need >= total {
        return mins.iter().map(|m| m / need * total).collect();
    }
    let mut pinned = vec![false; n];
    loop {
        let room = total - (0..n).filter(|&i| pinned[i]).map(|i| mins[i]).sum::<f32>();
        let share: f32 = (0..n).filter(|&i| !pinned[i]).map(weight).sum();
        let widths: Vec<f32> = (0..n)
            .map(|i| {
                if pinned[i] {
                    mins[i]
                } else {
                    room * weight(i) / share
                }
            })
            .collect();
        let short: Vec<usize> = (0..n)
            .filter(|&i| !pinned[i] && widths[i] < mins[i])
            .collect();
        if short.is_empty() {
            return widths;
        }
        short.into_iter().for_each(|i| pinned[i] = true);
    }
}

/// The largest of `sizes` (tried in order) at which the columns' minimums fit in `total`,
/// with the columns' widths at that size. `padding` is per side, in points.
pub(crate) fn layout(
    table: &Table,
    columns: usize,
    total: f32,
    sizes: &[f32],
    padding: f32,
) -> (f32, Vec<f32>) {
    let mut chosen = None;
    for &size in sizes {
        let mins = min_widths(table, columns, size, padding);
        let fits = mins.iter().map(|m| m.min(total / 2.0)).sum::<f32>() <= total;
        chosen = Some((size, mins));
        if fits {
            break;
        }
    }
    let (size, mins) = chosen.unwrap_or((12.0, vec![0.0; columns]));
    // A long address or name in one cell may still break: it must not squeeze the rest.
    let mins: Vec<f32> = mins.into_iter().map(|m| m.min(total / 2.0)).collect();
    (size, fit(&table.widths, &mins, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], widths: Vec<u16>, rows: Vec<Vec<Cell>>) -> Table {
        Table {
            title: String::new(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            widths,
            rows,
        }
    }

    #[test]
    fn measures_with_times_metrics() {
        // Times New Roman / Liberation Serif: digits are half an em, a space a quarter.
        assert!((text_width("0000", false, 10.0) - 20.0).abs() < 0.01);
        assert!((text_width(" ", false, 10.0) - 2.5).abs() < 0.01);
        assert!(text_width("STT", true, 13.0) > text_width("STT", false, 13.0));
    }

    #[test]
    fn narrow_columns_take_room_from_the_wide_ones() {
        let t = table(
            &[
                "STT",
                "Chỉ tiêu",
                "Số lượng",
                "Kết quả",
                "Mục tiêu",
                "Đánh giá",
            ],
            vec![3, 19, 8, 5, 5, 5],
            vec![vec![
                Cell::Int(1),
                Cell::Text("Người dân có tài khoản định danh điện tử".into()),
                Cell::Ratio(13386, 29246),
                Cell::Percent(Some(100.0)),
                Cell::Text("80%".into()),
                Cell::Text("Đạt".into()),
            ]],
        );
        let total = 467.0;
        let (size, widths) = layout(&t, 6, total, &[13.0], 5.4);
        assert_eq!(size, 13.0);
        assert!((widths.iter().sum::<f32>() - total).abs() < 0.01);
        let mins = min_widths(&t, 6, 13.0, 5.4);
        for (w, m) in widths.iter().zip(&mins) {
            assert!(w + 0.001 >= *m, "{widths:?} vs {mins:?}");
        }
        // The ratio's column was 8/45 of the width, too narrow for "13.386/29.246" at 13 pt.
        assert!(total * 8.0 / 45.0 < mins[2]);
        assert!((widths[2] - mins[2]).abs() < 0.01);
        // The room came from the text column, which is still the widest.
        assert!(widths[1] < total * 19.0 / 45.0);
        assert!(widths[1] > widths[2]);
    }

    #[test]
    fn smaller_type_is_chosen_when_the_minimums_do_not_fit() {
        let months: Vec<String> = (1..=12).map(|m| format!("Tháng {m}")).collect();
        let mut columns = vec!["Ấp"];
        columns.extend(months.iter().map(String::as_str));
        let row: Vec<Cell> = std::iter::once(Cell::Text("Ấp 10".into()))
            .chain((1..=12).map(|_| Cell::Percent(Some(100.0))))
            .collect();
        let t = table(&columns, vec![], vec![row]);
        let (size, widths) = layout(&t, 13, 467.0, &[13.0, 12.0, 11.0, 10.0, 9.0], 2.85);
        assert!(size < 13.0);
        let mins = min_widths(&t, 13, size, 2.85);
        assert!(widths.iter().zip(&mins).all(|(w, m)| w + 0.001 >= *m));
    }

    #[test]
    fn proportions_hold_when_nothing_is_too_narrow() {
        let widths = fit(&[1, 3], &[1.0, 1.0], 400.0);
        assert_eq!(widths, vec![100.0, 300.0]);
        // Minimums that do not fit are scaled down together.
        assert_eq!(fit(&[1, 1], &[300.0, 100.0], 200.0), vec![150.0, 50.0]);
    }
}
