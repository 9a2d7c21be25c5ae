//! Integer-power expansion: `x ** n` for a constant `n` becomes multiplications, only
//! where the result is bit-for-bit unchanged:
//! * integers, `0 <= n <= 64`: wrapping multiplication by repeated squaring is exact;
//! * complex, integral `|n| < 100`: this *is* NumPy's algorithm for such exponents
//!   (`n = 2` is `x*x`, `n = 3` is `(x*x)*x`, then binary exponentiation, and a
//!   division of one by the result for negative `n`);
//! * floats: only `n = 0` (always 1, even for NaN) and `n = 1` (x itself), since
//!   `pow(x, 2.0)` from libm and `x*x` may differ in the last bit.
//!
//! (`x ** 2`, `x ** -1` and `x ** 0.5` with a Python literal exponent on a float or
//! complex array are already square / reciprocal / sqrt: that is NumPy's own fast path,
//! applied by type checking.)

use crate::dtype::{DType, Kind};
use crate::ir::builder::{keep, rebuild, Builder};
use crate::ir::{BinOp, Func, Op, ValueId};
use crate::value::Scalar;

pub fn run(f: &Func) -> Func {
    rebuild(f, |b, n, args| {
        if n.op == Op::Binary(BinOp::Pow) {
            if let Op::Const(c) = b.node(args[1]).op {
                if let Some(v) = expand(b, args[0], c, n.ty) {
                    return v;
                }
            }
        }
        keep(b, n, args)
    })
}

fn expand(b: &mut Builder, x: ValueId, e: Scalar, ty: DType) -> Option<ValueId> {
    let mul =
        |b: &mut Builder, p: ValueId, q: ValueId| b.add(Op::Binary(BinOp::Mul), vec![p, q], ty);
    match ty.kind() {
        Kind::Int => {
            let n = match e {
                Scalar::I32(n) => n as i64,
                Scalar::I64(n) => n,
                _ => return None,
            };
            if !(0..=64).contains(&n) {
                return None;
            }
            Some(match n {
                0 => b.konst(Scalar::one(ty)),
                _ => binary_power(b, x, n as u64, mul),
            })
        }
        Kind::Complex => {
            let c = e.to_c128();
            if c.im != 0.0 || c.re != c.re.trunc() || c.re.abs() >= 100.0 {
                return None;
            }
            let n = c.re as i64;
            Some(match n {
                0 => b.konst(Scalar::one(ty)),
                1 => x,
                2 => mul(b, x, x),
                3 => {
                    let sq = mul(b, x, x);
                    mul(b, sq, x)
                }
                // NumPy's early returns for 1, 2, 3 test the signed exponent, so
                // negative ones always take the loop and then divide one by it.
                n if n > 0 => numpy_binary_power(b, x, n as u64, mul),
                n => {
                    let r = numpy_binary_power(b, x, n.unsigned_abs(), mul);
                    let one = b.konst(Scalar::one(ty));
                    b.add(Op::Binary(BinOp::Div), vec![one, r], ty)
                }
            })
        }
        Kind::Float => {
            let v = e.to_c128().re;
            if v == 0.0 {
                Some(b.konst(Scalar::one(ty)))
            } else if v == 1.0 {
                Some(x)
            } else {
                None
            }
        }
        Kind::Bool => None,
    }
}

/// Right-to-left binary exponentiation: acc *= p for each set bit, p squared between.
fn binary_power(
    b: &mut Builder,
    x: ValueId,
    mut n: u64,
    mul: impl Fn(&mut Builder, ValueId, ValueId) -> ValueId,
) -> ValueId {
    let mut acc: Option<ValueId> = None;
    let mut p = x;
    loop {
        if n & 1 == 1 {
            acc = Some(match acc {
                None => p,
                Some(a) => mul(b, a, p),
            });
        }
        n >>= 1;
        if n == 0 {
            break;
        }
        p = mul(b, p, p);
    }
    acc.expect("n > 0")
}

/// NumPy's loop starts from the complex one (`aa = 1; aa = aa*p`), and 1*p is not
/// always p bit for bit (a NaN or infinite part), so the first multiplication is kept.
fn numpy_binary_power(
    b: &mut Builder,
    x: ValueId,
    n: u64,
    mul: impl Fn(&mut Builder, ValueId, ValueId) -> ValueId,
) -> ValueId {
    let ty = b.ty(x);
    let mut acc = b.konst(Scalar::one(ty));
    let mut p = x;
    let mut mask = 1u64;
    loop {
        if n & mask != 0 {
            acc = mul(b, acc, p);
        }
        mask <<= 1;
        if n < mask {
            break;
        }
        p = mul(b, p, p);
    }
    acc
}
