//! Running the `nexpr` binary from tests.

use std::process::{Command, Output};

/// The `nexpr` binary of this build (Cargo builds it for this crate's tests).
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_nexpr")
}

/// Runs `nexpr args…` on two threads and waits for it.
pub fn nexpr(args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .env("NEXPR_NUM_THREADS", "2")
        .output()
        .expect("run nexpr")
}

/// Its standard output and standard error, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Its standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
