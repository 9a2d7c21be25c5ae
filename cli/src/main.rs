fn main() {
    std::process::exit(nexpr::internals::cli_main());
}
