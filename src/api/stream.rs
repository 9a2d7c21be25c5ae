//! Streamed evaluation: inputs that need not fit in memory ([`Input`]), evaluated a
//! block of elements at a time in C order of the result, each block of the results
//! sent to a [`Sink`] as soon as it is computed.
//!
//! Inputs with the result's shape in C order are *windows*: read a block at a time
//! (viewed where they are mapped, else converted into a block buffer). The others are
//! bound *whole* (broadcast against the windows). The CPU and interpreter backends run
//! a block with `Executable::run_span`; whole-array reductions combine per-chunk
//! partials; everything else (axis reductions, the CUDA target, empty results) is
//! evaluated over whole arrays in memory.

use super::{Kernel, Prepared, Target};
use crate::array::{DynArray, DynView, Vars};
use crate::backend::OutBuf;
use crate::cancel::CancelToken;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::io::npy::Input;
use crate::io::sink::{OutputSpec, Sink};
use crate::ir::Reduce;
use crate::runtime::bind::{broadcast_strides, classify, BoundInput};
use crate::runtime::broadcast::broadcast_named;
use crate::runtime::reduce::{chunk_partials, combine_partials, concat, fold_block, is_sequential};
use crate::runtime::{Bound, Layout};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Elements per chunk of the CPU driver: blocks are whole chunks.
use crate::runtime::CHUNK;

/// Elements per block of a streamed evaluation on `threads` threads: 32 chunks a
/// thread (256 K elements, 2 MB of float64 per array and thread).
pub(crate) fn default_block(threads: usize) -> usize {
    threads.clamp(1, 1024) * 32 * CHUNK
}

/// How one input of a streamed evaluation is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Read a block at a time (it has the result's shape, in C order).
    Window,
    /// Bound whole (broadcast against the others, or not in C order).
    Whole,
}

/// The shape of a streamed evaluation: the result's shape, length and C-order strides,
/// the block length, and how each of the kernel's inputs is bound.
struct Plan {
    shape: Vec<usize>,
    n: usize,
    c_strides: Vec<isize>,
    block: usize,
    modes: Vec<Mode>,
    /// What stops the evaluation (`Kernel::eval_streamed_with_cancel`).
    cancel: Option<CancelToken>,
}

