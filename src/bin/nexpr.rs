fn main() {
    std::process::exit(nexpr::cli::main());
}
