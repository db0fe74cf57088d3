//! The rows of a learning-rate sheet after the first, written by the worker of that sheet as
//! worksheet XML straight into a compressed archive of its own: the cells rust_xlsxwriter
//! would write (the column's style, the formula, its value), without its per-cell bookkeeping
//! and scratch files, so that the sheets are computed, written and compressed in parallel.

use std::fs::File;
use std::io::Write;

use rust_xlsxwriter::utility::{column_number_to_name, row_col_to_cell_absolute};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::package::{SheetPart, with_last_row};
use super::{Curve, RateSummary, Sheet, SheetJob};
use crate::error::Failure;
use crate::generate::layout::{EPS_ROW, ETA_COL, check_col, param_cell, sheet_row, table_col};
use crate::model::columns::{Col, Columns, Ref};
use crate::model::engine::{Row, rows};
use crate::model::expr::{self, Expr};
use crate::model::gradient_check::{self, GradientCheck};

/// A formula of one column with its row numbers left open, so that the text of each cell is a
/// few copies instead of a tree walk. Built by printing the column's [`Expr`].
pub(super) struct FormulaText {
    parts: Vec<(String, Option<RowOf>)>,
}

#[derive(Clone, Copy)]
enum RowOf {
    This,
    Previous,
}

impl FormulaText {
    /// A column of the table: its cells read their own row, the row above, and the parameters'
    /// cells.
    pub(super) fn new(columns: &Columns, expr: &Expr<Ref>) -> FormulaText {
        FormulaText::of(expr, |r| match r {
            Ref::Cur(c) => (column_number_to_name(table_col(columns, c)), Some(RowOf::This)),
            Ref::Prev(c) => (column_number_to_name(table_col(columns, c)), Some(RowOf::Previous)),
            Ref::Param(p) => {
                let (row, col) = param_cell(columns.network.maths.optimizer, p);
                (row_col_to_cell_absolute(row, col), None)
            }
        })
    }

    /// A column of the gradient check: its cells read their own row and ε.
    pub(super) fn check(columns: &Columns, expr: &Expr<gradient_check::Leaf>) -> FormulaText {
        let eps = row_col_to_cell_absolute(EPS_ROW, ETA_COL);
        FormulaText::of(expr, |l| match l {
            gradient_check::Leaf::Col(c) => (column_number_to_name(table_col(columns, c)), Some(RowOf::This)),
            gradient_check::Leaf::Fd(k) => (column_number_to_name(check_col(columns, k)), Some(RowOf::This)),
            gradient_check::Leaf::Eps => (eps.clone(), None),
        })
    }

    /// `expr` printed with each leaf as `cell` names it: a column's letters and the row it reads
    /// (filled in per cell), or an absolute reference.
    fn of<L: crate::model::expr::Leaf>(expr: &Expr<L>, cell: impl Fn(L) -> (String, Option<RowOf>)) -> FormulaText {
        const THIS: char = '\u{1}';
        const PREV: char = '\u{2}';
        let text = expr.print(&|l, out: &mut String| {
            let (name, row) = cell(l);
            out.push_str(&name);
            match row {
                Some(RowOf::This) => out.push(THIS),
                Some(RowOf::Previous) => out.push(PREV),
                None => {}
            }
        });
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find([THIS, PREV]) {
            let row = if rest[at..].starts_with(THIS) { RowOf::This } else { RowOf::Previous };
            parts.push((rest[..at].to_string(), Some(row)));
            rest = &rest[at + 1..];
        }
        parts.push((rest.to_string(), None));
        FormulaText { parts }
    }

    /// The formula for the cell in 1-based spreadsheet row `row`, without its `=`. Only cell
    /// references, numbers, operators and functions: nothing XML would need escaped.
    pub(super) fn render(&self, row: u32, out: &mut String) {
        out.clear();
        for (text, r) in &self.parts {
            out.push_str(text);
            match r {
                Some(RowOf::This) => out.push_str(itoa::Buffer::new().format(row)),
                Some(RowOf::Previous) => out.push_str(itoa::Buffer::new().format(row - 1)),
                None => {}
            }
        }
    }
}

/// Where a cell of a sheet column goes: the column's letters, and its style attribute as
/// rust_xlsxwriter writes it (` s="5"`, or nothing).
struct Place {
    letters: String,
    style: String,
}

impl Place {
    fn of(part: &SheetPart, col: u16) -> Place {
        let style = part.styles.get(usize::from(col)).copied().flatten();
        Place { letters: column_number_to_name(col), style: style.map_or(String::new(), |s| format!(" s=\"{s}\"")) }
    }

    /// One cell of 1-based row `row`: a formula with its value, or a plain value; an error as
    /// the error (a formula's result) or its text (a plain cell cannot hold an error).
    fn write(&self, xml: &mut String, row: &str, formula: Option<&str>, value: f64) {
        let mut number = zmij::Buffer::new();
        let (kind, shown) = match expr::CellError::of(value) {
            Some(e) if formula.is_some() => (" t=\"e\"", e.text()),
            Some(e) => (" t=\"inlineStr\"", e.text()),
            None => ("", number.format_finite(value)),
        };
        for piece in ["<c r=\"", &self.letters, row, "\"", &self.style, kind, ">"] {
            xml.push_str(piece);
        }
        match formula {
            Some(f) => {
                for piece in ["<f>", f, "</f><v>", shown, "</v></c>"] {
                    xml.push_str(piece);
                }
            }
            None if !kind.is_empty() => {
                for piece in ["<is><t>", shown, "</t></is></c>"] {
                    xml.push_str(piece);
                }
            }
            None => {
                for piece in ["<v>", shown, "</v></c>"] {
                    xml.push_str(piece);
                }
            }
        }
    }
}

