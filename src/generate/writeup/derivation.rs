//! The derivation of iteration 1, read from the worksheet's own definitions: each column's
//! formula, the same formula with its operands' values substituted, and the value the workbook
//! holds; each gradient also as the chain rule's product of local slopes, the course's
//! ∂E_total/∂w5 = ∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5.
//!
//! Nothing here knows which activation or loss the network has. The chain is the path from a
//! parameter up to E_total through the columns whose definitions read it; the gradient's own
//! definition is split into its factors, and each run of factors is given to the link of the
//! chain whose slope it is, the slope measured on the link's definition by a central
//! difference. A gradient whose factors fit no such split (a mistake written in, or a form this
//! cannot read) is shown as its formula alone.

use super::number;
use crate::model::columns::{Col, Columns, Formulas, Ref, write_name};
use crate::model::engine::Row;
use crate::model::expr::{Expr, Op};
use crate::model::gradient_check::GradientCheck;
use crate::model::network::Param;

/// One column's line of the derivation.
pub(crate) struct Line {
    /// The left-hand side as the course writes it: `h1`, `∂E_total/∂w5`.
    pub lhs: String,
    /// The right-hand sides in turn: the formula (for a gradient, the chain's slopes by name and
    /// then by formula), then the same with the numbers substituted.
    pub steps: Vec<String>,
    /// The value the workbook holds.
    pub value: f64,
    /// When the sheet's formula is not the worksheet's (a mistake written in): the correct
    /// formula and the value it gives from the same cells.
    pub wrong: Option<(String, f64)>,
    /// With the gradient check: the finite difference beside the gradient, and the relative gap.
    pub check: Option<(f64, f64)>,
}

/// The derivation of one sheet: what iteration 1 computes and how iteration 2's parameters follow.
pub(crate) struct Derivation {
    pub forward: Vec<Line>,
    pub errors: Vec<Line>,
    pub backward: Vec<Line>,
    pub updates: Vec<Line>,
}

/// The derivation of `formulas` (the worksheet's, or a mistake's) from its first two rows at
/// learning rate `eta`; with `epsilon`, each gradient beside its finite difference.
pub(crate) fn derive(formulas: &Formulas, rows: [&Row; 2], eta: f64, epsilon: Option<f64>) -> Derivation {
    let columns = formulas.columns();
    let [first, second] = rows;
    let check = epsilon.map(|eps| (GradientCheck::of(columns), eps));
    let fd = check.map(|(c, eps)| c.values(&|col| first.get(col), eps));
    let mut derivation =
        Derivation { forward: Vec::new(), errors: Vec::new(), backward: Vec::new(), updates: Vec::new() };
    // In the order a row is computed, so that an update reads only what is shown above it (an
    // optimizer's state before the weight it moves).
    for col in formulas.steps().iter().map(|step| columns.all()[step.at]) {
        let expr = formulas.get(col);
        let correct = columns.definition(col);
        // Typed into the first row, computed from the row before after it: the trained
        // parameters and the optimizer's state.
        if col.is_typed() && !columns.is_constant(col) {
            let line = substituted(col, expr, correct, second, Some(first), eta);
            derivation.updates.push(line);
        } else if Columns::is_gradient(col) {
            let mut line = gradient(columns, col, expr, first);
            line.wrong = wrong(expr, correct, first, None, eta);
            if let Some(values) = &fd {
                let k = columns.trained().position(|(_, g)| g == col).expect("a gradient of a trained parameter");
                let gap = (line.value - values[k]).abs() / line.value.abs().max(values[k].abs());
                line.check = Some((values[k], gap));
            }
            derivation.backward.push(line);
        } else if !col.is_typed() {
            let line = substituted(col, expr, correct, first, None, eta);
            match col {
                Col::E(_) | Col::ETotal => derivation.errors.push(line),
                _ => derivation.forward.push(line),
            }
        }
    }
    derivation
}

