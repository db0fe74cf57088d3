//! Finding tables in the class layout: a header row naming t1 t2 i1 i2 w1..w8 (and the other
//! columns, in any spelling; or those of another network), and rows of iterations below it.

use std::collections::HashMap;

use calamine::Data;

use super::{Pos, Sheet, number};
use crate::model::columns::{Col, Columns, network_named};

/// A table in the class layout: a header row naming the input columns (and any others), and
/// the data rows below it. The first row is the typed inputs; the table goes on while every
/// input cell of a row holds a number or a spreadsheet error (a run that diverged).
#[derive(Clone, Debug)]
pub struct Table {
    /// The worksheet the header row names: its network is read from the headers.
    pub columns: &'static Columns,
    pub header_row: u32,
    /// Where each column of the class layout sits, for the columns the header names.
    pub cols: HashMap<Col, u32>,
    /// A `Step` or `iteration` column, if the table has one.
    pub step_col: Option<u32>,
    /// Sheet rows (0-based) of iteration 1, 2, ...
    pub rows: Vec<u32>,
}

impl Table {
    pub fn pos(&self, col: Col, iteration: usize) -> Option<Pos> {
        Some(Pos { row: *self.rows.get(iteration.checked_sub(1)?)?, col: *self.cols.get(&col)? })
    }

    /// The iteration (1-based) a sheet row holds, if it is one of the table's.
    pub fn iteration_of(&self, row: u32) -> Option<usize> {
        let first = *self.rows.first()?;
        let k = row.checked_sub(first)? as usize;
        (self.rows.get(k) == Some(&row)).then_some(k + 1)
    }

    /// The column of the class layout at a sheet column, if the table has one there.
    pub fn col_at(&self, sheet_col: u32) -> Option<Col> {
        self.cols.iter().find(|(_, c)| **c == sheet_col).map(|(col, _)| *col)
    }

    /// The top-left cell of the header row (the step column's, when there is one).
    pub fn top_left(&self) -> Pos {
        let col = self.cols.values().chain(self.step_col.iter()).min().copied().unwrap_or(0);
        Pos { row: self.header_row, col }
    }
}

/// Every class-layout table of a sheet, top to bottom, left to right. Two tables may share a
/// header row: a column name seen again on the row starts the next table.
pub fn find_tables(sheet: &Sheet) -> Vec<Table> {
    let mut by_row: HashMap<u32, Vec<(u32, Col)>> = HashMap::new();
    let mut steps: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pos, text) in sheet.texts() {
        if let Some(col) = header_at(sheet, pos, text) {
            by_row.entry(pos.row).or_default().push((pos.col, col));
        } else if matches!(text.trim().to_lowercase().as_str(), "step" | "iteration" | "iter" | "epoch" | "#") {
            steps.entry(pos.row).or_default().push(pos.col);
        }
    }
    let mut header_rows: Vec<u32> = by_row.keys().copied().collect();
    header_rows.sort();
    let mut tables = Vec::new();
    for header_row in header_rows {
        let mut cells = by_row[&header_row].clone();
        cells.sort();
        let mut segments: Vec<HashMap<Col, u32>> = vec![HashMap::new()];
        for (c, col) in cells {
            if segments.last().is_some_and(|s| s.contains_key(&col)) {
                segments.push(HashMap::new());
            }
            segments.last_mut().expect("one segment at least").insert(col, c);
        }
        let mut left_edge = 0;
        for mut cols in segments {
            let (first, last) = (cols.values().min().copied(), cols.values().max().copied());
            let (Some(first), Some(last)) = (first, last) else { continue };
            if let Some(columns) = network_named(&cols.keys().copied().collect::<Vec<_>>()).map(Columns::of)
                && columns.typed().all(|c| cols.contains_key(&c))
            {
                cols.retain(|c, _| columns.contains(*c));
                let step_col = steps
                    .get(&header_row)
                    .and_then(|cs| cs.iter().copied().filter(|&c| c < first && c >= left_edge).max());
                let rows = data_rows(sheet, header_row, columns, &cols);
                tables.push(Table { columns, header_row, cols, step_col, rows });
            }
            left_edge = last + 1;
        }
    }
    tables
}

