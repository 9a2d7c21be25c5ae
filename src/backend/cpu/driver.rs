//! Running a compiled kernel: validation, chunking, threads, strided gathers and
//! fused whole-array reductions.
//!
//! Chunks are `CHUNK` elements: small enough that a chunk of every input and output
//! (and the gather scratch of strided inputs) stays in L2, large enough that the
//! per-chunk overhead (claiming it, the pointer table) is noise. How the chunks of one
//! evaluation are shared between the calling thread and the pool: `schedule.rs`.
//!
//! Small arrays run on the calling thread. Where threads start to pay depends on the
//! work per element, so the test is `n * cost >= CpuOptions::parallel_min` (131072), with `cost` 1 plus 8 per
//! out-of-line call (transcendental, pow, complex helper) and 8 for programs with
//! loops: where the measured crossovers of a memory-bound and a transcendental
//! expression lie (`docs/performance-log.md`, "Tuning the CPU defaults").

use super::jit::Compiled;
use super::lower::{elem_size, LEAF, STATUS_CANCELLED};
use super::{fault_ahead, pool::Pool, schedule};
use crate::array::{whole_pages, DynArray, HUGE_MIN, HUGE_PAGE};
use crate::backend::OutBuf;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, Reduce, ReduceOp};
use crate::runtime::bind::strided_offset;
use crate::runtime::reduce::{reduce_slice, Reducible};
use crate::runtime::{Bound, Layout, CHUNK};
use crate::value::{self, Scalar};
use num_complex::{Complex32, Complex64};
use std::cell::RefCell;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, OnceLock};

// A chunk's pairwise sum is then a perfect tree of leaves (see `halves`).
const _: () = assert!(CHUNK.is_multiple_of(LEAF) && (CHUNK / LEAF).is_power_of_two());

/// A compiled kernel bound to a thread count.
pub struct CpuExec {
    pub code: Arc<Compiled>,
    /// The leaf-sum form of a float sum's kernel (see `lower::leaf_sum_ok`): whole
    /// chunks are summed without writing the elementwise values out first.
    pub leaf: Option<Arc<Compiled>>,
    pub layouts: Vec<Layout>,
    pub in_types: Vec<DType>,
    pub out_types: Vec<DType>,
    pub threads: usize,
    /// The engine's worker pool.
    pub pool: Arc<Pool>,
    /// Relative work per element (see the module docs).
    pub cost: usize,
    /// `CpuOptions::parallel_min`: work from which the evaluation is split over threads.
    pub parallel_min: usize,
    /// `CpuOptions::fault_ahead`.
    pub fault_ahead: bool,
}

/// One input as the kernel sees it.
#[derive(Clone, Copy)]
struct In<'s> {
    ptr: *const u8,
    size: usize,
    layout: Layout,
    shape: &'s [usize],
    strides: &'s [isize],
}

#[derive(Clone, Copy)]
struct Ptrs<'s> {
    ins: &'s [In<'s>],
    outs: &'s [*mut u8],
    /// The evaluation's cancellation flag: checked before every call of the kernel,
    /// and by the kernel's loops (its address ends the input table).
    cancel: &'s AtomicU32,
}

// SAFETY: the pointers address the caller's arrays, which outlive the run; threads
// read inputs and write disjoint element ranges of the outputs.
unsafe impl Send for Ptrs<'_> {}
unsafe impl Sync for Ptrs<'_> {}
// SAFETY: as for `Ptrs`: inputs are only read.
unsafe impl Send for In<'_> {}
unsafe impl Sync for In<'_> {}

thread_local! {
    /// Gather buffers for strided inputs, one per input, reused across chunks.
    static SCRATCH: RefCell<Vec<Vec<u128>>> = const { RefCell::new(Vec::new()) };
}

impl CpuExec {
    fn serial(&self, n: usize) -> bool {
        self.threads <= 1 || n.saturating_mul(self.cost) < self.parallel_min
    }

    fn check(&self, bound: &Bound) -> Result<()> {
        if bound.inputs.len() != self.layouts.len() {
            return Err(Error::backend(
                "input count differs from the compiled kernel",
            ));
        }
        for ((b, &l), &t) in bound.inputs.iter().zip(&self.layouts).zip(&self.in_types) {
            if b.layout != l || b.view.dtype() != t {
                return Err(Error::backend(format!(
                    "input `{}` does not match the compiled signature",
                    b.name
                )));
            }
        }
        Ok(())
    }

