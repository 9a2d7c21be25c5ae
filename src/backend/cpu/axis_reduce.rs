//! Reductions along one axis from the elementwise values a window at a time: the
//! output and a scratch of bounded size are all they allocate, never the elementwise
//! result (`sum(a, axis=1)` of a 160 MB array needs its output, not 160 MB more).
//!
//! The elementwise values have the iteration shape, seen as `(outer, len, inner)`
//! around the reduced axis: output element `q = o * inner + m` reduces the `len`
//! values at flat indices `(o * len + j) * inner + m`, `j` in order. Outputs are
//! computed in segments of at most `TILE` consecutive columns `m` of one `o`, each
//! over all its rows `j` in order, so every lane is reduced exactly as
//! `runtime::reduce` reduces it: folds (products, minima, maxima, integer sums) one
//! row after the other, float sums along NumPy's pairwise tree (`pairwise_tree`),
//! whose leaves are summed by `reduce::pairwise` itself.
//!
//! The values come from `Rows`, a window over the flat indices that the kernel fills
//! with `run_span` (on the pool's threads, like any span). A segment of whole rows
//! (`inner <= TILE`) reads flat indices in increasing order from one leaf, row and
//! segment to the next, so the window runs ahead by `WINDOW` elements; a narrower
//! segment evaluates its row pieces one at a time.

use super::driver::CpuExec;
use crate::backend::OutBuf;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{Reduce, ReduceOp};
use crate::runtime::reduce::{fold_start, fold_step, pairwise, reduce_slice, Reducible};
use crate::runtime::{Bound, AXIS_TILE, CHUNK};
use crate::value::Scalar;
use num_complex::Complex;

/// The most columns of one segment.
const TILE: usize = AXIS_TILE;
/// How far the window of a whole-row segment runs ahead: enough elements that
/// `run_span` shares them out over the threads (`CpuOptions::parallel_min`).
const WINDOW: usize = 16 * CHUNK;
/// The most values of a leaf of NumPy's pairwise summation.
const LEAF_MAX: usize = 128;

/// The iteration shape around the reduced axis.
#[derive(Clone, Copy)]
struct Around {
    len: usize,
    inner: usize,
}

/// Columns `[m0, m0 + width)` of outer index `o`: output elements `o * inner + m0..`.
#[derive(Clone, Copy)]
struct Segment {
    base: usize,
    m0: usize,
    width: usize,
    /// The flat index up to which the window may evaluate ahead (whole-row
    /// segments); `None`: only what is asked for.
    ahead_to: Option<usize>,
}

impl Segment {
    /// The flat index of row `j`'s first column.
    fn row(&self, geo: Around, j: usize) -> usize {
        self.base + j * geo.inner + self.m0
    }
}

/// `$body` with `$T` the element type of dtype `$ty`.
macro_rules! with_element {
    ($ty:expr, $T:ident => $body:expr) => {
        with_element!(@ $ty, $T, $body; Bool bool, I32 i32, I64 i64, F32 f32, F64 f64,
                      C64 Complex<f32>, C128 Complex<f64>)
    };
    (@ $ty:expr, $T:ident, $body:expr; $($var:ident $t:ty),*) => {
        match $ty {
            $(DType::$var => {
                type $T = $t;
                $body
            })*
        }
    };
}

