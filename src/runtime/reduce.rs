//! Reductions (`sum prod min max`, over everything or one axis) of an elementwise
//! result, with NumPy's dtype rules and NumPy's pairwise summation for floats.

use crate::array::DynArray;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::{BinOp, Reduce, ReduceOp};
use crate::value::{self, Scalar};
use ndarray::{ArrayD, Axis, IxDyn};
use num_complex::Complex;

/// Reduces `a` (the elementwise result) as `r` says.
/// Reads `a` where it is (no copy) unless it must be cast to the reduction's dtype.
pub fn reduce(a: &DynArray, r: Reduce) -> Result<DynArray> {
    let cast;
    let a = if a.dtype() == r.ty {
        a
    } else {
        cast = try_cast_array(a, r.ty)?;
        &cast
    };
    let axis = resolve_axis(r.axis, a.shape().len())?;
    let n = match axis {
        None => a.len(),
        Some(k) => a.shape()[k],
    };
    check_identity(r.op, n)?;
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => DynArray::$var(reduce_typed(x, r.op, axis)?),)*
            }
        };
    }
    Ok(go!(Bool, I32, I64, F32, F64, C64, C128))
}

/// The axis `axis` names in an array of `ndim` dimensions (negative ones count from
/// the end), `None` for the whole array (as NumPy reduces a 0-d array over axis 0 or
/// -1), or an [`ErrorKind::Shape`] error if it is out of bounds.
pub(crate) fn resolve_axis(axis: Option<i64>, ndim: usize) -> Result<Option<usize>> {
    let ndim = ndim as i64;
    match axis {
        None => Ok(None),
        Some(0 | -1) if ndim == 0 => Ok(None),
        Some(ax) => {
            let k = if ax < 0 { ax + ndim } else { ax };
            if !(0..ndim).contains(&k) {
                return Err(Error::new(
                    ErrorKind::Shape,
                    format!("axis {ax} is out of bounds for array of dimension {ndim}"),
                ));
            }
            Ok(Some(k as usize))
        }
    }
}

/// NumPy's error for a minimum or maximum of `n = 0` elements, which has no identity.
pub(crate) fn check_identity(op: ReduceOp, n: usize) -> Result<()> {
    if n > 0 || !matches!(op, ReduceOp::Min | ReduceOp::Max) {
        return Ok(());
    }
    let name = if op == ReduceOp::Min {
        "minimum"
    } else {
        "maximum"
    };
    Err(Error::eval(format!(
        "zero-size array to reduction operation {name} which has no identity"
    )))
}

/// The reduction of `a` over `axis` (everything if `None`): its output and one lane's
/// copy (none for a contiguous lane) are all it allocates, and fallibly.
fn reduce_typed<T: Reducible>(
    a: &ArrayD<T>,
    op: ReduceOp,
    axis: Option<usize>,
) -> Result<ArrayD<T>> {
    let mut buf = Vec::new();
    let Some(k) = axis else {
        let total = reduce_elems(a.as_slice(), a.iter(), a.len(), op, &mut buf)?;
        return Ok(ArrayD::from_elem(IxDyn(&[]), total));
    };
    let mut shape = a.shape().to_vec();
    shape.remove(k);
    let n = crate::alloc::elements(&shape, T::DTYPE)?;
    let mut out =
        crate::alloc::try_vec::<T>(n).ok_or_else(|| crate::alloc::failed(n, T::DTYPE, &shape))?;
    for lane in a.lanes(Axis(k)) {
        out.push(reduce_elems(
            lane.as_slice(),
            lane.iter(),
            lane.len(),
            op,
            &mut buf,
        )?);
    }
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("one value per lane"))
}

/// Reduces `n` elements in order: from `contiguous` where they are one slice,
/// otherwise copied from `elems` into `buf` (reused between lanes) first.
fn reduce_elems<'a, T: Reducible>(
    contiguous: Option<&[T]>,
    elems: impl Iterator<Item = &'a T>,
    n: usize,
    op: ReduceOp,
    buf: &mut Vec<T>,
) -> Result<T> {
    if let Some(xs) = contiguous {
        return Ok(reduce_slice(xs, op));
    }
    buf.clear();
    buf.try_reserve_exact(n)
        .map_err(|_| crate::alloc::failed(n, T::DTYPE, &[n]))?;
    buf.extend(elems.copied());
    Ok(reduce_slice(buf, op))
}

