//! `check`: one workbook's full report, or a class of them checked in parallel, a line each,
//! with the class summary and the marked copies when asked for.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::terminal;
use super::values::{number, rate};
use crate::check::{Options, Report, Verdict};
use crate::class::{self, Input, Outcome, Turn, summary};
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

/// A class run: the workbooks found, how to check them, and where its outputs go, every
/// destination already held to every input and to the others.
struct ClassRun {
    files: Vec<Input>,
    options: Options,
    jobs: usize,
    detail: bool,
    json: bool,
    summary: Option<Destination>,
    /// Each input's marked copy, by index of `files` (none for a folder that could not be read).
    marked: Vec<Option<Destination>>,
}

pub(super) fn run(args: &CheckArgs) -> Result<ExitCode, Error> {
    // Whether standard output already holds the start of a JSON array, which the run closes
    // itself: a script reading `--json` gets one valid JSON value on every exit.
    let mut json_started = false;
    let result = CheckRun::resolve(args).and_then(|run| run.act(&mut json_started));
    if let (true, false, Err(e)) = (args.json, json_started, &result) {
        let file = match args.paths.as_slice() {
            [file] => serde_json::Value::from(file.display().to_string()),
            _ => serde_json::Value::Null,
        };
        let failure = serde_json::json!({ "file": file, "error": e.to_string() });
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
        if let Some(dir) = &args.annotate {
            check_folder(dir)?;
        }
        let files = class::workbooks(&args.paths, args.annotate.as_slice());
        let mut inputs = output::Inputs::default();
        for input in &files {
            inputs.add("a workbook being checked", &input.path);
        }
        let marked = marked_copies(&files, args.annotate.as_deref(), args.force, &inputs)?;
        let summary = args.summary.as_ref().map(|path| Destination {
            path: path.clone(),
            force: args.force,
            flag: "--summary",
            what: "the summary",
        });
        if let Some(dest) = &summary {
            // A summary among the marked copies goes into their folder, made when missing.
            let folder = dest.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let among_copies = args.annotate.as_ref().is_some_and(|d| output::identity(d) == output::identity(folder));
            if !folder.is_dir() && !among_copies {
                return Err(Error::NoFolder { path: folder.to_path_buf(), flag: "--summary" });
            }
            output::check_against(dest, &inputs)?;
            let at = output::identity(&dest.path);
            if marked.iter().flatten().any(|m| output::identity(&m.path) == at) {
                return Err(Error::SharedDestination {
                    path: dest.path.clone(),
                    first: "--annotate",
                    second: dest.flag,
                });
            }
        }
        Ok(CheckRun::Class(ClassRun {
            files,
            options,
            jobs: super::jobs(args.jobs),
            detail: args.detail,
            json: args.json,
            summary,
            marked,
        }))
    }

    fn act(self, json_started: &mut bool) -> Result<ExitCode, Error> {
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
            CheckRun::Class(run) => run.act(json_started),
        }
    }
}

/// Refuses an `--annotate` folder that is a file, or lies under one, before anything is read:
/// the marked copies could never be written there.
fn check_folder(dir: &Path) -> Result<(), Error> {
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || a.symlink_metadata().is_ok());
    match existing {
        Some(at) if !at.as_os_str().is_empty() && !at.is_dir() => {
            let what = if at.is_file() { "a file" } else { "not a folder" };
            Err(Error::NotAFolder { path: at.to_path_buf(), what, flag: "--annotate" })
        }
        _ => Ok(()),
    }
}

/// Where each input's marked copy goes (`DIR/` and its path relative to what was given), each
/// held to the inputs and to every other copy: two submissions never share one copy, and no
/// copy is ever an input.
fn marked_copies(
    files: &[Input],
    dir: Option<&Path>,
    force: bool,
    inputs: &output::Inputs,
) -> Result<Vec<Option<Destination>>, Error> {
    let Some(dir) = dir else { return Ok(files.iter().map(|_| None).collect()) };
    let mut taken: std::collections::HashMap<PathBuf, &Path> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(files.len());
    for input in files {
        if input.unreadable.is_some() {
            out.push(None);
            continue;
        }
        let dest =
            Destination { path: dir.join(&input.relative), force, flag: "--annotate folder", what: "the marked copy" };
        if let Some(first) = taken.insert(output::identity(&dest.path), &input.path) {
            return Err(Error::SameMarkedCopy {
                copy: dest.path,
                first: first.to_path_buf(),
                second: input.path.clone(),
            });
        }
        output::check_against(&dest, inputs)?;
        out.push(Some(dest));
    }
    Ok(out)
}

/// What became of one workbook's marked copy.
enum Marking {
    /// Written, at this path.
    Written(PathBuf),
    /// Not needed (no findings) or not asked for.
    None,
    /// Could not be written, and why.
    Failed(Error),
}

