//! The known mistakes: each one the worksheet's definition of some columns with one thing
//! swapped. `check` recomputes a wrong cell under each and names the one that reproduces it.
//! Adding a mistake is adding one entry to [`CATALOGUE`].

use crate::model::cache::PerNetwork;
use crate::model::columns::{self, Col, Columns, Formulas, Ref};
use crate::model::expr::{Expr, Op};
use crate::model::network::{Activation, Optimizer, Param};

use Col::*;

/// How a mistake changes a column's definition.
#[derive(Debug)]
pub enum Edit {
    /// Every subtree written as the first text becomes the second (texts in column names, made
    /// for the network and the column).
    Swap(fn(&Columns, Col) -> Vec<(String, String)>),
    /// `((A+B)*x*y*z` loses its outer parentheses: `A+B*x*y*z`.
    DropOuterParentheses,
    /// The whole column negated.
    Negate,
    /// `prev(w)-η*g` becomes `prev(w)+η*g`.
    AddInsteadOfSubtract,
    /// The column copies the previous row's value.
    Repeat,
    /// The whole column is this formula.
    Formula(&'static str),
    /// A hidden-layer parameter's update computes its gradient from the previous row, except
    /// for the output layer's weights, which it takes already updated from this row.
    UpdatedOutputWeights,
}

/// A slip a student makes, in terms of roles (an output's own delta, the hidden unit's own
/// activation, the weight's own gradient), so that it means the same in every network. The
/// course text's typos are about the names w6 and w8 themselves, and apply where those exist.
#[derive(Debug)]
pub struct Mistake {
    /// A short name, stable for scripts (`--json`); named for the class's 2-2-2 sheet.
    pub key: &'static str,
    /// What the student did, in a sentence.
    pub what: &'static str,
    /// The columns the mistake may touch in a network's sheet.
    candidates: fn(&Columns) -> Vec<Col>,
    edit: Edit,
}

/// The gradients of the weights into hidden units, by the unit they reach.
fn hidden_weight_gradients(c: &Columns, unit: Option<u8>) -> Vec<Col> {
    let n = c.network;
    (1..=n.weights()).filter(|&w| n.link(w).layer == 1 && unit.is_none_or(|u| n.link(w).to == u)).map(Dw).collect()
}

fn gradients(c: &Columns) -> Vec<Col> {
    c.trained().map(|(_, g)| g).collect()
}

fn trained(c: &Columns) -> Vec<Col> {
    c.trained().map(|(p, _)| p).collect()
}

/// The named columns, where the network has all of `needs`.
fn named(c: &Columns, cols: &[Col], needs: &[Col]) -> Vec<Col> {
    if needs.iter().all(|&n| c.contains(n)) { cols.to_vec() } else { Vec::new() }
}

/// The columns, where the network is trained by plain gradient descent: the mistakes written
/// as its update `prev(w)-η*prev(g)` mean nothing under another optimizer's.
fn under_gd(c: &Columns, cols: Vec<Col>) -> Vec<Col> {
    if c.network.maths.optimizer == Optimizer::Gd { cols } else { Vec::new() }
}

/// The state columns (m, v) of a trained column.
fn state_of(col: Col) -> Option<(Col, Col)> {
    match col {
        W(n) => Some((MW(n), VW(n))),
        B(n) => Some((MB(n), VB(n))),
        _ => None,
    }
}

/// tanh's slope `(1-a^2)` of each tanh layer's units, and sigmoid's `a*(1-a)` written for it.
fn tanh_slopes(c: &Columns) -> Vec<(String, String)> {
    let n = c.network;
    let layer = |activation: Activation, units: u8, a: &'static str| {
        let units = if activation == Activation::Tanh { units } else { 0 };
        (1..=units).map(move |k| (format!("(1-{a}{k}^2)"), format!("{a}{k}*(1-{a}{k})")))
    };
    layer(n.maths.activation, n.hidden, "a_h").chain(layer(n.maths.output_activation, n.outputs, "a_o")).collect()
}

