//! The checker: every table of a filled-in workbook, cell by cell, against the column
//! definitions, and the known mistake that explains each wrong column.
//!
//! Each cell is recomputed from the cells it reads as the sheet shows them (its own row, the row
//! above, η), so one slip is reported once, where it happens, and not again in every cell that
//! depends on it.

use std::collections::HashMap;

use calamine::Data;
use serde::Serialize;

use crate::columns::{ALL, Col, Formulas, INPUTS, Ref, WEIGHTS, write_name};
use crate::engine::{Inputs, last_row};
use crate::expr::{self, Expr};
use crate::mistakes::{Variant, variants};
use crate::template::{eta_reference, learning_rate_cells};
use crate::workbook::{Pos, Sheet, Table, Workbook, column_name, find_tables, number, parse_a1};

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

/// A cell's content as reported: a number, or a spreadsheet error.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Error(String),
}

impl Value {
    fn of(x: f64) -> Value {
        if expr::is_error(x) { Value::Error(expr::ERROR_TEXT.into()) } else { Value::Number(x) }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Error(e) => f.write_str(e),
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

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    /// Mistake keys (one, or two found together), or `unknown`.
    pub mistakes: Vec<&'static str>,
    pub explanation: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct WrongColumn {
    pub column: &'static str,
    pub first_wrong_cell: String,
    pub iteration: usize,
    pub expected: Value,
    pub found: Value,
    pub wrong_cells: usize,
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
    pub iterations: usize,
    pub eta: Option<f64>,
    pub eta_source: String,
    pub status: Status,
    pub checked_cells: usize,
    pub wrong_cells: usize,
    pub wrong_columns: Vec<WrongColumn>,
    /// Columns of the class layout the table lacks, or could not be checked, and why.
    pub not_checked: Vec<String>,
    pub final_e_total_shown: Option<Value>,
    /// What the table would reach from its first row with correct arithmetic.
    pub final_e_total_correct: Option<Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub file: String,
    pub tables: Vec<TableReport>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.tables.iter().all(|t| t.status != Status::Fail)
    }
}

/// Checks every table of every sheet. An empty list of tables means the workbook holds none.
pub fn check(book: &Workbook, options: &Options) -> Report {
    let variants: HashMap<Col, Vec<Variant>> = ALL.iter().map(|&c| (c, variants(c))).collect();
    let mut tables = Vec::new();
    for sheet in &book.sheets {
        let eta_labels = learning_rate_cells(sheet);
        for table in find_tables(sheet) {
            tables.push(check_table(sheet, &table, &eta_labels, options, &variants));
        }
    }
    Report { file: book.file.display().to_string(), tables }
}

/// η for a table, and where it was found: the command line, a labelled cell above the table
/// (`eta_labels`: the sheet's (label, value) cells), the cell the weight updates read, or the
/// sheet's name (`LR_0.5`, `L.R. 0.5`).
fn find_eta(
    sheet: &Sheet,
    table: &Table,
    eta_labels: &[(Pos, Pos)],
    options: &Options,
) -> (Option<f64>, Option<Pos>, String) {
    if let Some(eta) = options.eta {
        return (Some(eta), None, "--eta".into());
    }
    let labelled = eta_labels
        .iter()
        .copied()
        .filter(|(label, _)| label.row <= table.header_row)
        .max_by_key(|(label, _)| label.row)
        .and_then(|(label, at)| sheet.number(at).map(|v| (v, label, at)));
    if let Some((eta, label, at)) = labelled {
        return (Some(eta), Some(at), format!("labelled cell {} (label in {})", at.a1(), label.a1()));
    }
    if let Some(at) = eta_reference(sheet, table)
        && let Some(eta) = sheet.number(at)
    {
        return (Some(eta), Some(at), format!("cell {}, read by the weight updates", at.a1()));
    }
    if let Some(eta) = eta_from_sheet_name(&sheet.name) {
        return (Some(eta), None, format!("the sheet name '{}'", sheet.name));
    }
    (None, None, "not found: pass --eta".into())
}

fn eta_from_sheet_name(name: &str) -> Option<f64> {
    let lower = name.trim().to_lowercase();
    let rest = lower.strip_prefix("l.r.").or_else(|| lower.strip_prefix("lr"))?;
    let rest = rest.trim_start_matches([' ', '_', '=', ':']);
    rest.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0)
}

