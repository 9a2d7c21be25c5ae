//! Prints an array as NumPy 2's `repr` does (default print options: `precision=8`,
//! `floatmode='maxprec'`, `linewidth=75`, `threshold=1000`, `edgeitems=3`), following
//! `numpy/_core/arrayprint.py`: per-element shortest round-trip digits (of the
//! element's own type, so float32 prints float32 digits) capped at 8 fractional digits,
//! positional or (when the magnitudes call for it) scientific notation chosen for the
//! whole array, columns padded alike, rows wrapped at 75 columns, summaries of arrays
//! over 1000 elements with three items at each end of every axis, and the `shape=` and
//! `dtype=` extras where NumPy adds them. `tests/it/io_repr.rs` checks it against NumPy.

use crate::array::DynArray;
use crate::dtype::DType;

const THRESHOLD: usize = 1000;
const EDGE: usize = 3;
const LINEWIDTH: usize = 75;
const PRECISION: usize = 8;

/// The text NumPy 2 prints for `repr(a)` of the same array, with NumPy's default
/// print options: what the `nexpr` command prints, and what the Python package's
/// tests compare against.
///
/// ```
/// let a = nexpr::DynArray::from(ndarray::arr1(&[1.5f64, -2.0, 0.25]).into_dyn());
/// assert_eq!(nexpr::repr(&a), "array([ 1.5 , -2.  ,  0.25])");
/// let b = nexpr::DynArray::from(ndarray::arr1(&[1i32, 20]).into_dyn());
/// assert_eq!(nexpr::repr(&b), "array([ 1, 20], dtype=int32)");
/// ```
pub fn repr(a: &DynArray) -> String {
    let shape = a.shape().to_vec();
    let size: usize = shape.iter().product();
    let prefix = "array(";
    let lst = if size == 0 {
        "[]".to_string()
    } else {
        let summarize = size > THRESHOLD;
        let fmt = Formatter::new(a, &corner_indices(&shape, summarize), shape.is_empty());
        let next_line_prefix = " ".repeat(1 + prefix.len());
        format_array(
            &shape,
            &|i| fmt.format(a, i),
            LINEWIDTH - 1,
            &next_line_prefix,
            summarize,
        )
    };
    let mut extras = Vec::new();
    if (size == 0 && shape != [0]) || size > THRESHOLD {
        extras.push(format!("shape={}", py_tuple(&shape)));
    }
    let implied = matches!(
        a.dtype(),
        DType::Bool | DType::I64 | DType::F64 | DType::C128
    );
    if !implied || size == 0 {
        extras.push(format!("dtype={}", a.dtype()));
    }
    if extras.is_empty() {
        return format!("{prefix}{lst})");
    }
    let arr_str = format!("{prefix}{lst},");
    let extra = format!("{})", extras.join(", "));
    let last_line = arr_str.len() - arr_str.rfind('\n').map_or(0, |i| i + 1);
    let spacer = if last_line + extra.len() + 1 > LINEWIDTH {
        format!("\n{}", " ".repeat(prefix.len()))
    } else {
        " ".to_string()
    };
    format!("{arr_str}{spacer}{extra}")
}

