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
/// `a*(1-a)`, tanh's `1-a^2`). ReLU's slope at exactly 0 is taken as 0 and leaky ReLU's as α,
/// as PyTorch takes them: `IF(h>0,1,0)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activation {
    #[default]
    Sigmoid,
    Tanh,
    Relu,
    /// α*x below 0.
    LeakyRelu(Real),
    Linear,
    /// The output layer's only, with cross-entropy: each output's exponential over their sum.
    Softmax,
}

/// A number the network description carries (leaky ReLU's α, an optimizer's hyper-parameters),
/// kept as its bits so that a network stays a key of the caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Real(u64);

impl Real {
    pub fn new(alpha: f64) -> Real {
        Real(alpha.to_bits())
    }

    pub fn value(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl Activation {
    /// Leaky ReLU's α unless given: PyTorch's `negative_slope`.
    pub const LEAKY_SLOPE: f64 = 0.01;

    /// The names `--activation` takes.
    pub const NAMES: &str =
        "sigmoid, tanh, relu, leaky-relu (or leaky-relu=α, α 0.01 unless given), linear; softmax for the outputs";

    /// Parses a flag's value: one of [`Activation::NAMES`].
    pub fn parse(text: &str) -> Result<Activation, String> {
        let text = text.trim().to_ascii_lowercase();
        let (name, alpha) = match text.split_once('=') {
            Some((name, alpha)) => (name.trim(), Some(alpha.trim())),
            None => (text.as_str(), None),
        };
        let activation = match (name, alpha) {
            ("sigmoid", None) => Activation::Sigmoid,
            ("tanh", None) => Activation::Tanh,
            ("relu", None) => Activation::Relu,
            ("linear", None) => Activation::Linear,
            ("softmax", None) => Activation::Softmax,
            ("leaky-relu", None) => Activation::LeakyRelu(Real::new(Activation::LEAKY_SLOPE)),
            ("leaky-relu", Some(alpha)) => match alpha.parse::<f64>() {
                Ok(a) if (0.0..1.0).contains(&a) => Activation::LeakyRelu(Real::new(a)),
                _ => return Err(format!("leaky ReLU's α must be a number from 0 to below 1, not `{alpha}`")),
            },
            _ => return Err(format!("`{text}` is not an activation: use one of {}", Activation::NAMES)),
        };
        Ok(activation)
    }

    /// As `--activation` and a template's `activation` cell spell it: what [`Activation::parse`]
    /// reads back.
    pub fn flag(self) -> String {
        match self {
            Activation::Sigmoid => "sigmoid".into(),
            Activation::Tanh => "tanh".into(),
            Activation::Relu => "relu".into(),
            Activation::LeakyRelu(alpha) => format!("leaky-relu={}", alpha.value()),
            Activation::Linear => "linear".into(),
            Activation::Softmax => "softmax".into(),
        }
    }

    /// The activation of the sum named `x`, as written in column names.
    pub(crate) fn formula(self, x: &str) -> String {
        match self {
            Activation::Sigmoid => format!("1/(1+EXP(-{x}))"),
            Activation::Tanh => format!("TANH({x})"),
            Activation::Relu => format!("MAX(0,{x})"),
            Activation::LeakyRelu(alpha) => format!("IF({x}>0,{x},{}*{x})", alpha.value()),
            Activation::Linear => x.to_string(),
            Activation::Softmax => format!("exp_{x}/exp_sum"),
        }
    }

    /// The slope at the sum `x` whose activation is `a`, as a factor of a product: None when it
    /// is 1 and a careful person would not write it.
    pub(crate) fn slope(self, x: &str, a: &str) -> Option<String> {
        match self {
            Activation::Sigmoid => Some(format!("{a}*(1-{a})")),
            Activation::Tanh => Some(format!("(1-{a}^2)")),
            Activation::Relu => Some(format!("IF({x}>0,1,0)")),
            Activation::LeakyRelu(alpha) => Some(format!("IF({x}>0,1,{})", alpha.value())),
            // Cross-entropy's delta needs none; softmax goes with nothing else.
            Activation::Linear | Activation::Softmax => None,
        }
    }
}

impl fmt::Display for Activation {
    /// As the Summary and the terminal name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Sigmoid => f.write_str("sigmoid"),
            Activation::Tanh => f.write_str("tanh"),
            Activation::Relu => f.write_str("ReLU"),
            Activation::LeakyRelu(alpha) => write!(f, "leaky ReLU (α = {})", alpha.value()),
            Activation::Linear => f.write_str("linear"),
            Activation::Softmax => f.write_str("softmax"),
        }
    }
}