pub fn reduce_slice<T: Reducible>(xs: &[T], op: ReduceOp) -> T {
    match op {
        ReduceOp::Sum => T::sum(xs),
        ReduceOp::Prod => xs
            .iter()
            .fold(T::one(), |acc, &x| T::binop(BinOp::Mul, acc, x)),
        ReduceOp::Min => xs[1..]
            .iter()
            .fold(xs[0], |acc, &x| T::binop(BinOp::Minimum, acc, x)),
        ReduceOp::Max => xs[1..]
            .iter()
            .fold(xs[0], |acc, &x| T::binop(BinOp::Maximum, acc, x)),
    }
}

/// Element types that can be reduced; the operations are the scalar semantics.
pub trait Reducible: crate::array::Element {
    fn to_scalar(self) -> Scalar;
    fn from_scalar(s: Scalar) -> Self;
    fn one() -> Self {
        Self::from_scalar(Scalar::one(Self::DTYPE))
    }
    fn binop(op: BinOp, a: Self, b: Self) -> Self {
        let r = value::binary(op, a.to_scalar(), b.to_scalar(), Self::DTYPE)
            .expect("reductions do not fail elementwise");
        Self::from_scalar(r)
    }
    fn sum(xs: &[Self]) -> Self {
        xs.iter()
            .fold(Self::from_scalar(Scalar::zero(Self::DTYPE)), |acc, &x| {
                Self::binop(BinOp::Add, acc, x)
            })
    }
}

/// `Reducible` for `$t`, the value of `Scalar::$var`; `sum: f` where NumPy's sum
/// is not `value`'s addition one element after another.
macro_rules! reducible {
    ($($t:ty => $var:ident $(, sum: $sum:expr)?;)*) => {$(
        impl Reducible for $t {
            fn to_scalar(self) -> Scalar {
                Scalar::$var(self)
            }
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::$var(x) => x,
                    _ => unreachable!(),
                }
            }
            $(fn sum(xs: &[Self]) -> Self {
                $sum(xs)
            })?
        }
    )*};
}

reducible! {
    bool => Bool;
    i32 => I32;
    i64 => I64, sum: wrapping_sum;
    f32 => F32, sum: float_sum;
    f64 => F64, sum: float_sum;
    Complex<f32> => C64, sum: complex_sum;
    Complex<f64> => C128, sum: complex_sum;
}

/// An int64 sum wraps around, as NumPy's does.
fn wrapping_sum(xs: &[i64]) -> i64 {
    xs.iter().fold(0i64, |a, &x| a.wrapping_add(x))
}

/// A float sum along NumPy's pairwise tree.
fn float_sum<T: Copy + std::ops::Add<Output = T> + Default>(xs: &[T]) -> T {
    pairwise(xs, 1)[0]
}

/// NumPy sums a complex array as interleaved (re, im) floats.
fn complex_sum<T: Copy + std::ops::Add<Output = T> + Default>(xs: &[Complex<T>]) -> Complex<T> {
    let float = |i: usize| match i % 2 {
        0 => xs[i / 2].re,
        _ => xs[i / 2].im,
    };
    let r = pairwise_at(0, 2 * xs.len(), 2, &float);
    Complex::new(r[0], r[1])
}

/// NumPy's pairwise summation (`pairwise_sum` in loops_utils.h): eight accumulators over
/// blocks of at most 128 values, halving above that. `lanes` = 2 sums (re, im)
/// interleaved, as NumPy does for complex. Returns one sum per lane.
pub fn pairwise<T>(a: &[T], lanes: usize) -> [T; 2]
where
    T: Copy + std::ops::Add<Output = T> + Default,
{
    pairwise_at(0, a.len(), lanes, &|i| a[i])
}

/// `pairwise` of the values `at(i)` for `i` in `[lo, hi)`: a complex lane is read as
/// interleaved floats where it is, without a flat copy.
fn pairwise_at<T>(lo: usize, hi: usize, lanes: usize, at: &impl Fn(usize) -> T) -> [T; 2]
where
    T: Copy + std::ops::Add<Output = T> + Default,
{
    let n = hi - lo;
    let zero = T::default();
    if n < 8 {
        let mut r = [zero; 2];
        for i in 0..n {
            r[i % lanes] = r[i % lanes] + at(lo + i);
        }
        return r;
    }
    if n <= 128 {
        let mut r = [zero; 8];
        for (k, r) in r.iter_mut().enumerate() {
            *r = at(lo + k);
        }
        let mut i = 8;
        while i < n - (n % 8) {
            for (k, r) in r.iter_mut().enumerate() {
                *r = *r + at(lo + i + k);
            }
            i += 8;
        }
        let mut out = if lanes == 1 {
            [
                ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])),
                zero,
            ]
        } else {
            [(r[0] + r[2]) + (r[4] + r[6]), (r[1] + r[3]) + (r[5] + r[7])]
        };
        while i < n {
            out[i % lanes] = out[i % lanes] + at(lo + i);
            i += 1;
        }
        return out;
    }
    let mut n2 = n / 2;
    n2 -= n2 % 8;
    let x = pairwise_at(lo, lo + n2, lanes, at);
    let y = pairwise_at(lo + n2, hi, lanes, at);
    [x[0] + y[0], x[1] + y[1]]
}

