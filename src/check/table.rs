//! One table checked: every cell recomputed from the cells it reads, in sheet order, each wrong
//! one diagnosed, and what could not be checked said, into the table's report.

use std::collections::HashMap;

use calamine::Data;

use super::Options;
use super::diagnose::{Diagnosis, Wrong, best_by_value, diagnose};
use super::grid::Grid;
use super::precision;
use super::report::{FirstRow, TableReport, Value, WrongCell, WrongColumn, ranges};
use super::verdict::{SheetKey, Verdict};
use super::written;
use crate::model::columns::{Col, Columns, write_name};
use crate::model::engine::{Inputs, Row, last_row};
use crate::model::expr::CellError;
use crate::model::network::Maths;
use crate::reader::{Pos, describe};

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

/// Checks a table cell by cell, in sheet order, then diagnoses its wrong cells and says what
/// could not be checked.
pub(super) fn check_table(mut grid: Grid, options: &Options, identified: Vec<String>, charted: bool) -> TableReport {
    let table = grid.table;
    let columns = table.columns;
    let iterations = table.rows.len();
    let mut pass = Pass::default();
    for iteration in 1..=iterations {
        for &col in columns.all().iter().filter(|c| table.cols.contains_key(c)) {
            check_cell(&mut grid, &mut pass, col, iteration, options.rel_tol);
        }
        missing_iteration(&grid, &mut pass, iteration);
    }
    let diagnosed = diagnose_all(&grid, &mut pass, options.rel_tol);
    let wrong_columns = group(&grid, &diagnosed);
    let cells = wrong_cells(&grid, diagnosed);
    let mut not_checked = not_checked(&grid, &pass);
    not_checked.extend(unfinished_row(&grid));
    let (final_e_total_shown, final_e_total_correct) = final_e_total(&grid);
    if cells.is_empty()
        && let (Some(Value::Number(shown)), Some(Value::Number(correct))) =
            (&final_e_total_shown, &final_e_total_correct)
        && !same_final(&grid, *shown, *correct, options.rel_tol)
    {
        not_checked.push(format!(
            "E_total: the last row shows {shown}, correct arithmetic from the first row and η reaches {correct}: a cell that could not be checked is wrong"
        ));
    }
    let verdict = if !cells.is_empty() {
        Verdict::Fail
    } else if pass.checked == 0 && iterations <= 1 {
        not_checked.clear();
        Verdict::NothingToCheck
    } else if pass.checked == 0 || !not_checked.is_empty() {
        Verdict::Incomplete
    } else {
        Verdict::Pass
    };
    let mut missing: Vec<Col> = columns.all().iter().copied().filter(|c| !table.cols.contains_key(c)).collect();
    let empty: Vec<Col> =
        pass.empty.iter().filter(|&(c, n)| 2 * n >= iterations && !missing.contains(c)).map(|(c, _)| *c).collect();
    missing.extend(empty);
    TableReport {
        columns,
        network: match columns.network.maths {
            maths if maths == Maths::default() => columns.network.to_string(),
            maths => format!("{}, {maths}", columns.network),
        },
        sheet: grid.sheet.name.clone(),
        at: table.top_left().a1(),
        iterations,
        eta: grid.eta.value,
        eta_source: grid.eta.source.clone(),
        identified,
        verdict,
        checked_cells: pass.checked,
        wrong_cells: cells.len(),
        wrong_columns,
        cells,
        typed_over: ranges(&pass.typed_over),
        typed_numbers: pass.typed_over.iter().filter_map(|&p| grid.sheet.number(p).map(|v| (p, v))).take(32).collect(),
        not_checked,
        final_e_total_shown,
        final_e_total_correct,
        charted,
        missing,
        first_row: first_row(&grid),
    }
}

/// The typed cells of the first row, as the sheet shows them.
fn first_row(grid: &Grid) -> FirstRow {
    grid.table.columns.typed().filter_map(|c| grid.table.pos(c, 1).map(|at| (c, at, grid.sheet.number(at)))).collect()
}

/// Each wrong cell with its diagnosis: settled while checking, or found now from what was
/// written and, by value, from the known mistake that explains its column best.
fn diagnose_all(grid: &Grid, pass: &mut Pass, rel_tol: f64) -> Vec<(Wrong, Diagnosis)> {
    let columns = grid.table.columns;
    let wrong_set: Vec<Col> =
        columns.all().iter().copied().filter(|c| pass.wrong.iter().any(|w| w.col == *c)).collect();
    let mut cells = Vec::new();
    for &col in &wrong_set {
        let wrong: Vec<Wrong> = pass.wrong.iter().copied().filter(|w| w.col == col).collect();
        let best = best_by_value(grid, &wrong, &wrong_set, &written::known(columns, col).variants, rel_tol);
        for w in wrong {
            let diagnosis = match pass.settled.remove(&(col, w.iteration)) {
                Some(d) => d,
                None => diagnose(grid, w, best, &wrong_set, rel_tol),
            };
            cells.push((w, diagnosis));
        }
    }
    cells
}