/// The inputs of a streamed evaluation by mode, each with its place among the
/// kernel's inputs.
struct Split<'i> {
    windows: Vec<(usize, &'i mut Input)>,
    whole: Vec<(usize, DynView<'i>)>,
}

impl Kernel {
    /// Evaluates over inputs that need not fit in memory, a block at a time, and sends
    /// the results to `sink` as they are computed; blocks of [`Kernel::eval_streamed_with_block`]'s
    /// default length (256 K elements per CPU thread, 2 MB of float64 per array and
    /// thread). The caller finishes the sink (`finish`).
    ///
    /// Inputs with the result's shape in C order are read block by block: mapped
    /// native-order data where it lies (its pages released after each block), other
    /// files converted or inflated into a block buffer. The other inputs (smaller ones
    /// broadcast against the big ones, Fortran order) are bound whole: mapped where
    /// they can be, else loaded into memory, and kept there in `inputs` for the next
    /// evaluation.
    ///
    /// Elementwise results go to `sink` block by block, every output advancing
    /// together. A whole-array reduction goes to `sink` as one 0-d block: with the CPU
    /// target it is the result of [`Kernel::eval`] bit for bit (the same chunk
    /// partials, combined the same way). Peak memory is the blocks (of the outputs, and
    /// of the inputs that need converting) and the inputs bound whole. Axis reductions
    /// and the CUDA target evaluate whole arrays: every input is then loaded, and each
    /// result built in memory is sent as one block.
    ///
    /// Errors are those of [`Kernel::eval`] (names, dtypes, shapes), of reading the
    /// inputs and of the sink; after one, the sink holds an incomplete result, which
    /// its `finish` refuses.
    ///
    /// ```
    /// use nexpr::{io, Expr, Target};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("x.npy");
    /// io::write_npy(&path, &ndarray::Array1::from_iter((0..1_000_000).map(|i| i as f64)))?;
    /// let mut inputs = io::open(&path)?; // mapped, not read
    ///
    /// let sum = Expr::parse("sum(x * 2)")?.compile(Target::cpu())?;
    /// let mut sink = io::MemorySink::new();
    /// sum.eval_streamed(&mut inputs, &mut sink)?;
    /// let r = sink.finish()?.remove("result").unwrap();
    /// assert_eq!(r.as_array::<f64>().unwrap().first(), Some(&999_999_000_000.0));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval_streamed(
        &self,
        inputs: &mut BTreeMap<String, Input>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let threads = match self.target {
            Target::Cpu { threads } => threads,
            _ => 1,
        };
        self.eval_streamed_with_block(inputs, default_block(threads), sink)
    }

    /// [`Kernel::eval_streamed`] with blocks of `block` elements (rounded up to a
    /// multiple of the CPU driver's chunk, 8192 elements): smaller blocks use less
    /// memory, larger ones fewer passes through the thread pool.
    ///
    /// ```
    /// use nexpr::io::{Input, MemorySink};
    /// use nexpr::{DynArray, Program, Target};
    /// use std::collections::BTreeMap;
    /// let a = ndarray::Array2::from_shape_fn((300, 100), |(i, j)| (i * 100 + j) as i64);
    /// let row = ndarray::Array1::from_iter(0..100i64);
    /// let mut inputs = BTreeMap::from([
    ///     ("a".to_string(), Input::from_array(a.clone().into_dyn())),
    ///     ("row".to_string(), Input::from_array(row.clone().into_dyn())), // broadcast, bound whole
    /// ]);
    /// let prog = Program::parse("output d, big\nd = a - row\nbig = d >= 15000\n")?;
    /// let mut sink = MemorySink::new();
    /// prog.compile(Target::Cpu { threads: 2 })?
    ///     .eval_streamed_with_block(&mut inputs, 8192, &mut sink)?;
    /// let outs = sink.finish()?;
    /// assert_eq!(outs["d"], DynArray::from((&a - &row).into_dyn()));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval_streamed_with_block(
        &self,
        inputs: &mut BTreeMap<String, Input>,
        block: usize,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        self.stream(inputs, block, sink, None)
    }

    /// [`Kernel::eval_streamed`] that stops with an [`ErrorKind::Cancelled`] error
    /// soon after `token` is cancelled (see [`Vars::with_cancel`]); the sink then holds
    /// an incomplete result, which its `finish` refuses (a file sink leaves no file).
    ///
    /// ```
    /// use nexpr::io::{Input, MemorySink};
    /// use nexpr::{CancelToken, ErrorKind, Expr, Target};
    /// use std::collections::BTreeMap;
    /// let a = ndarray::Array1::from_iter((0..100_000).map(|i| i as f64));
    /// let mut inputs = BTreeMap::from([("a".to_string(), Input::from_array(a.into_dyn()))]);
    /// let token = CancelToken::new();
    /// token.cancel();
    /// let mut sink = MemorySink::new();
    /// let k = Expr::parse("a * 2")?.compile(Target::cpu())?;
    /// let e = k.eval_streamed_with_cancel(&mut inputs, &mut sink, &token).unwrap_err();
    /// assert_eq!(e.kind, ErrorKind::Cancelled);
    /// assert!(sink.finish().is_err());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval_streamed_with_cancel(
        &self,
        inputs: &mut BTreeMap<String, Input>,
        sink: &mut dyn Sink,
        token: &CancelToken,
    ) -> Result<()> {
        let threads = match self.target {
            Target::Cpu { threads } => threads,
            _ => 1,
        };
        self.stream(inputs, default_block(threads), sink, Some(token))
    }

    fn stream(
        &self,
        inputs: &mut BTreeMap<String, Input>,
        block: usize,
        sink: &mut dyn Sink,
        cancel: Option<&CancelToken>,
    ) -> Result<()> {
        let mut plan = self.plan(inputs, block)?;
        plan.cancel = cancel.cloned();
        let modes = self.inputs.iter().zip(&plan.modes);
        let bound_whole = modes.filter(|(_, m)| **m == Mode::Whole);
        load_unviewable(bound_whole.map(|(name, _)| name), inputs)?;
        let p = self.prepared(&self.signature(&plan, inputs))?;
        let axis_reduce = p.func.reduce.is_some_and(|r| r.axis.is_some());
        if plan.n == 0 || axis_reduce || !p.exec.spans() {
            return self.stream_whole(inputs, sink, cancel);
        }
        let mut split = self.split(&plan, inputs);
        match p.func.reduce {
            Some(r) => {
                let result = self.reduce_blocks(&p, r, &plan, &mut split)?;
                send_whole(sink, &self.output_names(), &[result])
            }
            None => self.map_blocks(&p, &plan, &mut split, sink),
        }
    }

    /// The result's shape, its length, and how each input is bound.
    fn plan(&self, inputs: &BTreeMap<String, Input>, block: usize) -> Result<Plan> {
        self.check_names(&|name| {
            inputs
                .get(name)
                .map(|v| crate::sema::InputType::Array(v.dtype()))
        })?;
        let shape = broadcast_named(self.inputs.iter().map(|n| (n.as_str(), inputs[n].shape())))?;
        let n = shape
            .iter()
            .try_fold(1usize, |a, &k| a.checked_mul(k))
            .filter(|&n| n <= isize::MAX as usize / 16)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Shape,
                    format!("the result's shape {shape:?} is too large"),
                )
            })?;
        let modes = self
            .inputs
            .iter()
            .map(|name| {
                let v = &inputs[name];
                match n > 1 && v.shape() == shape.as_slice() && v.c_order() {
                    true => Mode::Window,
                    false => Mode::Whole,
                }
            })
            .collect();
        Ok(Plan {
            c_strides: c_strides(&shape),
            shape,
            n,
            block: block.max(1).div_ceil(CHUNK) * CHUNK,
            modes,
            cancel: None,
        })
    }

    /// The input signature to specialize for: windows are contiguous blocks, whole
    /// inputs have their broadcast layout (they are viewable: see `load_unviewable`).
    fn signature(&self, plan: &Plan, inputs: &BTreeMap<String, Input>) -> Vec<(DType, Layout)> {
        let layout = |v: &Input, m: Mode| match m {
            Mode::Window => Layout::Contiguous,
            Mode::Whole => {
                let v = v.view().expect("loaded");
                let strides = broadcast_strides(v.shape(), v.strides(), &plan.shape);
                classify(&plan.shape, &strides)
            }
        };
        self.inputs
            .iter()
            .zip(&plan.modes)
            .map(|(name, &m)| (inputs[name].dtype(), layout(&inputs[name], m)))
            .collect()
    }

    /// The kernel's inputs by mode: windows to read, views of the whole ones.
    fn split<'i>(&self, plan: &Plan, inputs: &'i mut BTreeMap<String, Input>) -> Split<'i> {
        let mut split = Split {
            windows: Vec::new(),
            whole: Vec::new(),
        };
        for (name, v) in inputs.iter_mut() {
            let Some(k) = self.inputs.iter().position(|n| n == name) else {
                continue;
            };
            match plan.modes[k] {
                Mode::Window => split.windows.push((k, v)),
                Mode::Whole => {
                    let v: &'i Input = v;
                    split.whole.push((k, v.view().expect("loaded")));
                }
            }
        }
        split
    }

    /// Runs `step` on every block `[lo, hi)` of the result, with the inputs bound for
    /// it, then releases the windows' mapped pages of the block.
    fn for_each_block(
        &self,
        plan: &Plan,
        split: &mut Split,
        mut step: impl FnMut(&Bound, usize, usize) -> Result<()>,
    ) -> Result<()> {
        // Block buffers of the windows that are not viewable where they lie.
        let first = plan.block.min(plan.n);
        let mut bufs: Vec<Option<DynArray>> = split
            .windows
            .iter()
            .map(|(_, v)| {
                let viewable = v.window(0, first).is_some();
                (!viewable)
                    .then(|| DynArray::try_zeros(v.dtype(), &[first]))
                    .transpose()
            })
            .collect::<Result<_>>()?;
        let mut lo = 0;
        while lo < plan.n {
            let hi = (lo + plan.block).min(plan.n);
            for ((_, v), buf) in split.windows.iter_mut().zip(&mut bufs) {
                if let Some(buf) = buf {
                    fit(buf, hi - lo)?;
                    v.read_block(lo, buf)?;
                }
            }
            step(&self.bind_block(plan, split, &bufs, lo, hi)?, lo, hi)?;
            for (_, v) in &split.windows {
                v.release(lo, hi);
            }
            lo = hi;
        }
        Ok(())
    }

    /// The inputs bound for block `[lo, hi)`: windows (their block buffer, or the
    /// block where it lies) and the whole inputs, broadcast.
    fn bind_block<'b>(
        &self,
        plan: &Plan,
        split: &'b Split,
        bufs: &'b [Option<DynArray>],
        lo: usize,
        hi: usize,
    ) -> Result<Bound<'b>> {
        let mut slots: Vec<Option<BoundInput>> = (0..self.inputs.len()).map(|_| None).collect();
        for ((k, v), buf) in split.windows.iter().zip(bufs) {
            let view = match buf {
                Some(b) => b.view(),
                None => v
                    .window(lo, hi)
                    .ok_or_else(|| Error::backend("mapped window out of range"))?,
            };
            slots[*k] = Some(BoundInput {
                name: self.inputs[*k].clone(),
                view,
                strides: plan.c_strides.clone(),
                layout: Layout::Contiguous,
                window: lo,
            });
        }
        for (k, view) in &split.whole {
            let strides = broadcast_strides(view.shape(), view.strides(), &plan.shape);
            slots[*k] = Some(BoundInput {
                name: self.inputs[*k].clone(),
                view: view.reborrow(),
                layout: classify(&plan.shape, &strides),
                strides,
                window: 0,
            });
        }
        let inputs = slots.into_iter().map(|s| s.expect("every input bound"));
        Ok(Bound {
            shape: plan.shape.clone(),
            inputs: inputs.collect(),
            cancel: plan.cancel.clone(),
        })
    }

    /// Elementwise outputs: each block computed into block buffers and sent to `sink`.
    fn map_blocks(
        &self,
        p: &Prepared,
        plan: &Plan,
        split: &mut Split,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let types = p.func.output_types();
        let specs: Vec<OutputSpec> = self
            .output_names()
            .into_iter()
            .zip(&types)
            .map(|(name, &t)| OutputSpec::new(name, t, &plan.shape))
            .collect();
        sink.start(&specs)?;
        let first = plan.block.min(plan.n);
        let mut outs: Vec<DynArray> = types
            .iter()
            .map(|&t| DynArray::try_zeros(t, &[first]))
            .collect::<Result<_>>()?;
        self.for_each_block(plan, split, |bound, lo, hi| {
            for b in outs.iter_mut() {
                fit(b, hi - lo)?;
            }
            let bufs: Vec<OutBuf> = outs.iter_mut().map(OutBuf::of).collect();
            p.exec.run_span(bound, &bufs, lo, hi)?;
            drop(bufs);
            let views: Vec<DynView> = outs.iter().map(|b| b.view()).collect();
            sink.block(&views)
        })
    }

    /// A whole-array reduction: the partials of each block's chunks, combined at the
    /// end as the in-memory path combines them (float products: one running product).
    fn reduce_blocks(
        &self,
        p: &Prepared,
        r: Reduce,
        plan: &Plan,
        split: &mut Split,
    ) -> Result<DynArray> {
        let elem = p.func.vars[p.func.outputs[0] as usize].ty;
        let mut out = DynArray::try_zeros(elem, &[plan.block.min(plan.n)])?;
        let mut partials: Vec<DynArray> = Vec::new();
        self.for_each_block(plan, split, |bound, lo, hi| {
            let part = match p.exec.reduce_partials(bound, r, lo, hi) {
                Some(part) => part?,
                None => {
                    fit(&mut out, hi - lo)?;
                    p.exec.run_span(bound, &[OutBuf::of(&mut out)], lo, hi)?;
                    if is_sequential(r.op, r.ty) {
                        // NumPy's float products run element after element: carry the
                        // running product from block to block.
                        fold_block(partials.pop().as_ref(), &out, r.ty, r.op)?
                    } else {
                        chunk_partials(&out, r.ty, r.op, CHUNK)?
                    }
                }
            };
            partials.push(part);
            Ok(())
        })?;
        combine_partials(&concat(&partials)?, r.op)
    }

    /// Evaluates over whole arrays in memory (every input loaded unless viewable where
    /// it lies), and sends each result to `sink` as one block.
    fn stream_whole(
        &self,
        inputs: &mut BTreeMap<String, Input>,
        sink: &mut dyn Sink,
        cancel: Option<&CancelToken>,
    ) -> Result<()> {
        load_unviewable(self.inputs.iter(), inputs)?;
        let mut views = Vars::new();
        views.set_cancel(cancel);
        for name in &self.inputs {
            views.insert(name, inputs[name].view().expect("loaded above"));
        }
        let outs = self.run_vec(&views)?;
        send_whole(sink, &self.output_names(), &outs)
    }
}

