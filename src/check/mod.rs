//! The checker: every table of a filled-in workbook, cell by cell, against the column
//! definitions, and why each wrong cell is wrong.
//!
//! Each cell is recomputed from the cells it reads as the sheet shows them (its own row, the row
//! above, η), so one slip is reported once, where it happens, and not again in every cell that
//! depends on it. Where the file saved no results for its formulas, they are computed first,
//! as a spreadsheet would on opening it.

mod charts;
mod diagnose;
mod eta;
mod grid;
mod identify;
mod maths;
mod precision;
pub(crate) mod report;
pub(crate) mod rubric;
mod score;
mod table;
pub(crate) mod verdict;
mod written;

pub(crate) use diagnose::Diagnosis;
pub use report::Report;
pub(crate) use report::{Issued, TableReport, Value, WrongColumn};
pub(crate) use verdict::Key;
pub use verdict::{SheetKey, Verdict};

use crate::error::Error;
use crate::model::columns::Columns;
use crate::model::network::Param;
use crate::reader::labels::labelled_quantities;
use crate::reader::{Pos, Table, Workbook, closest_header, find_tables};
use grid::Grid;

/// How strict the comparison is, and what the command line knows that the sheet may not.
#[derive(Clone, Debug)]
pub struct Options {
    /// η for every table, overriding what the sheet says.
    pub eta: Option<f64>,
    /// The relative tolerance for values stored at full precision.
    pub rel_tol: f64,
    /// The rubric that grades, when not the default.
    pub rubric: Option<std::sync::Arc<rubric::Rubric>>,
}

impl Options {
    /// The rubric that grades: the one given, else the default.
    pub(crate) fn rubric(&self) -> &rubric::Rubric {
        self.rubric.as_deref().unwrap_or_else(|| rubric::Rubric::standard())
    }
}

impl Default for Options {
    fn default() -> Options {
        Options { eta: None, rel_tol: 1e-12, rubric: None }
    }
}

/// Checks every table of every sheet. An empty list of tables means the workbook holds none.
pub fn check(book: Workbook, options: &Options) -> Report {
    let report = check_while(book, options, &|| true);
    report.expect("a check never asked to stop runs to its end")
}

/// Checks every table of every sheet as [`check`] does, asking `go_on` before each table, and
/// stops (None) once it says no: an interrupt must not wait for the rest of a workbook of a
/// thousand tables.
fn check_while(mut book: Workbook, options: &Options, go_on: &dyn Fn() -> bool) -> Option<Report> {
    let stamp = std::mem::take(&mut book.stamp);
    let values_computed = book.compute_unsaved().map(str::to_string);
    let mut tables = Vec::new();
    for (index, sheet) in book.sheets.iter().enumerate() {
        let labels = eta::Labels::of(sheet);
        for (table, identified) in sheet_tables(&book, index as u32, &labels) {
            if !go_on() {
                return None;
            }
            let eta = eta::find(sheet, &table, &labels, options);
            let charted = charts::plots_e_total(&book, index as u32, &table);
            let grid = Grid::new(&book, index as u32, &table, eta, eta::params(&labels, &table));
            tables.push(table::check_table(grid, options, identified, charted));
        }
    }
    let score = options.rubric().score(&tables);
    let mut report = Report::new(book.file.display().to_string(), values_computed, tables, score);
    report.stamp = stamp;
    Some(report)
}

/// A sheet's tables, top to bottom and left to right, each with how the columns its headers do
/// not name, or name wrongly, were identified. A table whose headers name only some columns is read from its
/// formulas when they identify it, else as its headers say (and is incomplete).
fn sheet_tables(book: &Workbook, index: u32, labels: &eta::Labels) -> Vec<(Table, Vec<String>)> {
    let sheet = &book.sheets[index as usize];
    let (complete, partial): (Vec<Table>, Vec<Table>) =
        find_tables(sheet).into_iter().partition(|t| t.cols.len() == t.columns.len());
    // What the headers name is read with the maths the formulas compute, with the cells of the
    // parameters they read.
    let complete: Vec<Table> = complete
        .into_iter()
        .map(|t| {
            let eta = eta::find(sheet, &t, labels, &Options::default()).cell.map(|at| (Param::Eta, at));
            let params: Vec<(Param, Pos)> = eta.into_iter().chain(eta::params(labels, &t)).collect();
            maths::read(book, index, t, &params)
        })
        .collect();
    let identified = identify::tables(book, index, &complete);
    let overlap = |a: &Table, b: &Table| {
        a.rows.first() == b.rows.first() && a.cols.values().any(|c| b.cols.values().any(|d| c == d))
    };
    let partial: Vec<Table> =
        partial.into_iter().filter(|t| !identified.iter().any(|i| overlap(&i.table, t))).collect();
    let mut all: Vec<(Table, Vec<String>)> = complete
        .into_iter()
        .map(|t| identify::recheck(book, index, t))
        .map(|i| (i.table, i.notes))
        .chain(partial.into_iter().map(|t| (t, Vec::new())))
        .chain(identified.into_iter().map(|i| (i.table, i.notes)))
        .collect();
    all.sort_by_key(|(t, _)| (t.header_row, t.top_left().col));
    all
}

