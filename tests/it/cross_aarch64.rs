//! Code generation for aarch64, run for real: the generated corpus of expressions, the
//! corpus of programs and every `kernels/*.nx`, compiled for
//! `aarch64-unknown-linux-gnu` into object files (`internals::object_code`), linked
//! with a C harness (`cross_aarch64/`) by `aarch64-linux-gnu-gcc`, run under
//! `qemu-aarch64`, and compared with the interpreter on this host: bit for bit, or
//! within `LIBM_ULPS` where a kernel calls the C library's transcendentals (aarch64's
//! libm is not x86-64's, and no libmvec is used there).
//!
//! Needs the `cross-isa` feature and the two tools (`scripts/check-aarch64.sh`
//! installs them and sets `NEXPR_REQUIRE_AARCH64=1`, which turns their absence into a
//! failure); without the tools it prints `skipped:` and passes.

use crate::common::cmp::{ulps32, ulps64};
use crate::common::corpus::{gen_expr, vars_of, Input, PROGRAMS};
use crate::common::{skip, Rng};
use nexpr::internals::{object_code, Scalar};
use nexpr::{DType, DynArray, Expr, Kernel, Program, Target};
use num_complex::{Complex32, Complex64};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRIPLE: &str = "aarch64-unknown-linux-gnu";
/// Elements per case: a multiple of every vector step, so no remainder loop is needed.
const N: usize = 256;
/// The C libraries' transcendentals of the two ISAs may differ this much.
const LIBM_ULPS: u64 = 2;
/// Imports the harness provides (`cross_aarch64/helpers.c`, libm); a kernel importing
/// anything else is counted as not linked.
const PROVIDED_PREFIXES: &[&str] = &[
    "nx_hypot_",
    "nx_sin_",
    "nx_cos_",
    "nx_tan_",
    "nx_arc",
    "nx_sinh_",
    "nx_cosh_",
    "nx_tanh_",
    "nx_log",
    "nx_exp",
];

