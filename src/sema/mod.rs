//! Type checking: AST + the dtypes of the bound variables -> typed IR.
//!
//! NumPy 2 semantics are decided here, once: NEP 50 promotion (Python literals,
//! Python scalars bound as inputs (`input`) and Python-int loop variables are weak), which operand types each operation computes
//! in (casts are inserted so backends see uniform operands), and which combinations
//! NumPy refuses. Constant expressions of literals are Python's arithmetic (`python`),
//! converted where they meet a typed value (`literal`). Locals keep one dtype for the
//! whole program: the join of every value assigned to them, found by iterating to a
//! fixpoint.
//!
//! `ops` types the operators, `calls` the functions and reductions.

mod calls;
mod input;
mod literal;
mod names;
mod ops;
mod outer;
mod python;

use crate::dtype::{DType, Kind, Ty};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::ir::{self, Builder, Local, Op, Param, Reduce, Stmt, ValueId};
use crate::limits;
use crate::syntax::ast::{self, Expr, ExprKind, ProgramAst, StmtKind};
use crate::value::Scalar;
use python::{Py, PyError};
use std::collections::HashMap;

pub use calls::function_names;
pub use input::InputType;
pub use names::free_inputs;
pub use outer::{outer_reduction, OuterReduction};

/// The name of the single output of a plain expression.
pub const RESULT: &str = "result";

/// Wraps a plain expression as the one-statement program `result = <expr>`.
pub fn expr_program(e: &Expr) -> ProgramAst {
    ProgramAst {
        outputs: vec![(RESULT.to_string(), e.span)],
        body: vec![ast::Stmt {
            kind: StmtKind::Assign {
                target: RESULT.to_string(),
                target_span: e.span,
                op: None,
                value: e.clone(),
            },
            span: e.span,
        }],
    }
}

/// Type-checks `prog` against the types of its inputs and builds the IR.
/// `input_types` gives the type of every name the program reads before assigning.
pub fn check(
    prog: &ProgramAst,
    input_types: &dyn Fn(&str) -> Option<InputType>,
    allow_reduce: bool,
) -> Result<ir::Func> {
    let info = names::analyze(prog)?;
    let mut inputs = Vec::new();
    let mut input_tys = Vec::new();
    for (name, span) in &info.inputs {
        let ty = input_types(name).ok_or_else(|| {
            Error::at(ErrorKind::Name, *span, format!("unknown variable `{name}`"))
        })?;
        inputs.push(Param {
            name: name.clone(),
            ty: ty.dtype(),
        });
        input_tys.push(ty);
    }
    let mut cx = Checker::new(inputs, input_tys, &info, allow_reduce);
    // Fixpoint over local types; errors count only on the final pass.
    for _ in 0..16 {
        let before = cx.local_tys.clone();
        cx.b = Builder::new(vec![], vec![]);
        let _ = cx.stmts(&prog.body, true);
        if cx.local_tys == before {
            break;
        }
    }
    let vars: Vec<Local> = info
        .locals
        .iter()
        .zip(&cx.local_tys)
        .map(|(name, ty)| Local {
            name: name.clone(),
            ty: ty.map_or(DType::I64, |t| t.dtype),
            init_from: cx.input_index.get(name).copied(),
        })
        .collect();
    cx.b = Builder::new(cx.inputs.clone(), vars);
    cx.reduce = None;
    let body = cx.stmts(&prog.body, false)?;
    let mut outputs = Vec::new();
    for (name, span) in &prog.outputs {
        match cx.local(name) {
            Some(v) => outputs.push(v),
            None => {
                return Err(Error::ty(
                    *span,
                    format!("output `{name}` is never assigned"),
                ));
            }
        }
    }
    for (name, span) in &info.maybe_unassigned_outputs {
        if !cx.input_index.contains_key(name) {
            return Err(Error::ty(
                *span,
                format!("output `{name}` is not assigned on every path"),
            ));
        }
    }
    let func = cx.b.finish(outputs, body, cx.reduce);
    debug_assert_eq!(func.verify(), Ok(()), "{}", ir::print::print(&func));
    Ok(func)
}