/// The error of one output, summed into E_total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Loss {
    /// The course's 0.5*(t-a)^2, whose derivative is a-t.
    #[default]
    Squared,
    /// With softmax outputs -t*LN(a) per output; with sigmoid outputs the binary cross-entropy
    /// -(t*LN(a)+(1-t)*LN(1-a)) per output. Either way ∂E/∂o is a-t (with softmax, when the
    /// targets sum to 1, as a distribution's do).
    CrossEntropy,
}

impl Loss {
    pub const NAMES: [&str; 2] = ["squared", "cross-entropy"];

    pub fn named(name: &str) -> Option<Loss> {
        match name {
            "squared" => Some(Loss::Squared),
            "cross-entropy" => Some(Loss::CrossEntropy),
            _ => None,
        }
    }

    /// As `--loss` and a template's `loss` cell spell it.
    pub fn flag(self) -> &'static str {
        match self {
            Loss::Squared => Loss::NAMES[0],
            Loss::CrossEntropy => Loss::NAMES[1],
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Loss::Squared => "squared error",
            Loss::CrossEntropy => "cross-entropy",
        }
    }

    /// The error of output `k` through the output layer's `activation`, in column names.
    pub(crate) fn error(self, activation: Activation, k: u8) -> String {
        match (self, activation) {
            (Loss::Squared, _) => format!("0.5*(t{k}-a_o{k})^2"),
            (Loss::CrossEntropy, Activation::Softmax) => format!("-t{k}*LN(a_o{k})"),
            (Loss::CrossEntropy, _) => format!("-(t{k}*LN(a_o{k})+(1-t{k})*LN(1-a_o{k}))"),
        }
    }

    /// ∂E/∂o_k, output k's delta: the loss's derivative by the activation times the output
    /// activation's slope; for cross-entropy the two cancel to a-t.
    pub(crate) fn delta(self, activation: Activation, k: u8) -> String {
        let derivative = format!("(a_o{k}-t{k})");
        match (self, activation.slope(&format!("o{k}"), &format!("a_o{k}"))) {
            (Loss::Squared, Some(slope)) => format!("{derivative}*{slope}"),
            _ => derivative,
        }
    }
}

impl fmt::Display for Maths {
    /// As the Summary and the terminal say it: `tanh everywhere, squared error, gradient descent`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.activation, self.output_activation) {
            (hidden, output) if hidden == output => write!(f, "{hidden} everywhere")?,
            (hidden, output) => write!(f, "{hidden} hidden, {output} outputs")?,
        }
        write!(f, ", {}, {}", self.loss.text(), self.optimizer)
    }
}

/// A named parameter of the formulas, bound to a labelled cell of each sheet: the learning rate
/// and the optimizers' hyper-parameters, as PyTorch's `torch.optim` names them (`momentum`,
/// `alpha`, `betas`, `eps`); the sheet writes them as the textbooks do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Param {
    /// The learning rate η.
    Eta,
    /// SGD's momentum μ.
    Momentum,
    /// RMSprop's smoothing constant α.
    Alpha,
    /// Adam's decay rates β1 and β2.
    Beta1,
    Beta2,
    /// The small constant δ added to a square root before dividing (PyTorch's `eps`; δ, as in
    /// Goodfellow, Bengio and Courville, since ε is the gradient check's step).
    Delta,
}

impl Param {
    pub(crate) const ALL: [Param; 6] =
        [Param::Eta, Param::Momentum, Param::Alpha, Param::Beta1, Param::Beta2, Param::Delta];

    /// The name formulas written in column names use, and the sheet's label.
    pub fn name(self) -> &'static str {
        match self {
            Param::Eta => "η",
            Param::Momentum => "μ",
            Param::Alpha => "α",
            Param::Beta1 => "β1",
            Param::Beta2 => "β2",
            Param::Delta => "δ",
        }
    }

    /// What it is, for the sheets' labels and the derivation.
    pub fn meaning(self) -> &'static str {
        match self {
            Param::Eta => "learning rate",
            Param::Momentum => "momentum",
            Param::Alpha => "smoothing constant (PyTorch's alpha)",
            Param::Beta1 => "first moment's decay rate",
            Param::Beta2 => "second moment's decay rate",
            Param::Delta => "small constant (PyTorch's eps)",
        }
    }

    /// What is wrong with a value for it, the flags' and a template's: the decay rates and μ
    /// from 0 to below 1, δ above 0 and below 1 (η is the learning rates').
    pub fn problem(self, value: f64) -> Option<&'static str> {
        match self {
            Param::Eta => None,
            Param::Delta => (!(value > 0.0 && value < 1.0)).then_some("above 0 and below 1"),
            _ => (!(0.0..1.0).contains(&value)).then_some("from 0 to below 1"),
        }
    }

    pub fn from_name(name: &str) -> Option<Param> {
        match name {
            "eta" => Some(Param::Eta),
            _ => Param::ALL.into_iter().find(|p| p.name() == name),
        }
    }
}

