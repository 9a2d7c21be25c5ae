//! What the CUDA tests share: the NumPy fixture corpus as (expression, inputs) cases, a
//! corpus of programs, and how NVRTC and a device are found.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
mod common;

use common::float_of;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use nexpr::value::Scalar;
use nexpr::{DType, DynArray, Vars};
use num_complex::{Complex32, Complex64};
use serde_json::Value;

pub struct Input {
    pub name: String,
    /// The array, or for a strided input the backing array whose every 2nd element
    /// along the last axis is the input.
    pub array: DynArray,
    pub strided: bool,
}

pub struct Case {
    pub id: u64,
    /// What NumPy gave, where the corpus records a result of a dtype nexpr carries.
    pub numpy: Option<DynArray>,
    pub group: String,
    pub expr: String,
    pub inputs: Vec<Input>,
}

impl Case {
    pub fn vars(&self) -> Vars<'_> {
        let mut vars = Vars::new();
        for i in &self.inputs {
            common::bind(&mut vars, &i.name, &i.array, i.strided);
        }
        vars
    }
}

fn scalar_of(v: &Value, d: DType) -> Scalar {
    match d {
        DType::Bool => Scalar::Bool(v.as_bool().unwrap_or(false)),
        DType::I32 => Scalar::I32(v.as_i64().unwrap_or(0) as i32),
        DType::I64 => Scalar::I64(v.as_i64().unwrap_or(0)),
        DType::F32 => Scalar::F32(float_of(v) as f32),
        DType::F64 => Scalar::F64(float_of(v)),
        DType::C64 | DType::C128 => {
            let (re, im) = match v.as_array().map(Vec::as_slice) {
                Some([re, im]) => (float_of(re), float_of(im)),
                _ => (f64::NAN, f64::NAN),
            };
            if d == DType::C64 {
                Scalar::C64(Complex32::new(re as f32, im as f32))
            } else {
                Scalar::C128(Complex64::new(re, im))
            }
        }
    }
}

macro_rules! build_typed {
    ($vals:expr, $shape:expr, $layout:expr, $var:ident, $t:ty, $junk:expr) => {{
        let data: Vec<$t> = $vals
            .iter()
            .map(|s| match s {
                Scalar::$var(x) => *x,
                _ => unreachable!(),
            })
            .collect();
        let shape: &[usize] = $shape;
        let n = data.len();
        let c = ArrayD::from_shape_vec(IxDyn(shape), data.clone()).expect("C-order input");
        match $layout {
            "F" => {
                let fdata: Vec<$t> = c.t().iter().copied().collect();
                let f = ArrayD::from_shape_vec(IxDyn(shape).f(), fdata).expect("F input");
                (DynArray::$var(f), false)
            }
            "strided" => {
                let last = shape[shape.len() - 1];
                let mut big_shape = shape.to_vec();
                *big_shape.last_mut().unwrap() = 2 * last;
                let mut big = Vec::with_capacity(2 * n);
                if last > 0 {
                    for row in data.chunks(last) {
                        for &v in row {
                            big.push(v);
                            big.push($junk);
                        }
                    }
                }
                let b = ArrayD::from_shape_vec(IxDyn(&big_shape), big).expect("backing");
                (DynArray::$var(b), true)
            }
            _ => (DynArray::$var(c), false),
        }
    }};
}

/// An array of `dtype` and `shape` holding `vals` (C order) in `layout` ("C", "F",
/// "strided", "0d").
pub fn build(dtype: DType, shape: &[usize], layout: &str, vals: &[Scalar]) -> (DynArray, bool) {
    match dtype {
        DType::Bool => build_typed!(vals, shape, layout, Bool, bool, true),
        DType::I32 => build_typed!(vals, shape, layout, I32, i32, -777),
        DType::I64 => build_typed!(vals, shape, layout, I64, i64, -777),
        DType::F32 => build_typed!(vals, shape, layout, F32, f32, -777.0),
        DType::F64 => build_typed!(vals, shape, layout, F64, f64, -777.0),
        DType::C64 => build_typed!(
            vals,
            shape,
            layout,
            C64,
            Complex32,
            Complex32::new(-7.0, 7.0)
        ),
        DType::C128 => {
            build_typed!(
                vals,
                shape,
                layout,
                C128,
                Complex64,
                Complex64::new(-7.0, 7.0)
            )
        }
    }
}

