fn main() {
    std::process::exit(credlint::cli::main());
}
