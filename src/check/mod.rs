//! The checker: every table of a filled-in workbook, cell by cell, against the column
//! definitions, and why each wrong cell is wrong.
//!
//! Each cell is recomputed from the cells it reads as the sheet shows them (its own row, the row
//! above, η), so one slip is reported once, where it happens, and not again in every cell that
//! depends on it. Where the file saved no results for its formulas, they are computed first,
//! as a spreadsheet would on opening it.

mod diagnose;
mod eta;
mod grid;
mod precision;
mod written;

use std::collections::HashMap;

use calamine::Data;
use serde::Serialize;

pub use diagnose::{Diagnosis, SHEET_KEYS, meaning};
use diagnose::{Wrong, best_by_value, diagnose};
use grid::Grid;

use crate::columns::{Col, Columns, write_name};
use crate::engine::{Inputs, Row, last_row};
use crate::expr::CellError;
use crate::workbook::labels::learning_rate_cells;
use crate::workbook::{Pos, Workbook, describe, find_tables};

/// How strict the comparison is, and what the command line knows that the sheet may not.
#[derive(Clone, Debug)]
pub struct Options {
    /// η for every table, overriding what the sheet says.
    pub eta: Option<f64>,
    /// The relative tolerance for values stored at full precision.
    pub rel_tol: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options { eta: None, rel_tol: 1e-12 }
    }
}

/// A cell's content as reported: a number, a spreadsheet error, or text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Error(String),
    Text(String),
}

impl Value {
    fn of(x: f64) -> Value {
        match CellError::of(x) {
            Some(e) => Value::Error(e.text().into()),
            None => Value::Number(x),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Error(e) | Value::Text(e) => f.write_str(e),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Only typed values so far: no computed cell to check.
    NothingToCheck,
}

/// One wrong cell.
#[derive(Clone, Debug, Serialize)]
pub struct WrongCell {
    pub cell: String,
    pub column: String,
    pub iteration: usize,
    pub expected: Value,
    pub found: Value,
    pub diagnosis: Diagnosis,
    /// The correct formula in this sheet's own references: what belongs in the cell.
    pub correct_formula: String,
}

/// The wrong cells of one column that share one diagnosis: a column with two different slips
/// appears once for each.
#[derive(Clone, Debug, Serialize)]
pub struct WrongColumn {
    pub column: String,
    pub first_wrong_cell: String,
    pub iteration: usize,
    pub expected: Value,
    pub found: Value,
    pub wrong_cells: usize,
    /// The wrong cells, runs of rows as ranges: `Z33:Z100`, `G35, G40:G60`.
    pub cells: String,
    pub diagnosis: Diagnosis,
    /// The first wrong cell's formula, with its references written as column names.
    pub formula_found: Option<String>,
    pub formula_correct: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    pub sheet: String,
    /// The top-left cell of the header row.
    pub at: String,
    /// The network its headers name (`2-2-2`, `2-3-2 with trained biases`).
    pub network: String,
    pub iterations: usize,
    pub eta: Option<f64>,
    pub eta_source: String,
    pub status: Status,
    pub checked_cells: usize,
    pub wrong_cells: usize,
    pub wrong_columns: Vec<WrongColumn>,
    /// Every wrong cell, in sheet order.
    pub cells: Vec<WrongCell>,
    /// Cells that hold a typed number where the table's formulas are, right by value, as ranges.
    pub typed_over: Vec<String>,
    /// Columns of the class layout the table lacks, or could not be checked, and why.
    pub not_checked: Vec<String>,
    pub final_e_total_shown: Option<Value>,
    /// What the table would reach from its first row with correct arithmetic.
    pub final_e_total_correct: Option<Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub file: String,
    /// Why the values checked were computed here from the formulas, when they were.
    pub values_computed: Option<String>,
    pub tables: Vec<TableReport>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.tables.iter().all(|t| t.status != Status::Fail)
    }
}

/// Checks every table of every sheet. An empty list of tables means the workbook holds none.
pub fn check(mut book: Workbook, options: &Options) -> Report {
    let values_computed = book.compute_unsaved().map(str::to_string);
    let mut tables = Vec::new();
    for (index, sheet) in book.sheets.iter().enumerate() {
        let labels = learning_rate_cells(sheet);
        for table in find_tables(sheet) {
            let eta = eta::find(sheet, &table, &labels, options);
            let grid = Grid::new(&book, index as u32, &table, eta);
            tables.push(check_table(grid, options));
        }
    }
    Report { file: book.file.display().to_string(), values_computed, tables }
}

/// Opens and checks one workbook file; a workbook without any table cannot be checked.
pub fn check_file(path: &std::path::Path, options: &Options) -> Result<Report, crate::workbook::InputError> {
    let report = check(Workbook::open(path)?, options);
    if report.tables.is_empty() {
        return Err(crate::workbook::InputError::Content {
            file: path.to_path_buf(),
            what: "no table to check: no sheet has a header row naming t1 t2 i1 i2 w1..w8 (and the other columns; or those of another network) above rows of numbers".into(),
        });
    }
    Ok(report)
}

impl Report {
    /// The verdict in one word: FAIL when any table has a mistake, PASS when every table with
    /// something to check is right, else NOTHING TO CHECK.
    pub fn verdict(&self) -> &'static str {
        if !self.passed() {
            "FAIL"
        } else if self.tables.iter().all(|t| t.status == Status::NothingToCheck) {
            "NOTHING TO CHECK"
        } else {
            "PASS"
        }
    }

