//! `template`: the template of initial values for any network, written atomically; with a
//! roster, one variant per student, each with values of its own, and the key of them all.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::generate::{MathsArgs, NetworkArgs};
use super::terminal::plural;
use super::values::rate;
use crate::error::{Error, Failure};
use crate::generate::{key, template};
use crate::model::columns::Columns;
use crate::model::engine::Inputs;
use crate::model::network::Network;
use crate::model::variant::{self, Issue};
use crate::reader::roster::{Roster, Student};
use crate::sys::names::safe_file_name;
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct TemplateArgs {
    /// Where to write it.
    #[arg(long, default_value = "backprop-template.xlsx", conflicts_with = "roster")]
    out: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    maths: MathsArgs,
    /// Learning rates for the template's `learning rates` row, e.g. 0.1,0.5 (default: the
    /// assignment's 0.1,0.2,0.5,0.8,1,2); with --roster, every student's values must learn at
    /// each of them.
    #[arg(long, value_delimiter = ',', num_args = 1.., value_parser = rate, allow_negative_numbers = true)]
    learning_rates: Option<Vec<f64>>,
    /// One template per student of this roster (a CSV with an `id` column, `name` and `email`
    /// optional; Canvas's gradebook export and Moodle's grading worksheet are rosters too), each
    /// with its own initial values, drawn from --seed and the student's id.
    #[arg(long, value_name = "FILE.csv", requires = "out_dir")]
    roster: Option<PathBuf>,
    /// The folder the students' templates go to, as `<id> <name>.xlsx` (created if missing).
    #[arg(long, value_name = "DIR", requires = "roster")]
    out_dir: Option<PathBuf>,
    /// The seed of the students' values: the same roster and seed always give the same files
    /// (default: one drawn now, and printed; keep it).
    #[arg(long, requires = "roster")]
    seed: Option<u64>,
    /// Also write every student's values to this CSV (a roster too, for `check`).
    #[arg(long, value_name = "FILE.csv", requires = "roster")]
    key: Option<PathBuf>,
    /// Replace output files that exist.
    #[arg(long)]
    force: bool,
}

/// What a `template` command writes, settled before anything is.
enum TemplateRun {
    One { out: Destination, inputs: Inputs, learning_rates: Vec<f64> },
    Class(ClassRun),
}

/// The variants of a class: each student with their values and file, and the key.
struct ClassRun {
    dir: PathBuf,
    seed: u64,
    learning_rates: Vec<f64>,
    students: Vec<(Student, Inputs, Destination)>,
    key: Option<Destination>,
}

pub(super) fn run(args: &TemplateArgs) -> Result<ExitCode, Error> {
    match resolve(args)? {
        TemplateRun::One { out, inputs, learning_rates } => {
            write_template(&out, &inputs, &learning_rates, &Issue::default(), None)?;
            super::terminal::emit(&format!("Wrote {}\n", out.path.display()))?;
        }
        TemplateRun::Class(class) => {
            for (student, inputs, out) in &class.students {
                let issue = Issue { student: Some(student.id.clone()), seed: Some(class.seed) };
                write_template(out, inputs, &class.learning_rates, &issue, Some(&student.who()))?;
            }
            if let Some(out) = &class.key {
                let issued: Vec<(&Student, Inputs)> = class.students.iter().map(|(s, i, _)| (s, i.clone())).collect();
                output::write_atomically(out, |f| key::write(&issued, class.seed, std::io::BufWriter::new(f)))?;
            }
            let n = class.students.len();
            let count = format!("{n} {}", plural(n, "template", "templates"));
            let key = class.key.map(|k| format!("; the key of their values in {}", k.path.display()));
            super::terminal::emit(&format!(
                "Wrote {count} to {} from seed {} (keep the roster and the seed: they give the same files again){}\n",
                class.dir.display(),
                class.seed,
                key.unwrap_or_default()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_template(
    out: &Destination,
    inputs: &Inputs,
    learning_rates: &[f64],
    issue: &Issue,
    label: Option<&str>,
) -> Result<(), Error> {
    output::write_atomically(out, |f| {
        Failure::flatten(crate::sys::panics::contained(|| {
            Ok(template::write(inputs, learning_rates, issue, label, f)?)
        }))
    })
}

fn resolve(args: &TemplateArgs) -> Result<TemplateRun, Error> {
    let maths = template::flags_maths(&args.maths.flags(false))?;
    let network =
        args.network.network.unwrap_or_default().with_bias(args.network.bias().unwrap_or_default()).with_maths(maths);
    let learning_rates = args.learning_rates.clone().unwrap_or(template::LEARNING_RATES.to_vec());
    let (Some(roster), Some(dir)) = (&args.roster, &args.out_dir) else {
        let out = Destination { path: args.out.clone(), force: args.force, flag: "--out", what: "the template" };
        output::check_destination(&out, &[])?;
        return Ok(TemplateRun::One { out, inputs: Inputs::defaults(Columns::of(network)), learning_rates });
    };
    let roster = Roster::read(roster)?;
    let seed = args.seed.unwrap_or_else(drawn_seed);
    let protect = [("the roster", roster.file.as_path())];
    let students = students(&roster, network, seed, dir, args.force)?;
    for (student, inputs, _) in &students {
        if let Some(eta) = variant::not_learning(inputs, &learning_rates, template::ITERATIONS) {
            return Err(Error::Usage(format!(
                "--learning-rates: at η = {eta} the network does not learn from the values drawn for student {} (line {} of {}): E_total is not lower after {} iterations than at the first. The values' ranges are measured for learning rates from 0.1 to 2; choose smaller ones",
                student.id,
                student.line,
                roster.file.display(),
                template::ITERATIONS
            )));
        }
    }
    for (_, _, out) in &students {
        output::check_destination(out, &protect)?;
    }
    let key =
        args.key.as_ref().map(|k| Destination { path: k.clone(), force: args.force, flag: "--key", what: "the key" });
    if let Some(key) = &key {
        output::check_destination(key, &protect)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.clone(), detail: crate::error::io_reason(&e) })?;
    Ok(TemplateRun::Class(ClassRun { dir: dir.clone(), seed, learning_rates, students, key }))
}

/// Each student's values and file; two students whose names would be one file (on a file
/// system that ignores case) are refused, naming their lines.
fn students(
    roster: &Roster,
    network: Network,
    seed: u64,
    dir: &std::path::Path,
    force: bool,
) -> Result<Vec<(Student, Inputs, Destination)>, Error> {
    let mut files: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut students = Vec::new();
    for s in &roster.students {
        let name = safe_file_name(&s.who());
        if let Some(line) = files.insert(name.to_lowercase(), s.line) {
            return Err(Error::Content {
                file: roster.file.clone(),
                what: format!(
                    "lines {line} and {} would both be written to `{name}.xlsx`: give the students ids that differ in more than case and punctuation",
                    s.line
                ),
            });
        }
        let out =
            Destination { path: dir.join(format!("{name}.xlsx")), force, flag: "--out-dir", what: "the template" };
        students.push((s.clone(), variant::draw(network, seed, &s.id), out));
    }
    Ok(students)
}

/// A seed for a teacher who gave none: six digits from the clock, short enough to write down.
fn drawn_seed() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::from(now.subsec_nanos()) % 1_000_000
}
