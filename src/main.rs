use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = backprop_sheet::cli::parse();
    backprop_sheet::cli::run(cli).unwrap_or_else(backprop_sheet::cli::fail)
}
