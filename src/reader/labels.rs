//! Labelled cells: a label (`w1`, `η`, `iterations`, `learning rates` in the spellings people
//! use) and the value beside it, and where a table's weight updates read η. Both readers use
//! them: the template's, and `check`'s search for η.

use calamine::Data;

use super::{Pos, Sheet, Table, parse_formula};
use crate::model::columns::Col;
use crate::model::network::Param;

/// What a label names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Label {
    /// A typed column: t1, i2, w7, b1, ...
    Input(Col),
    Iterations,
    LearningRate,
    /// The network's shape, `2-3-2`.
    Network,
    /// `none`, `fixed` or `trained`.
    Biases,
    /// The hidden layer's activation, the output layer's, the loss, the optimizer: a name as its
    /// flag takes it (`tanh`, `cross-entropy`, `adam`).
    Activation,
    OutputActivation,
    Loss,
    Optimizer,
    /// An optimizer's parameter other than η, by the name the sheets label it with (`μ =`,
    /// `β1 =`) or spelled out (`beta1`, `alpha`).
    Param(Param),
}

/// A label as compared: lower case, without spaces and punctuation people put around it.
pub(crate) fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '=' | ':' | '(' | ')' | '.'))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ͷ' { 'η' } else { c })
        .collect()
}

pub(crate) fn label(text: &str) -> Option<Label> {
    let s = normalised(text);
    if let Some(c) = Col::from_name(&s).filter(|c| c.is_typed()) {
        return Some(Label::Input(c));
    }
    match s.as_str() {
        "network" | "shape" => return Some(Label::Network),
        "bias" | "biases" => return Some(Label::Biases),
        "activation" | "hiddenactivation" => return Some(Label::Activation),
        "outputactivation" => return Some(Label::OutputActivation),
        "loss" => return Some(Label::Loss),
        "optimizer" | "optimiser" => return Some(Label::Optimizer),
        _ => {}
    }
    // Not `momentum` spelled out: that is the name of an optimizer, an `optimizer` cell's value.
    let param = match s.as_str() {
        "alpha" => Some(Param::Alpha),
        "beta1" => Some(Param::Beta1),
        "beta2" => Some(Param::Beta2),
        "delta" => Some(Param::Delta),
        name => Param::from_name(name).filter(|&p| p != Param::Eta),
    };
    if let Some(p) = param {
        return Some(Label::Param(p));
    }
    let count = s.strip_prefix("numberof").or_else(|| s.strip_prefix("noof")).unwrap_or(&s);
    if matches!(count, "iterations" | "iteration" | "iters" | "epochs" | "steps") || s == "iterationcount" {
        return Some(Label::Iterations);
    }
    let rest = s.trim_start_matches('η').trim_end_matches('η');
    let is_eta = rest.len() < s.len() && rest.is_empty()
        || matches!(rest, "eta" | "lr" | "learningrate" | "learningrates" | "lrs");
    is_eta.then_some(Label::LearningRate)
}

/// How far right of its label a value may sit (labels are often in merged or padded cells).
const LABEL_REACH: u32 = 6;

/// A step from a cell to its neighbour: right or down.
pub(crate) type Step = fn(Pos) -> Pos;

/// The cell holding a label's value: the first filled cell to its right, or the one below it,
/// and the direction in which a list of values (the learning rates) continues.
pub(crate) fn value_of(sheet: &Sheet, pos: Pos) -> Option<(Pos, Step)> {
    let is_value = |p: Pos| {
        sheet
            .value(p)
            .is_some_and(|d| !matches!(d, Data::String(s) if label(s).is_some() || Col::from_header(s).is_some()))
    };
    let mut p = pos.right();
    for _ in 0..LABEL_REACH {
        if sheet.value(p).is_some() {
            return is_value(p).then_some((p, Pos::right as Step));
        }
        p = p.right();
    }
    is_value(pos.below()).then_some((pos.below(), Pos::below as Step))
}

/// The cell a class-layout table's weight updates read η from: what the second data row's w1
/// formula (`=E33-$G$31*X33`) reads on its own sheet besides the table's own cells.
pub(crate) fn eta_reference(sheet: &Sheet, table: &Table) -> Option<Pos> {
    let w1 = table.pos(Col::W(1), 2)?;
    let tree = parse_formula(sheet.formulas.get(&w1)?, 0, &|_| None).ok()?;
    let mut leaves = Vec::new();
    tree.leaves(&mut leaves);
    leaves.into_iter().map(|a| a.pos).find(|p| !table.cols.values().any(|&c| c == p.col) || p.row < table.header_row)
}

/// Every labelled value of a sheet: what the label names, the label's cell, the value's cell,
/// and the direction in which a list of values continues.
pub(crate) fn labelled(sheet: &Sheet) -> Vec<(Label, Pos, Pos, Step)> {
    sheet
        .texts()
        .into_iter()
        .filter_map(|(pos, text)| {
            let what = label(text)?;
            let (at, step) = value_of(sheet, pos)?;
            Some((what, pos, at, step))
        })
        .collect()
}

/// The computed quantities a sheet labels one by one (`h1` with its value beside it, `out_h1`,
/// `E_total`): the layout of one iteration per sheet. The labels as written, in sheet order.
pub(crate) fn labelled_quantities(sheet: &Sheet) -> Vec<String> {
    let mut found: Vec<(Pos, &str)> = sheet
        .texts()
        .into_iter()
        .filter(|(pos, text)| {
            Col::from_header(text).is_some_and(|c| !c.is_typed())
                && value_of(sheet, *pos).is_some_and(|(at, _)| sheet.number(at).is_some())
        })
        .collect();
    found.sort_by_key(|(p, _)| (p.row, p.col));
    found.into_iter().map(|(_, t)| t.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_the_spellings_people_use() {
        for (text, want) in [
            ("w1", Label::Input(Col::W(1))),
            ("  T2 ", Label::Input(Col::T(2))),
            ("η", Label::LearningRate),
            ("η =", Label::LearningRate),
            ("ͷ", Label::LearningRate),
            ("eta", Label::LearningRate),
            ("LR", Label::LearningRate),
            ("learning rate:  η =", Label::LearningRate),
            ("Learning_Rates", Label::LearningRate),
            ("η (learning rate)", Label::LearningRate),
            ("Iterations", Label::Iterations),
            ("Iterations:", Label::Iterations),
            ("Number of iterations", Label::Iterations),
            ("learning-rates", Label::LearningRate),
        ] {
            assert_eq!(label(text), Some(want), "{text}");
        }
        assert_eq!(label("w12"), Some(Label::Input(Col::W(12))), "a weight of a larger network");
        assert_eq!(label("b1"), Some(Label::Input(Col::B(1))));
        assert_eq!(label("Network:"), Some(Label::Network));
        assert_eq!(label("biases"), Some(Label::Biases));
        for text in ["h1", "w129", "b3", "E_total", "note", "learning", "a_h1", "ηη x"] {
            assert_eq!(label(text), None, "{text}");
        }
    }
}
