//! Random cases of the differential target from fuzzer bytes: inputs of random dtypes
//! with edge values, and a program or a reduction over them from the language's one
//! generator (`nexpr-gen`), which builds well-typed text from the builtins table.
//! What type checking still refuses (a Python integer out of an input's range) is
//! skipped by the target.

use arbitrary::{Result, Unstructured};
use nexpr::{DynArray, Vars};
use nexpr_gen::Config;
use num_complex::{Complex32, Complex64};
use std::fmt;

/// How deep generated expressions nest.
const MAX_DEPTH: usize = 4;

/// A generated case: source text (a program, or an expression) and its inputs.
pub struct Case {
    pub source: String,
    pub is_expr: bool,
    pub inputs: Vec<(String, DynArray)>,
    /// Inputs passed as every other element of a twice-as-long array.
    pub strided: Vec<bool>,
}

impl Case {
    pub fn vars(&self) -> Vars<'_> {
        let mut v = Vars::new();
        for ((name, a), &strided) in self.inputs.iter().zip(&self.strided) {
            if strided && a.shape().len() == 1 {
                v.insert(name, strided_view(a));
            } else {
                v.insert(name, a);
            }
        }
        v
    }
}

/// The even elements of `a` (which holds each value twice).
fn strided_view(a: &DynArray) -> nexpr::DynView<'_> {
    use ndarray::s;
    macro_rules! every_other {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => nexpr::DynView::$var(x.slice(s![..;2]).into_dyn()),)*
            }
        };
    }
    every_other!(Bool, I32, I64, F32, F64, C64, C128)
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "--- source ---\n{}\n--- inputs ---", self.source)?;
        for ((name, a), s) in self.inputs.iter().zip(&self.strided) {
            writeln!(f, "{name} (strided: {s}) = {a:?}")?;
        }
        Ok(())
    }
}

/// Builds a case from the fuzzer's bytes.
pub fn case(u: &mut Unstructured) -> Result<Case> {
    let len = u.int_in_range(1..=9usize)?;
    let mut inputs = Vec::new();
    let mut strided = Vec::new();
    let mut vars = Vec::new();
    for k in 0..u.int_in_range(1..=3usize)? {
        let name = format!("x{k}");
        let a = input(u, len)?;
        // A strided input holds each value twice; its even elements are the input.
        strided.push(a.shape().len() == 1 && u.arbitrary::<bool>()?);
        vars.push((name.clone(), a.dtype()));
        inputs.push((name, a));
    }
    for (i, s) in strided.iter().enumerate() {
        if *s {
            inputs[i].1 = doubled(&inputs[i].1);
        }
    }
    let cfg = Config {
        max_depth: MAX_DEPTH,
        ..Config::new(vars)
    };
    let is_expr = u.ratio(1, 4)?;
    let source = match (is_expr, u.ratio(1, 5)?) {
        (true, true) => nexpr_gen::expression(&cfg, &mut *u).to_string(),
        (true, false) => nexpr_gen::reduction(&cfg, &mut *u).to_string(),
        (false, _) => nexpr_gen::program(&cfg, &mut *u),
    };
    Ok(Case {
        source,
        is_expr,
        inputs,
        strided,
    })
}

/// Each element of a 1-d array twice: `[a, a, b, b, ...]`.
fn doubled(a: &DynArray) -> DynArray {
    macro_rules! twice {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    let v: Vec<_> = x.iter().flat_map(|&e| [e, e]).collect();
                    DynArray::$var(ndarray::Array1::from(v).into_dyn())
                })*
            }
        };
    }
    twice!(Bool, I32, I64, F32, F64, C64, C128)
}

/// An input of `len` elements (or 0-d) of a random dtype, with arbitrary values.
fn input(u: &mut Unstructured, len: usize) -> Result<DynArray> {
    let n = if u.ratio(1, 5)? { 0 } else { len };
    let shape: &[usize] = if n == 0 { &[] } else { &[len] };
    let count = n.max(1);
    macro_rules! arr {
        ($gen:expr) => {{
            let v = (0..count).map(|_| $gen).collect::<Result<Vec<_>>>()?;
            DynArray::from(ndarray::ArrayD::from_shape_vec(shape, v).expect("shape"))
        }};
    }
    Ok(match u.int_in_range(0..=6u8)? {
        0 => arr!(u.arbitrary::<bool>()),
        1 => arr!(small_int(u).map(|x| x as i32)),
        2 => arr!(small_int(u)),
        3 => arr!(float(u).map(|x| x as f32)),
        4 => arr!(float(u)),
        5 => arr!(Ok(Complex32::new(float(u)? as f32, float(u)? as f32))),
        _ => arr!(Ok(Complex64::new(float(u)?, float(u)?))),
    })
}

/// Integers near the interesting places: small, and the extremes of each width.
fn small_int(u: &mut Unstructured) -> Result<i64> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => i32::MIN as i64,
        1 => i32::MAX as i64,
        2 => i64::MIN,
        3 => i64::MAX,
        4 => u.arbitrary()?,
        _ => u.int_in_range(-9..=9)?,
    })
}

fn float(u: &mut Unstructured) -> Result<f64> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => -0.0,
        3 => f64::from_bits(u.arbitrary()?),
        _ => u.int_in_range(-40..=40)? as f64 / 8.0,
    })
}