struct Checker {
    inputs: Vec<Param>,
    /// Each input's type: weak for a Python scalar.
    input_tys: Vec<InputType>,
    input_index: HashMap<String, u32>,
    local_index: HashMap<String, u32>,
    local_tys: Vec<Option<Ty>>,
    reduce: Option<Reduce>,
    allow_reduce: bool,
    b: Builder,
    loop_depth: usize,
    /// The Python values of the current statement's literals (see [`V::lit`]).
    lits: Vec<Py>,
}

/// A typed value during checking.
#[derive(Clone, Copy, Debug)]
struct V {
    /// Its node. For a literal, a stand-in only (the default dtype's constant, or for
    /// an integer beyond int64 its float value): use [`Checker::operand`].
    id: ValueId,
    ty: Ty,
    /// For a Python literal (or a constant expression of literals), its index in
    /// `Checker::lits`.
    lit: Option<u32>,
}

impl V {
    fn of(id: ValueId, ty: Ty) -> V {
        V { id, ty, lit: None }
    }
}

/// A Python exception raised by a constant expression, at `span`, of the kind whose
/// exception class in the bindings is Python's: `OverflowError` and
/// `ZeroDivisionError` keep their own kinds, `ValueError` (`1 << -1`, `int32(nan)`)
/// is an evaluation error (a `ValueError`), every other class a type error.
fn py_error(e: PyError, span: Span) -> Error {
    let kind = match e.class {
        "OverflowError" => ErrorKind::Overflow,
        "ZeroDivisionError" => ErrorKind::ZeroDivision,
        "ValueError" => ErrorKind::Eval,
        _ => ErrorKind::Type,
    };
    Error::at(kind, span, format!("{}: {}", e.class, e.message))
}

impl Checker {
    fn new(
        inputs: Vec<Param>,
        input_tys: Vec<InputType>,
        info: &names::Info,
        allow_reduce: bool,
    ) -> Checker {
        let input_index: HashMap<String, u32> = (inputs.iter().enumerate())
            .map(|(k, p)| (p.name.clone(), k as u32))
            .collect();
        let local_index = (info.locals.iter().enumerate())
            .map(|(k, name)| (name.clone(), k as u32))
            .collect();
        // Locals read before assignment start from the input of the same name; loop
        // variables are Python ints.
        let local_tys = (info.locals.iter())
            .map(|name| match input_index.get(name) {
                _ if info.loop_vars.contains(name) => Some(Ty::weak(DType::I64)),
                Some(&k) => Some(input_tys[k as usize].ty()),
                None => None,
            })
            .collect();
        Checker {
            inputs,
            input_tys,
            input_index,
            local_index,
            local_tys,
            reduce: None,
            allow_reduce,
            b: Builder::new(vec![], vec![]),
            loop_depth: 0,
            lits: Vec::new(),
        }
    }

    fn local(&self, name: &str) -> Option<u32> {
        self.local_index.get(name).copied()
    }

    fn stmts(&mut self, body: &[ast::Stmt], infer: bool) -> Result<Vec<Stmt>> {
        limits::stack(|| {
            let mut out = Vec::new();
            for s in body {
                match self.stmt(s, infer) {
                    Ok(Some(st)) => out.push(st),
                    Ok(None) => {}
                    Err(e) if !infer => return Err(e),
                    Err(_) => {}
                }
            }
            Ok(out)
        })
    }

    fn begin(&mut self) {
        self.b.begin_stmt();
        self.lits.clear();
    }

