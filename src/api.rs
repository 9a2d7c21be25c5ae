//! The public API: parse once, compile for a target, evaluate many times.
//!
//! A [`Kernel`] specializes lazily: the first evaluation with a given input signature
//! (dtypes and layouts) type-checks, optimizes and compiles; later ones hit its cache.

use crate::array::{DynArray, DynViewMut, Vars};
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
    /// Cranelift-compiled machine code, on `threads` threads (at most
    /// [`Target::max_threads`]: larger counts are clamped).
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

    /// The most threads a CPU kernel runs on: four per core, at least 16. All CPU
    /// kernels share one pool of workers, which never grows beyond this.
    pub fn max_threads() -> usize {
        backend::cpu::max_threads()
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
        let types = |name: &str| vars.get(name).map(|v| v.dtype());
        let func =
            sema::check(&self.ast, &types, self.is_expr).map_err(|e| e.with_source(&self.src))?;
        Ok(crate::passes::optimize(&func))
    }

    fn specialize<'v>(&self, vars: &'v Vars) -> Result<(Arc<Prepared>, runtime::Bound<'v>)> {
        // Type errors (with a caret) come before shape errors, as a user would fix them.
        let types = |name: &str| vars.get(name).map(|v| v.dtype());
        for name in &self.inputs {
            if types(name).is_none() {
                // Let type checking report it with a span.
                sema::check(&self.ast, &types, self.is_expr)
                    .map_err(|e| e.with_source(&self.src))?;
            }
        }
        let bound = runtime::bind(&self.inputs, vars)?;
        let key = SigKey(
            bound
                .inputs
                .iter()
                .map(|b| (b.view.dtype(), b.layout))
                .collect(),
        );
        if let Some(p) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok((p.clone(), bound));
        }
        let func = self.typed_ir(vars)?;
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
        Ok((p, bound))
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