/// A column's formula, the formula with its operands' values, and its value in `row` (whose
/// previous row is `prev`).
fn substituted(col: Col, expr: &Expr<Ref>, correct: &Expr<Ref>, row: &Row, prev: Option<&Row>, eta: f64) -> Line {
    let names = expr.print(&|r, out: &mut String| write_name(r, out));
    let numbers = expr.print(&|r, out: &mut String| out.push_str(&operand(value_of(r, row, prev, eta))));
    Line {
        lhs: col.header(),
        steps: vec![names, numbers],
        value: row.get(col),
        wrong: wrong(expr, correct, row, prev, eta),
        check: None,
    }
}

/// What a reference reads: a cell of `row` or of the row before it, η, or one of the optimizer's
/// hyper-parameters, as the sheet's labelled cells hold them.
fn value_of(r: Ref, row: &Row, prev: Option<&Row>, eta: f64) -> f64 {
    match r {
        Ref::Cur(c) => row.get(c),
        Ref::Prev(c) => prev.map_or(f64::NAN, |p| p.get(c)),
        Ref::Param(Param::Eta) => eta,
        Ref::Param(p) => row.columns().network.maths.optimizer.value(p).unwrap_or(f64::NAN),
    }
}

/// An operand as substituted into a formula: a negative value in parentheses, so that
/// `t2-a_o2` reads `0.99-(-0.5)`, never `0.99--0.5`.
fn operand(x: f64) -> String {
    let text = number(x);
    if text.starts_with('-') { format!("({text})") } else { text }
}

fn wrong(expr: &Expr<Ref>, correct: &Expr<Ref>, row: &Row, prev: Option<&Row>, eta: f64) -> Option<(String, f64)> {
    (expr != correct).then(|| {
        (correct.print(&|r, out: &mut String| write_name(r, out)), correct.eval(&|r| value_of(r, row, prev, eta)))
    })
}

/// One link of a chain: the slope of column `of` with respect to `by`, or a sum of chains where
/// several columns read `by` (a hidden unit feeding every output).
enum Link {
    Slope { of: Col, by: Col },
    Sum(Vec<Vec<Link>>),
}

/// The columns of a row's forward pass that read `col`, left to right: the gradients and the
/// parameters' updates are not part of it.
fn readers(columns: &'static Columns, col: Col) -> Vec<Col> {
    let forward = |c: &&Col| !c.is_typed() && !Columns::is_gradient(**c);
    let reads = |c: Col| {
        let mut leaves = Vec::new();
        columns.definition(c).leaves(&mut leaves);
        leaves.contains(&Ref::Cur(col))
    };
    columns.all().iter().filter(forward).copied().filter(|&c| reads(c)).collect()
}

/// The chain rule's links from E_total down to `col`, outermost first.
fn chain(columns: &'static Columns, col: Col) -> Vec<Link> {
    if col == Col::ETotal {
        return Vec::new();
    }
    let through = |reader: Col| {
        let mut links = chain(columns, reader);
        links.push(Link::Slope { of: reader, by: col });
        links
    };
    match readers(columns, col).as_slice() {
        [one] => through(*one),
        many => vec![Link::Sum(many.iter().map(|&r| through(r)).collect())],
    }
}

/// The slope of column `of` with respect to `by` at `row`, measured on `of`'s definition by a
/// central difference: what a run of the gradient's factors must multiply to.
fn slope(columns: &'static Columns, of: Col, by: Col, row: &Row) -> f64 {
    let x = row.get(by);
    let h = 1e-6 * x.abs().max(1.0);
    let at = |v: f64| columns.definition(of).eval(&|r| if r == Ref::Cur(by) { v } else { value_of(r, row, None, 0.0) });
    (at(x + h) - at(x - h)) / (2.0 * h)
}

/// The factors of a product, left to right: `a*b*(c-d)` is a, b and (c-d).
fn factors(e: &Expr<Ref>) -> Vec<&Expr<Ref>> {
    match e {
        Expr::Bin(Op::Mul, a, b) => {
            let mut out = factors(a);
            out.push(b);
            out
        }
        other => vec![other],
    }
}