pub const CATALOGUE: &[Mistake] = &[
    Mistake {
        key: "a_h1-for-a_h2",
        what: "the gradients of the weights into h2 (∂E/∂w3 and ∂E/∂w4 in 2-2-2) use a_h1*(1-a_h1) where a_h2*(1-a_h2) belongs (the course reference sheet's mistake)",
        candidates: |c| hidden_weight_gradients(c, Some(2)),
        edit: Edit::Swap(|_, _| vec![("a_h2".into(), "a_h1".into())]),
    },
    Mistake {
        key: "missing-parentheses",
        what: "the hidden layer's weight gradients lack their outer parentheses, so only the last output's term is multiplied by a_h*(1-a_h)*i",
        candidates: |c| hidden_weight_gradients(c, None),
        edit: Edit::DropOuterParentheses,
    },
    Mistake {
        key: "product-for-difference",
        what: "(a_o1*t1) where the difference (a_o1-t1) belongs, and so for every output",
        candidates: gradients,
        edit: Edit::Swap(|c, _| {
            (1..=c.network.outputs).map(|k| (format!("a_o{k}-t{k}"), format!("a_o{k}*t{k}"))).collect()
        }),
    },
    Mistake {
        key: "t1-for-t2",
        what: "t1 where t2 belongs",
        candidates: |c| {
            let mut cols = named(c, &[E(2)], &[T(2)]);
            if !cols.is_empty() {
                cols.extend(gradients(c));
            }
            cols
        },
        edit: Edit::Swap(|_, _| vec![("t2".into(), "t1".into())]),
    },
    Mistake {
        key: "w6-not-updated",
        what: "w6 is never updated",
        candidates: |c| named(c, &[W(6)], &[W(6)]),
        edit: Edit::Repeat,
    },
    Mistake {
        key: "w6-from-dw8",
        what: "w6 is updated with ∂E/∂w8 (the course text's typo)",
        candidates: |c| under_gd(c, named(c, &[W(6)], &[W(8)])),
        edit: Edit::Formula("prev(w6)-η*prev(dw8)"),
    },
    Mistake {
        key: "w8-from-w6",
        what: "w8 is computed as w6-η*∂E/∂w6, copying the course text's typo `w8 = w6 - η*∂E/∂w6`",
        candidates: |c| under_gd(c, named(c, &[W(8)], &[W(8)])),
        edit: Edit::Formula("prev(w6)-η*prev(dw6)"),
    },
    Mistake {
        key: "updated-output-weights",
        what: "the hidden layer's weights are updated with gradients that use the already-updated output weights (how Mazur's published figures were computed)",
        candidates: |c| {
            let hidden_layer = |p: &Col| matches!(*p, W(n) if c.network.link(n).layer == 1) || *p == B(1);
            under_gd(c, trained(c).into_iter().filter(hidden_layer).collect())
        },
        edit: Edit::UpdatedOutputWeights,
    },
    Mistake {
        key: "error-without-half",
        what: "the output errors E1, E2, ... lack the factor 0.5",
        candidates: |c| (1..=c.network.outputs).map(E).collect(),
        edit: Edit::Swap(|_, col| {
            let E(k) = col else { return Vec::new() };
            vec![(format!("0.5*(t{k}-a_o{k})^2"), format!("(t{k}-a_o{k})^2"))]
        }),
    },
    Mistake {
        key: "gradient-sign",
        what: "the gradient has the wrong sign",
        candidates: gradients,
        edit: Edit::Negate,
    },
    Mistake {
        key: "update-sign",
        what: "the update adds η*∂E/∂w instead of subtracting it",
        candidates: trained,
        edit: Edit::AddInsteadOfSubtract,
    },
    Mistake {
        key: "row-repeated",
        what: "the row repeats the previous one unchanged: no weight is updated",
        candidates: trained,
        edit: Edit::Repeat,
    },
    Mistake {
        key: "tanh-slope-as-sigmoid",
        what: "tanh's slope is written as sigmoid's: a*(1-a) where 1-a^2 belongs, in the gradients through a tanh layer",
        candidates: gradients,
        edit: Edit::Swap(|c, _| tanh_slopes(c)),
    },
    Mistake {
        key: "softmax-over-one-output",
        what: "the softmax's denominator exp_sum holds exp_o1 alone, missing the other outputs' exponentials (a softmax without the max shift is fine)",
        candidates: |c| named(c, &[ExpSum], &[ExpSum]),
        edit: Edit::Formula("exp_o1"),
    },
    Mistake {
        key: "adam-without-bias-correction",
        what: "Adam's update uses m and v directly, without the bias corrections m/(1-β1^t) and v/(1-β2^t)",
        candidates: |c| match c.network.maths.optimizer {
            Optimizer::Adam { .. } => trained(c),
            _ => Vec::new(),
        },
        edit: Edit::Swap(|_, col| {
            let Some((m, v)) = state_of(col) else { return Vec::new() };
            let (m, v) = (m.name(), v.name());
            vec![(format!("{m}/(1-β1_t)"), m), (format!("{v}/(1-β2_t)"), v)]
        }),
    },
    Mistake {
        key: "momentum-not-carried",
        what: "momentum's v is computed from the gradient alone (v = ∂E/∂w of the row above), not carried from the row above (μ*v + ∂E/∂w)",
        candidates: |c| match c.network.maths.optimizer {
            Optimizer::Momentum { .. } => c.all().iter().copied().filter(|col| matches!(col, VW(_) | VB(_))).collect(),
            _ => Vec::new(),
        },
        edit: Edit::Swap(|c, col| {
            let Some((_, g)) = c.trained().find(|(p, _)| state_of(*p).is_some_and(|(_, v)| v == col)) else {
                return Vec::new();
            };
            vec![(c.text(col).to_string(), format!("prev({})", g.name()))]
        }),
    },
];

