//! What a kernel compiled for another ISA (`internals::object_code`, feature
//! `cross-isa`) may call: what the *target* ISA runs, whatever this host has. An
//! aarch64 or baseline x86-64 object must not import the AVX2/AVX-512 batch functions
//! or libmvec that this (possibly AVX-512) host would use, and riscv64 without the V
//! extension gets the scalar loop instead of a Cranelift error.

use nexpr::internals::object_code;
use nexpr::{CpuOptions, Expr, Kernel, MathWidth, Options, Program, Target, Vars};

const AARCH64: &str = "aarch64-unknown-linux-gnu";
/// Cranelift's riscv64 flags start without the V extension.
const RISCV64: &str = "riscv64gc-unknown-linux-gnu";
/// x86-64 with Cranelift's default flags: SSE2 only, no AVX2.
const X86_64: &str = "x86_64-unknown-linux-gnu";

/// Every width that can be asked for, with and without fast math.
fn option_sets() -> Vec<Options> {
    let widths = [
        MathWidth::Auto,
        MathWidth::Bits128,
        MathWidth::Bits256,
        MathWidth::Bits512,
    ];
    let mut out = Vec::new();
    for fast_math in [false, true] {
        for math_width in widths {
            out.push(Options {
                cpu: CpuOptions {
                    fast_math,
                    math_width,
                    ..Default::default()
                },
                ..Default::default()
            });
        }
    }
    out
}

fn expr(src: &str, opts: &Options) -> Kernel {
    let t = Target::Cpu { threads: 1 };
    Expr::parse(src).unwrap().compile_with(t, opts).unwrap()
}

/// Straight-line kernels whose transcendentals a wide host would batch, in both
/// float widths, and their inputs.
fn transcendental_kernels(opts: &Options) -> Vec<(Kernel, &'static str)> {
    [
        "sin(a)**2 + cos(a)",
        "exp(-a*a) * log1p(a)",
        "log(a) + log2(a) + log10(a) + expm1(a)",
        "sin(f) + exp(f)",
    ]
    .into_iter()
    .map(|src| (expr(src, opts), src))
    .collect()
}

/// The symbols an object for `triple` imports, per kernel.
fn imports(triple: &str) -> Vec<(String, Vec<String>)> {
    let a = ndarray::Array1::from_elem(64, 0.5f64);
    let f = ndarray::Array1::from_elem(64, 0.5f32);
    let vars = Vars::new().with("a", &a).with("f", &f);
    let mut out = Vec::new();
    for opts in option_sets() {
        for (k, src) in transcendental_kernels(&opts) {
            let (_, imported) = object_code(&k, &vars, triple, "nx_case")
                .unwrap_or_else(|e| panic!("{src} for {triple}: {e}"));
            out.push((format!("{src} ({:?})", opts.cpu), imported));
        }
    }
    out
}

/// What only an x86-64 CPU with AVX2 or AVX-512, or libmvec, provides.
fn wide_or_libmvec(symbol: &str) -> bool {
    symbol.contains("_avx") || symbol.starts_with("_ZGV") || symbol.starts_with("nx_mvec")
}

#[test]
fn aarch64_objects_call_no_x86_math() {
    for (case, imported) in imports(AARCH64) {
        assert!(
            !imported.iter().any(|s| wide_or_libmvec(s)),
            "{case} imports {imported:?}"
        );
        assert!(
            imported.iter().any(|s| s.starts_with("nx_")),
            "{case}: transcendentals per lane expected, imports {imported:?}"
        );
    }
}

#[test]
fn baseline_x86_64_objects_call_no_avx_math() {
    // This host may have AVX-512; the target ISA (no AVX2 flags) decides.
    for (case, imported) in imports(X86_64) {
        assert!(
            !imported.iter().any(|s| wide_or_libmvec(s)),
            "{case} imports {imported:?}"
        );
    }
}

#[test]
fn riscv64_without_v_compiles_the_scalar_loop() {
    let a = ndarray::Array1::from_elem(64, 0.5f64);
    let i = ndarray::Array1::from_elem(64, 3i64);
    let z = ndarray::Array1::from_elem(64, num_complex::Complex64::new(0.1, 0.2));
    let m = ndarray::arr0(20i64);
    let vars = Vars::new()
        .with("a", &a)
        .with("i", &i)
        .with("z", &z)
        .with("maxi", &m);
    let escape = "output escape\nz2 = 0j\nescape = maxi\nfor k in range(1, maxi):\n    z2 = z2*z2 + z\n    if real(z2)**2 + imag(z2)**2 > 4:\n        escape = k\n        break\n";
    let t = Target::Cpu { threads: 1 };
    for opts in option_sets() {
        let mut kernels: Vec<Kernel> = [
            "2*a + 3*a",
            "sin(a) + i",
            "i // (i - 1)",
            "where(a > 0.5, a, i)",
            "z*z + z",
        ]
        .into_iter()
        .map(|src| expr(src, &opts))
        .collect();
        kernels.push(
            Program::parse(escape)
                .unwrap()
                .compile_with(t, &opts)
                .unwrap(),
        );
        for k in &kernels {
            let (bytes, _) = object_code(k, &vars, RISCV64, "nx_case")
                .unwrap_or_else(|e| panic!("riscv64 ({:?}): {e}", opts.cpu));
            assert!(bytes.starts_with(b"\x7fELF"), "not an ELF object");
        }
    }
}
