//! The command line: `generate`, `template` and `check`, and what each prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::columns::Col;
use crate::engine::Params;
use crate::mistakes::Mistake;
use crate::network::{Bias, Network};
use crate::output::{self, OutputError, WriteFailure};
use crate::report;
use crate::template::{self, Overrides};
use crate::terminal;
use crate::workbook::InputError;

/// Everything that can stop a command, with a message that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot write to the terminal or its redirection ({0}).")]
    Terminal(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

/// Says on stderr why a command stopped, and gives the exit code for it: 130 for an interrupt,
/// 2 for anything else. A closed or full stderr has nowhere left to say so: the code alone.
pub fn fail(e: Error) -> ExitCode {
    use std::io::Write;
    let (code, text) = match e {
        Error::Output(OutputError::Interrupted) => (130, "interrupted; no output written.".to_string()),
        e => (2, format!("{:#}", anyhow::Error::from(e))),
    };
    let _ = writeln!(std::io::stderr(), "backprop-sheet: {}", terminal::printable(&text));
    ExitCode::from(code)
}

/// A writer's result as the user hears of it: a panic inside the xlsx library becomes a failure
/// in words, as does any error of its own.
fn written<T>(result: Result<Result<T, report::WriteError>, String>) -> Result<T, WriteFailure> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(report::WriteError::Interrupted)) => Err(WriteFailure::Interrupted),
        Ok(Err(report::WriteError::Xlsx(e))) => Err(WriteFailure::Failed(report::explain(&e))),
        Ok(Err(report::WriteError::Io(e))) => Err(WriteFailure::Failed(report::explain_io(&e))),
        Ok(Err(report::WriteError::Panic(panic))) | Err(panic) => {
            Err(WriteFailure::Failed(report::explain_panic(&panic)))
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "backprop-sheet",
    version,
    about = "The 2-2-2 backpropagation worksheet (or any small network's), computed exactly as a spreadsheet does, written as an Excel workbook, and checked cell by cell."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compute the worksheet for each learning rate and write the workbook.
    Generate(Generate),
    /// Check a filled-in workbook cell by cell and name the mistake behind each wrong column.
    /// Exit code 0: every table is right; 1: a mistake was found; 2: the file cannot be used.
    Check(CheckArgs),
    /// Write the template of initial values that `generate --template` reads, for any network:
    /// every input labelled, with its default (targets 0.01 and 0.99 in turn, input k 0.05*k,
    /// hidden weights from 0.15 and output weights from 0.40 in steps of 0.05, biases 0.35 and
    /// 0.60: the class's values, carried on).
    Template {
        /// Where to write it.
        #[arg(long, default_value = "backprop-template.xlsx")]
        out: PathBuf,
        #[command(flatten)]
        network: NetworkArgs,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a completion script for a shell, e.g. `backprop-sheet completions bash >
    /// /etc/bash_completion.d/backprop-sheet`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// The network, for `generate` and `template`; `check` reads it from the headers.
#[derive(Args, Debug, Default)]
struct NetworkArgs {
    /// The network's shape, inputs-hidden-outputs, each 1 to 8 (default: the template's, or the
    /// class's 2-2-2).
    #[arg(long, value_name = "I-H-O", value_parser = Network::parse_shape)]
    network: Option<Network>,
    /// Add Matt Mazur's biases: b1 shared by the hidden layer, b2 by the output layer, typed in
    /// the first row and carried down unchanged (--set b1=0.35 --set b2=0.6).
    #[arg(long)]
    bias: bool,
    /// Add the biases and train them like the weights, with their own gradient columns.
    #[arg(long, conflicts_with = "bias")]
    train_bias: bool,
}

impl NetworkArgs {
    fn bias(&self) -> Option<Bias> {
        match (self.bias, self.train_bias) {
            (_, true) => Some(Bias::Trained),
            (true, false) => Some(Bias::Fixed),
            (false, false) => None,
        }
    }
}

#[derive(Args, Debug)]
struct Generate {
    /// Read the initial values from this workbook (labelled cells, or the class layout).
    /// Without it, the built-in template is used.
    #[arg(long)]
    template: Option<PathBuf>,
    /// The workbook to write.
    #[arg(long, default_value = "backprop.xlsx")]
    out: PathBuf,
    /// Rows (iterations) per learning rate.
    #[arg(long, value_parser = parse_iterations)]
    iterations: Option<usize>,
    /// Learning rates, one sheet each, e.g. 0.1,0.2,0.5.
    #[arg(long, value_delimiter = ',', num_args = 1.., value_parser = parse_rate, allow_negative_numbers = true)]
    learning_rates: Option<Vec<f64>>,
    #[command(flatten)]
    network: NetworkArgs,
    /// Override one initial value, e.g. --set t1=0.5 (i1 i2 t1 t2 w1..w8, b1 b2 with biases).
    /// Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(Col, f64)>,
    /// Write plain numbers instead of formulas.
    #[arg(long)]
    values_only: bool,
    /// Write a known mistake into the formulas, on purpose: to show students what it does, or to
    /// try `check`. KEY is one of the mistakes `check` names.
    #[arg(long, value_name = "KEY", value_parser = mistake_keys())]
    mistake: Option<&'static Mistake>,
    /// Add, right of each sheet's table, the central finite difference (E(w+ε)-E(w-ε))/2ε of every
    /// weight as live formulas, and the largest relative difference from the derived gradients:
    /// the spreadsheet checks its own derivatives. ε is a cell of each sheet (B2).
    #[arg(long)]
    gradient_check: bool,
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

#[derive(Args, Debug)]
struct CheckArgs {
    /// The workbooks to check (.xlsx, .xlsm); a folder means every workbook in it and below.
    /// With several, one line each and the totals; `--detail` adds each report.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Workbooks checked at once (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// With several workbooks, print each one's full report after its line.
    #[arg(long)]
    detail: bool,
    /// Write the class summary to this file: .xlsx (with a sheet counting each mistake and its
    /// chart) or .csv, by the extension.
    #[arg(long, value_name = "FILE", value_parser = parse_summary_path)]
    summary: Option<PathBuf>,
    /// Write each workbook with findings, marked, into this folder under its own name: every
    /// wrong cell filled in red with a note saying what it should hold and why. The original is
    /// never changed.
    #[arg(long, value_name = "DIR")]
    annotate: Option<PathBuf>,
    /// Replace the summary file, or a marked workbook, if it exists.
    #[arg(long)]
    force: bool,
    /// The learning rate, when the sheet does not show it (overrides what it shows).
    #[arg(long, value_parser = parse_rate, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Relative tolerance for values stored at full precision.
    #[arg(long, default_value_t = 1e-12, value_parser = parse_tolerance)]
    rel_tol: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// How many threads `--jobs` means when it is not given: one per core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn number(text: &str) -> Result<f64, String> {
    text.trim().parse().map_err(|_| format!("`{text}` is not a number"))
}

fn parse_iterations(text: &str) -> Result<usize, String> {
    let n = number(text)?;
    match crate::layout::iterations_problem(n) {
        Some(problem) => Err(problem),
        None => Ok(n as usize),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let eta = number(text)?;
    crate::layout::rate_problem(eta).map_or(Ok(eta), Err)
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    let tol = number(text)?;
    if tol.is_finite() && tol >= 0.0 { Ok(tol) } else { Err(format!("must be a number >= 0, not {tol}")) }
}

/// The catalogue's keys as the values `--mistake` takes, each with what it means: `--help` lists
/// them, and clap refuses any other.
fn mistake_keys() -> impl clap::builder::TypedValueParser<Value = &'static Mistake> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let keys = crate::mistakes::CATALOGUE.iter().map(|m| PossibleValue::new(m.key).help(m.what));
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

/// The command line, parsed; on a usage error, clap's message and exit code 2, and for
/// `check --json` the same error as JSON on standard output, since scripts read that.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let wants_json = args.first().is_some_and(|a| a == "check") && args.iter().any(|a| a == "--json");
        if wants_json && e.use_stderr() {
            let message = e.render().to_string();
            let first = message.lines().next().unwrap_or_default().trim_start_matches("error: ");
            let _ = terminal::emit(&format!("{:#}\n", serde_json::json!({ "file": null, "error": first })));
        }
        e.exit()
    })
}

/// Runs the command line and returns the process exit code: 0 done, 1 `check` found a
/// mistake, 2 the input could not be used (clap's own usage errors are 2 as well).
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    output::handle_interrupts();
    match cli.command {
        Command::Generate(args) => generate(args),
        Command::Check(args) => check(args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "backprop-sheet",
                &mut script,
            );
            terminal::emit(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Template { out, network, force } => {
            let network = network.network.unwrap_or_default().with_bias(network.bias().unwrap_or_default());
            output::check_destination(&out, force, &[])?;
            output::write_atomically(&out, force, |f| {
                written(crate::panics::contained(|| template::write(network, f).map_err(report::WriteError::from)))
            })?;
            terminal::emit(&format!("Wrote {}\n", out.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

impl Cli {
    /// The run a `generate` command line makes: template, flags and defaults merged as the
    /// binary merges them. Tests build their runs through this, so that a run is written once,
    /// as the arguments a user types.
    pub fn generate_params(&self) -> Result<Params, Error> {
        match &self.command {
            Command::Generate(args) => Ok(template::load(args.template.as_deref(), &overrides(args)?)?.0),
            _ => Err(Error::Usage("not a generate command line".into())),
        }
    }
}

/// The flags that override the template, checked as a whole: each was checked as it was parsed.
fn overrides(args: &Generate) -> Result<Overrides, Error> {
    if let Some(problem) = args.learning_rates.as_deref().and_then(crate::layout::rates_problem) {
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
        learning_rates: args.learning_rates.clone(),
        iterations: args.iterations,
        set: args.set.clone(),
    })
}

fn generate(args: Generate) -> Result<ExitCode, Error> {
    let over = overrides(&args)?;
    let (params, found) = template::load(args.template.as_deref(), &over)?;
    let columns = params.inputs.columns();
    if let Some(m) = args.mistake.filter(|m| m.cols(columns).is_empty()) {
        return Err(Error::Usage(format!(
            "the mistake `{}` does not apply to the network {} ({}): choose another",
            m.key, columns.network, m.what
        )));
    }
    let options = report::Options {
        values_only: args.values_only,
        mistake: args.mistake,
        gradient_check: args.gradient_check.then_some(crate::gradient_check::DEFAULT_EPSILON),
        workers: args.jobs.map_or_else(cores, usize::from),
        deflate_level: None,
    };
    let longest = report::longest_formula(&params, &options);
    if longest > crate::layout::MAX_FORMULA_CHARS {
        let what = if args.gradient_check { "the gradient check of the network" } else { "the network" };
        return Err(Error::Usage(format!(
            "{what} {} needs formulas of {longest} characters, and Excel holds at most {} in a cell: choose a smaller network{}",
            columns.network,
            crate::layout::MAX_FORMULA_CHARS,
            if args.gradient_check { ", or leave out --gradient-check" } else { "" }
        )));
    }
    for warning in &found.warnings {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "backprop-sheet: warning: {}", terminal::printable(warning));
    }
    let protect: Vec<(&'static str, &Path)> = args.template.iter().map(|t| ("the template", t.as_path())).collect();
    output::check_destination(&args.out, args.force, &protect)?;
    let bar = progress_bar((params.iterations * params.learning_rates.len()) as u64, args.quiet);
    let spill = args.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let summaries = output::write_atomically(&args.out, args.force, |f| {
        written(crate::panics::contained(|| {
            report::write(&params, options, spill, std::io::BufWriter::new(f), |rows| {
                if let Some(bar) = &bar {
                    bar.inc(rows as u64);
                }
                !output::cancelled()
            })
        }))
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if !args.quiet {
        terminal::emit(&terminal::summary(
            args.template.as_deref(),
            &found,
            &over,
            &summaries,
            columns.network,
            params.iterations,
            &args.out,
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_summary_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("xlsx" | "csv") => Ok(path),
        _ => Err("the summary is written as .xlsx or .csv: end the file name with one of them".into()),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let single = match args.paths.as_slice() {
        [one] if !one.is_dir() && args.summary.is_none() && args.annotate.is_none() => Some(one),
        _ => None,
    };
    let Some(file) = single else { return check_class(&args) };
    let result = check_one(&args, file);
    if args.json
        && let Err(e) = &result
    {
        let failure = serde_json::json!({ "file": file.display().to_string(), "error": e.to_string() });
        terminal::emit(&format!("{failure:#}\n"))?;
    }
    result
}

/// Many workbooks: checked in parallel, a line each (or a JSON array), the totals, and the
/// class summary when asked for. Exit code 2 when any workbook is unusable, else 1 when any has
/// a mistake, else 0.
fn check_class(args: &CheckArgs) -> Result<ExitCode, Error> {
    if let Some(summary) = &args.summary {
        let inputs: Vec<(&'static str, &Path)> = args.paths.iter().map(|p| ("an input", p.as_path())).collect();
        output::check_destination(summary, args.force, &inputs)?;
    }
    let files = crate::class::workbooks(&args.paths)?;
    let jobs = args.jobs.map_or_else(cores, usize::from);
    let options = crate::check::Options { eta: args.eta, rel_tol: args.rel_tol };
    let width = files.iter().map(|f| f.display().to_string().chars().count()).max().unwrap_or(0);
    let mut rows: Vec<crate::summary::Row> = Vec::with_capacity(files.len());
    let mut failed: Option<std::io::Error> = None;
    let mut unmarked: Vec<Error> = Vec::new();
    let mark = |report: &crate::check::Report| args.annotate.as_ref().map(|dir| annotate(dir, report, args.force));
    crate::class::check_all(&files, &options, jobs, mark, |outcome, marked| {
        if let Some(Some(Err(e))) = marked {
            unmarked.push(e);
        }
        let text = if args.json {
            let json = serde_json::to_string_pretty(&outcome).expect("a report serialises");
            format!("{}{json}", if rows.is_empty() { "[\n" } else { ",\n" })
        } else {
            terminal::class_line(&outcome, width, args.detail)
        };
        if failed.is_none() {
            failed = terminal::emit(&text).err();
        }
        rows.push(crate::summary::Row::of(&outcome));
    });
    let end = if !args.json {
        terminal::class_totals(rows.iter().map(crate::summary::Row::verdict))
    } else if rows.is_empty() {
        "[]\n".into()
    } else {
        "\n]\n".into()
    };
    if let Some(e) = failed {
        return Err(e.into());
    }
    terminal::emit(&end)?;
    if let Some(path) = &args.summary {
        let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        output::write_atomically(path, args.force, |f| {
            if csv {
                crate::summary::write_csv(&rows, f).map_err(|e| WriteFailure::Failed(e.to_string()))
            } else {
                written(crate::panics::contained(|| {
                    crate::summary::write_xlsx(&rows, f).map_err(report::WriteError::from)
                }))
            }
        })?;
    }
    for e in &unmarked {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "backprop-sheet: {}", terminal::printable(&e.to_string()));
    }
    let verdicts: Vec<&str> = rows.iter().map(crate::summary::Row::verdict).collect();
    Ok(if verdicts.contains(&"UNUSABLE") || !unmarked.is_empty() {
        ExitCode::from(2)
    } else if verdicts.contains(&"FAIL") {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the marked copy of a workbook with findings into `dir`, under its own name.
fn annotate(dir: &Path, report: &crate::check::Report, force: bool) -> Result<(), Error> {
    if report.passed() {
        return Ok(());
    }
    let original = Path::new(&report.file);
    let name = original.file_name().ok_or_else(|| Error::Usage(format!("{}: no file name", report.file)))?;
    std::fs::create_dir_all(dir).map_err(|e| OutputError::Io { path: dir.to_path_buf(), detail: e.to_string() })?;
    let out = dir.join(name);
    output::check_destination(&out, force, &[("the workbook checked", original)])?;
    let bytes =
        std::fs::read(original).map_err(|e| OutputError::Io { path: original.to_path_buf(), detail: e.to_string() })?;
    output::write_atomically(&out, force, |f| {
        crate::mark::mark(&bytes, report, std::io::BufWriter::new(f))
            .map(drop)
            .map_err(|e| WriteFailure::Failed(e.to_string()))
    })?;
    Ok(())
}

fn check_one(args: &CheckArgs, file: &Path) -> Result<ExitCode, Error> {
    let report = crate::check::check_file(file, &crate::check::Options { eta: args.eta, rel_tol: args.rel_tol })?;
    if args.json {
        terminal::emit(&format!("{}\n", serde_json::to_string_pretty(&report).expect("a report serialises")))?;
    } else {
        terminal::emit(&terminal::render(&report))?;
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Rows below which a run is too short to need a progress bar (about a second).
const PROGRESS_ROWS: u64 = 200_000;

/// A progress bar on stderr, for long runs and only when a person is watching it.
fn progress_bar(rows: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || rows < PROGRESS_ROWS || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(rows);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} rows, {eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
