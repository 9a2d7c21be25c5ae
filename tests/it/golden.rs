//! Golden files, in the manner of Cranelift's filetests: the optimized IR's text form
//! (`tests/golden/ir/*.ir`), the Cranelift IR of the CPU loop (`tests/golden/clif`, and
//! for aarch64 `tests/golden/clif-aarch64` with the `cross-isa` feature)
//! and the CUDA C of the GPU kernel (`tests/golden/cuda`). `UPDATE_GOLDEN=1 cargo test
//! golden` rewrites the files that differ (see `common::golden`).

use crate::common::golden;
use ndarray::{Array1, Array2, ArrayD, IxDyn};
use nexpr::{CpuOptions, DType, DynArray, Emit, Expr, MathWidth, Options, Program, Target, Vars};
use num_complex::Complex64;

// ---------------------------------------------------------------------------------
// IR: each `.ir` file starts with `;` header lines giving the expression (or program
// lines `;| ...`) and the dtypes of its variables, followed by the expected IR.

fn render(header: &[&str]) -> String {
    let mut expr = None;
    let mut program = String::new();
    let mut vars = Vars::new();
    for line in header {
        let l = line.trim_start_matches(';');
        if let Some(e) = l.strip_prefix(" expr: ") {
            expr = Some(e.to_string());
        } else if let Some(p) = l.strip_prefix("| ") {
            program.push_str(p);
            program.push('\n');
        } else if l == "|" {
            program.push('\n');
        } else if let Some(vs) = l.strip_prefix(" vars: ") {
            for v in vs.split_whitespace() {
                let (name, ty) = v.split_once('=').expect("name=dtype");
                let d = DType::from_name(ty).unwrap_or_else(|| panic!("dtype {ty}"));
                vars.insert_owned(name, DynArray::zeros(d, &[4]));
            }
        }
    }
    let kernel = match expr {
        Some(e) => Expr::parse(&e).and_then(|e| e.compile(Target::Interp)),
        None => Program::parse(&program).and_then(|p| p.compile(Target::Interp)),
    };
    kernel
        .and_then(|k| k.emit(&vars, Emit::Ir))
        .unwrap_or_else(|e| format!("error: {e}\n"))
}

#[test]
fn ir() {
    let dir = golden::dir("ir");
    let mut results = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ir") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with(';')).collect();
        let got = header.iter().map(|l| format!("{l}\n")).collect::<String>() + &render(&header);
        results.push(golden::check(&path, &got));
    }
    assert!(
        results.len() >= 8,
        "golden files missing in {}",
        dir.display()
    );
    golden::assert_all(results);
}

// ---------------------------------------------------------------------------------
// CLIF (`--emit clif`): each file is `; <source>` and the Cranelift IR.