fn parse(columns: &Columns, text: &str) -> Expr<Ref> {
    columns::parse(columns, text).unwrap_or_else(|e| panic!("the mistake catalogue is malformed: {e}"))
}

impl Mistake {
    /// This mistake's version of `expr`, the formula of `col` (the definition, or another
    /// mistake's version of it); None where the mistake does not touch `col`.
    pub fn apply(&self, columns: &'static Columns, col: Col, expr: &Expr<Ref>) -> Option<Expr<Ref>> {
        if !(self.candidates)(columns).contains(&col) {
            return None;
        }
        Some(match &self.edit {
            Edit::Swap(pairs) => pairs(columns, col)
                .iter()
                .fold(expr.clone(), |e, (from, to)| e.replace(&parse(columns, from), &parse(columns, to))),
            Edit::DropOuterParentheses => drop_outer_parentheses(expr)?,
            Edit::Negate => Expr::Neg(Box::new(expr.clone())),
            Edit::AddInsteadOfSubtract => match expr {
                Expr::Bin(Op::Sub, a, b) => Expr::Bin(Op::Add, a.clone(), b.clone()),
                _ => return None,
            },
            Edit::Repeat => Expr::Ref(Ref::Prev(col)),
            Edit::Formula(text) => parse(columns, text),
            Edit::UpdatedOutputWeights => {
                let gradient = columns.trained().find(|(p, _)| *p == col)?.1;
                let output_weight = |c: Col| matches!(c, W(n) if columns.network.link(n).layer == 2);
                let from_previous_row = columns.definition(gradient).map_leaves(&|r| match r {
                    Ref::Cur(c) if output_weight(c) => Expr::Ref(Ref::Cur(c)),
                    Ref::Cur(c) => Expr::Ref(Ref::Prev(c)),
                    other => Expr::Ref(other),
                });
                let step = Expr::Bin(Op::Mul, Box::new(Expr::Ref(Ref::Param(Param::Eta))), Box::new(from_previous_row));
                Expr::Bin(Op::Sub, Box::new(Expr::Ref(Ref::Prev(col))), Box::new(step))
            }
        })
    }

