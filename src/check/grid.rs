//! A table being checked: where its cells are, what they hold, and each cell recomputed from the
//! cells it reads as the sheet shows them, at the precision they were stored with.

use std::collections::HashMap;

use calamine::Data;

use super::eta::Eta;
use super::precision::{digits, half_unit};
use super::written::{Cell, canonical, known, rows_away, same_function};
use crate::model::columns::{Col, Ref, write_name};
use crate::model::expr::{self, CellError, Expr, ParseError};
use crate::model::network::Param;
use crate::reader::{Pos, Sheet, Table, Workbook, number, operand_value, parse_formula};

pub(super) struct Grid<'a> {
    pub book: &'a Workbook,
    pub sheet_index: u32,
    pub sheet: &'a Sheet,
    pub table: &'a Table,
    pub eta: Eta,
    /// The cells of the optimizer's other parameters (μ, β1, ...), labelled above the table.
    pub params: Vec<(Param, Pos)>,
    /// The significant digits the saving program kept for formula results: 17 for Excel, 15 for
    /// LibreOffice, fewer for some. A typed value keeps the digits it was typed with.
    pub formula_digits: u32,
    /// Whether the table computes its rows by formula (its updated columns do, after the first
    /// row): a number typed there is typed over a formula.
    pub has_formulas: bool,
    /// Cells found wrong so far, with the value they should hold. A typed table's cells were
    /// often computed before a slip in a cell they read was typed: they are right when they
    /// agree with that cell's corrected value.
    corrected: HashMap<(Col, usize), f64>,
}

/// What a formula reads: a value, and how uncertain it is (the rounding of a stored value).
#[derive(Clone, Copy)]
struct Operand {
    value: f64,
    spread: f64,
}

