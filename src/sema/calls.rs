//! Typing of function calls: casts, `where`, the elementwise functions (each computes
//! in the dtype of its NumPy loop, which is what a literal argument is converted to),
//! and the reductions.

use super::{literal, py_error, Checker, V};
use crate::dtype::{DType, Ty};
use crate::error::{Error, Result, Span};
use crate::ir::builtins::{self, Builtin, FuncOp, Typing, BUILTINS};
use crate::ir::{BinOp, Op, Reduce, ReduceOp, UnOp};
use crate::syntax::ast::{Expr, ExprKind, UnaryOp};
use crate::value::Scalar;
use num_traits::ToPrimitive;

impl Checker {
    /// `func(args, kwargs)`: a reduction, or an elementwise function.
    pub(super) fn call(
        &mut self,
        e: &Expr,
        func: &str,
        func_span: Span,
        args: &[Expr],
        kwargs: &[(String, Span, Expr)],
        top: bool,
    ) -> Result<V> {
        if let Some(op) = reduce_op(func) {
            return self.reduction(op, func_span, args, kwargs, top);
        }
        if let Some((k, span, _)) = kwargs.first() {
            return Err(Error::ty(
                *span,
                format!("`{func}` takes no keyword argument `{k}`"),
            ));
        }
        let vals = args
            .iter()
            .map(|a| self.expr(a, false))
            .collect::<Result<Vec<_>>>()?;
        self.func(func, func_span, vals, e.span)
    }

    pub(super) fn func(&mut self, name: &str, fspan: Span, args: Vec<V>, span: Span) -> Result<V> {
        let builtin = builtins::by_name(name);
        let arity = match name {
            "where" => 3,
            "copy" | "ones_like" => 1,
            _ if cast_fn(name).is_some() => 1,
            _ => match builtin {
                Some(f) => f.arity(),
                None => return Err(Error::ty(fspan, format!("unknown function `{name}`"))),
            },
        };
        if args.len() != arity {
            let s = if arity == 1 { "" } else { "s" };
            return Err(Error::ty(
                span,
                format!("`{name}` takes {arity} argument{s}, got {}", args.len()),
            ));
        }
        if let Some(to) = cast_fn(name) {
            return self.cast_call(args[0], to, span);
        }
        if let Some(v) = self.python_call(name, &args, span)? {
            return Ok(v);
        }
        match name {
            "copy" => {
                let x = self.operand(args[0], args[0].ty.dtype, span)?;
                Ok(V::of(x, Ty::strong(args[0].ty.dtype)))
            }
            "ones_like" => {
                let one = self.konst(Scalar::one(args[0].ty.dtype));
                Ok(self.keeping_raising(one, args[0]))
            }
            "where" => {
                let c = self.operand(args[0], DType::Bool, span)?;
                let (x, y, t) = self.unify(args[1], args[2], span)?;
                Ok(self.mk(Op::Where, vec![c, x, y], Ty::strong(t.dtype)))
            }
            _ => match builtin {
                Some(f) => self.builtin(f, &args, span),
                None => unreachable!("`{name}` has an arity, so it is known"),
            },
        }
    }

