//! `rubric`: the default rubric written out, for a teacher to change and give to `check
//! --rubric`. It is the text the checker grades by when no rubric is given, comments and all.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::check::rubric::DEFAULT;
use crate::error::Error;
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct RubricArgs {
    /// Where to write it.
    #[arg(long, default_value = "rubric.toml")]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

pub(super) fn run(args: &RubricArgs) -> Result<ExitCode, Error> {
    let dest = Destination { path: args.out.clone(), force: args.force, flag: "--out", what: "the rubric" };
    output::check_destination(&dest, &[])?;
    output::write_atomically(&dest, |f| f.write_all(DEFAULT.as_bytes()).map_err(crate::error::Failure::from))?;
    super::terminal::emit(&format!("Wrote {}\n", dest.path.display()))?;
    Ok(ExitCode::SUCCESS)
}
