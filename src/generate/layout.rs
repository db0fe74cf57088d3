//! Where things sit in a learning-rate sheet, and what the workbook can hold: the geometry the
//! writer lays out and the template reader validates against.

use crate::model::columns::{Col, Columns};
use crate::model::network::{Optimizer, Param};

/// Excel's last row; the table must fit above it.
pub(crate) const EXCEL_MAX_ROWS: usize = 1_048_576;

/// Row (0-based) of the η cell, its label in column A, its value in column B.
pub(crate) const ETA_ROW: u32 = 0;
pub(crate) const ETA_COL: u16 = 1;
/// The cell (0-based row and column) holding a parameter's value, right of its label: η in B1,
/// then the optimizer's others in pairs of label and value along the row (μ in D1, ...).
pub(crate) fn param_cell(optimizer: Optimizer, param: Param) -> (u32, u16) {
    let k = optimizer.params().iter().position(|&p| p == param).expect("a parameter of the sheet's optimizer");
    (ETA_ROW, ETA_COL + 2 * k as u16)
}

/// Row (0-based) of the finite-difference step ε, with `--gradient-check`: below η.
pub(crate) const EPS_ROW: u32 = 1;
/// Row (0-based) of the table's header; iteration 1 is the row below it.
pub(crate) const HEADER_ROW: u32 = 2;
/// The iteration column comes first, then the worksheet's columns (31 in the class layout).
pub(crate) const FIRST_COL: u16 = 1;

/// The most iterations that fit in one sheet below the rows above the table.
pub(crate) const MAX_ITERATIONS: usize = EXCEL_MAX_ROWS - HEADER_ROW as usize - 1;

/// The longest formula Excel holds in a cell, in characters: the gradient check of the largest
/// networks passes it.
pub(crate) const MAX_FORMULA_CHARS: usize = 8192;

/// The most learning rates a workbook holds: the Summary's chart draws one series for each, and
/// an Excel chart holds at most 255 series.
pub(crate) const MAX_RATES: usize = 255;

/// A learning rate as the workbook names it: the shortest text that reads back as it, with an
/// exponent when that is shorter (`0.5`, `1e-27`, `1e300`). Every rate's sheet name, `LR ` and
/// at most 23 characters, fits Excel's 31, and distinct rates have distinct names.
pub(crate) fn rate_text(eta: f64) -> String {
    let (plain, exponent) = (format!("{eta}"), format!("{eta:e}"));
    if exponent.len() < plain.len() { exponent } else { plain }
}

pub fn sheet_name(eta: f64) -> String {
    format!("LR {}", rate_text(eta))
}

pub(crate) fn table_col(columns: &Columns, col: Col) -> u16 {
    FIRST_COL + columns.index(col) as u16
}

/// The sheet column of the gradient check's k-th column, right of the table.
pub fn check_col(columns: &Columns, k: usize) -> u16 {
    FIRST_COL + columns.len() as u16 + k as u16
}

pub(crate) fn sheet_row(iteration: usize) -> u32 {
    HEADER_ROW + iteration as u32
}

/// Why a list of learning rates cannot make a workbook, if it cannot: each must be a positive
/// number, listed once (each gets a sheet), and at most [`MAX_RATES`] of them.
pub(crate) fn rates_problem(rates: &[f64]) -> Option<String> {
    if rates.is_empty() {
        return Some("no learning rates given: pass at least one, e.g. --learning-rates 0.5".into());
    }
    if rates.len() > MAX_RATES {
        return Some(format!(
            "{} learning rates: a workbook holds at most {MAX_RATES}, since its Summary chart draws one curve each and an Excel chart holds at most 255",
            rates.len()
        ));
    }
    for (k, eta) in rates.iter().enumerate() {
        if let Some(problem) = rate_problem(*eta) {
            return Some(problem);
        }
        if rates[..k].contains(eta) {
            return Some(format!(
                "learning rate {eta} is listed twice: each learning rate gets one sheet, list it once"
            ));
        }
    }
    None
}

/// Why one learning rate cannot be used, if it cannot.
pub(crate) fn rate_problem(eta: f64) -> Option<String> {
    (!(eta.is_finite() && eta > 0.0))
        .then(|| format!("learning rate {eta} is not a positive number: every learning rate must be > 0"))
}

/// Why an iteration count does not fit a sheet, if it does not.
pub(crate) fn iterations_problem(n: f64) -> Option<String> {
    (!(n >= 1.0 && n <= MAX_ITERATIONS as f64 && n.fract() == 0.0)).then(|| {
        format!(
            "iterations must be a whole number from 1 to {MAX_ITERATIONS} (Excel's 1,048,576 rows less the {} rows above the table), not {n}",
            EXCEL_MAX_ROWS - MAX_ITERATIONS
        )
    })
}