    fn stmt(&mut self, s: &ast::Stmt, infer: bool) -> Result<Option<Stmt>> {
        match &s.kind {
            StmtKind::Assign {
                target,
                target_span,
                op,
                value,
            } => {
                self.begin();
                let v = match op {
                    None => self.expr(value, true)?,
                    Some(op) => {
                        let cur = self.name(target, *target_span)?;
                        let rhs = self.expr(value, false)?;
                        self.binary(*op, cur, rhs, s.span)?
                    }
                };
                let var = self.local(target).expect("assigned names are locals");
                let slot = &mut self.local_tys[var as usize];
                let joined = match *slot {
                    None => v.ty,
                    Some(t) => Ty::join(t, v.ty),
                };
                if infer {
                    *slot = Some(joined);
                    return Ok(None);
                }
                let var_ty = self.b.vars[var as usize].ty;
                let value = self.operand(v, var_ty, value.span)?;
                Ok(Some(Stmt::Assign { var, value }))
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                self.begin();
                let c = self.expr(cond, false)?;
                let c = self.operand(c, DType::Bool, cond.span)?;
                let then_body = self.stmts(then_body, infer)?;
                let else_body = self.stmts(else_body, infer)?;
                Ok(Some(Stmt::If {
                    cond: c,
                    then_body,
                    else_body,
                }))
            }
            StmtKind::For {
                var,
                start,
                end,
                body,
                ..
            } => {
                let start = self.range_bound(start.as_ref())?;
                let end = self.range_bound(Some(end))?;
                self.loop_depth += 1;
                let body = self.stmts(body, infer);
                self.loop_depth -= 1;
                Ok(Some(Stmt::For {
                    var: self.local(var).expect("loop variables are locals"),
                    start,
                    end,
                    body: body?,
                }))
            }
            StmtKind::Break => {
                if self.loop_depth == 0 {
                    return Err(Error::ty(s.span, "`break` outside a loop"));
                }
                Ok(Some(Stmt::Break))
            }
        }
    }

    /// A `range()` bound (absent: 0), as int64.
    fn range_bound(&mut self, e: Option<&Expr>) -> Result<ValueId> {
        self.begin();
        let Some(e) = e else {
            return Ok(self.b.konst(Scalar::I64(0)));
        };
        let v = self.expr(e, false)?;
        if !matches!(v.ty.dtype.kind(), Kind::Int | Kind::Bool) {
            return Err(Error::ty(
                e.span,
                format!("range() bounds must be integers, not {}", v.ty.dtype),
            ));
        }
        self.operand(v, DType::I64, e.span)
    }

    /// A Python literal (or constant expression of literals) as a weak value.
    fn literal(&mut self, py: Py) -> V {
        let stand_in = match &py {
            Py::Bool(b) => Scalar::Bool(*b),
            Py::Int(x) => match num_traits::ToPrimitive::to_i64(x) {
                Some(v) => Scalar::I64(v),
                None => Scalar::F64(python::int_to_f64(x).unwrap_or(f64::NAN)),
            },
            Py::Float(f) => Scalar::F64(*f),
            Py::Complex(c) => Scalar::C128(*c),
        };
        let ty = literal::weak_ty(&py);
        self.lits.push(py);
        V {
            id: self.b.konst(stand_in),
            ty,
            lit: Some(self.lits.len() as u32 - 1),
        }
    }

    /// The Python value of a literal operand.
    fn py(&self, v: V) -> Option<&Py> {
        v.lit.map(|k| &self.lits[k as usize])
    }

    /// `v` as an operand of dtype `to`: a cast, or for a literal NumPy's conversion of
    /// the Python value (which may raise OverflowError, reported at `span`).
    fn operand(&mut self, v: V, to: DType, span: Span) -> Result<ValueId> {
        match self.py(v) {
            Some(py) => {
                let s = literal::to_dtype(py, to).map_err(|e| py_error(e, span))?;
                Ok(self.b.konst(s))
            }
            None => Ok(self.b.cast(v.id, to)),
        }
    }

    /// A constant that is not a Python literal (a NumPy scalar: strong).
    fn konst(&mut self, s: Scalar) -> V {
        V::of(self.b.konst(s), Ty::strong(s.dtype()))
    }

