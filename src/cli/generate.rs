//! `generate`: the flags and the template resolved once into a [`GenerateRun`], then the
//! workbook written and its outcome printed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::terminal::{self, plural};
use super::values::{number, rate};
use crate::error::{Error, Failure};
use crate::generate::layout::{self, MAX_FORMULA_CHARS};
use crate::generate::template::{self, Found, MathsFlags, Overrides};
use crate::generate::writer::{self, RateSummary};
use crate::model::columns::Col;
use crate::model::engine::Params;
use crate::model::gradient_check;
use crate::model::mistakes::{CATALOGUE, Mistake};
use crate::model::network::{Activation, Bias, Loss, Maths, Network, Optimizer, Param};
use crate::sys::output::{self, Destination};

/// The network, for `generate` and `template`; `check` reads it from the headers.
#[derive(Args, Debug, Default)]
pub(super) struct NetworkArgs {
    /// The network's shape, inputs-hidden-outputs, each 1 to 8 (default: the template's, or the
    /// class's 2-2-2).
    #[arg(long, value_name = "I-H-O", value_parser = Network::parse_shape)]
    pub network: Option<Network>,
    /// Add Matt Mazur's biases: b1 shared by the hidden layer, b2 by the output layer, typed in
    /// the first row and carried down unchanged (--set b1=0.35 --set b2=0.6).
    #[arg(long)]
    bias: bool,
    /// Add the biases and train them like the weights, with their own gradient columns.
    #[arg(long, conflicts_with = "bias")]
    train_bias: bool,
}

impl NetworkArgs {
    pub(super) fn bias(&self) -> Option<Bias> {
        match (self.bias, self.train_bias) {
            (_, true) => Some(Bias::Trained),
            (true, false) => Some(Bias::Fixed),
            (false, false) => None,
        }
    }
}

/// What the network is trained with: the template's (its `activation`, `loss`, `optimizer`, ...
/// cells), else the class's sigmoid, squared error and gradient descent, unless given.
#[derive(Args, Debug)]
pub(super) struct MathsArgs {
    /// The hidden layer's activation: sigmoid, tanh, relu, leaky-relu[=α] (α 0.01 unless given) or
    /// linear (default: the template's, or sigmoid).
    #[arg(long, value_name = "NAME", value_parser = Activation::parse)]
    activation: Option<Activation>,
    /// The output layer's activation, from the same list, or softmax (with --loss cross-entropy)
    /// (default: the template's, or sigmoid).
    #[arg(long, value_name = "NAME", value_parser = Activation::parse)]
    output_activation: Option<Activation>,
    /// The error of each output: squared (0.5*(t-a)^2, the class's) or cross-entropy (with softmax
    /// or sigmoid outputs) (default: the template's, or squared).
    #[arg(long, value_name = "NAME", value_parser = Loss::NAMES)]
    loss: Option<String>,
    /// How the weights are updated, as PyTorch's torch.optim defines it: gd (plain gradient
    /// descent), momentum, nesterov, adagrad, rmsprop or adam. Its state is columns of the table and
    /// its parameters cells beside η (default: the template's, or gd).
    #[arg(long, value_name = "NAME", value_parser = Optimizer::NAMES)]
    optimizer: Option<String>,
    /// Momentum μ of --optimizer momentum or nesterov (default 0.9).
    #[arg(long, value_name = "μ", value_parser = below_one)]
    momentum: Option<f64>,
    /// RMSprop's smoothing constant α (default PyTorch's 0.99).
    #[arg(long, value_name = "α", value_parser = below_one)]
    alpha: Option<f64>,
    /// Adam's first moment decay rate β1 (default PyTorch's 0.9).
    #[arg(long, value_name = "β1", value_parser = below_one)]
    beta1: Option<f64>,
    /// Adam's second moment decay rate β2 (default PyTorch's 0.999).
    #[arg(long, value_name = "β2", value_parser = below_one)]
    beta2: Option<f64>,
    /// The small constant δ of adagrad, rmsprop and adam, added to the square root before dividing
    /// (PyTorch's eps; default 1e-10 for adagrad, 1e-8 for the others).
    #[arg(long, value_name = "δ", value_parser = small_positive)]
    eps: Option<f64>,
}

