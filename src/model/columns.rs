//! The worksheet: its columns, generated from the network in the class layout's order, and the
//! one definition of each.
//!
//! [`Columns::of`] writes every formula of the worksheet down once, as text in column names.
//! Everything else (the values the engine computes, the formulas the report writes, the
//! derivation shown on the Summary sheet, the expected values `check` compares with) is derived
//! from that text. For the class's 2-2-2 network the text is the assignment's, to the character.

use std::sync::OnceLock;

use crate::model::cache::PerNetwork;
use crate::model::expr::{self, Expr};
use crate::model::network::{Activation, Bias, Maths, Network, Param, State};

/// A column of the worksheet, by its name: what it is does not depend on the network, where it
/// sits does (see [`Columns::index`]). Units are numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    /// Target of output k.
    T(u8),
    /// Input i.
    I(u8),
    /// Weight n (see [`Network::link`]).
    W(u8),
    /// Bias of layer 1 (hidden) or 2 (output).
    B(u8),
    /// Hidden unit j's weighted sum, and its activation.
    H(u8),
    AH(u8),
    /// Output k's weighted sum, and its activation.
    O(u8),
    AO(u8),
    /// Output k's error.
    E(u8),
    ETotal,
    /// ∂E_total/∂w_n and ∂E_total/∂b_l.
    Dw(u8),
    Db(u8),
    /// An optimizer's state of weight n or bias l: Adam's first moment m, and v (momentum's
    /// velocity, Adagrad's sum of squares, RMSprop's and Adam's average of squares).
    MW(u8),
    MB(u8),
    VW(u8),
    VB(u8),
    /// Adam's β1^t and β2^t, t the updates made so far: its bias corrections are 1 minus them.
    Beta1T,
    Beta2T,
    /// Softmax outputs: each output's exponential, and their sum.
    Exp(u8),
    ExpSum,
}

use Col::*;

/// The largest number a column name carries: a weight of the 8-8-8 network.
const MAX_NUMBER: u8 = 128;

impl Col {
    /// The name used in formulas written in column names (`a_h1`, `dw3`).
    pub fn name(self) -> String {
        match self {
            T(n) => format!("t{n}"),
            I(n) => format!("i{n}"),
            W(n) => format!("w{n}"),
            B(n) => format!("b{n}"),
            H(n) => format!("h{n}"),
            AH(n) => format!("a_h{n}"),
            O(n) => format!("o{n}"),
            AO(n) => format!("a_o{n}"),
            E(n) => format!("E{n}"),
            ETotal => "E_total".into(),
            Dw(n) => format!("dw{n}"),
            Db(n) => format!("db{n}"),
            MW(n) => format!("m_w{n}"),
            MB(n) => format!("m_b{n}"),
            VW(n) => format!("v_w{n}"),
            VB(n) => format!("v_b{n}"),
            Beta1T => "β1_t".into(),
            Beta2T => "β2_t".into(),
            Exp(n) => format!("exp_o{n}"),
            ExpSum => "exp_sum".into(),
        }
    }

    /// The header as the class layout spells it.
    pub fn header(self) -> String {
        match self {
            Dw(n) => format!("∂E/∂w{n}"),
            Db(n) => format!("∂E/∂b{n}"),
            Beta1T => "β1^t".into(),
            Beta2T => "β2^t".into(),
            _ => self.name(),
        }
    }

    /// A column's name read back; any network's, so a header row can tell its network.
    pub fn from_name(name: &str) -> Option<Col> {
        match name {
            "E_total" => return Some(ETotal),
            "β1_t" => return Some(Beta1T),
            "β2_t" => return Some(Beta2T),
            "exp_sum" => return Some(ExpSum),
            _ => {}
        }
        let digits = name.trim_start_matches(|c: char| !c.is_ascii_digit());
        let n: u8 = digits.parse().ok().filter(|n| (1..=MAX_NUMBER).contains(n) && n.to_string() == digits)?;
        let col = match &name[..name.len() - digits.len()] {
            "t" => T(n),
            "i" => I(n),
            "w" => W(n),
            "b" => B(n),
            "h" => H(n),
            "a_h" => AH(n),
            "o" => O(n),
            "a_o" => AO(n),
            "E" => E(n),
            "dw" => Dw(n),
            "db" => Db(n),
            "m_w" => MW(n),
            "m_b" => MB(n),
            "v_w" => VW(n),
            "v_b" => VB(n),
            "exp_o" => Exp(n),
            _ => return None,
        };
        let max = match col {
            W(_) | Dw(_) | MW(_) | VW(_) => MAX_NUMBER,
            B(_) | Db(_) | MB(_) | VB(_) => 2,
            _ => crate::model::network::MAX_UNITS,
        };
        (n <= max).then_some(col)
    }

