//! Prints an array the way NumPy's `repr` does: nested brackets, aligned columns,
//! `...` elision past 1000 elements (three items at each end of an axis).

use crate::array::DynArray;
use crate::dtype::DType;
use crate::value::{fmt_float, Scalar};

const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

pub fn repr(a: &DynArray) -> String {
    let shape = a.shape().to_vec();
    let vals: Vec<Scalar> = scalars(a);
    let elide = vals.len() > THRESHOLD;
    let cells: Vec<String> = vals.iter().map(|&s| cell(s)).collect();
    let width = cells.iter().map(|c| c.len()).max().unwrap_or(0);
    let prefix = "array(";
    let mut body = String::new();
    if shape.is_empty() {
        body.push_str(&cells[0]);
    } else {
        nest(&cells, &shape, 0, 0, width, elide, prefix.len(), &mut body);
    }
    let show_dtype = !matches!(
        a.dtype(),
        DType::F64 | DType::I64 | DType::Bool | DType::C128
    ) || vals.is_empty();
    let mut s = format!("{prefix}{body}");
    if show_dtype {
        s.push_str(&format!(", dtype={}", a.dtype()));
    }
    s.push(')');
    s
}

fn cell(s: Scalar) -> String {
    match s {
        Scalar::F32(x) => float_cell(x as f64, Some(x)),
        Scalar::F64(x) => float_cell(x, None),
        Scalar::C64(c) => format!(
            "{}{}{}j",
            float_cell(c.re as f64, Some(c.re)),
            sign(c.im as f64),
            float_cell((c.im as f64).abs(), Some(c.im.abs()))
        ),
        Scalar::C128(c) => format!(
            "{}{}{}j",
            float_cell(c.re, None),
            sign(c.im),
            float_cell(c.im.abs(), None)
        ),
        other => other.to_string(),
    }
}

fn sign(x: f64) -> &'static str {
    if x.is_sign_negative() {
        "-"
    } else {
        "+"
    }
}

/// NumPy's default float style: up to 8 significant digits, `1.` for integral values.
fn float_cell(x: f64, f32v: Option<f32>) -> String {
    if !x.is_finite() {
        return fmt_float(x, f32v);
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:.7e}");
        let (m, e) = s.split_once('e').unwrap();
        let m = m.trim_end_matches('0');
        let m = m.to_string();
        let e: i32 = e.parse().unwrap();
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = format!("{x:.8}");
    let s = s.trim_end_matches('0');
    s.to_string()
}

#[allow(clippy::too_many_arguments)]
fn nest(
    cells: &[String],
    shape: &[usize],
    dim: usize,
    base: usize,
    width: usize,
    elide: bool,
    indent: usize,
    out: &mut String,
) {
    let n = shape[dim];
    let stride: usize = shape[dim + 1..].iter().product();
    out.push('[');
    let idx: Vec<Option<usize>> = if elide && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    };
    for (k, i) in idx.iter().enumerate() {
        if k > 0 {
            if dim + 1 == shape.len() {
                out.push_str(", ");
            } else {
                out.push(',');
                out.push_str(&"\n".repeat(shape.len() - dim - 1));
                out.push_str(&" ".repeat(indent + dim + 1));
            }
        }
        match i {
            None => out.push_str("..."),
            Some(i) if dim + 1 == shape.len() => {
                out.push_str(&format!("{:>width$}", cells[base + i]))
            }
            Some(i) => nest(
                cells,
                shape,
                dim + 1,
                base + i * stride,
                width,
                elide,
                indent,
                out,
            ),
        }
    }
    out.push(']');
}

fn scalars(a: &DynArray) -> Vec<Scalar> {
    match a {
        DynArray::Bool(x) => x.iter().map(|&v| Scalar::Bool(v)).collect(),
        DynArray::I32(x) => x.iter().map(|&v| Scalar::I32(v)).collect(),
        DynArray::I64(x) => x.iter().map(|&v| Scalar::I64(v)).collect(),
        DynArray::F32(x) => x.iter().map(|&v| Scalar::F32(v)).collect(),
        DynArray::F64(x) => x.iter().map(|&v| Scalar::F64(v)).collect(),
        DynArray::C64(x) => x.iter().map(|&v| Scalar::C64(v)).collect(),
        DynArray::C128(x) => x.iter().map(|&v| Scalar::C128(v)).collect(),
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
            "array([ 1., 2.5, -3.])"
        );
        assert_eq!(
            repr(&DynArray::I32(arr2(&[[1, 2], [3, 40]]).into_dyn())),
            "array([[ 1,  2],\n       [ 3, 40]], dtype=int32)"
        );
        let big = DynArray::I64(ndarray::Array1::from_iter(0..2000i64).into_dyn());
        assert_eq!(
            repr(&big),
            "array([   0,    1,    2, ..., 1997, 1998, 1999])"
        );
    }
}