/// A decay rate or momentum: from 0 to below 1.
fn below_one(text: &str) -> Result<f64, String> {
    let x = number(text)?;
    if (0.0..1.0).contains(&x) { Ok(x) } else { Err(format!("{x} is not from 0 to below 1")) }
}

fn small_positive(text: &str) -> Result<f64, String> {
    let x = number(text)?;
    if x > 0.0 && x < 1.0 { Ok(x) } else { Err(format!("{x} is not above 0 and below 1")) }
}

impl MathsArgs {
    /// The hyper-parameters given, each with its flag.
    fn given(&self) -> impl Iterator<Item = (&'static str, Param, f64)> {
        [
            ("--momentum", Param::Momentum, self.momentum),
            ("--alpha", Param::Alpha, self.alpha),
            ("--beta1", Param::Beta1, self.beta1),
            ("--beta2", Param::Beta2, self.beta2),
            ("--eps", Param::Delta, self.eps),
        ]
        .into_iter()
        .filter_map(|(flag, param, value)| value.map(|v| (flag, param, v)))
    }

    /// The choices given, for the template's to fill in (see [`template::maths`]). Optimizers
    /// `compared` take the parameters each has (see [`MathsArgs::compared`]), the first sheet's
    /// network being the others' shape.
    pub(super) fn flags(&self, compared: bool) -> MathsFlags {
        MathsFlags {
            activation: self.activation,
            output_activation: self.output_activation,
            loss: self.loss.as_deref().map(|l| Loss::named(l).expect("one of the names clap accepts")),
            optimizer: self.optimizer.as_deref().map(|o| Optimizer::named(o).expect("one of the names clap accepts")),
            params: if compared { Vec::new() } else { self.given().collect() },
        }
    }

    /// Every optimizer, each with the hyper-parameters given that it has.
    fn compared(&self) -> [Optimizer; 6] {
        Optimizer::NAMES.map(|name| {
            let optimizer = Optimizer::named(name).expect("a name of the list");
            self.given().fold(optimizer, |o, (_, param, value)| o.with(param, value).unwrap_or(o))
        })
    }
}

/// What a run computes, shared by `generate` and `writeup`: the template, the flags that override
/// it, and what to show with it.
#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// Read the initial values from this workbook (labelled cells, or the class layout).
    /// Without it, the built-in template is used.
    #[arg(long)]
    template: Option<PathBuf>,
    /// Rows (iterations) per learning rate.
    #[arg(long, value_parser = parse_iterations)]
    iterations: Option<usize>,
    /// Learning rates, one sheet each, e.g. 0.1,0.2,0.5.
    #[arg(long, value_delimiter = ',', num_args = 1.., value_parser = rate, allow_negative_numbers = true)]
    learning_rates: Option<Vec<f64>>,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    maths: MathsArgs,
    /// Override one initial value, e.g. --set t1=0.5 (i1 i2 t1 t2 w1..w8, b1 b2 with biases).
    /// Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(Col, f64)>,
    /// Write a known mistake into the formulas, on purpose: to show students what it does, or to
    /// try `check` (writeup: its sheet's derivation too, each wrong line marked). KEY is one of
    /// the mistakes `check` names.
    #[arg(long, value_name = "KEY", value_parser = mistake_keys())]
    pub mistake: Option<&'static Mistake>,
    /// Add, right of each sheet's table, the central finite difference (E(w+ε)-E(w-ε))/2ε of every
    /// weight as live formulas, and the largest relative difference from the derived gradients:
    /// the spreadsheet checks its own derivatives. ε is a cell of each sheet (B2). (writeup: each
    /// gradient's finite difference under it.)
    #[arg(long)]
    pub gradient_check: bool,
}

