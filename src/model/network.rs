//! The network a worksheet trains: how many inputs, hidden units and outputs, whether it has
//! Matt Mazur's biases, and the maths it is trained with: each layer's activation, the loss and
//! the optimizer. The class's assignment is 2-2-2 without biases, sigmoid everywhere, squared
//! error and gradient descent; every column of the worksheet is generated from this description
//! (see [`crate::model::columns`]), and each variation point below contributes its piece of
//! formula text, so a new activation, loss or optimizer is one variant and its texts.

use std::fmt;

/// The largest layer a worksheet holds: with 8-8-8 and trained biases a row is 317 columns,
/// still well inside Excel's 16,384 and still something a person can read.
pub const MAX_UNITS: u8 = 8;

/// Biases as in Mazur's post: b1 shared by the hidden layer, b2 by the output layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bias {
    /// The class's network: no biases.
    #[default]
    None,
    /// Biases typed in the first row and carried down unchanged, as in Mazur's post.
    Fixed,
    /// Biases with their own gradients, updated like the weights.
    Trained,
}

impl Bias {
    /// As a template's `biases` cell spells it.
    pub fn text(self) -> &'static str {
        match self {
            Bias::None => "none",
            Bias::Fixed => "fixed",
            Bias::Trained => "trained",
        }
    }

    pub fn from_text(text: &str) -> Option<Bias> {
        [Bias::None, Bias::Fixed, Bias::Trained].into_iter().find(|b| b.text().eq_ignore_ascii_case(text.trim()))
    }
}

/// A layer's activation: its formula as a function of the unit's weighted sum, and its slope in
/// the chain rule's form, written with the activation itself where the course does (sigmoid's
/// `a*(1-a)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activation {
    #[default]
    Sigmoid,
}

impl Activation {
    /// As the flags and the Summary name it.
    pub fn text(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
        }
    }

    /// The activation of the sum named `x`, as written in column names.
    pub(crate) fn formula(self, x: &str) -> String {
        match self {
            Activation::Sigmoid => format!("1/(1+EXP(-{x}))"),
        }
    }

    /// The slope at the sum `x` whose activation is `a`, as a factor of a product: None when it
    /// is 1 and a careful person would not write it.
    pub(crate) fn slope(self, _x: &str, a: &str) -> Option<String> {
        match self {
            Activation::Sigmoid => Some(format!("{a}*(1-{a})")),
        }
    }
}

/// The error of one output, summed into E_total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Loss {
    /// The course's 0.5*(t-a)^2, whose derivative is a-t.
    #[default]
    Squared,
}

impl Loss {
    pub fn text(self) -> &'static str {
        match self {
            Loss::Squared => "squared error",
        }
    }

    /// The error of output `k`, in column names.
    pub(crate) fn error(self, k: u8) -> String {
        match self {
            Loss::Squared => format!("0.5*(t{k}-a_o{k})^2"),
        }
    }

    /// ∂E/∂o_k, output k's delta: the loss's derivative by the activation times the output
    /// activation's slope.
    pub(crate) fn delta(self, activation: Activation, k: u8) -> String {
        let derivative = match self {
            Loss::Squared => format!("(a_o{k}-t{k})"),
        };
        match activation.slope(&format!("o{k}"), &format!("a_o{k}")) {
            Some(slope) => format!("{derivative}*{slope}"),
            None => derivative,
        }
    }
}

/// A named parameter of the formulas, bound to a labelled cell of each sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Param {
    /// The learning rate η.
    Eta,
}

impl Param {
    /// The name formulas written in column names use.
    pub fn name(self) -> &'static str {
        match self {
            Param::Eta => "η",
        }
    }

    /// What it is, for the sheets' labels and the derivation.
    pub fn meaning(self) -> &'static str {
        match self {
            Param::Eta => "learning rate",
        }
    }

    pub fn from_name(name: &str) -> Option<Param> {
        match name {
            "η" | "eta" => Some(Param::Eta),
            _ => None,
        }
    }
}

/// How a trained parameter moves from one row to the next, given its gradient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Optimizer {
    /// Plain gradient descent: w = w - η*∂E/∂w, with the previous row's w and gradient.
    #[default]
    Gd,
}

