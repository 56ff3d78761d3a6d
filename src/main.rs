fn main() -> std::process::ExitCode {
    collectiq::cli::main()
}