/// A run's parameters, merged from the template and the flags, with where each came from.
pub(super) struct Loaded {
    pub params: Params,
    pub found: Found,
    pub overrides: Overrides,
}

impl RunArgs {
    pub(super) fn template(&self) -> Option<&Path> {
        self.template.as_deref()
    }

    /// Merges the flags with the template, and refuses a mistake the network has no room for.
    /// `compared`: the optimizers are compared, each taking the hyper-parameters it has.
    pub(super) fn load(&self, compared: bool) -> Result<Loaded, Error> {
        let overrides = overrides(self, compared)?;
        let (params, found) = template::load(self.template.as_deref(), &overrides)?;
        let columns = params.inputs.columns();
        if let Some(m) = self.mistake.filter(|m| m.cols(columns).is_empty()) {
            return Err(Error::Usage(format!(
                "the mistake `{}` does not apply to the network {} ({}): choose another",
                m.key, columns.network, m.what
            )));
        }
        Ok(Loaded { params, found, overrides })
    }
}

#[derive(Args, Debug)]
pub(super) struct GenerateArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The workbook to write.
    #[arg(long, default_value = "backprop.xlsx")]
    out: PathBuf,
    /// One sheet per optimizer (gd, momentum, nesterov, adagrad, rmsprop, adam), all at the one
    /// learning rate given, and a Summary chart of their curves together. --momentum and the other
    /// parameters apply to the optimizers that have them.
    #[arg(long, conflicts_with_all = ["optimizer", "mistake"])]
    compare_optimizers: bool,
    /// Write plain numbers instead of formulas.
    #[arg(long)]
    values_only: bool,
    /// Learning-rate sheets computed and written at once (default: every core). The workbook is
    /// the same whatever the number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_iterations(text: &str) -> Result<usize, String> {
    let n = number(text)?;
    match layout::iterations_problem(n) {
        Some(problem) => Err(problem),
        None => Ok(n as usize),
    }
}

/// The catalogue's keys as the values `--mistake` takes, each with what it means: `--help` lists
/// them, and clap refuses any other.
fn mistake_keys() -> impl clap::builder::TypedValueParser<Value = &'static Mistake> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let keys = CATALOGUE.iter().map(|m| PossibleValue::new(m.key).help(m.what));
    PossibleValuesParser::new(keys).map(|key| Mistake::by_key(&key).expect("a key of the catalogue"))
}

/// `NAME=VALUE` for any network's typed cell; whether the run's network has it is checked once
/// the network is known.
fn parse_set(text: &str) -> Result<(Col, f64), String> {
    const NAMES: &str = "t1 t2 i1 i2 w1..w8 in the class's network, b1 b2 with biases";
    let (name, value) =
        text.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, e.g. t1=0.5 (names: {NAMES})"))?;
    let col = Col::from_name(&name.trim().to_lowercase())
        .filter(|c| c.is_typed())
        .ok_or_else(|| format!("`{name}` is not an input; use one of {NAMES}"))?;
    let value = number(value)?;
    if !value.is_finite() {
        return Err("the value must be a finite number".into());
    }
    Ok((col, value))
}

/// Everything a `generate` run is, settled before anything is written: the parameters (the
/// template merged with the flags), where each came from, how to write, and where.
pub(super) struct GenerateRun {
    pub params: Params,
    template: Option<PathBuf>,
    /// What the template said, cell by cell, and what the flags overrode.
    found: Found,
    overrides: Overrides,
    writer: writer::Options,
    out: Destination,
    quiet: bool,
}