    /// The constant `k` standing for an operation of `dropped`, whose value it does
    /// not need: what can raise in `dropped` is still computed (`ir::raising`).
    fn keeping_raising(&mut self, k: V, dropped: V) -> V {
        if dropped.lit.is_some() {
            return k;
        }
        let raising = ir::raising::raising_in(&self.b, dropped.id);
        V::of(ir::raising::keeping(&mut self.b, k.id, &raising), k.ty)
    }

    /// Adds a node; operations on constants are folded at once (with the run-time
    /// semantics), so literal patterns like `x ** -1` are visible to type checking.
    fn mk(&mut self, op: Op, args: Vec<ValueId>, ty: Ty) -> V {
        let consts: Option<Vec<Scalar>> = args
            .iter()
            .map(|&a| match self.b.node(a).op {
                Op::Const(c) => Some(c),
                _ => None,
            })
            .collect();
        let folded = match (consts, op) {
            (Some(c), Op::Unary(u)) => Some(crate::value::unary(u, c[0], ty.dtype)),
            (Some(c), Op::Binary(bo)) => crate::value::binary(bo, c[0], c[1], ty.dtype).ok(),
            _ => None,
        };
        match folded {
            Some(s) => V::of(self.b.konst(s), ty),
            None => V::of(self.b.add(op, args, ty.dtype), ty),
        }
    }

    fn name(&mut self, name: &str, span: Span) -> Result<V> {
        if let Some(var) = self.local(name) {
            if let Some(ty) = self.local_tys[var as usize] {
                // During inference the builder has no vars; build a typed placeholder.
                let dt = self.b.vars.get(var as usize).map_or(ty.dtype, |l| l.ty);
                let weak = ty.weak;
                return Ok(self.mk(Op::Var(var), vec![], Ty { dtype: dt, weak }));
            }
            return Err(Error::ty(
                span,
                format!("`{name}` is used before it is assigned"),
            ));
        }
        let k = *self.input_index.get(name).ok_or_else(|| {
            Error::at(ErrorKind::Name, span, format!("unknown variable `{name}`"))
        })?;
        match self.input_tys[k as usize] {
            // Its value decides conversions and comparisons, as a literal's does.
            InputType::PyInt(v) => Ok(self.literal(Py::Int(v.into()))),
            t => Ok(self.mk(Op::Input(k), vec![], t.ty())),
        }
    }

    fn expr(&mut self, e: &Expr, top: bool) -> Result<V> {
        limits::stack(|| self.expr_at(e, top))
    }

    fn expr_at(&mut self, e: &Expr, top: bool) -> Result<V> {
        match &e.kind {
            ExprKind::Int(x) => Ok(self.literal(Py::Int(x.clone()))),
            ExprKind::Float(x) => Ok(self.literal(Py::Float(*x))),
            ExprKind::Imag(x) => {
                Ok(self.literal(Py::Complex(num_complex::Complex64::new(0.0, *x))))
            }
            ExprKind::Bool(x) => Ok(self.literal(Py::Bool(*x))),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::Unary(op, x) => {
                let v = self.expr(x, false)?;
                self.unary(*op, v, e.span)
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.expr(a, false)?;
                let b = self.expr(b, false)?;
                self.binary(*op, a, b, e.span)
            }
            ExprKind::Compare(first, rest) => self.compare_chain(first, rest, e.span),
            ExprKind::Attr(x, name, span) => {
                let v = self.expr(x, false)?;
                match name.as_str() {
                    "real" => self.func("real", *span, vec![v], e.span),
                    "imag" => self.func("imag", *span, vec![v], e.span),
                    _ => Err(Error::ty(
                        *span,
                        format!("unknown attribute `.{name}` (only .real and .imag exist)"),
                    )),
                }
            }
            ExprKind::Call {
                func,
                func_span,
                args,
                kwargs,
            } => self.call(e, func, *func_span, args, kwargs, top),
        }
    }
}