/// Every case of the NumPy fixture corpus whose inputs nexpr carries.
pub fn fixture_cases() -> Vec<Case> {
    // Relative first: a test binary copied to another checkout reads that one's corpus.
    let text = std::fs::read_to_string("tests/fixtures/numpy_cases.json")
        .or_else(|_| {
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/numpy_cases.json"
            ))
        })
        .expect("fixture corpus");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    let mut out = Vec::new();
    for case in doc["cases"].as_array().expect("cases") {
        let mut inputs = Vec::new();
        let mut ok = true;
        for (name, spec) in case["inputs"].as_object().into_iter().flatten() {
            let Some(d) = spec["dtype"].as_str().and_then(DType::from_name) else {
                ok = false;
                break;
            };
            let shape: Vec<usize> = spec["shape"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.as_u64().unwrap_or(0) as usize)
                .collect();
            let vals: Vec<Scalar> = spec["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| scalar_of(v, d))
                .collect();
            let layout = spec["layout"].as_str().unwrap_or("C");
            let (array, strided) = build(d, &shape, layout, &vals);
            inputs.push(Input {
                name: name.clone(),
                array,
                strided,
            });
        }
        if ok {
            let result = &case["result"];
            let numpy = result["dtype"]
                .as_str()
                .map(|d| match d {
                    "float16" => "float32",
                    "int8" => "int32",
                    d => d,
                })
                .and_then(DType::from_name)
                .map(|d| {
                    let shape: Vec<usize> = result["shape"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|v| v.as_u64().unwrap_or(0) as usize)
                        .collect();
                    let vals: Vec<Scalar> = result["data"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|v| scalar_of(v, d))
                        .collect();
                    build(d, &shape, "C", &vals).0
                });
            out.push(Case {
                id: case["id"].as_u64().unwrap_or(0),
                numpy,
                group: case["group"].as_str().unwrap_or("").to_string(),
                expr: case["expr"].as_str().unwrap_or("").to_string(),
                inputs,
            });
        }
    }
    out
}

/// Programs (loops, ifs, breaks, several outputs) with the dtypes of their inputs.
/// (name, source, inputs with their dtypes).
pub type ProgramCase = (&'static str, &'static str, &'static [(&'static str, DType)]);

pub const PROGRAMS: &[ProgramCase] = &[
    (
        "mandelbrot",
        "output escape\nz = 0j\nescape = maxi\nfor i in range(1, maxi):\n    z = z*z + c\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = i\n        break\n",
        &[("c", DType::C128), ("maxi", DType::I64)],
    ),
    (
        "mandelbrot_c64",
        "output escape\nz = complex(0, 0)*c\nescape = 0\nfor i in range(50):\n    z = z*z + c\n    if abs(z) > 2:\n        break\n    escape += 1\n",
        &[("c", DType::C64)],
    ),
    (
        "collatz",
        "output steps\nsteps = 0\nfor k in range(1000):\n    if x <= 1:\n        break\n    if x % 2 == 0:\n        x = x // 2\n    else:\n        x = 3*x + 1\n    steps += 1\n",
        &[("x", DType::I64)],
    ),
    (
        "two_outputs",
        "output s, m\ns = 0.0\nm = a\nfor k in range(n):\n    s += a * k\n    if s > 100:\n        m = where(m > s, m, s)\n    elif s < -100:\n        m = -s\n    else:\n        m += 1\n",
        &[("a", DType::F32), ("n", DType::I32)],
    ),
    (
        "newton_sqrt",
        "output r\nr = x\nfor k in range(30):\n    r = 0.5 * (r + x / r)\n",
        &[("x", DType::F64)],
    ),
    (
        "nested_loops",
        "output acc\nacc = 0\nfor i in range(n):\n    for j in range(i):\n        if (i * j) % 7 == 3:\n            break\n        acc += i ** 2 - j\n",
        &[("n", DType::I32)],
    ),
    (
        "bool_flags",
        "output f\nf = b\nfor k in range(3):\n    f = f ^ (x > k)\n",
        &[("b", DType::Bool), ("x", DType::F32)],
    ),
];

/// Says that the running test is skipped and why: one `skipped: <test>: <reason>` line
/// written straight to the process's stderr, so that it shows in `cargo test`'s output
/// (libtest captures only `print!`/`eprint!`, not writes to the `Stderr` handle).
pub fn skip(reason: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test");
    let _ = writeln!(std::io::stderr().lock(), "skipped: {test}: {reason}");
}

/// Whether `CI` is set to something true.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Finds NVRTC for the tests: `NEXPR_NVRTC_LIB` when set, else the wheel in the repo's
/// `.venv` (`pip install nvidia-cuda-nvrtc-cu12`), which this sets `NEXPR_NVRTC_LIB` to.
/// Returns whether NVRTC loads; where it does not, the test says it is skipped (and
/// fails under `CI=true`).
pub fn nvrtc_available() -> bool {
    nvrtc_available_quiet();
    match nexpr::backend::cuda::nvrtc::probe() {
        Ok(_) => true,
        Err(e) => {
            if in_ci() {
                panic!("CI is set and NVRTC is missing: {e}");
            }
            skip(&format!("no NVRTC ({e})"));
            false
        }
    }
}

