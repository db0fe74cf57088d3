//! A real spreadsheet engine in every `cargo test`: IronCalc loads the generated workbook,
//! recalculates every formula, and its values are compared with the engine's.

use crate::common::*;
use backprop_sheet::engine::rows;
use backprop_sheet::gradient_check::GradientCheck;
use ironcalc::base::cell::CellValue;

/// What IronCalc computed, compared with the engine: cells compared, bit-identical cells, and
/// the cells that differ only because IronCalc computes `x^2` with libm's `pow` (each shown to be
/// exactly the `pow` result).
struct Agreement {
    cells: usize,
    identical: usize,
    pow: usize,
}

/// Generates with `args`, recalculates in IronCalc, possibly after setting each sheet's η to
/// `new_eta`, and compares every computed cell with the engine at that η.
fn recalculate(args: &[&str], new_eta: Option<f64>) -> Agreement {
    let (_dir, out) = generate(args);
    let params = params(args);
    let mut model = ironcalc::import::load_from_xlsx(out.to_str().unwrap(), "en", "UTC", "en").unwrap();
    if let Some(eta) = new_eta {
        for sheet in 1..=params.learning_rates.len() as u32 {
            model.set_user_input(sheet, 1, 2, eta.to_string()).unwrap();
        }
    }
    model.evaluate();
    let mut agreement = Agreement { cells: 0, identical: 0, pow: 0 };
    for (k, &eta) in params.learning_rates.iter().enumerate() {
        let eta = new_eta.unwrap_or(eta);
        let columns = params.inputs.columns();
        for (i, row) in rows(&params.inputs, eta, params.iterations, columns.formulas()).enumerate() {
            for &col in columns.all() {
                if i == 0 && col.is_typed() {
                    continue;
                }
                let (r, c) = (4 + i as i32, 2 + columns.index(col) as i32);
                let got = model.get_cell_value_by_index(1 + k as u32, r, c).unwrap();
                let want = row.get(col);
                agreement.cells += 1;
                match got {
                    CellValue::Number(x) if x.to_bits() == want.to_bits() => agreement.identical += 1,
                    CellValue::Number(x) => {
                        // Not the engine's double: it must be exactly what `pow` gives for x^2.
                        assert_eq!(
                            squared_with_pow(&row, col),
                            Some(x),
                            "sheet {} row {r} col {c} ({col:?}): IronCalc {x:e}, engine {want:e}, {} ulps",
                            k + 1,
                            ulps(x, want)
                        );
                        agreement.pow += 1;
                    }
                    CellValue::String(e) if backprop_sheet::expr::is_error(want) => {
                        assert!(e.starts_with('#'), "{e}");
                        agreement.identical += 1;
                    }
                    other => panic!("sheet {} row {r} col {c} ({col:?}): IronCalc {other:?}, engine {want:e}", k + 1),
                }
            }
        }
    }
    agreement
}

fn report(case: &str, a: &Agreement) {
    assert_eq!(a.identical + a.pow, a.cells, "every cell is the engine's, or the pow result");
    println!("IronCalc {case}: {} cells, {} bit-identical, {} the x^2-with-pow result", a.cells, a.identical, a.pow);
}

#[test]
fn ironcalc_recalculates_the_default_workbook_to_the_engines_values() {
    let a = recalculate(&[], None);
    report("default 6 x 100", &a);
    assert_eq!(a.cells, 6 * (100 * 31 - 12));
}

#[test]
fn ironcalc_recalculates_a_large_learning_rate_and_other_targets() {
    let a = recalculate(&["--learning-rates", "10", "--iterations", "500"], None);
    report("η = 10 x 500", &a);
    let b = recalculate(&["--learning-rates", "2", "--set", "t1=0.5", "--set", "t2=0.5"], None);
    report("t = 0.5/0.5, η = 2", &b);
}

#[test]
fn changing_eta_in_the_spreadsheet_recomputes_the_sheet() {
    // Every sheet's η set to 0.3 in IronCalc: the recalculated cells are the engine's at 0.3.
    let a = recalculate(&["--iterations", "50"], Some(0.3));
    report("η changed to 0.3", &a);
    assert_eq!(a.cells, 6 * (50 * 31 - 12));
}

