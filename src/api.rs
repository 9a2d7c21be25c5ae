//! The public API: parse once, compile for a target, evaluate many times.
//!
//! A [`Kernel`] specializes lazily: the first evaluation with a given input signature
//! (dtypes and layouts) type-checks, optimizes and compiles; later ones hit its cache.

use crate::array::{DynArray, DynViewMut, UninitArray, Vars};
use crate::backend::{self, Executable, OutBuf};
use crate::dtype::DType;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::{self, Func};
use crate::lru::Lru;
use crate::options::Options;
use crate::runtime::{self, Layout};
use crate::sema::{self, InputType, OuterReduction};
use crate::syntax::{
    self,
    ast::{ProgramAst, StmtKind},
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

mod axis;
mod steps;
mod stream;
pub use steps::Steps;

/// Where a kernel runs.
///
/// ```
/// use nexpr::{Expr, Target};
/// let e = Expr::parse("a + 1")?;
/// for target in [Target::Interp, Target::Cpu { threads: 2 }, Target::cpu()] {
///     assert_eq!(e.compile(target)?.target(), target);
/// }
/// // Without NVRTC or a device, the CUDA target is an error, not a panic.
/// if let Err(err) = e.compile(Target::Cuda { device: 0 }) {
///     assert_eq!(err.kind, nexpr::ErrorKind::Backend);
/// }
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The reference tree-walking interpreter.
    Interp,
    /// Cranelift-compiled machine code, on `threads` threads (at least one).
    Cpu {
        /// Threads of one evaluation.
        threads: usize,
    },
    /// CUDA C compiled by NVRTC, on device number `device`.
    Cuda {
        /// The CUDA device's ordinal.
        device: usize,
    },
}

impl Target {
    /// `Target::Cpu` with the process default engine's thread count
    /// ([`crate::EngineConfig::default_threads`]: `NEXPR_NUM_THREADS`, else all cores).
    pub fn cpu() -> Target {
        Target::Cpu {
            threads: default_threads(),
        }
    }

    /// The most threads a CPU kernel of the process default engine runs on
    /// ([`crate::EngineConfig::max_threads`]: four per core, at least 16). The
    /// engine's CPU kernels share one pool of workers, which never grows beyond this.
    pub fn max_threads() -> usize {
        Engine::process_default().config().max_threads
    }
}

/// The process default engine's thread count (see [`Target::cpu`]).
pub(crate) fn default_threads() -> usize {
    Engine::process_default().config().default_threads
}

/// What [`Kernel::emit`] prints.
///
/// ```
/// use nexpr::{Emit, Expr, Target, Vars};
/// let a = ndarray::arr1(&[1.0f64, 2.0]);
/// let ir = Expr::parse("a*2 + a*2")?.compile(Target::Interp)?.emit(&Vars::new().with("a", &a), Emit::Ir)?;
/// assert_eq!(ir.matches("mul").count(), 1, "{ir}"); // common subexpressions are shared
/// # Ok::<(), nexpr::Error>(())
/// ```
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

/// A parsed expression in the numexpr language, such as `where(a > b, a, b) * 2`.
///
/// Parsing checks the syntax only; names and dtypes are checked when a [`Kernel`]
/// first sees the variables.
///
/// ```
/// use nexpr::{Expr, Target, Vars};
/// let e = Expr::parse("where(a > b, a, b) * 2")?;
/// assert_eq!(e.source(), "where(a > b, a, b) * 2");
/// let (a, b) = (ndarray::arr1(&[1.0f64, 5.0]), ndarray::arr1(&[3.0f64, 4.0]));
/// let r = e.compile(Target::cpu())?.eval(&Vars::new().with("a", &a).with("b", &b))?;
/// assert_eq!(r.into_array::<f64>()?.as_slice().unwrap(), &[6.0, 10.0]);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Expr {
    src: String,
    ast: syntax::ast::Expr,
}

