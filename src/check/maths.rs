//! What a table is trained with, read from its formulas: the hidden and the output layer's
//! activation, the loss and the optimizer, each the one whose definition its columns' formulas
//! are. The headers give the network, and the columns some choices add (an optimizer's state
//! v_w1, m_w1, β1^t; a softmax's exp_o1 and exp_sum); only the formulas tell tanh from sigmoid,
//! squared error from cross-entropy, Adagrad from RMSprop, and leaky ReLU's α.

use std::collections::HashMap;

use super::written::{Cell, canonical};
use crate::model::columns::{Col, Columns};
use crate::model::expr::Expr;
use crate::model::network::{Activation, Loss, Maths, Optimizer, Param, Real};
use crate::reader::{Pos, Table, Workbook, data_rows, header_at, parse_formula};

/// The table read as the network its formulas compute: its columns those of the activations,
/// loss and optimizer found, each decided by the columns that differ between the choices. A
/// choice no formula confirms stays the class's (sigmoid, squared error, gradient descent), or
/// for the optimizer the first whose state the headers name, so that its cells are checked and
/// a mistaken formula is found wrong rather than the table misread.
pub(super) fn read(book: &Workbook, sheet_index: u32, table: Table, params: &[(Param, Pos)]) -> Table {
    let sheet = &book.sheets[sheet_index as usize];
    let headed = headers(book, sheet_index, &table);
    let shape = table.columns.network;
    let seen = Table { cols: headed.clone(), ..table.clone() };
    let iteration = table.rows.len().min(2);
    let written = |col: Col| -> Option<Expr<Cell>> {
        let text = sheet.formulas.get(&seen.pos(col, iteration)?)?;
        let tree = parse_formula(text, sheet_index, &|name| book.sheet_index(name)).ok()?;
        Some(tree.map_leaves(&|a| Expr::Ref(Cell::locate(a, sheet_index, &seen, params, iteration))))
    };
    // How many of the probed columns are written as `maths` defines them, then how many columns
    // it has (a choice whose state is headed before one without); None if a column is not headed.
    let score = |maths: Maths, probe: &[Col]| -> Option<(usize, usize)> {
        let columns = Columns::of(shape.with_maths(maths));
        if !columns.all().iter().all(|c| headed.contains_key(c)) {
            return None;
        }
        let defined = |c: Col| canonical(&columns.definition(c).map_leaves(&|r| Expr::Ref(Cell::of(r))));
        let matches = probe
            .iter()
            .filter(|&&c| columns.contains(c) && written(c).is_some_and(|w| canonical(&w) == defined(c)))
            .count();
        Some((matches, columns.len()))
    };
    let best = |candidates: Vec<Maths>, probe: &[Col], fallback: Maths| -> Maths {
        let mut best: Option<((usize, usize), Maths)> = None;
        for m in candidates {
            if let Some(s) = score(m, probe)
                && best.is_none_or(|(b, _)| s > b)
            {
                best = Some((s, m));
            }
        }
        best.map_or(fallback, |(_, m)| m)
    };
    let mut maths = Maths::default();
    let activations = |col: Col| {
        let mut all = vec![Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Linear];
        let mut numbers = Vec::new();
        if let Some(tree) = written(col) {
            numbers_in(&tree, &mut numbers);
        }
        all.extend(numbers.into_iter().filter(|a| (0.0..1.0).contains(a)).map(|a| Activation::LeakyRelu(Real::new(a))));
        all
    };
    let hidden = activations(Col::AH(1)).into_iter().map(|activation| Maths { activation, ..maths }).collect();
    maths = best(hidden, &[Col::AH(1)], maths);
    let mut outputs: Vec<Maths> =
        activations(Col::AO(1)).into_iter().map(|output_activation| Maths { output_activation, ..maths }).collect();
    outputs.push(Maths { output_activation: Activation::Softmax, loss: Loss::CrossEntropy, ..maths });
    let last = Col::Dw(shape.weights());
    maths = best(outputs, &[Col::AO(1)], maths);
    if maths.output_activation != Activation::Softmax {
        let losses = [Loss::Squared, Loss::CrossEntropy].map(|loss| Maths { loss, ..maths }).to_vec();
        maths = best(losses, &[Col::E(1), last], maths);
    }
    let optimizers = Optimizer::NAMES
        .iter()
        .filter_map(|n| Optimizer::named(n))
        .map(|optimizer| Maths { optimizer, ..maths })
        .collect();
    maths = best(optimizers, &[Col::W(1), Col::VW(1), Col::MW(1), Col::Beta1T], maths);
    // Its parameters as the sheet sets them, for the report to say.
    for &(p, at) in params.iter().filter(|(p, _)| *p != Param::Eta) {
        if let Some(value) = sheet.number(at) {
            maths.optimizer = maths.optimizer.with(p, value).unwrap_or(maths.optimizer);
        }
    }
    let columns = Columns::of(shape.with_maths(maths));
    if columns == table.columns {
        return table;
    }
    let cols: HashMap<Col, u32> = headed.into_iter().filter(|(c, _)| columns.contains(*c)).collect();
    let rows = data_rows(sheet, table.header_row, columns, &cols);
    Table { columns, cols, rows, ..table }
}

/// Every column the table's header row names, from its first column rightwards, until a name
/// comes again (the gradient check's `∂E/∂w1 (FD)`, or a table beside it).
fn headers(book: &Workbook, sheet_index: u32, table: &Table) -> HashMap<Col, u32> {
    let sheet = &book.sheets[sheet_index as usize];
    let left = table.cols.values().min().copied().unwrap_or(0);
    // The header row's cells, not the sheet's texts: a sheet of a thousand tables asks once a table.
    let mut cells: Vec<(u32, Col)> = sheet
        .values
        .iter()
        .filter(|(pos, _)| pos.row == table.header_row && pos.col >= left)
        .filter_map(|(&pos, d)| match d {
            calamine::Data::String(text) => header_at(sheet, pos, text).map(|c| (pos.col, c)),
            _ => None,
        })
        .collect();
    cells.sort();
    let mut headed = HashMap::new();
    for (at, col) in cells {
        if headed.contains_key(&col) {
            break;
        }
        headed.insert(col, at);
    }
    headed
}

/// The numbers written in a formula: where leaky ReLU's α is.
fn numbers_in(e: &Expr<Cell>, out: &mut Vec<f64>) {
    match e {
        Expr::Num(x) => out.push(*x),
        Expr::Err(_) | Expr::Ref(_) => {}
        Expr::Neg(x) => numbers_in(x, out),
        Expr::Bin(_, a, b) => {
            numbers_in(a, out);
            numbers_in(b, out);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| numbers_in(a, out)),
    }
}
