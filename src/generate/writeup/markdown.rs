//! The write-up's README: GitHub-flavoured Markdown, the equations as plain text in fenced blocks
//! (they render the same everywhere, and a reader can copy them), the numbers in tables.

use std::fmt::Write as _;

use super::derivation::{self, Derivation, Line};
use super::{DIGITS, Run, loss_name, number};
use crate::generate::layout::rate_text;
use crate::model::columns::{Col, Formulas};
use crate::model::engine::Params;
use crate::model::mistakes::Mistake;
use crate::model::network::Bias;

/// The sheet of a mistake, computed at the first learning rate, to be shown beside the right one.
pub(crate) struct MistakeSheet<'a> {
    pub mistake: &'static Mistake,
    pub formulas: &'a Formulas,
    pub run: &'a Run,
}

/// The whole README.
pub(crate) fn readme(
    params: &Params,
    runs: &[Run],
    mistake: Option<MistakeSheet>,
    epsilon: Option<f64>,
    command: &str,
) -> String {
    let columns = params.inputs.columns();
    let first = &runs[0];
    let derivation = derivation::derive(columns.formulas(), first.first_two(), first.eta, epsilon);
    let mut md = String::new();
    let network = columns.network;
    let _ = writeln!(md, "# Backpropagation, step by step: the {network} network\n");
    let _ = writeln!(md, "![the {network} network, every connection labelled with its weight](network.svg)\n");
    let biases = match network.bias {
        Bias::None => "",
        Bias::Fixed => " The biases b1 (hidden layer) and b2 (output layer) stay as typed.",
        Bias::Trained => " The biases b1 (hidden layer) and b2 (output layer) are trained like the weights.",
    };
    let rates: Vec<String> = params.learning_rates.iter().map(|&r| rate_text(r)).collect();
    let _ = writeln!(
        md,
        "{} inputs, {} hidden units, {} outputs; {}.{biases} {} iterations at each learning rate η = {}.\n",
        network.inputs,
        network.hidden,
        network.outputs,
        network.maths,
        params.iterations,
        rates.join(", ")
    );
    let _ = writeln!(md, "| value | initial | what it is |\n|---|---|---|");
    for col in columns.typed() {
        let _ = writeln!(md, "| `{}` | {} | {} |", col.header(), number(params.inputs.get(col)), columns.describe(col));
    }
    let _ = writeln!(
        md,
        "\nEach line below is a column of the workbook: its definition, the same with the values of iteration 1 \
         substituted, and its value, to {DIGITS} significant digits (the workbook holds every digit). `prev(x)` is x \
         in the iteration before.\n"
    );
    derivation_sections(&mut md, &derivation, first.eta, epsilon);
    iterations(&mut md, params, runs);
    let key = mistake.as_ref().map(|m| m.mistake.key);
    if let Some(sheet) = mistake {
        mistake_section(&mut md, params, first, &sheet, epsilon);
    }
    let workbook = match key {
        None => {
            "the workbook `backprop-sheet generate` writes with the same options holds every number here".to_string()
        }
        Some(key) => format!(
            "the workbook `backprop-sheet generate` writes with the same options holds the mistake's numbers, and \
             the same without `--mistake {key}` the others"
        ),
    };
    let _ = writeln!(
        md,
        "## How this was made\n\n`{command}` (backprop-sheet {}), from the same column definitions and engine as \
         `generate`: {workbook}, to the last digit.",
        env!("CARGO_PKG_VERSION")
    );
    md
}

fn derivation_sections(md: &mut String, d: &Derivation, eta: f64, epsilon: Option<f64>) {
    let sections = [
        ("The forward pass", &d.forward),
        ("The errors", &d.errors),
        ("The backward pass: each gradient by the chain rule", &d.backward),
    ];
    for (title, lines) in sections {
        let _ = writeln!(md, "## {title}\n");
        if std::ptr::eq(lines, &d.backward)
            && let Some(eps) = epsilon
        {
            let _ = writeln!(
                md,
                "Beside each gradient, its central finite difference (E_total(w+ε) − E_total(w−ε)) / 2ε with \
                 ε = {}, and how far apart the two are, relative to the larger.\n",
                number(eps)
            );
        }
        block(md, lines);
    }
    let _ = writeln!(md, "## The update, at η = {}\n", rate_text(eta));
    let _ = writeln!(md, "Iteration 2's values, each from iteration 1's:\n");
    block(md, &d.updates);
}