impl Optimizer {
    pub fn text(self) -> &'static str {
        match self {
            Optimizer::Gd => "gradient descent",
        }
    }

    /// The parameters its formulas read, each a labelled cell of the sheet.
    pub fn params(self) -> &'static [Param] {
        match self {
            Optimizer::Gd => &[Param::Eta],
        }
    }

    /// The update of the trained column `w` whose gradient is `g`, both column names.
    pub(crate) fn update(self, w: &str, g: &str) -> String {
        match self {
            Optimizer::Gd => format!("prev({w})-η*prev({g})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Network {
    pub inputs: u8,
    pub hidden: u8,
    pub outputs: u8,
    pub bias: Bias,
    /// The hidden layer's activation, and the output layer's.
    pub activation: Activation,
    pub output_activation: Activation,
    pub loss: Loss,
    pub optimizer: Optimizer,
}

impl Default for Network {
    /// The class's network.
    fn default() -> Network {
        Network::shape(2, 2, 2)
    }
}

/// Where a weight sits: input `from` to hidden unit `to` (layer 1), or hidden unit `from` to
/// output `to` (layer 2), units numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub layer: u8,
    pub from: u8,
    pub to: u8,
}

impl Network {
    /// A network of this shape without biases, trained as the class trains: sigmoid
    /// everywhere, squared error, gradient descent.
    pub fn shape(inputs: u8, hidden: u8, outputs: u8) -> Network {
        Network {
            inputs,
            hidden,
            outputs,
            bias: Bias::None,
            activation: Activation::default(),
            output_activation: Activation::default(),
            loss: Loss::default(),
            optimizer: Optimizer::default(),
        }
    }

    /// Whether two networks have the same units and connections, whatever their biases and maths:
    /// whether one's weights mean the same connections in the other.
    pub fn same_shape(self, other: Network) -> bool {
        (self.inputs, self.hidden, self.outputs) == (other.inputs, other.hidden, other.outputs)
    }

    /// Parses `I-H-O` (each 1 to [`MAX_UNITS`]), the form `--network` and a template's
    /// `network` cell take; the bias is given apart.
    pub fn parse_shape(text: &str) -> Result<Network, String> {
        let parts: Vec<&str> = text.trim().split(['-', 'x', '×']).map(str::trim).collect();
        let units: Vec<u8> =
            parts.iter().filter_map(|p| p.parse().ok()).filter(|n| (1..=MAX_UNITS).contains(n)).collect();
        match units[..] {
            [inputs, hidden, outputs] if parts.len() == 3 => Ok(Network::shape(inputs, hidden, outputs)),
            _ => Err(format!(
                "`{text}` is not a network: write inputs-hidden-outputs, each from 1 to {MAX_UNITS}, e.g. 2-3-2"
            )),
        }
    }

    pub fn with_bias(self, bias: Bias) -> Network {
        Network { bias, ..self }
    }

    pub fn hidden_weights(self) -> u8 {
        self.inputs * self.hidden
    }

    pub fn weights(self) -> u8 {
        self.hidden_weights() + self.hidden * self.outputs
    }

    /// The number of the weight from input `i` to hidden unit `j`: hidden unit by hidden unit,
    /// so for 2-2-2 w1 = i1→h1, w2 = i2→h1, w3 = i1→h2, w4 = i2→h2.
    pub fn hidden_weight(self, i: u8, j: u8) -> u8 {
        (j - 1) * self.inputs + i
    }

    /// The number of the weight from hidden unit `j` to output `k`: output by output, after the
    /// hidden layer's, so for 2-2-2 w5 = h1→o1, w6 = h2→o1, w7 = h1→o2, w8 = h2→o2.
    pub fn output_weight(self, j: u8, k: u8) -> u8 {
        self.hidden_weights() + (k - 1) * self.hidden + j
    }

    /// What weight `n` connects.
    pub fn link(self, n: u8) -> Link {
        if n <= self.hidden_weights() {
            Link { layer: 1, from: (n - 1) % self.inputs + 1, to: (n - 1) / self.inputs + 1 }
        } else {
            let m = n - self.hidden_weights() - 1;
            Link { layer: 2, from: m % self.hidden + 1, to: m / self.hidden + 1 }
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.inputs, self.hidden, self.outputs)?;
        match self.bias {
            Bias::None => Ok(()),
            Bias::Fixed => f.write_str(" with fixed biases"),
            Bias::Trained => f.write_str(" with trained biases"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_numbered_as_the_class_numbers_them() {
        let n = Network::default();
        let links: Vec<(u8, u8, u8)> = (1..=8).map(|w| n.link(w)).map(|l| (l.layer, l.from, l.to)).collect();
        assert_eq!(links, [(1, 1, 1), (1, 2, 1), (1, 1, 2), (1, 2, 2), (2, 1, 1), (2, 2, 1), (2, 1, 2), (2, 2, 2)]);
        let big = Network::shape(3, 4, 2);
        for w in 1..=big.weights() {
            let l = big.link(w);
            let back = if l.layer == 1 { big.hidden_weight(l.from, l.to) } else { big.output_weight(l.from, l.to) };
            assert_eq!(back, w);
        }
    }

    #[test]
    fn shapes_parse_and_refuse() {
        assert_eq!(Network::parse_shape("2-3-2").unwrap(), Network::shape(2, 3, 2));
        assert_eq!(Network::parse_shape(" 8 - 8 - 8 ").unwrap().weights(), 128);
        for bad in ["2-2", "0-2-2", "2-9-2", "2-2-2-2", "a-b-c", "", "2--2"] {
            assert!(Network::parse_shape(bad).is_err(), "{bad}");
        }
    }
}