/// A sheet's entry is written with ZIP64 when its XML could pass half the 4 GB a plain entry
/// holds, counting a generous [`CELL_BYTES`] a cell (the class's cells average under 90).
const ZIP64_BYTES: u64 = 1 << 31;
const CELL_BYTES: u64 = 160;

/// Writes one learning-rate sheet whole into a one-entry archive in `spill`: `part`'s head (the
/// η row, the header and the first row rust_xlsxwriter wrote), every later row, and its tail.
/// Returns the run's outcome for the Summary, and the archive.
pub(super) fn write_sheet(
    part: &SheetPart,
    job: &SheetJob,
    spill: &std::path::Path,
    level: u8,
    progress: &dyn Fn(usize) -> bool,
) -> Result<(RateSummary, File), Failure> {
    let (inputs, iterations) = (&job.sheet.inputs, job.iterations);
    let columns = inputs.columns();
    let check = GradientCheck::of(columns);
    let checked = if job.check.is_some() { check.width() } else { 0 };
    let cells_per_row = (columns.len() + checked + 1) as u64;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(i64::from(level)))
        .large_file(iterations as u64 * cells_per_row * CELL_BYTES > ZIP64_BYTES);
    let mut zip = ZipWriter::new(crate::sys::output::Quiet::new(tempfile::tempfile_in(spill)?));
    zip.start_file(part.name.as_str(), options)?;
    zip.write_all(with_last_row(&part.head, sheet_row(iterations) + 1).as_bytes())?;

    let iteration_place = Place::of(part, 0);
    let table: Vec<Place> = columns.all().iter().map(|&c| Place::of(part, table_col(columns, c))).collect();
    let fd: Vec<Place> = (0..checked).map(|k| Place::of(part, check_col(columns, k))).collect();
    let mut summary = RateSummary::new(job.sheet, job.check.is_some());
    let (mut xml, mut text, mut number) = (String::new(), String::new(), itoa::Buffer::new());
    for (k, row) in rows(inputs, job.sheet.eta, iterations, job.formulas).enumerate() {
        let iteration = k + 1;
        let check_values = job.check.map(|(eps, _)| check.values(&|c| row.get(c), eps));
        record(&mut summary, job.curve, iteration, &row, check_values.as_ref().map(|v| v[check.max_column()]));
        if iteration > 1 {
            let r = sheet_row(iteration) + 1;
            let at = number.format(r).to_string();
            xml.clear();
            xml.push_str("<row r=\"");
            xml.push_str(&at);
            xml.push_str("\">");
            iteration_place.write(&mut xml, &at, None, iteration as f64);
            for (k, place) in table.iter().enumerate() {
                let formula = (!job.values_only).then(|| {
                    job.texts[k].render(r, &mut text);
                    text.as_str()
                });
                place.write(&mut xml, &at, formula, row.values[k]);
            }
            if let (Some((_, texts)), Some(values)) = (job.check, &check_values) {
                for (k, place) in fd.iter().enumerate() {
                    let formula = (!job.values_only).then(|| {
                        texts[k].render(r, &mut text);
                        text.as_str()
                    });
                    place.write(&mut xml, &at, formula, values[k]);
                }
            }
            xml.push_str("</row>");
            zip.write_all(xml.as_bytes())?;
        }
        if !progress(1) {
            return Err(Failure::Interrupted);
        }
    }
    zip.write_all(part.tail.as_bytes())?;
    let file = zip.finish()?.into_inner()?;
    Ok((summary, file))
}

impl RateSummary {
    /// Before the first row: nothing known yet.
    fn new(sheet: &Sheet, checked: bool) -> RateSummary {
        RateSummary {
            eta: sheet.eta,
            sheet: sheet.name.clone(),
            label: sheet.label.clone(),
            first_error: f64::NAN,
            final_error: f64::NAN,
            diverged_at: None,
            curve: Vec::new(),
            fd_max: checked.then_some(0.0),
        }
    }
}

/// Adds a row to the sheet's outcome: E_total first and last, the charts' points, the first
/// error, and the largest finite-difference gap (`fd_largest`, with the gradient check).
fn record(summary: &mut RateSummary, curve: &Curve, iteration: usize, row: &Row, fd_largest: Option<f64>) {
    if iteration == 1 {
        summary.first_error = row.get(Col::ETotal);
    }
    summary.final_error = row.get(Col::ETotal);
    if curve.includes(iteration) {
        summary.curve.push(row.get(Col::ETotal));
    }
    if summary.diverged_at.is_none() && row.values.iter().any(|v| expr::is_error(*v)) {
        summary.diverged_at = Some(iteration);
    }
    // The largest difference; an error in any row is the sheet's answer.
    if let Some(largest) = fd_largest {
        summary.fd_max = summary.fd_max.map(|m| match (expr::is_error(m), expr::is_error(largest)) {
            (true, _) => m,
            (false, true) => largest,
            (false, false) => m.max(largest),
        });
    }
}