/// One kernel to run: its compiled object, the inputs (ABI order), the interpreter's
/// outputs (ABI order), and whether it calls libm.
struct Prepared {
    name: String,
    object: Vec<u8>,
    inputs: Vec<Vec<u8>>,
    want: Vec<DynArray>,
    calls_libm: bool,
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Little-endian bytes of every element, complex numbers as (re, im).
fn bytes_of(a: &DynArray) -> Vec<u8> {
    let mut out = Vec::new();
    match a {
        DynArray::Bool(x) => out.extend(x.iter().map(|&b| u8::from(b))),
        DynArray::I32(x) => x.iter().for_each(|v| out.extend(v.to_le_bytes())),
        DynArray::I64(x) => x.iter().for_each(|v| out.extend(v.to_le_bytes())),
        DynArray::F32(x) => x.iter().for_each(|v| out.extend(v.to_le_bytes())),
        DynArray::F64(x) => x.iter().for_each(|v| out.extend(v.to_le_bytes())),
        DynArray::C64(x) => x.iter().for_each(|v| {
            out.extend(v.re.to_le_bytes());
            out.extend(v.im.to_le_bytes());
        }),
        DynArray::C128(x) => x.iter().for_each(|v| {
            out.extend(v.re.to_le_bytes());
            out.extend(v.im.to_le_bytes());
        }),
    }
    out
}

fn elem_size(d: DType) -> usize {
    match d {
        DType::Bool => 1,
        DType::I32 | DType::F32 => 4,
        DType::I64 | DType::F64 | DType::C64 => 8,
        DType::C128 => 16,
    }
}

/// Whether `got` (the bytes aarch64 wrote) equals `want`, within `ulps` for floats.
fn agrees(want: &DynArray, got: &[u8], ulps: u64) -> Result<(), String> {
    let want_bytes = bytes_of(want);
    if want_bytes.len() != got.len() {
        return Err(format!("{} bytes, want {}", got.len(), want_bytes.len()));
    }
    let f64_at = |b: &[u8], i: usize| f64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    let f32_at = |b: &[u8], i: usize| f32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let (width, wide) = match want.dtype() {
        DType::F64 | DType::C128 => (8, true),
        DType::F32 | DType::C64 => (4, false),
        _ => {
            return (want_bytes == got)
                .then_some(())
                .ok_or_else(|| "integers differ".into())
        }
    };
    for i in (0..got.len()).step_by(width) {
        let off = if wide {
            let (w, g) = (f64_at(&want_bytes, i), f64_at(got, i));
            !(w.is_nan() && g.is_nan()) && ulps64(w, g) > ulps
        } else {
            let (w, g) = (f32_at(&want_bytes, i), f32_at(got, i));
            !(w.is_nan() && g.is_nan()) && ulps32(w, g) > ulps
        };
        if off {
            return Err(format!("element {} differs", i / width));
        }
    }
    Ok(())
}

/// Compiles `kernel` for aarch64 and records the interpreter's outputs, or says why
/// the case is left out.
fn prepare(
    name: String,
    kernel: &Kernel,
    interp: &Kernel,
    inputs: &[Input],
    symbol: &str,
) -> Result<Prepared, String> {
    let vars = vars_of(inputs);
    let outs: BTreeMap<String, DynArray> =
        interp.run(&vars).map_err(|e| format!("interpreter: {e}"))?;
    let want: Vec<DynArray> = kernel
        .output_names()
        .iter()
        .map(|n| outs[n].clone())
        .collect();
    if want.iter().any(|w| w.shape() != [N]) {
        return Err("not elementwise over the inputs".into());
    }
    let (object, imports) =
        object_code(kernel, &vars, TRIPLE, symbol).map_err(|e| format!("compiling: {e}"))?;
    if let Some(i) = imports
        .iter()
        .find(|i| !PROVIDED_PREFIXES.iter().any(|p| i.starts_with(p)))
    {
        return Err(format!("imports {i}"));
    }
    let by_name: BTreeMap<&str, &Input> = inputs.iter().map(|i| (i.name.as_str(), i)).collect();
    let inputs = kernel
        .input_names()
        .iter()
        .map(|n| bytes_of(&by_name[n.as_str()].array))
        .collect();
    Ok(Prepared {
        name,
        object,
        inputs,
        want,
        calls_libm: !imports.is_empty(),
    })
}

/// Random expressions of the corpus generator over 1-d inputs of random dtypes.
fn expression_cases(count: usize) -> Vec<(String, Vec<Input>)> {
    let mut r = Rng::new(0x5eed_a64);
    (0..count)
        .map(|_| {
            let src = gen_expr(&mut r, 3);
            let inputs = ["a", "b", "c"]
                .iter()
                .map(|name| {
                    let d = *r.pick(&DType::ALL);
                    let vals: Vec<Scalar> = (0..N).map(|_| r.value(d)).collect();
                    Input::of_scalars(name, d, &[N], "C", &vals)
                })
                .collect();
            (src, inputs)
        })
        .collect()
}

/// An input of a program: complex points of the Mandelbrot window, small positive
/// floats, 0-d iteration limits.
fn program_input(r: &mut Rng, name: &str, d: DType, scalar: bool) -> Input {
    let shape: &[usize] = if scalar { &[] } else { &[N] };
    let count = if scalar { 1 } else { N };
    let vals: Vec<Scalar> = (0..count)
        .map(|_| match d {
            DType::C128 => Scalar::C128(Complex64::new(3.0 * r.unit() - 2.0, 3.0 * r.unit() - 1.5)),
            DType::C64 => Scalar::C64(Complex32::new(
                3.0 * r.unit() as f32 - 2.0,
                3.0 * r.unit() as f32 - 1.5,
            )),
            DType::F64 if name == "r" => Scalar::F64(3.0 + r.unit()),
            DType::F64 => Scalar::F64(0.05 + r.unit()),
            DType::F32 => Scalar::F32(0.05 + r.unit() as f32),
            DType::I32 if scalar => Scalar::I32(64),
            DType::I64 if scalar => Scalar::I64(64),
            _ => r.value(d),
        })
        .collect();
    Input::of_scalars(name, d, shape, "C", &vals)
}

/// The inputs a `kernels/*.nx` file documents in its header (`name dtype`, `0-d`).
fn documented_inputs(src: &str) -> Vec<(String, DType, bool)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in src.lines().take_while(|l| l.starts_with('#')) {
        let text = line.trim_start_matches('#').trim();
        inside = (inside || text.starts_with("Inputs:")) && !text.starts_with("Output");
        let mut words = text.trim_start_matches("Inputs:").split_whitespace();
        if let (true, Some(name), Some(Some(d))) =
            (inside, words.next(), words.next().map(DType::from_name))
        {
            out.push((name.to_string(), d, line.contains("0-d")));
        }
    }
    out
}