/// Significant digits of the shortest text that reads back as `x`.
fn digits(x: f64) -> (u32, i32) {
    let s = format!("{:e}", x.abs());
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let n = mantissa.chars().filter(char::is_ascii_digit).count() as u32;
    (n, exponent.parse().unwrap_or(0))
}

/// Half a unit in the last of `significant` digits of `x`: 0.24252 typed with 5 digits is
/// anything from 0.242515 to 0.242525. With 16 or 17 digits a value is at full precision: 0.
fn half_unit(x: f64, significant: u32) -> f64 {
    if !x.is_finite() || x == 0.0 || significant >= 16 {
        return 0.0;
    }
    0.5 * 10f64.powi(digits(x).1 - significant as i32 + 1)
}

/// `x` written with `n` significant digits.
fn round_to(x: f64, n: u32) -> String {
    if expr::is_error(x) {
        return expr::ERROR_TEXT.into();
    }
    let decimals = (n as i32 - 1 - digits(x).1).max(0) as usize;
    format!("{x:.decimals$}")
}

/// A table being checked: where its cells are, and η.
struct Grid<'a> {
    sheet: &'a Sheet,
    table: &'a Table,
    eta: Option<f64>,
    eta_cell: Option<Pos>,
    col_at: HashMap<u32, Col>,
    /// The significant digits the saving program kept for formula results: 17 for Excel, 15 for
    /// LibreOffice, fewer for some. A typed value keeps the digits it was typed with.
    formula_digits: u32,
}

/// What a formula reads: a value, how uncertain it is (the rounding of a stored value), or
/// nothing when the table lacks it.
#[derive(Clone, Copy)]
struct Operand {
    value: f64,
    spread: f64,
}

impl Grid<'_> {
    fn value(&self, col: Col, iteration: usize) -> Option<f64> {
        let pos = self.table.pos(col, iteration)?;
        match self.sheet.value(pos)? {
            Data::Error(_) => Some(expr::ERROR),
            d => number(d),
        }
    }

    fn has_formula(&self, col: Col, iteration: usize) -> bool {
        self.table.pos(col, iteration).is_some_and(|p| self.sheet.formulas.contains_key(&p))
    }

    /// The significant digits a cell's value was stored with.
    fn stored_digits(&self, col: Col, iteration: usize, value: f64) -> u32 {
        if self.has_formula(col, iteration) { self.formula_digits } else { digits(value).0 }
    }

    fn operand(&self, r: Ref, iteration: usize) -> Option<Operand> {
        let (col, it) = match r {
            Ref::Eta => return self.eta.map(|value| Operand { value, spread: 0.0 }),
            Ref::Cur(c) => (c, iteration),
            Ref::Prev(c) => (c, iteration.checked_sub(1).filter(|&i| i >= 1)?),
        };
        let value = self.value(col, it)?;
        // Typed inputs, and targets and inputs carried down, are exact by definition.
        let exact = matches!(col, Col::T1 | Col::T2 | Col::I1 | Col::I2) || (it == 1 && col.is_input());
        let spread = if exact { 0.0 } else { half_unit(value, self.stored_digits(col, it, value)) };
        Some(Operand { value, spread })
    }

    /// The value of `expr` at `iteration` from the sheet's own operands, and how far rounding of
    /// those operands can move it; None when an operand is missing.
    fn recompute(&self, expr: &Expr<Ref>, iteration: usize) -> Option<(f64, f64)> {
        let mut leaves = Vec::new();
        expr.leaves(&mut leaves);
        let mut operands: Vec<(Ref, Operand)> = Vec::with_capacity(leaves.len());
        for r in leaves {
            if !operands.iter().any(|(o, _)| *o == r) {
                operands.push((r, self.operand(r, iteration)?));
            }
        }
        let at = |bump: Option<Ref>, by: f64| {
            expr.eval(&|r| {
                let o = operands.iter().find(|(x, _)| *x == r).map_or(expr::ERROR, |(_, o)| o.value);
                if Some(r) == bump { o + by } else { o }
            })
        };
        let value = at(None, 0.0);
        let spread =
            operands.iter().filter(|(_, o)| o.spread > 0.0).map(|(r, o)| (at(Some(*r), o.spread) - value).abs()).sum();
        Some((value, spread))
    }

    /// What `expr` gives for the cell of column `col` at `iteration`, and whether `found`, the
    /// value the sheet holds there, is that at the precision it was stored with.
    fn compare(&self, expr: &Expr<Ref>, col: Col, iteration: usize, found: f64, rel_tol: f64) -> Option<(f64, bool)> {
        let (expected, spread) = self.recompute(expr, iteration)?;
        if expr::is_error(expected) || expr::is_error(found) {
            return Some((expected, expr::is_error(expected) && expr::is_error(found)));
        }
        let stored = half_unit(found, self.stored_digits(col, iteration, found));
        let tolerance = stored + spread + rel_tol * expected.abs();
        Some((expected, expected == found || (found - expected).abs() <= tolerance))
    }

    /// Whether `found` is what `expr` gives (see [`Grid::compare`]).
    fn agrees(&self, expr: &Expr<Ref>, col: Col, iteration: usize, found: f64, rel_tol: f64) -> bool {
        self.compare(expr, col, iteration, found, rel_tol).is_some_and(|(_, right)| right)
    }

    /// A formula with its references written as this table's column names.
    fn formula_in_names(&self, formula: &str, iteration: usize) -> String {
        let row = self.table.rows[iteration - 1];
        let mut out = String::new();
        let mut rest = formula.trim_start_matches('=');
        while let Some(c) = rest.chars().next() {
            if c.is_whitespace() {
                rest = &rest[c.len_utf8()..];
                continue;
            }
            if !(c.is_ascii_alphabetic() || c == '$') {
                out.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '$' || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            rest = &rest[len..];
            match parse_a1(word).filter(|_| !rest.starts_with('(')) {
                Some(pos) => self.name_cell(pos, row, &mut out),
                None => out.push_str(word),
            }
        }
        out
    }

    fn name_cell(&self, pos: Pos, row: u32, out: &mut String) {
        if Some(pos) == self.eta_cell {
            out.push('η');
            return;
        }
        if let (Some(&col), Some(k)) = (self.col_at.get(&pos.col), self.table.rows.iter().position(|&r| r == pos.row)) {
            if pos.row == row {
                write_name(Ref::Cur(col), out);
            } else if pos.row + 1 == row {
                write_name(Ref::Prev(col), out);
            } else {
                out.push_str(&format!("{}[iteration {}, {}]", col.header(), k + 1, pos.a1()));
            }
            return;
        }
        let what =
            if self.sheet.value(pos).is_none() { "an empty cell outside the table" } else { "outside the table" };
        out.push_str(&format!("{}[{what}]", pos.a1()));
    }
}