/// Replaces the named inputs that cannot be viewed where they lie by their arrays,
/// loaded into memory.
fn load_unviewable<'n>(
    names: impl Iterator<Item = &'n String>,
    inputs: &mut BTreeMap<String, Input>,
) -> Result<()> {
    for name in names {
        let v = inputs.get_mut(name).expect("names are checked first");
        if v.view().is_none() {
            *v = Input::from_array(v.load()?);
        }
    }
    Ok(())
}

/// Starts `sink` with whole arrays and sends them as one block each (1-d, C order).
fn send_whole(sink: &mut dyn Sink, names: &[String], arrays: &[DynArray]) -> Result<()> {
    let specs: Vec<OutputSpec> = names
        .iter()
        .zip(arrays)
        .map(|(name, a)| OutputSpec::new(name.as_str(), a.dtype(), a.shape()))
        .collect();
    sink.start(&specs)?;
    let flat: Vec<Cow<DynArray>> = arrays
        .iter()
        .map(|a| match flat_view(a) {
            Some(_) => Cow::Borrowed(a),
            None => Cow::Owned(flatten(a)),
        })
        .collect();
    let views: Vec<DynView> = flat
        .iter()
        .map(|a| flat_view(a).expect("C-contiguous"))
        .collect();
    sink.block(&views)
}

/// The elements of a C-contiguous array as a 1-d view.
fn flat_view(a: &DynArray) -> Option<DynView<'_>> {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    DynView::$var(ndarray::ArrayView1::from(x.as_slice()?).into_dyn())
                })*
            }
        };
    }
    Some(go!(Bool, I32, I64, F32, F64, C64, C128))
}

/// The elements of `a` in C order, copied into a 1-d array.
fn flatten(a: &DynArray) -> DynArray {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    let v: Vec<_> = x.iter().copied().collect();
                    DynArray::$var(ndarray::Array1::from(v).into_dyn())
                })*
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// Strides in elements of a C-order array of `shape`.
fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut st = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for d in (0..shape.len()).rev() {
        st[d] = acc;
        acc = acc.saturating_mul(shape[d] as isize);
    }
    st
}

/// Replaces `buf` by a buffer of `len` elements of its dtype unless it has as many.
fn fit(buf: &mut DynArray, len: usize) -> Result<()> {
    if buf.len() != len {
        *buf = DynArray::try_zeros(buf.dtype(), &[len])?;
    }
    Ok(())
}
