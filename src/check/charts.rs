//! Whether a table's loss curve was drawn: a chart series whose cells are the table's E_total,
//! or cells that only link to them (`='LR 0.1'!$AB$4`), as a summary table plotted beside the
//! sheets is. One link is followed, not a chain: a summary of a summary is not the table's.

use crate::model::columns::Col;
use crate::model::expr::Expr;
use crate::reader::{Addr, Table, Workbook, parse_formula};

/// Whether some chart of the workbook plots E_total of `table`, on sheet `sheet`.
pub(super) fn plots_e_total(book: &Workbook, sheet: u32, table: &Table) -> bool {
    let Some(&column) = table.cols.get(&Col::ETotal) else { return false };
    let index = |name: &str| book.sheet_index(name);
    let is_e_total = |a: &Addr| a.sheet == sheet && a.pos.col == column && table.rows.contains(&a.pos.row);
    let linked = |a: &Addr| {
        let Some(text) = book.sheets.get(a.sheet as usize).and_then(|s| s.formulas.get(&a.pos)) else { return false };
        matches!(parse_formula(text, a.sheet, &index), Ok(Expr::Ref(to)) if is_e_total(&to))
    };
    book.charts.iter().any(|series| {
        let cells = match parse_formula(series, sheet, &index) {
            Ok(Expr::Ref(a)) => vec![a],
            Ok(Expr::Call(_, cells)) => {
                cells.into_iter().filter_map(|c| if let Expr::Ref(a) = c { Some(a) } else { None }).collect()
            }
            _ => Vec::new(),
        };
        cells.iter().any(|a| is_e_total(a) || linked(a))
    })
}
