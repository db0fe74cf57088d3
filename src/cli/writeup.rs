//! `writeup`: the run resolved as `generate` resolves it, every destination checked, the
//! write-up made in memory, then each file written whole.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::generate::{Loaded, RunArgs};
use super::terminal;
use crate::error::{Error, Failure};
use crate::generate::writeup::{self, File};
use crate::model::engine::Params;
use crate::model::gradient_check;
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct WriteupArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The folder to write into, made when missing: README.md, network.svg, loss.svg and
    /// loss-<η>.svg for each learning rate.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also a PNG beside each SVG, WIDTH pixels wide (1600 when not given), its height in proportion.
    #[arg(long, value_name = "WIDTH", num_args = 0..=1, default_missing_value = "1600",
          value_parser = clap::value_parser!(u32).range(16..=8192))]
    png: Option<u32>,
    /// Learning rates computed at once (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Replace the folder's files of the same names if they exist.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// A write-up run, settled before anything is computed: the parameters, what to show, and
/// every file it will write, each already checked.
pub(super) struct WriteupRun {
    params: Params,
    options: writeup::Options,
    dir: PathBuf,
    files: Vec<Destination>,
    warnings: Vec<String>,
    quiet: bool,
}

impl WriteupRun {
    pub(super) fn resolve(args: &WriteupArgs) -> Result<WriteupRun, Error> {
        let Loaded { params, found, .. } = args.run.load(false)?;
        let options = writeup::Options {
            mistake: args.run.mistake,
            gradient_check: args.run.gradient_check.then_some(gradient_check::DEFAULT_EPSILON),
            png_width: args.png,
            workers: super::jobs(args.jobs),
        };
        if let Some(meta) = args.out.metadata().ok().filter(|m| !m.is_dir()) {
            let what = if meta.is_file() { "a file" } else { "not a folder" };
            return Err(Error::NotAFolder { path: args.out.clone(), what, flag: "--out" });
        }
        let protect: Vec<(&'static str, &Path)> =
            args.run.template().map(|t| ("the template", t)).into_iter().collect();
        let files = writeup::file_names(&params, &options)
            .into_iter()
            .map(|name| Destination {
                path: args.out.join(name),
                force: args.force,
                flag: "--out",
                what: "the write-up",
            })
            .collect::<Vec<_>>();
        for file in &files {
            output::check_destination(file, &protect)?;
        }
        Ok(WriteupRun { params, options, dir: args.out.clone(), files, warnings: found.warnings, quiet: args.quiet })
    }

    /// Makes the write-up, then writes its files, each atomically: a failure before the first
    /// is written leaves nothing, and no file is ever left half-written.
    pub(super) fn act(self) -> Result<ExitCode, Error> {
        for warning in &self.warnings {
            let _ = writeln!(std::io::stderr(), "backprop-sheet: warning: {}", terminal::printable(warning));
        }
        let command = command_line();
        let made = crate::sys::panics::contained(|| writeup::render(&self.params, &self.options, &command));
        let failed = |detail| Error::Write { path: self.dir.clone(), what: "the write-up", detail };
        let files: Vec<File> = match Failure::flatten(made) {
            Ok(files) => files,
            Err(Failure::Failed(detail)) => return Err(failed(detail)),
            Err(Failure::Interrupted) => return Err(Error::Interrupted),
        };
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::Io { path: self.dir.clone(), detail: crate::error::io_reason(&e) })?;
        for (dest, file) in self.files.iter().zip(&files) {
            debug_assert_eq!(dest.path.file_name(), Some(std::ffi::OsStr::new(&file.name)));
            output::write_atomically(dest, |f| Ok(f.write_all(&file.bytes)?))?;
        }
        if !self.quiet {
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            terminal::emit(&format!("Wrote {} files to {}: {}\n", files.len(), self.dir.display(), names.join(" ")))?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// The command as typed, for the write-up's line on how it was made.
fn command_line() -> String {
    let args = std::env::args().skip(1).map(|a| {
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\|&;<>()*?".contains(c)) {
            format!("'{}'", a.replace('\'', r"'\''"))
        } else {
            a
        }
    });
    std::iter::once("backprop-sheet".to_string()).chain(args).collect::<Vec<_>>().join(" ")
}