impl<'a> Grid<'a> {
    pub(super) fn new(
        book: &'a Workbook,
        sheet_index: u32,
        table: &'a Table,
        eta: Eta,
        params: Vec<(Param, Pos)>,
    ) -> Grid<'a> {
        let sheet = &book.sheets[sheet_index as usize];
        // The most digits any formula result has; 17 is the most there is, so stop there.
        let formula_digits = table
            .rows
            .iter()
            .flat_map(|&row| table.cols.values().map(move |&col| Pos { row, col }))
            .filter(|p| sheet.formulas.contains_key(p))
            .filter_map(|p| sheet.number(p))
            .map(|x| digits(x).0)
            .try_fold(0, |most, n| if n >= 17 { Err(17) } else { Ok(most.max(n)) })
            .map_or(17, |most| if most == 0 { 17 } else { most });
        let has_formulas = table.rows.iter().skip(1).any(|&row| {
            let columns = table.columns;
            columns
                .trained()
                .any(|(c, _)| table.cols.get(&c).is_some_and(|&col| sheet.formulas.contains_key(&Pos { row, col })))
        });
        Grid { book, sheet_index, sheet, table, eta, params, formula_digits, has_formulas, corrected: HashMap::new() }
    }

    /// A parameter's value: η as found, the others from their cells.
    fn param(&self, p: Param) -> Option<f64> {
        match p {
            Param::Eta => self.eta.value,
            _ => self.sheet.number(self.cell_of(p)?),
        }
    }

    pub(super) fn cell_of(&self, p: Param) -> Option<Pos> {
        match p {
            Param::Eta => self.eta.cell,
            _ => self.params.iter().find(|(q, _)| *q == p).map(|(_, at)| *at),
        }
    }

    /// Every parameter's cell, η's among them, as formulas read them.
    fn param_cells(&self) -> Vec<(Param, Pos)> {
        self.eta.cell.map(|at| (Param::Eta, at)).into_iter().chain(self.params.iter().copied()).collect()
    }

    /// A cell's number or spreadsheet error; None when it is empty, holds text, or is missing.
    pub(super) fn value(&self, col: Col, iteration: usize) -> Option<f64> {
        match self.sheet.value(self.table.pos(col, iteration)?)? {
            d @ Data::Error(_) => Some(operand_value(Some(d))),
            d => number(d),
        }
    }

    pub(super) fn formula(&self, col: Col, iteration: usize) -> Option<&'a str> {
        let sheet: &'a Sheet = self.sheet;
        self.table.pos(col, iteration).and_then(|p| sheet.formulas.get(&p)).map(String::as_str)
    }

    pub(super) fn has_formula(&self, col: Col, iteration: usize) -> bool {
        self.formula(col, iteration).is_some()
    }

    /// Whether a cell holds a number typed where the table's formulas are (targets and inputs
    /// typed in every row are as good as carried down by formula).
    pub(super) fn typed_over(&self, col: Col, iteration: usize) -> bool {
        self.has_formulas && !self.table.columns.is_constant(col) && !self.has_formula(col, iteration)
    }

    /// Remembers that a cell is wrong and what it should hold.
    pub(super) fn correct(&mut self, col: Col, iteration: usize, expected: f64) {
        self.corrected.insert((col, iteration), expected);
    }

    /// The significant digits a cell's value was stored with.
    fn stored_digits(&self, col: Col, iteration: usize, value: f64) -> u32 {
        if self.has_formula(col, iteration) { self.formula_digits } else { digits(value).0 }
    }

    fn operand(&self, r: Ref, iteration: usize, corrected: bool) -> Option<Operand> {
        let (col, it) = match r {
            Ref::Param(p) => return self.param(p).map(|value| Operand { value, spread: 0.0 }),
            Ref::Cur(c) => (c, iteration),
            Ref::Prev(c) => (c, iteration.checked_sub(1).filter(|&i| i >= 1)?),
        };
        if corrected && let Some(&value) = self.corrected.get(&(col, it)) {
            return Some(Operand { value, spread: 0.0 });
        }
        let value = self.value(col, it)?;
        // Typed inputs, and targets and inputs carried down, are exact by definition.
        let columns = self.table.columns;
        let exact = columns.is_constant(col) || (it == 1 && columns.is_input(col));
        let spread = if exact { 0.0 } else { half_unit(value, self.stored_digits(col, it, value)) };
        Some(Operand { value, spread })
    }

    /// The value of `expr` at `iteration` from the sheet's own operands (or, with `corrected`,
    /// the corrected values of operands found wrong), and how far rounding of those operands can
    /// move it; None when an operand is missing.
    fn recompute(&self, expr: &Expr<Ref>, iteration: usize, corrected: bool) -> Option<(f64, f64)> {
        let mut leaves = Vec::new();
        expr.leaves(&mut leaves);
        let mut operands: Vec<(Ref, Operand)> = Vec::with_capacity(leaves.len());
        for r in leaves {
            if !operands.iter().any(|(o, _)| *o == r) {
                operands.push((r, self.operand(r, iteration, corrected)?));
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
    pub(super) fn compare(
        &self,
        expr: &Expr<Ref>,
        col: Col,
        iteration: usize,
        found: f64,
        rel_tol: f64,
        corrected: bool,
    ) -> Option<(f64, bool)> {
        let (expected, spread) = self.recompute(expr, iteration, corrected)?;
        if expr::is_error(expected) || expr::is_error(found) {
            return Some((expected, CellError::of(expected) == CellError::of(found)));
        }
        let stored = half_unit(found, self.stored_digits(col, iteration, found));
        let tolerance = stored + spread + rel_tol * expected.abs();
        Some((expected, expected == found || (found - expected).abs() <= tolerance))
    }

    /// Whether `found` is what `expr` gives (see [`Grid::compare`]).
    pub(super) fn agrees(&self, expr: &Expr<Ref>, col: Col, iteration: usize, found: f64, rel_tol: f64) -> bool {
        self.compare(expr, col, iteration, found, rel_tol, false).is_some_and(|(_, right)| right)
    }

    /// The formula of a cell as a tree over the table; None when the cell holds no formula.
    pub(super) fn written(&self, col: Col, iteration: usize) -> Option<Result<Expr<Cell>, ParseError>> {
        let text = self.formula(col, iteration)?;
        let book = self.book;
        let tree = parse_formula(text, self.sheet_index, &|name| book.sheet_index(name));
        Some(tree.map(|t| {
            t.map_leaves(&|a| Expr::Ref(Cell::locate(a, self.sheet_index, self.table, &self.param_cells(), iteration)))
        }))
    }

    /// Whether a cell's formula is other than its column's definition, in any order. That decides
    /// a cell whose value cannot: one that shows the error of a cell it reads.
    pub(super) fn formula_differs(&self, col: Col, iteration: usize) -> bool {
        match self.written(col, iteration) {
            Some(Ok(tree)) => {
                let known = known(self.table.columns, col);
                canonical(&tree) != known.correct_canonical && !same_function(&tree, &known.correct)
            }
            Some(Err(_)) => true,
            None => false,
        }
    }

    /// A tree over the table written in column names, as the report shows formulas: `a_h1`,
    /// `prev(w1)`, `η`, `w4[2 rows up]`, `I65[outside the table]`.
    pub(super) fn in_names(&self, tree: &Expr<Cell>) -> String {
        tree.print(&|c, out: &mut String| match c {
            Cell::Table { col, offset: 0, .. } => write_name(Ref::Cur(col), out),
            Cell::Table { col, offset: -1, .. } => write_name(Ref::Prev(col), out),
            Cell::Table { col, offset, .. } => out.push_str(&format!("{}[{}]", col.header(), rows_away(offset))),
            Cell::Param(p) => out.push_str(p.name()),
            Cell::Outside(_) => out.push_str(&format!("{}[outside the table]", self.address(c, 0))),
        })
    }

    /// The correct formula of a cell in this sheet's own references, as a student would type it
    /// there (`=E33-$G$31*X33`); η as the η cell, absolute, or its value when no cell holds it.
    /// A cell of the first row whose formula would read the row above (a typed input) has none.
    pub(super) fn correct_formula(&self, col: Col, iteration: usize) -> String {
        let outside = std::cell::Cell::new(false);
        let text = self.table.columns.definition(col).print(&|r, out: &mut String| {
            let at = |c: Col, it: usize| {
                self.table.pos(c, it).map_or_else(
                    || {
                        outside.set(true);
                        String::new()
                    },
                    Pos::a1,
                )
            };
            out.push_str(&match r {
                Ref::Cur(c) => at(c, iteration),
                Ref::Prev(c) => at(c, iteration.saturating_sub(1)),
                Ref::Param(Param::Eta) => match self.eta.cell {
                    Some(p) => p.a1_absolute(),
                    None => self.eta.value.map_or("η".into(), |v| v.to_string()),
                },
                Ref::Param(p) => self.cell_of(p).map_or(p.name().to_string(), Pos::a1_absolute),
            })
        });
        if outside.get() {
            return "none: a number is typed here (the first row holds the initial values)".into();
        }
        format!("={text}")
    }

    /// The address a cell reference names, from the row of `iteration`.
    pub(super) fn address(&self, c: Cell, iteration: usize) -> String {
        match c {
            Cell::Table { col, offset, .. } => {
                let it = iteration as i64 + offset;
                usize::try_from(it).ok().and_then(|it| self.table.pos(col, it)).map_or("?".into(), Pos::a1)
            }
            Cell::Param(Param::Eta) => self.eta.cell.map_or("η".into(), Pos::a1),
            Cell::Param(p) => self.cell_of(p).map_or(p.name().into(), Pos::a1),
            Cell::Outside(a) if a.sheet == self.sheet_index => a.pos.a1(),
            Cell::Outside(a) => {
                let name = self.book.sheets.get(a.sheet as usize).map_or("?", |s| s.name.as_str());
                format!("'{name}'!{}", a.pos.a1())
            }
        }
    }

    /// What a referenced cell is, in words: "t2 of iteration 3", "the header", "an empty cell",
    /// "the number 0.2", "the text `w1`".
    pub(super) fn describe(&self, c: Cell, iteration: usize) -> String {
        match c {
            Cell::Table { col, offset, .. } => format!("{} of iteration {}", col.header(), iteration as i64 + offset),
            Cell::Param(p) => format!("the {} cell", p.name()),
            Cell::Outside(a) => {
                let sheet = &self.book.sheets[a.sheet as usize];
                if a.sheet == self.sheet_index && a.pos.row == self.table.header_row {
                    return "the header".into();
                }
                match sheet.value(a.pos) {
                    None => "an empty cell".into(),
                    Some(Data::String(s)) => format!("the text `{}`", s.chars().take(30).collect::<String>()),
                    Some(d) => format!("the value {}", expr::show(operand_value(Some(d)))),
                }
            }
        }
    }
}
