//! Code generation for aarch64, run for real: the generated corpus of expressions, the
//! corpus of programs and every `kernels/*.nx`, compiled for
//! `aarch64-unknown-linux-gnu` into object files (`internals::object_code`), linked
//! with a C harness (`cross_aarch64/`) by `aarch64-linux-gnu-gcc`, run under
//! `qemu-aarch64`, and compared with the interpreter on this host bit for bit: every
//! real transcendental is nexpr's own (exp, log, sin, tan, the inverse trigonometric
//! and hyperbolic functions, …, hypot), linked from the library's source compiled for
//! aarch64 (`cross_aarch64/math.rs`).
//!
//! Size: 200 generated expressions, the program corpus and `kernels/*.nx`, 240
//! elements each, all in one executable and one qemu run: a few seconds beyond
//! compiling the test binary, well inside the 5 minutes `scripts/check-aarch64.sh`
//! may take in CI.
//!
//! Needs the `cross-isa` feature and the two tools (`scripts/check-aarch64.sh`
//! installs them and sets `NEXPR_REQUIRE_AARCH64=1`, which turns their absence into a
//! failure); without the tools it prints `skipped:` and passes.

use crate::common::cmp::{ulps32, ulps64};
use crate::common::corpus::{gen_expr, vars_of, Input, NAMES, PROGRAMS};
use crate::common::{skip, Rng};
use nexpr::internals::{object_code, Scalar};
use nexpr::{DType, DynArray, ErrorKind, Expr, Kernel, Program, Target};
use num_complex::{Complex32, Complex64};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRIPLE: &str = "aarch64-unknown-linux-gnu";
/// Elements per case: a multiple of every vector step (2 or 4 lanes times 2 groups
/// for straight-line kernels, 3 for loops: 24), since vector kernels process whole
/// steps only and the remainder is the driver's.
const N: usize = 240;
/// Imports the harness provides (`cross_aarch64/math.rs`); a kernel
/// importing anything else is counted as not linked.
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
/// outputs (ABI order).
struct Prepared {
    name: String,
    object: Vec<u8>,
    inputs: Vec<Vec<u8>>,
    want: Vec<DynArray>,
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn rustc() -> std::ffi::OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Whether Rust's standard library for aarch64 is installed (`rustup target add`):
/// `math.rs` is compiled against it.
fn aarch64_std() -> bool {
    Command::new(rustc())
        .args(["--print", "target-libdir", "--target", TRIPLE])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| std::fs::read_dir(String::from_utf8_lossy(&o.stdout).trim()).ok())
        .is_some_and(|mut dir| {
            dir.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
        })
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
            let (w, g) = if wide {
                (f64_at(&want_bytes, i), f64_at(got, i))
            } else {
                (f64::from(f32_at(&want_bytes, i)), f64::from(f32_at(got, i)))
            };
            return Err(format!("element {} is {g:e}, want {w:e}", i / width));
        }
    }
    Ok(())
}

/// Why a case is not run.
enum Left {
    /// Its expression does not type-check for the input dtypes drawn.
    IllTyped,
    Because(String),
}

impl From<String> for Left {
    fn from(why: String) -> Left {
        Left::Because(why)
    }
}

/// Compiles `kernel` for aarch64 and records the interpreter's outputs, or says why
/// the case is left out.
fn prepare(
    name: String,
    kernel: &Kernel,
    interp: &Kernel,
    inputs: &[Input],
    symbol: &str,
) -> Result<Prepared, Left> {
    let vars = vars_of(inputs);
    let outs: BTreeMap<String, DynArray> = interp.run(&vars).map_err(|e| match e.kind {
        ErrorKind::Type => Left::IllTyped,
        _ => Left::Because(format!("interpreter: {e}")),
    })?;
    let want: Vec<DynArray> = kernel
        .output_names()
        .iter()
        .map(|n| outs[n].clone())
        .collect();
    if want.iter().any(|w| w.shape() != [N]) {
        return Err(Left::Because("not elementwise over the inputs".into()));
    }
    let (object, imports) =
        object_code(kernel, &vars, TRIPLE, symbol).map_err(|e| format!("compiling: {e}"))?;
    if let Some(i) = imports
        .iter()
        .find(|i| !PROVIDED_PREFIXES.iter().any(|p| i.starts_with(p)))
    {
        return Err(Left::Because(format!("imports {i}")));
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
    })
}

/// Generated expressions that get compiled.
const EXPRESSIONS: usize = 200;

