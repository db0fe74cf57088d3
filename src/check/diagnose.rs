//! Why a cell is wrong. A cell that holds a formula is judged by what was written: its tree
//! against the correct one, a known mistake when it is one, else the one operand that differs,
//! said in the student's terms. A typed value (a pasted table) has no formula to read: the
//! catalogue's variants are recomputed and the one that reproduces the number is named.

use serde::Serialize;

use super::grid::Grid;
use super::precision::{digits, round_to};
use super::verdict::{Key, SheetKey};
use super::written::{Cell, canonical, known, rows_away, single_swap};
use crate::model::columns::{Col, Columns};
use crate::model::expr::{CellError, Expr};
use crate::model::mistakes::Variant;
use crate::model::network::Param;
use crate::reader::Pos;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Mistakes of the catalogue (one, or two found together), or one of the keys read from the
    /// sheet itself (`typed-value`, `relative-eta`, `wrong-reference`, ...), or `unknown`.
    pub mistakes: Vec<Key>,
    pub explanation: String,
}

impl Diagnosis {
    pub fn new(key: SheetKey, explanation: String) -> Diagnosis {
        Diagnosis { mistakes: vec![Key::Sheet(key)], explanation }
    }

    /// The keys as the report prints them: `a_h1-for-a_h2`, `product-for-difference + t1-for-t2`.
    pub fn keys(&self) -> String {
        self.mistakes.iter().map(|k| k.key()).collect::<Vec<_>>().join(" + ")
    }

    fn of(v: &Variant) -> Diagnosis {
        Diagnosis {
            mistakes: v.mistakes.iter().map(|&m| Key::Mistake(m)).collect(),
            explanation: v.mistakes.iter().map(|m| m.what).collect::<Vec<_>>().join("; and "),
        }
    }
}

/// One wrong cell, as the checker found it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Wrong {
    pub col: Col,
    pub iteration: usize,
    pub found: f64,
    pub expected: f64,
}

/// The known mistake that best explains a column's wrong cells by value: the variant that
/// reproduces most of them, preferring one whose every column is wrong in this table, then a
/// single mistake over a pair, then the mistake that explains more columns at once.
pub(super) fn best_by_value<'v>(
    grid: &Grid,
    wrong: &[Wrong],
    wrong_set: &[Col],
    variants: &'v [Variant],
    rel_tol: f64,
) -> Option<&'v Variant> {
    let first = wrong.first()?;
    variants
        .iter()
        .filter(|v| grid.agrees(&v.expr, first.col, first.iteration, first.found, rel_tol))
        .map(|v| {
            let explained = wrong.iter().filter(|w| grid.agrees(&v.expr, w.col, w.iteration, w.found, rel_tol)).count();
            (v, (explained, rank(grid.table.columns, v, wrong_set)))
        })
        .max_by_key(|(_, key)| *key)
        .map(|(v, _)| v)
}

/// Among variants that explain a cell equally well: one whose every column is wrong in this
/// table, then a single mistake over a pair, then the mistake that explains more columns.
fn rank(columns: &'static Columns, v: &Variant, wrong_set: &[Col]) -> (bool, usize, usize) {
    let within = v.mistakes.iter().all(|m| m.cols(columns).iter().all(|c| wrong_set.contains(c)));
    let breadth: usize = v.mistakes.iter().map(|m| m.cols(columns).len()).sum();
    (within, usize::MAX - v.mistakes.len(), breadth)
}

/// Why one cell is wrong. `column_best` is the variant that explains the column by value;
/// `wrong_set`, the columns wrong anywhere in the table.
pub(super) fn diagnose(
    grid: &Grid,
    w: Wrong,
    column_best: Option<&Variant>,
    wrong_set: &[Col],
    rel_tol: f64,
) -> Diagnosis {
    let columns = grid.table.columns;
    let variants = &known(columns, w.col).variants;
    if let Some(written) = grid.written(w.col, w.iteration) {
        let tree = match written {
            Err(e) => {
                return Diagnosis::new(
                    SheetKey::UnreadableFormula,
                    format!("the formula cannot be read here ({}); compare it with the correct one", e.what),
                );
            }
            Ok(tree) => tree,
        };
        if let Some(d) = from_formula(grid, w, &tree, wrong_set) {
            return d;
        }
    }
    let agrees = |v: &&Variant| grid.agrees(&v.expr, w.col, w.iteration, w.found, rel_tol);
    let best = || variants.iter().filter(agrees).max_by_key(|v| rank(columns, v, wrong_set));
    if let Some(v) = column_best.filter(agrees).or_else(best) {
        let d = Diagnosis::of(v);
        if !grid.typed_over(w.col, w.iteration) {
            return d;
        }
        // Typed over the formula: that comes first, the mistake its number repeats beside it.
        let mut mistakes = vec![Key::Sheet(SheetKey::TypedValue)];
        mistakes.extend(d.mistakes);
        let explanation = format!(
            "{} is typed over the formula, not computed; it is the value with this mistake: {}",
            w.found, d.explanation
        );
        return Diagnosis { mistakes, explanation };
    }
    if !grid.has_formula(w.col, w.iteration) {
        // A number typed where a formula's result belongs: say what it should have rounded to.
        let n = digits(w.found).0.min(15);
        return Diagnosis::new(
            SheetKey::TypedValue,
            format!(
                "{} is typed, not computed; to the same {n} significant digits the value is {}",
                w.found,
                round_to(w.expected, n)
            ),
        );
    }
    Diagnosis::new(
        SheetKey::Unknown,
        format!("no known mistake reproduces {}: compare the formula with the correct one", w.col.header()),
    )
}

