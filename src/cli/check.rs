//! `check`: one workbook's full report, or a class of them checked in parallel, a line each,
//! with the class summary and the marked copies when asked for.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::terminal;
use super::values::{number, rate};
use crate::check::{Options, Report, Verdict};
use crate::class::{self, Outcome, summary};
use crate::error::{Error, Failure};
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
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
    #[arg(long, value_parser = rate, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Relative tolerance for values stored at full precision.
    #[arg(long, default_value_t = 1e-12, value_parser = parse_tolerance)]
    rel_tol: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    let tol = number(text)?;
    if tol.is_finite() && tol >= 0.0 { Ok(tol) } else { Err(format!("must be a number >= 0, not {tol}")) }
}

fn parse_summary_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("xlsx" | "csv") => Ok(path),
        _ => Err("the summary is written as .xlsx or .csv: end the file name with one of them".into()),
    }
}

/// What a `check` run is: one workbook's report, or a class.
enum CheckRun {
    One { file: PathBuf, options: Options, json: bool },
    Class(ClassRun),
}

/// A class run: the workbooks found, how to check them, and where its outputs go.
struct ClassRun {
    files: Vec<PathBuf>,
    options: Options,
    jobs: usize,
    detail: bool,
    json: bool,
    summary: Option<Destination>,
    annotate: Option<(PathBuf, bool)>,
}

pub(super) fn run(args: &CheckArgs) -> Result<ExitCode, Error> {
    let resolved = CheckRun::resolve(args);
    let result = resolved.and_then(CheckRun::act);
    if args.json
        && let (Err(e), [file]) = (&result, args.paths.as_slice())
    {
        let failure = serde_json::json!({ "file": file.display().to_string(), "error": e.to_string() });
        terminal::emit(&format!("{failure:#}\n"))?;
    }
    result
}

impl CheckRun {
    fn resolve(args: &CheckArgs) -> Result<CheckRun, Error> {
        let options = Options { eta: args.eta, rel_tol: args.rel_tol };
        if let ([one], None, None) = (args.paths.as_slice(), &args.summary, &args.annotate)
            && !one.is_dir()
        {
            return Ok(CheckRun::One { file: one.clone(), options, json: args.json });
        }
        let summary = args.summary.as_ref().map(|path| Destination {
            path: path.clone(),
            force: args.force,
            flag: "--summary",
            what: "the summary",
        });
        if let Some(dest) = &summary {
            let inputs: Vec<(&'static str, &Path)> = args.paths.iter().map(|p| ("an input", p.as_path())).collect();
            output::check_destination(dest, &inputs)?;
        }
        Ok(CheckRun::Class(ClassRun {
            files: class::workbooks(&args.paths)?,
            options,
            jobs: super::jobs(args.jobs),
            detail: args.detail,
            json: args.json,
            summary,
            annotate: args.annotate.clone().map(|dir| (dir, args.force)),
        }))
    }

    fn act(self) -> Result<ExitCode, Error> {
        match self {
            CheckRun::One { file, options, json } => {
                let report = crate::check::check_file(&file, &options)?;
                if json {
                    terminal::emit(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&report).expect("a report serialises")
                    ))?;
                } else {
                    terminal::emit(&terminal::render(&report))?;
                }
                Ok(ExitCode::from(report.verdict.exit_code()))
            }
            CheckRun::Class(run) => run.act(),
        }
    }
}

impl ClassRun {
    /// Checks the class in parallel, a line each (or a JSON array) in input order, the totals,
    /// and the class summary when asked for. The exit code is the worst verdict's.
    fn act(self) -> Result<ExitCode, Error> {
        let width = self.files.iter().map(|f| f.display().to_string().chars().count()).max().unwrap_or(0);
        let mut rows: Vec<summary::Row> = Vec::with_capacity(self.files.len());
        let mut failed: Option<Error> = None;
        let mut unmarked: Vec<Error> = Vec::new();
        let mark = |report: &Report| self.annotate.as_ref().map(|(dir, force)| annotate(dir, report, *force));
        class::check_all(&self.files, &self.options, self.jobs, mark, |outcome: Outcome, marked| {
            if let Some(Some(Err(e))) = marked {
                unmarked.push(e);
            }
            let text = if self.json {
                let json = serde_json::to_string_pretty(&outcome).expect("a report serialises");
                format!("{}{json}", if rows.is_empty() { "[\n" } else { ",\n" })
            } else {
                terminal::class_line(&outcome, width, self.detail)
            };
            if failed.is_none() {
                failed = terminal::emit(&text).err();
            }
            rows.push(summary::Row::of(&outcome));
        });
        let end = if !self.json {
            terminal::class_totals(rows.iter().map(|r| r.verdict))
        } else if rows.is_empty() {
            "[]\n".into()
        } else {
            "\n]\n".into()
        };
        if let Some(e) = failed {
            return Err(e);
        }
        terminal::emit(&end)?;
        if let Some(dest) = &self.summary {
            let csv = dest.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            output::write_atomically(dest, |f| {
                if csv {
                    summary::write_csv(&rows, f)
                } else {
                    Failure::flatten(crate::sys::panics::contained(|| summary::write_xlsx(&rows, f)))
                }
            })?;
        }
        for e in &unmarked {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "backprop-sheet: {}", terminal::printable(&e.to_string()));
        }
        let worst = Verdict::of_all(rows.iter().map(|r| r.verdict));
        let code = if unmarked.is_empty() { worst.exit_code() } else { Verdict::Unusable.exit_code() };
        Ok(ExitCode::from(code))
    }
}

/// Writes the marked copy of a workbook with findings into `dir`, under its own name.
fn annotate(dir: &Path, report: &Report, force: bool) -> Result<(), Error> {
    if report.wrong_cells() == 0 {
        return Ok(());
    }
    let original = Path::new(&report.file);
    let name = original.file_name().ok_or_else(|| Error::Usage(format!("{}: no file name", report.file)))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Io { path: dir.to_path_buf(), detail: crate::error::io_reason(&e) })?;
    let out = Destination { path: dir.join(name), force, flag: "--annotate folder", what: "the marked copy" };
    output::check_destination(&out, &[("the workbook checked", original)])?;
    let bytes = std::fs::read(original)
        .map_err(|e| Error::Io { path: original.to_path_buf(), detail: crate::error::io_reason(&e) })?;
    output::write_atomically(&out, |f| crate::class::mark::mark(&bytes, report, std::io::BufWriter::new(f)).map(drop))?;
    Ok(())
}