impl CpuExec {
    /// `Executable::reduce_axis` on the CPU: `None` where the kernel is not one output
    /// or there are no elements (the caller's materialized path costs nothing then).
    pub fn reduce_axis(
        &self,
        bound: &Bound,
        r: Reduce,
        axis: usize,
        out: &OutBuf,
        lo: usize,
        hi: usize,
    ) -> Option<Result<()>> {
        let &[t] = self.out_types.as_slice() else {
            return None;
        };
        if bound.is_empty() || axis >= bound.shape.len() {
            return None;
        }
        let geo = Around {
            len: bound.shape[axis],
            inner: bound.shape[axis + 1..].iter().product(),
        };
        let outputs = bound.len() / geo.len;
        if out.dtype != r.ty || lo > hi || hi > outputs || out.len != hi - lo {
            return Some(Err(Error::backend(
                "the axis reduction's output does not match",
            )));
        }
        let mut rows = Rows::new(self, bound, t);
        let w = Writer { out, lo };
        if geo.inner == 1 && geo.len <= WINDOW && t == r.ty {
            return Some(with_element!(t, T => contiguous::<T>(&mut rows, geo, lo, hi, &w, r.op)));
        }
        Some(match (r.op, r.ty) {
            (ReduceOp::Sum, DType::F32) => segments(&mut rows, geo, lo, hi, &w, |rows, s| {
                tree_segment::<f32>(rows, geo, s)
            }),
            (ReduceOp::Sum, DType::F64) => segments(&mut rows, geo, lo, hi, &w, |rows, s| {
                tree_segment::<f64>(rows, geo, s)
            }),
            (ReduceOp::Sum, DType::C64) => segments(&mut rows, geo, lo, hi, &w, |rows, s| {
                tree_segment::<Complex<f32>>(rows, geo, s)
            }),
            (ReduceOp::Sum, DType::C128) => segments(&mut rows, geo, lo, hi, &w, |rows, s| {
                tree_segment::<Complex<f64>>(rows, geo, s)
            }),
            _ => with_element!(r.ty, T => segments::<T>(&mut rows, geo, lo, hi, &w, |rows, s| {
                fold_segment(rows, geo, s, r.op)
            })),
        })
    }
}

/// The reduced axis is the last (`inner == 1`) and the values are of the output's
/// dtype: each output's values are one run of the window, reduced as
/// `runtime::reduce` reduces a lane (`reduce_slice`), whole rows per window instead of
/// one column segment per output.
fn contiguous<T: Reducible>(
    rows: &mut Rows,
    geo: Around,
    lo: usize,
    hi: usize,
    w: &Writer,
    op: ReduceOp,
) -> Result<()> {
    let mut q = lo;
    while q < hi {
        let per = (WINDOW / geo.len).clamp(1, hi - q);
        rows.fetch(q * geo.len, (q + per) * geo.len, None)?;
        let vals: Vec<T> = (q..q + per)
            .map(|k| reduce_slice(rows.slice::<T>(k * geo.len, (k + 1) * geo.len), op))
            .collect();
        w.write(q, &vals);
        q += per;
    }
    Ok(())
}

/// Where the outputs `[lo, hi)` go.
struct Writer<'o, 'a> {
    out: &'o OutBuf<'a>,
    lo: usize,
}

impl Writer<'_, '_> {
    /// Writes `vals` as output elements `q..`, all inside `[lo, hi)`.
    fn write<T: Reducible>(&self, q: usize, vals: &[T]) {
        let at = q - self.lo;
        assert!(T::DTYPE == self.out.dtype && at + vals.len() <= self.out.len);
        // SAFETY: the buffer holds `out.len` elements of `T` (checked above), and one
        // evaluation writes each of them once, from this thread.
        unsafe {
            let dst = (self.out.ptr as *mut T).add(at);
            std::ptr::copy_nonoverlapping(vals.as_ptr(), dst, vals.len());
        }
    }
}

/// Reduces output elements `[lo, hi)` segment by segment with `one`.
fn segments<T: Reducible>(
    rows: &mut Rows<'_, '_>,
    geo: Around,
    lo: usize,
    hi: usize,
    w: &Writer,
    mut one: impl FnMut(&mut Rows<'_, '_>, Segment) -> Result<Vec<T>>,
) -> Result<()> {
    // Whole-row segments may evaluate ahead up to the end of the last one's slab.
    let slabs_end = hi.div_ceil(geo.inner) * geo.inner * geo.len;
    let mut q = lo;
    while q < hi {
        let (o, m0) = (q / geo.inner, q % geo.inner);
        let width = (geo.inner - m0).min(TILE).min(hi - q);
        let whole_rows = width == geo.inner;
        let s = Segment {
            base: o * geo.len * geo.inner,
            m0,
            width,
            ahead_to: whole_rows.then_some(slabs_end),
        };
        w.write(q, &one(rows, s)?);
        q += width;
    }
    Ok(())
}