    /// What Python itself computes, before any array is involved: `.real` and `.imag`
    /// of a literal or a Python-scalar variable are Python's attributes (`np.real(1.5)`
    /// is the Python float 1.5, and `True.real` the int 1): weak. `complex(re, im)`
    /// means `re + 1j*im`, so of weak operands (literals: Python's arithmetic) it is a
    /// weak complex, and with a complex operand it is that expression as NumPy computes
    /// it. `None` for every other call.
    fn python_call(&mut self, name: &str, args: &[V], span: Span) -> Result<Option<V>> {
        use super::python::{self, Py};
        use crate::syntax::ast::BinaryOp;
        match name {
            "real" | "imag" => {
                if let Some(x) = self.py(args[0]) {
                    let part = python::part(x, name == "real");
                    return Ok(Some(self.literal(part)));
                }
                if !args[0].ty.weak {
                    return Ok(None);
                }
                let mut x = args[0];
                if x.ty.dtype == DType::Bool {
                    x = V::of(self.b.cast(x.id, DType::I64), Ty::weak(DType::I64));
                }
                let f = builtins::by_name(name).expect("real and imag are builtins");
                let r = self.builtin(f, &[x], span)?;
                Ok(Some(V::of(r.id, Ty::weak(r.ty.dtype))))
            }
            "complex" => {
                let complex_operand = args.iter().any(|a| a.ty.dtype.is_complex());
                let python_values = args[0].ty.weak && args[1].ty.weak;
                if !(complex_operand || python_values) {
                    return Ok(None);
                }
                let j = self.literal(Py::Complex(num_complex::Complex64::new(0.0, 1.0)));
                let im = self.binary(BinaryOp::Mul, j, args[1], span)?;
                Ok(Some(self.binary(BinaryOp::Add, args[0], im, span)?))
            }
            _ => Ok(None),
        }
    }

    /// `int32(x)` and the other casts: `astype` of a typed value; for a literal,
    /// NumPy's scalar constructor (`np.int32(1e20)` is an OverflowError, not a wrap).
    fn cast_call(&mut self, v: V, to: DType, span: Span) -> Result<V> {
        if let Some(py) = self.py(v) {
            let s = literal::construct(py, to).map_err(|e| py_error(e, span))?;
            return Ok(self.konst(s));
        }
        Ok(V::of(self.b.cast(v.id, to), Ty::strong(to)))
    }

    /// A call of a builtin, typed by its row's rule.
    fn builtin(&mut self, f: &Builtin, args: &[V], span: Span) -> Result<V> {
        match f.op {
            FuncOp::Unary(op) => self.unary_func(f, op, args[0], span),
            FuncOp::Binary(op) => self.binary_func(f, op, args[0], args[1], span),
        }
    }

    fn unary_func(&mut self, f: &Builtin, op: UnOp, v: V, span: Span) -> Result<V> {
        let d = v.ty.dtype;
        let bad = || {
            let name = f.name;
            Error::ty(span, format!("`{name}` is not supported for {d} operands"))
        };
        if !f.accepts(d) {
            return Err(bad());
        }
        let (operand, out) = match f.typing {
            Typing::Float => (d.to_float(), d.to_float()),
            Typing::RealPart => (d, d.real_part()),
            Typing::Same { bool_loop } if d == DType::Bool => (bool_loop, bool_loop),
            Typing::Same { .. } | Typing::SameNotComplex | Typing::SameNotBool => (d, d),
            Typing::Predicate | Typing::PredicateNotComplex => (d, DType::Bool),
            Typing::Common
            | Typing::CommonNotComplex { .. }
            | Typing::FloatNotComplex
            | Typing::MakeComplex => unreachable!("{op:?} has a two-operand rule"),
        };
        let x = self.operand(v, operand, span)?;
        Ok(self.mk(Op::Unary(op), vec![x], Ty::strong(out)))
    }

    fn binary_func(&mut self, f: &Builtin, op: BinOp, a: V, b: V, span: Span) -> Result<V> {
        let t = Ty::join(a.ty, b.ty);
        let d = t.dtype;
        if !f.accepts(d) {
            return Err(Error::ty(
                span,
                format!(
                    "`{}` is not supported for {} and {} operands",
                    f.name, a.ty.dtype, b.ty.dtype
                ),
            ));
        }
        let (operand, out) = match f.typing {
            Typing::Common => (d, d),
            Typing::CommonNotComplex { bool_loop } if d == DType::Bool => (bool_loop, bool_loop),
            Typing::CommonNotComplex { .. } => (d, d),
            Typing::FloatNotComplex => (d.to_float(), d.to_float()),
            Typing::MakeComplex => {
                // The dtype of `re + 1j*im`, which complex(re, im) means.
                let imag = Ty::join(Ty::weak(DType::C128), b.ty);
                let out = Ty::join(a.ty, imag).dtype;
                (out.real_part(), out)
            }
            _ => unreachable!("{op:?} has a one-operand rule"),
        };
        let x = self.loop_operand(a, d, operand, span)?;
        let y = self.loop_operand(b, d, operand, span)?;
        Ok(self.mk(Op::Binary(op), vec![x, y], Ty::strong(out)))
    }

