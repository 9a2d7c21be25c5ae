//! Type checking: AST + the dtypes of the bound variables -> typed IR.
//!
//! NumPy 2 semantics are decided here, once: NEP 50 promotion (Python literals and
//! Python-int loop variables are weak), which operand types each operation computes
//! in (casts are inserted so backends see uniform operands), and which combinations
//! NumPy refuses. Locals keep one dtype for the whole program: the join of every value
//! assigned to them, found by iterating to a fixpoint.

mod names;

use crate::dtype::{DType, Kind, Ty};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::ir::{self, BinOp, Builder, Local, Op, Param, Reduce, ReduceOp, Stmt, UnOp, ValueId};
use crate::syntax::ast::{self, BinaryOp, Expr, ExprKind, ProgramAst, StmtKind, UnaryOp};
use crate::value::Scalar;

pub use names::free_inputs;

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

/// Type-checks `prog` against the dtypes of its inputs and builds the IR.
/// `input_types` gives the dtype of every name the program reads before assigning.
pub fn check(
    prog: &ProgramAst,
    input_types: &dyn Fn(&str) -> Option<DType>,
    allow_reduce: bool,
) -> Result<ir::Func> {
    let info = names::analyze(prog)?;
    let mut inputs = Vec::new();
    for (name, span) in &info.inputs {
        let ty = input_types(name).ok_or_else(|| {
            Error::at(ErrorKind::Name, *span, format!("unknown variable `{name}`"))
        })?;
        inputs.push(Param {
            name: name.clone(),
            ty,
        });
    }
    let mut cx = Checker {
        inputs,
        local_names: info.locals.clone(),
        local_tys: vec![None; info.locals.len()],
        loop_vars: info.loop_vars.clone(),
        reduce: None,
        allow_reduce,
        b: Builder::new(vec![], vec![]),
        loop_depth: 0,
    };
    // Locals read before assignment start from the input of the same name.
    for (i, name) in info.locals.iter().enumerate() {
        if let Some(k) = cx.inputs.iter().position(|p| &p.name == name) {
            cx.local_tys[i] = Some(Ty::strong(cx.inputs[k].ty));
        }
        if cx.loop_vars.contains(name) {
            cx.local_tys[i] = Some(Ty::weak(DType::I64));
        }
    }
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
            init_from: cx
                .inputs
                .iter()
                .position(|p| &p.name == name)
                .map(|k| k as u32),
        })
        .collect();
    cx.b = Builder::new(cx.inputs.clone(), vars);
    cx.reduce = None;
    let body = cx.stmts(&prog.body, false)?;
    let mut outputs = Vec::new();
    for (name, span) in &prog.outputs {
        match info.locals.iter().position(|l| l == name) {
            Some(v) => outputs.push(v as u32),
            None => {
                return Err(Error::ty(
                    *span,
                    format!("output `{name}` is never assigned"),
                ));
            }
        }
    }
    for (name, span) in &info.maybe_unassigned_outputs {
        if !cx.inputs.iter().any(|p| &p.name == name) {
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
    local_names: Vec<String>,
    local_tys: Vec<Option<Ty>>,
    loop_vars: Vec<String>,
    reduce: Option<Reduce>,
    allow_reduce: bool,
    b: Builder,
    loop_depth: usize,
}

type V = (ValueId, Ty);

impl Checker {
    fn local(&self, name: &str) -> Option<u32> {
        self.local_names
            .iter()
            .position(|n| n == name)
            .map(|i| i as u32)
    }

    fn stmts(&mut self, body: &[ast::Stmt], infer: bool) -> Result<Vec<Stmt>> {
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
    }

    fn begin(&mut self) {
        self.b.begin_stmt();
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
                    None => v.1,
                    Some(t) => Ty::join(t, v.1),
                };
                if infer {
                    *slot = Some(joined);
                    return Ok(None);
                }
                let var_ty = self.b.vars[var as usize].ty;
                let value = self.coerce(v, var_ty, value.span)?;
                Ok(Some(Stmt::Assign { var, value }))
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                self.begin();
                let c = self.expr(cond, false)?;
                let c = self.b.cast(c.0, DType::Bool);
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
                let bound = |cx: &mut Checker, e: Option<&Expr>| -> Result<ValueId> {
                    cx.begin();
                    let Some(e) = e else {
                        return Ok(cx.b.konst(Scalar::I64(0)));
                    };
                    let v = cx.expr(e, false)?;
                    if !matches!(v.1.dtype.kind(), Kind::Int | Kind::Bool) {
                        return Err(Error::ty(
                            e.span,
                            format!("range() bounds must be integers, not {}", v.1.dtype),
                        ));
                    }
                    Ok(cx.b.cast(v.0, DType::I64))
                };
                let start = bound(self, start.as_ref())?;
                let end = bound(self, Some(end))?;
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

    /// Converts a value to a variable's dtype for assignment.
    fn coerce(&mut self, v: V, to: DType, span: Span) -> Result<ValueId> {
        self.materialize(v, to, span)
    }

    /// Casts `v` to `to`, checking that a weak integer literal fits (NumPy raises
    /// OverflowError for `int32_array + 3000000000`).
    fn materialize(&mut self, v: V, to: DType, span: Span) -> Result<ValueId> {
        if let Op::Const(Scalar::I64(x)) = self.b.node(v.0).op {
            if v.1.weak && to == DType::I32 && i32::try_from(x).is_err() {
                return Err(Error::ty(
                    span,
                    format!("Python integer {x} out of bounds for int32"),
                ));
            }
        }
        Ok(self.b.cast(v.0, to))
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
            Some(s) => (self.b.konst(s), ty),
            None => (self.b.add(op, args, ty.dtype), ty),
        }
    }

    /// NumPy's `ndarray.__pow__` fast path for a Python-scalar exponent on a float or
    /// complex array: `** 2` is `square`, `** -1` is `reciprocal`, `** 0.5` is `sqrt`.
    fn fast_power(&mut self, a: V, b: V) -> Option<V> {
        if a.1.weak || !b.1.weak || !matches!(a.1.dtype.kind(), Kind::Float | Kind::Complex) {
            return None;
        }
        let Op::Const(e) = self.b.node(b.0).op else {
            return None;
        };
        let ty = a.1;
        match e {
            Scalar::I64(2) => Some(self.mk(Op::Binary(BinOp::Mul), vec![a.0, a.0], ty)),
            Scalar::I64(-1) => {
                let one = self.b.konst(Scalar::one(ty.dtype));
                Some(self.mk(Op::Binary(BinOp::Div), vec![one, a.0], ty))
            }
            Scalar::F64(0.5) => Some(self.mk(Op::Unary(UnOp::Sqrt), vec![a.0], ty)),
            _ => None,
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
        let k = self
            .inputs
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| {
                Error::at(ErrorKind::Name, span, format!("unknown variable `{name}`"))
            })?;
        let ty = Ty::strong(self.inputs[k].ty);
        Ok(self.mk(Op::Input(k as u32), vec![], ty))
    }

    fn expr(&mut self, e: &Expr, top: bool) -> Result<V> {
        match &e.kind {
            ExprKind::Int(x) => Ok(self.lit(Scalar::I64(*x), true)),
            ExprKind::Float(x) => Ok(self.lit(Scalar::F64(*x), true)),
            ExprKind::Imag(x) => {
                Ok(self.lit(Scalar::C128(num_complex::Complex64::new(0.0, *x)), true))
            }
            ExprKind::Bool(x) => Ok(self.lit(Scalar::Bool(*x), false)),
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
            ExprKind::Compare(first, rest) => {
                let mut left = self.expr(first, false)?;
                let mut acc: Option<V> = None;
                for (op, _, rhs) in rest {
                    let right = self.expr(rhs, false)?;
                    let c = self.binary(*op, left, right, e.span)?;
                    acc = Some(match acc {
                        None => c,
                        Some(prev) => self.binary(BinaryOp::And, prev, c, e.span)?,
                    });
                    left = right;
                }
                Ok(acc.expect("a chain has two comparisons"))
            }
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
            } => {
                if let Some(op) = reduce_op(func) {
                    return self.reduction(op, e, *func_span, args, kwargs, top);
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
                self.func(func, *func_span, vals, e.span)
            }
        }
    }

    fn lit(&mut self, s: Scalar, weak: bool) -> V {
        let id = self.b.konst(s);
        (
            id,
            Ty {
                dtype: s.dtype(),
                weak,
            },
        )
    }

    fn reduction(
        &mut self,
        op: ReduceOp,
        e: &Expr,
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
        let mut axis_expr = None;
        match args {
            [_] => {}
            [_, ax] => axis_expr = Some(ax),
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
        }
        for (k, span, v) in kwargs {
            if k != "axis" || axis_expr.is_some() {
                return Err(Error::ty(
                    *span,
                    format!("`{}` takes one keyword argument, `axis`", op.name()),
                ));
            }
            axis_expr = Some(v);
        }
        let axis = match axis_expr {
            None => None,
            Some(Expr {
                kind: ExprKind::Int(a),
                ..
            }) => Some(*a),
            Some(Expr {
                kind: ExprKind::Unary(UnaryOp::Neg, x),
                ..
            }) if matches!(x.kind, ExprKind::Int(_)) => {
                let ExprKind::Int(a) = x.kind else {
                    unreachable!()
                };
                Some(-a)
            }
            Some(other) => return Err(Error::ty(other.span, "`axis` must be an integer literal")),
        };
        let v = self.expr(&args[0], false)?;
        let d = v.1.dtype;
        let ty = match op {
            ReduceOp::Sum | ReduceOp::Prod => match d {
                DType::Bool | DType::I32 => DType::I64,
                d => d,
            },
            ReduceOp::Min | ReduceOp::Max => d,
        };
        self.reduce = Some(Reduce { op, axis, ty });
        let _ = e;
        Ok((v.0, Ty::strong(d)))
    }

    fn type_error(&self, span: Span, what: &str, ty: DType) -> Error {
        Error::ty(span, format!("{what} is not supported for {ty} operands"))
    }

    fn unary(&mut self, op: UnaryOp, v: V, span: Span) -> Result<V> {
        let d = v.1.dtype;
        match op {
            UnaryOp::Pos => {
                if d == DType::Bool {
                    return Err(self.type_error(span, "unary `+`", d));
                }
                Ok(v)
            }
            UnaryOp::Neg => {
                if d == DType::Bool {
                    return Err(Error::ty(
                        span,
                        "unary `-` is not supported for bool operands; use `~` for logical not",
                    ));
                }
                Ok(self.mk(Op::Unary(UnOp::Neg), vec![v.0], v.1))
            }
            UnaryOp::Invert => {
                if matches!(d.kind(), Kind::Float | Kind::Complex) {
                    return Err(self.type_error(span, "`~`", d));
                }
                Ok(self.mk(Op::Unary(UnOp::Not), vec![v.0], v.1))
            }
        }
    }

    /// Joins two operand types and casts both operands to the joined dtype.
    fn unify(&mut self, a: V, b: V, span: Span) -> Result<(ValueId, ValueId, Ty)> {
        let t = Ty::join(a.1, b.1);
        let x = self.materialize(a, t.dtype, span)?;
        let y = self.materialize(b, t.dtype, span)?;
        Ok((x, y, t))
    }

    fn binary(&mut self, op: BinaryOp, a: V, b: V, span: Span) -> Result<V> {
        use BinaryOp as B;
        if op == B::Pow {
            if let Some(v) = self.fast_power(a, b) {
                return Ok(v);
            }
        }
        let t = Ty::join(a.1, b.1);
        let kind = t.dtype.kind();
        let err = |what: &str| {
            Error::ty(
                span,
                format!(
                    "`{what}` is not supported for {} and {} operands",
                    a.1.dtype, b.1.dtype
                ),
            )
        };
        // The dtype the operation computes in, when it differs from the joined dtype.
        let operand = match op {
            B::Div => match kind {
                Kind::Bool | Kind::Int => DType::F64,
                _ => t.dtype,
            },
            B::FloorDiv | B::Mod | B::Pow | B::Shl | B::Shr if kind == Kind::Bool => DType::I32,
            B::FloorDiv | B::Mod if kind == Kind::Complex => return Err(err(op.symbol())),
            B::Shl | B::Shr | B::And | B::Or | B::Xor
                if matches!(kind, Kind::Float | Kind::Complex) =>
            {
                return Err(err(op.symbol()))
            }
            B::Sub if kind == Kind::Bool => {
                return Err(Error::ty(
                    span,
                    "`-` is not supported for bool operands; use `^` for logical xor",
                ))
            }
            _ => t.dtype,
        };
        let x = self.materialize(a, t.dtype, span)?;
        let y = self.materialize(b, t.dtype, span)?;
        let x = self.b.cast(x, operand);
        let y = self.b.cast(y, operand);
        let bop = match op {
            B::Add => BinOp::Add,
            B::Sub => BinOp::Sub,
            B::Mul => BinOp::Mul,
            B::Div => BinOp::Div,
            B::FloorDiv => BinOp::FloorDiv,
            B::Mod => BinOp::Mod,
            B::Pow => BinOp::Pow,
            B::And => BinOp::BitAnd,
            B::Or => BinOp::BitOr,
            B::Xor => BinOp::BitXor,
            B::Shl => BinOp::Shl,
            B::Shr => BinOp::Shr,
            B::Lt => BinOp::Lt,
            B::Le => BinOp::Le,
            B::Eq => BinOp::Eq,
            B::Ne => BinOp::Ne,
            B::Ge => BinOp::Ge,
            B::Gt => BinOp::Gt,
        };
        let out = if bop.is_comparison() {
            Ty::strong(DType::Bool)
        } else {
            Ty {
                dtype: operand,
                weak: t.weak,
            }
        };
        Ok(self.mk(Op::Binary(bop), vec![x, y], out))
    }

    fn func(&mut self, name: &str, fspan: Span, args: Vec<V>, span: Span) -> Result<V> {
        let arity = match name {
            "where" => 3,
            "arctan2" | "hypot" | "nextafter" | "copysign" | "maximum" | "minimum" | "fmod"
            | "complex" => 2,
            _ if unary_fn(name).is_some() || cast_fn(name).is_some() => 1,
            "copy" | "ones_like" => 1,
            _ => return Err(Error::ty(fspan, format!("unknown function `{name}`"))),
        };
        if args.len() != arity {
            let s = if arity == 1 { "" } else { "s" };
            return Err(Error::ty(
                span,
                format!("`{name}` takes {arity} argument{s}, got {}", args.len()),
            ));
        }
        let strong = |v: V| (v.0, Ty::strong(v.1.dtype));
        if let Some(to) = cast_fn(name) {
            let x = self.materialize(args[0], args[0].1.dtype, span)?;
            return Ok((self.b.cast(x, to), Ty::strong(to)));
        }
        match name {
            "copy" => return Ok(strong(args[0])),
            "ones_like" => return Ok(strong(self.lit(Scalar::one(args[0].1.dtype), false))),
            "where" => {
                let c = self.b.cast(args[0].0, DType::Bool);
                let (x, y, t) = self.unify(args[1], args[2], span)?;
                return Ok(self.mk(Op::Where, vec![c, x, y], Ty::strong(t.dtype)));
            }
            _ => {}
        }
        if let Some(op) = unary_fn(name) {
            let d = args[0].1.dtype;
            let bad = || Error::ty(span, format!("`{name}` is not supported for {d} operands"));
            let (operand, out) = match op {
                _ if op.is_transcendental() => (d.to_float(), d.to_float()),
                UnOp::Abs | UnOp::Real | UnOp::Imag => (d, d.real_part()),
                UnOp::Conj | UnOp::Round => (d, d),
                UnOp::Ceil | UnOp::Floor | UnOp::Trunc | UnOp::SignBit if d.is_complex() => {
                    return Err(bad())
                }
                UnOp::Ceil | UnOp::Floor | UnOp::Trunc => (d, d),
                UnOp::Sign if d == DType::Bool => return Err(bad()),
                UnOp::Sign => (d, d),
                UnOp::IsNan | UnOp::IsFinite | UnOp::IsInf | UnOp::SignBit => (d, DType::Bool),
                _ => unreachable!("{op:?}"),
            };
            let x = self.b.cast(args[0].0, operand);
            return Ok(self.mk(Op::Unary(op), vec![x], Ty::strong(out)));
        }
        // Binary functions.
        let (x, y, t) = self.unify(args[0], args[1], span)?;
        let d = t.dtype;
        let bad = || {
            Error::ty(
                span,
                format!(
                    "`{name}` is not supported for {} and {} operands",
                    args[0].1.dtype, args[1].1.dtype
                ),
            )
        };
        let (op, operand, out) = match name {
            "maximum" => (BinOp::Maximum, d, d),
            "minimum" => (BinOp::Minimum, d, d),
            "fmod" => match d.kind() {
                Kind::Complex => return Err(bad()),
                Kind::Bool => (BinOp::Fmod, DType::I32, DType::I32),
                _ => (BinOp::Fmod, d, d),
            },
            "complex" => {
                if d.is_complex() {
                    return Err(bad());
                }
                let part = if d == DType::F32 {
                    DType::F32
                } else {
                    DType::F64
                };
                (BinOp::Complex, part, part.to_complex())
            }
            _ => {
                if d.is_complex() {
                    return Err(bad());
                }
                let op = match name {
                    "arctan2" => BinOp::Arctan2,
                    "hypot" => BinOp::Hypot,
                    "nextafter" => BinOp::NextAfter,
                    _ => BinOp::CopySign,
                };
                (op, d.to_float(), d.to_float())
            }
        };
        let x = self.b.cast(x, operand);
        let y = self.b.cast(y, operand);
        Ok(self.mk(Op::Binary(op), vec![x, y], Ty::strong(out)))
    }
}

fn reduce_op(name: &str) -> Option<ReduceOp> {
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

fn unary_fn(name: &str) -> Option<UnOp> {
    UnOp::FUNCTIONS
        .into_iter()
        .chain([UnOp::SignBit])
        .find(|u| u.name() == name)
}

/// Every function name the language knows (for messages and tests).
pub fn function_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = UnOp::FUNCTIONS.iter().map(|u| u.name()).collect();
    v.extend([
        "signbit",
        "where",
        "arctan2",
        "hypot",
        "nextafter",
        "copysign",
        "maximum",
        "minimum",
        "fmod",
        "complex",
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