/// `a` cast elementwise to `to` (the scalar casts of `value`), or an
/// [`ErrorKind::Memory`] error if its copy cannot be allocated.
pub fn try_cast_array(a: &DynArray, to: DType) -> Result<DynArray> {
    fn cast_to<T: Reducible>(
        shape: &[usize],
        vals: impl ExactSizeIterator<Item = Scalar>,
    ) -> Result<ArrayD<T>> {
        let n = vals.len();
        let mut v = crate::alloc::try_vec::<T>(n)
            .ok_or_else(|| crate::alloc::failed(n, T::DTYPE, shape))?;
        v.extend(vals.map(|s| T::from_scalar(s.cast(T::DTYPE))));
        Ok(ArrayD::from_shape_vec(IxDyn(shape), v).expect("one element per element"))
    }
    macro_rules! from_iter {
        ($x:expr, $wrap:expr) => {{
            let shape = a.shape();
            let it = $x.iter().map(|&v| $wrap(v));
            match to {
                DType::Bool => DynArray::Bool(cast_to(shape, it)?),
                DType::I32 => DynArray::I32(cast_to(shape, it)?),
                DType::I64 => DynArray::I64(cast_to(shape, it)?),
                DType::F32 => DynArray::F32(cast_to(shape, it)?),
                DType::F64 => DynArray::F64(cast_to(shape, it)?),
                DType::C64 => DynArray::C64(cast_to(shape, it)?),
                DType::C128 => DynArray::C128(cast_to(shape, it)?),
            }
        }};
    }
    Ok(match a {
        DynArray::Bool(x) => from_iter!(x, Scalar::Bool),
        DynArray::I32(x) => from_iter!(x, Scalar::I32),
        DynArray::I64(x) => from_iter!(x, Scalar::I64),
        DynArray::F32(x) => from_iter!(x, Scalar::F32),
        DynArray::F64(x) => from_iter!(x, Scalar::F64),
        DynArray::C64(x) => from_iter!(x, Scalar::C64),
        DynArray::C128(x) => from_iter!(x, Scalar::C128),
    })
}

/// The total of a whole-array reduction's partial results (1-d, in order): float
/// products multiplied in sequence, everything else reduced as one lane.
pub fn combine_partials(p: &DynArray, op: ReduceOp) -> Result<DynArray> {
    fn go<T: Reducible>(xs: &ArrayD<T>, op: ReduceOp) -> Result<ArrayD<T>> {
        let total = with_slice(xs, |xs| match (xs.len(), op) {
            (1, _) => xs[0],
            (_, ReduceOp::Prod) => xs[1..]
                .iter()
                .fold(xs[0], |acc, &x| T::binop(BinOp::Mul, acc, x)),
            _ => reduce_slice(xs, op),
        })?;
        Ok(ArrayD::from_elem(IxDyn(&[]), total))
    }
    macro_rules! each {
        ($($var:ident),*) => {
            match p { $(DynArray::$var(x) => DynArray::$var(go(x, op)?),)* }
        };
    }
    Ok(each!(Bool, I32, I64, F32, F64, C64, C128))
}

/// `f` of the elements of `xs` in order as one slice: where they are if contiguous,
/// else a copy allocated fallibly.
fn with_slice<T: Reducible, R>(xs: &ArrayD<T>, f: impl FnOnce(&[T]) -> R) -> Result<R> {
    if let Some(s) = xs.as_slice() {
        return Ok(f(s));
    }
    let n = xs.len();
    let mut v = crate::alloc::try_vec(n).ok_or_else(|| crate::alloc::failed(n, T::DTYPE, &[n]))?;
    v.extend(xs.iter().copied());
    Ok(f(&v))
}

/// One step of a sequential reduction, as `reduce_slice` folds a lane: `acc` combined
/// with the next value `x`.
pub(crate) fn fold_step<T: Reducible>(op: ReduceOp, acc: T, x: T) -> T {
    match op {
        ReduceOp::Sum => T::sum(&[acc, x]),
        ReduceOp::Prod => T::binop(BinOp::Mul, acc, x),
        ReduceOp::Min => T::binop(BinOp::Minimum, acc, x),
        ReduceOp::Max => T::binop(BinOp::Maximum, acc, x),
    }
}

