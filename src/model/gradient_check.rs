//! The spreadsheet proves its own derivatives: beside each hand-derived ∂E/∂w, the central finite
//! difference (E(w+ε) − E(w−ε)) / 2ε of the same row, as a live formula.
//!
//! Nothing here is written by hand. E_total as a function of a row's typed cells is the forward
//! pass inlined from the column definitions; the perturbed passes are that tree with w replaced
//! by w+ε and w−ε. The finite differences always follow the correct forward pass, whatever
//! mistake the derived gradients carry, so a wrong derivation shows.

use crate::model::cache::PerNetwork;
use crate::model::columns::{Col, Columns, Ref};
use crate::model::expr::{CellError, Expr, Func, Op};

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

/// The columns the check adds to one network's sheet: one finite difference per trained
/// parameter (weights, and biases when trained), then the largest relative difference.
#[derive(Debug)]
pub struct GradientCheck {
    /// The gradient each finite difference stands beside.
    gradients: Vec<Col>,
    formulas: Vec<Expr<Leaf>>,
}

/// `col` as a function of the row's typed cells (targets, inputs, weights, biases): its
/// definition with every computed cell it reads replaced by that cell's own definition, down to
/// the typed ones.
fn inlined(columns: &'static Columns, col: Col) -> Expr<Leaf> {
    columns.definition(col).map_leaves(&|r| match r {
        Ref::Cur(c) if columns.is_input(c) => Expr::Ref(Leaf::Col(c)),
        Ref::Cur(c) => inlined(columns, c),
        // The forward pass reads its own row only; a test holds that nothing else appears.
        Ref::Prev(_) | Ref::Param(_) => Expr::Err(CellError::Ref),
    })
}