fn py_tuple(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The flat (C-order) indices of the elements a summary shows: the first and last
/// `EDGE` along every axis longer than `2 * EDGE` (all of them without a summary).
fn corner_indices(shape: &[usize], summarize: bool) -> Vec<usize> {
    let mut out = vec![0usize];
    for &n in shape {
        let keep: Vec<usize> = if summarize && n > 2 * EDGE {
            (0..EDGE).chain(n - EDGE..n).collect()
        } else {
            (0..n).collect()
        };
        out = out
            .iter()
            .flat_map(|&base| keep.iter().map(move |&k| base * n + k))
            .collect();
    }
    out
}

/// `_formatArray`: nested brackets, rows wrapped at `line_width`, summaries.
fn format_array(
    shape: &[usize],
    elem: &dyn Fn(usize) -> String,
    line_width: usize,
    next_line_prefix: &str,
    summarize: bool,
) -> String {
    if shape.is_empty() {
        return elem(0);
    }
    recurse(
        shape,
        elem,
        summarize,
        0,
        0,
        next_line_prefix,
        line_width as isize,
    )
}

fn recurse(
    shape: &[usize],
    elem: &dyn Fn(usize) -> String,
    summarize: bool,
    axis: usize,
    base: usize,
    hanging: &str,
    width: isize,
) -> String {
    let axes_left = shape.len() - axis;
    if axes_left == 0 {
        return elem(base);
    }
    let next_hanging = format!("{hanging} ");
    let next_width = width - 1;
    let n = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let show_summary = summarize && 2 * EDGE < n;
    let (leading, trailing) = if show_summary { (EDGE, EDGE) } else { (0, n) };
    let child = |i: usize| {
        recurse(
            shape,
            elem,
            summarize,
            axis + 1,
            base + i * stride,
            &next_hanging,
            next_width,
        )
    };
    let mut s = String::new();
    if axes_left == 1 {
        let elem_width = width - 1; // max(len(','), len(']'))
        let mut line = hanging.to_string();
        for i in 0..leading {
            extend_line_pretty(&mut s, &mut line, &child(i), elem_width, hanging);
            line.push_str(", ");
        }
        if show_summary {
            extend_line(&mut s, &mut line, "...", elem_width, hanging);
            line.push_str(", ");
        }
        for i in (2..=trailing).rev() {
            extend_line_pretty(&mut s, &mut line, &child(n - i), elem_width, hanging);
            line.push_str(", ");
        }
        extend_line_pretty(&mut s, &mut line, &child(n - 1), elem_width, hanging);
        s.push_str(&line);
    } else {
        let line_sep = format!(",{}", "\n".repeat(axes_left - 1));
        for i in 0..leading {
            s.push_str(hanging);
            s.push_str(&child(i));
            s.push_str(&line_sep);
        }
        if show_summary {
            s.push_str(hanging);
            s.push_str("...");
            s.push_str(&line_sep);
        }
        for i in (2..=trailing).rev() {
            s.push_str(hanging);
            s.push_str(&child(n - i));
            s.push_str(&line_sep);
        }
        s.push_str(hanging);
        s.push_str(&child(n - 1));
    }
    format!("[{}]", &s[hanging.len()..])
}

fn extend_line(s: &mut String, line: &mut String, word: &str, width: isize, prefix: &str) {
    let mut wrap = (line.len() + word.len()) as isize > width;
    if line.len() <= prefix.len() {
        wrap = false;
    }
    if wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = prefix.to_string();
    }
    line.push_str(word);
}

fn extend_line_pretty(s: &mut String, line: &mut String, word: &str, width: isize, prefix: &str) {
    let words: Vec<&str> = word.lines().collect();
    if words.len() <= 1 {
        return extend_line(s, line, word, width, prefix);
    }
    let max_len = words.iter().map(|w| w.len()).max().unwrap_or(0);
    let indent;
    if (line.len() + max_len) as isize > width && line.len() > prefix.len() {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{prefix}{}", words[0]);
        indent = prefix.to_string();
    } else {
        indent = " ".repeat(line.len());
        line.push_str(words[0]);
    }
    for w in &words[1..] {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{indent}{w}");
    }
    let pad = max_len - words[words.len() - 1].len();
    line.push_str(&" ".repeat(pad));
}

/// The per-array element formatter (`_get_format_function`).
enum Formatter {
    Bool { truestr: &'static str },
    Int { width: usize },
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
}

impl Formatter {
    fn new(a: &DynArray, idx: &[usize], zero_d: bool) -> Formatter {
        macro_rules! pick {
            ($x:expr) => {{
                let s = $x.as_standard_layout();
                let s = s.as_slice().expect("standard layout");
                idx.iter().map(|&i| s[i]).collect::<Vec<_>>()
            }};
        }
        match a {
            DynArray::Bool(_) => Formatter::Bool {
                truestr: if zero_d { "True" } else { " True" },
            },
            DynArray::I32(x) => Formatter::int(pick!(x).into_iter().map(i64::from)),
            DynArray::I64(x) => Formatter::int(pick!(x).into_iter()),
            DynArray::F32(x) => Formatter::Float(FloatFormat::new(
                &pick!(x).into_iter().map(Real::F32).collect::<Vec<_>>(),
                false,
            )),
            DynArray::F64(x) => Formatter::Float(FloatFormat::new(
                &pick!(x).into_iter().map(Real::F64).collect::<Vec<_>>(),
                false,
            )),
            DynArray::C64(x) => {
                let v = pick!(x);
                let re: Vec<Real> = v.iter().map(|c| Real::F32(c.re)).collect();
                let im: Vec<Real> = v.iter().map(|c| Real::F32(c.im)).collect();
                Formatter::Complex(FloatFormat::new(&re, false), FloatFormat::new(&im, true))
            }
            DynArray::C128(x) => {
                let v = pick!(x);
                let re: Vec<Real> = v.iter().map(|c| Real::F64(c.re)).collect();
                let im: Vec<Real> = v.iter().map(|c| Real::F64(c.im)).collect();
                Formatter::Complex(FloatFormat::new(&re, false), FloatFormat::new(&im, true))
            }
        }
    }