    /// The mistakes named anywhere in the workbook, each once, in the order first met.
    pub fn mistakes(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        for w in self.tables.iter().flat_map(|t| &t.wrong_columns) {
            for k in &w.diagnosis.mistakes {
                if !keys.contains(k) {
                    keys.push(*k);
                }
            }
        }
        keys
    }

    pub fn wrong_cells(&self) -> usize {
        self.tables.iter().map(|t| t.wrong_cells).sum()
    }
}

/// What the cell-by-cell pass over a table found.
#[derive(Default)]
struct Pass {
    checked: usize,
    wrong: Vec<Wrong>,
    /// Diagnoses settled while checking (a typed input, a missing iteration).
    settled: HashMap<(Col, usize), Diagnosis>,
    /// Per column: cells not checked for want of an operand, and empty cells.
    skipped: HashMap<Col, usize>,
    empty: HashMap<Col, usize>,
    typed_over: Vec<Pos>,
}

fn check_table(mut grid: Grid, options: &Options) -> TableReport {
    let table = grid.table;
    let columns = table.columns;
    let iterations = table.rows.len();
    let has_formulas = table.rows.iter().skip(1).any(|&row| {
        columns
            .trained()
            .any(|(c, _)| table.cols.get(&c).is_some_and(|&col| grid.sheet.formulas.contains_key(&Pos { row, col })))
    });
    let mut pass = Pass::default();
    for iteration in 1..=iterations {
        for &col in columns.all().iter().filter(|c| table.cols.contains_key(c)) {
            check_cell(&mut grid, &mut pass, col, iteration, has_formulas, options.rel_tol);
        }
        missing_iteration(&grid, &mut pass, iteration);
    }

    let wrong_set: Vec<Col> =
        columns.all().iter().copied().filter(|c| pass.wrong.iter().any(|w| w.col == *c)).collect();
    let mut cells = Vec::new();
    for &col in &wrong_set {
        let wrong: Vec<Wrong> = pass.wrong.iter().copied().filter(|w| w.col == col).collect();
        let best = best_by_value(&grid, &wrong, &wrong_set, &written::known(columns, col).variants, options.rel_tol);
        for w in wrong {
            let diagnosis = match pass.settled.remove(&(col, w.iteration)) {
                Some(d) => d,
                None => diagnose(&grid, w, best, &wrong_set, options.rel_tol),
            };
            cells.push((w, diagnosis));
        }
    }
    let wrong_columns = group(&grid, &cells);
    let mut cells: Vec<WrongCell> = cells
        .into_iter()
        .map(|(w, diagnosis)| WrongCell {
            cell: table.pos(w.col, w.iteration).map_or(String::new(), Pos::a1),
            column: w.col.header(),
            iteration: w.iteration,
            expected: expected_value(columns, w),
            found: found_value(&grid, w),
            correct_formula: grid.correct_formula(w.col, w.iteration),
            diagnosis,
        })
        .collect();
    cells.sort_by_key(|c| (c.iteration, columns.all().iter().position(|col| col.header() == c.column)));

    let mut not_checked: Vec<String> = columns
        .all()
        .iter()
        .filter(|c| !table.cols.contains_key(c))
        .map(|c| format!("{}: no such column", c.header()))
        .collect();
    for &col in columns.all() {
        if let Some(n) = pass.skipped.get(&col) {
            let updated = columns.trained().any(|(p, _)| p == col);
            let why = if grid.eta.value.is_none() && updated {
                "η unknown: pass --eta"
            } else {
                "a cell it reads is empty or missing"
            };
            not_checked.push(format!("{}: {n} cells ({why})", col.header()));
        }
        if let Some(n) = pass.empty.get(&col) {
            not_checked.push(format!("{}: {n} empty cells", col.header()));
        }
    }
    let status = if !cells.is_empty() {
        Status::Fail
    } else if pass.checked == 0 {
        if iterations <= 1 {
            not_checked.clear();
        }
        Status::NothingToCheck
    } else {
        Status::Pass
    };
    let final_e_total_shown = grid.value(Col::ETotal, iterations).map(Value::of);
    let first_row = columns.typed().map(|c| grid.value(c, 1).map(|v| (c, v))).collect::<Option<Vec<(Col, f64)>>>();
    let final_e_total_correct = match (first_row, grid.eta.value) {
        (Some(first), Some(eta)) if final_e_total_shown.is_some() => {
            let mut inputs = Inputs::new(columns);
            for (c, v) in first {
                inputs.set(c, v);
            }
            Some(Value::of(last_row(&inputs, eta, iterations, columns.formulas()).0.get(Col::ETotal)))
        }
        _ => None,
    };
    TableReport {
        network: columns.network.to_string(),
        sheet: grid.sheet.name.clone(),
        at: table.top_left().a1(),
        iterations,
        eta: grid.eta.value,
        eta_source: grid.eta.source.clone(),
        status,
        checked_cells: pass.checked,
        wrong_cells: cells.len(),
        wrong_columns,
        cells,
        typed_over: ranges(&pass.typed_over),
        not_checked,
        final_e_total_shown,
        final_e_total_correct,
    }
}

