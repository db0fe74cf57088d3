//! `completions SHELL`: the completion script clap writes for the whole command line.

use std::process::ExitCode;

use clap::Args;

use crate::error::Error;

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

pub(super) fn run(args: &CompletionsArgs) -> Result<ExitCode, Error> {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut <super::Cli as clap::CommandFactory>::command(),
        "backprop-sheet",
        &mut script,
    );
    super::terminal::emit(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}
