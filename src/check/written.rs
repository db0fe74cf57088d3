//! What a student wrote, as a tree over the table: each reference of a cell's formula becomes a
//! column of the table and a row offset, the η cell, or a cell outside the table. The correct
//! definition maps into the same terms, so a wrong cell's two trees can be compared.

use std::fmt::Write as _;

use crate::model::cache::PerNetwork;
use crate::model::columns::{Col, Columns, Ref};
use crate::model::expr::{Expr, Func, Op};
use crate::model::mistakes::{Variant, variants};
use crate::model::network::Param;
use crate::reader::{Addr, Pos, Table};

/// A cell a formula reads, seen from the table.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cell {
    /// A cell of the table: its column and its row counted from the formula's own (0 this row,
    /// -1 the row above); `fixed` when the row was written absolute (`$33`).
    Table { col: Col, offset: i64, fixed: bool },
    /// The cell of η, or of another parameter of the optimizer (μ, β1, ...).
    Param(Param),
    /// Any other cell: outside the table, or on another sheet.
    Outside(Addr),
}

/// Two references are the same when they read the same cell; whether a `$` was written does not
/// change what a formula computes.
impl PartialEq for Cell {
    fn eq(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Table { col: a, offset: x, .. }, Cell::Table { col: b, offset: y, .. }) => a == b && x == y,
            (Cell::Param(p), Cell::Param(q)) => p == q,
            (Cell::Outside(a), Cell::Outside(b)) => (a.sheet, a.pos) == (b.sheet, b.pos),
            _ => false,
        }
    }
}

impl Cell {
    /// A reference of the worksheet's own definitions.
    pub(super) fn of(r: Ref) -> Cell {
        match r {
            Ref::Cur(col) => Cell::Table { col, offset: 0, fixed: false },
            Ref::Prev(col) => Cell::Table { col, offset: -1, fixed: false },
            Ref::Param(p) => Cell::Param(p),
        }
    }

    /// What `addr` is to the formula in the table's row of `iteration` on sheet `sheet`, whose
    /// parameters' cells are `params`.
    pub(super) fn locate(addr: Addr, sheet: u32, table: &Table, params: &[(Param, Pos)], iteration: usize) -> Cell {
        if addr.sheet == sheet {
            if let Some(&(p, _)) = params.iter().find(|(_, at)| *at == addr.pos) {
                return Cell::Param(p);
            }
            if let (Some(col), Some(it)) = (table.col_at(addr.pos.col), table.iteration_of(addr.pos.row)) {
                return Cell::Table { col, offset: it as i64 - iteration as i64, fixed: addr.fixed_row };
            }
        }
        Cell::Outside(addr)
    }

    /// Whether filling the formula down moves this reference.
    pub(super) fn slides(self) -> bool {
        match self {
            Cell::Table { fixed, .. } => !fixed,
            Cell::Outside(a) => !a.fixed_row,
            Cell::Param(_) => false,
        }
    }
}

/// What is known of a column, built once for the process: its known mistakes, each variant's
/// tree and its canonical form as the written trees are compared with, and the definition's.
pub(super) struct Known {
    pub variants: Vec<Variant>,
    /// The canonical form of each variant, in the order of `variants`.
    pub canonical: Vec<Expr<Cell>>,
    pub correct: Expr<Cell>,
    pub correct_canonical: Expr<Cell>,
    /// The definition's and every variant's canonical form with each parameter (μ, β1, ...)
    /// read as η: identification sees every cell outside the table as η, and an optimizer's
    /// formulas must still read as theirs there.
    pub identifying: Vec<Expr<Cell>>,
}