    /// Recognises a header cell in any of the spellings found in real workbooks: `a_h1`,
    /// `out_h1`, `act_h1`, `σ(h1)`, `sigmoid(h1)`; `E_tot`, `E_total`, `Etotal`; `∂E/∂w1`,
    /// `∂E_total/∂w1`, `∂(E_total)/∂w1`, `∂E∂W1`, `δE_tot/δw1`, `Etotaldw1`, `dE/dw1`, `dw1`;
    /// `x1`, `input1` for inputs, `y1`, `target1` for targets; and any of these followed by an
    /// explanation in parentheses (`t1 (target of o1)`). Case, spaces and underscores do not
    /// matter.
    pub fn from_header(text: &str) -> Option<Col> {
        Col::from_spelling(text, true).or_else(|| {
            let (name, explanation) = text.split_once('(')?;
            (!name.trim().is_empty() && !explanation.is_empty()).then(|| Col::from_spelling(name, false))?
        })
    }

    /// A header's name, without anything after it; parentheses dropped when `unwrap` (as in
    /// `σ(h1)`).
    fn from_spelling(text: &str, unwrap: bool) -> Option<Col> {
        let s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '/' | ':' | '='))
            .filter(|c| !unwrap || !matches!(c, '(' | ')'))
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'δ' { '∂' } else { c })
            .collect();
        match s.as_str() {
            "etot" | "etotal" => return Some(ETotal),
            "expsum" => return Some(ExpSum),
            "β1^t" | "β1t" => return Some(Beta1T),
            "β2^t" | "β2t" => return Some(Beta2T),
            _ => {}
        }
        let digits = s.trim_start_matches(|c: char| !c.is_ascii_digit());
        let stem = &s[..s.len() - digits.len()];
        let plain = |stem: &str| match stem {
            "t" | "y" | "target" => Some("t"),
            "i" | "x" | "input" => Some("i"),
            "w" => Some("w"),
            "b" => Some("b"),
            "h" | "neth" => Some("h"),
            "o" | "neto" => Some("o"),
            "e" => Some("E"),
            "outh" | "acth" | "ah" | "σh" | "sigmoidh" => Some("a_h"),
            "outo" | "acto" | "ao" | "σo" | "sigmoido" => Some("a_o"),
            "dw" | "∂w" => Some("dw"),
            "db" | "∂b" => Some("db"),
            "mw" => Some("m_w"),
            "mb" => Some("m_b"),
            "vw" => Some("v_w"),
            "vb" => Some("v_b"),
            "expo" => Some("exp_o"),
            _ => None,
        };
        if let Some(name) = plain(stem) {
            return Col::from_name(&format!("{name}{digits}"));
        }
        let (prefix, param) = stem.split_at(stem.len().checked_sub(1).filter(|&k| stem.is_char_boundary(k))?);
        let prefix = prefix.strip_prefix(['∂', 'd']).unwrap_or(prefix);
        let prefix = prefix.strip_suffix(['∂', 'd']).unwrap_or(prefix);
        if !matches!(prefix, "e" | "etot" | "etotal") {
            return None;
        }
        match param {
            "w" => Col::from_name(&format!("dw{digits}")),
            "b" => Col::from_name(&format!("db{digits}")),
            _ => None,
        }
    }

    /// Whether this column is typed into the first row (targets, inputs, weights, biases, and an
    /// optimizer's starting state).
    pub fn is_typed(self) -> bool {
        matches!(self, T(_) | I(_) | W(_) | B(_)) || self.starting_state().is_some()
    }

    /// An optimizer's state before the first update: 0, and 1 for the powers of β (β^0).
    pub fn starting_state(self) -> Option<f64> {
        match self {
            MW(_) | MB(_) | VW(_) | VB(_) => Some(0.0),
            Beta1T | Beta2T => Some(1.0),
            _ => None,
        }
    }
}

impl std::fmt::Display for Col {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.header())
    }
}

/// What a name in a column's formula refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// This row's cell of a column.
    Cur(Col),
    /// The previous row's cell of a column.
    Prev(Col),
    /// A named parameter's cell: the learning rate, an optimizer's hyper-parameter.
    Param(Param),
}

/// The worksheet of one network: its columns left to right, each with its definition.
#[derive(Debug)]
pub struct Columns {
    pub network: Network,
    all: Vec<Col>,
    /// Each column's index, at [`slot`]; `u16::MAX` for names the network lacks.
    slots: Vec<u16>,
    texts: Vec<String>,
    formulas: OnceLock<Formulas>,
}

/// One worksheet per network exists, so two are the same when their networks are.
impl PartialEq for Columns {
    fn eq(&self, other: &Columns) -> bool {
        self.network == other.network
    }
}