impl Expr {
    /// Parses `src`; a [`crate::ErrorKind::Parse`] error with a span otherwise.
    pub fn parse(src: &str) -> Result<Expr> {
        Ok(Expr {
            src: src.to_string(),
            ast: syntax::parse_expr(src)?,
        })
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The reduction at the root of the expression, where it is one: which one, where
    /// its operand is in [`Expr::source`], and its axis (`None`: the whole array). For
    /// callers that split the work, reducing blocks with the operand's kernel and then
    /// the partial results.
    ///
    /// ```
    /// use nexpr::Expr;
    /// let e = Expr::parse("(max(a * b, axis=-1))")?;
    /// let r = e.outer_reduction().unwrap();
    /// assert_eq!((r.op, &e.source()[r.operand.start..r.operand.end], r.axis), ("max", "a * b", Some(-1)));
    /// assert!(Expr::parse("sum(a) + 1")?.outer_reduction().is_none());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn outer_reduction(&self) -> Option<OuterReduction> {
        sema::outer_reduction(&self.ast)
    }

    /// Compiles for `target` with the default [`Options`].
    pub fn compile(&self, target: Target) -> Result<Kernel> {
        self.compile_with(target, &Options::default())
    }

    /// Compiles for `target` with `options`, in the process default engine.
    pub fn compile_with(&self, target: Target, options: &Options) -> Result<Kernel> {
        self.compile_in(&Engine::process_default(), target, options)
    }

    /// Compiles for `target` with `options`, in `engine`: the kernel's machine code
    /// goes to the engine's caches and runs on its threads.
    ///
    /// ```
    /// use nexpr::{Engine, EngineConfig, Expr, Options, Target};
    /// let engine = Engine::new(EngineConfig { signature_cache_capacity: 8, ..Default::default() })?;
    /// let k = Expr::parse("a + 1")?.compile_in(&engine, Target::cpu(), &Options::default())?;
    /// assert!(k.engine().same(&engine));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn compile_in(&self, engine: &Engine, target: Target, options: &Options) -> Result<Kernel> {
        Kernel::new(
            engine.clone(),
            self.src.clone(),
            sema::expr_program(&self.ast),
            true,
            target,
            options.clone(),
        )
    }
}

/// A parsed program: statements (`=`, `if`/`elif`/`else`, `for … in range`, `break`)
/// run independently for every element; `output` names what comes back.
///
/// ```
/// use nexpr::{Program, Target, Vars};
/// let p = Program::parse("output s, n\ns = 0.0\nn = 0\nfor k in range(3):\n    s += a * k\n    n += 1\n")?;
/// assert_eq!(p.output_names(), ["s", "n"]);
/// let a = ndarray::arr1(&[1.0f64, 2.0]);
/// let outs = p.compile(Target::Interp)?.run(&Vars::new().with("a", &a))?;
/// assert_eq!(outs["s"].as_array::<f64>().unwrap().as_slice().unwrap(), &[3.0, 6.0]);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Program {
    src: String,
    ast: ProgramAst,
}