pub(super) fn known(columns: &'static Columns, col: Col) -> &'static Known {
    static KNOWN: PerNetwork<Vec<Known>> = PerNetwork::new();
    let all = KNOWN.get(columns.network, || {
        let cells = |e: &Expr<Ref>| e.map_leaves(&|r| Expr::Ref(Cell::of(r)));
        columns
            .all()
            .iter()
            .map(|&c| {
                let variants = variants(columns, c);
                let forms = variants.iter().map(|v| canonical(&cells(&v.expr))).collect();
                let correct = cells(columns.definition(c));
                let as_eta = |e: &Expr<Ref>| {
                    canonical(&e.map_leaves(&|r| match r {
                        Ref::Param(_) => Expr::Ref(Cell::Param(Param::Eta)),
                        r => Expr::Ref(Cell::of(r)),
                    }))
                };
                let identifying = std::iter::once(columns.definition(c))
                    .chain(variants.iter().map(|v| &v.expr))
                    .map(as_eta)
                    .collect();
                Known { variants, canonical: forms, correct_canonical: canonical(&correct), correct, identifying }
            })
            .collect()
    });
    &all[columns.index(col)]
}

/// Where a row offset points, in words: "this row", "the row above", "3 rows up".
pub(super) fn rows_away(offset: i64) -> String {
    match offset {
        0 => "this row".into(),
        -1 => "the row above".into(),
        1 => "the row below".into(),
        k if k < 0 => format!("{} rows up", -k),
        k => format!("{k} rows down"),
    }
}

/// The canonical form of a tree, so that the same formula written in another order compares
/// equal: chains of `+` and of `*` are flattened and their operands sorted, `POWER(a,b)` is
/// `a^b`, and constants are folded (`1/2` is 0.5). Only for comparing; a spreadsheet evaluates
/// what was written.
pub(super) fn canonical(e: &Expr<Cell>) -> Expr<Cell> {
    let mut leaves = Vec::new();
    e.leaves(&mut leaves);
    if leaves.is_empty() && !e.has_error_literal() {
        return Expr::Num(e.eval(&|_| 0.0));
    }
    match e {
        Expr::Bin(op @ (Op::Add | Op::Mul), ..) => {
            let mut items = Vec::new();
            flatten(e, *op, &mut items);
            let mut items: Vec<(String, Expr<Cell>)> = items.into_iter().map(|x| (key(&x), x)).collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let mut items = items.into_iter().map(|(_, x)| x);
            let first = items.next().expect("a chain has operands");
            items.fold(first, |acc, x| Expr::Bin(*op, Box::new(acc), Box::new(x)))
        }
        Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(canonical(a)), Box::new(canonical(b))),
        Expr::Call(Func::Power, args) if args.len() == 2 => {
            Expr::Bin(Op::Pow, Box::new(canonical(&args[0])), Box::new(canonical(&args[1])))
        }
        Expr::Call(f, args) => Expr::Call(*f, args.iter().map(canonical).collect()),
        Expr::Neg(x) => Expr::Neg(Box::new(canonical(x))),
        Expr::Num(_) | Expr::Err(_) | Expr::Ref(_) => e.clone(),
    }
}

/// Whether two trees compute the same function of the cells they read, as far as two
/// evaluations at made-up operands in (0.1, 0.9) can tell: `0.5*(a_o1-t1)^2` and
/// `0.5*(t1-a_o1)^2` do; a swapped operand or a lost factor does not.
pub(super) fn same_function(a: &Expr<Cell>, b: &Expr<Cell>) -> bool {
    [1u64, 2].into_iter().all(|seed| {
        let at = |c: Cell| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
            for byte in key(&Expr::Ref(c)).bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
            0.1 + (hash % 10_000) as f64 / 12_500.0
        };
        let (x, y) = (a.eval(&at), b.eval(&at));
        x.is_finite() && y.is_finite() && (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
    })
}

fn flatten(e: &Expr<Cell>, op: Op, out: &mut Vec<Expr<Cell>>) {
    match e {
        Expr::Bin(o, a, b) if *o == op => {
            flatten(a, op, out);
            flatten(b, op, out);
        }
        _ => out.push(canonical(e)),
    }
}

/// A text that orders trees and is equal exactly when they are.
fn key(e: &Expr<Cell>) -> String {
    e.print(&|c, out: &mut String| {
        let _ = match c {
            Cell::Table { col, offset, .. } => write!(out, "[{}{offset}]", col.name()),
            Cell::Param(p) => write!(out, "[{}]", p.name()),
            Cell::Outside(a) => write!(out, "[{}!{}]", a.sheet, a.pos.a1()),
        };
    })
}