/// Every wrong cell as reported, in sheet order.
fn wrong_cells(grid: &Grid, diagnosed: Vec<(Wrong, Diagnosis)>) -> Vec<WrongCell> {
    let columns = grid.table.columns;
    let mut cells: Vec<WrongCell> = diagnosed
        .into_iter()
        .map(|(w, diagnosis)| WrongCell {
            cell: grid.table.pos(w.col, w.iteration).map_or(String::new(), Pos::a1),
            column: w.col.header(),
            iteration: w.iteration,
            expected: expected_value(columns, w),
            found: found_value(grid, w),
            correct_formula: grid.correct_formula(w.col, w.iteration),
            diagnosis,
        })
        .collect();
    cells.sort_by_key(|c| (c.iteration, columns.all().iter().position(|col| col.header() == c.column)));
    cells
}

/// The columns the table lacks, and the cells of each column left unchecked, and why.
fn not_checked(grid: &Grid, pass: &Pass) -> Vec<String> {
    let columns = grid.table.columns;
    let mut not_checked: Vec<String> = columns
        .all()
        .iter()
        .filter(|c| !grid.table.cols.contains_key(c))
        .map(|c| match grid.has_formulas {
            true => format!("{}: no such column", c.header()),
            false => {
                format!("{}: no column headed so (a table of typed values is read by its headers alone)", c.header())
            }
        })
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
    not_checked
}

/// Whether the last row's E_total is the one correct arithmetic reaches, to the precision it was
/// stored with. Formulas written in another order drift by a few units in the last place over a
/// run; values typed with a few digits, each row computed from the rounded row above, by more;
/// and `--rel-tol` loosens this as it does every cell.
fn same_final(grid: &Grid, shown: f64, correct: f64, rel_tol: f64) -> bool {
    let has_formulas = grid.has_formulas;
    let digits = if has_formulas { grid.formula_digits } else { precision::digits(shown).0 };
    let drift = if has_formulas { 1e-9 } else { 1e-4 };
    (shown - correct).abs() <= precision::half_unit(shown, digits) + (drift + rel_tol) * correct.abs()
}

/// The row below the table when it was begun and not finished (the weights of the next
/// iteration typed, its inputs not): the table is not done.
fn unfinished_row(grid: &Grid) -> Option<String> {
    let table = grid.table;
    let row = table.rows.last()? + 1;
    let filled = |c: &Col| {
        let pos = Pos { row, col: table.cols[c] };
        grid.sheet.value(pos).is_some() || grid.sheet.formulas.contains_key(&pos)
    };
    let present: Vec<Col> = table.columns.all().iter().copied().filter(|c| table.cols.contains_key(c)).collect();
    let (done, missing): (Vec<Col>, Vec<Col>) = present.iter().partition(|c| filled(c));
    if done.is_empty() {
        return None;
    }
    let names = |cols: &[Col]| cols.iter().map(|c| c.header()).collect::<Vec<_>>().join(" ");
    Some(format!("row {}: begun but not finished ({} filled; {} empty)", row + 1, names(&done), names(&missing)))
}

/// The last row's E_total as the sheet shows it, and as correct arithmetic reaches it from the
/// table's own first row and η.
fn final_e_total(grid: &Grid) -> (Option<Value>, Option<Value>) {
    let columns = grid.table.columns;
    let iterations = grid.table.rows.len();
    let shown = grid.value(Col::ETotal, iterations).map(Value::of);
    let first_row = columns.typed().map(|c| grid.value(c, 1).map(|v| (c, v))).collect::<Option<Vec<(Col, f64)>>>();
    let correct = match (first_row, grid.eta.value) {
        (Some(first), Some(eta)) if shown.is_some() => {
            let mut inputs = Inputs::new(columns);
            for (c, v) in first {
                inputs.set(c, v);
            }
            Some(Value::of(last_row(&inputs, eta, iterations, columns.formulas()).0.get(Col::ETotal)))
        }
        _ => None,
    };
    (shown, correct)
}

/// Checks one cell, in sheet order: the cells it reads have been judged before it.
fn check_cell(grid: &mut Grid, pass: &mut Pass, col: Col, iteration: usize, rel_tol: f64) {
    let columns = grid.table.columns;
    let pos = grid.table.pos(col, iteration).expect("the table has this column and row");
    if iteration == 1 && columns.is_input(col) {
        if grid.value(col, 1).is_none() {
            let what = describe(grid.sheet.value(pos));
            let d = Diagnosis::new(
                SheetKey::NotANumber,
                format!("{} holds {what} where its typed number belongs: type the number", col.header()),
            );
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
    let typed_over = grid.typed_over(col, iteration);
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
            let d = Diagnosis::new(
                SheetKey::MissingIteration,
                format!(
                    "the weights of row {} are two updates on from row {}: an iteration is missing between them (a row was deleted)",
                    rows.1, rows.0
                ),
            );
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
                col,
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
