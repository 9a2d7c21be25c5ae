//! The CUDA prelude's complex functions checked without a GPU: `tests/cuda_host/` compiles
//! `src/backend/cuda/prelude.cuh` as host C++ (a few CUDA intrinsics shimmed) and compares
//! csqrt, cexp, clog, the trigonometric, hyperbolic and inverse functions with the C
//! library's on a grid of finite, tiny, huge, infinite and NaN parts. The C library is
//! what NumPy (and the interpreter) calls, Annex G special values included.
//!
//! Skipped, with a message, where no C++ compiler is found.

use std::path::Path;
use std::process::Command;

#[test]
#[cfg(target_os = "linux")]
fn prelude_complex_functions_match_the_c_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("check_complex");
    let out = Command::new(&cxx)
        .args([
            "-std=c++17",
            "-O1",
            "-Wno-builtin-declaration-mismatch",
            "-I",
        ])
        .arg(root.join("tests/cuda_host"))
        .arg("-I")
        .arg(root.join("src/backend/cuda"))
        .arg(root.join("tests/cuda_host/check_complex.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg("-lm")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            crate::common::skip("cuda_prelude_host", &format!("no C++ compiler: {cxx}: {e}"));
            return;
        }
    };
    assert!(
        out.status.success(),
        "{cxx} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    let last = text.lines().last().unwrap_or("");
    assert!(last.starts_with("0 of "), "prelude vs C library:\n{text}");
}