/// A diagnosis read from the written tree: an error written into it, a known mistake written
/// out, or one operand swapped for another.
fn from_formula(grid: &Grid, w: Wrong, tree: &Expr<Cell>, wrong_set: &[Col]) -> Option<Diagnosis> {
    if tree.has_error_literal() {
        let mut errors = Vec::new();
        errors_in(tree, &mut errors);
        return Some(match errors.first() {
            Some(CellError::Ref) | None => Diagnosis::new(
                SheetKey::DeletedReference,
                "the formula reads #REF!: a row or column it used was deleted. Fill the formula down again from the row above".into(),
            ),
            Some(e) => Diagnosis::new(SheetKey::ErrorInFormula, format!("the formula holds the error {}", e.text())),
        });
    }
    let written = canonical(tree);
    let columns = grid.table.columns;
    let own = known(columns, w.col);
    let same = own.variants.iter().zip(&own.canonical).filter(|(_, c)| **c == written);
    if let Some((v, _)) = same.max_by_key(|(v, _)| rank(columns, v, wrong_set)) {
        return Some(Diagnosis::of(v));
    }
    if let Some((was, belongs)) = single_swap(tree, &own.correct) {
        return Some(swap(grid, w.iteration, &was, &belongs));
    }
    let other =
        columns.all().iter().copied().find(|&c| c != w.col && known(columns, c).correct_canonical == written)?;
    Some(Diagnosis::new(
        SheetKey::OtherColumnFormula,
        format!("{}'s formula where {}'s belongs: copied from the wrong column", other.header(), w.col.header()),
    ))
}

fn errors_in(e: &Expr<Cell>, out: &mut Vec<CellError>) {
    match e {
        Expr::Err(e) => out.push(*e),
        Expr::Num(_) | Expr::Ref(_) => {}
        Expr::Neg(x) => errors_in(x, out),
        Expr::Call(_, args) => args.iter().for_each(|a| errors_in(a, out)),
        Expr::Bin(_, a, b) => {
            errors_in(a, out);
            errors_in(b, out);
        }
    }
}

/// One operand written where another belongs, in the student's terms.
fn swap(grid: &Grid, iteration: usize, was: &Expr<Cell>, belongs: &Expr<Cell>) -> Diagnosis {
    let eta = grid.eta.cell.map_or("η".to_string(), |p| p.a1());
    let name = |e: &Expr<Cell>| match e {
        Expr::Ref(c @ Cell::Outside(_)) => {
            format!("{} ({})", grid.address(*c, iteration), grid.describe(*c, iteration))
        }
        Expr::Ref(Cell::Table { col, offset: 0, .. }) => col.header().to_string(),
        Expr::Ref(Cell::Table { col, offset, .. }) => format!("{} of {}", col.header(), rows_away(*offset)),
        Expr::Ref(Cell::Param(Param::Eta)) => format!("the η cell {eta}"),
        Expr::Ref(c @ Cell::Param(p)) => format!("the {} cell {}", p.name(), grid.address(*c, iteration)),
        other => format!("the number {}", other.print(&|_, _: &mut String| {})),
    };
    match (was, belongs) {
        (Expr::Ref(c), Expr::Ref(Cell::Param(Param::Eta))) if c.slides() => {
            let fixed = grid.eta.cell.map_or(String::new(), Pos::a1_absolute);
            Diagnosis::new(
                SheetKey::RelativeEta,
                format!(
                    "η written as {eta} without `$`: here it reads {}, {}; filled down, the reference slid off the η cell. Write it as {fixed}",
                    grid.address(*c, iteration),
                    grid.describe(*c, iteration)
                ),
            )
        }
        (Expr::Num(_), Expr::Ref(Cell::Param(Param::Eta))) => Diagnosis::new(
            SheetKey::NumberForEta,
            format!("{} typed where the η cell {eta} belongs: the sheet no longer follows η", name(was)),
        ),
        (Expr::Num(_), _) => {
            Diagnosis::new(SheetKey::NumberForReference, format!("{} typed where {} belongs", name(was), name(belongs)))
        }
        (Expr::Ref(c @ Cell::Table { col: a, offset: o, .. }), Expr::Ref(Cell::Table { col: b, offset: p, .. }))
            if a == b =>
        {
            Diagnosis::new(
                SheetKey::WrongRow,
                format!(
                    "reads {} of {} ({}) where {}'s belongs",
                    a.header(),
                    rows_away(*o),
                    grid.address(*c, iteration),
                    rows_away(*p)
                ),
            )
        }
        _ => Diagnosis::new(SheetKey::WrongReference, format!("{} where {} belongs", name(was), name(belongs))),
    }
}
