//! The activations, losses and optimizers beyond the class's, through `check`: every combination
//! that makes sense, at 2-2-2 and 2-3-2, is read as what its formulas compute and passes, cell
//! for cell; and each catalogue mistake of those choices, written into a workbook by `generate
//! --mistake`, is named at its cells and scored by the rubric's part for them.

use crate::common::*;
use backprop_sheet::checker::{Options, Verdict, check};
use backprop_sheet::read::Workbook;

/// The hidden activations, and the output activations with the losses they go with: the
/// README's matrix of what makes sense.
const HIDDEN: [&str; 5] = ["sigmoid", "tanh", "relu", "leaky-relu=0.1", "linear"];
const OUTPUTS: [(&str, &str); 7] = [
    ("sigmoid", "squared"),
    ("tanh", "squared"),
    ("relu", "squared"),
    ("leaky-relu=0.1", "squared"),
    ("linear", "squared"),
    ("sigmoid", "cross-entropy"),
    ("softmax", "cross-entropy"),
];

/// Writes, in memory, every combination of one optimizer at one shape (trained biases, or fixed
/// ones under a softmax, which ignores a shared output bias), and holds `check` to passing each
/// with every computed cell checked.
fn every_combination_passes(network: &str, optimizer: &str) {
    for hidden in HIDDEN {
        for (output, loss) in OUTPUTS {
            let bias = if output == "softmax" { "--bias" } else { "--train-bias" };
            let args = [
                "--network",
                network,
                bias,
                "--activation",
                hidden,
                "--output-activation",
                output,
                "--loss",
                loss,
                "--optimizer",
                optimizer,
                "--learning-rates",
                "0.5",
                "--iterations",
                "4",
            ];
            let params = params(&args);
            let columns = params.inputs.columns();
            let mut out = std::io::Cursor::new(Vec::new());
            let spill = tempfile::tempdir().unwrap();
            let options = backprop_sheet::write::Options { workers: 1, ..Default::default() };
            backprop_sheet::write::write(&params, options, spill.path(), &mut out, |_| true).unwrap();
            let book = Workbook::from_bytes(std::path::Path::new("combination.xlsx"), out.get_ref()).unwrap();
            let report = check(book, &Options::default());
            let table = &report.tables[0];
            assert_eq!((report.verdict, report.tables.len()), (Verdict::Pass, 1), "{args:?}");
            let typed = columns.all().iter().filter(|c| columns.is_input(**c)).count();
            assert_eq!(table.checked_cells, 4 * columns.len() - typed, "{args:?}: every computed cell checked");
        }
    }
}

#[test]
fn every_combination_with_gradient_descent_passes_check() {
    every_combination_passes("2-2-2", "gd");
    every_combination_passes("2-3-2", "gd");
}

#[test]
fn every_combination_with_momentum_passes_check() {
    every_combination_passes("2-2-2", "momentum");
    every_combination_passes("2-3-2", "momentum");
}

#[test]
fn every_combination_with_nesterov_passes_check() {
    every_combination_passes("2-2-2", "nesterov");
    every_combination_passes("2-3-2", "nesterov");
}

#[test]
fn every_combination_with_adagrad_passes_check() {
    every_combination_passes("2-2-2", "adagrad");
    every_combination_passes("2-3-2", "adagrad");
}

#[test]
fn every_combination_with_rmsprop_passes_check() {
    every_combination_passes("2-2-2", "rmsprop");
    every_combination_passes("2-3-2", "rmsprop");
}

#[test]
fn every_combination_with_adam_passes_check() {
    every_combination_passes("2-2-2", "adam");
    every_combination_passes("2-3-2", "adam");
}

/// A wrong column: its header, its wrong cells, and the mistakes named.
type Finding = (String, String, Vec<String>);

/// (column, its wrong cells, mistake keys) of each wrong column of the one table, and the
/// rubric's parts whose deductions name `key`.
fn findings(args: &[&str], key: &str) -> (Vec<Finding>, Vec<String>) {
    let (_dir, out) = generate(&[args, &["--learning-rates", "0.5", "--iterations", "5"]].concat());
    let (code, report) = check_json(&out, &[]);
    assert_eq!(code, 1, "{report}");
    let wrong = report["tables"][0]["wrong_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let keys = w["diagnosis"]["mistakes"].as_array().unwrap().iter();
            (
                w["column"].as_str().unwrap().to_string(),
                w["cells"].as_str().unwrap().to_string(),
                keys.map(|k| k.as_str().unwrap().to_string()).collect(),
            )
        })
        .collect();
    let scored = report["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let reasons = p["deductions"].as_array().unwrap().iter();
            reasons.map(|d| d["reason"].as_str().unwrap()).any(|r| r.starts_with(&format!("{key}, ")))
        })
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    (wrong, scored)
}

/// The columns and cells a mistake is found at, each column diagnosed as that mistake alone,
/// and the rubric's part that loses its points for it.
fn named_at(args: &[&str], key: &str, part: &str) -> Vec<(String, String)> {
    let (found, scored) = findings(&[args, &["--mistake", key]].concat(), key);
    for (col, _, keys) in &found {
        assert_eq!(keys, &[key], "{col}");
    }
    assert_eq!(scored, [part], "{key}: scored under");
    found.into_iter().map(|(col, cells, _)| (col, cells)).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn check_names_tanh_s_slope_written_as_sigmoid_s() {
    assert_eq!(
        named_at(&["--activation", "tanh"], "tanh-slope-as-sigmoid", "hidden layer gradients"),
        pairs(&[("∂E/∂w1", "Y4:Y8"), ("∂E/∂w2", "Z4:Z8"), ("∂E/∂w3", "AA4:AA8"), ("∂E/∂w4", "AB4:AB8")])
    );
}

#[test]
fn check_names_a_softmax_over_one_output() {
    assert_eq!(
        named_at(
            &["--output-activation", "softmax", "--loss", "cross-entropy"],
            "softmax-over-one-output",
            "forward pass"
        ),
        pairs(&[("exp_sum", "V4:V8")])
    );
}

#[test]
fn check_names_adam_without_bias_correction() {
    let want: Vec<(String, String)> = ["F", "G", "H", "I", "N", "O", "P", "Q"]
        .iter()
        .enumerate()
        .map(|(k, c)| (format!("w{}", k + 1), format!("{c}5:{c}8")))
        .collect();
    assert_eq!(named_at(&["--optimizer", "adam"], "adam-without-bias-correction", "weight updates"), want);
}

#[test]
fn check_names_momentum_not_carried() {
    let want: Vec<(String, String)> = ["AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN"]
        .iter()
        .enumerate()
        .map(|(k, c)| (format!("v_w{}", k + 1), format!("{c}6:{c}8")))
        .collect();
    assert_eq!(named_at(&["--optimizer", "momentum"], "momentum-not-carried", "weight updates"), want);
}
