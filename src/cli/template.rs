//! `template`: the template of initial values for any network, written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::generate::NetworkArgs;
use crate::error::{Error, Failure};
use crate::sys::output::{self, Destination};

#[derive(Args, Debug)]
pub(super) struct TemplateArgs {
    /// Where to write it.
    #[arg(long, default_value = "backprop-template.xlsx")]
    out: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
}

pub(super) fn run(args: &TemplateArgs) -> Result<ExitCode, Error> {
    let network = args.network.network.unwrap_or_default().with_bias(args.network.bias().unwrap_or_default());
    let out = Destination { path: args.out.clone(), force: args.force, flag: "--out", what: "the template" };
    output::check_destination(&out, &[])?;
    output::write_atomically(&out, |f| {
        Failure::flatten(crate::sys::panics::contained(|| Ok(crate::generate::template::write(network, f)?)))
    })?;
    super::terminal::emit(&format!("Wrote {}\n", args.out.display()))?;
    Ok(ExitCode::SUCCESS)
}
