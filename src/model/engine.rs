//! The engine: the worksheet's rows, one iteration of gradient descent each, computed from the
//! column definitions exactly as a spreadsheet evaluates them.

use crate::model::columns::{Col, Columns, Formulas, Slot};
use crate::model::network::Param;

/// The values typed into the first row (targets, inputs, weights, biases) of one network.
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    columns: &'static Columns,
    /// Indexed like a row; only the typed columns are used.
    values: Vec<f64>,
}

impl Inputs {
    /// The network's inputs, all 0 until set; an optimizer's state where it starts.
    pub fn new(columns: &'static Columns) -> Inputs {
        let values = columns.all().iter().map(|c| c.starting_state().unwrap_or(0.0)).collect();
        Inputs { columns, values }
    }

    /// The network's documented starting values (see [`Columns::default_value`]).
    pub fn defaults(columns: &'static Columns) -> Inputs {
        let mut inputs = Inputs::new(columns);
        for col in columns.typed() {
            inputs.set(col, columns.default_value(col).expect("every typed column has a default"));
        }
        inputs
    }

    pub fn columns(&self) -> &'static Columns {
        self.columns
    }

    /// The same first row for another worksheet of the same shape and biases (another
    /// optimizer's, whose state starts where it always starts).
    pub fn reshaped(&self, columns: &'static Columns) -> Inputs {
        let mut inputs = Inputs::new(columns);
        for col in columns.typed() {
            inputs.set(col, self.get(col));
        }
        inputs
    }

    pub fn get(&self, col: Col) -> f64 {
        assert!(self.columns.is_input(col), "{col:?} is computed, not an input");
        self.values[self.columns.index(col)]
    }

    pub fn set(&mut self, col: Col, value: f64) {
        assert!(self.columns.is_input(col), "{col:?} is computed, not an input");
        self.values[self.columns.index(col)] = value;
    }
}

/// Everything a run needs: the first row's inputs (which carry the network), the learning
/// rates (one sheet each) and the number of iterations (rows) per learning rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub inputs: Inputs,
    pub learning_rates: Vec<f64>,
    pub iterations: usize,
}

/// One row of the worksheet: every column's value, in column order. A spreadsheet error (see
/// [`crate::model::expr::ERROR`]) is a NaN.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    columns: &'static Columns,
    pub values: Vec<f64>,
}

impl Row {
    /// A row of the given values, in column order.
    pub fn of(columns: &'static Columns, values: Vec<f64>) -> Row {
        assert_eq!(values.len(), columns.len(), "a row has a value for every column");
        Row { columns, values }
    }

    pub fn get(&self, col: Col) -> f64 {
        self.values[self.columns.index(col)]
    }

    pub fn columns(&self) -> &'static Columns {
        self.columns
    }

    /// The first row: the typed inputs and the columns computed from them.
    pub fn first(inputs: &Inputs, formulas: &Formulas) -> Row {
        Row::compute(Some(inputs), None, 0.0, formulas)
    }

    /// The row after `self`, for learning rate `eta`.
    pub fn next(&self, eta: f64, formulas: &Formulas) -> Row {
        Row::compute(None, Some(self), eta, formulas)
    }

    /// Fills a row cell by cell, each after the cells of its row that it reads: the typed
    /// `inputs` in the first row, the formulas everywhere else.
    fn compute(inputs: Option<&Inputs>, prev: Option<&Row>, eta: f64, formulas: &Formulas) -> Row {
        let columns = formulas.columns();
        let optimizer = columns.network.maths.optimizer;
        let mut values = vec![0.0; columns.len()];
        for step in formulas.steps() {
            values[step.at] = match inputs {
                Some(inputs) if step.typed => inputs.values[step.at],
                _ => step.expr.eval(&|s| match s {
                    Slot::Cur(k) => values[k],
                    Slot::Prev(k) => prev.map_or(crate::model::expr::ERROR, |p| p.values[k]),
                    Slot::Param(Param::Eta) => eta,
                    Slot::Param(p) => optimizer.value(p).expect("the optimizer's own parameter"),
                }),
            };
        }
        Row { columns, values }
    }
}

/// The rows of one learning rate, iteration 1 first. Rows are produced one at a time so a
/// writer can stream any number of them in constant memory.
pub fn rows<'a>(
    inputs: &Inputs,
    eta: f64,
    iterations: usize,
    formulas: &'a Formulas,
) -> impl Iterator<Item = Row> + 'a {
    std::iter::successors(Some(Row::first(inputs, formulas)), move |row| Some(row.next(eta, formulas))).take(iterations)
}