fn check_table(
    sheet: &Sheet,
    table: &Table,
    eta_labels: &[(Pos, Pos)],
    options: &Options,
    variants: &HashMap<Col, Vec<Variant>>,
) -> TableReport {
    let (eta, eta_cell, eta_source) = find_eta(sheet, table, eta_labels, options);
    let formula_digits = table
        .rows
        .iter()
        .flat_map(|&row| table.cols.values().map(move |&col| Pos { row, col }))
        .filter(|p| sheet.formulas.contains_key(p))
        .filter_map(|p| sheet.number(p))
        .map(|x| digits(x).0)
        .max()
        .unwrap_or(17);
    let col_at = table.cols.iter().map(|(&c, &at)| (at, c)).collect();
    let grid = Grid { sheet, table, eta, eta_cell, col_at, formula_digits };
    let iterations = table.rows.len();
    let mut not_checked = Vec::new();
    let mut checked = 0;
    let mut wrong_columns = Vec::new();

    for col in ALL {
        if !table.cols.contains_key(&col) {
            not_checked.push(format!("{}: no such column", col.header()));
            continue;
        }
        // (iteration, found, expected) of each wrong cell.
        let mut wrong: Vec<(usize, f64, f64)> = Vec::new();
        let (mut empty, mut skipped) = (0, 0);
        for iteration in 1..=iterations {
            if iteration == 1 && col.is_input() {
                continue;
            }
            let Some(found) = grid.value(col, iteration) else {
                empty += 1;
                continue;
            };
            match grid.compare(col.definition(), col, iteration, found, options.rel_tol) {
                Some((_, true)) => checked += 1,
                Some((expected, false)) => {
                    checked += 1;
                    wrong.push((iteration, found, expected));
                }
                None => skipped += 1,
            }
        }
        if skipped > 0 {
            let why = if eta.is_none() && WEIGHTS.contains(&col) {
                "η unknown: pass --eta"
            } else {
                "a cell it reads is empty or missing"
            };
            not_checked.push(format!("{}: {skipped} cells ({why})", col.header()));
        }
        if empty > 0 {
            not_checked.push(format!("{}: {empty} empty cells", col.header()));
        }
        if !wrong.is_empty() {
            wrong_columns.push((col, wrong));
        }
    }

    let wrong_set: Vec<Col> = wrong_columns.iter().map(|(c, _)| *c).collect();
    let wrong_cells = wrong_columns.iter().map(|(_, w)| w.len()).sum();
    let wrong_columns = wrong_columns
        .into_iter()
        .map(|(col, wrong)| {
            let (iteration, found, expected) = wrong[0];
            let pos = table.pos(col, iteration).expect("a checked cell exists");
            let formula_found = sheet.formulas.get(&pos).map(|f| grid.formula_in_names(f, iteration));
            let diagnosis =
                diagnose(&grid, col, &wrong, &wrong_set, &variants[&col], formula_found.as_deref(), options.rel_tol);
            WrongColumn {
                column: col.header(),
                first_wrong_cell: pos.a1(),
                iteration,
                expected: Value::of(expected),
                found: Value::of(found),
                wrong_cells: wrong.len(),
                diagnosis,
                formula_found,
                formula_correct: col.definition().print(&|r, out: &mut String| write_name(r, out)),
            }
        })
        .collect::<Vec<_>>();

    let status = if !wrong_columns.is_empty() {
        Status::Fail
    } else if checked == 0 {
        not_checked.clear();
        Status::NothingToCheck
    } else {
        Status::Pass
    };
    let final_e_total_shown = grid.value(Col::ETotal, iterations).map(Value::of);
    let first_row = INPUTS.iter().map(|&c| grid.value(c, 1)).collect::<Option<Vec<f64>>>();
    let final_e_total_correct = match (first_row, eta) {
        (Some(first), Some(eta)) if final_e_total_shown.is_some() => {
            let inputs = Inputs(first.try_into().expect("twelve inputs"));
            Some(Value::of(last_row(&inputs, eta, iterations, Formulas::correct()).0.get(Col::ETotal)))
        }
        _ => None,
    };
    let header_col = table.cols.values().chain(table.step_col.iter()).min().copied().unwrap_or(0);
    TableReport {
        sheet: sheet.name.clone(),
        at: format!("{}{}", column_name(header_col), table.header_row + 1),
        iterations,
        eta,
        eta_source,
        status,
        checked_cells: checked,
        wrong_cells,
        wrong_columns,
        not_checked,
        final_e_total_shown,
        final_e_total_correct,
    }
}

