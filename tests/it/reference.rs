//! An independent reference: scripts/reference.py trains the same network with NumPy's matrices,
//! written from the textbook rather than from the column definitions, and its E_total agrees
//! with the engine's to 1e-12 relative at every iteration.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;
use backprop_sheet::columns::Col;
use backprop_sheet::engine::rows;
use backprop_sheet::network::{Activation, Loss, Optimizer, Param};

/// The reference's E_total of each iteration for the run `args` describes, at its first rate.
fn reference(args: &[&str]) -> Vec<f64> {
    let params = params(args);
    let columns = params.inputs.columns();
    let n = columns.network;
    let get = |c: Col| params.inputs.get(c);
    let matrix = |rows: u8, cols: u8, w: &dyn Fn(u8, u8) -> u8| -> Vec<Vec<f64>> {
        (1..=rows).map(|r| (1..=cols).map(|c| get(Col::W(w(r, c)))).collect()).collect()
    };
    let name = |a: Activation| match a {
        Activation::LeakyRelu(_) => "leaky-relu".to_string(),
        other => other.to_string().to_lowercase(),
    };
    let alpha = [n.maths.activation, n.maths.output_activation]
        .into_iter()
        .find_map(|a| if let Activation::LeakyRelu(alpha) = a { Some(alpha.value()) } else { None })
        .unwrap_or(0.01);
    let value = |p: Param| n.maths.optimizer.value(p);
    let run = serde_json::json!({
        "inputs": (1..=n.inputs).map(|i| get(Col::I(i))).collect::<Vec<_>>(),
        "targets": (1..=n.outputs).map(|k| get(Col::T(k))).collect::<Vec<_>>(),
        "w_hidden": matrix(n.hidden, n.inputs, &|j, i| n.hidden_weight(i, j)),
        "w_output": matrix(n.outputs, n.hidden, &|k, j| n.output_weight(j, k)),
        "activation": name(n.maths.activation),
        "output_activation": name(n.maths.output_activation),
        "alpha": alpha,
        "eta": params.learning_rates[0],
        "iterations": params.iterations,
        "optimizer": n.maths.optimizer.name(),
        "momentum": value(Param::Momentum),
        "rms_alpha": value(Param::Alpha),
        "beta1": value(Param::Beta1),
        "beta2": value(Param::Beta2),
        "eps": value(Param::Delta),
        "loss": if n.maths.loss == Loss::Squared { "squared" } else { "cross-entropy" },
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/reference.py");
    let mut child =
        Command::new("python3").arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python3 runs");
    child.stdin.take().unwrap().write_all(run.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the reference failed for {args:?}");
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.parse().unwrap()).collect()
}

/// The largest relative difference between the engine's E_total and the reference's.
fn largest_gap(args: &[&str]) -> f64 {
    let params = params(args);
    let ours: Vec<f64> =
        rows(&params.inputs, params.learning_rates[0], params.iterations, params.inputs.columns().formulas())
            .map(|r| r.get(Col::ETotal))
            .collect();
    let theirs = reference(args);
    assert_eq!(ours.len(), theirs.len(), "{args:?}");
    ours.iter().zip(&theirs).map(|(a, b)| (a - b).abs() / a.abs().max(b.abs())).fold(0.0, f64::max)
}

#[test]
#[cfg_attr(no_numpy, ignore = "NumPy is not installed (python3 -m pip install numpy)")]
fn numpy_agrees_with_every_activation_to_1e_12() {
    for network in ["2-2-2", "2-3-2"] {
        for hidden in ["sigmoid", "tanh", "relu", "leaky-relu=0.1", "linear"] {
            let outputs = if hidden == "sigmoid" { vec![hidden] } else { vec!["sigmoid", hidden] };
            for output in outputs {
                let args = [
                    "--network",
                    network,
                    "--activation",
                    hidden,
                    "--output-activation",
                    output,
                    "--learning-rates",
                    "0.5",
                    "--iterations",
                    "100",
                ];
                let gap = largest_gap(&args);
                println!(
                    "NumPy {network} {hidden} hidden, {output} outputs: largest relative difference in E_total {gap:.1e}"
                );
                assert!(gap < 1e-12, "{args:?}: {gap:e}");
            }
        }
    }
}

/// Each optimizer, with PyTorch's defaults and with other values of its parameters, on two
/// networks and two activations.
#[test]
#[cfg_attr(no_numpy, ignore = "NumPy is not installed (python3 -m pip install numpy)")]
fn numpy_agrees_with_every_optimizer_to_1e_12() {
    // Other values of each optimizer's parameters (plain descent has none).
    let others: [&[&str]; 6] = [
        &[],
        &["--momentum", "0.5"],
        &["--momentum", "0.7"],
        &["--eps", "1e-6"],
        &["--alpha", "0.9", "--eps", "1e-6"],
        &["--beta1", "0.8", "--beta2", "0.99", "--eps", "1e-7"],
    ];
    for (name, other) in Optimizer::NAMES.iter().zip(others) {
        for network in ["2-2-2", "2-3-2"] {
            for activation in ["sigmoid", "tanh"] {
                let extras = if other.is_empty() { vec![other] } else { vec![&[][..], other] };
                for extra in extras {
                    let args = [
                        &["--network", network, "--activation", activation, "--optimizer", name][..],
                        extra,
                        &["--learning-rates", "0.1", "--iterations", "100"],
                    ]
                    .concat();
                    let gap = largest_gap(&args);
                    println!("NumPy {}: largest relative difference in E_total {gap:.1e}", args.join(" "));
                    assert!(gap < 1e-12, "{args:?}: {gap:e}");
                }
            }
        }
    }
}

/// Cross-entropy, with softmax outputs and with sigmoid outputs, under several hidden activations
/// and optimizers: the reference differentiates it through the output layer's Jacobian, the
/// sheet writes the deltas a_o-t.
#[test]
#[cfg_attr(no_numpy, ignore = "NumPy is not installed (python3 -m pip install numpy)")]
fn numpy_agrees_with_cross_entropy_to_1e_12() {
    for network in ["2-2-2", "2-3-2"] {
        for output in ["softmax", "sigmoid"] {
            for hidden in ["sigmoid", "tanh", "relu"] {
                for optimizer in ["gd", "momentum", "adam"] {
                    let args = [
                        "--network",
                        network,
                        "--loss",
                        "cross-entropy",
                        "--output-activation",
                        output,
                        "--activation",
                        hidden,
                        "--optimizer",
                        optimizer,
                        "--learning-rates",
                        "0.1",
                        "--iterations",
                        "100",
                    ];
                    let gap = largest_gap(&args);
                    println!("NumPy {}: largest relative difference in E_total {gap:.1e}", args.join(" "));
                    assert!(gap < 1e-12, "{args:?}: {gap:e}");
                }
            }
        }
    }
}