impl GradientCheck {
    /// The check of a network's sheet, built once.
    pub fn of(columns: &'static Columns) -> &'static GradientCheck {
        static BUILT: PerNetwork<GradientCheck> = PerNetwork::new();
        BUILT.get(columns.network, || GradientCheck::build(columns))
    }

    fn build(columns: &'static Columns) -> GradientCheck {
        let e_total = inlined(columns, Col::ETotal);
        let leaf = |l| Box::new(Expr::Ref(l));
        let (params, gradients): (Vec<Col>, Vec<Col>) = columns.trained().unzip();
        let mut formulas: Vec<Expr<Leaf>> = params
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
        let relative = gradients.iter().enumerate().map(|(k, &g)| {
            let (derived, fd) = (Expr::Ref(Leaf::Col(g)), Expr::Ref(Leaf::Fd(k)));
            let abs = |e: Expr<Leaf>| Expr::Call(Func::Abs, vec![e]);
            let gap = abs(Expr::Bin(Op::Sub, Box::new(derived.clone()), Box::new(fd.clone())));
            let scale = Expr::Call(Func::Max, vec![abs(derived), abs(fd)]);
            Expr::Bin(Op::Div, Box::new(gap), Box::new(scale))
        });
        formulas.push(Expr::Call(Func::Max, relative.collect()));
        GradientCheck { gradients, formulas }
    }

    /// How many columns the check adds.
    pub fn width(&self) -> usize {
        self.formulas.len()
    }

    /// The index of the largest relative difference, the last column.
    pub fn max_column(&self) -> usize {
        self.gradients.len()
    }

    pub fn header(&self, k: usize) -> String {
        match self.gradients.get(k) {
            Some(g) => format!("{} (FD)", g.header()),
            None => "FD max rel diff".into(),
        }
    }

    pub fn formulas(&self) -> &[Expr<Leaf>] {
        &self.formulas
    }

    /// The added columns' values for a row whose cells `value` gives, with step `eps`: what a
    /// spreadsheet computes for [`GradientCheck::formulas`].
    pub fn values(&self, value: &impl Fn(Col) -> f64, eps: f64) -> Vec<f64> {
        let mut out = vec![0.0; self.formulas.len()];
        for (k, f) in self.formulas.iter().enumerate() {
            out[k] = f.eval(&|l| match l {
                Leaf::Col(c) => value(c),
                Leaf::Eps => eps,
                Leaf::Fd(j) => out[j],
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engine::{Inputs, rows};
    use crate::model::network::{Activation, Bias, Loss, Maths, Network, Optimizer, Real};

    fn class() -> &'static Columns {
        Columns::class()
    }

    fn defaults() -> Inputs {
        Inputs::defaults(class())
    }

    #[test]
    fn the_forward_pass_reads_only_its_own_rows_typed_cells() {
        let check = GradientCheck::of(class());
        for f in &check.formulas()[..check.max_column()] {
            assert!(!f.has_error_literal());
            let mut leaves = Vec::new();
            f.leaves(&mut leaves);
            assert!(leaves.iter().all(|l| matches!(l, Leaf::Eps) || matches!(l, Leaf::Col(c) if class().is_input(*c))));
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
                for row in rows(&defaults(), eta, 100, class().formulas()) {
                    worst = worst.max(GradientCheck::of(class()).values(&|c| row.get(c), eps)[8]);
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
        let check = GradientCheck::of(class());
        for row in rows(&defaults(), 0.5, 50, class().formulas()) {
            let v = check.values(&|c| row.get(c), DEFAULT_EPSILON);
            assert!(v[check.max_column()] < HOLDS_BELOW, "{v:?}");
        }
        let wrong = crate::model::mistakes::Mistake::by_key("a_h1-for-a_h2").unwrap().formulas(class());
        for row in rows(&defaults(), 0.5, 50, &wrong) {
            let v = check.values(&|c| row.get(c), DEFAULT_EPSILON);
            assert!(v[check.max_column()] > 1e-4, "{v:?}");
        }
    }

    /// The hidden activations, and the output activations with the losses they go with: the
    /// README's matrix of what makes sense.
    fn matrix() -> Vec<(Activation, Activation, Loss)> {
        let leaky = Activation::LeakyRelu(Real::new(0.1));
        let hidden = [Activation::Sigmoid, Activation::Tanh, Activation::Relu, leaky, Activation::Linear];
        let outputs = [
            (Activation::Sigmoid, Loss::Squared),
            (Activation::Tanh, Loss::Squared),
            (Activation::Relu, Loss::Squared),
            (leaky, Loss::Squared),
            (Activation::Linear, Loss::Squared),
            (Activation::Sigmoid, Loss::CrossEntropy),
            (Activation::Softmax, Loss::CrossEntropy),
        ];
        hidden.iter().flat_map(|&h| outputs.iter().map(move |&(o, l)| (h, o, l))).collect()
    }

    /// Every activation and loss that make sense, at 2-2-2 and 2-3-2, under one optimizer:
    /// each derived gradient agrees with its finite difference (see below), the largest
    /// difference at most 1.3e-7 (measured: 1.24e-7, the figure the README quotes).
    fn every_combination_agrees(name: &str) {
        let optimizer = Optimizer::named(name).unwrap();
        let mut worst: f64 = 0.0;
        for (i, h, o) in [(2, 2, 2), (2, 3, 2)] {
            for (activation, output_activation, loss) in matrix() {
                let maths = Maths { activation, output_activation, loss, optimizer };
                // A softmax ignores the shared output bias: generate trains none with it.
                let bias = if output_activation == Activation::Softmax { Bias::Fixed } else { Bias::Trained };
                let network = Network::shape(i, h, o).with_bias(bias).with_maths(maths);
                worst = worst.max(agrees_with_finite_differences(network));
            }
        }
        assert!(worst <= 1.3e-7, "{name}: {worst:e}");
    }

    #[test]
    fn every_combination_under_gradient_descent_agrees_with_its_finite_differences() {
        every_combination_agrees("gd");
    }

    #[test]
    fn every_combination_under_momentum_agrees_with_its_finite_differences() {
        every_combination_agrees("momentum");
        every_combination_agrees("nesterov");
    }

    #[test]
    fn every_combination_under_adagrad_and_rmsprop_agrees_with_its_finite_differences() {
        every_combination_agrees("adagrad");
        every_combination_agrees("rmsprop");
    }

    #[test]
    fn every_combination_under_adam_agrees_with_its_finite_differences() {
        every_combination_agrees("adam");
    }

    /// Over 100 iterations at η = 0.1, every derived gradient of `network` agrees with its
    /// central finite difference to 1e-6 relative to the largest gradient the run has had up to
    /// that row: the normwise relative difference |∇E − FD|∞ / max over rows so far of |∇E|∞.
    /// The finite difference's own error is absolute, the truncation ε²·∂³E/∂w³/6 and the
    /// rounding of E over 2ε, and does not shrink as training shrinks the gradients: relative to
    /// each gradient, or to the row's, it grows without bound as the run converges (measured:
    /// 0.13 for tanh hidden units and softmax outputs under RMSprop, whose gradients reach 1e-9),
    /// though the derivation is the same. The run's own scale is the slope it has followed.
    /// Rows where a ReLU or leaky ReLU unit's sum is within 1e-3 of 0 are left out (at most 5
    /// of the 100 in any combination): a difference that straddles the kink measures neither
    /// slope. Returns the largest difference.
    fn agrees_with_finite_differences(network: Network) -> f64 {
        let columns = Columns::of(network);
        let maths = network.maths;
        let check = GradientCheck::of(columns);
        let gradients: Vec<Col> = columns.trained().map(|(_, g)| g).collect();
        let (mut scale, mut worst): (f64, f64) = (0.0, 0.0);
        let mut skipped = 0;
        for row in rows(&Inputs::defaults(columns), 0.1, 100, columns.formulas()) {
            scale = gradients.iter().map(|&g| row.get(g).abs()).fold(scale, f64::max);
            let kinked = |a: Activation| matches!(a, Activation::Relu | Activation::LeakyRelu(_));
            let kink = columns.all().iter().any(|&c| match c {
                Col::H(_) => kinked(maths.activation) && row.get(c).abs() < 1e-3,
                Col::O(_) => kinked(maths.output_activation) && row.get(c).abs() < 1e-3,
                _ => false,
            });
            if kink {
                skipped += 1;
                continue;
            }
            let fd = check.values(&|c| row.get(c), DEFAULT_EPSILON);
            for (k, &g) in gradients.iter().enumerate() {
                let gap = (row.get(g) - fd[k]).abs() / scale;
                assert!(
                    gap <= 1e-6,
                    "{} {maths} {g:?}: {:e} {:e}, the run's largest {scale:e}",
                    columns.network,
                    row.get(g),
                    fd[k]
                );
                worst = worst.max(gap);
            }
        }
        assert!(skipped <= 5, "{} {maths}: {skipped} rows at ReLU's kink", columns.network);
        worst
    }

    #[test]
    fn every_network_gets_a_finite_difference_per_trained_parameter() {
        let trained = Columns::of(Network::shape(3, 2, 1).with_bias(Bias::Trained));
        let check = GradientCheck::of(trained);
        assert_eq!(check.width(), 8 + 2 + 1);
        assert_eq!(check.header(9), "∂E/∂b2 (FD)");
        let fixed = Columns::of(Network::default().with_bias(Bias::Fixed));
        assert_eq!(GradientCheck::of(fixed).width(), 9, "fixed biases have no gradient to check");
    }
}