/// A random expression of the language generator over 1-d inputs of random dtypes.
fn expression_case(r: &mut Rng) -> (String, Vec<Input>) {
    let dtypes = [(); 3].map(|_| *r.pick(&DType::ALL));
    let src = gen_expr(r, 3, dtypes);
    let inputs = (NAMES.iter().zip(dtypes))
        .map(|(name, d)| {
            let vals: Vec<Scalar> = (0..N).map(|_| r.value(d)).collect();
            Input::of_scalars(name, d, &[N], "C", &vals)
        })
        .collect();
    (src, inputs)
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

/// What became of the cases: the ones compiled, the ones left out with their reason,
/// and how many generated expressions did not type-check.
#[derive(Default)]
struct Cases {
    ready: Vec<Prepared>,
    left_out: Vec<(String, String)>,
    ill_typed: usize,
}

impl Cases {
    /// Compiles a case (its CPU and interpreter kernels) for aarch64; whether it type-checked.
    fn add(
        &mut self,
        name: String,
        compiled: nexpr::Result<(Kernel, Kernel)>,
        inputs: &[Input],
    ) -> bool {
        let symbol = format!("nx_case_{}", self.ready.len());
        let (kernel, interp) = match compiled {
            Ok(k) => k,
            Err(e) if e.kind == ErrorKind::Type => return false,
            Err(e) => {
                self.left_out.push((name, format!("{e}")));
                return true;
            }
        };
        match prepare(name.clone(), &kernel, &interp, inputs, &symbol) {
            Ok(p) => self.ready.push(p),
            Err(Left::IllTyped) => return false,
            Err(Left::Because(why)) => self.left_out.push((name, why)),
        }
        true
    }
}

/// Every case compiled: [`EXPRESSIONS`] generated expressions that type-check, then
/// the programs.
fn prepare_all() -> Cases {
    let mut cases = Cases::default();
    let mut r = Rng::new(0x05ee_da64);
    let mut typed = 0;
    while typed < EXPRESSIONS && cases.ill_typed < 20 * EXPRESSIONS {
        let (src, inputs) = expression_case(&mut r);
        let compiled = Expr::parse(&src)
            .and_then(|e| Ok((e.compile(Target::cpu())?, e.compile(Target::Interp)?)));
        if cases.add(src, compiled, &inputs) {
            typed += 1;
        } else {
            cases.ill_typed += 1;
        }
    }
    for (name, src, inputs) in program_cases() {
        let compiled = Program::parse(&src)
            .and_then(|p| Ok((p.compile(Target::cpu())?, p.compile(Target::Interp)?)));
        assert!(
            cases.add(name.clone(), compiled, &inputs),
            "{name} does not type-check"
        );
    }
    cases
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

/// nexpr's own functions for aarch64 (`cross_aarch64/math.rs`) as a static library.
fn build_math(dir: &Path, here: &Path) -> PathBuf {
    let lib = dir.join("libnexpr_math.a");
    let out = Command::new(rustc())
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "staticlib",
            "--crate-name",
        ])
        .args(["nexpr_math", "-C", "opt-level=2", "-C", "panic=abort"])
        .args(["--cap-lints", "allow", "--target", TRIPLE, "-o"])
        .arg(&lib)
        .arg(here.join("math.rs"))
        .output()
        .expect("running rustc");
    assert!(
        out.status.success(),
        "compiling math.rs for {TRIPLE} failed (rustup target add {TRIPLE}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lib
}

/// Links every case's object with the harness into one executable.
fn link(dir: &Path, cases: &[Prepared]) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/cross_aarch64");
    let math = build_math(dir, &here);
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
    cmd.arg(here.join("harness.c"));
    cmd.args((0..cases.len()).map(|i| dir.join(format!("case_{i}.o"))));
    cmd.arg(math).args(["-lm", "-lpthread", "-ldl"]);
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
    if !aarch64_std() {
        assert!(
            !required,
            "Rust's std for {TRIPLE} is missing (NEXPR_REQUIRE_AARCH64 is set)"
        );
        return skip(
            "aarch64 check",
            &format!("rustup target add {TRIPLE} was not run"),
        );
    }
    let Cases {
        ready: cases,
        left_out,
        ill_typed,
    } = prepare_all();
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
            if let Err(e) = agrees(w, part, 0) {
                failures.push(format!("{}: {e}", p.name));
            }
        }
        exact += usize::from(same_bits);
    }
    eprintln!(
        "aarch64: {} cases ran under qemu ({exact} bit for bit), {} failed; {} not linked \
         ({ill_typed} generated expressions did not type-check and were not counted):",
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
