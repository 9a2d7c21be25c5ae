//! Typing of the operators: unary, binary and chained comparisons. An operation of
//! two literals is Python's; otherwise NumPy's, with NEP 50 promotion and each literal
//! converted to the dtype the loop computes in.

use super::{py_error, python, Checker, V};
use crate::dtype::{DType, Kind, Ty};
use crate::error::{Error, Result, Span};
use crate::ir::{BinOp, Op, UnOp, ValueId};
use crate::syntax::ast::{BinaryOp, Expr, UnaryOp};
use crate::value::Scalar;
use num_traits::ToPrimitive;

impl Checker {
    pub(super) fn unary(&mut self, op: UnaryOp, v: V, span: Span) -> Result<V> {
        if let Some(x) = self.py(v) {
            let r = python::unary(op, x).map_err(|e| py_error(e, span))?;
            return Ok(self.literal(r));
        }
        let d = v.ty.dtype;
        let unsupported =
            |what: &str| Error::ty(span, format!("{what} is not supported for {d} operands"));
        match op {
            UnaryOp::Pos if d == DType::Bool => Err(unsupported("unary `+`")),
            UnaryOp::Pos => Ok(v),
            UnaryOp::Neg if d == DType::Bool => Err(Error::ty(
                span,
                "unary `-` is not supported for bool operands; use `~` for logical not",
            )),
            UnaryOp::Neg => Ok(self.mk(Op::Unary(UnOp::Neg), vec![v.id], v.ty)),
            UnaryOp::Invert if matches!(d.kind(), Kind::Float | Kind::Complex) => {
                Err(unsupported("`~`"))
            }
            UnaryOp::Invert => Ok(self.mk(Op::Unary(UnOp::Not), vec![v.id], v.ty)),
        }
    }

    /// Joins two operand types and converts both operands to the joined dtype.
    pub(super) fn unify(&mut self, a: V, b: V, span: Span) -> Result<(ValueId, ValueId, Ty)> {
        let t = Ty::join(a.ty, b.ty);
        let x = self.operand(a, t.dtype, span)?;
        let y = self.operand(b, t.dtype, span)?;
        Ok((x, y, t))
    }

    /// An operand of a loop over `operand` whose operands join to `joined`: a typed
    /// value is cast to the joined dtype, then to the loop's (as NumPy's type resolution
    /// does); a literal is converted to the loop's dtype directly.
    pub(super) fn loop_operand(
        &mut self,
        v: V,
        joined: DType,
        operand: DType,
        span: Span,
    ) -> Result<ValueId> {
        if v.lit.is_some() {
            return self.operand(v, operand, span);
        }
        let x = self.operand(v, joined, span)?;
        Ok(self.b.cast(x, operand))
    }

