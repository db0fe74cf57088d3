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
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if args.shell == clap_complete::Shell::Bash {
        // clap_complete's bash script names a subcommand's branch from the program name with its
        // hyphen taken for a separator (`backprop__subcmd__sheet__subcmd__check`) while the loop
        // that finds the subcommand spells it `backprop__sheet__subcmd__check`: no subcommand's
        // options would ever complete. The branches are given the loop's spelling.
        script = script.replace("backprop__subcmd__sheet", "backprop__sheet");
    }
    super::terminal::emit(&script)?;
    Ok(ExitCode::SUCCESS)
}