/// The terms of a sum, left to right.
fn terms(e: &Expr<Ref>) -> Vec<&Expr<Ref>> {
    match e {
        Expr::Bin(Op::Add, a, b) => {
            let mut out = terms(a);
            out.push(b);
            out
        }
        other => vec![other],
    }
}

/// A link of the chain with the factors of the gradient's definition that are its slope.
enum Matched<'a> {
    Slope { of: Col, by: Col, factors: Vec<&'a Expr<Ref>> },
    Sum(Vec<Vec<Matched<'a>>>),
}

/// Splits `factors` into runs, one per link in order, each run multiplying to its link's slope
/// (an empty run is a slope of 1, as ∂E_total/∂E1); a sum link takes one factor that is a sum
/// of as many terms, each matched to its own chain.
fn assign<'a>(
    columns: &'static Columns,
    factors: &[&'a Expr<Ref>],
    links: &[Link],
    row: &Row,
) -> Option<Vec<Matched<'a>>> {
    let Some((link, rest)) = links.split_first() else { return factors.is_empty().then(Vec::new) };
    let value = |fs: &[&Expr<Ref>]| fs.iter().fold(1.0, |p, f| p * f.eval(&|r| value_of(r, row, None, 0.0)));
    match link {
        Link::Slope { of, by } => {
            let want = slope(columns, *of, *by, row);
            (0..=factors.len()).find_map(|take| {
                let got = value(&factors[..take]);
                // An error value (a NaN) is close to nothing.
                let close = (got - want).abs() <= 1e-6 * got.abs().max(want.abs()).max(1e-300);
                if !close {
                    return None;
                }
                let mut out = vec![Matched::Slope { of: *of, by: *by, factors: factors[..take].to_vec() }];
                out.extend(assign(columns, &factors[take..], rest, row)?);
                Some(out)
            })
        }
        Link::Sum(chains) => {
            let (first, others) = factors.split_first()?;
            let parts = terms(first);
            if parts.len() != chains.len() {
                return None;
            }
            let matched: Option<Vec<Vec<Matched>>> =
                parts.iter().zip(chains).map(|(t, c)| assign(columns, &self::factors(t), c, row)).collect();
            let mut out = vec![Matched::Sum(matched?)];
            out.extend(assign(columns, others, rest, row)?);
            Some(out)
        }
    }
}

/// How one matched chain is written, three ways: by the slopes' names, by their formulas, by
/// their numbers. A slope of 1 (no factor) is left out, as the course leaves out ∂E_total/∂E1.
fn written(chain: &[Matched], row: &Row) -> [String; 3] {
    let mut out: [Vec<String>; 3] = Default::default();
    for m in chain {
        match m {
            Matched::Slope { factors, .. } if factors.is_empty() => {}
            Matched::Slope { of, by, factors } => {
                out[0].push(format!("∂{}/∂{}", of.name(), by.name()));
                let text = factors.iter().map(|f| factor_text(f)).collect::<Vec<_>>().join("*");
                out[1].push(text);
                let value = factors.iter().fold(1.0, |p, f| p * f.eval(&|r| value_of(r, row, None, 0.0)));
                out[2].push(operand(value));
            }
            Matched::Sum(chains) => {
                let parts: Vec<[String; 3]> = chains.iter().map(|c| written(c, row)).collect();
                for (k, side) in out.iter_mut().enumerate() {
                    let sum = parts.iter().map(|p| p[k].as_str()).collect::<Vec<_>>().join(" + ");
                    side.push(if chain.len() > 1 { format!("[{sum}]") } else { sum });
                }
            }
        }
    }
    out.map(|side| side.join(" · "))
}

/// A factor as it reads in a product: in parentheses when it is a sum or a difference.
fn factor_text(f: &Expr<Ref>) -> String {
    let text = f.print(&|r, out: &mut String| write_name(r, out));
    match f {
        Expr::Bin(Op::Add | Op::Sub, ..) => format!("({text})"),
        _ => text,
    }
}