impl ClassRun {
    /// Checks the class in parallel, a line each (or a JSON array) in input order, the totals,
    /// and the class summary when asked for. The exit code is the worst verdict's, or 2 when a
    /// marked copy could not be written; an interrupt stops the run at the workbooks in flight
    /// and says which outputs were written whole.
    fn act(self, json_started: &mut bool) -> Result<ExitCode, Error> {
        output::stop_on_interrupt();
        let width = self.files.iter().map(|f| terminal::name(&f.path.display().to_string()).chars().count()).max();
        let width = width.unwrap_or(0);
        let mut rows: Vec<summary::Row> = Vec::with_capacity(self.files.len());
        let mut failed: Option<Error> = None;
        let (mut written, mut unmarked) = (Vec::new(), 0);
        let mark = |k: usize, input: &Input, report: &Report| match &self.marked[k] {
            Some(dest) => annotate(dest, input, report),
            None => Marking::None,
        };
        class::check_all(&self.files, &self.options, self.jobs, mark, |turn: Turn<Marking>| {
            let (outcome, marking) = match turn {
                Turn::Graded(outcome, marking) => (outcome, marking),
                Turn::MarkedCopy { file, of } => {
                    // Not a submission: said on its own line (never in --json's array), not counted.
                    if !self.json && failed.is_none() {
                        failed = terminal::emit(&terminal::marked_copy_line(&file, &of, width)).err();
                    }
                    return failed.is_none() && !output::cancelled();
                }
                Turn::Interrupted => return false,
            };
            let not_marked = match marking {
                Some(Marking::Written(path)) => {
                    written.push(path);
                    None
                }
                Some(Marking::Failed(Error::Interrupted)) | Some(Marking::None) | None => None,
                Some(Marking::Failed(e)) => {
                    unmarked += 1;
                    Some(e.to_string())
                }
            };
            let text = if self.json {
                let line = Line { outcome: &outcome, not_marked: not_marked.as_deref() };
                let json = serde_json::to_string_pretty(&line).expect("a report serialises");
                format!("{}{json}", if rows.is_empty() { "[\n" } else { ",\n" })
            } else {
                terminal::class_line(&outcome, width, self.detail, not_marked.as_deref())
            };
            if failed.is_none() {
                failed = terminal::emit(&text).err();
                *json_started |= self.json;
            }
            rows.push(summary::Row::of(&outcome));
            failed.is_none() && !output::cancelled()
        });
        let end = match (self.json, rows.is_empty()) {
            (false, _) => terminal::class_totals(rows.iter().map(|r| r.verdict), unmarked),
            (true, true) => "[]\n".into(),
            (true, false) => "\n]\n".into(),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        terminal::emit(&end)?;
        *json_started |= self.json;
        if output::cancelled() {
            return Err(Error::InterruptedAfter { written });
        }
        if let Some(dest) = &self.summary {
            write_summary(dest, &rows)?;
        }
        let worst = Verdict::of_all(rows.iter().map(|r| r.verdict));
        let code = if unmarked == 0 { worst.exit_code() } else { Verdict::Unusable.exit_code() };
        Ok(ExitCode::from(code))
    }
}

/// A class line of `--json`: the outcome, and why its marked copy could not be written.
#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_marked: Option<&'a str>,
}

fn write_summary(dest: &Destination, rows: &[summary::Row]) -> Result<(), Error> {
    if let Some(folder) = dest.path.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| Error::Io { path: folder.to_path_buf(), detail: crate::error::io_reason(&e) })?;
    }
    let csv = dest.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    output::write_atomically(dest, |f| {
        if csv {
            summary::write_csv(rows, f)
        } else {
            Failure::flatten(crate::sys::panics::contained(|| summary::write_xlsx(rows, f)))
        }
    })
}

/// Writes the marked copy of a workbook with findings to `dest`, reading the original by the
/// path the system gave (never by the report's printable spelling of it).
fn annotate(dest: &Destination, input: &Input, report: &Report) -> Marking {
    if report.wrong_cells() == 0 {
        return Marking::None;
    }
    let io =
        |path: &Path, e: std::io::Error| Error::Io { path: path.to_path_buf(), detail: crate::error::io_reason(&e) };
    let write = || {
        let folder = dest.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder).map_err(|e| io(folder, e))?;
        let bytes = std::fs::read(&input.path).map_err(|e| io(&input.path, e))?;
        output::write_atomically(dest, |f| {
            crate::class::mark::mark(&bytes, report, std::io::BufWriter::new(f)).map(drop)
        })
    };
    match write() {
        Ok(()) => Marking::Written(dest.path.clone()),
        Err(e) => Marking::Failed(e),
    }
}