/// The column a header cell names: with the text above it when the two make one name (a header
/// split over two rows, `∂E/` over `∂w1`), else on its own.
pub(crate) fn header_at(sheet: &Sheet, pos: Pos, text: &str) -> Option<Col> {
    let above = pos.row.checked_sub(1).and_then(|row| match sheet.value(Pos { row, col: pos.col }) {
        Some(Data::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    });
    above.and_then(|a| Col::from_header(&format!("{a}{text}"))).or_else(|| Col::from_header(text))
}

/// The row of a sheet naming the most columns of the class layout, and the columns it names in
/// sheet order, for saying what was found where no table was.
pub(crate) fn closest_header(sheet: &Sheet) -> Option<(u32, Vec<Col>)> {
    let mut by_row: HashMap<u32, Vec<(u32, Col)>> = HashMap::new();
    for (pos, text) in sheet.texts() {
        if let Some(col) = Col::from_header(text) {
            by_row.entry(pos.row).or_default().push((pos.col, col));
        }
    }
    let (row, mut cells) = by_row.into_iter().max_by_key(|(row, cells)| (cells.len(), std::cmp::Reverse(*row)))?;
    cells.sort();
    Some((row, cells.into_iter().map(|(_, c)| c).collect()))
}

/// The rows of a table below its header. The first row is what was typed: it belongs to the
/// table when every input cell holds something and one at least a number (text there is a
/// finding of `check`, not the end of the table). Later rows hold numbers, or the errors of a
/// run that diverged.
pub(crate) fn data_rows(sheet: &Sheet, header_row: u32, columns: &Columns, cols: &HashMap<Col, u32>) -> Vec<u32> {
    let cells = |r: u32| columns.typed().map(move |c| sheet.value(Pos { row: r, col: cols[&c] }));
    let first = header_row + 1;
    if !(cells(first).all(|d| d.is_some()) && cells(first).any(|d| d.and_then(number).is_some())) {
        return Vec::new();
    }
    let mut rows = vec![first];
    let mut r = first + 1;
    while cells(r).all(|d| matches!(d, Some(Data::Error(_))) || d.and_then(number).is_some()) {
        rows.push(r);
        r += 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(cells: &[(u32, u32, Data)]) -> Sheet {
        let mut s = Sheet::default();
        for (row, col, d) in cells {
            s.values.insert(Pos { row: *row, col: *col }, d.clone());
        }
        s
    }

    fn header_and_row(left: u32, row0: &[Data]) -> Vec<(u32, u32, Data)> {
        let mut cells = Vec::new();
        for (k, col) in Columns::class().typed().enumerate() {
            cells.push((0, left + k as u32, Data::String(col.name())));
            cells.push((1, left + k as u32, row0[k % row0.len()].clone()));
        }
        cells
    }

    #[test]
    fn two_tables_on_one_header_row() {
        let mut cells = header_and_row(0, &[Data::Float(0.5)]);
        cells.push((0, 12, Data::String("step".into())));
        cells.extend(header_and_row(13, &[Data::Float(0.25)]));
        let tables = find_tables(&sheet(&cells));
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].cols[&Col::T(1)], 0);
        assert_eq!(tables[0].step_col, None);
        assert_eq!(tables[1].cols[&Col::T(1)], 13);
        assert_eq!(tables[1].step_col, Some(12));
        assert!(tables.iter().all(|t| t.rows == [1]));
    }

    #[test]
    fn a_header_split_over_two_rows() {
        let mut cells = Vec::new();
        for (k, col) in Columns::class().all().iter().enumerate() {
            let name = col.header();
            let half = name.char_indices().nth(name.chars().count() / 2).map_or(0, |(i, _)| i);
            cells.push((0, k as u32, Data::String(name[..half].to_string())));
            cells.push((1, k as u32, Data::String(name[half..].to_string())));
            cells.push((2, k as u32, Data::Float(0.5)));
        }
        let tables = find_tables(&sheet(&cells));
        assert_eq!(tables.len(), 1);
        assert_eq!((tables[0].header_row, tables[0].cols.len()), (1, 31), "every column named by its two halves");
        assert_eq!(tables[0].cols[&Col::AH(1)], 9);
    }

    #[test]
    fn text_in_the_first_row_keeps_the_table() {
        let mut cells = header_and_row(0, &[Data::Float(0.5)]);
        cells[1].2 = Data::String("0,5".into());
        let tables = find_tables(&sheet(&cells));
        assert_eq!(tables[0].rows, [1], "the first row is there, text and all");
        let empty = header_and_row(0, &[Data::String("x".into())]);
        assert!(find_tables(&sheet(&empty))[0].rows.is_empty(), "a row of labels is not a first row");
    }
}