/// Where a column's index is kept: one place per (kind, number).
fn slot(col: Col) -> usize {
    let (kind, n) = match col {
        T(n) => (0, n),
        I(n) => (1, n),
        W(n) => (2, n),
        B(n) => (3, n),
        H(n) => (4, n),
        AH(n) => (5, n),
        O(n) => (6, n),
        AO(n) => (7, n),
        E(n) => (8, n),
        ETotal => (9, 0),
        Dw(n) => (10, n),
        Db(n) => (11, n),
        MW(n) => (12, n),
        MB(n) => (13, n),
        VW(n) => (14, n),
        VB(n) => (15, n),
        Beta1T => (16, 0),
        Beta2T => (16, 1),
        ExpSum => (16, 2),
        Exp(n) => (17, n),
    };
    kind * (MAX_NUMBER as usize + 1) + n as usize
}

const SLOTS: usize = 18 * (MAX_NUMBER as usize + 1);

impl Columns {
    /// The worksheet of a network, built once per process and kept.
    pub fn of(network: Network) -> &'static Columns {
        static BUILT: PerNetwork<Columns> = PerNetwork::new();
        BUILT.get(network, || Columns::build(network))
    }

    /// The class's worksheet: 2-2-2 without biases, 31 columns.
    pub fn class() -> &'static Columns {
        Columns::of(Network::default())
    }

    fn build(network: Network) -> Columns {
        let Network { inputs, hidden, outputs, bias, .. } = network;
        let units = |n: u8, col: fn(u8) -> Col| (1..=n).map(col).collect::<Vec<_>>();
        let mut all = Vec::new();
        all.extend(units(outputs, T));
        all.extend(units(inputs, I));
        all.extend(units(network.hidden_weights(), W));
        if bias != Bias::None {
            all.push(B(1));
        }
        for j in 1..=hidden {
            all.extend([H(j), AH(j)]);
        }
        all.extend((network.hidden_weights() + 1..=network.weights()).map(W));
        if bias != Bias::None {
            all.push(B(2));
        }
        if network.maths.output_activation == Activation::Softmax {
            // Each sum and its exponential, their sum, then the activations it divides.
            for k in 1..=outputs {
                all.extend([O(k), Exp(k)]);
            }
            all.push(ExpSum);
            all.extend(units(outputs, AO));
        } else {
            for k in 1..=outputs {
                all.extend([O(k), AO(k)]);
            }
        }
        all.extend(units(outputs, E));
        all.push(ETotal);
        all.extend(units(network.weights(), Dw));
        if bias == Bias::Trained {
            all.extend([Db(1), Db(2)]);
        }
        all.extend(state_columns(network));
        let mut slots = vec![u16::MAX; SLOTS];
        for (k, &c) in all.iter().enumerate() {
            slots[slot(c)] = k as u16;
        }
        let texts = all.iter().map(|&c| definition_text(network, c)).collect();
        Columns { network, all, slots, texts, formulas: OnceLock::new() }
    }

    /// The columns, left to right.
    pub fn all(&self) -> &[Col] {
        &self.all
    }

    /// How many columns; never none (every network has targets, inputs, weights).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn contains(&self, col: Col) -> bool {
        self.slots[slot(col)] != u16::MAX
    }

    /// Where a column sits, counted from 0. Only for the network's own columns.
    pub fn index(&self, col: Col) -> usize {
        let k = self.slots[slot(col)];
        assert!(k != u16::MAX, "{col:?} is not a column of the {} network", self.network);
        k as usize
    }

    /// The columns a template gives the first row of: targets, inputs, weights, biases (an
    /// optimizer's state starts where it always starts).
    pub fn typed(&self) -> impl Iterator<Item = Col> + '_ {
        self.all.iter().copied().filter(|c| c.is_typed() && c.starting_state().is_none())
    }

    /// Whether the column is typed into the first row.
    pub fn is_input(&self, col: Col) -> bool {
        col.is_typed() && self.contains(col)
    }

    /// Whether the column holds the same value in every row: targets, inputs, fixed biases.
    pub fn is_constant(&self, col: Col) -> bool {
        matches!(col, T(_) | I(_)) || matches!(col, B(_)) && self.network.bias == Bias::Fixed
    }

    /// What gradient descent trains, each with its gradient's column, in the order of the
    /// gradient columns: the weights, then the biases when they are trained.
    pub fn trained(&self) -> impl Iterator<Item = (Col, Col)> + '_ {
        self.all.iter().filter_map(|&g| match g {
            Dw(n) => Some((W(n), g)),
            Db(n) => Some((B(n), g)),
            _ => None,
        })
    }

    pub fn is_gradient(col: Col) -> bool {
        matches!(col, Dw(_) | Db(_))
    }

    /// A column's definition as written, in column names.
    pub fn text(&self, col: Col) -> &str {
        &self.texts[self.index(col)]
    }

    /// The worksheet's formulas, parsed once from the definitions.
    pub fn formulas(&'static self) -> &'static Formulas {
        self.formulas.get_or_init(|| {
            let exprs = self
                .all
                .iter()
                .map(|&c| {
                    parse(self, self.text(c)).unwrap_or_else(|e| panic!("the generated definition is malformed: {e}"))
                })
                .collect();
            Formulas::new(self, exprs).expect("the worksheet's formulas have no cycle")
        })
    }

    /// The expression of a column for rows after the first.
    pub fn definition(&'static self, col: Col) -> &'static Expr<Ref> {
        self.formulas().get(col)
    }

    /// The value a template starts from when nothing else is given. The class's values, carried
    /// on for larger networks: targets alternate 0.01 and 0.99, input k is 0.05*k, the hidden
    /// layer's weights count up from 0.15 and the output layer's from 0.40, in steps of 0.05,
    /// wrapping after 0.95 (17 values: no two hidden units of up to 8 inputs start alike);
    /// biases are Mazur's 0.35 and 0.60.
    pub fn default_value(&self, col: Col) -> Option<f64> {
        let network = self.network;
        // Computed in hundredths so that each value is the double nearest its decimal.
        Some(match col {
            T(k) => [0.01, 0.99][usize::from(k + 1) % 2],
            I(i) => f64::from(5 * u32::from(i)) / 100.0,
            W(n) => {
                let step = match network.link(n).layer {
                    1 => u32::from(n) - 1,
                    _ => 5 + u32::from(n - network.hidden_weights()) - 1,
                };
                f64::from(15 + 5 * (step % 17)) / 100.0
            }
            B(1) => 0.35,
            B(_) => 0.6,
            _ => return None,
        })
    }

    /// What a typed column is, for the template's notes.
    pub fn describe(&self, col: Col) -> String {
        let n = self.network;
        match col {
            T(k) => format!("target of output o{k}"),
            I(i) if n.hidden == 1 => format!("input {i}, fed to the hidden unit"),
            I(i) => format!("input {i}, fed to every hidden unit"),
            W(w) => {
                let l = n.link(w);
                let (from, to) = if l.layer == 1 { ("i", "h") } else { ("h", "o") };
                format!("weight {from}{} -> {to}{}", l.from, l.to)
            }
            B(1) => "bias of the hidden layer (Mazur's b1)".into(),
            B(_) => "bias of the output layer (Mazur's b2)".into(),
            other => other.header(),
        }
    }
}

/// The definition of one column of a network, in column names, for every row after the first
/// (in the first, typed columns hold values and the others these same formulas). `prev(x)` is
/// the previous row's x. w6 is updated from ∂E/∂w6; the course text's `w8 = w6 - η*∂E/∂w6` is a
/// typo.
fn definition_text(network: Network, col: Col) -> String {
    let Network { inputs, hidden, outputs, bias, maths } = network;
    let Maths { activation, output_activation, loss, optimizer } = maths;
    let join = |parts: Vec<String>| parts.join("+");
    // An output's delta, ∂E/∂o_k: what every gradient is made of.
    let delta = |k: u8| loss.delta(output_activation, k);
    // What reaches hidden unit j from the outputs, before its own activation's slope.
    let back = |j: u8| join((1..=outputs).map(|k| format!("{}*w{}", delta(k), network.output_weight(j, k))).collect());
    let hidden_delta = |j: u8| match activation.slope(&format!("h{j}"), &format!("a_h{j}")) {
        Some(slope) => format!("({})*{slope}", back(j)),
        None => format!("({})", back(j)),
    };
    match col {
        T(_) | I(_) => format!("prev({})", col.name()),
        B(_) if bias == Bias::Fixed => format!("prev({})", col.name()),
        W(n) => optimizer.update(&col.name(), &Dw(n).name(), &MW(n).name(), &VW(n).name()),
        B(n) => optimizer.update(&col.name(), &Db(n).name(), &MB(n).name(), &VB(n).name()),
        MW(n) => optimizer.first_moment(&Dw(n).name(), &col.name()),
        MB(n) => optimizer.first_moment(&Db(n).name(), &col.name()),
        VW(n) => optimizer.second_moment(&Dw(n).name(), &col.name()),
        VB(n) => optimizer.second_moment(&Db(n).name(), &col.name()),
        Beta1T => "prev(β1_t)*β1".into(),
        Beta2T => "prev(β2_t)*β2".into(),
        H(j) => {
            let mut sum: Vec<String> = (1..=inputs).map(|i| format!("w{}*i{i}", network.hidden_weight(i, j))).collect();
            sum.extend((bias != Bias::None).then(|| "b1".to_string()));
            join(sum)
        }
        O(k) => {
            let mut sum: Vec<String> =
                (1..=hidden).map(|j| format!("w{}*a_h{j}", network.output_weight(j, k))).collect();
            sum.extend((bias != Bias::None).then(|| "b2".to_string()));
            join(sum)
        }
        AH(j) => activation.formula(&H(j).name()),
        AO(k) => output_activation.formula(&O(k).name()),
        E(k) => loss.error(output_activation, k),
        Exp(k) => format!("EXP(o{k})"),
        ExpSum => join((1..=outputs).map(|k| Exp(k).name()).collect()),
        ETotal => join((1..=outputs).map(|k| format!("E{k}")).collect()),
        Dw(n) => {
            let l = network.link(n);
            match l.layer {
                1 => format!("{}*i{}", hidden_delta(l.to), l.from),
                _ => format!("{}*a_h{}", delta(l.to), l.from),
            }
        }
        Db(1) => join((1..=hidden).map(hidden_delta).collect()),
        Db(_) => join((1..=outputs).map(delta).collect()),
    }
}

/// An optimizer's state, right of the gradients it is made from: v of each trained parameter in
/// the gradients' order, or for Adam the powers of β, then m and v of each.
fn state_columns(network: Network) -> Vec<Col> {
    let trained = network.bias == Bias::Trained;
    let each = |w: fn(u8) -> Col, b: fn(u8) -> Col| {
        let biases = if trained { vec![b(1), b(2)] } else { Vec::new() };
        (1..=network.weights()).map(w).chain(biases).collect::<Vec<_>>()
    };
    match network.maths.optimizer.state() {
        State::None => Vec::new(),
        State::V => each(VW, VB),
        State::Adam => [vec![Beta1T, Beta2T], each(MW, MB), each(VW, VB)].concat(),
    }
}

/// The network whose columns these are: inputs and outputs counted from i and t, hidden units
/// from h or a_h (else from the weights), biases from b1 and b2, trained when a bias has a
/// gradient. None when the weights do not make a network of those layers.
pub fn network_named(cols: &[Col]) -> Option<Network> {
    let count = |f: fn(Col) -> Option<u8>| cols.iter().filter_map(|&c| f(c)).max().unwrap_or(0);
    let inputs = count(|c| if let I(n) = c { Some(n) } else { None });
    let outputs = count(|c| if let T(n) = c { Some(n) } else { None });
    let weights = count(|c| if let W(n) = c { Some(n) } else { None });
    let units = count(|c| if let H(n) | AH(n) = c { Some(n) } else { None });
    let bias = match (cols.iter().any(|c| matches!(c, B(_))), cols.iter().any(|c| matches!(c, Db(_)))) {
        (false, _) => Bias::None,
        (true, false) => Bias::Fixed,
        (true, true) => Bias::Trained,
    };
    // The hidden units named, or as many as the weights make (a stray `h3` over a note must not
    // hide a 2-2-2 table).
    [units, weights / (inputs + outputs).max(1)].into_iter().find_map(|hidden| {
        let fits = [inputs, hidden, outputs].iter().all(|n| (1..=crate::model::network::MAX_UNITS).contains(n));
        let wired =
            u16::from(inputs) * u16::from(hidden) + u16::from(hidden) * u16::from(outputs) == u16::from(weights);
        (fits && wired).then_some(Network::shape(inputs, hidden, outputs).with_bias(bias))
    })
}

/// The formula of every column: the worksheet's own, or a variant with a mistake written in,
/// with an order in which a row's cells can be computed (each after the cells it reads).
#[derive(Clone, Debug)]
pub struct Formulas {
    columns: &'static Columns,
    exprs: Vec<Expr<Ref>>,
    /// The same formulas with each reference as a position in a row, in an order in which each
    /// comes after the cells of its row it reads: what the engine evaluates, without looking a
    /// column up per cell.
    steps: Vec<Step>,
}

/// A reference of [`Formulas::steps`]: a position in this row or the previous one, or a
/// parameter's cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slot {
    Cur(usize),
    Prev(usize),
    Param(Param),
}