    fn int(vals: impl Iterator<Item = i64>) -> Formatter {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for v in vals {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        Formatter::Int {
            width: hi.to_string().len().max(lo.to_string().len()),
        }
    }

    /// Element `i` (flat, C order) of `a`.
    fn format(&self, a: &DynArray, i: usize) -> String {
        macro_rules! at {
            ($x:expr) => {{
                let s = $x.as_standard_layout();
                s.as_slice().expect("standard layout")[i]
            }};
        }
        match (self, a) {
            (Formatter::Bool { truestr }, DynArray::Bool(x)) => {
                if at!(x) { truestr } else { "False" }.to_string()
            }
            (Formatter::Int { width }, DynArray::I32(x)) => format!("{:>width$}", at!(x)),
            (Formatter::Int { width }, DynArray::I64(x)) => format!("{:>width$}", at!(x)),
            (Formatter::Float(f), DynArray::F32(x)) => f.format(Real::F32(at!(x))),
            (Formatter::Float(f), DynArray::F64(x)) => f.format(Real::F64(at!(x))),
            (Formatter::Complex(r, m), DynArray::C64(x)) => {
                let c = at!(x);
                complex(r.format(Real::F32(c.re)), m.format(Real::F32(c.im)))
            }
            (Formatter::Complex(r, m), DynArray::C128(x)) => {
                let c = at!(x);
                complex(r.format(Real::F64(c.re)), m.format(Real::F64(c.im)))
            }
            _ => unreachable!("the formatter was made for this array"),
        }
    }
}

fn complex(r: String, i: String) -> String {
    let sp = i.trim_end().len();
    format!("{r}{}j{}", &i[..sp], &i[sp..])
}

/// A float of its own type (float32 digits are float32's shortest round trip).
#[derive(Clone, Copy, Debug)]
enum Real {
    F32(f32),
    F64(f64),
}

impl Real {
    fn f64(self) -> f64 {
        match self {
            Real::F32(x) => x as f64,
            Real::F64(x) => x,
        }
    }

    /// Shortest round-trip decimal digits and the exponent of the first one
    /// (value = 0.d1d2... * 10^(exp+1)), of |x|.
    fn shortest(self) -> (Vec<u8>, i32) {
        let s = match self {
            Real::F32(x) => format!("{:e}", x.abs()),
            Real::F64(x) => format!("{:e}", x.abs()),
        };
        parse_sci(&s)
    }

    /// |x| rounded (exactly, ties to even) to `p` digits after the first.
    fn sci_digits(self, p: usize) -> (Vec<u8>, i32) {
        let s = match self {
            Real::F32(x) => format!("{:.p$e}", x.abs()),
            Real::F64(x) => format!("{:.p$e}", x.abs()),
        };
        parse_sci(&s)
    }

