fn main() -> std::process::ExitCode {
    backprop_sheet::main()
}
