//! Random programs that (mostly) type-check, and inputs for them, from fuzzer bytes.
//!
//! Each expression is built for a wanted kind of value (bool, integer, float,
//! complex) from operators and functions that accept it, so that most cases get past
//! type checking and exercise the backends; what type checking still refuses is
//! skipped by the differential target.

use arbitrary::{Result, Unstructured};
use nexpr::internals::Typing;
use nexpr::{DType, DynArray, Vars};
use num_complex::{Complex32, Complex64};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq)]
enum K {
    Bool,
    Int,
    Float,
    Complex,
}

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
    let mut names = Vec::new();
    for k in 0..u.int_in_range(1..=3usize)? {
        let name = format!("x{k}");
        let (a, kind) = input(u, len)?;
        // A strided input holds each value twice; its even elements are the input.
        strided.push(a.shape().len() == 1 && u.arbitrary::<bool>()?);
        inputs.push((name.clone(), a));
        names.push((name, kind));
    }
    for (i, s) in strided.iter().enumerate() {
        if *s {
            inputs[i].1 = doubled(&inputs[i].1);
        }
    }
    let mut g = Gen { u, names, depth: 0 };
    let is_expr = g.u.ratio(1, 4)?;
    let source = if is_expr {
        g.reduction()?
    } else {
        g.program()?
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
fn input(u: &mut Unstructured, len: usize) -> Result<(DynArray, K)> {
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
        0 => (arr!(u.arbitrary::<bool>()), K::Bool),
        1 => (arr!(small_int(u).map(|x| x as i32)), K::Int),
        2 => (arr!(small_int(u)), K::Int),
        3 => (arr!(float(u).map(|x| x as f32)), K::Float),
        4 => (arr!(float(u)), K::Float),
        5 => (
            arr!(Ok(Complex32::new(float(u)? as f32, float(u)? as f32))),
            K::Complex,
        ),
        _ => (arr!(Ok(Complex64::new(float(u)?, float(u)?))), K::Complex),
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

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    /// Names that may be read, with their kind.
    names: Vec<(String, K)>,
    depth: u32,
}

/// The builtins of `arity` arguments that accept (or refuse) complex operands.
fn builtins(arity: usize, complex: bool) -> Vec<&'static str> {
    let rows = nexpr::internals::BUILTINS.iter();
    rows.filter(|f| f.arity() == arity && f.accepts(DType::C128) == complex)
        .map(|f| f.name)
        .collect()
}

/// One-argument functions of any operand.
fn unary_any() -> Vec<&'static str> {
    let mut v = builtins(1, true);
    v.extend(["copy", "ones_like"]);
    v
}

/// One-argument functions of real operands.
fn unary_real() -> Vec<&'static str> {
    builtins(1, false)
}

/// Two-argument functions of real operands, with a real result.
fn binary_real() -> Vec<&'static str> {
    let rows = nexpr::internals::BUILTINS.iter();
    rows.filter(|f| f.arity() == 2 && f.typing != Typing::MakeComplex)
        .map(|f| f.name)
        .collect()
}

const CASTS: &[&str] = &[
    "bool",
    "int32",
    "int64",
    "float32",
    "float64",
    "complex64",
    "complex128",
];