fn program_cases() -> Vec<(String, String, Vec<Input>)> {
    let mut r = Rng::new(11);
    let mut out = Vec::new();
    for (name, src, ins) in PROGRAMS {
        let inputs = ins
            .iter()
            .map(|&(n, d)| program_input(&mut r, n, d, matches!(n, "maxi" | "n")))
            .collect();
        out.push((format!("program {name}"), src.to_string(), inputs));
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kernels");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("kernels/")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "nx"))
    {
        let src = std::fs::read_to_string(&path).expect("kernel source");
        let inputs = documented_inputs(&src)
            .into_iter()
            .map(|(n, d, scalar)| program_input(&mut r, &n, d, scalar))
            .collect();
        out.push((
            format!("kernels/{}", path.file_name().unwrap().to_string_lossy()),
            src,
            inputs,
        ));
    }
    out
}

/// Every case compiled; the ones left out with their reason.
fn prepare_all() -> (Vec<Prepared>, Vec<(String, String)>) {
    let (mut ready, mut left_out) = (Vec::new(), Vec::new());
    let mut add = |name: String, compiled: nexpr::Result<(Kernel, Kernel)>, inputs: &[Input]| {
        let symbol = format!("nx_case_{}", ready.len());
        match compiled
            .map_err(|e| format!("{e}"))
            .and_then(|(k, i)| prepare(name.clone(), &k, &i, inputs, &symbol))
        {
            Ok(p) => ready.push(p),
            Err(why) => left_out.push((name, why)),
        }
    };
    for (src, inputs) in expression_cases(200) {
        let compiled = Expr::parse(&src)
            .and_then(|e| Ok((e.compile(Target::cpu())?, e.compile(Target::Interp)?)));
        add(src, compiled, &inputs);
    }
    for (name, src, inputs) in program_cases() {
        let compiled = Program::parse(&src)
            .and_then(|p| Ok((p.compile(Target::cpu())?, p.compile(Target::Interp)?)));
        add(name, compiled, &inputs);
    }
    (ready, left_out)
}

fn write_case(dir: &Path, i: usize, p: &Prepared) {
    let mut data = Vec::new();
    data.extend((p.inputs.len() as u32).to_le_bytes());
    data.extend((p.want.len() as u32).to_le_bytes());
    data.extend((N as u64).to_le_bytes());
    for input in &p.inputs {
        data.extend((input.len() as u64).to_le_bytes());
        data.extend(input);
    }
    for w in &p.want {
        data.extend((elem_size(w.dtype()) as u64).to_le_bytes());
    }
    std::fs::write(dir.join(format!("in_{i}")), data).expect("case file");
    std::fs::write(dir.join(format!("case_{i}.o")), &p.object).expect("object file");
}

/// Links every case's object with the harness into one executable.
fn link(dir: &Path, cases: &[Prepared]) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/cross_aarch64");
    let mut table = String::from("#include <stdint.h>\ntypedef int32_t (*kernel_fn)(const void *const *, void *const *, int64_t, int64_t);\n");
    for i in 0..cases.len() {
        table += &format!(
            "int32_t nx_case_{i}(const void *const *, void *const *, int64_t, int64_t);\n"
        );
    }
    table += "kernel_fn cases[] = {";
    table += &(0..cases.len())
        .map(|i| format!("nx_case_{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    table += &format!("}};\nconst int case_count = {};\n", cases.len());
    std::fs::write(dir.join("cases.c"), table).expect("cases.c");
    let exe = dir.join("harness");
    let mut cmd = Command::new("aarch64-linux-gnu-gcc");
    cmd.args(["-O1", "-no-pie", "-o"])
        .arg(&exe)
        .arg(dir.join("cases.c"));
    cmd.arg(here.join("harness.c")).arg(here.join("helpers.c"));
    cmd.args((0..cases.len()).map(|i| dir.join(format!("case_{i}.o"))));
    cmd.arg("-lm");
    let out = cmd.output().expect("running aarch64-linux-gnu-gcc");
    assert!(
        out.status.success(),
        "linking failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn aarch64_kernels_agree_with_the_interpreter() {
    let required = std::env::var_os("NEXPR_REQUIRE_AARCH64").is_some();
    for t in ["aarch64-linux-gnu-gcc", "qemu-aarch64"] {
        if !tool(t) {
            assert!(!required, "{t} is missing (NEXPR_REQUIRE_AARCH64 is set)");
            return skip("aarch64 check", &format!("{t} is not installed"));
        }
    }
    let (cases, left_out) = prepare_all();
    let dir = tempfile::tempdir().expect("temporary folder");
    for (i, p) in cases.iter().enumerate() {
        write_case(dir.path(), i, p);
    }
    let exe = link(dir.path(), &cases);
    let run = Command::new("qemu-aarch64")
        .args(["-L", "/usr/aarch64-linux-gnu"])
        .arg(&exe)
        .arg(dir.path())
        .output()
        .expect("running qemu-aarch64");
    assert!(
        run.status.success(),
        "harness failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut failures = Vec::new();
    let mut exact = 0;
    for (i, p) in cases.iter().enumerate() {
        let got = std::fs::read(dir.path().join(format!("out_{i}"))).expect("case output");
        let status = i32::from_le_bytes(got[..4].try_into().unwrap());
        if status != 0 {
            failures.push(format!("{}: status {status}", p.name));
            continue;
        }
        let mut at = 4;
        let mut same_bits = true;
        for w in &p.want {
            let len = elem_size(w.dtype()) * N;
            let part = &got[at..at + len];
            at += len;
            same_bits &= agrees(w, part, 0).is_ok();
            let ulps = if p.calls_libm { LIBM_ULPS } else { 0 };
            if let Err(e) = agrees(w, part, ulps) {
                failures.push(format!("{}: {e}", p.name));
            }
        }
        exact += usize::from(same_bits);
    }
    eprintln!(
        "aarch64: {} cases ran under qemu ({exact} bit for bit), {} failed; {} not linked:",
        cases.len(),
        failures.len(),
        left_out.len()
    );
    for (name, why) in &left_out {
        eprintln!("  not linked: {name}: {why}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(cases.len() >= 100, "too few cases ran: {}", cases.len());
}
