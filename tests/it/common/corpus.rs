//! Test inputs: the NumPy fixture corpus (`tests/fixtures/numpy_cases.json`, written by
//! `tests/fixtures/gen_numpy_fixtures.py`) read exactly, arrays built in any layout,
//! random expressions over random inputs, and a corpus of programs.

use super::gen::config;
use super::Rng;
use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder, Slice};
use nexpr::internals::Scalar;
use nexpr::{DType, DynArray, Vars};
use nexpr_gen::{Config, Literals};
use num_complex::{Complex32, Complex64};
use serde_json::Value;
use std::fmt::Debug;
use std::sync::OnceLock;

/// The fixture corpus, parsed once per test run (float literals read exactly: see
/// [`quote_floats`]).
pub fn fixtures() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/numpy_cases.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!("cannot read {path}: {e} (run tests/fixtures/gen_numpy_fixtures.py)")
        });
        serde_json::from_str(&quote_floats(&text)).expect("fixture JSON")
    })
}

/// serde_json (without its `float_roundtrip` feature, which this crate does not enable)
/// may parse a float literal 1 ulp off. The fixtures need exact values, so before parsing,
/// every float literal outside strings becomes the string `"~<literal>"`, which
/// [`float_of`] parses with Rust's correctly rounded `str::parse`. Integers stay numbers.
pub fn quote_floats(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str(&text[start..i.min(b.len())]);
        } else if b[i] == b'-' || b[i].is_ascii_digit() {
            while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            let tok = &text[start..i];
            if tok.contains(['.', 'e', 'E']) {
                out.push_str("\"~");
                out.push_str(tok);
                out.push('"');
            } else {
                out.push_str(tok);
            }
        } else {
            while i < b.len() && b[i] != b'"' && b[i] != b'-' && !b[i].is_ascii_digit() {
                i += 1;
            }
            out.push_str(&text[start..i]);
        }
    }
    out
}

/// A float of the corpus: a number, `"nan"`, `"inf"`, `"-inf"`, or `"~<literal>"`.
pub fn float_of(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            s => s
                .strip_prefix('~')
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("bad float {s:?}")),
        },
        Value::Number(n) => n.as_f64().expect("float"),
        other => panic!("bad float {other}"),
    }
}

pub fn f32_of(v: &Value) -> f32 {
    let x = float_of(v);
    let y = x as f32;
    assert!(x.is_nan() || y as f64 == x, "{x} is not a float32 value");
    y
}

pub fn bool_of(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| panic!("bad bool {v}"))
}

pub fn i64_of(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("bad int64 {v}"))
}

pub fn i32_of(v: &Value) -> i32 {
    i32::try_from(i64_of(v)).unwrap_or_else(|_| panic!("bad int32 {v}"))
}

fn pair(v: &Value) -> (f64, f64) {
    match v.as_array().map(Vec::as_slice) {
        Some([re, im]) => (float_of(re), float_of(im)),
        _ => panic!("bad complex {v}"),
    }
}

pub fn c64_of(v: &Value) -> Complex32 {
    let (re, im) = pair(v);
    Complex32::new(re as f32, im as f32)
}

pub fn c128_of(v: &Value) -> Complex64 {
    let (re, im) = pair(v);
    Complex64::new(re, im)
}

/// The shape of a corpus array.
pub fn shape_of(spec: &Value) -> Vec<usize> {
    spec["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dimension") as usize)
        .collect()
}

/// The nexpr dtype name of a NumPy result dtype: nexpr has no float16 and no int8, and
/// computes those in float32 and int32 (the table of deliberate differences in `docs/language.md`).
pub fn nexpr_dtype_name(numpy: &str) -> &str {
    match numpy {
        "float16" => "float32",
        "int8" => "int32",
        other => other,
    }
}

/// An input array, built in the layout a case asks for.
pub struct Input {
    pub name: String,
    /// The array itself ("C", "F", "0d"), or for "strided" the C array twice as long
    /// along the last axis whose every 2nd element is the input.
    pub array: DynArray,
    pub strided: bool,
}

impl Input {
    /// An input of the corpus: `{dtype, shape, layout, data}`.
    pub fn from_json(name: &str, spec: &Value) -> Input {
        let dtype = spec["dtype"].as_str().expect("input dtype");
        let shape = shape_of(spec);
        let layout = spec["layout"].as_str().expect("input layout");
        let data = spec["data"].as_array().expect("input data");
        let (array, strided) = match dtype {
            "bool" => build(
                &shape,
                layout,
                data.iter().map(bool_of).collect(),
                true,
                DynArray::Bool,
            ),
            "int32" => build(
                &shape,
                layout,
                data.iter().map(i32_of).collect(),
                -777,
                DynArray::I32,
            ),
            "int64" => build(
                &shape,
                layout,
                data.iter().map(i64_of).collect(),
                -777,
                DynArray::I64,
            ),
            "float32" => build(
                &shape,
                layout,
                data.iter().map(f32_of).collect(),
                -777.0,
                DynArray::F32,
            ),
            "float64" => build(
                &shape,
                layout,
                data.iter().map(float_of).collect(),
                -777.0,
                DynArray::F64,
            ),
            "complex64" => build(
                &shape,
                layout,
                data.iter().map(c64_of).collect(),
                Complex32::new(-777.0, 7.0),
                DynArray::C64,
            ),
            "complex128" => build(
                &shape,
                layout,
                data.iter().map(c128_of).collect(),
                Complex64::new(-777.0, 7.0),
                DynArray::C128,
            ),
            other => panic!("unknown input dtype {other}"),
        };
        Input {
            name: name.to_string(),
            array,
            strided,
        }
    }