/// Generates with the gradient check, recalculates in IronCalc, and compares its columns with
/// the engine's: the number of cells compared.
fn recalculate_gradient_check(args: &[&str]) -> usize {
    use backprop_sheet::gradient_check::{DEFAULT_EPSILON, Leaf};
    let args = [args, &["--gradient-check"]].concat();
    let (_dir, out) = generate(&args);
    let params = params(&args);
    let columns = params.inputs.columns();
    let check = GradientCheck::of(columns);
    let mut model = ironcalc::import::load_from_xlsx(out.to_str().unwrap(), "en", "UTC", "en").unwrap();
    model.evaluate();
    let formulas = check.formulas();
    let (mut cells, mut identical, mut pow) = (0, 0, 0);
    for (k, &eta) in params.learning_rates.iter().enumerate() {
        for (i, row) in rows(&params.inputs, eta, params.iterations, columns.formulas()).enumerate() {
            let ours = check.values(&|c| row.get(c), DEFAULT_EPSILON);
            // What IronCalc computes: x^2 by pow, and (found here) `a+(b+c)` as `(a+b)+c`, which
            // only the finite difference of an output bias, last in its sum, meets.
            let mut with_pow = vec![0.0; check.width()];
            let mut ironcalc_s = vec![0.0; check.width()];
            for (j, f) in formulas.iter().enumerate() {
                with_pow[j] = eval_with_pow(f, &|l| match l {
                    Leaf::Col(c) => row.get(c),
                    Leaf::Eps => DEFAULT_EPSILON,
                    Leaf::Fd(m) => with_pow[m],
                });
                ironcalc_s[j] = eval_with_pow(&regrouped(f), &|l| match l {
                    Leaf::Col(c) => row.get(c),
                    Leaf::Eps => DEFAULT_EPSILON,
                    Leaf::Fd(m) => ironcalc_s[m],
                });
            }
            for j in 0..check.width() {
                let col = 1 + i32::from(backprop_sheet::write::check_col(columns, j));
                let got = model.get_cell_value_by_index(1 + k as u32, 4 + i as i32, col).unwrap();
                let CellValue::Number(x) = got else { panic!("sheet {} row {} column {col}: {got:?}", k + 1, 4 + i) };
                cells += 1;
                if x.to_bits() == ours[j].to_bits() {
                    identical += 1;
                } else {
                    assert!(
                        x == with_pow[j] || x == ironcalc_s[j],
                        "sheet {} row {} column {col}: {x:e} is not ours, nor the pow result, nor regrouped",
                        k + 1,
                        4 + i
                    );
                    pow += 1;
                }
            }
        }
    }
    println!(
        "IronCalc gradient check {}: {cells} cells, {identical} bit-identical, {pow} the x^2-with-pow result or a+(b+c) regrouped",
        columns.network
    );
    cells
}

#[test]
fn ironcalc_recalculates_the_gradient_check() {
    assert_eq!(recalculate_gradient_check(&["--learning-rates", "0.5,2", "--iterations", "60"]), 2 * 60 * 9);
}

/// Other networks, biases trained: IronCalc gets the engine's values (or the pow result), and
/// its finite differences agree with every derived gradient.
#[test]
fn ironcalc_recalculates_other_networks_and_their_gradient_checks() {
    for (network, columns, cells) in [
        (&["--network", "2-3-2"][..], 2 + 2 + 6 + 6 + 6 + 4 + 2 + 1 + 12, 13),
        (&["--network", "3-2-1"][..], 1 + 3 + 6 + 4 + 2 + 2 + 1 + 1 + 8, 9),
        (&["--train-bias"][..], 31 + 2 + 2, 11),
    ] {
        let args = [network, &["--learning-rates", "0.5,2", "--iterations", "40"]].concat();
        let a = recalculate(&args, None);
        report(&args.join(" "), &a);
        let typed = params(&args).inputs.columns().typed().count();
        assert_eq!(a.cells, 2 * (40 * columns - typed), "{network:?}");
        assert_eq!(a.pow, 0, "{network:?}: every cell of the table bit-identical, as the README says");
        assert_eq!(recalculate_gradient_check(&args), 2 * 40 * cells, "{network:?}");
    }
}