    /// The columns this mistake changes in a network's sheet; none where it does not apply
    /// (`t1-for-t2` with one output, `missing-parentheses` with one output, ...). Worked out
    /// once per network: `check` ranks its diagnoses by them.
    pub fn cols(&self, columns: &'static Columns) -> &'static [Col] {
        static TOUCHED: PerNetwork<Vec<Vec<Col>>> = PerNetwork::new();
        let touched = TOUCHED.get(columns.network, || {
            CATALOGUE
                .iter()
                .map(|m| {
                    (m.candidates)(columns)
                        .into_iter()
                        .filter(|&c| {
                            m.apply(columns, c, columns.definition(c)).is_some_and(|e| &e != columns.definition(c))
                        })
                        .collect()
                })
                .collect()
        });
        let k = CATALOGUE.iter().position(|m| m.key == self.key).expect("a mistake of the catalogue");
        &touched[k]
    }

    /// The worksheet with this mistake written into every column it touches.
    pub fn formulas(&self, columns: &'static Columns) -> Formulas {
        let exprs = columns
            .all()
            .iter()
            .map(|&c| self.apply(columns, c, columns.definition(c)).unwrap_or_else(|| columns.definition(c).clone()))
            .collect();
        Formulas::new(columns, exprs).expect("no mistake makes a row read itself in a circle")
    }

    pub fn by_key(key: &str) -> Option<&'static Mistake> {
        CATALOGUE.iter().find(|m| m.key == key)
    }
}

/// `(A+B)*x*y*z` becomes `A+B*x*y*z`: the sum at the bottom of a chain of products loses the
/// parentheses that made the whole sum the first factor.
fn drop_outer_parentheses(expr: &Expr<Ref>) -> Option<Expr<Ref>> {
    match expr {
        Expr::Bin(Op::Mul, left, right) => match left.as_ref() {
            Expr::Bin(Op::Add, a, b) => {
                Some(Expr::Bin(Op::Add, a.clone(), Box::new(Expr::Bin(Op::Mul, b.clone(), right.clone()))))
            }
            _ => {
                let inner = drop_outer_parentheses(left)?;
                let Expr::Bin(Op::Add, a, b) = inner else { return None };
                Some(Expr::Bin(Op::Add, a, Box::new(Expr::Bin(Op::Mul, b, right.clone()))))
            }
        },
        _ => None,
    }
}

/// One way a column can be wrong: a known mistake, or two of them together.
#[derive(Debug)]
pub struct Variant {
    pub mistakes: Vec<&'static Mistake>,
    pub expr: Expr<Ref>,
}

