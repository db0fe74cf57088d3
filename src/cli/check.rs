//! `check`: one workbook's full report, or a class of them checked in parallel, a line each,
//! with the class summary and the marked copies when asked for.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::terminal;
use super::values::{number, rate};
use crate::check::{Options, Report, Verdict};
use crate::class::assigned::{Assignments, Source};
use crate::class::copies::{Copies, Evidence};
use crate::class::grades::{self, Gradebook, Graded};
use crate::class::{self, Input, Outcome, Turn, summary};
use crate::error::{Error, Failure};
use crate::reader::roster::Roster;
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// The workbooks to check (.xlsx, .xlsm); a folder means every workbook in it and below, and
    /// a .zip (an LMS's download of the submissions) every workbook in it, read without
    /// unpacking. With several, one line each and the totals; `--detail` adds each report.
    #[arg(required_unless_present = "gradescope", value_name = "PATH")]
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
    /// never changed. A name ending in .zip writes them into one zip instead, under the names
    /// they had in the zip checked, as the LMS's feedback upload takes them back.
    #[arg(long, value_name = "DIR")]
    annotate: Option<PathBuf>,
    /// Write one feedback page per student into this folder (made when missing): a small HTML
    /// file with the score, each part's points and every finding, its cell and the formula that
    /// belongs there, readable on a phone. Named by the student when the LMS named the file.
    #[arg(long, value_name = "DIR")]
    feedback: Option<PathBuf>,
    /// Run as a Gradescope autograder: grade the workbooks in ROOT/submission/ (the best-scoring
    /// one counts) and write ROOT/results/results.json, one test per part of the rubric.
    #[arg(
        long,
        value_name = "ROOT",
        num_args = 0..=1,
        default_missing_value = "/autograder",
        conflicts_with_all = ["paths", "summary", "annotate", "feedback", "json"]
    )]
    gradescope: Option<PathBuf>,
    /// Who sees the Gradescope results: visible, hidden, after_due_date or after_published.
    #[arg(long, value_enum, default_value_t = Visibility::Visible, requires = "gradescope")]
    visibility: Visibility,
    /// Write the class's grades to this CSV file: the gradebook of --gradebook with this
    /// assignment's grades filled in, ready to import, or without it a plain grades file
    /// (student, id, late, file, score, max_score, verdict, mistakes, other files). A student
    /// with several workbooks is graded by the best-scoring one.
    #[arg(long, value_name = "OUT.csv", value_parser = parse_csv_path)]
    grades: Option<PathBuf>,
    /// The gradebook to fill in, exactly as the LMS exported it: Canvas's gradebook export or
    /// Moodle's grading worksheet, told apart by its header. Every byte but the grades (and for
    /// Moodle the feedback and the time of the grade) is written back unchanged.
    #[arg(long, value_name = "IN.csv", requires = "grades")]
    gradebook: Option<PathBuf>,
    /// The Canvas assignment whose column is filled in: its title, its id, or the whole header
    /// `<Title> (<id>)`; needed when the export holds several assignments.
    #[arg(long, value_name = "TITLE", requires = "gradebook")]
    assignment: Option<String>,
    /// Hold each workbook to the values issued to its student (`template --roster ... --seed`):
    /// the roster the variants were issued from, with --seed. A workbook's student is found by
    /// the LMS id in its file name, else the id stamped in it, else a name in its file name.
    #[arg(long, value_name = "FILE.csv", requires = "seed", conflicts_with = "key")]
    roster: Option<PathBuf>,
    /// The seed the variants were drawn from, with --roster.
    #[arg(long, requires = "roster")]
    seed: Option<u64>,
    /// Hold each workbook to the values the key (`template --key`) lists for its student.
    #[arg(long, value_name = "FILE.csv")]
    key: Option<PathBuf>,
    /// Write the copy report to this file: .xlsx or .csv, by the extension; pairs of workbooks
    /// with the evidence that ties them, strongest first (also a `Copies` sheet in --summary).
    #[arg(long, value_name = "FILE", value_parser = parse_copies_path)]
    copies: Option<PathBuf>,
    /// Replace the summary file, the copy report, the grades, or a marked workbook, if it exists.
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
    /// Grade by this rubric (TOML; `backprop-sheet rubric` writes the default to start from).
    #[arg(long, value_name = "FILE")]
    rubric: Option<PathBuf>,
}