/// One cell of a row to compute: its position, whether the first row holds it typed, its formula.
#[derive(Clone, Debug)]
pub struct Step {
    pub at: usize,
    pub typed: bool,
    pub expr: Expr<Slot>,
}

impl Formulas {
    /// Formulas indexed by column; None if some cells of a row read each other in a circle.
    pub fn new(columns: &'static Columns, exprs: Vec<Expr<Ref>>) -> Option<Formulas> {
        let reads: Vec<Vec<Col>> = exprs
            .iter()
            .map(|e| {
                let mut leaves = Vec::new();
                e.leaves(&mut leaves);
                leaves.into_iter().filter_map(|r| if let Ref::Cur(d) = r { Some(d) } else { None }).collect()
            })
            .collect();
        let mut done = vec![false; columns.len()];
        let mut order: Vec<Col> = Vec::with_capacity(columns.len());
        while order.len() < columns.len() {
            let ready = columns.all().iter().position(|&c| {
                !done[columns.index(c)] && reads[columns.index(c)].iter().all(|&d| done[columns.index(d)])
            })?;
            done[ready] = true;
            order.push(columns.all()[ready]);
        }
        let steps = order
            .iter()
            .map(|&c| Step {
                at: columns.index(c),
                typed: c.is_typed(),
                expr: exprs[columns.index(c)].map_leaves(&|r| {
                    Expr::Ref(match r {
                        Ref::Cur(d) => Slot::Cur(columns.index(d)),
                        Ref::Prev(d) => Slot::Prev(columns.index(d)),
                        Ref::Param(p) => Slot::Param(p),
                    })
                }),
            })
            .collect();
        Some(Formulas { columns, exprs, steps })
    }