/// The known mistake that best explains a wrong column: the variant that reproduces most of its
/// wrong cells, preferring one whose every column is wrong in this table, then a single mistake
/// over a pair, then the mistake that explains more columns at once.
fn diagnose(
    grid: &Grid,
    col: Col,
    wrong: &[(usize, f64, f64)],
    wrong_set: &[Col],
    variants: &[Variant],
    formula: Option<&str>,
    rel_tol: f64,
) -> Diagnosis {
    let (first_iteration, first_found, expected) = wrong[0];
    let best = variants
        .iter()
        .filter(|v| grid.agrees(&v.expr, col, first_iteration, first_found, rel_tol))
        .map(|v| {
            let explained = wrong.iter().filter(|(i, f, _)| grid.agrees(&v.expr, col, *i, *f, rel_tol)).count();
            let within = v.mistakes.iter().all(|m| m.cols.iter().all(|c| wrong_set.contains(c)));
            let breadth: usize = v.mistakes.iter().map(|m| m.cols.len()).sum();
            (v, (explained, within, usize::MAX - v.mistakes.len(), breadth))
        })
        .max_by_key(|(_, key)| *key);
    match best {
        Some((v, _)) => Diagnosis {
            mistakes: v.mistakes.iter().map(|m| m.key).collect(),
            explanation: v.mistakes.iter().map(|m| m.what).collect::<Vec<_>>().join("; and "),
        },
        // A number typed over a formula's place: say what it should have rounded to.
        None if !grid.has_formula(col, first_iteration) => {
            let n = digits(first_found).0.min(15);
            Diagnosis {
                mistakes: vec!["typed-value"],
                explanation: format!(
                    "{first_found} is typed, not computed; to the same {n} significant digits the value is {}",
                    round_to(expected, n)
                ),
            }
        }
        // Filled down without `$`, the update's reference to η slides off the η cell.
        None if WEIGHTS.contains(&col) && grid.eta_cell.is_some() && formula.is_some_and(|f| !f.contains('η')) => {
            Diagnosis {
                mistakes: vec!["relative-eta"],
                explanation: format!(
                    "the update does not read the η cell {0}: a relative reference slid off it when the formula was filled down; write it as ${1}${2}",
                    grid.eta_cell.map_or(String::new(), |p| p.a1()),
                    grid.eta_cell.map_or(String::new(), |p| column_name(p.col)),
                    grid.eta_cell.map_or(0, |p| p.row + 1),
                ),
            }
        }
        None => Diagnosis {
            mistakes: vec!["unknown"],
            explanation: format!(
                "no known mistake reproduces {}: compare the formula with the correct one",
                col.header()
            ),
        },
    }
}

