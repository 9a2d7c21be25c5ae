//! Every shell block of the documentation runs against this build's `nexpr`, so no
//! command shown to a user can drift from the command line.
//!
//! The ```` ```sh ```` (also `bash`, `shell`) blocks of README.md, python/README.md and
//! docs/*.md run with `bash -euo pipefail` in a temporary directory that holds the
//! files the documentation's commands read (see `write_fixtures`) and `kernels/`, with
//! this build's `nexpr` first on `PATH`. A block that cannot run here (it builds for
//! minutes, installs packages, needs a GPU) says why in its info string:
//! ```` ```sh no-run:builds-for-minutes ````; the test prints every block it skips
//! with that reason. The Rust blocks are doctests (`src/doc_snippets.rs`), the Python
//! ones run in `python/tests/test_docs.py`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nexpr::{io, DynArray};

/// The repository's root (this crate is `cli/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// The Markdown files whose blocks are checked.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    let mut all = vec![root.join("README.md"), root.join("python/README.md")];
    all.extend(docs);
    all
}

/// One fenced block: where it starts, the words of its info string, its text.
struct Block {
    place: String,
    words: Vec<String>,
    text: String,
}

impl Block {
    /// The value of `key:value` in the info string, if there is one.
    fn option(&self, key: &str) -> Option<&str> {
        let prefix = format!("{key}:");
        self.words
            .iter()
            .skip(1)
            .find_map(|w| w.strip_prefix(&prefix))
    }
}

/// The fenced blocks of `path`, in order; an unclosed block fails the test.
fn fenced_blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).expect("read a document");
    let lines: Vec<&str> = text.lines().collect();
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let ticks = line.len() - line.trim_start_matches('`').len();
        if ticks < 3 {
            i += 1;
            continue;
        }
        let fence = &line[..ticks];
        let end = (i + 1..lines.len())
            .find(|&k| lines[k].trim_end() == fence)
            .unwrap_or_else(|| panic!("{name}:{}: a code block is never closed", i + 1));
        blocks.push(Block {
            place: format!("{name}:{}", i + 1),
            words: line[ticks..].split_whitespace().map(String::from).collect(),
            text: lines[i + 1..end].join("\n") + "\n",
        });
        i = end + 1;
    }
    blocks
}

/// A float64 array of `n` values in [0, 1), the same on every run.
fn values(n: usize, seed: f64) -> DynArray {
    let v: Vec<f64> = (0..n)
        .map(|i| (i as f64 * 0.618_034 + seed).fract())
        .collect();
    DynArray::from(ndarray::Array1::from(v).into_dyn())
}

/// The complex plane's points -2..1 × -1.5..1.5 on an `n` × `n` grid, as `c`.
fn grid(n: usize) -> DynArray {
    let step = |lo: f64, hi: f64, k: usize| lo + (hi - lo) * k as f64 / (n - 1) as f64;
    let c = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        num_complex::Complex64::new(step(-2.0, 1.0, j), step(-1.5, 1.5, i))
    });
    DynArray::from(c.into_dyn())
}

/// The files the documentation's commands read: `ab.npz` (`a`, `b`), `a.npy`, `b.npy`,
/// `c.npy`, `bc.npz` (`b`, `c`), all float64 of 1000 elements, and `grid.npz` (`c`,
/// complex128, 64 × 64); `kernels/` is the repository's.
fn write_fixtures(dir: &Path) {
    let (a, b, c) = (values(1000, 0.1), values(1000, 0.2), values(1000, 0.3));
    io::write_npz(dir.join("ab.npz"), [("a", &a), ("b", &b)]).unwrap();
    io::write_npz(dir.join("bc.npz"), [("b", &b), ("c", &c)]).unwrap();
    for (name, x) in [("a", &a), ("b", &b), ("c", &c)] {
        io::write_npy(dir.join(format!("{name}.npy")), x).unwrap();
    }
    let mut g = BTreeMap::new();
    g.insert("c".to_string(), grid(64));
    io::write_npz(dir.join("grid.npz"), &g).unwrap();
    std::os::unix::fs::symlink(root().join("kernels"), dir.join("kernels")).unwrap();
}

/// Runs one block in a fresh directory of fixtures; the failure message if it fails.
fn run_block(block: &Block) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    write_fixtures(dir.path());
    let bin = Path::new(crate::common::exe())
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    // `timeout` ends a block that hangs, so a bad snippet fails instead of stalling.
    let out = Command::new("timeout")
        .args(["300", "bash", "-euo", "pipefail", "-c", &block.text])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("NEXPR_NUM_THREADS", "2")
        .output()
        .expect("run bash");
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{}: {}\n--- block\n{}--- stdout\n{}--- stderr\n{}",
        block.place,
        out.status,
        block.text,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[test]
fn every_shell_block_of_the_documentation_runs_or_says_why_not() {
    let shell = ["sh", "bash", "shell"];
    let blocks: Vec<Block> = documents()
        .iter()
        .flat_map(|p| fenced_blocks(p))
        .filter(|b| b.words.first().is_some_and(|w| shell.contains(&w.as_str())))
        .collect();
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        match block.option("no-run") {
            Some("") => failures.push(format!(
                "{}: no-run needs a reason (no-run:why)",
                block.place
            )),
            Some(why) => eprintln!("skipped: {} ({})", block.place, why),
            None => {
                ran += 1;
                if let Err(e) = run_block(block) {
                    failures.push(e);
                }
            }
        }
    }
    // A parser that found nothing would make this test vacuous.
    assert!(ran >= 3, "only {ran} shell blocks ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_document_is_compiled_as_doctests() {
    // The Rust blocks run only in the files `src/doc_snippets.rs` includes.
    let snippets = std::fs::read_to_string(root().join("src/doc_snippets.rs")).unwrap();
    for doc in documents() {
        let rel = doc.strip_prefix(root()).unwrap().display().to_string();
        let included = format!("include_str!(\"../{rel}\")");
        assert!(
            snippets.contains(&included),
            "src/doc_snippets.rs does not include {rel}"
        );
    }
}