    /// The row's cells in an order in which each comes after the cells of its row it reads.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn columns(&self) -> &'static Columns {
        self.columns
    }

    pub fn get(&self, col: Col) -> &Expr<Ref> {
        &self.exprs[self.columns.index(col)]
    }

    /// The derivation as a reader sees it, one line a computed column (`h1 = w1*i1+w2*i2`):
    /// what the Summary sheet shows and the README quotes.
    pub fn derivation(&self) -> Vec<String> {
        let columns = self.columns;
        columns
            .all()
            .iter()
            .filter(|&&c| !columns.is_constant(c))
            .map(|&c| format!("{} = {}", c.header(), self.get(c).print(&|r, out: &mut String| write_name(r, out))))
            .collect()
    }
}

/// Parses a formula written in column names, with `prev(x)` and the parameters (`η`); names
/// must be columns of the network.
pub fn parse(columns: &Columns, text: &str) -> Result<Expr<Ref>, expr::ParseError> {
    let col = |w: &str| Col::from_name(w).filter(|&c| columns.contains(c));
    let name = |w: &str| match Param::from_name(w) {
        Some(p) => Ok(Expr::Ref(Ref::Param(p))),
        None => col(w).map(|c| Expr::Ref(Ref::Cur(c))).ok_or_else(|| format!("unknown name `{w}`")),
    };
    let call = |f: &str, arg: &str| (f == "prev").then(|| col(arg)).flatten().map(Ref::Prev);
    expr::parse(text, &name, &call)
}

