//! The known mistakes: each one the worksheet's definition of some columns with one thing
//! swapped. `check` recomputes a wrong cell under each and names the one that reproduces it.
//! Adding a mistake is adding one entry to [`CATALOGUE`].

use crate::columns::{self, ALL, Col, Formulas, Ref};
use crate::expr::{Expr, Op};

use Col::*;

/// How a mistake changes a column's definition.
#[derive(Debug)]
pub enum Edit {
    /// Every subtree written as the first text becomes the second (texts in column names).
    Swap(&'static [(&'static str, &'static str)]),
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
    /// A hidden weight's update computes its gradient from the previous row, except for w5..w8,
    /// which it takes already updated from this row.
    UpdatedOutputWeights,
}

#[derive(Debug)]
pub struct Mistake {
    /// A short name, stable for scripts (`--json`).
    pub key: &'static str,
    /// What the student did, in a sentence.
    pub what: &'static str,
    pub cols: &'static [Col],
    pub edit: Edit,
}

pub const CATALOGUE: &[Mistake] = &[
    Mistake {
        key: "a_h1-for-a_h2",
        what: "∂E/∂w3 and ∂E/∂w4 use a_h1*(1-a_h1) where a_h2*(1-a_h2) belongs (the course reference sheet's mistake)",
        cols: &[Dw3, Dw4],
        edit: Edit::Swap(&[("a_h2", "a_h1")]),
    },
    Mistake {
        key: "missing-parentheses",
        what: "the gradients of w1..w4 lack their outer parentheses, so only the second product is multiplied by a_h*(1-a_h)*i",
        cols: &[Dw1, Dw2, Dw3, Dw4],
        edit: Edit::DropOuterParentheses,
    },
    Mistake {
        key: "product-for-difference",
        what: "(a_o1*t1) and (a_o2*t2) where the differences (a_o1-t1) and (a_o2-t2) belong",
        cols: &[Dw1, Dw2, Dw3, Dw4, Dw5, Dw6, Dw7, Dw8],
        edit: Edit::Swap(&[("a_o1-t1", "a_o1*t1"), ("a_o2-t2", "a_o2*t2")]),
    },
    Mistake {
        key: "t1-for-t2",
        what: "t1 where t2 belongs",
        cols: &[E2, Dw1, Dw2, Dw3, Dw4, Dw7, Dw8],
        edit: Edit::Swap(&[("t2", "t1")]),
    },
    Mistake { key: "w6-not-updated", what: "w6 is never updated", cols: &[W6], edit: Edit::Repeat },
    Mistake {
        key: "w6-from-dw8",
        what: "w6 is updated with ∂E/∂w8 (the course text's typo)",
        cols: &[W6],
        edit: Edit::Formula("prev(w6)-η*prev(dw8)"),
    },
    Mistake {
        key: "w8-from-w6",
        what: "w8 is computed as w6-η*∂E/∂w6, copying the course text's typo `w8 = w6 - η*∂E/∂w6`",
        cols: &[W8],
        edit: Edit::Formula("prev(w6)-η*prev(dw6)"),
    },
    Mistake {
        key: "updated-output-weights",
        what: "w1..w4 are updated with gradients that use the already-updated w5..w8",
        cols: &[W1, W2, W3, W4],
        edit: Edit::UpdatedOutputWeights,
    },
    Mistake {
        key: "error-without-half",
        what: "E1 and E2 lack the factor 0.5",
        cols: &[E1, E2],
        edit: Edit::Swap(&[("0.5*(t1-a_o1)^2", "(t1-a_o1)^2"), ("0.5*(t2-a_o2)^2", "(t2-a_o2)^2")]),
    },
    Mistake {
        key: "gradient-sign",
        what: "the gradient has the wrong sign",
        cols: &[Dw1, Dw2, Dw3, Dw4, Dw5, Dw6, Dw7, Dw8],
        edit: Edit::Negate,
    },
    Mistake {
        key: "update-sign",
        what: "the weight update adds η*∂E/∂w instead of subtracting it",
        cols: &[W1, W2, W3, W4, W5, W6, W7, W8],
        edit: Edit::AddInsteadOfSubtract,
    },
    Mistake {
        key: "row-repeated",
        what: "the row repeats the previous one unchanged: no weight is updated",
        cols: &[W1, W2, W3, W4, W5, W6, W7, W8],
        edit: Edit::Repeat,
    },
];

fn parse(text: &str) -> Expr<Ref> {
    columns::parse(text).unwrap_or_else(|e| panic!("the mistake catalogue is malformed: {e}"))
}

impl Mistake {
    /// This mistake's version of `expr`, the formula of `col` (the definition, or another
    /// mistake's version of it); None where the mistake does not touch `col`.
    pub fn apply(&self, col: Col, expr: &Expr<Ref>) -> Option<Expr<Ref>> {
        if !self.cols.contains(&col) {
            return None;
        }
        Some(match &self.edit {
            Edit::Swap(pairs) => pairs.iter().fold(expr.clone(), |e, (from, to)| e.replace(&parse(from), &parse(to))),
            Edit::DropOuterParentheses => drop_outer_parentheses(expr)?,
            Edit::Negate => Expr::Neg(Box::new(expr.clone())),
            Edit::AddInsteadOfSubtract => match expr {
                Expr::Bin(Op::Sub, a, b) => Expr::Bin(Op::Add, a.clone(), b.clone()),
                _ => return None,
            },
            Edit::Repeat => Expr::Ref(Ref::Prev(col)),
            Edit::Formula(text) => parse(text),
            Edit::UpdatedOutputWeights => {
                let gradient = [(W1, Dw1), (W2, Dw2), (W3, Dw3), (W4, Dw4)].iter().find(|(w, _)| *w == col)?.1;
                let from_previous_row = gradient.definition().map_leaves(&|r| match r {
                    Ref::Cur(c) if matches!(c, W5 | W6 | W7 | W8) => Expr::Ref(Ref::Cur(c)),
                    Ref::Cur(c) => Expr::Ref(Ref::Prev(c)),
                    other => Expr::Ref(other),
                });
                let step = Expr::Bin(Op::Mul, Box::new(Expr::Ref(Ref::Eta)), Box::new(from_previous_row));
                Expr::Bin(Op::Sub, Box::new(Expr::Ref(Ref::Prev(col))), Box::new(step))
            }
        })
    }
}

impl Mistake {
    /// The worksheet with this mistake written into every column it touches.
    pub fn formulas(&self) -> Formulas {
        let exprs =
            ALL.iter().map(|&c| self.apply(c, c.definition()).unwrap_or_else(|| c.definition().clone())).collect();
        Formulas::new(exprs).expect("no mistake makes a row read itself in a circle")
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

/// Every variant of `col`: each mistake that touches it, then each pair of mistakes that both
/// do and together give something neither gives alone.
pub fn variants(col: Col) -> Vec<Variant> {
    let base = col.definition();
    let mut out: Vec<Variant> = Vec::new();
    for m in CATALOGUE {
        if let Some(expr) = m.apply(col, base) {
            out.push(Variant { mistakes: vec![m], expr });
        }
    }
    let singles = out.len();
    for i in 0..singles {
        for j in i + 1..singles {
            let (a, b) = (out[i].mistakes[0], out[j].mistakes[0]);
            if let Some(expr) = b.apply(col, &out[i].expr)
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

    fn show(e: &Expr<Ref>) -> String {
        e.print(&|r, out: &mut String| columns::write_name(r, out))
    }

    fn find(key: &str) -> &'static Mistake {
        CATALOGUE.iter().find(|m| m.key == key).unwrap()
    }

    #[test]
    fn every_mistake_changes_every_column_it_names() {
        for m in CATALOGUE {
            for &col in m.cols {
                let wrong =
                    m.apply(col, col.definition()).unwrap_or_else(|| panic!("{} does not apply to {col:?}", m.key));
                assert_ne!(&wrong, col.definition(), "{} leaves {col:?} unchanged", m.key);
            }
        }
    }

    #[test]
    fn the_course_sheets_mistake_is_spelled_as_in_the_sheet() {
        let wrong = find("a_h1-for-a_h2").apply(Dw3, Dw3.definition()).unwrap();
        assert_eq!(show(&wrong), "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h1*(1-a_h1)*i1");
    }

    #[test]
    fn missing_parentheses_multiply_only_the_second_product() {
        let wrong = find("missing-parentheses").apply(Dw2, Dw2.definition()).unwrap();
        assert_eq!(show(&wrong), "(a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7*a_h1*(1-a_h1)*i2");
    }

    #[test]
    fn two_mistakes_compose() {
        let v = variants(Dw1);
        let both = v
            .iter()
            .find(|v| v.mistakes.iter().map(|m| m.key).collect::<Vec<_>>() == ["product-for-difference", "t1-for-t2"])
            .unwrap();
        // The six-sheets workbook's `((a_o1*t1)*...+(a_o2*t1)*...)`, printed without redundant parentheses.
        assert_eq!(show(&both.expr), "(a_o1*t1*a_o1*(1-a_o1)*w5+a_o2*t1*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i1");
    }

    #[test]
    fn updated_output_weights_read_this_rows_w5_to_w8_and_the_rest_from_the_row_above() {
        let wrong = find("updated-output-weights").apply(W3, W3.definition()).unwrap();
        assert_eq!(
            show(&wrong),
            "prev(w3)-η*(((prev(a_o1)-prev(t1))*prev(a_o1)*(1-prev(a_o1))*w6+(prev(a_o2)-prev(t2))*prev(a_o2)*(1-prev(a_o2))*w8)*prev(a_h2)*(1-prev(a_h2))*prev(i1))"
        );
    }
}
