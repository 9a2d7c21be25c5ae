fn main() {
    std::process::exit(nexpr_cli::main());
}