    pub(super) fn binary(&mut self, op: BinaryOp, a: V, b: V, span: Span) -> Result<V> {
        use BinaryOp as B;
        if let (Some(x), Some(y)) = (self.py(a), self.py(b)) {
            let r = python::binary(op, x, y).map_err(|e| py_error(e, span))?;
            return Ok(self.literal(r));
        }
        if op == B::Pow {
            if let Some(v) = self.fast_power(a, b) {
                return Ok(v);
            }
        }
        if matches!(op, B::Lt | B::Le | B::Eq | B::Ne | B::Ge | B::Gt) {
            if let Some(v) = self.out_of_range_compare(op, a, b) {
                return Ok(v);
            }
        }
        let t = Ty::join(a.ty, b.ty);
        let operand = operand_dtype(op, t.dtype, a.ty.dtype, b.ty.dtype, span)?;
        let x = self.loop_operand(a, t.dtype, operand, span)?;
        let y = self.loop_operand(b, t.dtype, operand, span)?;
        let bop = ir_op(op);
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

    /// `a < b <= c`: Python's chained comparison, `(a < b) & (b <= c)`.
    pub(super) fn compare_chain(
        &mut self,
        first: &Expr,
        rest: &[(BinaryOp, Span, Expr)],
        span: Span,
    ) -> Result<V> {
        let mut left = self.expr(first, false)?;
        let mut acc: Option<V> = None;
        for (op, _, rhs) in rest {
            let right = self.expr(rhs, false)?;
            let c = self.binary(*op, left, right, span)?;
            acc = Some(match acc {
                None => c,
                Some(prev) => self.binary(BinaryOp::And, prev, c, span)?,
            });
            left = right;
        }
        Ok(acc.expect("a chain has two comparisons"))
    }

    /// NumPy 2 compares an integer array with a Python int outside the array's range
    /// without converting it: the answer is the same for every element.
    fn out_of_range_compare(&mut self, op: BinaryOp, a: V, b: V) -> Option<V> {
        use BinaryOp as B;
        let (arr, lit, flipped) = match (self.py(a), self.py(b)) {
            (None, Some(python::Py::Int(x))) => (a, x, false),
            (Some(python::Py::Int(x)), None) => (b, x, true),
            _ => return None,
        };
        let (lo, hi) = match arr.ty {
            t if t.weak => return None,
            t if t.dtype == DType::I32 => (i32::MIN as i64, i32::MAX as i64),
            t if t.dtype == DType::I64 => (i64::MIN, i64::MAX),
            _ => return None,
        };
        if lit.to_i64().is_some_and(|x| (lo..=hi).contains(&x)) {
            return None;
        }
        // `arr OP lit` with lit above (or below) every value of the array.
        let above = lit.sign() == num_bigint::Sign::Plus;
        let op = if flipped {
            match op {
                B::Lt => B::Gt,
                B::Le => B::Ge,
                B::Gt => B::Lt,
                B::Ge => B::Le,
                o => o,
            }
        } else {
            op
        };
        let r = match op {
            B::Lt | B::Le => above,
            B::Gt | B::Ge => !above,
            B::Ne => true,
            B::Eq => false,
            _ => return None,
        };
        let k = self.konst(Scalar::Bool(r));
        Some(self.keeping_raising(k, arr))
    }
    /// NumPy's complex `reciprocal` loop, spelled in IR (it differs from `1/z` by
    /// Smith's method at zero and infinity).
    fn complex_reciprocal(&mut self, z: V) -> V {
        let ty = z.ty;
        let part = Ty::strong(ty.dtype.real_part());
        let un = |cx: &mut Self, op, x: ValueId| cx.mk(Op::Unary(op), vec![x], part).id;
        let bin = |cx: &mut Self, op, x: ValueId, y: ValueId, t: Ty| {
            cx.mk(Op::Binary(op), vec![x, y], t).id
        };
        let re = un(self, UnOp::Real, z.id);
        let im = un(self, UnOp::Imag, z.id);
        let one = self.b.konst(Scalar::one(part.dtype));
        // |im| <= |re|: r = im/re, d = re + im*r, 1/z = (1/d, -r/d)
        let r1 = bin(self, BinOp::Div, im, re, part);
        let t1 = bin(self, BinOp::Mul, im, r1, part);
        let d1 = bin(self, BinOp::Add, re, t1, part);
        let re1 = bin(self, BinOp::Div, one, d1, part);
        let q1 = bin(self, BinOp::Div, r1, d1, part);
        let im1 = un(self, UnOp::Neg, q1);
        // otherwise: r = re/im, d = re*r + im, 1/z = (r/d, -1/d)
        let r2 = bin(self, BinOp::Div, re, im, part);
        let t2 = bin(self, BinOp::Mul, re, r2, part);
        let d2 = bin(self, BinOp::Add, t2, im, part);
        let re2 = bin(self, BinOp::Div, r2, d2, part);
        let q2 = bin(self, BinOp::Div, one, d2, part);
        let im2 = un(self, UnOp::Neg, q2);
        let are = un(self, UnOp::Abs, re);
        let aim = un(self, UnOp::Abs, im);
        let small_im = bin(self, BinOp::Le, aim, are, Ty::strong(DType::Bool));
        let z1 = bin(self, BinOp::Complex, re1, im1, ty);
        let z2 = bin(self, BinOp::Complex, re2, im2, ty);
        self.mk(Op::Where, vec![small_im, z1, z2], ty)
    }

    /// NumPy's `ndarray.__pow__` fast path for a Python-scalar exponent on a float or
    /// complex array: `** 2` is `square`, `** -1` is `reciprocal`, `** 0.5` is `sqrt`.
    fn fast_power(&mut self, a: V, b: V) -> Option<V> {
        use python::Py;
        let e = match self.py(b)? {
            Py::Int(x) => x.to_i64().map(Scalar::I64)?,
            Py::Float(x) => Scalar::F64(*x),
            _ => return None,
        };
        if a.ty.weak {
            return None;
        }
        if a.ty.dtype == DType::Bool && e == Scalar::I64(2) {
            // square(bool) is int8 in NumPy; nexpr's nearest is int32.
            let x = self.b.cast(a.id, DType::I32);
            return Some(self.mk(Op::Binary(BinOp::Mul), vec![x, x], Ty::strong(DType::I32)));
        }
        if !matches!(a.ty.dtype.kind(), Kind::Float | Kind::Complex) {
            return None;
        }
        let ty = a.ty;
        match e {
            Scalar::I64(2) => Some(self.mk(Op::Binary(BinOp::Mul), vec![a.id, a.id], ty)),
            Scalar::I64(-1) if ty.dtype.is_complex() => Some(self.complex_reciprocal(a)),
            Scalar::I64(-1) => {
                let one = self.b.konst(Scalar::one(ty.dtype));
                Some(self.mk(Op::Binary(BinOp::Div), vec![one, a.id], ty))
            }
            Scalar::F64(0.5) => Some(self.mk(Op::Unary(UnOp::Sqrt), vec![a.id], ty)),
            _ => None,
        }
    }
}

/// The dtype a binary operator computes in for operands joined to `joined` (`a`, `b`:
/// the operands' dtypes, for messages); NumPy's refusals are errors.
fn operand_dtype(op: BinaryOp, joined: DType, a: DType, b: DType, span: Span) -> Result<DType> {
    use BinaryOp as B;
    let kind = joined.kind();
    let err = |what: &str| {
        Err(Error::ty(
            span,
            format!("`{what}` is not supported for {a} and {b} operands"),
        ))
    };
    Ok(match op {
        B::Div => match kind {
            Kind::Bool | Kind::Int => DType::F64,
            _ => joined,
        },
        B::FloorDiv | B::Mod | B::Pow | B::Shl | B::Shr if kind == Kind::Bool => DType::I32,
        B::FloorDiv | B::Mod if kind == Kind::Complex => return err(op.symbol()),
        B::Shl | B::Shr | B::And | B::Or | B::Xor
            if matches!(kind, Kind::Float | Kind::Complex) =>
        {
            return err(op.symbol())
        }
        B::Sub if kind == Kind::Bool => {
            return Err(Error::ty(
                span,
                "`-` is not supported for bool operands; use `^` for logical xor",
            ))
        }
        _ => joined,
    })
}

fn ir_op(op: BinaryOp) -> BinOp {
    use BinaryOp as B;
    match op {
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
    }
}