/// The accurate functions at 128 bits, called per lane: the CPU's AVX2 or AVX-512
/// (staged kernels) and libmvec's presence would change the sin kernel.
fn exact(loop_groups: u8) -> Options {
    Options {
        cpu: CpuOptions {
            fast_math: false,
            math_width: MathWidth::Bits128,
            loop_groups,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// How a CLIF golden file is rendered from a compiled kernel and its inputs.
type ClifRender = fn(&nexpr::Kernel, &Vars) -> String;

fn clif_of(
    dir: &str,
    render: ClifRender,
    name: &str,
    src: &str,
    vars: &Vars,
    opts: &Options,
) -> Result<(), String> {
    let t = Target::Cpu { threads: 1 };
    let k = if src.contains('\n') {
        Program::parse(src).unwrap().compile_with(t, opts).unwrap()
    } else {
        Expr::parse(src).unwrap().compile_with(t, opts).unwrap()
    };
    let got = render(&k, vars);
    let path = golden::dir(dir).join(format!("{name}.clif"));
    golden::check(&path, &format!("; {src}\n{got}"))
}

/// The CLIF golden files of one ISA (in `tests/golden/<dir>`): the same kernels for
/// every ISA.
fn clif_goldens(dir: &str, render: ClifRender) {
    let a = ndarray::arr1(&[1.0f64, 2.0]);
    let b = ndarray::arr1(&[3.0f64, 4.0]);
    let s = ndarray::arr0(2.0f64);
    let i = ndarray::arr1(&[1i64, 2]);
    let z = ndarray::arr1(&[num_complex::Complex64::new(1.0, 2.0)]);
    let zz = ndarray::arr1(&[num_complex::Complex64::new(1.0, 2.0); 2]);
    let m = ndarray::arr0(20i32);
    let v = Vars::new()
        .with("a", &a)
        .with("b", &b)
        .with("s", &s)
        .with("i", &i)
        .with("z", &z)
        .with("zz", &zz)
        .with("maxi", &m);
    let groups = CpuOptions::default().loop_groups;
    let clif_of = |name, src, opts: &Options| clif_of(dir, render, name, src, &v, opts);
    golden::assert_all([
        clif_of("axpy", "2*a + 3*b", &exact(groups)),
        clif_of("where_scalar", "where(a > s, a, s)", &exact(groups)),
        clif_of("int_floordiv", "i // (i - 1)", &exact(groups)),
        clif_of("sin_cast", "sin(a) + i", &exact(groups)),
        clif_of("complex_mul", "z*z + z", &exact(groups)),
        clif_of("bool_out", "(a > 0.5) & (b < 0.5)", &exact(groups)),
        clif_of("abs_compare", "where(abs(zz) > 2, i, 0)", &exact(groups)),
        clif_of("sum_leaves", "sum(a*b)", &exact(groups)),
        // Two interleaved vector groups of a predicated loop.
        clif_of(
            "escape_loop",
            "output escape\nz = 0j\nescape = maxi\nfor k in range(1, maxi):\n    z = z*z + zz\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = k\n        break\n",
            &exact(2),
        ),
    ]);
}

#[test]
fn clif() {
    clif_goldens("clif", |k, v| k.emit(v, Emit::Clif).unwrap());
}

/// A straight-line kernel staged through the 256-bit batch functions: a complex
/// function's parts in two blocks of one buffer, and a float function's argument that
/// is an input read in place. Only where the CPU runs them (the batch functions'
/// names say the width).
#[test]
fn clif_staged() {
    let w = MathWidth::Bits256;
    if nexpr::internals::resolve_math_width(w) != w {
        eprintln!("skipped: clif_staged: this CPU has no AVX2 and FMA");
        return;
    }
    let a = ndarray::arr1(&[1.0f64, 2.0]);
    let z = ndarray::arr1(&[num_complex::Complex64::new(1.0, 2.0); 2]);
    let v = Vars::new().with("a", &a).with("z", &z);
    let opts = Options {
        cpu: CpuOptions {
            math_width: w,
            ..Default::default()
        },
        ..Default::default()
    };
    let render: ClifRender = |k, v| k.emit(v, Emit::Clif).unwrap();
    golden::assert_all([clif_of(
        "clif",
        render,
        "staged_complex",
        "exp(z) * sin(a)",
        &v,
        &opts,
    )]);
}

/// The same kernels compiled for aarch64 (no SSE4.1 `blendv`, no libmvec), as
/// `scripts/check-aarch64.sh` runs them under qemu.
#[cfg(feature = "cross-isa")]
#[test]
fn clif_aarch64() {
    clif_goldens("clif-aarch64", |k, v| {
        nexpr::internals::clif_for(k, v, "aarch64-unknown-linux-gnu").unwrap()
    });
}

// ---------------------------------------------------------------------------------
// CUDA C: needs neither NVRTC nor a GPU.

fn cuda_of(name: &str, got: &str) -> Result<(), String> {
    golden::check(&golden::dir("cuda").join(format!("{name}.cu")), got)
}

fn cuda_expr(src: &str, vars: &Vars) -> String {
    Expr::parse(src)
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .emit(vars, Emit::Cuda)
        .unwrap()
}

#[test]
fn cuda() {
    let a = Array1::<f64>::zeros(8);
    let b = Array1::<f64>::zeros(8);
    let ab = Vars::new().with("a", &a).with("b", &b);
    // Broadcasting a row against a column (strided inputs) and a 0-d input.
    let row = Array2::<i32>::zeros((1, 5));
    let col = Array2::<i32>::zeros((4, 1));
    let k = ArrayD::<i64>::zeros(IxDyn(&[]));
    let xyk = Vars::new().with("x", &row).with("y", &col).with("k", &k);
    let z = Array1::<Complex64>::zeros(8);
    let za = Vars::new().with("z", &z).with("a", &a);
    let c = Array1::<Complex64>::zeros(8);
    let maxi = ArrayD::<i64>::from_elem(IxDyn(&[]), 512);
    let cm = Vars::new().with("c", &c).with("maxi", &maxi);
    let mandelbrot = "output escape\nz = 0j\nescape = maxi\nfor i in range(1, maxi):\n    z = z*z + c\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = i\n        break\n";
    let program = Program::parse(mandelbrot)
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .emit(&cm, Emit::Cuda)
        .unwrap();
    golden::assert_all([
        cuda_of("axpby", &cuda_expr("2*a + 3*b", &ab)),
        cuda_of("int_broadcast", &cuda_expr("(x // y) % k + (x << 2)", &xyk)),
        cuda_of(
            "complex_where",
            &cuda_expr("where(abs(z) > a, z / (z + 1j), sqrt(z) ** 2)", &za),
        ),
        cuda_of("sum_reduce", &cuda_expr("sum(a * b)", &ab)),
        cuda_of("mandelbrot", &program),
    ]);
}
