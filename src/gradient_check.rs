//! The spreadsheet proves its own derivatives: beside each hand-derived ∂E/∂w, the central finite
//! difference (E(w+ε) − E(w−ε)) / 2ε of the same row, as a live formula.
//!
//! Nothing here is written by hand. E_total as a function of a row's typed cells is the forward
//! pass inlined from the column definitions; the perturbed passes are that tree with w replaced
//! by w+ε and w−ε. The finite differences always follow the correct forward pass, whatever
//! mistake the derived gradients carry, so a wrong derivation shows.

use std::sync::OnceLock;

use crate::columns::{Col, Formulas, GRADIENTS, Ref, WEIGHTS};
use crate::expr::{CellError, Expr, Func, Op};

/// What a finite-difference formula reads: a cell of its own row, the ε cell, or (for the
/// largest relative difference) the row's k-th finite difference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leaf {
    Col(Col),
    Eps,
    Fd(usize),
}

/// The step: small enough that the central difference's truncation error (of order ε²) is far
/// below 1e-6, large enough that rounding in E (of order 1e-17/ε) stays below it too. Measured
/// on the default run, see the README.
pub const DEFAULT_EPSILON: f64 = 1e-4;

/// A derivation holds when every row's largest relative difference is below this.
pub const HOLDS_BELOW: f64 = 1e-5;

/// The columns this check adds: one finite difference per weight, then the largest relative
/// difference of the row.
pub const COLUMNS: usize = WEIGHTS.len() + 1;

pub fn header(k: usize) -> String {
    match GRADIENTS.get(k) {
        Some(g) => format!("{} (FD)", g.header()),
        None => "FD max rel diff".into(),
    }
}

/// `col` as a function of the row's typed cells (targets, inputs, weights): its definition with
/// every computed cell it reads replaced by that cell's own definition, down to the typed ones.
fn inlined(formulas: &Formulas, col: Col) -> Expr<Leaf> {
    formulas.get(col).map_leaves(&|r| match r {
        Ref::Cur(c) if c.is_input() => Expr::Ref(Leaf::Col(c)),
        Ref::Cur(c) => inlined(formulas, c),
        // The forward pass reads its own row only; a test holds that nothing else appears.
        Ref::Prev(_) | Ref::Eta => Expr::Err(CellError::Ref),
    })
}

/// The formulas of the added columns, built once: the finite difference for each weight, then
/// the largest relative difference.
pub fn formulas() -> &'static [Expr<Leaf>] {
    static BUILT: OnceLock<Vec<Expr<Leaf>>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let e_total = inlined(Formulas::correct(), Col::ETotal);
        let leaf = |l| Box::new(Expr::Ref(l));
        let mut columns: Vec<Expr<Leaf>> = WEIGHTS
            .iter()
            .map(|&w| {
                let moved = |op| {
                    e_total.map_leaves(&|l| match l {
                        Leaf::Col(c) if c == w => Expr::Bin(op, leaf(l), leaf(Leaf::Eps)),
                        other => Expr::Ref(other),
                    })
                };
                let difference = Expr::Bin(Op::Sub, Box::new(moved(Op::Add)), Box::new(moved(Op::Sub)));
                let step = Expr::Bin(Op::Mul, Box::new(Expr::Num(2.0)), leaf(Leaf::Eps));
                Expr::Bin(Op::Div, Box::new(difference), Box::new(step))
            })
            .collect();
        let relative = GRADIENTS.iter().enumerate().map(|(k, &g)| {
            let (derived, fd) = (Expr::Ref(Leaf::Col(g)), Expr::Ref(Leaf::Fd(k)));
            let abs = |e: Expr<Leaf>| Expr::Call(Func::Abs, vec![e]);
            let gap = abs(Expr::Bin(Op::Sub, Box::new(derived.clone()), Box::new(fd.clone())));
            let scale = Expr::Call(Func::Max, vec![abs(derived), abs(fd)]);
            Expr::Bin(Op::Div, Box::new(gap), Box::new(scale))
        });
        columns.push(Expr::Call(Func::Max, relative.collect()));
        columns
    })
}

/// The added columns' values for a row whose cells `value` gives, with step `eps`: what a
/// spreadsheet computes for [`formulas`].
pub fn values(value: &impl Fn(Col) -> f64, eps: f64) -> [f64; COLUMNS] {
    let mut out = [0.0; COLUMNS];
    for (k, f) in formulas().iter().enumerate() {
        out[k] = f.eval(&|l| match l {
            Leaf::Col(c) => value(c),
            Leaf::Eps => eps,
            Leaf::Fd(j) => out[j],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Inputs, rows};

    fn defaults() -> Inputs {
        Inputs([0.01, 0.99, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55])
    }

    #[test]
    fn the_forward_pass_reads_only_its_own_rows_typed_cells() {
        for f in &formulas()[..WEIGHTS.len()] {
            assert!(!f.has_error_literal());
            let mut leaves = Vec::new();
            f.leaves(&mut leaves);
            assert!(leaves.iter().all(|l| matches!(l, Leaf::Eps) || matches!(l, Leaf::Col(c) if c.is_input())));
        }
    }

    /// The step the README justifies: on the default run, 1e-4 keeps the largest relative
    /// difference near 2e-7; a smaller step lets rounding in E grow it (1e-6: above 1e-5), a
    /// larger one the truncation of the central difference (1e-2: above 1e-5).
    #[test]
    fn the_default_step_is_where_truncation_and_rounding_are_both_small() {
        let worst = |eps: f64| {
            let mut worst: f64 = 0.0;
            for eta in [0.1, 0.2, 0.5, 0.8, 1.0, 2.0] {
                for row in rows(&defaults(), eta, 100, Formulas::correct()) {
                    worst = worst.max(values(&|c| row.get(c), eps)[WEIGHTS.len()]);
                }
            }
            worst
        };
        // The figures the README quotes: 2.3e-7, 2.8e-6, 2.6e-5 and 1.4e-5.
        for (eps, low, high) in
            [(DEFAULT_EPSILON, 2.2e-7, 2.4e-7), (1e-5, 2.7e-6, 2.9e-6), (1e-6, 2.5e-5, 2.7e-5), (1e-2, 1.3e-5, 1.5e-5)]
        {
            let w = worst(eps);
            assert!(w > low && w < high, "ε = {eps:e}: {w:e}");
        }
    }

    #[test]
    fn finite_differences_confirm_the_derivation_and_refute_a_wrong_one() {
        for row in rows(&defaults(), 0.5, 50, Formulas::correct()) {
            let v = values(&|c| row.get(c), DEFAULT_EPSILON);
            assert!(v[WEIGHTS.len()] < HOLDS_BELOW, "{v:?}");
        }
        let wrong = crate::mistakes::Mistake::by_key("a_h1-for-a_h2").unwrap().formulas();
        for row in rows(&defaults(), 0.5, 50, &wrong) {
            let v = values(&|c| row.get(c), DEFAULT_EPSILON);
            assert!(v[WEIGHTS.len()] > 1e-4, "{v:?}");
        }
    }
}