/// A fold of every column of `s` over its rows in order, as `reduce::reduce_slice`
/// folds a lane.
fn fold_segment<T: Reducible>(
    rows: &mut Rows,
    geo: Around,
    s: Segment,
    op: ReduceOp,
) -> Result<Vec<T>> {
    let mut acc: Vec<T> = Vec::with_capacity(s.width);
    for j in 0..geo.len {
        let row = s.row(geo, j);
        rows.fetch(row, row + s.width, s.ahead_to)?;
        if j == 0 {
            acc.extend((0..s.width).map(|c| fold_start::<T>(op, rows.get(row + c))));
            continue;
        }
        for (c, a) in acc.iter_mut().enumerate() {
            *a = fold_step(op, *a, rows.get(row + c));
        }
    }
    Ok(acc)
}

/// Float and complex elements as NumPy's pairwise summation sees them: `LANES`
/// interleaved floats each.
trait Floats: Reducible {
    type F: Copy + Default + std::ops::Add<Output = Self::F>;
    const LANES: usize;
    fn parts(self) -> [Self::F; 2];
    fn from_sums(s: [Self::F; 2]) -> Self;
}

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl Floats for $t {
            type F = $t;
            const LANES: usize = 1;
            fn parts(self) -> [$t; 2] {
                [self, 0.0]
            }
            fn from_sums(s: [$t; 2]) -> Self {
                s[0]
            }
        }
        impl Floats for Complex<$t> {
            type F = $t;
            const LANES: usize = 2;
            fn parts(self) -> [$t; 2] {
                [self.re, self.im]
            }
            fn from_sums(s: [$t; 2]) -> Self {
                Complex::new(s[0], s[1])
            }
        }
    )*};
}
floats!(f32, f64);

/// The float sums of every column of `s`, each exactly `Reducible::sum` of its lane.
fn tree_segment<T: Floats>(rows: &mut Rows, geo: Around, s: Segment) -> Result<Vec<T>> {
    let mut leaf_vals = vec![T::F::default(); s.width * LEAF_MAX];
    let sums = pairwise_tree::<T>(0, geo.len * T::LANES, &mut |lo, hi| {
        leaf_sums::<T>(rows, geo, s, lo / T::LANES, hi / T::LANES, &mut leaf_vals)
    })?;
    Ok(sums.into_iter().map(T::from_sums).collect())
}

/// `reduce::pairwise` over the flat values `[lo, hi)` of every column at once, with
/// the same splits: halves rounded down to a multiple of 8, down to leaves of at
/// most `LEAF_MAX` values, whose sums `leaf(lo, hi)` gives. The recursion is as deep
/// as the halvings of a length (at most 64).
fn pairwise_tree<T: Floats>(
    lo: usize,
    hi: usize,
    leaf: &mut impl FnMut(usize, usize) -> Result<Vec<[T::F; 2]>>,
) -> Result<Vec<[T::F; 2]>> {
    let n = hi - lo;
    if n <= LEAF_MAX {
        return leaf(lo, hi);
    }
    let mut n2 = n / 2;
    n2 -= n2 % 8;
    let mut x = pairwise_tree::<T>(lo, lo + n2, leaf)?;
    let y = pairwise_tree::<T>(lo + n2, hi, leaf)?;
    for (a, b) in x.iter_mut().zip(&y) {
        *a = [a[0] + b[0], a[1] + b[1]];
    }
    Ok(x)
}

/// The pairwise sums of rows `[j0, j1)` of every column of `s` (one leaf: at most
/// `LEAF_MAX` floats a column), the columns' values gathered into `vals` first.
fn leaf_sums<T: Floats>(
    rows: &mut Rows,
    geo: Around,
    s: Segment,
    j0: usize,
    j1: usize,
    vals: &mut [T::F],
) -> Result<Vec<[T::F; 2]>> {
    let per_col = (j1 - j0) * T::LANES;
    for j in j0..j1 {
        let row = s.row(geo, j);
        rows.fetch(row, row + s.width, s.ahead_to)?;
        for c in 0..s.width {
            let parts = rows.get::<T>(row + c).parts();
            let at = c * LEAF_MAX + (j - j0) * T::LANES;
            vals[at..at + T::LANES].copy_from_slice(&parts[..T::LANES]);
        }
    }
    Ok((0..s.width)
        .map(|c| pairwise(&vals[c * LEAF_MAX..c * LEAF_MAX + per_col], T::LANES))
        .collect())
}

/// A window `[w0, w1)` of the flat elementwise values (of the kernel's output dtype
/// `ty`), evaluated on demand.
struct Rows<'e, 'v> {
    exec: &'e CpuExec,
    bound: &'e Bound<'v>,
    ty: DType,
    /// The values, from `w0` on (16-byte words: aligned for every dtype).
    words: Vec<u128>,
    w0: usize,
    w1: usize,
}

