//! The command line: one file per command, each parsing its flags, resolving them once into the
//! run they describe, then acting on it. Only this layer prints.

mod check;
mod completions;
mod generate;
mod rubric;
mod template;
pub(crate) mod terminal;
mod writeup;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;

#[derive(Parser, Debug)]
#[command(
    name = "backprop-sheet",
    version,
    about = "The 2-2-2 backpropagation worksheet (or any small network's), computed exactly as a spreadsheet does, written as an Excel workbook, and checked cell by cell."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compute the worksheet for each learning rate and write the workbook.
    Generate(generate::GenerateArgs),
    /// Check a filled-in workbook cell by cell and name the mistake behind each wrong column.
    /// Exit code 0: every table is right; 1: a mistake was found, or something could not be
    /// checked; 2: the file cannot be used.
    Check(check::CheckArgs),
    /// Write the assignment's write-up into a folder: a README with the network, the derivation
    /// of iteration 1 with its numbers, the first and last iterations of every learning rate, and
    /// the pictures (network.svg, loss.svg, loss-<η>.svg), from the same definitions, engine and
    /// options as `generate`.
    Writeup(writeup::WriteupArgs),
    /// Write the template of initial values that `generate --template` reads, for any network:
    /// every input labelled, with its default (targets 0.01 and 0.99 in turn, input k 0.05*k,
    /// hidden weights from 0.15 and output weights from 0.40 in steps of 0.05, biases 0.35 and
    /// 0.60: the class's values, carried on). With --roster, one template per student instead,
    /// each with values of its own drawn from --seed and the student's id.
    Template(template::TemplateArgs),
    /// Write the default rubric (rubric.toml), the points `check` gives each part of the
    /// assignment, for `check --rubric` to read once changed.
    Rubric(rubric::RubricArgs),
    /// Print a completion script for a shell, e.g. `backprop-sheet completions bash >
    /// /etc/bash_completion.d/backprop-sheet`.
    Completions(completions::CompletionsArgs),
}

/// The whole life of the binary: parse, run, and say why it stopped when it did.
pub fn main() -> ExitCode {
    let cli = parse();
    handle_interrupts();
    let result = match cli.command {
        Command::Generate(args) => generate::GenerateRun::resolve(&args).and_then(|run| run.act()),
        Command::Writeup(args) => writeup::WriteupRun::resolve(&args).and_then(|run| run.act()),
        Command::Check(args) => check::run(&args),
        Command::Template(args) => template::run(&args),
        Command::Rubric(args) => rubric::run(&args),
        Command::Completions(args) => completions::run(&args),
    };
    result.unwrap_or_else(fail)
}

/// Ctrl-C, SIGTERM and SIGHUP: during a write they cancel it, and the command says so when the
/// writer has stopped; at any other moment, or when given twice, the process ends at once with
/// the shell's code for an interrupt.
fn handle_interrupts() {
    let _ = ctrlc::set_handler(|| {
        if crate::sys::output::interrupt() {
            let _ =
                std::io::Write::write_all(&mut std::io::stderr(), b"backprop-sheet: interrupted; no output written.\n");
            std::process::exit(130);
        }
    });
}

/// Says on stderr why a command stopped, and gives the exit code for it. A closed or full stderr
/// has nowhere left to say so: the code alone.
fn fail(e: Error) -> ExitCode {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "backprop-sheet: {}", terminal::printable(&e.to_string()));
    ExitCode::from(e.exit_code())
}

/// The command line, parsed; on a usage error, clap's message and exit code 2, and for
/// `check --json` the same error as JSON on standard output, since scripts read that.
fn parse() -> Cli {
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

/// The run a `generate` command line makes (`args` without the program name and `generate`):
/// template, flags and defaults merged as the binary merges them. Tests build their runs through
/// this, so that a run is written once, as the arguments a user types.
pub fn generate_params(args: &[&str]) -> Result<crate::model::engine::Params, String> {
    let line = ["backprop-sheet", "generate"].into_iter().chain(args.iter().copied());
    let cli = Cli::try_parse_from(line).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Generate(args) => {
            generate::GenerateRun::resolve(&args).map(|run| run.params).map_err(|e| e.to_string())
        }
        _ => Err("not a generate command line".into()),
    }
}

/// How many threads `--jobs` means: the number given, else one per core.
fn jobs(given: Option<u16>) -> usize {
    given.map_or_else(crate::sys::parallel::cores, usize::from)
}

/// The flags' number parsers, shared by the commands.
mod values {
    pub(super) fn number(text: &str) -> Result<f64, String> {
        text.trim().parse().map_err(|_| format!("`{text}` is not a number"))
    }

    pub(super) fn rate(text: &str) -> Result<f64, String> {
        let eta = number(text)?;
        crate::generate::layout::rate_problem(eta).map_or(Ok(eta), Err)
    }
}