/// Whether CUDA device 0 can run kernels (NVRTC and the driver load, a device is
/// there); where not, the test says it is skipped and why.
pub fn gpu_available() -> bool {
    nvrtc_available_quiet();
    match nexpr::backend::cuda::check_available(0) {
        Ok(()) => true,
        Err(e) => {
            skip(&format!("no CUDA device ({e})"));
            false
        }
    }
}

/// Points `NEXPR_NVRTC_LIB` at the repo's `.venv` wheel where there is one, without
/// requiring NVRTC (for tests that skip on other grounds).
pub fn nvrtc_available_quiet() {
    if std::env::var_os("NEXPR_NVRTC_LIB").is_some() {
        return;
    }
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/lib");
    if let Ok(rd) = std::fs::read_dir(venv) {
        for e in rd.flatten() {
            let dir = e.path().join("site-packages/nvidia/cuda_nvrtc/lib");
            if dir.is_dir() {
                // Before NVRTC is loaded; every test here sets the same value.
                std::env::set_var("NEXPR_NVRTC_LIB", &dir);
                return;
            }
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn value(&mut self, d: DType) -> Scalar {
        let f = (self.below(2001) as f64 - 1000.0) / 100.0;
        let g = (self.below(2001) as f64 - 1000.0) / 100.0;
        match d {
            DType::Bool => Scalar::Bool(self.below(2) == 1),
            DType::I32 => Scalar::I32(self.below(41) as i32 - 20),
            DType::I64 => Scalar::I64(self.below(41) as i64 - 20),
            DType::F32 => Scalar::F32(f as f32),
            DType::F64 => Scalar::F64(f),
            DType::C64 => Scalar::C64(num_complex::Complex32::new(f as f32, g as f32)),
            DType::C128 => Scalar::C128(Complex64::new(f, g)),
        }
    }
}

const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">",
    ">=",
];
const FUNCS1: &[&str] = &[
    "abs", "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "log", "log1p", "log10", "log2", "exp", "expm1", "conj",
    "real", "imag", "ceil", "floor", "trunc", "round", "sign", "isnan", "isfinite", "isinf", "-",
    "~",
];
const FUNCS2: &[&str] = &[
    "arctan2",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
    "fmod",
    "complex",
];

pub fn gen_expr(r: &mut Rng, depth: usize) -> String {
    if depth == 0 || r.below(4) == 0 {
        return match r.below(6) {
            0 => r.pick(&["2", "-3", "0.5", "1j", "True", "7"]).to_string(),
            _ => r.pick(&["a", "b", "c"]).to_string(),
        };
    }
    match r.below(5) {
        0 | 1 => {
            let op = r.pick(BINOPS);
            format!(
                "({} {op} {})",
                gen_expr(r, depth - 1),
                gen_expr(r, depth - 1)
            )
        }
        2 => {
            let f = r.pick(FUNCS1);
            if f.len() == 1 {
                format!("({f}{})", gen_expr(r, depth - 1))
            } else {
                format!("{f}({})", gen_expr(r, depth - 1))
            }
        }
        3 => {
            let f = r.pick(FUNCS2);
            format!(
                "{f}({}, {})",
                gen_expr(r, depth - 1),
                gen_expr(r, depth - 1)
            )
        }
        _ => format!(
            "where({}, {}, {})",
            gen_expr(r, depth - 1),
            gen_expr(r, depth - 1),
            gen_expr(r, depth - 1)
        ),
    }
}

/// Input shapes and layouts that broadcast together to (3, 4).
const SHAPES: &[(&[usize], &str)] = &[
    (&[3, 4], "C"),
    (&[3, 4], "F"),
    (&[3, 4], "strided"),
    (&[4], "C"),
    (&[3, 1], "C"),
    (&[], "C"),
    (&[1, 4], "strided"),
];

/// `count` random expressions over inputs `a`, `b`, `c` of random dtypes and layouts.
pub fn random_cases(count: usize) -> Vec<Case> {
    let mut r = Rng(0x9e3779b97f4a7c15);
    (0..count)
        .map(|_| {
            let src = gen_expr(&mut r, 3);
            let inputs = ["a", "b", "c"]
                .iter()
                .map(|name| {
                    let d = *r.pick(&DType::ALL);
                    let (shape, layout) = *r.pick(SHAPES);
                    let n: usize = shape.iter().product();
                    let vals: Vec<Scalar> = (0..n).map(|_| r.value(d)).collect();
                    let (array, strided) = build(d, shape, layout, &vals);
                    Input {
                        name: name.to_string(),
                        array,
                        strided,
                    }
                })
                .collect();
            Case {
                id: 0,
                numpy: None,
                group: String::new(),
                expr: src,
                inputs,
            }
        })
        .collect()
}
