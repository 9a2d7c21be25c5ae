//! The `nexpr` command's tests, one binary: they run the binary Cargo builds for this
//! crate (`CARGO_BIN_EXE_nexpr`). `cargo test -p nexpr-cli <filter>` runs a part.

mod bench;
mod cancel;
mod commands;
mod common;
mod docs;
mod files;
mod manners;
mod memory;
mod out_targets;
/// The library tests' random generator, so both draw the same values.
#[path = "../../../tests/it/common/rng.rs"]
#[allow(dead_code)] // the CLI tests draw floats only
mod rng;
mod stream;
