//! The public API: parse once, compile for a target, evaluate many times.
//!
//! A [`Kernel`] specializes lazily: the first evaluation with a given input signature
//! (dtypes and layouts) type-checks, optimizes and compiles; later ones hit its cache.

use crate::array::{DynArray, DynView, DynViewMut, Vars};
use crate::backend::{self, Executable, OutBuf};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::{self, Func};
use crate::options::Options;
use crate::runtime::{self, Layout};
use crate::sema;
use crate::syntax::{self, ast::ProgramAst};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Where a kernel runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The reference tree-walking interpreter.
    Interp,
    /// Cranelift-compiled machine code, on `threads` threads.
    Cpu { threads: usize },
    /// CUDA C compiled by NVRTC, on device number `device`.
    Cuda { device: usize },
}

impl Target {
    /// `Target::Cpu` with the default thread count: `NEXPR_NUM_THREADS`, else all cores.
    pub fn cpu() -> Target {
        Target::Cpu {
            threads: default_threads(),
        }
    }
}

/// Thread count from `NEXPR_NUM_THREADS`, else the number of available cores.
pub fn default_threads() -> usize {
    std::env::var("NEXPR_NUM_THREADS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// What `Kernel::emit` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// The optimized typed IR.
    Ir,
    /// Cranelift IR of the compiled CPU loop.
    Clif,
    /// CUDA C source of the GPU kernel.
    Cuda,
    /// Machine code of the compiled CPU loop, disassembled.
    Asm,
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    src: String,
    ast: syntax::ast::Expr,
}

impl Expr {
    pub fn parse(src: &str) -> Result<Expr> {
        Ok(Expr {
            src: src.to_string(),
            ast: syntax::parse_expr(src)?,
        })
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// Compiles for `target` with the default [`Options`].
    pub fn compile(&self, target: Target) -> Result<Kernel> {
        self.compile_with(target, &Options::default())
    }

    /// Compiles for `target` with `options`.
    pub fn compile_with(&self, target: Target, options: &Options) -> Result<Kernel> {
        Kernel::new(
            self.src.clone(),
            sema::expr_program(&self.ast),
            true,
            target,
            options.clone(),
        )
    }
}

/// A parsed program (statements run independently for every element).
#[derive(Clone, Debug)]
pub struct Program {
    src: String,
    ast: ProgramAst,
}

impl Program {
    pub fn parse(src: &str) -> Result<Program> {
        Ok(Program {
            src: src.to_string(),
            ast: syntax::parse_program(src)?,
        })
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    pub fn output_names(&self) -> Vec<String> {
        self.ast.outputs.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Compiles for `target` with the default [`Options`].
    pub fn compile(&self, target: Target) -> Result<Kernel> {
        self.compile_with(target, &Options::default())
    }

    /// Compiles for `target` with `options`.
    pub fn compile_with(&self, target: Target, options: &Options) -> Result<Kernel> {
        Kernel::new(
            self.src.clone(),
            self.ast.clone(),
            false,
            target,
            options.clone(),
        )
    }
}

/// The input signature a kernel is specialized for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SigKey(Vec<(DType, Layout)>);

/// One specialization: the optimized IR and what runs it.
pub struct Prepared {
    pub func: Func,
    pub exec: Arc<dyn Executable>,
}

/// An expression or program compiled for a target, ready to evaluate.
pub struct Kernel {
    src: String,
    ast: ProgramAst,
    is_expr: bool,
    target: Target,
    options: Options,
    inputs: Vec<String>,
    cache: Mutex<HashMap<SigKey, Arc<Prepared>>>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("src", &self.src)
            .field("target", &self.target)
            .field("options", &self.options)
            .finish()
    }
}

impl Kernel {
    fn new(
        src: String,
        ast: ProgramAst,
        is_expr: bool,
        target: Target,
        options: Options,
    ) -> Result<Kernel> {
        options.cpu.validate()?;
        if let Target::Cuda { device } = target {
            backend::cuda::check_available(device)?;
        }
        if let Target::Cpu { threads: 0 } = target {
            return Err(Error::new(
                ErrorKind::Usage,
                "the CPU target needs at least one thread",
            ));
        }
        let inputs = sema::free_inputs(&ast);
        Ok(Kernel {
            src,
            ast,
            is_expr,
            target,
            options,
            inputs,
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// The options the kernel was compiled with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The names the kernel reads from its variables.
    pub fn input_names(&self) -> &[String] {
        &self.inputs
    }

    pub fn output_names(&self) -> Vec<String> {
        self.ast.outputs.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Type-checks and optimizes for the variables' dtypes, without compiling.
    pub fn typed_ir(&self, vars: &Vars) -> Result<Func> {
        self.typed_ir_with(&|name: &str| vars.get(name).map(|v| v.dtype()))
    }

    fn typed_ir_with(&self, types: &dyn Fn(&str) -> Option<DType>) -> Result<Func> {
        let func =
            sema::check(&self.ast, types, self.is_expr).map_err(|e| e.with_source(&self.src))?;
        Ok(crate::passes::optimize(&func))
    }

    /// Reports a missing input as type checking does (with a span).
    fn check_names(&self, types: &dyn Fn(&str) -> Option<DType>) -> Result<()> {
        // Type errors (with a caret) come before shape errors, as a user would fix them.
        for name in &self.inputs {
            if types(name).is_none() {
                sema::check(&self.ast, types, self.is_expr)
                    .map_err(|e| e.with_source(&self.src))?;
            }
        }
        Ok(())
    }

    /// The specialization for these input dtypes and layouts (compiled on first use).
    fn prepare(&self, types: &dyn Fn(&str) -> Option<DType>, key: SigKey) -> Result<Arc<Prepared>> {
        if let Some(p) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(p.clone());
        }
        let func = self.typed_ir_with(types)?;
        let layouts: Vec<Layout> = key.0.iter().map(|k| k.1).collect();
        let exec: Arc<dyn Executable> = match self.target {
            Target::Interp => Arc::new(backend::interp::Interp::new(func.clone())),
            Target::Cpu { threads } => {
                backend::cpu::compile(&func, &layouts, threads, &self.options.cpu)?
            }
            Target::Cuda { device } => {
                backend::cuda::compile(&func, &layouts, device, &self.options.cuda)?
            }
        };
        let p = Arc::new(Prepared { func, exec });
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, p.clone());
        Ok(p)
    }

    fn specialize<'v>(&self, vars: &'v Vars) -> Result<(Arc<Prepared>, runtime::Bound<'v>)> {
        let types = |name: &str| vars.get(name).map(|v| v.dtype());
        self.check_names(&types)?;
        let bound = runtime::bind(&self.inputs, vars)?;
        let key = SigKey(
            bound
                .inputs
                .iter()
                .map(|b| (b.view.dtype(), b.layout))
                .collect(),
        );
        Ok((self.prepare(&types, key)?, bound))
    }

    /// Evaluates and returns the (first) output.
    pub fn eval(&self, vars: &Vars) -> Result<DynArray> {
        let mut outs = self.run_vec(vars)?;
        Ok(outs.swap_remove(0))
    }

    /// Evaluates and returns every output by name.
    pub fn run(&self, vars: &Vars) -> Result<BTreeMap<String, DynArray>> {
        let outs = self.run_vec(vars)?;
        Ok(self.output_names().into_iter().zip(outs).collect())
    }

    fn run_vec(&self, vars: &Vars) -> Result<Vec<DynArray>> {
        let (p, bound) = self.specialize(vars)?;
        if let Some(r) = p.func.reduce {
            if let Some(res) = p.exec.run_reduce(&bound, r) {
                return Ok(vec![res?]);
            }
            // SAFETY: `run` writes every element of its outputs.
            let mut tmp = unsafe {
                DynArray::uninit(p.func.vars[p.func.outputs[0] as usize].ty, &bound.shape)
            };
            p.exec.run(&bound, &[OutBuf::of(&mut tmp)])?;
            return Ok(vec![runtime::reduce::reduce(&tmp, r)?]);
        }
        let mut outs: Vec<DynArray> = p
            .func
            .outputs
            .iter()
            // SAFETY: `run` writes every element of its outputs before they are returned.
            .map(|&v| unsafe { DynArray::uninit(p.func.vars[v as usize].ty, &bound.shape) })
            .collect();
        let bufs: Vec<OutBuf> = outs.iter_mut().map(OutBuf::of).collect();
        p.exec.run(&bound, &bufs)?;
        Ok(outs)
    }

    /// Evaluates the (single) output into `out`, which must have the result's dtype and
    /// shape; with a C-contiguous `out` nothing is allocated.
    pub fn eval_into<'o>(&self, vars: &Vars, out: impl Into<DynViewMut<'o>>) -> Result<()> {
        let mut out = out.into();
        let (p, bound) = self.specialize(vars)?;
        let ty = p.func.output_types()[0];
        if out.dtype() != ty {
            return Err(Error::new(
                ErrorKind::DType,
                format!("output array has dtype {}, the result is {ty}", out.dtype()),
            ));
        }
        let shape = match p.func.reduce {
            Some(_) => None,
            None => Some(bound.shape.clone()),
        };
        if let Some(shape) = &shape {
            if out.shape() != shape.as_slice() {
                return Err(Error::new(
                    ErrorKind::Shape,
                    format!(
                        "output array has shape {:?}, the result has shape {shape:?}",
                        out.shape()
                    ),
                ));
            }
            if let Some(ptr) = out.as_bytes_mut() {
                let buf = OutBuf {
                    ptr,
                    dtype: ty,
                    len: shape.iter().product(),
                };
                return p.exec.run(&bound, &[buf]);
            }
        }
        drop(bound);
        let r = self.eval(vars)?;
        if out.shape() != r.shape() {
            return Err(Error::new(
                ErrorKind::Shape,
                format!(
                    "output array has shape {:?}, the result has shape {:?}",
                    out.shape(),
                    r.shape()
                ),
            ));
        }
        out.assign(&r);
        Ok(())
    }

    /// Evaluates the (single) output over `array`, which is also bound as the input
    /// `name`: `a = f(a, ..)` with no second buffer, as numexpr's
    /// `evaluate(.., out=a)`. The result is that of [`Kernel::eval`] followed by a copy.
    ///
    /// On the CPU target, with `array` in C layout, the kernel writes straight over it:
    /// it reads each input element before it writes the output element of the same
    /// index, and `array` has the result's shape, so each element is read before it is
    /// overwritten. Elsewhere the result is computed first, then copied.
    pub fn eval_in_place<'o>(
        &self,
        vars: &Vars,
        name: &str,
        array: impl Into<DynViewMut<'o>>,
    ) -> Result<()> {
        let mut out = array.into();
        let mut v = vars.views();
        if matches!(self.target, Target::Cpu { .. }) {
            // SAFETY: `alias` is dropped (with `v`) before `out`'s borrow ends; the CPU
            // driver's read-before-write order is described above, and `eval_into`
            // falls back to evaluating completely before copying for the rest
            // (reductions, non-C layouts).
            if let Some(alias) = unsafe { out.alias_c() } {
                v.insert(name, alias);
                return self.eval_into(&v, out);
            }
        }
        let r = {
            v.insert(name, out.view());
            self.eval(&v)?
        };
        if out.dtype() != r.dtype() || out.shape() != r.shape() {
            return Err(Error::new(
                ErrorKind::Shape,
                format!(
                    "`{name}` has dtype {} and shape {:?}, the result {} and {:?}",
                    out.dtype(),
                    out.shape(),
                    r.dtype(),
                    r.shape()
                ),
            ));
        }
        out.assign(&r);
        Ok(())
    }

    /// The IR, Cranelift IR or CUDA C this kernel runs for these variables.
    pub fn emit(&self, vars: &Vars, what: Emit) -> Result<String> {
        let func = self.typed_ir(vars)?;
        match what {
            Emit::Ir => Ok(ir::print::print(&func)),
            Emit::Clif | Emit::Cuda | Emit::Asm => {
                let bound = runtime::bind(&self.inputs, vars)?;
                let layouts: Vec<Layout> = bound.inputs.iter().map(|b| b.layout).collect();
                match what {
                    Emit::Clif => backend::cpu::emit_clif(&func, &layouts, &self.options.cpu),
                    Emit::Asm => backend::cpu::emit_asm(&func, &layouts, &self.options.cpu),
                    _ => backend::cuda::emit_source(&func, &layouts),
                }
            }
        }
    }
}

/// Elements per block of a streamed evaluation on `threads` threads: 32 chunks a
/// thread (256 K elements, 2 MB of float64 per array and thread).
pub fn default_block(threads: usize) -> usize {
    threads.clamp(1, 1024) * 32 * backend::cpu::CHUNK
}

/// How one input of a streamed evaluation is bound.
enum Mode {
    /// Read a block at a time (it has the result's shape, in C order).
    Window,
    /// Bound whole (broadcast against the others, or not in C order).
    Whole,
}

impl Kernel {
    /// Evaluates over inputs that need not fit in memory, a block of `block` elements
    /// (rounded up to a multiple of `cpu::CHUNK`) at a time, in C order of the result.
    ///
    /// Inputs with the result's shape in C order are read block by block: mapped
    /// native-order data where it lies (its pages released after each block), other
    /// files converted or inflated into a block buffer. The other inputs (smaller ones
    /// broadcast against the big ones, Fortran order) are bound whole: mapped where
    /// they can be, else loaded into memory (and kept there, in `vars`).
    ///
    /// Elementwise results go to `sink` block by block, every output advancing
    /// together; the return value is then `None`. A whole-array reduction returns its
    /// 0-d result and writes nothing to `sink`: with the CPU target it is the result of
    /// [`Kernel::eval`] bit for bit (the same chunk partials, combined the same way).
    ///
    /// Peak memory is the blocks (inputs that need converting, and outputs) and the
    /// inputs bound whole. Axis reductions and the CUDA target evaluate whole arrays:
    /// every input is then loaded and the result built in memory before it is sent to
    /// `sink` as one block.
    pub fn eval_chunked(
        &self,
        vars: &mut BTreeMap<String, runtime::npy::Input>,
        block: usize,
        sink: &mut dyn runtime::outfile::Sink,
    ) -> Result<Option<DynArray>> {
        use runtime::bind::{broadcast_shapes, broadcast_strides, classify, BoundInput};
        let types = |name: &str| vars.get(name).map(|v| v.dtype());
        self.check_names(&types)?;
        let shape = broadcast_shapes(self.inputs.iter().map(|n| {
            let v = &vars[n];
            (n.as_str(), v.shape())
        }))?;
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
        let block = block.max(1).div_ceil(backend::cpu::CHUNK) * backend::cpu::CHUNK;
        let modes: Vec<Mode> = self
            .inputs
            .iter()
            .map(|name| {
                let v = &vars[name];
                if n > 1 && v.shape() == shape.as_slice() && v.c_order() {
                    Mode::Window
                } else {
                    Mode::Whole
                }
            })
            .collect();
        // Whole inputs with no view where they lie are loaded.
        for (name, m) in self.inputs.iter().zip(&modes) {
            let v = vars.get_mut(name).expect("checked above");
            if matches!(m, Mode::Whole) && v.view().is_none() {
                let a = v.load()?;
                *v = runtime::npy::Input::memory(a);
            }
        }
        let c_strides: Vec<isize> = {
            let mut st = vec![0isize; shape.len()];
            let mut acc = 1isize;
            for d in (0..shape.len()).rev() {
                st[d] = acc;
                acc = acc.saturating_mul(shape[d] as isize);
            }
            st
        };
        let layouts: Vec<Layout> = self
            .inputs
            .iter()
            .zip(&modes)
            .map(|(name, m)| match m {
                Mode::Window => Layout::Contiguous,
                Mode::Whole => {
                    let v = vars[name].view().expect("loaded above");
                    classify(&shape, &broadcast_strides(v.shape(), v.strides(), &shape))
                }
            })
            .collect();
        let key = SigKey(
            self.inputs
                .iter()
                .zip(&layouts)
                .map(|(name, &l)| (vars[name].dtype(), l))
                .collect(),
        );
        let types = |name: &str| vars.get(name).map(|v| v.dtype());
        let p = self.prepare(&types, key)?;
        let axis_reduce = p.func.reduce.is_some_and(|r| r.axis.is_some());
        if n == 0 || axis_reduce || !p.exec.spans() {
            return self.chunked_whole(vars, sink);
        }
        let out_types = p.func.output_types();
        let names = self.output_names();

        // Split the inputs into those read by block and those bound whole.
        let mut by_name: HashMap<&str, &mut runtime::npy::Input> =
            vars.iter_mut().map(|(k, v)| (k.as_str(), v)).collect();
        let mut win: Vec<(usize, &mut runtime::npy::Input)> = Vec::new();
        let mut whole: Vec<(usize, &runtime::npy::Input)> = Vec::new();
        for (k, (name, m)) in self.inputs.iter().zip(&modes).enumerate() {
            let v = by_name
                .remove(name.as_str())
                .expect("an input appears once");
            match m {
                Mode::Window => win.push((k, v)),
                Mode::Whole => whole.push((k, &*v)),
            }
        }
        let whole_views: Vec<(usize, DynView)> = whole
            .iter()
            .map(|(k, v)| (*k, v.view().expect("loaded above")))
            .collect();
        // Block buffers of the inputs that must be converted, and of the outputs.
        let mut in_bufs: Vec<Option<DynArray>> = win
            .iter()
            .map(|(_, v)| {
                v.window(0, block.min(n))
                    .is_none()
                    .then(|| DynArray::zeros(v.dtype(), &[block.min(n)]))
            })
            .collect();
        let reduce = p.func.reduce;
        let elem_types: Vec<DType> = if reduce.is_some() {
            vec![p.func.vars[p.func.outputs[0] as usize].ty]
        } else {
            out_types.clone()
        };
        let mut out_bufs: Vec<DynArray> = elem_types
            .iter()
            .map(|&t| DynArray::zeros(t, &[block.min(n)]))
            .collect();
        if reduce.is_none() {
            let specs: Vec<(String, DType, Vec<usize>)> = names
                .iter()
                .zip(&out_types)
                .map(|(name, &t)| (name.clone(), t, shape.clone()))
                .collect();
            sink.start(&specs)?;
        }
        let mut partials: Vec<DynArray> = Vec::new();
        let mut lo = 0;
        while lo < n {
            let hi = (lo + block).min(n);
            let len = hi - lo;
            if len < block {
                for b in in_bufs.iter_mut().flatten() {
                    *b = DynArray::zeros(b.dtype(), &[len]);
                }
                for b in out_bufs.iter_mut() {
                    *b = DynArray::zeros(b.dtype(), &[len]);
                }
            }
            for ((_, v), buf) in win.iter_mut().zip(in_bufs.iter_mut()) {
                if let Some(buf) = buf {
                    v.read_block(lo, buf)?;
                }
            }
            let mut slots: Vec<Option<BoundInput>> = (0..self.inputs.len()).map(|_| None).collect();
            for ((k, v), buf) in win.iter().zip(&in_bufs) {
                let view = match buf {
                    Some(b) => b.view(),
                    None => v
                        .window(lo, hi)
                        .ok_or_else(|| Error::backend("mapped window out of range"))?,
                };
                slots[*k] = Some(BoundInput {
                    name: self.inputs[*k].clone(),
                    view,
                    strides: c_strides.clone(),
                    layout: Layout::Contiguous,
                    window: lo,
                });
            }
            for (k, view) in &whole_views {
                let strides = broadcast_strides(view.shape(), view.strides(), &shape);
                slots[*k] = Some(BoundInput {
                    name: self.inputs[*k].clone(),
                    view: view.reborrow(),
                    layout: classify(&shape, &strides),
                    strides,
                    window: 0,
                });
            }
            let bound = runtime::Bound {
                shape: shape.clone(),
                inputs: slots
                    .into_iter()
                    .map(|s| s.expect("every input bound"))
                    .collect(),
            };
            match reduce {
                Some(r) => {
                    let part = match p.exec.reduce_partials(&bound, r, lo, hi) {
                        Some(part) => part?,
                        None => {
                            p.exec
                                .run_span(&bound, &[OutBuf::of(&mut out_bufs[0])], lo, hi)?;
                            runtime::reduce::chunk_partials(
                                &out_bufs[0],
                                r.ty,
                                r.op,
                                backend::cpu::CHUNK,
                            )
                        }
                    };
                    partials.push(part);
                }
                None => {
                    let bufs: Vec<OutBuf> = out_bufs.iter_mut().map(OutBuf::of).collect();
                    p.exec.run_span(&bound, &bufs, lo, hi)?;
                    drop(bound);
                    let refs: Vec<&DynArray> = out_bufs.iter().collect();
                    sink.block(&refs)?;
                }
            }
            for (_, v) in &win {
                v.release(lo, hi);
            }
            lo = hi;
        }
        match reduce {
            Some(r) => {
                let all = concat(&partials);
                Ok(Some(runtime::reduce::combine_partials(&all, r.op)))
            }
            None => Ok(None),
        }
    }

    /// `eval_chunked` for what is evaluated over whole arrays in memory.
    fn chunked_whole(
        &self,
        vars: &mut BTreeMap<String, runtime::npy::Input>,
        sink: &mut dyn runtime::outfile::Sink,
    ) -> Result<Option<DynArray>> {
        for name in &self.inputs {
            let v = vars.get_mut(name).expect("checked by the caller");
            if v.view().is_none() {
                let a = v.load()?;
                *v = runtime::npy::Input::memory(a);
            }
        }
        let mut views = Vars::new();
        for name in &self.inputs {
            views.insert(name, vars[name].view().expect("loaded above"));
        }
        let (p, _) = self.specialize(&views)?;
        let outs = self.run_vec(&views)?;
        if p.func.reduce.is_some() {
            return Ok(outs.into_iter().next());
        }
        let specs: Vec<(String, DType, Vec<usize>)> = self
            .output_names()
            .into_iter()
            .zip(&outs)
            .map(|(name, a)| (name, a.dtype(), a.shape().to_vec()))
            .collect();
        sink.start(&specs)?;
        let refs: Vec<&DynArray> = outs.iter().collect();
        sink.block(&refs)?;
        Ok(None)
    }
}

/// Concatenates 1-d arrays of one dtype.
fn concat(parts: &[DynArray]) -> DynArray {
    macro_rules! go {
        ($($var:ident),*) => {
            match parts.first() {
                $(Some(DynArray::$var(_)) => {
                    let v: Vec<_> = parts
                        .iter()
                        .flat_map(|p| match p {
                            DynArray::$var(x) => x.iter().copied().collect::<Vec<_>>(),
                            _ => unreachable!("one dtype"),
                        })
                        .collect();
                    DynArray::$var(ndarray::Array1::from(v).into_dyn())
                })*
                None => unreachable!("at least one block"),
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// A [`Sink`](runtime::outfile::Sink) that keeps the results in memory.
#[derive(Default, Debug)]
pub struct MemSink {
    /// Each output by name, once the evaluation is done.
    pub outputs: BTreeMap<String, DynArray>,
    order: Vec<(String, usize)>,
}

impl runtime::outfile::Sink for MemSink {
    fn start(&mut self, outputs: &[(String, DType, Vec<usize>)]) -> Result<()> {
        for (name, t, shape) in outputs {
            let a = runtime::npy::try_zeros(*t, shape)?;
            self.outputs.insert(name.clone(), a);
            self.order.push((name.clone(), 0));
        }
        Ok(())
    }

    fn block(&mut self, blocks: &[&DynArray]) -> Result<()> {
        for ((name, at), b) in self.order.iter_mut().zip(blocks) {
            let dst = self.outputs.get_mut(name).expect("started");
            let n = b.len();
            let d = runtime::outfile::bytes_of_mut(dst);
            let src = runtime::outfile::bytes_of(b);
            let size = b.dtype().size();
            d[*at * size..(*at + n) * size].copy_from_slice(src);
            *at += n;
        }
        Ok(())
    }
}
