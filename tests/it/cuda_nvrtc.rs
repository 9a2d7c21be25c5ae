//! Every kernel the test corpus makes (the NumPy fixture expressions over all their
//! dtypes and layouts, reductions, and programs with loops, ifs and breaks) compiled by
//! the real NVRTC to PTX. Needs NVRTC but no GPU.
//!
//! NVRTC is found as `common::cuda` says. Without it the tests say "skipped: ..." and
//! pass, except under `CI=true`, where a missing NVRTC fails them.

use crate::common::corpus::{fixture_cases, random_cases, vars_of, Input, PROGRAMS};
use crate::common::cuda::nvrtc_available;
use nexpr::internals::{compile_ptx, Scalar};
use nexpr::{Emit, ErrorKind, Expr, Program, Target};
use std::collections::BTreeSet;

/// What NVRTC compiles for.
#[derive(Debug)]
struct Options {
    /// Compute capability, e.g. (9, 0).
    arch: (u32, u32),
    fast_math: bool,
}

/// Kernels compiled per NVRTC call: one translation unit holds many kernels, renamed
/// apart, which is far faster than one call each.
const BATCH: usize = 150;

fn compile_all(sources: &BTreeSet<String>, opts: &Options) -> Vec<String> {
    let list: Vec<&String> = sources.iter().collect();
    let mut failures = Vec::new();
    for (b, chunk) in list.chunks(BATCH).enumerate() {
        let mut unit = String::new();
        for (k, s) in chunk.iter().enumerate() {
            unit.push_str(&s.replace("nexpr_kernel(", &format!("nexpr_kernel_{b}_{k}(")));
        }
        if compile_ptx(&unit, opts.arch, opts.fast_math).is_ok() {
            continue;
        }
        // Find the culprits one by one.
        for s in chunk {
            if let Err(e) = compile_ptx(s, opts.arch, opts.fast_math) {
                failures.push(e.to_string());
            }
        }
    }
    failures
}

fn report(what: &str, n: usize, failures: &[String]) {
    eprintln!("{what}: {n} distinct kernels compiled");
    assert!(
        failures.is_empty(),
        "{} of {n} {what} kernels failed to compile; first:\n{}",
        failures.len(),
        failures[0]
    );
}

const H100: Options = Options {
    arch: (9, 0),
    fast_math: false,
};

#[test]
fn fixture_kernels_compile() {
    if !nvrtc_available("cuda_nvrtc: NVRTC compilation of the emitted kernels") {
        return;
    }
    let mut sources = BTreeSet::new();
    let mut emit_errors = Vec::new();
    for case in fixture_cases() {
        let vars = case.vars();
        let r = Expr::parse(&case.expr)
            .and_then(|e| e.compile(Target::Interp))
            .and_then(|k| k.emit(&vars, Emit::Cuda));
        match r {
            Ok(src) => {
                sources.insert(src);
            }
            // The cases that NumPy rejects are rejected before code generation.
            Err(e) if !matches!(e.kind, ErrorKind::Backend) => {}
            Err(e) => emit_errors.push(format!("#{} `{}`: {e}", case.id, case.expr)),
        }
    }
    assert!(
        emit_errors.is_empty(),
        "emission failed:\n{}",
        emit_errors.join("\n")
    );
    assert!(sources.len() > 500, "only {} kernels", sources.len());
    let failures = compile_all(&sources, &H100);
    report("fixture", sources.len(), &failures);
}

fn program_sources() -> BTreeSet<String> {
    let mut sources = BTreeSet::new();
    for (name, src, inputs) in PROGRAMS {
        let p = Program::parse(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        let k = p.compile(Target::Interp).unwrap();
        // Each program with contiguous, 0-d (scalar) and strided inputs.
        for layout in ["C", "0d", "strided"] {
            let arrays: Vec<Input> = inputs
                .iter()
                .map(|(n, d)| {
                    let shape: &[usize] = if layout == "0d" { &[] } else { &[3, 4] };
                    let len = shape.iter().product::<usize>();
                    let vals = vec![Scalar::one(*d); len];
                    Input::of_scalars(n, *d, shape, layout, &vals)
                })
                .collect();
            let vars = vars_of(&arrays);
            let s = k
                .emit(&vars, Emit::Cuda)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            sources.insert(s);
        }
    }
    sources
}

#[test]
fn program_kernels_compile() {
    if !nvrtc_available("cuda_nvrtc: NVRTC compilation of the emitted kernels") {
        return;
    }
    let sources = program_sources();
    let failures = compile_all(&sources, &H100);
    report("program", sources.len(), &failures);
}

#[test]
fn kernels_compile_with_fast_math_and_other_arches() {
    if !nvrtc_available("cuda_nvrtc: NVRTC compilation of the emitted kernels") {
        return;
    }
    let sources = program_sources();
    for opts in [
        Options {
            arch: (9, 0),
            fast_math: true,
        },
        Options {
            arch: (7, 5),
            fast_math: false,
        },
    ] {
        let failures = compile_all(&sources, &opts);
        report(&format!("{opts:?}"), sources.len(), &failures);
    }
}

#[test]
fn compile_errors_are_errors() {
    if !nvrtc_available("cuda_nvrtc: NVRTC compilation of the emitted kernels") {
        return;
    }
    let e = compile_ptx("this is not CUDA", H100.arch, H100.fast_math).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Backend);
    assert!(e.message.contains("NVRTC"), "{e}");
}

#[test]
fn random_expression_kernels_compile() {
    if !nvrtc_available("cuda_nvrtc: NVRTC compilation of the emitted kernels") {
        return;
    }
    let mut sources = BTreeSet::new();
    for case in random_cases(1500) {
        let vars = case.vars();
        let r = Expr::parse(&case.expr)
            .and_then(|e| e.compile(Target::Interp))
            .and_then(|k| k.emit(&vars, Emit::Cuda));
        match r {
            Ok(src) => {
                sources.insert(src);
            }
            Err(e) if !matches!(e.kind, ErrorKind::Backend) => {}
            Err(e) => panic!("`{}`: {e}", case.expr),
        }
    }
    let failures = compile_all(&sources, &H100);
    report("random expression", sources.len(), &failures);
}