    /// |x| rounded to `p` digits after the decimal point, as (integer part, fraction).
    fn fixed(self, p: usize) -> (String, String) {
        let s = match self {
            Real::F32(x) => format!("{:.p$}", x.abs()),
            Real::F64(x) => format!("{:.p$}", x.abs()),
        };
        match s.split_once('.') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (s, String::new()),
        }
    }
}

fn parse_sci(s: &str) -> (Vec<u8>, i32) {
    let (m, e) = s.split_once('e').expect("scientific form");
    let digits: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
    (digits, e.parse().expect("exponent"))
}

/// `dragon4_positional` with `unique=True`: (integer part, fraction digits) of |x|, at
/// most `precision` fraction digits.
fn positional(x: Real, precision: usize) -> (String, String) {
    let (d, e) = x.shortest();
    let frac_len = (d.len() as i32 - 1 - e).max(0) as usize;
    if frac_len > precision {
        let (i, f) = x.fixed(precision);
        return (i, f.trim_end_matches('0').to_string());
    }
    let mut int = String::new();
    let mut frac = String::new();
    if e < 0 {
        int.push('0');
        frac.push_str(&"0".repeat((-e - 1) as usize));
        frac.extend(d.iter().map(|&c| c as char));
    } else {
        for k in 0..=e as usize {
            int.push(d.get(k).map_or('0', |&c| c as char));
        }
        frac.extend(d.iter().skip(e as usize + 1).map(|&c| c as char));
    }
    let frac = frac.trim_end_matches('0').to_string();
    (int, frac)
}

/// `dragon4_scientific` with `unique=True`: (first digit, fraction digits, exponent)
/// of |x|, at most `precision` fraction digits.
fn scientific(x: Real, precision: usize) -> (String, String, i32) {
    let (mut d, mut e) = x.shortest();
    if d.len() - 1 > precision {
        (d, e) = x.sci_digits(precision);
    }
    let first = (d[0] as char).to_string();
    let frac: String = d[1..].iter().map(|&c| c as char).collect();
    (first, frac.trim_end_matches('0').to_string(), e)
}

/// `FloatingFormat` for `floatmode='maxprec'`, `sign='-'` (or `'+'` for imaginary parts).
struct FloatFormat {
    exp: bool,
    precision: usize,
    min_digits: usize,
    pad_left: usize,
    pad_right: usize,
    exp_size: usize,
    plus: bool,
}

impl FloatFormat {
    fn new(data: &[Real], plus: bool) -> FloatFormat {
        let finite: Vec<Real> = data
            .iter()
            .copied()
            .filter(|x| x.f64().is_finite())
            .collect();
        let nonzero: Vec<Real> = finite.iter().copied().filter(|x| x.f64() != 0.0).collect();
        let mut exp = false;
        if !nonzero.is_empty() {
            let (cutoff, ratio_big, min_small) = match nonzero[0] {
                Real::F32(_) => {
                    let abs: Vec<f32> = nonzero.iter().map(|x| x.f64().abs() as f32).collect();
                    let max = abs.iter().copied().fold(f32::MIN, f32::max);
                    let min = abs.iter().copied().fold(f32::MAX, f32::min);
                    (max >= 1e6, max / min > 1000.0, min < 0.0001)
                }
                Real::F64(_) => {
                    let abs: Vec<f64> = nonzero.iter().map(|x| x.f64().abs()).collect();
                    let max = abs.iter().copied().fold(f64::MIN, f64::max);
                    let min = abs.iter().copied().fold(f64::MAX, f64::min);
                    (max >= 1e8, max / min > 1000.0, min < 0.0001)
                }
            };
            exp = cutoff || min_small || ratio_big;
        }
        let sign_len = |x: Real| usize::from(x.f64().is_sign_negative() || plus);
        let mut f = FloatFormat {
            exp,
            precision: PRECISION,
            min_digits: 0,
            pad_left: 0,
            pad_right: 0,
            exp_size: 0,
            plus,
        };
        if finite.is_empty() {
            // pad_left = pad_right = 0
        } else if exp {
            let parts: Vec<(String, String, i32)> =
                finite.iter().map(|&x| scientific(x, PRECISION)).collect();
            f.exp_size = parts
                .iter()
                .map(|p| p.2.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap_or(2);
            f.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            f.min_digits = f.precision;
            f.pad_left = finite
                .iter()
                .zip(&parts)
                .map(|(&x, p)| sign_len(x) + p.0.len())
                .max()
                .unwrap_or(0);
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            let parts: Vec<(String, String)> =
                finite.iter().map(|&x| positional(x, PRECISION)).collect();
            f.pad_left = finite
                .iter()
                .zip(&parts)
                .map(|(&x, p)| sign_len(x) + p.0.len())
                .max()
                .unwrap_or(0);
            f.pad_right = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
        }
        if finite.len() != data.len() {
            let neginf = plus || data.iter().any(|x| x.f64().is_infinite() && x.f64() < 0.0);
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + usize::from(neginf)).saturating_sub(offset));
        }
        f
    }

    fn format(&self, x: Real) -> String {
        let v = x.f64();
        let sign = if v.is_sign_negative() && !v.is_nan() {
            "-"
        } else if self.plus {
            "+"
        } else {
            ""
        };
        if !v.is_finite() {
            let ret = if v.is_nan() {
                format!("{}nan", if self.plus { "+" } else { "" })
            } else {
                format!("{sign}inf")
            };
            let w = self.pad_left + self.pad_right + 1;
            return format!("{ret:>w$}");
        }
        if self.exp {
            let (mut first, mut frac, mut e) = scientific(x, self.precision);
            if frac.len() < self.min_digits {
                // Dragon4 goes on past the shortest digits with the exact value's.
                let (d, e2) = x.sci_digits(self.min_digits);
                first = (d[0] as char).to_string();
                frac = d[1..].iter().map(|&c| c as char).collect();
                e = e2;
            }
            let int = format!("{sign}{first}");
            let es = if e < 0 { '-' } else { '+' };
            let ed = format!("{:0w$}", e.unsigned_abs(), w = self.exp_size);
            format!("{int:>pl$}.{frac}e{es}{ed}", pl = self.pad_left)
        } else {
            let (int, frac) = positional(x, self.precision);
            let int = format!("{sign}{int}");
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, arr2};

    #[test]
    fn looks_like_numpy() {
        assert_eq!(
            repr(&DynArray::F64(arr1(&[1.0, 2.5, -3.0]).into_dyn())),
            "array([ 1. ,  2.5, -3. ])"
        );
        assert_eq!(
            repr(&DynArray::I32(arr2(&[[1, 2], [3, 40]]).into_dyn())),
            "array([[ 1,  2],\n       [ 3, 40]], dtype=int32)"
        );
        let big = DynArray::I64(ndarray::Array1::from_iter(0..2000i64).into_dyn());
        assert_eq!(
            repr(&big),
            "array([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,))"
        );
        assert_eq!(
            repr(&DynArray::F32(arr1(&[0.1f32, 1.0 / 3.0]).into_dyn())),
            "array([0.1       , 0.33333334], dtype=float32)"
        );
    }
}