impl GenerateRun {
    /// Merges the flags with the template and checks that the run can be written, before any
    /// output is opened.
    pub(super) fn resolve(args: &GenerateArgs) -> Result<GenerateRun, Error> {
        let Loaded { params, found, overrides } = args.run.load(args.compare_optimizers)?;
        let columns = params.inputs.columns();
        let writer = writer::Options {
            values_only: args.values_only,
            mistake: args.run.mistake,
            gradient_check: args.run.gradient_check.then_some(gradient_check::DEFAULT_EPSILON),
            workers: super::jobs(args.jobs),
            deflate_level: None,
            compare: args.compare_optimizers.then(|| args.run.maths.compared()),
            issue: found.issue.clone(),
        };
        if let Some(problem) = softmax_problem(&params) {
            return Err(Error::Usage(problem));
        }
        if args.compare_optimizers && params.learning_rates.len() != 1 {
            return Err(Error::Usage(format!(
                "--compare-optimizers trains every optimizer at one learning rate, not {}: give it with --learning-rates, e.g. --learning-rates 0.1",
                params.learning_rates.len()
            )));
        }
        let longest = writer::longest_formula(&params, &writer);
        if longest > MAX_FORMULA_CHARS {
            let what = if args.run.gradient_check { "the gradient check of the network" } else { "the network" };
            return Err(Error::Usage(format!(
                "{what} {} needs formulas of {longest} characters, and Excel holds at most {MAX_FORMULA_CHARS} in a cell: choose a smaller network{}",
                columns.network,
                if args.run.gradient_check { ", or leave out --gradient-check" } else { "" }
            )));
        }
        let out = Destination { path: args.out.clone(), force: args.force, flag: "--out", what: "the workbook" };
        let protect: Vec<(&'static str, &Path)> =
            args.run.template().map(|t| ("the template", t)).into_iter().collect();
        output::check_destination(&out, &protect)?;
        let template = args.run.template().map(Path::to_path_buf);
        Ok(GenerateRun { params, template, found, overrides, writer, out, quiet: args.quiet })
    }

    /// Writes the workbook and says what it holds.
    pub(super) fn act(self) -> Result<ExitCode, Error> {
        for warning in &self.found.warnings {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "backprop-sheet: warning: {}", terminal::printable(warning));
        }
        let params = &self.params;
        let bar = terminal::progress_bar((params.iterations * params.learning_rates.len()) as u64, self.quiet);
        let spill = self.out.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let summaries = output::write_atomically(&self.out, |f| {
            let write = || {
                writer::write(params, self.writer.clone(), spill, std::io::BufWriter::new(f), |rows| {
                    if let Some(bar) = &bar {
                        bar.inc(rows as u64);
                    }
                    !output::cancelled()
                })
            };
            Failure::flatten(crate::sys::panics::contained(write))
        })?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            terminal::emit(&self.summary(&summaries))?;
        }
        Ok(ExitCode::SUCCESS)
    }

    /// What `generate` prints: where the inputs came from, each rate's first and final error,
    /// the file.
    fn summary(&self, summaries: &[RateSummary]) -> String {
        let network = self.params.inputs.columns().network;
        let iterations = self.params.iterations;
        let mut text = String::new();
        let class = Network::default();
        let _ = match &self.template {
            Some(t) => writeln!(text, "Initial values from {}", t.display()),
            None if network.same_shape(class) => {
                writeln!(text, "Initial values from the {}", template::EMBEDDED_NAME)
            }
            None => writeln!(
                text,
                "Initial values: the {} network's defaults (see `backprop-sheet template --help`)",
                network.with_bias(Bias::None)
            ),
        };
        if network != class {
            let maths = network.maths;
            let maths = if maths == Maths::default() { String::new() } else { format!(", {maths}") };
            let _ = writeln!(text, "Network: {network}{maths}");
        }
        if let (Some(t), Some((rates, at)), None) =
            (&self.template, &self.found.learning_rates, &self.overrides.learning_rates)
        {
            let rates: Vec<String> = rates.iter().map(|r| layout::rate_text(*r)).collect();
            let _ = writeln!(text, "Learning rate η = {} from {}, {at}", rates.join(", "), t.display());
        }
        let compared = self.writer.compare.is_some();
        if compared {
            let _ = writeln!(text, "Optimizers compared at η = {}", layout::rate_text(self.params.learning_rates[0]));
        }
        let _ = writeln!(text);
        let checked = summaries.iter().any(|s| s.fd_max.is_some());
        // The first column: η, or the optimizer compared.
        let (first, width) = if compared { ("optimizer", 16) } else { ("η", 8) };
        let _ = writeln!(
            text,
            "{first:>width$}  {:>22}  {:>22}{}",
            "E_total, iteration 1",
            format!("E_total, iteration {iterations}"),
            if checked { "  largest FD rel diff" } else { "" }
        );
        for s in summaries {
            let note = match s.diverged_at {
                Some(i) => format!("diverged at iteration {i}: #NUM! from there on"),
                None => String::new(),
            };
            let fd = s.fd_max.map_or(String::new(), |x| match crate::model::expr::CellError::of(x) {
                Some(e) => format!("  {:>19}", e.text()),
                None => format!("  {x:>19.3e}"),
            });
            let name = if compared { s.sheet.clone() } else { layout::rate_text(s.eta) };
            let line =
                format!("{name:>width$}  {:>22}  {:>22}{fd}  {note}", fixed(s.first_error), fixed(s.final_error));
            let _ = writeln!(text, "{}", line.trim_end());
        }
        let _ = writeln!(text);
        let _ = writeln!(
            text,
            "Wrote {} (Summary + {} {} of {iterations} {})",
            self.out.path.display(),
            summaries.len(),
            plural(summaries.len(), "sheet", "sheets"),
            plural(iterations, "iteration", "iterations")
        );
        text
    }
}