    /// An input of `dtype` holding `vals` (C order) in `layout`.
    pub fn of_scalars(
        name: &str,
        dtype: DType,
        shape: &[usize],
        layout: &str,
        vals: &[Scalar],
    ) -> Input {
        let (array, strided) = build_scalars(dtype, shape, layout, vals);
        Input {
            name: name.to_string(),
            array,
            strided,
        }
    }

    /// Binds the input in `vars`: the array itself, or the strided view of the backing
    /// array.
    pub fn bind<'a>(&'a self, vars: &mut Vars<'a>) {
        if !self.strided {
            vars.insert(&self.name, &self.array);
            return;
        }
        match &self.array {
            DynArray::Bool(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::I32(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::I64(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::F32(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::F64(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::C64(a) => vars.insert(&self.name, every_other_last(a)),
            DynArray::C128(a) => vars.insert(&self.name, every_other_last(a)),
        };
    }
}

/// Variables binding each of `inputs`.
pub fn vars_of(inputs: &[Input]) -> Vars<'_> {
    let mut vars = Vars::new();
    for i in inputs {
        i.bind(&mut vars);
    }
    vars
}

/// The view taking every 2nd element along the last axis.
pub fn every_other_last<T>(a: &ArrayD<T>) -> ArrayViewD<'_, T> {
    let last = a.ndim() - 1;
    a.slice_each_axis(|ax| {
        if ax.axis.index() == last {
            Slice::new(0, None, 2)
        } else {
            Slice::from(..)
        }
    })
}

/// Builds an array with C-order logical `data` in `layout` ("C", "0d", "F",
/// "strided"); returns it (or, for "strided", its backing array) and whether it is the
/// strided backing. `junk` fills the gaps of the backing array. Each layout is checked
/// to hold the same logical values as `data`.
pub fn build<T: Copy + Debug>(
    shape: &[usize],
    layout: &str,
    data: Vec<T>,
    junk: T,
    wrap: fn(ArrayD<T>) -> DynArray,
) -> (DynArray, bool) {
    let n: usize = shape.iter().product();
    assert_eq!(data.len(), n, "data length does not match shape {shape:?}");
    let c = ArrayD::from_shape_vec(IxDyn(shape), data.clone()).expect("C-order input");
    let same = |it: &mut dyn Iterator<Item = &T>| {
        format!("{:?}", it.collect::<Vec<_>>()) == format!("{data:?}")
    };
    match layout {
        "C" | "0d" => (wrap(c), false),
        "F" => {
            // Column-major order of `c` is the row-major order of its transpose.
            let fdata: Vec<T> = c.t().iter().copied().collect();
            let f = ArrayD::from_shape_vec(IxDyn(shape).f(), fdata).expect("F-order input");
            assert!(
                f.ndim() < 2 || f.t().is_standard_layout(),
                "not Fortran order"
            );
            assert!(same(&mut f.iter()), "F-order input changed its values");
            (wrap(f), false)
        }
        "strided" => {
            assert!(!shape.is_empty(), "strided 0-d input");
            let last = shape[shape.len() - 1];
            let mut big_shape = shape.to_vec();
            *big_shape.last_mut().unwrap() = 2 * last;
            let mut big_data = Vec::with_capacity(2 * n);
            if last > 0 {
                for row in data.chunks(last) {
                    for &v in row {
                        big_data.push(v);
                        big_data.push(junk);
                    }
                }
            }
            let big = ArrayD::from_shape_vec(IxDyn(&big_shape), big_data).expect("strided backing");
            {
                let v = every_other_last(&big);
                assert_eq!(v.shape(), shape, "strided view shape");
                assert!(
                    v.ndim() == 0 || v.len() <= 1 || !v.is_standard_layout(),
                    "view not strided"
                );
                assert!(same(&mut v.iter()), "strided input changed its values");
            }
            (wrap(big), true)
        }
        other => panic!("unknown layout {other}"),
    }
}

/// [`build`] from scalars of `dtype`.
pub fn build_scalars(
    dtype: DType,
    shape: &[usize],
    layout: &str,
    vals: &[Scalar],
) -> (DynArray, bool) {
    macro_rules! typed {
        ($var:ident, $junk:expr) => {{
            let data = vals
                .iter()
                .map(|s| match s.cast(dtype) {
                    Scalar::$var(x) => x,
                    _ => unreachable!(),
                })
                .collect();
            build(shape, layout, data, $junk, DynArray::$var)
        }};
    }
    match dtype {
        DType::Bool => typed!(Bool, true),
        DType::I32 => typed!(I32, -777),
        DType::I64 => typed!(I64, -777),
        DType::F32 => typed!(F32, -777.0),
        DType::F64 => typed!(F64, -777.0),
        DType::C64 => typed!(C64, Complex32::new(-7.0, 7.0)),
        DType::C128 => typed!(C128, Complex64::new(-7.0, 7.0)),
    }
}

/// One case: an expression, its inputs and, where the corpus records a result of a
/// dtype nexpr carries, what NumPy gave.
pub struct Case {
    pub id: u64,
    pub numpy: Option<DynArray>,
    pub group: String,
    pub expr: String,
    pub inputs: Vec<Input>,
}

impl Case {
    pub fn vars(&self) -> Vars<'_> {
        vars_of(&self.inputs)
    }
}

/// Every case of the fixture corpus whose inputs nexpr carries.
pub fn fixture_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for case in fixtures()["cases"].as_array().expect("cases") {
        let specs = case["inputs"].as_object().expect("inputs");
        if specs
            .values()
            .any(|s| s["dtype"].as_str().and_then(DType::from_name).is_none())
        {
            continue;
        }
        let inputs = specs.iter().map(|(n, s)| Input::from_json(n, s)).collect();
        let result = &case["result"];
        let numpy = result["dtype"]
            .as_str()
            .and_then(|d| DType::from_name(nexpr_dtype_name(d)))
            .map(|d| {
                let spec = serde_json::json!({
                    "dtype": d.name(), "shape": result["shape"], "layout": "C", "data": result["data"],
                });
                Input::from_json("", &spec).array
            });
        out.push(Case {
            id: case["id"].as_u64().unwrap_or(0),
            numpy,
            group: case["group"].as_str().unwrap_or("").to_string(),
            expr: case["expr"].as_str().unwrap_or("").to_string(),
            inputs,
        });
    }
    out
}