impl Gen<'_, '_> {
    fn pick<'s>(&mut self, xs: &[&'s str]) -> Result<&'s str> {
        Ok(xs[self.u.choose_index(xs.len())?])
    }

    fn kind(&mut self) -> Result<K> {
        Ok(*self.u.choose(&[K::Bool, K::Int, K::Float, K::Complex])?)
    }

    /// An expression, ideally of kind `want`.
    fn expr(&mut self, want: K) -> Result<String> {
        self.depth += 1;
        let leaf = self.depth > 4 || self.u.ratio(1, 3)?;
        let r = if leaf {
            self.leaf(want)
        } else {
            self.node(want)
        };
        self.depth -= 1;
        r
    }

    fn leaf(&mut self, want: K) -> Result<String> {
        let fitting: Vec<String> = (self.names.iter())
            .filter(|(_, k)| *k == want)
            .map(|(n, _)| n.clone())
            .collect();
        if !fitting.is_empty() && self.u.ratio(2, 3)? {
            return Ok(fitting[self.u.choose_index(fitting.len())?].clone());
        }
        self.literal(want)
    }

    fn literal(&mut self, want: K) -> Result<String> {
        Ok(match want {
            K::Bool => self.pick(&["True", "False"])?.to_string(),
            K::Int => self
                .pick(&[
                    "0",
                    "1",
                    "2",
                    "3",
                    "-1",
                    "7",
                    "64",
                    "3000000000",
                    "2**63",
                    "-2**31",
                ])?
                .to_string(),
            K::Float => self
                .pick(&["0.5", "-0.0", "1e300", "1e400", "2.5", "1e-310", "3.0"])?
                .to_string(),
            K::Complex => self
                .pick(&["1j", "(0.5-2j)", "(1e300+1e300j)", "0j"])?
                .to_string(),
        })
    }

    fn node(&mut self, want: K) -> Result<String> {
        match self.u.int_in_range(0..=9u8)? {
            0 => {
                let c = self.expr(K::Bool)?;
                let x = self.expr(want)?;
                let y = self.expr(want)?;
                Ok(format!("where({c}, {x}, {y})"))
            }
            1 => {
                let k = self.kind()?;
                let x = self.expr(k)?;
                let f = self.pick(CASTS)?;
                Ok(format!("{f}({x})"))
            }
            2 if want != K::Complex => {
                let x = self.expr(want)?;
                let f = self.pick(&unary_real())?;
                Ok(format!("{f}({x})"))
            }
            3 => {
                let x = self.expr(want)?;
                let f = self.pick(&unary_any())?;
                Ok(format!("{f}({x})"))
            }
            4 if want != K::Complex => {
                let x = self.expr(want)?;
                let y = self.expr(want)?;
                let f = self.pick(&binary_real())?;
                Ok(format!("{f}({x}, {y})"))
            }
            5 => {
                let k = self.kind()?;
                let (x, y) = (self.expr(k)?, self.expr(k)?);
                let op = self.pick(&["<", "<=", "==", "!=", ">=", ">"])?;
                Ok(format!("({x} {op} {y})"))
            }
            6 if matches!(want, K::Bool | K::Int) => {
                let (x, y) = (self.expr(want)?, self.expr(want)?);
                let op = self.pick(&["&", "|", "^", "<<", ">>"])?;
                Ok(format!("({x} {op} {y})"))
            }
            7 if want != K::Bool => {
                let x = self.expr(want)?;
                let op = self.pick(&["-", "+"])?;
                Ok(format!("({op}{x})"))
            }
            8 if matches!(want, K::Bool | K::Int) => Ok(format!("(~{})", self.expr(want)?)),
            _ => {
                let (x, y) = (self.expr(want)?, self.expr(want)?);
                let ops: &[&str] = match want {
                    K::Complex => &["+", "-", "*", "/", "**"],
                    _ => &["+", "-", "*", "/", "//", "%", "**"],
                };
                let op = self.pick(ops)?;
                Ok(format!("({x} {op} {y})"))
            }
        }
    }

    /// `sum(expr)`, `prod(...)`, `min(...)` or `max(...)`, or a plain expression.
    fn reduction(&mut self) -> Result<String> {
        let k = self.kind()?;
        let e = self.expr(k)?;
        let f = self.pick(&["sum", "prod", "min", "max", ""])?;
        Ok(if f.is_empty() { e } else { format!("{f}({e})") })
    }

    /// A program: outputs assigned first, then statements that may nest (`if`, `for`
    /// with a small range, `break`).
    fn program(&mut self) -> Result<String> {
        let mut src = String::from("output r0, r1\n");
        for r in ["r0", "r1"] {
            let k = self.kind()?;
            let e = self.expr(k)?;
            src += &format!("{r} = {e}\n");
            self.names.push((r.to_string(), k));
        }
        self.block(&mut src, 0, false)?;
        Ok(src)
    }

    fn block(&mut self, src: &mut String, indent: usize, in_loop: bool) -> Result<()> {
        let pad = " ".repeat(indent);
        for _ in 0..self.u.int_in_range(1..=4u8)? {
            match self.u.int_in_range(0..=9u8)? {
                0 | 1 if indent < 8 => {
                    let c = self.expr(K::Bool)?;
                    *src += &format!("{pad}if {c}:\n");
                    self.block(src, indent + 4, in_loop)?;
                    if self.u.arbitrary::<bool>()? {
                        *src += &format!("{pad}else:\n");
                        self.block(src, indent + 4, in_loop)?;
                    }
                }
                2 if indent < 8 => {
                    let var = format!("i{indent}");
                    let n = self.u.int_in_range(0..=6u8)?;
                    *src += &format!("{pad}for {var} in range({n}):\n");
                    self.names.push((var, K::Int));
                    self.block(src, indent + 4, true)?;
                    self.names.pop();
                }
                3 if in_loop => *src += &format!("{pad}break\n"),
                _ => {
                    // Assign to an output or a fresh local; an output keeps its kind
                    // mostly, so that locals do not all end up complex.
                    let out = self.u.choose_index(self.names.len())?;
                    let (target, k) = self.names[out].clone();
                    let keep = target.starts_with('r') || target.starts_with('t');
                    let (target, k) = match keep && self.u.ratio(3, 4)? {
                        true => (target, k),
                        false => (format!("t{}", self.names.len()), self.kind()?),
                    };
                    let e = self.expr(k)?;
                    let op = if self.u.ratio(1, 5)? && keep {
                        "+="
                    } else {
                        "="
                    };
                    *src += &format!("{pad}{target} {op} {e}\n");
                    // A local assigned at the top level may be read from now on.
                    if indent == 0 && !self.names.iter().any(|(n, _)| n == &target) {
                        self.names.push((target, k));
                    }
                }
            }
        }
        Ok(())
    }
}