    fn reduction(
        &mut self,
        op: ReduceOp,
        func_span: Span,
        args: &[Expr],
        kwargs: &[(String, Span, Expr)],
        top: bool,
    ) -> Result<V> {
        if !top || !self.allow_reduce {
            return Err(Error::ty(
                func_span,
                format!(
                    "`{}` must be the outermost operation of an expression",
                    op.name()
                ),
            ));
        }
        let mut axis_expr = match args {
            [_] => None,
            [_, ax] => Some(ax),
            _ => {
                return Err(Error::ty(
                    func_span,
                    format!(
                        "`{}` takes 1 or 2 arguments (x, axis), got {}",
                        op.name(),
                        args.len()
                    ),
                ))
            }
        };
        for (k, span, v) in kwargs {
            if k != "axis" || axis_expr.is_some() {
                return Err(Error::ty(
                    *span,
                    format!("`{}` takes one keyword argument, `axis`", op.name()),
                ));
            }
            axis_expr = Some(v);
        }
        // `axis=None`, as numexpr and NumPy spell the whole-array reduction.
        let axis = axis_expr
            .filter(|e| !matches!(&e.kind, ExprKind::Name(n) if n == "None"))
            .map(axis_literal)
            .transpose()?;
        let v = self.expr(&args[0], false)?;
        let d = v.ty.dtype;
        let x = self.operand(v, d, args[0].span)?;
        let ty = match op {
            ReduceOp::Sum | ReduceOp::Prod => match d {
                DType::Bool | DType::I32 => DType::I64,
                d => d,
            },
            ReduceOp::Min | ReduceOp::Max => d,
        };
        self.reduce = Some(Reduce { op, axis, ty });
        Ok(V::of(x, Ty::strong(d)))
    }
}

/// The value of `axis=`: an integer literal, maybe negated.
pub(super) fn axis_literal(e: &Expr) -> Result<i64> {
    let value = match &e.kind {
        ExprKind::Int(a) => a.to_i64(),
        ExprKind::Unary(UnaryOp::Neg, x) => match &x.kind {
            ExprKind::Int(a) => a.to_i64().map(|a| -a),
            _ => return Err(Error::ty(e.span, "`axis` must be an integer literal")),
        },
        _ => return Err(Error::ty(e.span, "`axis` must be an integer literal")),
    };
    value.ok_or_else(|| Error::ty(e.span, "`axis` is out of range"))
}

pub(super) fn reduce_op(name: &str) -> Option<ReduceOp> {
    Some(match name {
        "sum" => ReduceOp::Sum,
        "prod" => ReduceOp::Prod,
        "min" => ReduceOp::Min,
        "max" => ReduceOp::Max,
        _ => return None,
    })
}

fn cast_fn(name: &str) -> Option<DType> {
    Some(match name {
        "bool" => DType::Bool,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "float32" => DType::F32,
        "float64" => DType::F64,
        "complex64" => DType::C64,
        "complex128" => DType::C128,
        _ => return None,
    })
}

/// Every function name the language knows (for messages and tests): the builtins
/// of one operand, `where`, those of two, then the rest.
pub fn function_names() -> Vec<&'static str> {
    let named = |arity: usize| {
        BUILTINS
            .iter()
            .filter(move |f| f.arity() == arity)
            .map(|f| f.name)
    };
    let mut v: Vec<&str> = named(1).collect();
    v.push("where");
    v.extend(named(2));
    v.extend([
        "copy",
        "ones_like",
        "bool",
        "int32",
        "int64",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "sum",
        "prod",
        "min",
        "max",
    ]);
    v
}