impl<'e, 'v> Rows<'e, 'v> {
    fn new(exec: &'e CpuExec, bound: &'e Bound<'v>, ty: DType) -> Self {
        Rows {
            exec,
            bound,
            ty,
            words: Vec::new(),
            w0: 0,
            w1: 0,
        }
    }

    /// Makes the values `[a, b)` present: those of the window from `a` on are kept,
    /// the rest evaluated, up to `ahead_to` (at most `WINDOW` past `a`) if given.
    fn fetch(&mut self, a: usize, b: usize, ahead_to: Option<usize>) -> Result<()> {
        if self.w0 <= a && b <= self.w1 {
            return Ok(());
        }
        let size = self.ty.size();
        if self.w0 <= a && a <= self.w1 {
            let keep = (a - self.w0) * size..(self.w1 - self.w0) * size;
            bytes_mut(&mut self.words).copy_within(keep, 0);
        } else {
            self.w1 = a;
        }
        self.w0 = a;
        let end = ahead_to.map_or(b, |limit| limit.min(a + WINDOW).max(b));
        let words = ((end - a) * size).div_ceil(16);
        if self.words.len() < words {
            let more = words - self.words.len();
            self.words
                .try_reserve_exact(more)
                .map_err(|_| crate::alloc::failed(end - a, self.ty, &[end - a]))?;
            self.words.resize(words, 0);
        }
        let (from, n) = (self.w1, end - self.w1);
        let kept = (from - a) * size;
        let dst = &mut bytes_mut(&mut self.words)[kept..kept + n * size];
        let out = OutBuf::of_bytes(dst, self.ty, n);
        self.exec.run_span(self.bound, &[out], from, end)?;
        self.w1 = end;
        Ok(())
    }

    /// Values `[a, b)` (inside the window), of the window's own dtype `T`.
    fn slice<T: Reducible>(&self, a: usize, b: usize) -> &[T] {
        assert!(T::DTYPE == self.ty && self.w0 <= a && a <= b && b <= self.w1);
        let p = self.words.as_ptr() as *const u8;
        // SAFETY: values `[w0, w1)` were written from the start of the words by
        // `run_span` as `ty` = `T` values (the window's invariant), and the words are
        // aligned for every dtype.
        unsafe {
            let at = p.add((a - self.w0) * self.ty.size()) as *const T;
            std::slice::from_raw_parts(at, b - a)
        }
    }

    /// Value `i` (inside the window), cast to `T` as `reduce::try_cast_array` casts.
    fn get<T: Reducible>(&self, i: usize) -> T {
        assert!(self.w0 <= i && i < self.w1, "a value outside the window");
        let p = self.words.as_ptr() as *const u8;
        // SAFETY: value `i` was written at this offset by `run_span` as a `ty` (the
        // window's invariant), and the words are aligned for every dtype.
        unsafe {
            let at = p.add((i - self.w0) * self.ty.size());
            if T::DTYPE == self.ty {
                return (at as *const T).read();
            }
            T::from_scalar(read_scalar(at, self.ty).cast(T::DTYPE))
        }
    }
}

/// The bytes of `words`.
fn bytes_mut(words: &mut [u128]) -> &mut [u8] {
    let n = words.len() * 16;
    // SAFETY: the words are `n` initialized bytes, borrowed mutably with `words`.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, n) }
}

/// The value of dtype `ty` at `p`.
///
/// # Safety
/// `p` addresses an initialized, aligned value of `ty`.
unsafe fn read_scalar(p: *const u8, ty: DType) -> Scalar {
    // SAFETY: as the caller guarantees.
    unsafe {
        match ty {
            DType::Bool => Scalar::Bool((p as *const bool).read()),
            DType::I32 => Scalar::I32((p as *const i32).read()),
            DType::I64 => Scalar::I64((p as *const i64).read()),
            DType::F32 => Scalar::F32((p as *const f32).read()),
            DType::F64 => Scalar::F64((p as *const f64).read()),
            DType::C64 => Scalar::C64((p as *const Complex<f32>).read()),
            DType::C128 => Scalar::C128((p as *const Complex<f64>).read()),
        }
    }
}