    fn inputs<'s>(&self, bound: &'s Bound) -> Vec<In<'s>> {
        bound
            .inputs
            .iter()
            .map(|b| In {
                // The kernel addresses element i at ptr + i * size; a windowed input
                // holds elements from `window` on.
                ptr: b
                    .view
                    .as_ptr()
                    .wrapping_sub(b.window * elem_size(b.view.dtype()) as usize),
                size: elem_size(b.view.dtype()) as usize,
                layout: b.layout,
                shape: &bound.shape,
                strides: &b.strides,
            })
            .collect()
    }

    /// Runs the kernel over `[lo, hi)` on this thread, in chunks when an input must be
    /// gathered.
    fn run_range(&self, p: Ptrs, lo: usize, hi: usize) -> Result<()> {
        self.run_range_with(&self.code, p, lo, hi)
    }

    fn run_range_with(&self, code: &Compiled, p: Ptrs, lo: usize, hi: usize) -> Result<()> {
        let strided = p.ins.iter().any(|i| i.layout == Layout::Strided);
        let outs: Vec<*mut u8> = p.outs.to_vec();
        let flag = p.cancel as *const AtomicU32 as *const u8;
        if !strided {
            let ins: Vec<*const u8> = p.ins.iter().map(|i| i.ptr).chain([flag]).collect();
            return self.call(code, p, &ins, &outs, lo, hi);
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < p.ins.len() {
                s.resize(p.ins.len(), Vec::new());
            }
            let mut c = lo;
            while c < hi {
                let e = (c + CHUNK).min(hi);
                let mut ins = Vec::with_capacity(p.ins.len() + 1);
                for (k, inp) in p.ins.iter().enumerate() {
                    if inp.layout != Layout::Strided {
                        ins.push(inp.ptr);
                        continue;
                    }
                    let buf = &mut s[k];
                    let words = ((e - c) * inp.size).div_ceil(16);
                    if buf.len() < words {
                        buf.resize(words, 0);
                    }
                    let dst = buf.as_mut_ptr() as *mut u8;
                    gather(inp, c, e, dst);
                    // The kernel addresses element i at ptr + i * size.
                    ins.push(dst.wrapping_sub(c * inp.size) as *const u8);
                }
                ins.push(flag);
                self.call(code, p, &ins, &outs, c, e)?;
                c = e;
            }
            Ok(())
        })
    }

    /// Runs `[lo, hi)`; a vector-only kernel gets the whole vectors directly and the
    /// remainder as one vector over padded copies of the inputs and outputs. `ins` is
    /// the kernel's input table: a pointer per input of `p.ins`, then the flag's.
    fn call(
        &self,
        code: &Compiled,
        p: Ptrs,
        ins: &[*const u8],
        outs: &[*mut u8],
        lo: usize,
        hi: usize,
    ) -> Result<()> {
        let Some(lanes) = code.lanes else {
            return Self::call_raw(code, p.cancel, ins, outs, lo, hi);
        };
        let meta = p.ins;
        let mid = lo + (hi - lo) / lanes * lanes;
        if mid > lo {
            Self::call_raw(code, p.cancel, ins, outs, lo, mid)?;
        }
        if mid == hi {
            return Ok(());
        }
        let t = hi - mid;
        // `lanes` elements of at most 16 bytes each.
        let mut in_pad = vec![vec![0u128; lanes]; ins.len()];
        let mut out_pad = vec![vec![0u128; lanes]; outs.len()];
        let mut tin = Vec::with_capacity(ins.len() + 1);
        for ((&ptr, m), pad) in ins.iter().zip(meta).zip(in_pad.iter_mut()) {
            if m.layout == Layout::Scalar {
                tin.push(ptr);
                continue;
            }
            let dst = pad.as_mut_ptr() as *mut u8;
            // SAFETY: elements [mid, hi) exist behind `ptr` (the kernel would read
            // them); the pad holds 16 * lanes bytes >= lanes * size.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr.wrapping_add(mid * m.size), dst, t * m.size);
                // Padding lanes repeat the last element, so they cannot raise an error
                // (a negative integer power) that no real element raises.
                for j in t..lanes {
                    std::ptr::copy_nonoverlapping(
                        dst.add((t - 1) * m.size),
                        dst.add(j * m.size),
                        m.size,
                    );
                }
            }
            tin.push(dst as *const u8);
        }
        tin.extend(&ins[meta.len()..]);
        let tout: Vec<*mut u8> = out_pad
            .iter_mut()
            .map(|p| p.as_mut_ptr() as *mut u8)
            .collect();
        Self::call_raw(code, p.cancel, &tin, &tout, 0, lanes)?;
        for ((&dst, src), &ty) in outs.iter().zip(&tout).zip(&self.out_types) {
            let size = elem_size(ty) as usize;
            // SAFETY: the output has elements [mid, hi); the pad holds `lanes` results.
            unsafe { std::ptr::copy_nonoverlapping(*src, dst.wrapping_add(mid * size), t * size) };
        }
        Ok(())
    }

    fn call_raw(
        code: &Compiled,
        cancel: &AtomicU32,
        ins: &[*const u8],
        outs: &[*mut u8],
        lo: usize,
        hi: usize,
    ) -> Result<()> {
        crate::cancel::check(cancel)?;
        // SAFETY: every input pointer addresses elements [lo, hi) (or one element for
        // scalar inputs) and every output [lo, hi) (leaf sums: [lo, hi) / LEAF): the
        // driver checked the lengths; the table ends with the address of `cancel`,
        // which outlives the call.
        let st = unsafe { (code.entry)(ins.as_ptr(), outs.as_ptr(), lo as i64, hi as i64) };
        match st {
            0 => Ok(()),
            STATUS_CANCELLED => Err(crate::cancel::cancelled()),
            _ => Err(Error::eval(value::NEG_INT_POW)),
        }
    }

    /// Splits `[lo, hi)` over the pool in chunks (or runs it here when small or
    /// single-threaded).
    fn for_chunks(
        &self,
        lo: usize,
        hi: usize,
        f: impl Fn(usize, usize) -> Result<()> + Sync,
    ) -> Result<()> {
        if self.serial(hi - lo) {
            return f(lo, hi);
        }
        let chunks = (hi - lo).div_ceil(CHUNK);
        let workers = self.threads;
        schedule::chunks(
            &*self.pool.for_workers(workers)?,
            workers,
            chunks,
            || (),
            |_, c| f(lo + c * CHUNK, (lo + (c + 1) * CHUNK).min(hi)),
        )
    }

    pub fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()> {
        self.run_span(bound, outputs, 0, bound.len())
    }

    /// Runs elements `[lo, hi)`, writing element i to element `i - lo` of each output.
    pub fn run_span(&self, bound: &Bound, outputs: &[OutBuf], lo: usize, hi: usize) -> Result<()> {
        self.check(bound)?;
        if lo > hi || hi > bound.len() {
            return Err(Error::backend("element range outside the arrays"));
        }
        let n = hi - lo;
        // Exactly n elements each: all of them are written, so none stays uninitialized.
        crate::backend::check_outputs(outputs, n, &self.out_types)?;
        if n == 0 {
            return Ok(());
        }
        for o in outputs {
            advise_huge_pages(o.ptr, n * elem_size(o.dtype) as usize);
        }
        let ins = self.inputs(bound);
        let outs: Vec<*mut u8> = outputs
            .iter()
            .map(|o| o.ptr.wrapping_sub(lo * elem_size(o.dtype) as usize))
            .collect();
        let p = Ptrs {
            ins: &ins,
            outs: &outs,
            cancel: crate::cancel::flag_of(bound.cancel.as_ref()),
        };
        let run = |a, b| self.run_range(p, a, b);
        let fresh: Vec<&OutBuf> = outputs.iter().filter(|o| o.fresh).collect();
        let fresh_bytes = |o: &OutBuf| n * elem_size(o.dtype) as usize;
        if self.serial(n) || !self.fault_ahead || !fresh.iter().any(|o| fresh_bytes(o) >= HUGE_MIN)
        {
            return self.for_chunks(lo, hi, run);
        }
        // Fresh huge-page outputs: their pages are made present ahead of the chunks
        // (`fault_ahead.rs`), a group of chunks covering a huge page of each at a time.
        let widest = fresh.iter().map(|o| elem_size(o.dtype) as usize).max();
        let group = HUGE_PAGE / (CHUNK * widest.unwrap_or(1));
        let at = |c: usize| lo + (c * CHUNK).min(n);
        let workers = self.threads;
        fault_ahead::chunks(
            &*self.pool.for_workers(workers)?,
            workers,
            n.div_ceil(CHUNK),
            group,
            |a, b| {
                for o in &fresh {
                    let size = elem_size(o.dtype) as usize;
                    populate(
                        o.ptr.wrapping_add((at(a) - lo) * size),
                        (at(b) - at(a)) * size,
                    );
                }
            },
            |c| run(at(c), at(c + 1)),
        )
    }

    /// Whole-array reductions: each chunk is evaluated into a small per-task buffer
    /// and reduced there (NumPy's pairwise summation for floats); the per-chunk
    /// results are then reduced the same way (`combine_partials`).
    pub fn run_reduce(&self, bound: &Bound, r: Reduce) -> Option<Result<DynArray>> {
        let partials = self.reduce_partials(bound, r, 0, bound.len())?;
        Some(partials.and_then(|p| crate::runtime::reduce::combine_partials(&p, r.op)))
    }

    /// The per-chunk partial results of a whole-array reduction over `[lo, hi)`, `lo`
    /// a multiple of `CHUNK`: a 1-d array of the reduction's dtype.
    pub fn reduce_partials(
        &self,
        bound: &Bound,
        r: Reduce,
        lo: usize,
        hi: usize,
    ) -> Option<Result<DynArray>> {
        let t = *self.out_types.first()?;
        if r.axis.is_some()
            || t != r.ty
            || self.out_types.len() != 1
            || bound.is_empty()
            || !lo.is_multiple_of(CHUNK)
            || lo >= hi
            || hi > bound.len()
        {
            return None;
        }
        // NumPy multiplies floats in sequence, one element after the other (unlike
        // its pairwise sums): that order cannot be split into chunks, so the
        // elementwise result is computed (in parallel) and reduced as the interpreter
        // does.
        if crate::runtime::reduce::is_sequential(r.op, t) {
            return None;
        }
        if let Err(e) = self.check(bound) {
            return Some(Err(e));
        }
        Some(match t {
            DType::Bool => self.reduce_typed::<bool>(bound, r.op, lo, hi),
            DType::I32 => self.reduce_typed::<i32>(bound, r.op, lo, hi),
            DType::I64 => self.reduce_typed::<i64>(bound, r.op, lo, hi),
            DType::F32 => self.reduce_typed::<f32>(bound, r.op, lo, hi),
            DType::F64 => self.reduce_typed::<f64>(bound, r.op, lo, hi),
            DType::C64 => self.reduce_typed::<Complex32>(bound, r.op, lo, hi),
            DType::C128 => self.reduce_typed::<Complex64>(bound, r.op, lo, hi),
        })
    }

    fn reduce_typed<T: Reducible>(
        &self,
        bound: &Bound,
        op: ReduceOp,
        lo: usize,
        hi: usize,
    ) -> Result<DynArray> {
        let n = hi;
        let ins = self.inputs(bound);
        let cancel = crate::cancel::flag_of(bound.cancel.as_ref());
        let size = std::mem::size_of::<T>();
        let zero = T::from_scalar(Scalar::zero(T::DTYPE));
        let chunks = lo / CHUNK..n.div_ceil(CHUNK);
        let one_chunk = |buf: &mut Vec<T>, c: usize| -> Result<T> {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
            let base = buf.as_mut_ptr() as *mut u8;
            if let (Some(leaf), ReduceOp::Sum, true) = (&self.leaf, op, hi - lo == CHUNK) {
                // NumPy's pairwise sum of CHUNK elements is a tree of halves over
                // CHUNK / LEAF leaf sums.
                let outs = [base.wrapping_sub(lo / LEAF * size)];
                let p = Ptrs {
                    ins: &ins,
                    outs: &outs,
                    cancel,
                };
                self.run_range_with(leaf, p, lo, hi)?;
                return Ok(halves(&buf[..CHUNK / LEAF]));
            }
            let outs = [base.wrapping_sub(lo * size)];
            let p = Ptrs {
                ins: &ins,
                outs: &outs,
                cancel,
            };
            self.run_range(p, lo, hi)?;
            Ok(reduce_slice(&buf[..hi - lo], op))
        };
        let partials: Vec<T> = if self.serial(hi - lo) {
            let mut buf = vec![zero; CHUNK.min(n - lo)];
            let mut partials =
                crate::alloc::try_collect(chunks.clone().map(|_| zero), "chunk partials")?;
            for (p, c) in partials.iter_mut().zip(chunks) {
                *p = one_chunk(&mut buf, c)?;
            }
            partials
        } else {
            // Each chunk's result goes to its own slot: the partials are combined in
            // chunk order whichever thread computed them.
            let first = chunks.start;
            let slots: Vec<OnceLock<T>> =
                crate::alloc::try_collect(chunks.map(|_| OnceLock::new()), "chunk partials")?;
            let workers = self.threads;
            schedule::chunks(
                &*self.pool.for_workers(workers)?,
                workers,
                slots.len(),
                || vec![zero; CHUNK],
                |buf, k| {
                    let r = one_chunk(buf, first + k)?;
                    let _ = slots[k].set(r);
                    Ok(())
                },
            )?;
            let mut partials =
                crate::alloc::try_collect(slots.iter().map(|_| zero), "chunk partials")?;
            for (p, s) in partials.iter_mut().zip(slots) {
                *p = s
                    .into_inner()
                    .ok_or_else(|| Error::backend("a chunk was not reduced"))?;
            }
            partials
        };
        Ok(T::wrap(ndarray::Array1::from(partials).into_dyn()))
    }
}