/// The names of the inputs of random expressions.
pub const NAMES: [&str; 3] = ["a", "b", "c"];

/// A random expression of the language generator over inputs `a`, `b`, `c` of
/// `dtypes`, at most `depth` deep, with small literals (the inputs' values are small),
/// that reads at least one input (an expression of constants only is folded whole and
/// has no kernel to compare).
pub fn gen_expr(r: &mut Rng, depth: usize, dtypes: [DType; 3]) -> String {
    let cfg = Config {
        max_depth: depth,
        literals: Literals::Tame,
        ..config(NAMES.into_iter().zip(dtypes))
    };
    loop {
        let e = nexpr_gen::expression(&cfg, &mut *r);
        if e.has_name() {
            return e.to_string();
        }
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
    let mut r = Rng::new(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|_| {
            let dtypes = [(); 3].map(|_| *r.pick(&DType::ALL));
            let src = gen_expr(&mut r, 3, dtypes);
            let inputs = (NAMES.iter().zip(dtypes))
                .map(|(name, d)| {
                    let (shape, layout) = *r.pick(SHAPES);
                    let n: usize = shape.iter().product();
                    let vals: Vec<Scalar> = (0..n).map(|_| r.value(d)).collect();
                    Input::of_scalars(name, d, shape, layout, &vals)
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

/// Programs (loops, ifs, breaks, several outputs) with the dtypes of their inputs:
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

#[test]
fn quote_floats_and_layouts() {
    let q =
        quote_floats(r#"{"expr":"a + 1.5e3","d":[1.0,-2,3e-5,"nan",-0.0,[0.1,2]],"x":"\"1.5\""}"#);
    assert_eq!(
        q,
        r#"{"expr":"a + 1.5e3","d":["~1.0",-2,"~3e-5","nan","~-0.0",["~0.1",2]],"x":"\"1.5\""}"#
    );
    let v: Value = serde_json::from_str(&q).unwrap();
    assert_eq!(float_of(&v["d"][0]), 1.0);
    assert_eq!(i64_of(&v["d"][1]), -2);
    assert!(float_of(&v["d"][3]).is_nan());
    assert!(float_of(&v["d"][4]).is_sign_negative());
    // 0.1 + 0.2's exact repr needs a correctly rounded parse.
    assert_eq!(
        float_of(&Value::String("~0.30000000000000004".into())),
        0.1 + 0.2
    );
    let data: Vec<i32> = (0..6).collect();
    for layout in ["C", "F", "strided"] {
        let (a, strided) = build(&[2, 3], layout, data.clone(), -1, DynArray::I32);
        let DynArray::I32(a) = a else { unreachable!() };
        let logical: Vec<i32> = if strided {
            every_other_last(&a).iter().copied().collect()
        } else {
            a.iter().copied().collect()
        };
        assert_eq!(logical, data, "{layout}");
    }
    let (a, _) = build(&[2, 0], "strided", Vec::<f64>::new(), 0.0, DynArray::F64);
    assert_eq!(a.shape(), &[2, 0]);
    assert_eq!(nexpr_dtype_name("float16"), "float32");
}