/// Reads `bytes` as a workbook someone handed in, through every reader such a file meets (the
/// template reader and the checker), and drops the results: what the fuzz target and the mutation
/// tests drive. Errors are expected; a panic is a bug.
pub fn read_untrusted(bytes: &[u8]) {
    if let Ok(book) = Workbook::from_bytes(std::path::Path::new("untrusted.xlsx"), bytes) {
        let _ = crate::template::read(&book);
        let _ = render(&check(&book, &Options::default()));
    }
}

/// The report as a person reads it.
pub fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.file);
    for t in &report.tables {
        let eta = t.eta.map_or("unknown".to_string(), |e| e.to_string());
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "sheet '{}', table at {}: {} iterations, η = {eta} ({})",
            t.sheet, t.at, t.iterations, t.eta_source
        );
        match t.status {
            Status::NothingToCheck => {
                let _ = writeln!(out, "  NOTHING TO CHECK YET: only the typed first row, no computed cell");
            }
            Status::Pass => {
                let _ = writeln!(out, "  PASS: {} computed cells checked, 0 wrong", t.checked_cells);
            }
            Status::Fail => {
                let columns = if t.wrong_columns.len() == 1 { "column" } else { "columns" };
                let _ = writeln!(
                    out,
                    "  FAIL: {} of {} computed cells wrong, in {} {columns}",
                    t.wrong_cells,
                    t.checked_cells,
                    t.wrong_columns.len()
                );
            }
        }
        for w in &t.wrong_columns {
            let _ = writeln!(
                out,
                "  {:<8} first wrong at {} (iteration {}): expected {}, found {} ({} wrong cells)",
                w.column, w.first_wrong_cell, w.iteration, w.expected, w.found, w.wrong_cells
            );
            let _ = writeln!(
                out,
                "           diagnosis: {} ({})",
                w.diagnosis.mistakes.join(" + "),
                w.diagnosis.explanation
            );
            if let Some(f) = &w.formula_found {
                let _ = writeln!(out, "           formula:   {f}");
            }
            let _ = writeln!(out, "           correct:   {}", w.formula_correct);
        }
        for n in &t.not_checked {
            let _ = writeln!(out, "  not checked: {n}");
        }
        if let (Some(shown), Some(correct)) = (&t.final_e_total_shown, &t.final_e_total_correct) {
            let _ =
                writeln!(out, "  final E_total: {shown} shown; {correct} with correct arithmetic from the first row");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_precision_sets_the_tolerance() {
        let own = |x: f64| half_unit(x, digits(x).0);
        assert_eq!(own(0.24252), 0.000005);
        assert!((own(0.2425198573) - 5e-11).abs() < 1e-25);
        assert_eq!(own(0.24251985734837728), 0.0);
        assert_eq!(own(0.0), 0.0);
        assert!((own(-1.5e-4) - 5e-6).abs() < 1e-20);
        // A formula's cached 0.15 from a program that keeps 17 digits is exact, not "0.15 ± 0.005".
        assert_eq!(half_unit(0.15, 17), 0.0);
        assert!((half_unit(0.15, 10) - 5e-11).abs() < 1e-25);
    }

    #[test]
    fn rounding_for_messages() {
        assert_eq!(round_to(0.5068653163601379, 4), "0.5069");
        assert_eq!(round_to(0.00022481346, 3), "0.000225");
        assert_eq!(round_to(12.6, 2), "13");
    }

    #[test]
    fn eta_in_sheet_names() {
        for (name, eta) in [
            ("LR_0.5", Some(0.5)),
            ("L.R. 0.5", Some(0.5)),
            ("LR 2", Some(2.0)),
            ("lr=0.1", Some(0.1)),
            ("Sheet1", None),
            ("LR", None),
            ("LR -1", None),
        ] {
            assert_eq!(eta_from_sheet_name(name), eta, "{name}");
        }
    }
}