/// The last row of a run, and the first iteration (1-based) whose row holds an error, if any.
pub fn last_row(inputs: &Inputs, eta: f64, iterations: usize, formulas: &Formulas) -> (Row, Option<usize>) {
    let mut diverged = None;
    let mut last = Row::first(inputs, formulas);
    for (i, row) in rows(inputs, eta, iterations, formulas).enumerate() {
        if diverged.is_none() && row.values.iter().any(|v| crate::model::expr::is_error(*v)) {
            diverged = Some(i + 1);
        }
        last = row;
    }
    (last, diverged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Col::*;

    /// The assignment's default inputs; the template holds the defaults the program uses.
    fn defaults() -> Inputs {
        let mut inputs = Inputs::new(Columns::class());
        let typed = [0.01, 0.99, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55];
        for (col, value) in Columns::class().typed().zip(typed) {
            inputs.set(col, value);
        }
        inputs
    }

    fn class() -> &'static Formulas {
        Columns::class().formulas()
    }

    // The values Microsoft Excel 16 stored for these formulas, default inputs and η = 1.
    #[test]
    fn iteration_1_matches_excel_bit_for_bit() {
        let row = rows(&defaults(), 1.0, 1, class()).next().unwrap();
        let excel = [
            (H(1), 0.027500000000000004),
            (AH(1), 0.5068745667645342),
            (H(2), 0.042499999999999996),
            (AH(2), 0.5106234010049637),
            (O(1), 0.4325303571580474),
            (AO(1), 0.606477732206728),
            (O(2), 0.5342801539349972),
            (AO(2), 0.6304808354506348),
            (E(1), 0.17789284250924053),
            (E(2), 0.06462701483913676),
            (ETotal, 0.24251985734837728),
            (Dw(1), 0.0001882556669401121),
            (Dw(2), 0.0003765113338802242),
            (Dw(3), 0.0002248134625761188),
            (Dw(4), 0.0004496269251522376),
            (Dw(5), 0.07215707291213626),
            (Dw(6), 0.07269074519194478),
            (Dw(7), -0.04245525009260471),
            (Dw(8), -0.04276924828006376),
        ];
        for (col, value) in excel {
            assert_eq!(row.get(col), value, "{col:?}");
        }
    }

    #[test]
    fn iteration_2_matches_excel_bit_for_bit() {
        let row = rows(&defaults(), 1.0, 2, class()).nth(1).unwrap();
        assert_eq!(row.get(W(1)), 0.14981174433305988);
        assert_eq!(row.get(W(5)), 0.3278429270878638);
        assert_eq!(row.get(W(8)), 0.5927692482800638);
        assert_eq!(row.get(ETotal), 0.2285477652787851);
    }

    #[test]
    fn iteration_201_matches_excel_bit_for_bit() {
        let (row, diverged) = last_row(&defaults(), 1.0, 201, class());
        assert_eq!(diverged, None);
        assert_eq!(row.get(W(1)), 0.27607620508492187);
        assert_eq!(row.get(W(5)), -2.328077232628517);
        assert_eq!(row.get(AO(1)), 0.08394826600531383);
        assert_eq!(row.get(AO(2)), 0.919668029123035);
        assert_eq!(row.get(ETotal), 0.0052074660863154505);
    }

    #[test]
    fn targets_and_inputs_carry_over_unchanged() {
        let row = rows(&defaults(), 0.5, 50, class()).last().unwrap();
        for col in [T(1), T(2), I(1), I(2)] {
            assert_eq!(row.get(col), defaults().get(col));
        }
    }

    #[test]
    fn overflow_in_exp_becomes_an_error_that_spreads_like_a_spreadsheet() {
        let mut inputs = defaults();
        for n in 1..=8 {
            inputs.set(W(n), if n <= 4 { 1000.0 } else { -1000.0 });
        }
        // o1 = -1000*a_h1-1000*a_h2 is about -2000, so EXP(-o1) is past Excel's limit.
        let (row, diverged) = last_row(&inputs, 1.0, 3, class());
        assert_eq!(diverged, Some(1));
        for col in [AO(1), E(1), ETotal, Dw(1), Dw(5)] {
            assert!(crate::model::expr::is_error(row.get(col)), "{col:?}");
        }
        assert!(crate::model::expr::is_error(row.get(W(1))), "later rows inherit the error");
        let first = rows(&inputs, 1.0, 1, class()).next().unwrap();
        assert!(!crate::model::expr::is_error(first.get(AH(1))), "cells before the overflow stay numbers");
        assert!(crate::model::expr::is_error(first.get(AO(1))));
    }

    #[test]
    fn a_huge_learning_rate_saturates_without_error() {
        let (row, diverged) = last_row(&defaults(), 1e6, 30, class());
        assert_eq!(diverged, None);
        assert!(row.get(ETotal).is_finite());
    }
}