/// Checks one cell, in sheet order: the cells it reads have been judged before it.
fn check_cell(grid: &mut Grid, pass: &mut Pass, col: Col, iteration: usize, has_formulas: bool, rel_tol: f64) {
    let columns = grid.table.columns;
    let pos = grid.table.pos(col, iteration).expect("the table has this column and row");
    if iteration == 1 && columns.is_input(col) {
        if grid.value(col, 1).is_none() {
            let what = describe(grid.sheet.value(pos));
            let d = Diagnosis {
                mistakes: vec!["not-a-number"],
                explanation: format!("{} holds {what} where its typed number belongs: type the number", col.header()),
            };
            pass.wrong.push(Wrong { col, iteration, found: f64::NAN, expected: f64::NAN });
            pass.settled.insert((col, iteration), d);
        }
        return;
    }
    let Some(found) = grid.value(col, iteration) else {
        *pass.empty.entry(col).or_default() += 1;
        return;
    };
    // A number typed where the table's formulas are; targets and inputs typed in every row are
    // as good as carried down by formula.
    let typed_over = has_formulas && !columns.is_constant(col) && !grid.has_formula(col, iteration);
    let definition = columns.definition(col);
    match grid.compare(definition, col, iteration, found, rel_tol, false) {
        Some((expected, true)) if CellError::of(found).is_some() && grid.formula_differs(col, iteration) => {
            pass.checked += 1;
            pass.wrong.push(Wrong { col, iteration, found, expected });
        }
        Some((_, true)) => {
            pass.checked += 1;
            if typed_over {
                pass.typed_over.push(pos);
            }
        }
        Some((expected, false)) => {
            pass.checked += 1;
            // Right against the corrected values of the cells it reads: computed before a slip
            // in one of them was typed, it is not a second mistake.
            if grid.compare(definition, col, iteration, found, rel_tol, true).is_some_and(|(_, right)| right) {
                return;
            }
            grid.correct(col, iteration, expected);
            pass.wrong.push(Wrong { col, iteration, found, expected });
        }
        None => *pass.skipped.entry(col).or_default() += 1,
    }
}