/// The start of a sequential reduction whose first value is `x`, as `reduce_slice`
/// starts a lane: sums and products from their identity, minima and maxima from `x`.
pub(crate) fn fold_start<T: Reducible>(op: ReduceOp, x: T) -> T {
    match op {
        ReduceOp::Sum => fold_step(op, T::sum(&[]), x),
        ReduceOp::Prod => fold_step(op, T::one(), x),
        ReduceOp::Min | ReduceOp::Max => x,
    }
}

/// Whether NumPy reduces `op` over `ty` one element after the other (float and complex
/// products, unlike its pairwise sums): an order that per-chunk partials cannot give.
pub fn is_sequential(op: ReduceOp, ty: DType) -> bool {
    op == ReduceOp::Prod
        && matches!(
            ty.kind(),
            crate::dtype::Kind::Float | crate::dtype::Kind::Complex
        )
}

/// Continues a sequential reduction over the next block: `acc` (one element, 1-d;
/// `None` at the start) folded with every element of `block` (1-d, cast to `ty`
/// first) in order. The result is again one element, for `combine_partials`.
pub fn fold_block(
    acc: Option<&DynArray>,
    block: &DynArray,
    ty: DType,
    op: ReduceOp,
) -> Result<DynArray> {
    fn go<T: Reducible>(acc: Option<T>, xs: &ArrayD<T>, op: ReduceOp) -> Result<ArrayD<T>> {
        let mut vals = acc.into_iter().chain(xs.iter().copied());
        let first = vals
            .next()
            .ok_or_else(|| Error::backend("an empty block of a sequential reduction"))?;
        let total = vals.fold(fold_start(op, first), |a, x| fold_step(op, a, x));
        Ok(ndarray::Array1::from_elem(1, total).into_dyn())
    }
    let cast;
    let block = if block.dtype() == ty {
        block
    } else {
        cast = try_cast_array(block, ty)?;
        &cast
    };
    macro_rules! each {
        ($($var:ident),*) => {
            match block {
                $(DynArray::$var(x) => {
                    let acc = acc.and_then(|a| a.as_array::<_>()?.first().copied());
                    DynArray::$var(go(acc, x, op)?)
                })*
            }
        };
    }
    Ok(each!(Bool, I32, I64, F32, F64, C64, C128))
}

/// The partial results of reducing each `chunk` elements of `a` (1-d, cast to `ty`
/// first), for `combine_partials`.
pub fn chunk_partials(a: &DynArray, ty: DType, op: ReduceOp, chunk: usize) -> Result<DynArray> {
    fn go<T: Reducible>(xs: &ArrayD<T>, op: ReduceOp, chunk: usize) -> Result<ArrayD<T>> {
        let p = with_slice(xs, |xs| {
            let parts = xs.chunks(chunk.max(1)).map(|c| reduce_slice(c, op));
            crate::alloc::try_collect(parts, "chunk partials")
        })??;
        Ok(ndarray::Array1::from(p).into_dyn())
    }
    let cast;
    let a = if a.dtype() == ty {
        a
    } else {
        cast = try_cast_array(a, ty)?;
        &cast
    };
    macro_rules! each {
        ($($var:ident),*) => {
            match a { $(DynArray::$var(x) => DynArray::$var(go(x, op, chunk)?),)* }
        };
    }
    Ok(each!(Bool, I32, I64, F32, F64, C64, C128))
}

/// Concatenates 1-d arrays of one dtype (the partials of several spans), at least one.
pub fn concat(parts: &[DynArray]) -> Result<DynArray> {
    let n: usize = parts.iter().map(DynArray::len).sum();
    macro_rules! go {
        ($($var:ident),*) => {
            match parts.first() {
                $(Some(DynArray::$var(_)) => {
                    let mut v = crate::alloc::try_vec(n)
                        .ok_or_else(|| crate::alloc::failed(n, DType::$var, &[n]))?;
                    for p in parts {
                        match p {
                            DynArray::$var(x) => v.extend(x.iter().copied()),
                            _ => return Err(Error::backend("partials of two dtypes")),
                        }
                    }
                    DynArray::$var(ndarray::Array1::from(v).into_dyn())
                })*
                None => return Err(Error::backend("no partials")),
            }
        };
    }
    Ok(go!(Bool, I32, I64, F32, F64, C64, C128))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_is_exact_on_integers() {
        let xs: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(pairwise(&xs, 1)[0], 499500.0);
        let zs: Vec<f64> = (0..1000).flat_map(|i| [i as f64, 1.0]).collect();
        assert_eq!(pairwise(&zs, 2), [499500.0, 1000.0]);
    }
}
