fn main() -> std::process::ExitCode {
    puzi::cli::main()
}