/// Why softmax outputs cannot train on these targets, if they cannot: over one output it is
/// always 1; it does not change when every output's sum moves alike, so the shared bias b2 has
/// a gradient of 0 whatever the weights; and its cross-entropy's deltas a_o-t need targets that
/// sum to 1.
fn softmax_problem(params: &Params) -> Option<String> {
    let columns = params.inputs.columns();
    let network = columns.network;
    if network.maths.output_activation != Activation::Softmax {
        return None;
    }
    if network.outputs == 1 {
        return Some(
            "a softmax over one output is always 1: give two outputs or more, or --output-activation sigmoid".into(),
        );
    }
    if network.bias == Bias::Trained {
        return Some(
            "with softmax outputs the shared output bias b2 moves every output's sum alike, which a softmax ignores: its gradient is always 0. Give --bias (fixed biases) instead of --train-bias".into(),
        );
    }
    let targets: Vec<f64> = (1..=network.outputs).map(|k| params.inputs.get(Col::T(k))).collect();
    let sum: f64 = targets.iter().sum();
    ((sum - 1.0).abs() > 1e-9).then(|| {
        let names: Vec<String> = (1..=network.outputs).map(|k| Col::T(k).name()).collect();
        format!(
            "softmax outputs are a distribution, and {} sum to {sum}, not 1: set them with --set (e.g. --set t1=0.2 --set t2=0.8)",
            names.join(" + ")
        )
    })
}

/// The flags that override the template, checked as a whole: each was checked as it was parsed.
fn overrides(args: &RunArgs, compared: bool) -> Result<Overrides, Error> {
    if let Some(problem) = args.learning_rates.as_deref().and_then(layout::rates_problem) {
        return Err(Error::Usage(problem));
    }
    for (k, (col, value)) in args.set.iter().enumerate() {
        if let Some((_, first)) = args.set[..k].iter().find(|(c, _)| c == col) {
            return Err(Error::Usage(format!(
                "--set {} is given twice ({first} and {value}): give each name once",
                col.name()
            )));
        }
    }
    Ok(Overrides {
        shape: args.network.network,
        bias: args.network.bias(),
        maths: args.maths.flags(compared),
        learning_rates: args.learning_rates.clone(),
        iterations: args.iterations,
        set: args.set.clone(),
    })
}

/// A value with 12 decimals, or the error it is.
fn fixed(x: f64) -> String {
    match crate::model::expr::CellError::of(x) {
        Some(e) => e.text().to_string(),
        None => format!("{x:.12}"),
    }
}
