//! The template: the initial values of a run, read from any workbook that labels them, and the
//! project's own template, which holds the assignment's defaults (and is their only home).

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook as XlsxWorkbook, XlsxError};

use crate::error::Error;
use crate::generate::layout::{iterations_problem, rates_problem};
use crate::model::columns::{Col, Columns};
use crate::model::engine::{Inputs, Params};
use crate::model::network::{Activation, Bias, Loss, Maths, Network, Optimizer, Param};
use crate::model::variant::{Issue, Stamp};
use crate::reader::labels::{Label, eta_reference, label, labelled, normalised, value_of};
use crate::reader::{Pos, Sheet, Workbook, describe, find_tables, number};

/// The project's template, as `backprop-sheet template` writes it; a plain `generate` reads it.
pub(crate) const EMBEDDED: &[u8] = include_bytes!("../../templates/backprop-template.xlsx");
pub(crate) const EMBEDDED_NAME: &str = "built-in template (templates/backprop-template.xlsx)";

/// The run's length and learning rates a template starts with: the assignment's.
pub(crate) const ITERATIONS: usize = 100;
pub(crate) const LEARNING_RATES: [f64; 6] = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0];

/// A template's rows: a label, its value(s), and a line for the student beside them. The
/// network's own values are its documented defaults ([`Columns::default_value`]).
enum Value {
    Numbers(Vec<f64>),
    Text(String),
}

fn rows(inputs: &Inputs, learning_rates: &[f64]) -> Vec<(String, Value, String)> {
    let columns = inputs.columns();
    let network = columns.network;
    let mut rows = vec![
        (
            "network".to_string(),
            Value::Text(format!("{}-{}-{}", network.inputs, network.hidden, network.outputs)),
            "inputs-hidden-outputs; a new shape needs the labels of its inputs (`template --network` writes them)"
                .to_string(),
        ),
        (
            "biases".to_string(),
            Value::Text(network.bias.text().to_string()),
            "none; fixed (Mazur's b1 and b2, carried unchanged); or trained like the weights".to_string(),
        ),
    ];
    // The class's maths goes without saying; any other is said, so that the template gives the
    // same workbook as the flags that wrote it.
    let maths = network.maths;
    if maths != Maths::default() {
        let text = |label: &str, value: String, note: &str| (label.to_string(), Value::Text(value), note.to_string());
        rows.extend([
            text(
                "activation",
                maths.activation.flag(),
                "the hidden layer's: sigmoid, tanh, relu, leaky-relu=α or linear",
            ),
            text("output activation", maths.output_activation.flag(), "the output layer's: the same, or softmax"),
            text("loss", maths.loss.flag().into(), "squared or cross-entropy"),
            text(
                "optimizer",
                maths.optimizer.name().into(),
                "gd, momentum, nesterov, adagrad, rmsprop or adam, as PyTorch's torch.optim defines it",
            ),
        ]);
        for &p in maths.optimizer.params().iter().filter(|&&p| p != Param::Eta) {
            let value = maths.optimizer.value(p).expect("a parameter of its optimizer");
            // Not the meaning alone: `momentum` would read as a label of its own.
            let note = format!("{}, a parameter of {}", p.meaning(), maths.optimizer.text());
            rows.push((p.name().to_string(), Value::Numbers(vec![value]), note));
        }
    }
    let order = |c: &Col| match c {
        Col::I(_) => 0,
        Col::T(_) => 1,
        Col::W(_) => 2,
        _ => 3,
    };
    let mut typed: Vec<Col> = columns.typed().collect();
    typed.sort_by_key(order);
    for col in typed {
        rows.push((col.name(), Value::Numbers(vec![inputs.get(col)]), columns.describe(col)));
    }
    rows.push((
        "iterations".into(),
        Value::Numbers(vec![ITERATIONS as f64]),
        "rows per learning rate: iteration 1 is the typed first row".into(),
    ));
    rows.push((
        "learning rates".into(),
        Value::Numbers(learning_rates.to_vec()),
        "η, one sheet and one loss curve each; add or remove cells".into(),
    ));
    rows
}