/// Where the written tree departs from the correct one: the pairs (written, correct) of the
/// smallest subtrees that differ, walking both trees in step.
pub(super) fn differences(written: &Expr<Cell>, correct: &Expr<Cell>, out: &mut Vec<(Expr<Cell>, Expr<Cell>)>) {
    if written == correct {
        return;
    }
    match (written, correct) {
        (Expr::Bin(o1, a1, b1), Expr::Bin(o2, a2, b2)) if o1 == o2 => {
            differences(a1, a2, out);
            differences(b1, b2, out);
        }
        (Expr::Neg(x), Expr::Neg(y)) => differences(x, y, out),
        (Expr::Call(f, xs), Expr::Call(g, ys)) if f == g && xs.len() == ys.len() => {
            xs.iter().zip(ys).for_each(|(x, y)| differences(x, y, out))
        }
        _ => out.push((written.clone(), correct.clone())),
    }
}

/// The one change that turns the correct tree into the written one, when there is exactly one
/// (repeated as often as the operand occurs) and it swaps a single operand: a reference or a
/// number for another. Tried as written, then in canonical order.
pub(super) fn single_swap(written: &Expr<Cell>, correct: &Expr<Cell>) -> Option<(Expr<Cell>, Expr<Cell>)> {
    let one = |w: &Expr<Cell>, c: &Expr<Cell>| {
        let mut diffs = Vec::new();
        differences(w, c, &mut diffs);
        let first = diffs.first()?.clone();
        let operand = |e: &Expr<Cell>| matches!(e, Expr::Ref(_) | Expr::Num(_));
        (diffs.iter().all(|d| *d == first) && operand(&first.0) && operand(&first.1)).then_some(first)
    };
    one(written, correct).or_else(|| one(&canonical(written), &canonical(correct)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::columns::{self, Col::*};

    fn tree(text: &str) -> Expr<Cell> {
        columns::parse(Columns::class(), text).unwrap().map_leaves(&|r| Expr::Ref(Cell::of(r)))
    }

    #[test]
    fn the_same_formula_in_another_order_is_the_same() {
        assert_eq!(canonical(&tree("i1*w1+i2*w2")), canonical(&tree("w2*i2+w1*i1")));
        assert_eq!(
            canonical(&tree("(a_o1-t1)*a_o1*(1-a_o1)*a_h1")),
            canonical(&tree("a_h1*((a_o1-t1)*a_o1)*(1-a_o1)"))
        );
        assert_ne!(canonical(&tree("a_h1-a_h2")), canonical(&tree("a_h2-a_h1")));
        assert!(same_function(&tree("0.5*(a_o1-t1)^2"), &tree("0.5*(t1-a_o1)^2")));
        assert!(same_function(&tree("a_h1*(1-a_h1)"), &tree("a_h1-a_h1*a_h1")));
        assert!(!same_function(&tree("(a_o1-t1)^2"), &tree("0.5*(t1-a_o1)^2")));
        assert!(!same_function(&tree("a_h1-a_h2"), &tree("a_h2-a_h1")));
    }

    #[test]
    fn one_swapped_operand_is_found_even_when_repeated() {
        let correct = tree("((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h2*(1-a_h2)*i1");
        let written = tree("((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h1*(1-a_h1)*i1");
        let (w, c) = single_swap(&written, &correct).unwrap();
        assert_eq!((w, c), (tree("a_h1"), tree("a_h2")));
        assert_eq!(
            single_swap(&tree("prev(w1)-0.2*prev(dw1)"), &tree("prev(w1)-η*prev(dw1)")).unwrap().0,
            Expr::Num(0.2)
        );
        assert!(single_swap(&tree("a_h1*a_o1"), &tree("a_h2*a_o2")).is_none(), "two different swaps");
        assert!(single_swap(&tree("0.5*(t1-a_o1)"), &tree("0.5*(t1-a_o1)^2")).is_none(), "not an operand");
        let table = Table {
            columns: Columns::class(),
            header_row: 0,
            cols: [(W(1), 3)].into_iter().collect(),
            step_col: None,
            rows: vec![1, 2, 3],
        };
        let two_up = Addr { sheet: 0, pos: Pos { row: 1, col: 3 }, fixed_row: false };
        assert_eq!(Cell::locate(two_up, 0, &table, &[], 3), Cell::Table { col: W(1), offset: -2, fixed: false });
        assert_eq!(rows_away(-2), "2 rows up");
    }
}