/// How a trained parameter moves from one row to the next, as PyTorch's `torch.optim` defines
/// it (no weight decay, no dampening): its state, when it has one, is columns of the table, each
/// typed 0 in the first row (1 for Adam's powers of β) and a formula of the row above after it,
/// so that a row's update reads only the rows above and its own state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Optimizer {
    /// Plain gradient descent: w = w - η*∂E/∂w, with the previous row's w and gradient.
    #[default]
    Gd,
    /// SGD with momentum: v = μ*v + g, w = w - η*v; with Nesterov, w = w - η*(g + μ*v).
    Momentum { momentum: Real, nesterov: bool },
    /// v = v + g², w = w - η*g/(√v + δ).
    Adagrad { delta: Real },
    /// v = α*v + (1-α)*g², w = w - η*g/(√v + δ).
    Rmsprop { alpha: Real, delta: Real },
    /// m = β1*m + (1-β1)*g, v = β2*v + (1-β2)*g², w = w - η*m̂/(√v̂ + δ) with m̂ = m/(1-β1^t),
    /// v̂ = v/(1-β2^t).
    Adam { beta1: Real, beta2: Real, delta: Real },
}

/// What an optimizer keeps besides the weights: nothing, one value per trained parameter (v),
/// or two (m and v) and the powers of β1 and β2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    None,
    V,
    Adam,
}

impl Optimizer {
    /// The names `--optimizer` takes.
    pub const NAMES: [&str; 6] = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

    /// An optimizer by its flag's name, with PyTorch's defaults: momentum 0.9 (PyTorch has
    /// none; 0.9 is the usual choice), α 0.99, β1 0.9, β2 0.999, δ 1e-10 for Adagrad and 1e-8
    /// for RMSprop and Adam.
    pub fn named(name: &str) -> Option<Optimizer> {
        let r = Real::new;
        Some(match name {
            "gd" => Optimizer::Gd,
            "momentum" => Optimizer::Momentum { momentum: r(0.9), nesterov: false },
            "nesterov" => Optimizer::Momentum { momentum: r(0.9), nesterov: true },
            "adagrad" => Optimizer::Adagrad { delta: r(1e-10) },
            "rmsprop" => Optimizer::Rmsprop { alpha: r(0.99), delta: r(1e-8) },
            "adam" => Optimizer::Adam { beta1: r(0.9), beta2: r(0.999), delta: r(1e-8) },
            _ => return None,
        })
    }