/// Every variant of `col`: each mistake that changes it, then each pair of mistakes that both
/// do and together give something neither gives alone.
pub fn variants(columns: &'static Columns, col: Col) -> Vec<Variant> {
    let base = columns.definition(col);
    let mut out: Vec<Variant> = Vec::new();
    for m in CATALOGUE {
        if let Some(expr) = m.apply(columns, col, base).filter(|e| e != base) {
            out.push(Variant { mistakes: vec![m], expr });
        }
    }
    let singles = out.len();
    for i in 0..singles {
        for j in i + 1..singles {
            let (a, b) = (out[i].mistakes[0], out[j].mistakes[0]);
            if let Some(expr) = b.apply(columns, col, &out[i].expr)
                && expr != out[i].expr
                && expr != out[j].expr
                && !out.iter().any(|v| v.expr == expr)
            {
                out.push(Variant { mistakes: vec![a, b], expr });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::network::{Bias, Loss, Maths, Network};

    fn show(e: &Expr<Ref>) -> String {
        e.print(&|r, out: &mut String| columns::write_name(r, out))
    }

    fn find(key: &str) -> &'static Mistake {
        CATALOGUE.iter().find(|m| m.key == key).unwrap()
    }

    fn class() -> &'static Columns {
        Columns::class()
    }

    fn network(i: u8, h: u8, o: u8, bias: Bias) -> &'static Columns {
        Columns::of(Network::shape(i, h, o).with_bias(bias))
    }

    fn cols(key: &str, columns: &'static Columns) -> String {
        find(key).cols(columns).iter().map(|c| c.name()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn in_the_class_sheet_each_mistake_touches_the_columns_it_always_did() {
        let touched: Vec<String> = CATALOGUE.iter().map(|m| format!("{}: {}", m.key, cols(m.key, class()))).collect();
        assert_eq!(
            touched,
            [
                "a_h1-for-a_h2: dw3 dw4",
                "missing-parentheses: dw1 dw2 dw3 dw4",
                "product-for-difference: dw1 dw2 dw3 dw4 dw5 dw6 dw7 dw8",
                "t1-for-t2: E2 dw1 dw2 dw3 dw4 dw7 dw8",
                "w6-not-updated: w6",
                "w6-from-dw8: w6",
                "w8-from-w6: w8",
                "updated-output-weights: w1 w2 w3 w4",
                "error-without-half: E1 E2",
                "gradient-sign: dw1 dw2 dw3 dw4 dw5 dw6 dw7 dw8",
                "update-sign: w1 w2 w3 w4 w5 w6 w7 w8",
                "row-repeated: w1 w2 w3 w4 w5 w6 w7 w8",
                "tanh-slope-as-sigmoid: ",
                "softmax-over-one-output: ",
                "adam-without-bias-correction: ",
                "momentum-not-carried: ",
            ]
        );
    }

    #[test]
    fn mistakes_follow_their_roles_in_other_networks() {
        let wide = network(3, 2, 1, Bias::Trained);
        assert_eq!(cols("a_h1-for-a_h2", wide), "dw4 dw5 dw6", "the weights into h2");
        assert_eq!(cols("missing-parentheses", wide), "", "one output: no sum to lose its parentheses");
        assert_eq!(cols("t1-for-t2", wide), "", "one output: no t2");
        assert_eq!(cols("updated-output-weights", wide), "w1 w2 w3 w4 w5 w6 b1");
        assert_eq!(cols("update-sign", wide), "w1 w2 w3 w4 w5 w6 w7 w8 b1 b2");
        assert_eq!(cols("product-for-difference", wide), "dw1 dw2 dw3 dw4 dw5 dw6 dw7 dw8 db1 db2");
        let fixed = network(2, 2, 2, Bias::Fixed);
        assert_eq!(cols("row-repeated", fixed), "w1 w2 w3 w4 w5 w6 w7 w8", "fixed biases are not updated");
        assert_eq!(cols("w6-from-dw8", network(1, 1, 1, Bias::None)), "", "no w6 or w8");
        let wrong = find("a_h1-for-a_h2").apply(wide, Dw(5), wide.definition(Dw(5))).unwrap();
        assert_eq!(show(&wrong), "(a_o1-t1)*a_o1*(1-a_o1)*w8*a_h1*(1-a_h1)*i2");
    }

    /// The class's maths, and one of each new activation, loss and optimizer.
    fn maths() -> Vec<Maths> {
        let optimizer = |name| Optimizer::named(name).unwrap();
        let mut all = vec![Maths::default()];
        for name in Optimizer::NAMES {
            all.push(Maths { activation: Activation::Tanh, optimizer: optimizer(name), ..Maths::default() });
        }
        all.push(Maths {
            output_activation: Activation::Softmax,
            loss: Loss::CrossEntropy,
            optimizer: optimizer("momentum"),
            ..Maths::default()
        });
        all.push(Maths { output_activation: Activation::Tanh, ..Maths::default() });
        all
    }

    #[test]
    fn every_mistake_applies_to_some_network_and_writes_a_valid_sheet() {
        for m in CATALOGUE {
            let mut applied = false;
            for (i, h, o) in [(2, 2, 2), (2, 3, 2), (3, 2, 1), (1, 1, 1)] {
                for bias in [Bias::None, Bias::Fixed, Bias::Trained] {
                    for maths in maths() {
                        let columns = Columns::of(Network::shape(i, h, o).with_bias(bias).with_maths(maths));
                        applied |= !m.cols(columns).is_empty();
                        m.formulas(columns);
                    }
                }
            }
            assert!(applied, "{}", m.key);
        }
    }

    /// The new choices' mistakes, each where it belongs and spelled as a student writes it.
    #[test]
    fn the_mistakes_of_tanh_softmax_adam_and_momentum() {
        let of = |maths: Maths| Columns::of(Network::default().with_bias(Bias::Trained).with_maths(maths));
        let wrong = |key: &str, columns: &'static Columns, col: Col| {
            show(&find(key).apply(columns, col, columns.definition(col)).unwrap())
        };
        let all = maths();
        let tanh = of(Maths { activation: Activation::Tanh, ..Maths::default() });
        assert_eq!(cols("tanh-slope-as-sigmoid", tanh), "dw1 dw2 dw3 dw4 db1", "the hidden layer's only");
        assert_eq!(
            wrong("tanh-slope-as-sigmoid", tanh, Dw(1)),
            "((a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7)*(a_h1*(1-a_h1))*i1",
            "in the slope's place, as a factor"
        );
        let tanh_out = of(all[all.len() - 1]);
        assert_eq!(cols("tanh-slope-as-sigmoid", tanh_out), "dw1 dw2 dw3 dw4 dw5 dw6 dw7 dw8 db1 db2");
        let softmax = of(all[all.len() - 2]);
        assert_eq!(cols("softmax-over-one-output", softmax), "exp_sum");
        assert_eq!(cols("momentum-not-carried", softmax), "v_w1 v_w2 v_w3 v_w4 v_w5 v_w6 v_w7 v_w8 v_b1 v_b2");
        assert_eq!(wrong("momentum-not-carried", softmax, VB(2)), "prev(∂E/∂b2)");
        let adam = of(Maths { optimizer: Optimizer::named("adam").unwrap(), ..Maths::default() });
        assert_eq!(cols("adam-without-bias-correction", adam), "w1 w2 w3 w4 w5 w6 w7 w8 b1 b2");
        assert_eq!(wrong("adam-without-bias-correction", adam, W(3)), "prev(w3)-η*m_w3/(SQRT(v_w3)+δ)");
        for key in ["softmax-over-one-output", "adam-without-bias-correction", "momentum-not-carried"] {
            assert_eq!(cols(key, class()), "", "{key}: not in the class's sheet");
        }
        assert_eq!(cols("updated-output-weights", adam), "", "written as gradient descent's update");
    }

    #[test]
    fn the_course_sheets_mistake_is_spelled_as_in_the_sheet() {
        let wrong = find("a_h1-for-a_h2").apply(class(), Dw(3), class().definition(Dw(3))).unwrap();
        assert_eq!(show(&wrong), "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h1*(1-a_h1)*i1");
    }

    #[test]
    fn missing_parentheses_multiply_only_the_second_product() {
        let wrong = find("missing-parentheses").apply(class(), Dw(2), class().definition(Dw(2))).unwrap();
        assert_eq!(show(&wrong), "(a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7*a_h1*(1-a_h1)*i2");
    }

    #[test]
    fn two_mistakes_compose() {
        let v = variants(class(), Dw(1));
        let both = v
            .iter()
            .find(|v| v.mistakes.iter().map(|m| m.key).collect::<Vec<_>>() == ["product-for-difference", "t1-for-t2"])
            .unwrap();
        // The six-sheets workbook's `((a_o1*t1)*...+(a_o2*t1)*...)`, printed without redundant parentheses.
        assert_eq!(show(&both.expr), "(a_o1*t1*a_o1*(1-a_o1)*w5+a_o2*t1*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i1");
    }

    #[test]
    fn updated_output_weights_read_this_rows_w5_to_w8_and_the_rest_from_the_row_above() {
        let wrong = find("updated-output-weights").apply(class(), W(3), class().definition(W(3))).unwrap();
        assert_eq!(
            show(&wrong),
            "prev(w3)-η*(((prev(a_o1)-prev(t1))*prev(a_o1)*(1-prev(a_o1))*w6+(prev(a_o2)-prev(t2))*prev(a_o2)*(1-prev(a_o2))*w8)*prev(a_h2)*(1-prev(a_h2))*prev(i1))"
        );
    }
}
