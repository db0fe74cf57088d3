use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = backprop_sheet::cli::parse();
    match backprop_sheet::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("backprop-sheet: {e:#}");
            ExitCode::from(2)
        }
    }
}