/// A row deleted from a table of typed values leaves every weight of the next row two updates
/// on from the row above it: name that once, as a missing iteration, not as eight mistakes.
fn missing_iteration(grid: &Grid, pass: &mut Pass, iteration: usize) {
    let columns = grid.table.columns;
    let updated: Vec<Col> = columns.trained().map(|(p, _)| p).collect();
    let wrong_weights = || pass.wrong.iter().filter(|w| w.iteration == iteration && updated.contains(&w.col));
    let (Some(eta), true) = (grid.eta.value, iteration >= 2 && wrong_weights().count() == updated.len()) else {
        return;
    };
    let above: Option<Vec<f64>> =
        columns.all().iter().map(|&c| grid.value(c, iteration - 1).filter(|x| x.is_finite())).collect();
    let Some(above) = above else { return };
    let formulas = columns.formulas();
    let two_on = Row::of(columns, above).next(eta, formulas).next(eta, formulas);
    let matches = wrong_weights().all(|w| {
        let tolerance = 2.0 * precision::half_unit(w.found, precision::digits(w.found).0) + 1e-12 * w.found.abs();
        (w.found - two_on.get(w.col)).abs() <= tolerance
    });
    if matches {
        let rows = (grid.table.rows[iteration - 2] + 1, grid.table.rows[iteration - 1] + 1);
        for &col in &updated {
            let d = Diagnosis {
                mistakes: vec!["missing-iteration"],
                explanation: format!(
                    "the weights of row {} are two updates on from row {}: an iteration is missing between them (a row was deleted)",
                    rows.1, rows.0
                ),
            };
            pass.settled.insert((col, iteration), d);
        }
    }
}

fn expected_value(columns: &Columns, w: Wrong) -> Value {
    if w.iteration == 1 && columns.is_input(w.col) { Value::Text("a number".into()) } else { Value::of(w.expected) }
}

fn found_value(grid: &Grid, w: Wrong) -> Value {
    let pos = grid.table.pos(w.col, w.iteration);
    match pos.and_then(|p| grid.sheet.value(p)) {
        Some(Data::String(s)) => Value::Text(s.clone()),
        _ => Value::of(w.found),
    }
}

/// The wrong cells of each column grouped by what is wrong with them, each group in the order
/// its first cell comes.
fn group(grid: &Grid, cells: &[(Wrong, Diagnosis)]) -> Vec<WrongColumn> {
    let mut groups: Vec<Vec<&(Wrong, Diagnosis)>> = Vec::new();
    for cell in cells {
        let same = |g: &&mut Vec<&(Wrong, Diagnosis)>| g[0].0.col == cell.0.col && g[0].1.mistakes == cell.1.mistakes;
        match groups.iter_mut().find(same) {
            Some(g) => g.push(cell),
            None => groups.push(vec![cell]),
        }
    }
    groups
        .into_iter()
        .map(|members| {
            let col = members[0].0.col;
            let (first, diagnosis) = members[0];
            let positions: Vec<Pos> = members.iter().filter_map(|(w, _)| grid.table.pos(w.col, w.iteration)).collect();
            let formula_found = grid.written(col, first.iteration).map(|tree| match tree {
                Ok(tree) => grid.in_names(&tree),
                Err(e) => e.text,
            });
            WrongColumn {
                column: col.header(),
                first_wrong_cell: positions[0].a1(),
                iteration: first.iteration,
                expected: expected_value(grid.table.columns, *first),
                found: found_value(grid, *first),
                wrong_cells: members.len(),
                cells: ranges(&positions).join(", "),
                diagnosis: diagnosis.clone(),
                formula_found,
                formula_correct: grid.table.columns.definition(col).print(&|r, out: &mut String| write_name(r, out)),
            }
        })
        .collect()
}

/// Cells as ranges: runs of rows in one column become `Z33:Z100`.
fn ranges(cells: &[Pos]) -> Vec<String> {
    let mut sorted = cells.to_vec();
    sorted.sort_by_key(|p| (p.col, p.row));
    let mut out: Vec<(Pos, Pos)> = Vec::new();
    for p in sorted {
        match out.last_mut() {
            Some((_, end)) if end.col == p.col && end.row + 1 == p.row => *end = p,
            _ => out.push((p, p)),
        }
    }
    out.into_iter().map(|(a, b)| if a == b { a.a1() } else { format!("{}:{}", a.a1(), b.a1()) }).collect()
}

/// Reads `bytes` as a workbook someone handed in, through every reader such a file meets (the
/// template reader and the checker), and drops the results: what the fuzz target and the mutation
/// tests drive. Errors are expected; a panic is a bug.
pub fn read_untrusted(bytes: &[u8]) {
    if let Ok(book) = Workbook::from_bytes(std::path::Path::new("untrusted.xlsx"), bytes) {
        let _ = crate::template::read(&book);
        let _ = crate::terminal::render(&check(book, &Options::default()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_rows_become_ranges() {
        let at = |a1: &str| crate::workbook::parse_a1(a1).unwrap();
        let cells = [at("G40"), at("G35"), at("G41"), at("G42"), at("H3")];
        assert_eq!(ranges(&cells), ["G35", "G40:G42", "H3"]);
    }
}