/// Writes a template starting from `inputs`: one `Inputs` sheet, a label and value(s) per row, a
/// note in column I so that the learning-rate row has room for its values. A variant names its
/// student (`for_student`) above the table, and carries its issue in its stamp.
pub(crate) fn write<W: Write + Seek + Send>(
    inputs: &Inputs,
    learning_rates: &[f64],
    issue: &Issue,
    for_student: Option<&str>,
    out: W,
) -> Result<(), XlsxError> {
    let mut book = XlsxWorkbook::new();
    book.set_properties(&crate::generate::stamp::properties(&Stamp::of(inputs, issue)));
    let sheet = book.add_worksheet();
    sheet.set_name("Inputs")?;
    let bold = Format::new().set_bold();
    let head = bold.clone().set_border_bottom(FormatBorder::Medium);
    let input = Format::new().set_background_color(Color::RGB(0xFFF2CC)).set_border(FormatBorder::Thin);
    sheet.write_string_with_format(0, 0, "backprop-sheet template: the first row of the worksheet", &bold)?;
    sheet.write_string(1, 0, "Change the yellow cells, save, and run: backprop-sheet generate --template THIS_FILE")?;
    if let Some(student) = for_student {
        sheet.write_string_with_format(2, 0, format!("Initial values for {student}"), &bold)?;
    }
    sheet.write_string_with_format(3, 0, "name", &head)?;
    sheet.write_string_with_format(3, 1, "value", &head)?;
    sheet.write_string_with_format(3, 8, "note", &head)?;
    for (k, (label, value, note)) in rows(inputs, learning_rates).iter().enumerate() {
        let row = 4 + k as u32;
        sheet.write_string_with_format(row, 0, label, &bold)?;
        match value {
            Value::Numbers(values) => {
                for (j, v) in values.iter().enumerate() {
                    sheet.write_number_with_format(row, 1 + j as u16, *v, &input)?;
                }
            }
            Value::Text(text) => {
                sheet.write_string_with_format(row, 1, text, &input)?;
            }
        }
        sheet.write_string(row, 8, note)?;
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(8, 60)?;
    book.save_to_writer(out)
}

/// Where a value came from, for messages and for the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub sheet: String,
    pub cell: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet '{}', cell {}", self.sheet, self.cell)
    }
}

/// What a template says; each value with the cell it was read from.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The shape the template states, in a `network` cell or by its table's headers.
    pub shape: Option<(Network, Source)>,
    /// The biases it states in a `biases` cell.
    pub bias: Option<(Bias, Source)>,
    pub inputs: BTreeMap<Col, (f64, Source)>,
    pub learning_rates: Option<(Vec<f64>, Source)>,
    pub iterations: Option<(f64, Source)>,
    /// What the network is trained with, in `activation`, `output activation`, `loss` and
    /// `optimizer` cells, and the optimizer's parameters in cells labelled `μ`, `β1`, ...
    pub activation: Option<(Activation, Source)>,
    pub output_activation: Option<(Activation, Source)>,
    pub loss: Option<(Loss, Source)>,
    pub optimizer: Option<(Optimizer, Source)>,
    pub params: BTreeMap<Param, (f64, Source)>,
    /// Labels beside a number that look meant for this reader but are not one it knows: said,
    /// never silently ignored.
    pub warnings: Vec<String>,
    /// To whom the template's values were issued, by its stamp: carried to the workbook
    /// generated from it.
    pub issue: Issue,
}

/// Overrides from the command line, applied on top of the template.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--network`: the shape (its bias is not used).
    pub shape: Option<Network>,
    /// `--bias` or `--train-bias`.
    pub bias: Option<Bias>,
    /// `--activation` and the other flags of what the network is trained with.
    pub maths: MathsFlags,
    pub learning_rates: Option<Vec<f64>>,
    pub iterations: Option<usize>,
    pub set: Vec<(Col, f64)>,
}