impl Program {
    /// Parses `src`; a [`crate::ErrorKind::Parse`] error with a span otherwise.
    pub fn parse(src: &str) -> Result<Program> {
        Ok(Program {
            src: src.to_string(),
            ast: syntax::parse_program(src)?,
        })
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The names of the `output` line, in its order.
    pub fn output_names(&self) -> Vec<String> {
        self.ast.outputs.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Compiles for `target` with the default [`Options`].
    pub fn compile(&self, target: Target) -> Result<Kernel> {
        self.compile_with(target, &Options::default())
    }

    /// Compiles for `target` with `options`, in the process default engine.
    pub fn compile_with(&self, target: Target, options: &Options) -> Result<Kernel> {
        self.compile_in(&Engine::process_default(), target, options)
    }

    /// Compiles for `target` with `options`, in `engine` (see [`Expr::compile_in`]).
    ///
    /// ```
    /// use nexpr::{Engine, EngineConfig, Options, Program, Target};
    /// let engine = Engine::new(EngineConfig::default())?;
    /// let p = Program::parse("output y\ny = x * 2\n")?;
    /// let k = p.compile_in(&engine, Target::Interp, &Options::default())?;
    /// assert!(k.engine().same(&engine));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn compile_in(&self, engine: &Engine, target: Target, options: &Options) -> Result<Kernel> {
        Kernel::new(
            engine.clone(),
            self.src.clone(),
            self.ast.clone(),
            false,
            target,
            options.clone(),
        )
    }
}

/// Allocates the elementwise outputs of `func` over `shape`, uninitialised, lets `run`
/// write them, and returns them (with what `run` returned) once it has returned `Ok`.
pub(crate) fn write_outputs<T>(
    func: &Func,
    shape: &[usize],
    run: impl FnOnce(&[OutBuf]) -> Result<T>,
) -> Result<(Vec<DynArray>, T)> {
    let mut outs: Vec<UninitArray> = func
        .outputs
        .iter()
        .map(|&v| UninitArray::new(func.vars[v as usize].ty, shape))
        .collect::<Result<_>>()?;
    let bufs: Vec<OutBuf> = outs.iter_mut().map(OutBuf::of_uninit).collect();
    let t = run(&bufs)?;
    drop(bufs);
    // SAFETY: `run` returned Ok, so it wrote every element of every output (the
    // contract of `Executable::run`).
    let outs = outs.into_iter().map(|o| unsafe { o.assume_init() });
    Ok((outs.collect(), t))
}

/// The input signature a kernel is specialized for: each input's type (weak for a
/// Python scalar) and layout.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SigKey(Vec<(InputType, Layout)>);

/// One specialization: the optimized IR and what runs it.
pub(crate) struct Prepared {
    pub(crate) func: Func,
    pub(crate) exec: Arc<dyn Executable>,
}

/// An expression or program compiled for a target, ready to evaluate.
///
/// A kernel specializes lazily: the first evaluation with a given input signature
/// (dtypes and layouts) type-checks, optimizes and compiles; later ones reuse that,
/// while the kernel keeps it: it keeps the specializations of its engine's
/// [`crate::EngineConfig::signature_cache_capacity`] most recently used signatures.
/// It may be shared between threads.
///
/// ```
/// use nexpr::{Expr, Target, Vars};
/// let k = Expr::parse("x*x + 1")?.compile(Target::Cpu { threads: 1 })?;
/// let f = ndarray::arr1(&[1.0f32, 2.0]);
/// let i = ndarray::arr1(&[3i64]);
/// assert_eq!(k.eval(&Vars::new().with("x", &f))?.dtype(), nexpr::DType::F32);
/// assert_eq!(k.eval(&Vars::new().with("x", &i))?.dtype(), nexpr::DType::I64);
/// assert_eq!(k.input_names(), ["x"]);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub struct Kernel {
    engine: Engine,
    src: String,
    ast: ProgramAst,
    is_expr: bool,
    target: Target,
    options: Options,
    inputs: Vec<String>,
    cache: Mutex<Lru<SigKey, Arc<Prepared>>>,
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
        engine: Engine,
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
        let cache = Mutex::new(Lru::new(engine.config().signature_cache_capacity));
        Ok(Kernel {
            engine,
            src,
            ast,
            is_expr,
            target,
            options,
            inputs,
            cache,
        })
    }

    /// The engine it was compiled in.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Specializations the kernel keeps now (at most the engine's
    /// `signature_cache_capacity`).
    pub(crate) fn specializations(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the program has a `for` loop: its evaluations may take any time, even
    /// over one element (see [`Vars::with_cancel`] to stop them).
    ///
    /// ```
    /// use nexpr::{Expr, Program, Target};
    /// assert!(!Expr::parse("a + 1")?.compile(Target::Interp)?.has_loops());
    /// let p = Program::parse("output y\ny = a\nfor i in range(3):\n    y = y * a\n")?;
    /// assert!(p.compile(Target::Interp)?.has_loops());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn has_loops(&self) -> bool {
        fn any_loop(body: &[syntax::ast::Stmt]) -> bool {
            crate::limits::stack(|| {
                body.iter().any(|s| match &s.kind {
                    StmtKind::For { .. } => true,
                    StmtKind::If {
                        then_body,
                        else_body,
                        ..
                    } => any_loop(then_body) || any_loop(else_body),
                    _ => false,
                })
            })
        }
        any_loop(&self.ast.body)
    }

    /// The target it was compiled for.
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

    /// The names of the outputs: `["result"]` for an expression.
    pub fn output_names(&self) -> Vec<String> {
        self.ast.outputs.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Type-checks and optimizes for the variables' dtypes, without compiling.
    /// The optimized IR and input layouts an evaluation with `vars` compiles.
    #[cfg(feature = "cross-isa")]
    pub(crate) fn ir_and_layouts(&self, vars: &Vars) -> Result<(Func, Vec<Layout>)> {
        let func = self.typed_ir(vars)?;
        let bound = runtime::bind(&self.inputs, vars)?;
        Ok((func, bound.inputs.iter().map(|b| b.layout).collect()))
    }

    /// The options the kernel compiles with.
    #[cfg(feature = "cross-isa")]
    pub(crate) fn cpu_options(&self) -> &crate::options::CpuOptions {
        &self.options.cpu
    }

    pub(crate) fn typed_ir(&self, vars: &Vars) -> Result<Func> {
        self.optimized(&|name| vars.input_type(name))
    }

    fn optimized(&self, types: &dyn Fn(&str) -> Option<InputType>) -> Result<Func> {
        let func =
            sema::check(&self.ast, types, self.is_expr).map_err(|e| e.with_source(&self.src))?;
        Ok(crate::passes::optimize(&func))
    }

    /// What evaluating with variables of these dtypes returns, found by type checking
    /// alone (nothing is compiled or read): the dtype of each output, and whether the
    /// (single) output is a reduction, whose shape is not the broadcast shape.
    pub fn result_types(&self, vars: &Vars) -> Result<(Vec<DType>, bool)> {
        let func = self.typed_ir(vars)?;
        Ok((func.output_types(), func.reduce.is_some()))
    }

    /// Reports a missing input as type checking does (with a span): type errors come
    /// before shape errors, as a user would fix them.
    fn check_names(&self, types: &dyn Fn(&str) -> Option<InputType>) -> Result<()> {
        for name in &self.inputs {
            if types(name).is_none() {
                sema::check(&self.ast, types, self.is_expr)
                    .map_err(|e| e.with_source(&self.src))?;
            }
        }
        Ok(())
    }

    fn specialize<'v>(&self, vars: &'v Vars) -> Result<(Arc<Prepared>, runtime::Bound<'v>)> {
        self.check_names(&|name| vars.input_type(name))?;
        crate::cancel::check(crate::cancel::flag_of(vars.cancel_token()))?;
        let bound = runtime::bind(&self.inputs, vars)?;
        let sig: Vec<(InputType, Layout)> = bound
            .inputs
            .iter()
            .map(|b| (vars.input_type(&b.name).expect("bound"), b.layout))
            .collect();
        Ok((self.prepared_typed(&sig)?, bound))
    }

    /// The specialization for the input signature `sig` (dtype and layout of each of
    /// [`Kernel::input_names`], in order) from the kernel's cache, compiled for its
    /// target on first use. For callers without host arrays (the CUDA `DeviceSession`,
    /// streamed evaluation).
    pub(crate) fn prepared(&self, sig: &[(DType, Layout)]) -> Result<Arc<Prepared>> {
        let typed: Vec<(InputType, Layout)> =
            sig.iter().map(|&(d, l)| (InputType::Array(d), l)).collect();
        self.prepared_typed(&typed)
    }

    /// [`Kernel::prepared`] for inputs that may be Python scalars.
    fn prepared_typed(&self, sig: &[(InputType, Layout)]) -> Result<Arc<Prepared>> {
        let key = SigKey(sig.to_vec());
        if let Some(p) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(p);
        }
        let func = self.optimized(&|name| {
            let k = self.inputs.iter().position(|n| n == name)?;
            sig.get(k).map(|s| s.0)
        })?;
        let layouts: Vec<Layout> = sig.iter().map(|k| k.1).collect();
        let exec: Arc<dyn Executable> = match self.target {
            Target::Interp => Arc::new(backend::interp::Interp::new(func.clone())),
            Target::Cpu { threads } => backend::cpu::compile(
                self.engine.cpu(),
                &func,
                &layouts,
                threads,
                &self.options.cpu,
            )?,
            Target::Cuda { device } => backend::cuda::compile(
                self.engine.cuda(),
                &func,
                &layouts,
                device,
                &self.options.cuda,
            )?,
        };
        let p = Arc::new(Prepared { func, exec });
        Ok(self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, p))
    }

    /// Evaluates and returns the output (for a program with several outputs, the
    /// first one; [`Kernel::run`] returns them all).
    ///
    /// ```
    /// use nexpr::{Expr, Target, Vars};
    /// let a = ndarray::arr2(&[[1i32, 2], [3, 4]]);
    /// let b = ndarray::arr1(&[10i32, 20]);                  // broadcast over the rows
    /// let k = Expr::parse("a * b + 1")?.compile(Target::cpu())?;
    /// let out = k.eval(&Vars::new().with("a", &a).with("b", &b))?;
    /// assert_eq!(out.into_array::<i32>()?, ndarray::arr2(&[[11, 41], [31, 81]]).into_dyn());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval(&self, vars: &Vars) -> Result<DynArray> {
        let mut outs = self.run_vec(vars)?;
        Ok(outs.swap_remove(0))
    }

    /// Evaluates and returns every output by name.
    ///
    /// ```
    /// use nexpr::{Program, Target, Vars};
    /// let a = ndarray::arr1(&[1.0f64, 2.0]);
    /// let k = Program::parse("output lo, hi\nlo = a - 1\nhi = a + 1\n")?.compile(Target::cpu())?;
    /// let outs = k.run(&Vars::new().with("a", &a))?;
    /// assert_eq!(outs.keys().collect::<Vec<_>>(), ["hi", "lo"]);
    /// assert_eq!(outs["hi"].as_array::<f64>().unwrap().as_slice(), Some(&[2.0, 3.0][..]));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
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
            if let Some(res) = axis::eval(&*p.exec, &bound, r) {
                return Ok(vec![res?]);
            }
        }
        let (outs, ()) = write_outputs(&p.func, &bound.shape, |bufs| p.exec.run(&bound, bufs))?;
        match p.func.reduce {
            Some(r) => Ok(vec![runtime::reduce::reduce(&outs[0], r)?]),
            None => Ok(outs),
        }
    }

    /// A usage error for the calls that write one output, on a kernel with several.
    fn single_output(&self, call: &str) -> Result<()> {
        if self.ast.outputs.len() == 1 {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Usage,
            format!(
                "`{call}` writes one output; this program has {} ({}): use `run`",
                self.ast.outputs.len(),
                self.output_names().join(", ")
            ),
        ))
    }

    /// Evaluates the output into `out`, which must have the result's dtype and shape;
    /// with `out` in C layout nothing is allocated (other layouts get a copy).
    ///
    /// The kernel must have one output (an expression, or a program with one `output`):
    /// a program with several is an [`ErrorKind::Usage`] error on every target, and
    /// `out` is left alone; [`Kernel::run`] returns them all. A dtype or shape that
    /// differs from the result's is an [`ErrorKind::DType`] or [`ErrorKind::Shape`]
    /// error, with `out` left alone too.
    ///
    /// ```
    /// use nexpr::{Expr, Target, Vars};
    /// let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
    /// let mut out = ndarray::Array1::<f64>::zeros(3);
    /// let k = Expr::parse("a * 10")?.compile(Target::cpu())?;
    /// k.eval_into(&Vars::new().with("a", &a), &mut out)?;
    /// assert_eq!(out.to_vec(), vec![10.0, 20.0, 30.0]);
    /// let mut wrong = ndarray::Array1::<f32>::zeros(3);
    /// assert!(k.eval_into(&Vars::new().with("a", &a), &mut wrong).is_err());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval_into<'o>(&self, vars: &Vars, out: impl Into<DynViewMut<'o>>) -> Result<()> {
        self.single_output("eval_into")?;
        let mut out = out.into();
        let (p, bound) = self.specialize(vars)?;
        let ty = p.func.output_types()[0];
        if out.dtype() != ty {
            return Err(Error::new(
                ErrorKind::DType,
                format!("output array has dtype {}, the result is {ty}", out.dtype()),
            ));
        }
        if p.func.reduce.is_none() {
            if out.shape() != bound.shape.as_slice() {
                return Err(Error::new(
                    ErrorKind::Shape,
                    format!(
                        "output array has shape {:?}, the result has shape {:?}",
                        out.shape(),
                        bound.shape
                    ),
                ));
            }
            if let Some(buf) = OutBuf::of_view(&mut out) {
                return p.exec.run(&bound, &[buf]);
            }
        }
        drop(bound);
        let r = self.eval(vars)?;
        out.assign(&r)
    }

    /// Evaluates the output over `array`, which is also bound as the input `name`:
    /// `a = f(a, ..)` with no second buffer, as numexpr's `evaluate(.., out=a)`. The
    /// result is that of [`Kernel::eval`] followed by a copy; the kernel must have one
    /// output, as for [`Kernel::eval_into`].
    ///
    /// On the CPU target, with `array` in C layout, the kernel writes straight over it:
    /// it reads each input element before it writes the output element of the same
    /// index, and `array` has the result's shape, so each element is read before it is
    /// overwritten. Elsewhere the result is computed first, then copied.
    ///
    /// ```
    /// use nexpr::{Expr, Target, Vars};
    /// let c = ndarray::arr1(&[0.5f64, 1.0]);
    /// let mut z = ndarray::Array1::<f64>::zeros(2);
    /// let step = Expr::parse("z*z + c")?.compile(Target::cpu())?;
    /// for _ in 0..2 {
    ///     step.eval_in_place(&Vars::new().with("c", &c), "z", &mut z)?;
    /// }
    /// assert_eq!(z.to_vec(), vec![0.75, 2.0]);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn eval_in_place<'o>(
        &self,
        vars: &Vars,
        name: &str,
        array: impl Into<DynViewMut<'o>>,
    ) -> Result<()> {
        self.single_output("eval_in_place")?;
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
            let kind = match out.dtype() == r.dtype() {
                true => ErrorKind::Shape,
                false => ErrorKind::DType,
            };
            return Err(Error::new(
                kind,
                format!(
                    "`{name}` has dtype {} and shape {:?}, the result {} and {:?}",
                    out.dtype(),
                    out.shape(),
                    r.dtype(),
                    r.shape()
                ),
            ));
        }
        out.assign(&r)
    }

    /// The IR, Cranelift IR, machine code or CUDA C this kernel runs for these
    /// variables (see [`Emit`]); nothing is run. Any target can emit any form.
    ///
    /// ```
    /// use nexpr::{Emit, Expr, Target, Vars};
    /// let a = ndarray::arr1(&[1.0f32]);
    /// let k = Expr::parse("a * 2")?.compile(Target::Interp)?;
    /// let cuda = k.emit(&Vars::new().with("a", &a), Emit::Cuda)?;  // no GPU needed
    /// assert!(cuda.contains("__global__"));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
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