/// Writes a reference the way a reader of the derivation wants to see it: headers for this
/// row's columns, `prev(...)` for the previous row's, a parameter by its name (`η`).
pub fn write_name(r: Ref, out: &mut String) {
    match r {
        Ref::Cur(c) => out.push_str(&c.header()),
        Ref::Prev(c) => {
            out.push_str("prev(");
            out.push_str(&c.header());
            out.push(')');
        }
        Ref::Param(p) => out.push_str(p.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The class's worksheet as the assignment states it, written out by hand: the generated
    /// 2-2-2 sheet must be this, column for column and character for character.
    const CLASS: [(&str, &str); 31] = [
        ("t1", "prev(t1)"),
        ("t2", "prev(t2)"),
        ("i1", "prev(i1)"),
        ("i2", "prev(i2)"),
        ("w1", "prev(w1)-η*prev(dw1)"),
        ("w2", "prev(w2)-η*prev(dw2)"),
        ("w3", "prev(w3)-η*prev(dw3)"),
        ("w4", "prev(w4)-η*prev(dw4)"),
        ("h1", "w1*i1+w2*i2"),
        ("a_h1", "1/(1+EXP(-h1))"),
        ("h2", "w3*i1+w4*i2"),
        ("a_h2", "1/(1+EXP(-h2))"),
        ("w5", "prev(w5)-η*prev(dw5)"),
        ("w6", "prev(w6)-η*prev(dw6)"),
        ("w7", "prev(w7)-η*prev(dw7)"),
        ("w8", "prev(w8)-η*prev(dw8)"),
        ("o1", "w5*a_h1+w6*a_h2"),
        ("a_o1", "1/(1+EXP(-o1))"),
        ("o2", "w7*a_h1+w8*a_h2"),
        ("a_o2", "1/(1+EXP(-o2))"),
        ("E1", "0.5*(t1-a_o1)^2"),
        ("E2", "0.5*(t2-a_o2)^2"),
        ("E_total", "E1+E2"),
        ("dw1", "((a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i1"),
        ("dw2", "((a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i2"),
        ("dw3", "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h2*(1-a_h2)*i1"),
        ("dw4", "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h2*(1-a_h2)*i2"),
        ("dw5", "(a_o1-t1)*a_o1*(1-a_o1)*a_h1"),
        ("dw6", "(a_o1-t1)*a_o1*(1-a_o1)*a_h2"),
        ("dw7", "(a_o2-t2)*a_o2*(1-a_o2)*a_h1"),
        ("dw8", "(a_o2-t2)*a_o2*(1-a_o2)*a_h2"),
    ];

    fn shapes() -> Vec<&'static Columns> {
        let mut out = Vec::new();
        for (i, h, o) in [(2, 2, 2), (2, 3, 2), (3, 2, 1), (1, 1, 1), (8, 8, 8)] {
            for bias in [Bias::None, Bias::Fixed, Bias::Trained] {
                out.push(Columns::of(Network::shape(i, h, o).with_bias(bias)));
            }
        }
        out
    }

    #[test]
    fn the_class_sheet_is_the_assignment_s_to_the_character() {
        let class = Columns::class();
        let generated: Vec<(String, &str)> = class.all().iter().map(|&c| (c.name(), class.text(c))).collect();
        let want: Vec<(String, &str)> = CLASS.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        assert_eq!(generated, want);
    }

    #[test]
    fn every_worksheet_computes_left_to_right() {
        for columns in shapes() {
            let order: Vec<usize> = columns.formulas().steps().iter().map(|s| s.at).collect();
            assert_eq!(order, (0..columns.len()).collect::<Vec<_>>(), "{}", columns.network);
            for &col in columns.all() {
                let mut leaves = Vec::new();
                columns.definition(col).leaves(&mut leaves);
                for leaf in leaves {
                    if let Ref::Cur(dep) = leaf {
                        assert!(columns.index(dep) < columns.index(col), "{col:?} reads {dep:?}, computed after it");
                    }
                }
            }
        }
    }

    #[test]
    fn sizes_and_names_follow_the_network() {
        let c = Columns::of(Network::shape(3, 2, 1).with_bias(Bias::Trained));
        let names: Vec<String> = c.all().iter().map(|c| c.header()).collect();
        assert_eq!(
            names.join(" "),
            "t1 i1 i2 i3 w1 w2 w3 w4 w5 w6 b1 h1 a_h1 h2 a_h2 w7 w8 b2 o1 a_o1 E1 E_total \
             ∂E/∂w1 ∂E/∂w2 ∂E/∂w3 ∂E/∂w4 ∂E/∂w5 ∂E/∂w6 ∂E/∂w7 ∂E/∂w8 ∂E/∂b1 ∂E/∂b2"
        );
        assert_eq!(c.text(H(2)), "w4*i1+w5*i2+w6*i3+b1");
        assert_eq!(c.text(Db(2)), "(a_o1-t1)*a_o1*(1-a_o1)");
        assert_eq!(
            c.text(Db(1)),
            "((a_o1-t1)*a_o1*(1-a_o1)*w7)*a_h1*(1-a_h1)+((a_o1-t1)*a_o1*(1-a_o1)*w8)*a_h2*(1-a_h2)"
        );
        assert_eq!(Columns::of(Network::default().with_bias(Bias::Fixed)).text(B(1)), "prev(b1)");
        assert_eq!(Columns::of(Network::shape(8, 8, 8).with_bias(Bias::Trained)).len(), 317);
    }

    /// Each optimizer's columns as PyTorch's torch.optim defines its update: the state a row holds
    /// is what the rows above left, so the update reads it from its own row and the gradient from
    /// the row above; the README's table of them is this.
    #[test]
    fn each_optimizer_s_columns_are_its_update() {
        let cases: [(&str, &[(Col, &str)]); 6] = [
            ("gd", &[(W(1), "prev(w1)-η*prev(dw1)")]),
            ("momentum", &[(W(1), "prev(w1)-η*v_w1"), (VW(1), "μ*prev(v_w1)+prev(dw1)")]),
            ("nesterov", &[(W(1), "prev(w1)-η*(prev(dw1)+μ*v_w1)"), (VW(1), "μ*prev(v_w1)+prev(dw1)")]),
            ("adagrad", &[(W(1), "prev(w1)-η*prev(dw1)/(SQRT(v_w1)+δ)"), (VW(1), "prev(v_w1)+prev(dw1)^2")]),
            ("rmsprop", &[(W(1), "prev(w1)-η*prev(dw1)/(SQRT(v_w1)+δ)"), (VW(1), "α*prev(v_w1)+(1-α)*prev(dw1)^2")]),
            (
                "adam",
                &[
                    (W(1), "prev(w1)-η*(m_w1/(1-β1_t))/(SQRT(v_w1/(1-β2_t))+δ)"),
                    (MW(1), "β1*prev(m_w1)+(1-β1)*prev(dw1)"),
                    (VW(1), "β2*prev(v_w1)+(1-β2)*prev(dw1)^2"),
                    (Beta1T, "prev(β1_t)*β1"),
                    (Beta2T, "prev(β2_t)*β2"),
                ],
            ),
        ];
        for (name, texts) in cases {
            let optimizer = crate::model::network::Optimizer::named(name).unwrap();
            let maths = Maths { optimizer, ..Maths::default() };
            let columns = Columns::of(Network::shape(2, 2, 2).with_bias(Bias::Trained).with_maths(maths));
            for &(col, text) in texts {
                assert_eq!(columns.text(col), text, "{name} {col:?}");
            }
            assert_eq!(columns.text(B(2)), texts[0].1.replace("w1", "b2"), "{name}: biases are updated like weights");
            let state: Vec<String> = columns.all()[31 + 2 + 2..].iter().map(|c| c.header()).collect();
            let want = match name {
                "gd" => "",
                "adam" => {
                    "β1^t β2^t m_w1 m_w2 m_w3 m_w4 m_w5 m_w6 m_w7 m_w8 m_b1 m_b2 v_w1 v_w2 v_w3 v_w4 v_w5 v_w6 v_w7 v_w8 v_b1 v_b2"
                }
                _ => "v_w1 v_w2 v_w3 v_w4 v_w5 v_w6 v_w7 v_w8 v_b1 v_b2",
            };
            assert_eq!(state.join(" "), want, "{name}: the state columns, right of the gradients");
        }
    }

    #[test]
    fn a_circle_of_references_is_refused() {
        let class = Columns::class();
        let mut exprs: Vec<Expr<Ref>> = class.all().iter().map(|&c| class.definition(c).clone()).collect();
        exprs[class.index(H(1))] = parse(class, "a_h1+w1").unwrap();
        assert!(Formulas::new(class, exprs).is_none());
    }

    #[test]
    fn names_of_other_networks_are_refused() {
        assert!(parse(Columns::class(), "w9*i1").is_err());
        assert!(parse(Columns::class(), "b1").is_err());
        assert!(parse(Columns::of(Network::default().with_bias(Bias::Fixed)), "b1+w8").is_ok());
    }

    #[test]
    fn every_name_reads_back() {
        let adam = Maths { optimizer: crate::model::network::Optimizer::named("adam").unwrap(), ..Maths::default() };
        let softmax = Maths {
            output_activation: Activation::Softmax,
            loss: crate::model::network::Loss::CrossEntropy,
            optimizer: crate::model::network::Optimizer::named("momentum").unwrap(),
            ..Maths::default()
        };
        let maths = [adam, softmax].map(|m| Columns::of(Network::default().with_bias(Bias::Trained).with_maths(m)));
        for columns in shapes().into_iter().chain(maths) {
            for &c in columns.all() {
                assert_eq!(Col::from_name(&c.name()), Some(c));
                assert_eq!(Col::from_header(&c.header()), Some(c));
            }
        }
        for bad in ["w0", "w01", "w129", "b3", "h9", "x1", "E", "dw", "a_h"] {
            assert_eq!(Col::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn headers_in_every_known_spelling() {
        let cases = [
            ("a_h1", AH(1)),
            ("out_h1", AH(1)),
            ("act_h1", AH(1)),
            ("out_o2", AO(2)),
            ("E_tot", ETotal),
            ("E_total", ETotal),
            ("Etotal", ETotal),
            ("∂E/∂w1", Dw(1)),
            ("∂E_total/∂w1", Dw(1)),
            ("∂E∂W1", Dw(1)),
            ("δE_tot/δw3", Dw(3)),
            ("Etotaldw1", Dw(1)),
            ("dE/dw8", Dw(8)),
            ("dE/dw12", Dw(12)),
            ("∂E/∂b1", Db(1)),
            (" W5 ", W(5)),
            ("t2", T(2)),
            ("E1", E(1)),
            ("h3", H(3)),
            ("dw1", Dw(1)),
            ("dE_total/dw2", Dw(2)),
            ("∂(E_total)/∂w1", Dw(1)),
            ("δE_total/δw4", Dw(4)),
            ("out_h1", AH(1)),
            ("σ(h1)", AH(1)),
            ("sigmoid(o2)", AO(2)),
            ("x1", I(1)),
            ("input2", I(2)),
            ("y2", T(2)),
            ("Target1", T(1)),
            ("t1 ( output of out_o1)", T(1)),
            ("E_total (sum of E1 and E2)", ETotal),
        ];
        for (text, col) in cases {
            assert_eq!(Col::from_header(text), Some(col), "{text}");
        }
        for text in ["", "Step", "η =", "∂E/∂w", "E", "xw1", "h1=w1*i1+w2*i2", "h9", "b3", "x", "input", "sigmoid"]
        {
            assert_eq!(Col::from_header(text), None, "{text}");
        }
    }

    #[test]
    fn the_defaults_are_the_class_s_values() {
        let n = Columns::class();
        let w: Vec<f64> = (1..=8).map(|k| n.default_value(W(k)).unwrap()).collect();
        assert_eq!(w, [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]);
        assert_eq!(n.default_value(T(2)), Some(0.99));
        assert_eq!(n.default_value(I(2)), Some(0.1));
        let wide = Columns::of(Network::shape(8, 3, 1));
        assert_eq!(wide.default_value(W(18)), Some(0.15), "wraps after 0.95");
        assert_eq!(wide.default_value(W(25)), Some(0.4), "the output layer starts at 0.40");
    }
}
