//! What the test modules share: one random generator (`rng`), one way to compare
//! floats and arrays (`cmp`), one golden-file harness (`golden`), the language
//! generator as the tests configure it (`gen`), the NumPy fixture corpus and the test
//! inputs built from it (`corpus`), and how NVRTC and a CUDA device are found (`cuda`).

pub mod cmp;
pub mod corpus;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod gen;
pub mod golden;
pub mod rng;

pub use rng::Rng;

/// Says `skipped: <what> (<why>)` on stderr, once per `what` in the test run, for
/// tests that cannot run here and pass without checking anything. Written to the
/// process's stderr itself, which the test harness does not capture, so that a plain
/// `cargo test` shows it.
pub fn skip(what: &str, why: &str) {
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.insert(what.to_string()) {
        let _ = writeln!(std::io::stderr(), "skipped: {what} ({why})");
    }
}