/// Gradescope's visibility of a test, as its results file spells it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Visibility {
    Visible,
    Hidden,
    AfterDueDate,
    AfterPublished,
}

impl Visibility {
    fn text(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDueDate => "after_due_date",
            Visibility::AfterPublished => "after_published",
        }
    }
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    let tol = number(text)?;
    if tol.is_finite() && tol >= 0.0 { Ok(tol) } else { Err(format!("must be a number >= 0, not {tol}")) }
}

fn parse_csv_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("csv") => Ok(path),
        _ => Err("the grades are written as .csv, as the LMS imports them: end the file name with .csv".into()),
    }
}

fn parse_summary_path(text: &str) -> Result<PathBuf, String> {
    xlsx_or_csv(text, "the summary")
}

fn parse_copies_path(text: &str) -> Result<PathBuf, String> {
    xlsx_or_csv(text, "the copy report")
}

fn xlsx_or_csv(text: &str, what: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("xlsx" | "csv") => Ok(path),
        _ => Err(format!("{what} is written as .xlsx or .csv: end the file name with one of them")),
    }
}

/// Whether a destination's name asks for CSV rather than a workbook.
fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// What a `check` run is: one workbook's report, or a class.
enum CheckRun {
    One { file: PathBuf, options: Options, json: bool, assignments: Option<Assignments> },
    Class(Box<ClassRun>),
    Gradescope { root: PathBuf, results: Destination, options: Options, visibility: &'static str },
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
    /// The copy report's own file.
    copies: Option<Destination>,
    /// Whether to gather the evidence of copying: for the copy report, or the summary's sheet.
    gather: bool,
    /// The values issued to each student, when each workbook is held to its own.
    assignments: Option<Assignments>,
    /// Each input's marked copy, by index of `files` (none for a folder that could not be read).
    marked: Vec<Option<Destination>>,
    /// Each input's feedback page, by index of `files`.
    feedback: Vec<Option<Destination>>,
    /// The zip the marked copies go into instead, each under its path relative to what was given.
    marked_zip: Option<Destination>,
    /// The grades file, and the gradebook it fills in.
    grades: Option<Destination>,
    gradebook: Option<Gradebook>,
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
        let rubric = args.rubric.as_deref().map(crate::check::rubric::Rubric::read).transpose()?;
        let options = Options { eta: args.eta, rel_tol: args.rel_tol, rubric: rubric.map(std::sync::Arc::new) };
        if let Some(root) = &args.gradescope {
            return gradescope_run(root, options, args.visibility.text());
        }
        let assignments = assignments(args)?;
        let outputs = (&args.summary, &args.annotate, &args.feedback, &args.grades, &args.copies);
        if let ([one], (None, None, None, None, None)) = (args.paths.as_slice(), outputs)
            && !one.is_dir()
            && !class::is_zip_name(one.as_os_str())
        {
            return Ok(CheckRun::One { file: one.clone(), options, json: args.json, assignments });
        }
        let zipped = args.annotate.as_ref().filter(|p| class::is_zip_name(p.as_os_str()));
        let folder = args.annotate.as_ref().filter(|_| zipped.is_none());
        if let Some(dir) = folder {
            check_folder(dir, "--annotate")?;
        }
        if let Some(dir) = &args.feedback {
            check_folder(dir, "--feedback")?;
        }
        let outputs: Vec<PathBuf> = folder.iter().copied().chain(&args.feedback).cloned().collect();
        let files = class::workbooks(&args.paths, &outputs);
        let mut inputs = output::Inputs::default();
        for input in &files {
            inputs.add("a workbook being checked", input.file());
        }
        let marked = marked_copies(&files, folder.map(PathBuf::as_path), args.force, &inputs)?;
        // Every file this run writes, by the flag that named it and its identity (the path
        // resolved once): no two share one.
        let mut taken: Vec<(&'static str, PathBuf)> =
            marked.iter().flatten().map(|m| ("--annotate", output::identity(&m.path))).collect();
        let destination = |path: &Option<PathBuf>, flag: &'static str, what: &'static str| {
            path.as_ref().map(|path| Destination { path: path.clone(), force: args.force, flag, what })
        };
        let marked_zip = destination(&zipped.cloned(), "--annotate", "the zip of marked copies");
        if let Some(dest) = &marked_zip {
            claim(dest, true, &inputs, &mut taken)?;
        }
        let gradebook =
            args.gradebook.as_ref().map(|path| Gradebook::read(path, args.assignment.as_deref())).transpose()?;
        if let Some(book) = &gradebook {
            inputs.add("the gradebook", book.file());
        }
        for (flag, roster) in [("the roster", &args.roster), ("the key", &args.key)] {
            if let Some(path) = roster {
                inputs.add(flag, path);
            }
        }
        let grades = destination(&args.grades, "--grades", "the grades");
        if let Some(dest) = &grades {
            claim(dest, true, &inputs, &mut taken)?;
        }
        let feedback = feedback_pages(&files, args.feedback.as_deref(), args.force, &inputs)?;
        let summary = destination(&args.summary, "--summary", "the summary");
        if let Some(dest) = &summary {
            // A summary among the marked copies goes into their folder, made when missing.
            let parent = dest.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let among_copies = folder.is_some_and(|d| output::identity(d) == output::identity(parent));
            claim(dest, !among_copies, &inputs, &mut taken)?;
        }
        let copies = destination(&args.copies, "--copies", "the copy report");
        if let Some(dest) = &copies {
            claim(dest, true, &inputs, &mut taken)?;
        }
        let gather = copies.is_some() || summary.as_ref().is_some_and(|s| !is_csv(&s.path));
        Ok(CheckRun::Class(Box::new(ClassRun {
            files,
            options,
            jobs: super::jobs(args.jobs),
            detail: args.detail,
            json: args.json,
            summary,
            copies,
            gather,
            assignments,
            marked,
            feedback,
            marked_zip,
            grades,
            gradebook,
        })))
    }

    fn act(self, json_started: &mut bool) -> Result<ExitCode, Error> {
        match self {
            CheckRun::One { file, options, json, assignments } => {
                let mut report = crate::check::check_file(&file, &options)?;
                if let Some(assignments) = &assignments
                    && let Some(input) = class::workbooks(std::slice::from_ref(&file), &[]).first()
                {
                    assignments.hold(input, &mut report, options.rubric());
                }
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
            CheckRun::Gradescope { root, results, options, visibility } => {
                gradescope(&root, &results, &options, visibility)
            }
        }
    }
}

/// A Gradescope run, its destination checked before any workbook is read: the root must hold
/// the `submission/` folder Gradescope makes, and `results/` is made when missing.
fn gradescope_run(root: &Path, options: Options, visibility: &'static str) -> Result<CheckRun, Error> {
    if !root.join("submission").is_dir() {
        return Err(Error::NoSubmission { root: root.to_path_buf() });
    }
    let folder = root.join("results");
    std::fs::create_dir_all(&folder)
        .map_err(|e| Error::Io { path: folder.clone(), detail: crate::error::io_reason(&e) })?;
    let results =
        Destination { path: folder.join("results.json"), force: true, flag: "--gradescope", what: "the results" };
    let files = class::workbooks(&[root.join("submission")], &[]);
    let inputs: Vec<(&'static str, &Path)> =
        files.iter().map(|f| ("a workbook being checked", f.path.as_path())).collect();
    output::check_destination(&results, &inputs)?;
    Ok(CheckRun::Gradescope { root: root.to_path_buf(), results, options, visibility })
}

/// Grades a Gradescope submission by its best-scoring workbook and writes its results.
fn gradescope(
    root: &Path,
    results: &Destination,
    options: &Options,
    visibility: &'static str,
) -> Result<ExitCode, Error> {
    let files = class::workbooks(&[root.join("submission")], &[]);
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut turns = files.iter();
    class::check_all(
        &files,
        options,
        super::jobs(None),
        |_, _, _| (),
        |turn| {
            let file = turns.next().map(|f| f.relative.display().to_string()).unwrap_or_default();
            match turn {
                class::Turn::Graded(outcome, _) => outcomes.push((file, outcome)),
                class::Turn::MarkedCopy { .. } => {}
                class::Turn::Interrupted => return false,
            }
            true
        },
    );
    let best = outcomes
        .iter()
        .filter_map(|(file, o)| match o {
            Outcome::Checked(r) => Some((file.as_str(), r)),
            Outcome::Unusable { .. } => None,
        })
        .fold(None, |best: Option<(&str, &Report)>, (file, r)| match best {
            Some((_, b)) if b.score.points >= r.score.points => best,
            _ => Some((file, r)),
        });
    let others: Vec<String> = outcomes
        .iter()
        .filter(|(file, _)| best.is_none_or(|(b, _)| b != file))
        .map(|(file, o)| match o {
            Outcome::Checked(r) => format!("{file} ({} of {})", r.score.points, r.score.max_points),
            Outcome::Unusable { error, .. } => format!("{file}: {error}"),
        })
        .collect();
    let users = std::fs::read(root.join("submission_metadata.json"))
        .map_or_else(|_| Vec::new(), |m| class::gradescope::users(&m));
    let none = match outcomes.first() {
        None => "the submission holds no workbook (.xlsx, .xlsm, .xls, .ods); submit the workbook itself".to_string(),
        Some(_) => others.join("; "),
    };
    let graded = class::gradescope::results(best, &others, &users, visibility, &none);
    let json = serde_json::to_string_pretty(&graded).expect("results serialise");
    output::write_atomically(results, |f| {
        std::io::Write::write_all(f, json.as_bytes()).map_err(crate::error::Failure::from)
    })?;
    terminal::emit(&format!("Wrote {}: score {}\n", results.path.display(), graded.score))?;
    Ok(ExitCode::SUCCESS)
}

/// Where each checked input's feedback page goes (`DIR/<student or path>.html`), held to the
/// inputs; two students whose names make one file name get the second a number.
fn feedback_pages(
    files: &[Input],
    dir: Option<&Path>,
    force: bool,
    inputs: &output::Inputs,
) -> Result<Vec<Option<Destination>>, Error> {
    let Some(dir) = dir else { return Ok(files.iter().map(|_| None).collect()) };
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(files.len());
    for input in files {
        // A folder that cannot be read is no student's; a file that cannot be read gets its page.
        if input.unreadable.is_some() && input.path.is_dir() {
            out.push(None);
            continue;
        }
        let name = class::feedback::file_name(input.submitter.as_ref(), &input.relative);
        let mut path = dir.join(&name);
        let mut n = 1;
        while !taken.insert(output::identity(&path)) {
            n += 1;
            path = dir.join(format!("{} {n}.html", name.trim_end_matches(".html")));
        }
        let dest = Destination { path, force, flag: "--feedback folder", what: "the feedback page" };
        output::check_against(&dest, inputs)?;
        out.push(Some(dest));
    }
    Ok(out)
}

/// Holds a file the run writes to the inputs and to every file it already writes (`taken`, by
/// identity), and, when `in_a_folder`, refuses it where its folder does not exist: a file named
/// on the command line is written only into a folder that is there. Then it is taken.
fn claim(
    dest: &Destination,
    in_a_folder: bool,
    inputs: &output::Inputs,
    taken: &mut Vec<(&'static str, PathBuf)>,
) -> Result<(), Error> {
    let folder = dest.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if in_a_folder && !folder.is_dir() {
        return Err(Error::NoFolder { path: folder.to_path_buf(), flag: dest.flag });
    }
    output::check_against(dest, inputs)?;
    let at = output::identity(&dest.path);
    if let Some(&(first, _)) = taken.iter().find(|(_, p)| *p == at) {
        return Err(Error::SharedDestination { path: dest.path.clone(), first, second: dest.flag });
    }
    taken.push((dest.flag, at));
    Ok(())
}

/// The values each workbook is held to: the roster's drawn from --seed, or the key's own.
fn assignments(args: &CheckArgs) -> Result<Option<Assignments>, Error> {
    match (&args.roster, args.seed, &args.key) {
        (Some(roster), Some(seed), _) => Ok(Some(Assignments::new(Roster::read(roster)?, Source::Seed(seed)))),
        (_, _, Some(key)) => {
            let key_roster = Roster::read(key)?;
            if key_roster.students.iter().any(|s| s.issued.is_empty()) {
                return Err(Error::Usage(format!(
                    "--key {}: not a key: it has no `seed` and `values` columns with the values after them, as `template --key` writes them. A roster of the students is given as --roster with --seed",
                    key.display()
                )));
            }
            Ok(Some(Assignments::new(key_roster, Source::Key)))
        }
        _ => Ok(None),
    }
}

/// Refuses an output folder (`--annotate`, `--feedback`) that is a file, or lies under one,
/// before anything is read: nothing could ever be written there.
fn check_folder(dir: &Path, flag: &'static str) -> Result<(), Error> {
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || a.symlink_metadata().is_ok());
    match existing {
        Some(at) if !at.as_os_str().is_empty() && !at.is_dir() => {
            let what = if at.is_file() { "a file" } else { "not a folder" };
            Err(Error::NotAFolder { path: at.to_path_buf(), what, flag })
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
    /// Made, for the zip of marked copies, under this name.
    Made(String, Vec<u8>),
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
        let Some(dest) = self.marked_zip.clone() else {
            return self.run::<std::io::Cursor<Vec<u8>>>(json_started, None);
        };
        output::write_atomically(&dest, |f| {
            let mut zip = Zipped { writer: zip::ZipWriter::new(f), failed: None };
            let result = self.run(json_started, Some(&mut zip));
            if let Some(why) = zip.failed {
                return Err(why);
            }
            zip.writer.finish()?;
            Ok(result)
        })?
    }

    /// [`ClassRun::act`], the marked copies going into `zip` when it is given.
    fn run<W: std::io::Write + std::io::Seek + Send>(
        self,
        json_started: &mut bool,
        mut zip: Option<&mut Zipped<W>>,
    ) -> Result<ExitCode, Error> {
        output::stop_on_interrupt();
        let mut lines = Lines::new(&self);
        let mut rows: Vec<summary::Row> = Vec::with_capacity(self.files.len());
        let mut graded: Vec<Graded> = Vec::with_capacity(self.files.len());
        let mut seen = 0;
        let (mut written, mut unmarked) = (Vec::new(), 0);
        let zipped = zip.is_some();
        let mut evidence: Vec<(String, Evidence)> = Vec::new();
        // On the workers, after each check: held to the roster, evidence gathered, marked.
        let then = |k: usize, input: &Input, report: &mut Report| {
            if let Some(assignments) = &self.assignments {
                assignments.hold(input, report, self.options.rubric());
            }
            let gathered = self.gather.then(|| Evidence::gather(input, report));
            let marking = match &self.marked[k] {
                Some(dest) => annotate(dest, input, report),
                None if zipped => marked_bytes(input, report),
                None => Marking::None,
            };
            (marking, gathered)
        };
        class::check_all(&self.files, &self.options, self.jobs, then, |turn: Turn<(Marking, Option<Evidence>)>| {
            let k = seen;
            seen += 1;
            let (outcome, marking) = match turn {
                Turn::Graded(outcome, Some((marking, gathered))) => {
                    if let Some(gathered) = gathered {
                        evidence.push((outcome.file().to_string(), gathered));
                    }
                    (outcome, Some(marking))
                }
                Turn::Graded(outcome, None) => (outcome, None),
                Turn::MarkedCopy { file, of } => {
                    // Not a submission: said on its own line (never in --json's array), not counted.
                    if !self.json {
                        lines.emit(&terminal::marked_copy_line(&file, &of, lines.width));
                    }
                    return lines.failed.is_none() && !output::cancelled();
                }
                Turn::Interrupted => return false,
            };
            let mut not_marked = place(marking, zip.as_deref_mut(), &mut written);
            let input = &self.files[k];
            if let Some(Err(e)) = self.feedback[k].as_ref().map(|dest| write_feedback(dest, input, &outcome)) {
                not_marked = Some(not_marked.map_or_else(|| e.to_string(), |m| format!("{m}; {e}")));
            }
            unmarked += usize::from(not_marked.is_some());
            graded.push(Graded::of(input, &outcome));
            rows.push(summary::Row::of(&outcome, input));
            lines.pending.push((k, outcome, not_marked));
            // A student's workbooks are told apart once all are checked: which one grades them.
            if k + 1 < self.files.len() && class::same_student(input, &self.files[k + 1]) {
                return !output::cancelled();
            }
            lines.say(&graded, &mut rows, json_started);
            lines.failed.is_none() && !output::cancelled() && zip.as_ref().is_none_or(|z| z.failed.is_none())
        });
        // A student's last workbook may have been a marked copy, which is no line of theirs.
        lines.say(&graded, &mut rows, json_started);
        let end = match (self.json, lines.emitted == 0) {
            (false, _) => terminal::class_totals(rows.iter().map(|r| r.verdict), unmarked),
            (true, true) => "[]\n".into(),
            (true, false) => "\n]\n".into(),
        };
        if let Some(e) = lines.failed {
            return Err(e);
        }
        terminal::emit(&end)?;
        *json_started |= self.json;
        if output::cancelled() {
            return Err(Error::InterruptedAfter { written });
        }
        self.write_outputs(&rows, &graded, &evidence)?;
        let worst = Verdict::of_all(rows.iter().map(|r| r.verdict));
        let code = if unmarked == 0 { worst.exit_code() } else { Verdict::Unusable.exit_code() };
        Ok(ExitCode::from(code))
    }

    /// The class's files, once every workbook is checked: the summary, the grades (the
    /// gradebook filled, or a plain file) and the copy report.
    fn write_outputs(
        &self,
        rows: &[summary::Row],
        graded: &[Graded],
        evidence: &[(String, Evidence)],
    ) -> Result<(), Error> {
        let copies = self.gather.then(|| Copies::of(evidence));
        let students = grades::students(graded);
        let filled = self.gradebook.as_ref().map(|book| book.fill(&students, std::time::SystemTime::now()));
        if let Some((_, unmatched)) = &filled {
            say_unmatched(unmatched);
        }
        if let Some(dest) = &self.summary {
            write_summary(dest, rows, filled.as_ref().map(|(_, u)| u), copies.as_ref())?;
        }
        if let Some(dest) = &self.grades {
            output::write_atomically(dest, |f| match &filled {
                Some((bytes, _)) => Ok(std::io::Write::write_all(f, bytes)?),
                None => grades::write_plain(&students, std::io::BufWriter::new(f)),
            })?;
        }
        if let (Some(dest), Some(copies)) = (&self.copies, &copies) {
            write_copies(dest, copies)?;
            if !self.json {
                terminal::emit(&format!(
                    "{} {} with leads in {} ({})\n",
                    copies.pairs.len(),
                    terminal::plural(copies.pairs.len(), "pair", "pairs"),
                    terminal::name(&dest.path.display().to_string()),
                    class::copies::CAVEAT
                ))?;
            }
        }
        Ok(())
    }
}

/// Where a workbook's marked copy went: a file written (kept in `written`, for an interrupt's
/// message), an entry added to the zip, or why it could not be written.
fn place<W: std::io::Write + std::io::Seek>(
    marking: Option<Marking>,
    zip: Option<&mut Zipped<W>>,
    written: &mut Vec<PathBuf>,
) -> Option<String> {
    match marking {
        Some(Marking::Written(path)) => {
            written.push(path);
            None
        }
        Some(Marking::Made(name, bytes)) => {
            if let Some(zip) = zip.filter(|z| z.failed.is_none()) {
                zip.failed = add_entry(&mut zip.writer, &name, &bytes).err();
            }
            None
        }
        Some(Marking::Failed(Error::Interrupted)) | Some(Marking::None) | None => None,
        Some(Marking::Failed(e)) => Some(e.to_string()),
    }
}

/// The class's lines as they are printed, in input order: a student's held (`pending`) until
/// the last of their workbooks is checked, so each can say which of them grades the student.
struct Lines<'a> {
    run: &'a ClassRun,
    /// The files' column width, and the students' column (with its width) when the LMS named any.
    width: usize,
    students: Vec<String>,
    student_width: Option<usize>,
    pending: Vec<(usize, Outcome, Option<String>)>,
    emitted: usize,
    /// The first error of the terminal: nothing more is printed after it.
    failed: Option<Error>,
}

impl<'a> Lines<'a> {
    fn new(run: &'a ClassRun) -> Lines<'a> {
        let width = run.files.iter().map(|f| terminal::name(&f.path.display().to_string()).chars().count()).max();
        let students: Vec<String> =
            run.files.iter().map(|f| f.submitter.as_ref().map_or(String::new(), |s| s.label())).collect();
        let student_width = students.iter().map(|s| terminal::name(s).chars().count()).max().filter(|w| *w > 0);
        Lines { run, width: width.unwrap_or(0), students, student_width, pending: Vec::new(), emitted: 0, failed: None }
    }

    fn emit(&mut self, text: &str) {
        if self.failed.is_none() {
            self.failed = terminal::emit(text).err();
        }
    }

    /// Prints the pending lines (one student's workbooks, the last of `graded` and `rows`),
    /// each saying which of the student's workbooks grades them.
    fn say(&mut self, graded: &[Graded], rows: &mut [summary::Row], json_started: &mut bool) {
        let (from, to) = (graded.len() - self.pending.len(), rows.len() - self.pending.len());
        let (group, rows) = (&graded[from..], &mut rows[to..]);
        let student = grades::students(group).into_iter().next().filter(|s| !s.others.is_empty());
        if let Some(s) = &student {
            let best = group.iter().position(|g| std::ptr::eq(g, s.best)).expect("the best is one of them");
            let (n, file) = (group.len(), rows[best].file.clone());
            for (k, row) in rows.iter_mut().enumerate() {
                row.graded_by = if k == best { format!("this workbook, the best of {n}") } else { file.clone() };
            }
        }
        let json = self.run.json;
        for ((at, outcome, not_marked), g) in std::mem::take(&mut self.pending).into_iter().zip(group) {
            let choice = student.as_ref().map(|s| match std::ptr::eq(s.best, g) {
                true => Choice::Best { others: s.others.iter().map(|o| o.file.as_str()).collect() },
                false => Choice::Other { graded_by: s.best.file.as_str() },
            });
            let text = if json {
                let student = self.run.files[at].submitter.as_ref();
                let line = Line { outcome: &outcome, student, not_marked: not_marked.as_deref(), choice };
                let json = serde_json::to_string_pretty(&line).expect("a report serialises");
                format!("{}{json}", if self.emitted == 0 { "[\n" } else { ",\n" })
            } else {
                let who = self.student_width.map(|w| (self.students[at].as_str(), w));
                let mut text = terminal::class_line(&outcome, who, self.width, self.run.detail, not_marked.as_deref());
                if let Some(choice) = &choice {
                    text.push_str(&choice.line());
                }
                text
            };
            self.emitted += 1;
            if self.failed.is_none() {
                self.emit(&text);
                *json_started |= json;
            }
        }
    }
}

/// A class line of `--json`: the outcome, why its marked copy could not be written, and for a
/// student with several workbooks whether this one grades them.
#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    /// The student the LMS's name for the file gives: `name`, `id`, `late`, `lms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    student: Option<&'a crate::class::submitter::Submitter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_marked: Option<&'a str>,
    #[serde(flatten)]
    choice: Option<Choice<'a>>,
}

/// Which of a student's several workbooks grades them: the best-scoring, the others listed.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Choice<'a> {
    Best { others: Vec<&'a str> },
    Other { graded_by: &'a str },
}

impl Choice<'_> {
    /// The line under the class line that says so.
    fn line(&self) -> String {
        match self {
            Choice::Best { others } => {
                format!(
                    "  graded by this workbook, the student's best; also handed in: {}\n",
                    terminal::name(&others.join(", "))
                )
            }
            Choice::Other { graded_by } => {
                format!("  not graded: the student's best is {}\n", terminal::name(graded_by))
            }
        }
    }
}

/// Says on stderr which gradebook students had no workbook, and which workbooks' students the
/// gradebook does not list: their grades were not filled in.
fn say_unmatched(unmatched: &grades::Unmatched) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for who in &unmatched.no_submission {
        let _ = writeln!(err, "backprop-sheet: {}: in the gradebook, no workbook; left as it was", terminal::name(who));
    }
    for what in &unmatched.not_in_gradebook {
        let _ = writeln!(err, "backprop-sheet: {}: not in the gradebook; no grade written", terminal::name(what));
    }
}

/// Writes a workbook's feedback page (its findings, or why it could not be checked), its
/// folder made when missing.
fn write_feedback(dest: &Destination, input: &Input, outcome: &Outcome) -> Result<(), Error> {
    let folder = dest.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .map_err(|e| Error::Io { path: folder.to_path_buf(), detail: crate::error::io_reason(&e) })?;
    let file = input.relative.display().to_string();
    let page = match outcome {
        Outcome::Checked(report) => class::feedback::page(report, input.submitter.as_ref(), &file),
        // The reason without the teacher's path to the file: the page names it already.
        Outcome::Unusable { file: path, error } => {
            let reason = error.strip_prefix(&format!("{path}: ")).unwrap_or(error);
            class::feedback::unusable_page(reason, input.submitter.as_ref(), &file)
        }
    };
    output::write_atomically(dest, |f| {
        std::io::Write::write_all(f, page.as_bytes()).map_err(crate::error::Failure::from)
    })
}

fn write_copies(dest: &Destination, copies: &Copies) -> Result<(), Error> {
    output::write_atomically(dest, |f| {
        if is_csv(&dest.path) {
            class::copies::write_csv(copies, f)
        } else {
            Failure::flatten(crate::sys::panics::contained(|| class::copies::write_xlsx(copies, f)))
        }
    })
}

fn write_summary(
    dest: &Destination,
    rows: &[summary::Row],
    unmatched: Option<&grades::Unmatched>,
    copies: Option<&Copies>,
) -> Result<(), Error> {
    if let Some(folder) = dest.path.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| Error::Io { path: folder.to_path_buf(), detail: crate::error::io_reason(&e) })?;
    }
    output::write_atomically(dest, |f| {
        if is_csv(&dest.path) {
            summary::write_csv(rows, f)
        } else {
            Failure::flatten(crate::sys::panics::contained(|| summary::write_xlsx(rows, unmatched, copies, f)))
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
        let bytes = input.bytes()?;
        output::write_atomically(dest, |f| {
            crate::class::mark::mark(&bytes, report, std::io::BufWriter::new(f)).map(drop)
        })
    };
    match write() {
        Ok(()) => Marking::Written(dest.path.clone()),
        Err(e) => Marking::Failed(e),
    }
}

/// The marked copy of a workbook with findings, made in memory for the zip of marked copies,
/// with the name it goes under: its path relative to what was given, which for a download is
/// the entry's own name.
fn marked_bytes(input: &Input, report: &Report) -> Marking {
    if report.wrong_cells() == 0 {
        return Marking::None;
    }
    let name = input.relative.to_string_lossy().into_owned();
    let made = input.bytes().and_then(|bytes| {
        let mut out = std::io::Cursor::new(Vec::new());
        crate::class::mark::mark(&bytes, report, &mut out)
            .map_err(|e| match e {
                Failure::Interrupted => Error::Interrupted,
                Failure::Failed(detail) => Error::Write { path: input.path.clone(), what: "the marked copy", detail },
            })
            .map(|_| out.into_inner())
    });
    match made {
        Ok(bytes) => Marking::Made(name, bytes),
        Err(e) => Marking::Failed(e),
    }
}

/// The zip of marked copies being written, and why it could not be, once it could not: the
/// zip is then not written at all, as a zip missing some copies would be taken for all of them.
struct Zipped<W: std::io::Write + std::io::Seek> {
    writer: zip::ZipWriter<W>,
    failed: Option<Failure>,
}

/// Adds one marked copy to the zip of marked copies, stored as it is (a workbook is a zip
/// already).
fn add_entry<W: std::io::Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    bytes: &[u8],
) -> Result<(), Failure> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(bytes.len() as u64 >= u32::MAX as u64);
    zip.start_file(name, options)?;
    Ok(std::io::Write::write_all(zip, bytes)?)
}