/// A gradient's line: the chain rule's slopes by name, by formula and by number, when the
/// definition's factors are those slopes; else the formula and its numbers.
fn gradient(columns: &'static Columns, col: Col, expr: &Expr<Ref>, row: &Row) -> Line {
    let param = columns.trained().find(|(_, g)| *g == col).map(|(p, _)| p).expect("a gradient's parameter");
    let lhs = format!("∂E_total/∂{}", param.name());
    let links = chain(columns, param);
    match assign(columns, &factors(expr), &links, row) {
        Some(matched) => {
            Line { lhs, steps: written(&matched, row).into(), value: row.get(col), wrong: None, check: None }
        }
        None => Line { lhs, ..substituted(col, expr, expr, row, None, 0.0) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engine::{Inputs, rows};
    use crate::model::network::{Bias, Network};

    fn first_two(columns: &'static Columns, formulas: &Formulas) -> Vec<Row> {
        rows(&Inputs::defaults(columns), 0.5, 2, formulas).collect()
    }

    #[test]
    fn an_output_weight_s_gradient_is_the_course_s_three_slopes() {
        let columns = Columns::class();
        let r = first_two(columns, columns.formulas());
        let d = derive(columns.formulas(), [&r[0], &r[1]], 0.5, None);
        let w5 = d.backward.iter().find(|l| l.lhs == "∂E_total/∂w5").unwrap();
        assert_eq!(w5.steps[0], "∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5");
        assert_eq!(w5.steps[1], "(a_o1-t1) · a_o1*(1-a_o1) · a_h1");
        let w1 = d.backward.iter().find(|l| l.lhs == "∂E_total/∂w1").unwrap();
        assert_eq!(
            w1.steps[0],
            "[∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂a_h1 + ∂E2/∂a_o2 · ∂a_o2/∂o2 · ∂o2/∂a_h1] · ∂a_h1/∂h1 · ∂h1/∂w1"
        );
        assert_eq!(
            w1.steps[1],
            "[(a_o1-t1) · a_o1*(1-a_o1) · w5 + (a_o2-t2) · a_o2*(1-a_o2) · w7] · a_h1*(1-a_h1) · i1"
        );
    }

    #[test]
    fn every_gradient_of_every_shape_is_split_into_its_chain() {
        for (inputs, hidden, outputs) in [(2, 2, 2), (2, 3, 2), (3, 2, 1), (1, 1, 1), (8, 8, 8)] {
            let columns = Columns::of(Network::shape(inputs, hidden, outputs).with_bias(Bias::Trained));
            let r = first_two(columns, columns.formulas());
            let d = derive(columns.formulas(), [&r[0], &r[1]], 0.5, None);
            for line in &d.backward {
                assert_eq!(line.steps.len(), 3, "{} of {}: {:?}", line.lhs, columns.network, line.steps);
            }
        }
    }

    #[test]
    fn a_mistake_s_gradient_is_not_passed_off_as_the_chain_rule() {
        let columns = Columns::class();
        let formulas = crate::model::mistakes::Mistake::by_key("a_h1-for-a_h2").unwrap().formulas(columns);
        let r = first_two(columns, &formulas);
        let d = derive(&formulas, [&r[0], &r[1]], 0.5, None);
        let w3 = d.backward.iter().find(|l| l.lhs == "∂E_total/∂w3").unwrap();
        assert_eq!(w3.steps.len(), 2, "the formula and its numbers only");
        let (correct, value) = w3.wrong.as_ref().expect("marked wrong");
        assert_eq!(correct, columns.definition(Col::Dw(3)).print(&|r, out: &mut String| write_name(r, out)).as_str());
        assert_ne!(*value, w3.value);
        assert!(d.backward.iter().filter(|l| l.wrong.is_some()).count() == 2, "w3 and w4 only");
    }
}