/// What the network is trained with, as the flags give it: each choice None where no flag gave
/// it, the hyper-parameters given with their flags.
#[derive(Clone, Debug, Default)]
pub struct MathsFlags {
    pub activation: Option<Activation>,
    pub output_activation: Option<Activation>,
    pub loss: Option<Loss>,
    pub optimizer: Option<Optimizer>,
    pub params: Vec<(&'static str, Param, f64)>,
}

/// Reads a template's values: a workbook in the class layout (the first data row of its first
/// table), or labelled cells anywhere.
pub fn read(book: &Workbook) -> Result<Found, Error> {
    let mut found = Found { issue: book.stamp.issue.clone(), ..Found::default() };
    for sheet in &book.sheets {
        if let Some(table) = find_tables(sheet).into_iter().find(|t| !t.rows.is_empty()) {
            let network = table.columns.network;
            found.shape = Some((network, source(sheet, table.top_left())));
            found.bias = Some((network.bias, source(sheet, table.top_left())));
            for col in table.columns.typed() {
                let pos = table.pos(col, 1).expect("a table has every input column and a first row");
                let value = finite(book, sheet, pos, &col.name())?;
                found.inputs.insert(col, (value, source(sheet, pos)));
            }
            read_labels(book, sheet, false, &mut found)?;
            if found.learning_rates.is_none() {
                found.learning_rates =
                    eta_reference(sheet, &table).and_then(|p| sheet.number(p).map(|v| (vec![v], source(sheet, p))));
            }
            return Ok(found);
        }
    }
    for sheet in &book.sheets {
        read_labels(book, sheet, true, &mut found)?;
    }
    Ok(found)
}

/// Keeps the first value seen for a name, and refuses a second one that disagrees.
fn keep<T: PartialEq + std::fmt::Debug>(
    book: &Workbook,
    slot: &mut Option<(T, Source)>,
    new: (T, Source),
    what: &str,
    show: impl Fn(&T) -> String,
) -> Result<(), Error> {
    match slot {
        Some((old, at)) if *old != new.0 => Err(content(
            book,
            format!(
                "{what} is given twice with different values: {} at {at} and {} at {}. Delete one of them",
                show(old),
                show(&new.0),
                new.1
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(new);
            Ok(())
        }
    }
}

fn list(values: &[f64]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

fn content(book: &Workbook, what: String) -> Error {
    Error::Content { file: book.file.clone(), what }
}

fn source(sheet: &Sheet, pos: Pos) -> Source {
    Source { sheet: sheet.name.clone(), cell: pos.a1() }
}

fn text(sheet: &Sheet, at: Pos) -> Option<&str> {
    match sheet.value(at)? {
        calamine::Data::String(s) => Some(s),
        _ => None,
    }
}

fn finite(book: &Workbook, sheet: &Sheet, pos: Pos, what: &str) -> Result<f64, Error> {
    match sheet.number(pos) {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(content(
            book,
            format!(
                "sheet '{}', cell {}: {what} should be a number but the cell holds {}. Type a number there",
                sheet.name,
                pos.a1(),
                describe(sheet.value(pos))
            ),
        )),
    }
}

/// Adds every labelled value of one sheet to `found` (inputs only when `inputs` is set).
fn read_labels(book: &Workbook, sheet: &Sheet, inputs: bool, found: &mut Found) -> Result<(), Error> {
    found.warnings.extend(unknown_labels(sheet));
    for (what, _, at, step) in labelled(sheet) {
        match what {
            Label::Input(_) if !inputs => {}
            Label::Input(col) => {
                let value = finite(book, sheet, at, &col.name())?;
                let mut slot = found.inputs.get(&col).cloned();
                keep(book, &mut slot, (value, source(sheet, at)), &col.name(), |v| v.to_string())?;
                found.inputs.extend(slot.map(|v| (col, v)));
            }
            Label::Network if !inputs => {}
            Label::Network => {
                let should = "the network should read like 2-3-2 (inputs-hidden-outputs, each 1 to 8)";
                let shape = named(book, sheet, at, |t| Network::parse_shape(t).ok(), should)?;
                keep(book, &mut found.shape, (shape, source(sheet, at)), "the network", |n| n.to_string())?;
            }
            Label::Biases if !inputs => {}
            Label::Biases => {
                let bias = named(book, sheet, at, Bias::from_text, "the biases should be none, fixed or trained")?;
                keep(book, &mut found.bias, (bias, source(sheet, at)), "the biases", |b| b.text().to_string())?;
            }
            Label::Activation | Label::OutputActivation | Label::Loss | Label::Optimizer | Label::Param(_)
                if !inputs => {}
            Label::Activation => {
                let a = activation(book, sheet, at, "the activation")?;
                keep(book, &mut found.activation, (a, source(sheet, at)), "the activation", |a| a.flag())?;
            }
            Label::OutputActivation => {
                let a = activation(book, sheet, at, "the output activation")?;
                keep(book, &mut found.output_activation, (a, source(sheet, at)), "the output activation", |a| {
                    a.flag()
                })?;
            }
            Label::Loss => {
                let should = "the loss should be squared or cross-entropy";
                let loss = named(book, sheet, at, |t| Loss::named(&t.trim().to_lowercase()), should)?;
                keep(book, &mut found.loss, (loss, source(sheet, at)), "the loss", |l| l.flag().into())?;
            }
            Label::Optimizer => {
                let should = format!("the optimizer should be one of {}", Optimizer::NAMES.join(", "));
                let optimizer = named(book, sheet, at, |t| Optimizer::named(&t.trim().to_lowercase()), &should)?;
                keep(book, &mut found.optimizer, (optimizer, source(sheet, at)), "the optimizer", |o| o.name().into())?;
            }
            Label::Param(p) => {
                let what = format!("{} ({})", p.name(), p.meaning());
                let value = finite(book, sheet, at, &what)?;
                if let Some(range) = p.problem(value) {
                    return Err(content(
                        book,
                        format!("{}: {what} should be a number {range}, not {value}", source(sheet, at)),
                    ));
                }
                let mut slot = found.params.get(&p).cloned();
                keep(book, &mut slot, (value, source(sheet, at)), p.name(), |v| v.to_string())?;
                found.params.extend(slot.map(|v| (p, v)));
            }
            Label::Iterations => {
                let value = finite(book, sheet, at, "iterations")?;
                keep(book, &mut found.iterations, (value, source(sheet, at)), "iterations", |v| v.to_string())?;
            }
            Label::LearningRate => {
                let mut rates = vec![finite(book, sheet, at, "the learning rate")?];
                let mut p = step(at);
                while sheet.value(p).is_some_and(|d| number(d).is_some()) {
                    rates.push(finite(book, sheet, p, "the learning rate")?);
                    p = step(p);
                }
                keep(book, &mut found.learning_rates, (rates, source(sheet, at)), "the learning rates", |v| list(v))?;
            }
        }
    }
    Ok(())
}

/// Labels beside a number that look meant for this reader (`iter`, `epoch`, `learn`, `rate`)
/// but are not one it knows: said, never silently ignored.
fn unknown_labels(sheet: &Sheet) -> Vec<String> {
    let mut out = Vec::new();
    for (pos, text) in sheet.texts() {
        let s = normalised(text);
        let near = ["iter", "epoch", "learn", "rate"].iter().any(|w| s.contains(w));
        if near && label(text).is_none() && value_of(sheet, pos).is_some_and(|(at, _)| sheet.number(at).is_some()) {
            out.push(format!(
                "{}: the label `{}` is not one this reader knows, so the number beside it was not used; write `iterations` or `learning rates`",
                source(sheet, pos),
                text.chars().take(40).collect::<String>()
            ));
        }
    }
    out
}

/// A cell naming one of a choice's values (the network's shape, the biases, the loss, the
/// optimizer), read by `parse`; else the message `should` says what it should hold.
fn named<T>(
    book: &Workbook,
    sheet: &Sheet,
    at: Pos,
    parse: impl Fn(&str) -> Option<T>,
    should: &str,
) -> Result<T, Error> {
    text(sheet, at)
        .and_then(parse)
        .ok_or_else(|| content(book, format!("{}: {should}, not {}", source(sheet, at), describe(sheet.value(at)))))
}

/// An activation cell's value, or what is wrong with it.
fn activation(book: &Workbook, sheet: &Sheet, at: Pos, what: &str) -> Result<Activation, Error> {
    let problem = match text(sheet, at) {
        Some(t) => match Activation::parse(t) {
            Ok(a) => return Ok(a),
            Err(e) => e,
        },
        None => format!("{what} should be one of {}, not {}", Activation::NAMES, describe(sheet.value(at))),
    };
    Err(content(book, format!("{}: {problem}", source(sheet, at))))
}

/// What the run's network is trained with: each choice from its flag, else the template's cell,
/// else the class's; the template's parameters set on its optimizer, the flags' over them. A
/// choice that does not go with the others, or a parameter its optimizer lacks, is refused,
/// naming the template's cell when the template gave it.
pub(crate) fn maths(file: &Path, found: &Found, flags: &MathsFlags) -> Result<Maths, Error> {
    let content = |what: String| Error::Content { file: file.to_path_buf(), what };
    fn pick<T: Copy>(flag: Option<T>, cell: &Option<(T, Source)>, default: T) -> (T, Option<&Source>) {
        match (flag, cell) {
            (Some(v), _) => (v, None),
            (None, Some((v, at))) => (*v, Some(at)),
            (None, None) => (default, None),
        }
    }
    let (activation, activation_at) = pick(flags.activation, &found.activation, Activation::Sigmoid);
    let (output_activation, output_at) = pick(flags.output_activation, &found.output_activation, Activation::Sigmoid);
    let (loss, loss_at) = pick(flags.loss, &found.loss, Loss::Squared);
    let (mut optimizer, optimizer_at) = pick(flags.optimizer, &found.optimizer, Optimizer::Gd);
    let names = |o: Optimizer| o.params().iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
    for (&p, (value, at)) in &found.params {
        if flags.params.iter().any(|&(_, q, _)| q == p) {
            continue;
        }
        match optimizer.with(p, *value) {
            Some(o) => optimizer = o,
            // The flag chose another optimizer, whose parameters are its own (`unused_params`
            // says so).
            None if flags.optimizer.is_some() => {}
            None => {
                return Err(content(format!(
                    "{at}: {} is not a parameter of the optimizer {} (its parameters are {}): delete the cell, or write the optimizer it belongs to in an `optimizer` cell",
                    p.name(),
                    optimizer.name(),
                    names(optimizer)
                )));
            }
        }
    }
    for &(flag, p, value) in &flags.params {
        optimizer = optimizer.with(p, value).ok_or_else(|| {
            let of = match optimizer_at {
                Some(at) => format!("the template's optimizer {} ({at})", optimizer.name()),
                None => format!("--optimizer {}", optimizer.name()),
            };
            Error::Usage(format!("{flag} is not a parameter of {of}: its parameters are {}", names(optimizer)))
        })?;
    }
    let problem = match (activation, output_activation, loss) {
        (Activation::Softmax, ..) => Some((
            "softmax is the output layer's: give it with --output-activation",
            "softmax is the output layer's activation: write it in the `output activation` cell",
            [activation_at, None],
        )),
        (_, Activation::Softmax, Loss::Squared) => Some((
            "--output-activation softmax goes with --loss cross-entropy, whose deltas are a_o-t",
            "a softmax output goes with the loss cross-entropy, whose deltas are a_o-t: write cross-entropy in the `loss` cell",
            [output_at, loss_at],
        )),
        (_, Activation::Sigmoid | Activation::Softmax, _) | (_, _, Loss::Squared) => None,
        (_, _, Loss::CrossEntropy) => Some((
            "--loss cross-entropy needs outputs in (0,1): give --output-activation softmax or sigmoid",
            "the loss cross-entropy needs outputs in (0,1): write softmax or sigmoid in the `output activation` cell",
            [loss_at, output_at],
        )),
    };
    if let Some((flags_text, cells_text, at)) = problem {
        return Err(match at.into_iter().flatten().next() {
            Some(at) => content(format!("{at}: {cells_text}")),
            None => Error::Usage(flags_text.into()),
        });
    }
    Ok(Maths { activation, output_activation, loss, optimizer })
}

/// What the flags alone say the network is trained with, as [`maths`] checks it.
pub(crate) fn flags_maths(flags: &MathsFlags) -> Result<Maths, Error> {
    // With no template's cells, nothing is said of a file.
    maths(Path::new(EMBEDDED_NAME), &Found::default(), flags)
}

/// The network a template is for: its `network` and `biases` cells, or else what its labels
/// name (inputs and targets counted, hidden units from the weights, biases if b1 or b2 is
/// there). None when it names no inputs at all.
fn template_network(found: &Found) -> Option<Network> {
    let named: Vec<Col> = found.inputs.keys().copied().collect();
    let shape = found.shape.as_ref().map(|(n, _)| *n).or_else(|| crate::model::columns::network_named(&named))?;
    let bias = match &found.bias {
        Some((b, _)) => *b,
        None if named.iter().any(|c| matches!(c, Col::B(_))) => Bias::Fixed,
        None => Bias::None,
    };
    Some(shape.with_bias(bias))
}

/// Turns what the template says, with the command line's overrides (already valid), into a
/// run's parameters, or says what in the template is missing or wrong. `defaults` (the built-in
/// template) fills what the template leaves out, except inputs; with no template of the user's
/// (`builtin`), the network's documented values fill the inputs too.
pub(crate) fn resolve(
    book: &Workbook,
    found: &Found,
    defaults: Option<&Found>,
    builtin: bool,
    over: &Overrides,
) -> Result<Params, Error> {
    let stated = template_network(found);
    let maths = maths(&book.file, found, &over.maths)?;
    let network = run_network(book, stated, builtin, over)?.with_maths(maths);
    let columns = Columns::of(network);
    if let Some((col, _)) = over.set.iter().find(|(c, _)| !columns.is_input(*c)) {
        return Err(content(
            book,
            format!(
                "--set {}: the network {network} has no such input; its inputs are {}",
                col.name(),
                input_names(columns)
            ),
        ));
    }
    // The built-in template's values are the 2-2-2 network's: another network starts from its
    // own documented values.
    let read = !builtin || stated.map(|s| s.with_maths(maths)) == Some(network);
    let mut inputs = Inputs::new(columns);
    let mut missing = Vec::new();
    for col in columns.typed() {
        match over.set.iter().rev().find(|(c, _)| *c == col) {
            Some((_, v)) => inputs.set(col, *v),
            None => match (found.inputs.get(&col).filter(|_| read), builtin) {
                (Some((v, _)), _) => inputs.set(col, *v),
                (None, true) => inputs.set(col, columns.default_value(col).expect("every typed column has a default")),
                (None, false) => missing.push(col.name()),
            },
        }
    }
    if stated.is_none() && found.learning_rates.is_none() && found.iterations.is_none() && !builtin {
        return Err(content(
            book,
            "no inputs found: label cells i1, i2, t1, t2, w1..w8 with the number beside them, or use the class layout \
             (a header row t1 t2 i1 i2 w1 ... over the first row of values). `backprop-sheet template --out FILE` writes an example"
                .into(),
        ));
    }
    if !missing.is_empty() {
        return Err(content(
            book,
            format!(
                "{} missing for the network {network}: add a cell labelled {} with its value to the right, or pass --set NAME=VALUE",
                missing.join(", "),
                missing[0]
            ),
        ));
    }
    // The command line's values were validated as they were parsed; what the template says is
    // checked here, with the cell it came from.
    let learning_rates = learning_rates(book, found, defaults, over)?;
    let iterations = iterations(book, found, defaults, over)?;
    Ok(Params { inputs, learning_rates, iterations })
}

/// The network of the run: the template's, reshaped or given biases by the flags, which may not
/// change its shape (its weights would mean other connections); without a template of the
/// user's, the flags' alone.
fn run_network(book: &Workbook, stated: Option<Network>, builtin: bool, over: &Overrides) -> Result<Network, Error> {
    Ok(match (builtin, stated) {
        (false, Some(stated)) => {
            let shape = over.shape.map_or(stated, |s| s.with_bias(stated.bias));
            if !shape.same_shape(stated) {
                return Err(content(
                    book,
                    format!(
                        "the template is for a {} network, not {}: its weights would mean other connections. Write a template for it with `backprop-sheet template --network {}`",
                        stated.with_bias(Bias::None),
                        shape.with_bias(Bias::None),
                        shape.with_bias(Bias::None)
                    ),
                ));
            }
            shape.with_bias(over.bias.unwrap_or(stated.bias))
        }
        _ => over.shape.unwrap_or_default().with_bias(over.bias.unwrap_or_default()),
    })
}

/// The learning rates: the flag's (validated as parsed), else the template's or the built-in
/// one's, checked here with the cell they came from.
fn learning_rates(
    book: &Workbook,
    found: &Found,
    defaults: Option<&Found>,
    over: &Overrides,
) -> Result<Vec<f64>, Error> {
    Ok(match &over.learning_rates {
        Some(r) => r.clone(),
        None => {
            let (rates, at) =
                found.learning_rates.as_ref().or(defaults.and_then(|d| d.learning_rates.as_ref())).ok_or_else(
                    || content(book, "no learning rates: add a `learning rates` row or pass --learning-rates".into()),
                )?;
            if let Some(problem) = rates_problem(rates) {
                let at = if rates.len() > 1 { format!("in the learning rates from {at} on") } else { at.to_string() };
                return Err(content(book, format!("{at}: {problem}")));
            }
            rates.clone()
        }
    })
}

/// The iteration count, from the flag, the template or the built-in one, checked likewise.
fn iterations(book: &Workbook, found: &Found, defaults: Option<&Found>, over: &Overrides) -> Result<usize, Error> {
    Ok(match over.iterations {
        Some(n) => n,
        None => {
            let (n, at) =
                found.iterations.as_ref().or(defaults.and_then(|d| d.iterations.as_ref())).ok_or_else(|| {
                    content(book, "no iteration count: add an `iterations` cell or pass --iterations".into())
                })?;
            if let Some(problem) = iterations_problem(*n) {
                return Err(content(book, format!("{at}: {problem}")));
            }
            *n as usize
        }
    })
}

/// The inputs of a network, as `--set` names them.
fn input_names(columns: &Columns) -> String {
    columns.typed().map(Col::name).collect::<Vec<_>>().join(" ")
}

/// The run's parameters from a template file, or from the built-in template when `path` is
/// None, with what the template said (and where) for the terminal.
pub fn load(path: Option<&Path>, over: &Overrides) -> Result<(Params, Found), Error> {
    let builtin = Workbook::from_bytes(Path::new(EMBEDDED_NAME), EMBEDDED)?;
    let defaults = read(&builtin)?;
    let (book, found) = match path {
        None => (builtin, defaults.clone()),
        Some(p) => {
            let mut book = Workbook::open(p)?;
            // Inputs typed as formulas (`=0.1+0.05`) by a program that saved no results.
            book.compute_unsaved();
            let mut found = read(&book)?;
            found.warnings.extend(unused_params(&found, &over.maths));
            (book, found)
        }
    };
    let params = resolve(&book, &found, Some(&defaults), path.is_none(), over)?;
    Ok((params, found))
}

/// The template's parameter cells that `--optimizer` leaves without a use: the flag chose
/// another optimizer, whose parameters are its own. Said, never silently ignored.
fn unused_params(found: &Found, flags: &MathsFlags) -> Vec<String> {
    let Some(chosen) = flags.optimizer else { return Vec::new() };
    let names: Vec<&str> = chosen.params().iter().map(|p| p.name()).collect();
    found
        .params
        .iter()
        .filter(|(p, _)| !chosen.params().contains(p))
        .map(|(p, (value, at))| {
            format!(
                "{at}: {} = {value} is not a parameter of --optimizer {} (its parameters are {}), so it was not used",
                p.name(),
                chosen.name(),
                names.join(", ")
            )
        })
        .collect()
}