/// `xs` summed by halves, as NumPy's pairwise summation combines its leaves.
fn halves<T: Reducible>(xs: &[T]) -> T {
    if xs.len() == 1 {
        return xs[0];
    }
    let h = xs.len() / 2;
    T::binop(BinOp::Add, halves(&xs[..h]), halves(&xs[h..]))
}

/// Asks for transparent huge pages on a large output that has not been touched yet
/// (fresh outputs are lazily zeroed pages, and were advised when they were made; a
/// caller's buffer given to `eval_into` may be new too): with THP in `madvise` mode,
/// first-touch page faults otherwise cost about a third of a memory-bound expression's
/// time. NumPy does the same for its large arrays.
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    if bytes >= HUGE_MIN {
        crate::array::advise_huge_pages(ptr, bytes);
    }
}

/// Makes the pages of `[ptr, ptr + bytes)` present and writable without writing to
/// them (`MADV_POPULATE_WRITE`, Linux 5.14): the page faults happen here, not in the
/// kernel's loop. Where the kernel does not have it, nothing happens and the loop
/// takes the faults as before. (The pages holding the range's partial first and
/// last 4 KiB are made present with the neighbouring range, or by the loop.)
/// Other systems (macOS: untested) have no such advice: there the helpers take the
/// faults themselves, which is correct, only slower.
fn populate(ptr: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    if let Some((start, len)) = whole_pages(ptr, bytes) {
        // SAFETY: the range lies inside an output buffer of this evaluation;
        // MADV_POPULATE_WRITE faults its pages in but never changes their contents.
        unsafe { libc::madvise(start, len, libc::MADV_POPULATE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = whole_pages(ptr, bytes);
}

/// Copies elements `[lo, hi)` (C order over the iteration shape) of a strided input
/// to `dst`, one innermost run at a time.
fn gather(inp: &In, lo: usize, hi: usize, dst: *mut u8) {
    let shape = inp.shape;
    let inner = shape.last().copied().unwrap_or(1).max(1);
    let last_stride = inp.strides.last().copied().unwrap_or(0);
    let size = inp.size;
    let mut i = lo;
    let mut d = dst;
    while i < hi {
        let off = strided_offset(shape, inp.strides, i);
        let run = (inner - i % inner).min(hi - i);
        for j in 0..run {
            let src_el = off + j as isize * last_stride;
            // SAFETY: `strided_offset` stays inside the view for every flat index below
            // the broadcast length; `dst` has room for `hi - lo` elements.
            unsafe {
                std::ptr::copy_nonoverlapping(inp.ptr.offset(src_el * size as isize), d, size);
                d = d.add(size);
            }
        }
        i += run;
    }
}