/// Opens and checks one workbook file; a workbook without any table cannot be checked.
pub(crate) fn check_file(path: &std::path::Path, options: &Options) -> Result<Report, Error> {
    check_opened(Workbook::open(path)?, path, &|| Workbook::open(path), options)
}

/// Checks a workbook opened from `file` (a file, or a zip's entry held in memory), which `open`
/// opens again for the message of a workbook without any table: the check takes the workbook,
/// and most have a table. An interrupt stops it at the next table.
pub(crate) fn check_opened(
    book: Workbook,
    file: &std::path::Path,
    open: &dyn Fn() -> Result<Workbook, Error>,
    options: &Options,
) -> Result<Report, Error> {
    let report = check_while(book, options, &|| !crate::sys::output::cancelled()).ok_or(Error::Interrupted)?;
    if report.tables.is_empty() {
        let found = what_was_found(&open()?);
        return Err(Error::Content { file: file.to_path_buf(), what: format!("no table to check: {found}") });
    }
    Ok(report)
}

/// What a workbook without a table holds, for its message: the header row that comes closest
/// and what it lacks, or one iteration per sheet in labelled cells, or nothing like a table.
fn what_was_found(book: &Workbook) -> String {
    let closest = book
        .sheets
        .iter()
        .filter_map(|s| closest_header(s).map(|(row, cols)| (s, row, cols)))
        .max_by_key(|(_, _, cols)| cols.len());
    if let Some((sheet, row, cols)) = closest.filter(|(_, _, cols)| cols.len() >= 3) {
        let columns = Columns::class();
        let lacks: Vec<String> = columns.typed().filter(|c| !cols.contains(c)).map(|c| c.header()).collect();
        let names: Vec<String> = cols.iter().take(8).map(|c| c.header()).collect();
        let more = if cols.len() > 8 { format!(" and {} more", cols.len() - 8) } else { String::new() };
        let lack = match lacks.is_empty() {
            true => "but no row of numbers below it".to_string(),
            false => format!("but no column headed {}", lacks.join(" ")),
        };
        return format!(
            "the closest is row {} of sheet '{}', which names {}{more} {lack}; a table of typed values needs every typed column headed",
            row + 1,
            sheet.name,
            names.join(" ")
        );
    }
    for sheet in &book.sheets {
        let labels = labelled_quantities(sheet);
        if labels.len() >= 3 {
            let shown: Vec<String> = labels.iter().take(6).map(|l| l.chars().take(20).collect()).collect();
            return format!(
                "sheet '{}' holds labelled cells {}, ...: one iteration per sheet, which check does not read; put the iterations in rows under a header row (t1 t2 i1 i2 w1..w8 ...)",
                sheet.name,
                shown.join(", ")
            );
        }
    }
    "no sheet has a header row naming t1 t2 i1 i2 w1..w8 (and the other columns; or those of another network) above rows of numbers, nor formulas that compute them".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interrupt is asked for before every table: a workbook of many tables stops at the
    /// next one, not at its end.
    #[test]
    fn a_check_asks_to_go_on_before_every_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/structural-slips.xlsx");
        let tables = check(Workbook::open(&path).unwrap(), &Options::default()).tables.len();
        assert!(tables >= 2, "a workbook of several tables: {tables}");
        let asked = std::cell::Cell::new(0);
        let all = check_while(Workbook::open(&path).unwrap(), &Options::default(), &|| {
            asked.set(asked.get() + 1);
            true
        });
        assert_eq!((all.map(|r| r.tables.len()), asked.get()), (Some(tables), tables), "asked once a table");
        asked.set(0);
        let stopped = check_while(Workbook::open(&path).unwrap(), &Options::default(), &|| {
            asked.set(asked.get() + 1);
            asked.get() < 2
        });
        assert!(stopped.is_none(), "a no stops the check");
        assert_eq!(asked.get(), 2, "at the second table, the first checked and no other");
    }
}