/// Lines in a fenced block: one line each, a gradient's steps one below the other.
fn block(md: &mut String, lines: &[Line]) {
    md.push_str("```text\n");
    for line in lines {
        let mark = if line.wrong.is_some() { "✗ " } else { "" };
        let lead = format!("{mark}{} = ", line.lhs);
        let indent = " ".repeat(lead.chars().count() - 2);
        if line.steps.len() > 2 {
            let _ = writeln!(md, "{lead}{}", line.steps[0]);
            for step in &line.steps[1..] {
                let _ = writeln!(md, "{indent}= {step}");
            }
            let _ = writeln!(md, "{indent}= {}", number(line.value));
        } else {
            let _ = writeln!(md, "{lead}{} = {}", line.steps.join(" = "), number(line.value));
        }
        if let Some((fd, gap)) = line.check {
            let _ = writeln!(md, "{indent}  finite difference: {}, relative gap {:.1e}", number(fd), gap);
        }
        if let Some((correct, value)) = &line.wrong {
            let _ = writeln!(md, "{indent}  wrong: the definition is {correct}, which gives {}", number(*value));
        }
    }
    md.push_str("```\n\n");
}

/// The first iterations and the last of every learning rate, and the loss pictures.
fn iterations(md: &mut String, params: &Params, runs: &[Run]) {
    let columns = params.inputs.columns();
    let outputs: Vec<Col> = columns.all().iter().copied().filter(|c| matches!(c, Col::AO(_))).collect();
    let _ = writeln!(md, "## Every learning rate\n");
    let heads: Vec<String> = outputs.iter().map(|c| format!("`{}`", c.header())).collect();
    let _ = writeln!(md, "| η | iteration | `E_total` | {} |", heads.join(" | "));
    let _ = writeln!(md, "|---|---|---|{}", "---|".repeat(outputs.len()));
    for run in runs {
        for (iteration, row) in &run.table {
            let values: Vec<String> = outputs.iter().map(|&c| number(row.get(c))).collect();
            let _ = writeln!(
                md,
                "| {} | {iteration} | {} | {} |",
                rate_text(run.eta),
                number(row.get(Col::ETotal)),
                values.join(" | ")
            );
        }
    }
    for run in runs.iter().filter(|r| r.diverged_at.is_some()) {
        let _ = writeln!(
            md,
            "\nAt η = {} the sheet overflows at iteration {} (`#NUM!`, as in Excel), and every cell after it too.",
            rate_text(run.eta),
            run.diverged_at.unwrap_or_default()
        );
    }
    let _ = writeln!(md, "\n![E_total by iteration, one curve per learning rate](loss.svg)\n");
    let pictures: Vec<String> = runs
        .iter()
        .map(|r| format!("![E_total by iteration at η = {0}]({1}.svg)", rate_text(r.eta), loss_name(r.eta)))
        .collect();
    // Three to a row: the first row is the table's header, as GitHub's tables need one.
    let wide = pictures.len().min(3);
    for (k, chunk) in pictures.chunks(wide).enumerate() {
        let mut cells = chunk.to_vec();
        cells.resize(wide, String::new());
        let _ = writeln!(md, "| {} |", cells.join(" | "));
        if k == 0 {
            let _ = writeln!(md, "|{}", "---|".repeat(wide));
        }
    }
    md.push('\n');
}

/// The derivation of the sheet with a mistake written in, each wrong line marked with the
/// definition it should have been.
fn mistake_section(md: &mut String, params: &Params, right: &Run, sheet: &MistakeSheet, epsilon: Option<f64>) {
    let m = sheet.mistake;
    let run = sheet.run;
    let d = derivation::derive(sheet.formulas, run.first_two(), run.eta, epsilon);
    let _ = writeln!(md, "## A mistake to learn from: `{}`\n", m.key);
    let _ = writeln!(
        md,
        "The sheet `backprop-sheet generate --mistake {}` writes: {}. Its lines marked ✗ are wrong; the others \
         compute as before, from the wrong values where those reach them.\n",
        m.key, m.what
    );
    for lines in [&d.forward, &d.errors, &d.backward, &d.updates] {
        if lines.iter().any(|l| l.wrong.is_some()) || std::ptr::eq(lines, &d.backward) {
            block(md, lines);
        }
    }
    let _ = writeln!(
        md,
        "After {} iterations at η = {}, E_total is {} with the mistake and {} without.\n",
        params.iterations,
        rate_text(run.eta),
        number(run.last().get(Col::ETotal)),
        number(right.last().get(Col::ETotal))
    );
}