/// Generates with `args` and recalculates in IronCalc: every cell of every table is the engine's
/// double, or where it is not, what an engine computing `x^2` with `pow` and `a+(b+c)` as
/// `(a+b)+c` gets, followed down the sheet. Prints and returns the count of cells compared, and of
/// those that were not the engine's.
fn recalculate_following_pow(args: &[&str]) -> (usize, usize) {
    let (_dir, out) = generate(args);
    let params = params(args);
    let columns = params.inputs.columns();
    let mut model = ironcalc::import::load_from_xlsx(out.to_str().unwrap(), "en", "UTC", "en").unwrap();
    model.evaluate();
    let (mut cells, mut identical, mut pow) = (0, 0, 0);
    for (k, &eta) in params.learning_rates.iter().enumerate() {
        let with_pow = rows_with_pow(&params.inputs, eta, params.iterations, true);
        for (i, row) in rows(&params.inputs, eta, params.iterations, columns.formulas()).enumerate() {
            for (c, &col) in columns.all().iter().enumerate() {
                if i == 0 && col.is_typed() {
                    continue;
                }
                let got = model.get_cell_value_by_index(1 + k as u32, 4 + i as i32, 2 + c as i32).unwrap();
                let CellValue::Number(x) = got else { panic!("{args:?} {col:?}: {got:?}") };
                cells += 1;
                if x.to_bits() == row.values[c].to_bits() {
                    identical += 1;
                } else {
                    assert_eq!(x, with_pow[i][c], "{args:?} sheet {} row {} {col:?}", k + 1, i + 1);
                    pow += 1;
                }
            }
        }
    }
    println!(
        "IronCalc {}: {cells} cells, {identical} bit-identical, {pow} the x^2-with-pow result or a+(b+c) regrouped",
        args.join(" ")
    );
    (cells, pow)
}

/// Every activation, in the hidden layer and the output layer, at 2-2-2 and 2-3-2: IronCalc's
/// TANH, MAX and IF give the engine's doubles, and where they differ it is `pow` alone. With the
/// gradient check, IronCalc's finite differences are the engine's too.
#[test]
fn ironcalc_recalculates_every_activation() {
    for network in ["2-2-2", "2-3-2"] {
        for hidden in ["tanh", "relu", "leaky-relu=0.1", "linear"] {
            for output in ["sigmoid", hidden] {
                let args = [
                    "--network",
                    network,
                    "--activation",
                    hidden,
                    "--output-activation",
                    output,
                    "--learning-rates",
                    "0.5,2",
                    "--iterations",
                    "40",
                ];
                let columns = params(&args).inputs.columns().len();
                let typed = params(&args).inputs.columns().typed().count();
                assert_eq!(
                    recalculate_following_pow(&args),
                    (2 * (40 * columns - typed), 0),
                    "every cell bit-identical"
                );
                assert!(recalculate_gradient_check(&args) > 0);
            }
        }
    }
}

/// Every optimizer, its state columns and SQRT included, at 2-2-2 and at 2-3-2 with trained
/// biases.
#[test]
fn ironcalc_recalculates_every_optimizer() {
    for network in [&["--network", "2-2-2"][..], &["--network", "2-3-2", "--train-bias"]] {
        for optimizer in backprop_sheet::network::Optimizer::NAMES {
            let args =
                [network, &["--optimizer", optimizer, "--learning-rates", "0.1,0.5", "--iterations", "40"]].concat();
            let (cells, pow) = recalculate_following_pow(&args);
            assert_eq!(pow, 0, "{args:?}: all {cells} cells bit-identical");
            assert!(recalculate_gradient_check(&args) > 0);
        }
    }
}

/// Cross-entropy with softmax outputs (their exponentials and sum as columns) and with sigmoid
/// outputs, at 2-2-2 and 2-3-2 with fixed biases, under plain descent and Adam: LN and EXP as
/// IronCalc computes them are the engine's doubles, gradient check included.
#[test]
fn ironcalc_recalculates_cross_entropy() {
    for network in [&["--network", "2-2-2"][..], &["--network", "2-3-2", "--bias"]] {
        for output in ["softmax", "sigmoid"] {
            for optimizer in ["gd", "adam"] {
                let maths = ["--loss", "cross-entropy", "--output-activation", output, "--optimizer", optimizer];
                let args = [network, &maths, &["--learning-rates", "0.1,0.5", "--iterations", "40"]].concat();
                let (cells, pow) = recalculate_following_pow(&args);
                assert_eq!(pow, 0, "{args:?}: all {cells} cells bit-identical");
                assert!(recalculate_gradient_check(&args) > 0);
            }
        }
    }
}