    /// The flag's name.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Gd => "gd",
            Optimizer::Momentum { nesterov: false, .. } => "momentum",
            Optimizer::Momentum { nesterov: true, .. } => "nesterov",
            Optimizer::Adagrad { .. } => "adagrad",
            Optimizer::Rmsprop { .. } => "rmsprop",
            Optimizer::Adam { .. } => "adam",
        }
    }

    /// Its sheet's name when optimizers are compared.
    pub fn sheet_name(self) -> &'static str {
        match self {
            Optimizer::Gd => "Gradient descent",
            Optimizer::Momentum { nesterov: false, .. } => "Momentum",
            Optimizer::Momentum { nesterov: true, .. } => "Nesterov",
            Optimizer::Adagrad { .. } => "Adagrad",
            Optimizer::Rmsprop { .. } => "RMSprop",
            Optimizer::Adam { .. } => "Adam",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Optimizer::Gd => "gradient descent",
            Optimizer::Momentum { nesterov: false, .. } => "gradient descent with momentum",
            Optimizer::Momentum { nesterov: true, .. } => "gradient descent with Nesterov momentum",
            Optimizer::Adagrad { .. } => "Adagrad",
            Optimizer::Rmsprop { .. } => "RMSprop",
            Optimizer::Adam { .. } => "Adam",
        }
    }

    /// The parameters its formulas read, each a labelled cell of the sheet, η first.
    pub fn params(self) -> &'static [Param] {
        match self {
            Optimizer::Gd => &[Param::Eta],
            Optimizer::Momentum { .. } => &[Param::Eta, Param::Momentum],
            Optimizer::Adagrad { .. } => &[Param::Eta, Param::Delta],
            Optimizer::Rmsprop { .. } => &[Param::Eta, Param::Alpha, Param::Delta],
            Optimizer::Adam { .. } => &[Param::Eta, Param::Beta1, Param::Beta2, Param::Delta],
        }
    }

    /// The value of one of its parameters other than η, which each sheet sets.
    pub fn value(self, param: Param) -> Option<f64> {
        let real = match (self, param) {
            (Optimizer::Momentum { momentum, .. }, Param::Momentum) => momentum,
            (Optimizer::Rmsprop { alpha, .. }, Param::Alpha) => alpha,
            (Optimizer::Adam { beta1, .. }, Param::Beta1) => beta1,
            (Optimizer::Adam { beta2, .. }, Param::Beta2) => beta2,
            (
                Optimizer::Adagrad { delta } | Optimizer::Rmsprop { delta, .. } | Optimizer::Adam { delta, .. },
                Param::Delta,
            ) => delta,
            _ => return None,
        };
        Some(real.value())
    }

    /// The same optimizer with one parameter set; None if it has no such parameter.
    pub fn with(self, param: Param, value: f64) -> Option<Optimizer> {
        let v = Real::new(value);
        Some(match (self, param) {
            (Optimizer::Momentum { nesterov, .. }, Param::Momentum) => Optimizer::Momentum { momentum: v, nesterov },
            (Optimizer::Rmsprop { delta, .. }, Param::Alpha) => Optimizer::Rmsprop { alpha: v, delta },
            (Optimizer::Adam { beta2, delta, .. }, Param::Beta1) => Optimizer::Adam { beta1: v, beta2, delta },
            (Optimizer::Adam { beta1, delta, .. }, Param::Beta2) => Optimizer::Adam { beta1, beta2: v, delta },
            (Optimizer::Adagrad { .. }, Param::Delta) => Optimizer::Adagrad { delta: v },
            (Optimizer::Rmsprop { alpha, .. }, Param::Delta) => Optimizer::Rmsprop { alpha, delta: v },
            (Optimizer::Adam { beta1, beta2, .. }, Param::Delta) => Optimizer::Adam { beta1, beta2, delta: v },
            _ => return None,
        })
    }

    pub fn state(self) -> State {
        match self {
            Optimizer::Gd => State::None,
            Optimizer::Momentum { .. } | Optimizer::Adagrad { .. } | Optimizer::Rmsprop { .. } => State::V,
            Optimizer::Adam { .. } => State::Adam,
        }
    }

    /// The update of the trained column `w` whose gradient is `g` and whose state columns are `m`
    /// and `v`, all column names. The state a row holds is what the rows above left: the update
    /// reads it from its own row, and the gradient from the row above.
    pub(crate) fn update(self, w: &str, g: &str, m: &str, v: &str) -> String {
        match self {
            Optimizer::Gd => format!("prev({w})-η*prev({g})"),
            Optimizer::Momentum { nesterov: false, .. } => format!("prev({w})-η*{v}"),
            Optimizer::Momentum { nesterov: true, .. } => format!("prev({w})-η*(prev({g})+μ*{v})"),
            Optimizer::Adagrad { .. } | Optimizer::Rmsprop { .. } => format!("prev({w})-η*prev({g})/(SQRT({v})+δ)"),
            Optimizer::Adam { .. } => format!("prev({w})-η*({m}/(1-β1_t))/(SQRT({v}/(1-β2_t))+δ)"),
        }
    }

    /// The first moment m of a trained column whose gradient is `g` (Adam's only).
    pub(crate) fn first_moment(self, g: &str, m: &str) -> String {
        format!("β1*prev({m})+(1-β1)*prev({g})")
    }

    /// The state v of a trained column whose gradient is `g`: momentum's velocity, Adagrad's sum
    /// of squares, RMSprop's and Adam's average of squares.
    pub(crate) fn second_moment(self, g: &str, v: &str) -> String {
        match self {
            Optimizer::Momentum { .. } => format!("μ*prev({v})+prev({g})"),
            Optimizer::Adagrad { .. } => format!("prev({v})+prev({g})^2"),
            Optimizer::Rmsprop { .. } => format!("α*prev({v})+(1-α)*prev({g})^2"),
            Optimizer::Gd | Optimizer::Adam { .. } => format!("β2*prev({v})+(1-β2)*prev({g})^2"),
        }
    }
}

/// A number as the shortest of its plain and exponent forms: 0.9, 1e-8.
pub fn short(x: f64) -> String {
    let (plain, exponent) = (format!("{x}"), format!("{x:e}"));
    if exponent.len() < plain.len() { exponent } else { plain }
}

impl fmt::Display for Optimizer {
    /// As the Summary says it, with its parameters other than η.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())?;
        let params: Vec<String> = self
            .params()
            .iter()
            .filter_map(|&p| self.value(p).map(|v| format!("{} = {}", p.name(), short(v))))
            .collect();
        if !params.is_empty() {
            write!(f, " ({})", params.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Network {
    pub inputs: u8,
    pub hidden: u8,
    pub outputs: u8,
    pub bias: Bias,
    pub maths: Maths,
}

/// What a network is trained with: the class's is sigmoid everywhere, squared error and
/// gradient descent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Maths {
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
        Network { inputs, hidden, outputs, bias: Bias::None, maths: Maths::default() }
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

    pub fn with_maths(self, maths: Maths) -> Network {
        Network { maths, ..self }
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
