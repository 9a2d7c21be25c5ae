//! Python's scalars, as literals are before they meet an array: integers of any size,
//! floats, complex numbers and bools, with Python's arithmetic. `2**63 + 1` or
//! `True * 1.5` is computed by Python before NumPy sees it, so a constant expression
//! of literals is folded here, exactly as CPython would: exact integers, correctly
//! rounded `int / int` and `int -> float`, ZeroDivisionError, a complex result for a
//! negative float to a fractional power, and so on.

use crate::hypot::CorrectHypot;
use crate::syntax::ast::{BinaryOp, UnaryOp};
use crate::value::divmod_f64;
use num_bigint::{BigInt, BigUint};
use num_complex::Complex64;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub enum Py {
    Bool(bool),
    Int(BigInt),
    Float(f64),
    Complex(Complex64),
}

/// A Python exception: its class (`ZeroDivisionError`, ...) and message.
#[derive(Clone, Debug, PartialEq)]
pub struct PyError {
    pub class: &'static str,
    pub message: String,
}

pub type PyResult<T> = Result<T, PyError>;

fn raise<T>(class: &'static str, message: impl Into<String>) -> PyResult<T> {
    Err(PyError {
        class,
        message: message.into(),
    })
}

/// Integers are refused beyond this many bits: Python would try `2**10**10` for
/// minutes, and no array value or comparison needs more than about a thousand.
pub const MAX_INT_BITS: u64 = 1 << 16;

impl Py {
    pub fn type_name(&self) -> &'static str {
        match self {
            Py::Bool(_) => "bool",
            Py::Int(_) => "int",
            Py::Float(_) => "float",
            Py::Complex(_) => "complex",
        }
    }

    /// bool < int < float < complex: the type an operation of two of them computes in.
    fn rank(&self) -> u8 {
        match self {
            Py::Bool(_) => 0,
            Py::Int(_) => 1,
            Py::Float(_) => 2,
            Py::Complex(_) => 3,
        }
    }

    /// The integer value of a bool or an int.
    pub fn as_int(&self) -> Option<BigInt> {
        match self {
            Py::Bool(b) => Some(BigInt::from(*b as u8)),
            Py::Int(x) => Some(x.clone()),
            _ => None,
        }
    }

    /// `float(x)`; a complex number raises TypeError.
    pub fn to_float(&self) -> PyResult<f64> {
        match self {
            Py::Bool(b) => Ok(*b as u8 as f64),
            Py::Int(x) => int_to_f64(x),
            Py::Float(f) => Ok(*f),
            Py::Complex(_) => raise(
                "TypeError",
                "float() argument must be a string or a real number, not 'complex'",
            ),
        }
    }

    pub fn to_complex(&self) -> PyResult<Complex64> {
        match self {
            Py::Complex(c) => Ok(*c),
            other => Ok(Complex64::new(other.to_float()?, 0.0)),
        }
    }

    /// `bool(x)`.
    pub fn truth(&self) -> bool {
        match self {
            Py::Bool(b) => *b,
            Py::Int(x) => !x.is_zero(),
            Py::Float(f) => *f != 0.0,
            Py::Complex(c) => c.re != 0.0 || c.im != 0.0,
        }
    }
}

/// `x.real` (`real`) or `x.imag`: a bool's parts are ints, as Python gives them.
pub fn part(x: &Py, real: bool) -> Py {
    match (x, real) {
        (Py::Bool(b), true) => Py::Int(BigInt::from(*b as u8)),
        (Py::Bool(_) | Py::Int(_), false) => Py::Int(BigInt::zero()),
        (Py::Int(_) | Py::Float(_), true) => x.clone(),
        (Py::Float(_), false) => Py::Float(0.0),
        (Py::Complex(c), true) => Py::Float(c.re),
        (Py::Complex(c), false) => Py::Float(c.im),
    }
}

/// `float(x)` of an integer: correctly rounded (ties to even); OverflowError when
/// that rounds to 2**1024 or beyond.
pub fn int_to_f64(x: &BigInt) -> PyResult<f64> {
    let mag = x.magnitude();
    let bits = mag.bits();
    // The top 64 bits, with a sticky bit for anything nonzero below them.
    let (top, shift) = if bits <= 64 {
        (mag.to_u64().expect("64 bits"), 0)
    } else {
        let shift = bits - 64;
        let top = (mag >> shift).to_u64().expect("64 bits");
        let sticky = mag.trailing_zeros().is_some_and(|z| z < shift);
        (top | sticky as u64, shift as i64)
    };
    match round_scaled(top, shift) {
        Some(f) => Ok(if x.is_negative() { -f } else { f }),
        None => raise("OverflowError", "int too large to convert to float"),
    }
}

/// `q * 2**shift` rounded to the nearest double (ties to even, subnormals included),
/// where bit 0 of `q` is sticky when anything below it was dropped; `None` when it
/// overflows.
fn round_scaled(q: u64, shift: i64) -> Option<f64> {
    if q == 0 {
        return Some(0.0);
    }
    let msb = 63 - q.leading_zeros() as i64;
    // The double's last bit: 53 bits below the top one, or 2**-1074 for subnormals.
    let lsb = (msb + shift - 52).max(-1074);
    let drop = lsb - shift;
    let (mant, exp) = if drop <= 0 {
        (q, shift)
    } else if drop >= 64 {
        // Below half of the smallest subnormal (the top bit is at most at lsb - 1).
        let half = drop == 64 && q > (1 << 63);
        (half as u64, lsb)
    } else {
        let mant = q >> drop;
        let rest = q & ((1u64 << drop) - 1);
        let half = 1u64 << (drop - 1);
        let up = rest > half || (rest == half && mant & 1 == 1);
        (mant + up as u64, lsb)
    };
    // Exact: `mant` has at most 53 significant bits (2**53 after rounding up), and
    // the scaling is by a power of two onto the double grid.
    let value = mant as f64 * pow2(exp)?;
    value.is_finite().then_some(value)
}

/// 2**k as a double, exactly (`None` above the largest finite power).
fn pow2(k: i64) -> Option<f64> {
    match k {
        1024.. => None,
        -1022..=1023 => Some(f64::from_bits(((k + 1023) as u64) << 52)),
        -1074..=-1023 => Some(f64::from_bits(1u64 << (k + 1074))),
        _ => Some(0.0),
    }
}

/// Python's `a / b` for integers: the correctly rounded quotient.
fn int_true_div(a: &BigInt, b: &BigInt) -> PyResult<f64> {
    if b.is_zero() {
        return raise("ZeroDivisionError", "division by zero");
    }
    let negative = a.is_negative() != b.is_negative();
    let (n, d) = (a.magnitude(), b.magnitude());
    let q = if n.is_zero() {
        0.0
    } else {
        // Scale so that the integer quotient has 55 or 56 bits, then round once.
        let shift = n.bits() as i64 - d.bits() as i64 - 55;
        let (n, d): (BigUint, BigUint) = if shift >= 0 {
            (n.clone(), d << shift as u64)
        } else {
            (n << (-shift) as u64, d.clone())
        };
        let (q, r) = n.div_rem(&d);
        let q = q.to_u64().expect("56 bits") | !r.is_zero() as u64;
        match round_scaled(q, shift) {
            Some(f) => f,
            None => {
                return raise(
                    "OverflowError",
                    "integer division result too large for a float",
                )
            }
        }
    };
    Ok(if negative { -q } else { q })
}

pub fn unary(op: UnaryOp, x: &Py) -> PyResult<Py> {
    if let Some(i) = x.as_int() {
        // A bool is an int here: `-True` is -1, `~True` is -2.
        return Ok(Py::Int(match op {
            UnaryOp::Pos => i,
            UnaryOp::Neg => -i,
            UnaryOp::Invert => !i,
        }));
    }
    match (op, x) {
        (UnaryOp::Pos, v) => Ok(v.clone()),
        (UnaryOp::Neg, Py::Float(f)) => Ok(Py::Float(-f)),
        (UnaryOp::Neg, Py::Complex(c)) => Ok(Py::Complex(-c)),
        (_, v) => raise(
            "TypeError",
            format!("bad operand type for unary ~: '{}'", v.type_name()),
        ),
    }
}

pub fn binary(op: BinaryOp, a: &Py, b: &Py) -> PyResult<Py> {
    use BinaryOp::*;
    if matches!(op, Lt | Le | Eq | Ne | Ge | Gt) {
        return compare(op, a, b).map(Py::Bool);
    }
    match (a, b) {
        (Py::Bool(x), Py::Bool(y)) if matches!(op, And | Or | Xor) => Ok(Py::Bool(match op {
            And => x & y,
            Or => x | y,
            _ => x ^ y,
        })),
        _ => match a.rank().max(b.rank()) {
            0 | 1 => int_binary(op, &a.as_int().unwrap(), &b.as_int().unwrap()),
            2 => float_binary(op, a.to_float()?, b.to_float()?, a, b),
            _ => complex_binary(op, a.to_complex()?, b.to_complex()?, a, b),
        },
    }
}

fn unsupported(op: BinaryOp, a: &Py, b: &Py) -> PyError {
    PyError {
        class: "TypeError",
        message: format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ),
    }
}

fn checked_int(x: BigInt) -> PyResult<Py> {
    if x.bits() > MAX_INT_BITS {
        return too_large();
    }
    Ok(Py::Int(x))
}

fn too_large<T>() -> PyResult<T> {
    raise(
        "OverflowError",
        format!("integer constant of more than {MAX_INT_BITS} bits"),
    )
}

fn int_binary(op: BinaryOp, a: &BigInt, b: &BigInt) -> PyResult<Py> {
    use BinaryOp::*;
    let too_big = |bits: u64| bits > MAX_INT_BITS;
    match op {
        Add => checked_int(a + b),
        Sub => checked_int(a - b),
        Mul if too_big(a.bits() + b.bits()) => too_large(),
        Mul => checked_int(a * b),
        Div => int_true_div(a, b).map(Py::Float),
        FloorDiv | Mod if b.is_zero() => {
            raise("ZeroDivisionError", "integer division or modulo by zero")
        }
        FloorDiv => Ok(Py::Int(a.div_floor(b))),
        Mod => Ok(Py::Int(a.mod_floor(b))),
        Pow if b.is_negative() => float_pow(int_to_f64(a)?, int_to_f64(b)?),
        Pow => int_pow(a, b),
        Shl | Shr if b.is_negative() => raise("ValueError", "negative shift count"),
        Shl if a.is_zero() => Ok(Py::Int(BigInt::zero())),
        Shl => match b.to_u64().filter(|&n| !too_big(a.bits() + n)) {
            Some(n) => checked_int(a << n),
            None => too_large(),
        },
        // Python shifts right with floor rounding; beyond the width only the sign is left.
        Shr => Ok(Py::Int(match b.to_u64().filter(|&n| n <= a.bits()) {
            Some(n) => a.div_floor(&(BigInt::one() << n)),
            None if a.is_negative() => BigInt::from(-1),
            None => BigInt::zero(),
        })),
        And => Ok(Py::Int(a & b)),
        Or => Ok(Py::Int(a | b)),
        Xor => Ok(Py::Int(a ^ b)),
        Lt | Le | Eq | Ne | Ge | Gt => unreachable!("comparisons are handled apart"),
    }
}

/// `a ** b` for `b >= 0`, exactly.
fn int_pow(a: &BigInt, b: &BigInt) -> PyResult<Py> {
    if a.magnitude() <= &BigUint::one() {
        let odd = b.is_odd();
        return Ok(Py::Int(match () {
            _ if b.is_zero() => BigInt::one(),
            _ if a.is_negative() && !odd => BigInt::one(),
            _ => a.clone(),
        }));
    }
    // |a| >= 2: the result has about bits(a) * b bits.
    match b.to_u32() {
        Some(n) if (a.bits() - 1).saturating_mul(n as u64) <= MAX_INT_BITS => {
            checked_int(num_traits::pow(a.clone(), n as usize))
        }
        _ => too_large(),
    }
}

fn float_binary(op: BinaryOp, x: f64, y: f64, a: &Py, b: &Py) -> PyResult<Py> {
    use BinaryOp::*;
    Ok(Py::Float(match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div if y == 0.0 => return raise("ZeroDivisionError", "float division by zero"),
        Div => x / y,
        FloorDiv if y == 0.0 => return raise("ZeroDivisionError", "float floor division by zero"),
        FloorDiv => divmod_f64(x, y).0,
        Mod if y == 0.0 => return raise("ZeroDivisionError", "float modulo by zero"),
        Mod => divmod_f64(x, y).1,
        Pow => return float_pow(x, y),
        _ => return Err(unsupported(op, a, b)),
    }))
}

fn is_odd_integer(w: f64) -> bool {
    w.is_finite() && w.trunc() == w && (w / 2.0).trunc() != w / 2.0
}

/// CPython's `float_pow`: its special cases first, then libm's `pow`.
fn float_pow(v: f64, w: f64) -> PyResult<Py> {
    let f = |x: f64| Ok(Py::Float(x));
    if w == 0.0 {
        return f(1.0);
    }
    if v.is_nan() {
        return f(v);
    }
    if w.is_nan() {
        return f(if v == 1.0 { 1.0 } else { w });
    }
    if w.is_infinite() {
        let v = v.abs();
        return f(match () {
            _ if v == 1.0 => 1.0,
            _ if (w > 0.0) == (v > 1.0) => w.abs(),
            _ => 0.0,
        });
    }
    if v.is_infinite() {
        let odd = is_odd_integer(w);
        return f(match (w > 0.0, odd) {
            (true, true) => v,
            (true, false) => v.abs(),
            (false, true) => 0.0f64.copysign(v),
            (false, false) => 0.0,
        });
    }
    if v == 0.0 {
        if w < 0.0 {
            return raise(
                "ZeroDivisionError",
                "0.0 cannot be raised to a negative power",
            );
        }
        return f(if is_odd_integer(w) { v } else { 0.0 });
    }
    let (mut v, mut negate) = (v, false);
    if v < 0.0 {
        if w != w.floor() {
            // A negative number to a fractional power is complex in Python 3.
            return complex_pow(Complex64::new(v, 0.0), Complex64::new(w, 0.0));
        }
        v = -v;
        negate = is_odd_integer(w);
    }
    let r = if v == 1.0 { 1.0 } else { v.powf(w) };
    if r.is_infinite() {
        return raise("OverflowError", "(34, 'Numerical result out of range')");
    }
    f(if negate { -r } else { r })
}

fn complex_binary(op: BinaryOp, x: Complex64, y: Complex64, a: &Py, b: &Py) -> PyResult<Py> {
    use BinaryOp::*;
    Ok(Py::Complex(match op {
        Add => x + y,
        Sub => x - y,
        Mul => c_prod(x, y),
        Div => match c_quot(x, y) {
            Some(q) => q,
            None => return raise("ZeroDivisionError", "complex division by zero"),
        },
        Pow => return complex_pow(x, y),
        _ => return Err(unsupported(op, a, b)),
    }))
}

fn c_prod(a: Complex64, b: Complex64) -> Complex64 {
    Complex64::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// CPython's `_Py_c_quot` (not NumPy's: it divides where NumPy multiplies by a
/// reciprocal); `None` for a zero divisor.
fn c_quot(a: Complex64, b: Complex64) -> Option<Complex64> {
    let (abs_br, abs_bi) = (b.re.abs(), b.im.abs());
    if abs_br >= abs_bi {
        if abs_br == 0.0 {
            return None;
        }
        let ratio = b.im / b.re;
        let denom = b.re + b.im * ratio;
        Some(Complex64::new(
            (a.re + a.im * ratio) / denom,
            (a.im - a.re * ratio) / denom,
        ))
    } else if abs_bi >= abs_br {
        let ratio = b.re / b.im;
        let denom = b.re * ratio + b.im;
        Some(Complex64::new(
            (a.re * ratio + a.im) / denom,
            (a.im * ratio - a.re) / denom,
        ))
    } else {
        Some(Complex64::new(f64::NAN, f64::NAN))
    }
}

/// CPython's `complex_pow`: repeated multiplication for small integral exponents,
/// the polar formula otherwise.
fn complex_pow(a: Complex64, b: Complex64) -> PyResult<Py> {
    let zero_power = || raise("ZeroDivisionError", "0.0 to a negative or complex power");
    let p = if b.im == 0.0 && b.re == b.re.floor() && b.re.abs() <= 100.0 {
        let n = b.re as i64;
        let r = c_powu(a, n.unsigned_abs());
        if n >= 0 {
            r
        } else {
            match c_quot(Complex64::new(1.0, 0.0), r) {
                Some(q) => q,
                None => return zero_power(),
            }
        }
    } else if b.re == 0.0 && b.im == 0.0 {
        Complex64::new(1.0, 0.0)
    } else if a.re == 0.0 && a.im == 0.0 {
        if b.im != 0.0 || b.re < 0.0 {
            return zero_power();
        }
        Complex64::new(0.0, 0.0)
    } else {
        let vabs = a.re.correct_hypot(a.im);
        let mut len = vabs.powf(b.re);
        let at = a.im.atan2(a.re);
        let mut phase = at * b.re;
        if b.im != 0.0 {
            len /= (at * b.im).exp();
            phase += b.im * vabs.ln();
        }
        Complex64::new(len * phase.cos(), len * phase.sin())
    };
    if p.re.is_infinite() || p.im.is_infinite() {
        return raise("OverflowError", "complex exponentiation");
    }
    Ok(Py::Complex(p))
}

fn c_powu(x: Complex64, n: u64) -> Complex64 {
    let (mut r, mut p, mut mask) = (Complex64::new(1.0, 0.0), x, 1u64);
    while mask > 0 && n >= mask {
        if n & mask != 0 {
            r = c_prod(r, p);
        }
        mask <<= 1;
        p = c_prod(p, p);
    }
    r
}

/// Python's comparisons: exact between integers and floats; complex numbers only
/// compare for (in)equality.
fn compare(op: BinaryOp, a: &Py, b: &Py) -> PyResult<bool> {
    use BinaryOp::*;
    let ord = match (a, b) {
        (Py::Complex(_), _) | (_, Py::Complex(_)) => {
            let equal = a.to_complex().ok() == b.to_complex().ok() && exact_eq(a, b);
            return match op {
                Eq => Ok(equal),
                Ne => Ok(!equal),
                _ => raise(
                    "TypeError",
                    format!(
                        "'{}' not supported between instances of '{}' and '{}'",
                        op.symbol(),
                        a.type_name(),
                        b.type_name()
                    ),
                ),
            };
        }
        (Py::Float(x), Py::Float(y)) => x.partial_cmp(y),
        (Py::Float(x), i) => int_float_cmp(&i.as_int().unwrap(), *x).map(Ordering::reverse),
        (i, Py::Float(y)) => int_float_cmp(&i.as_int().unwrap(), *y),
        (i, j) => Some(i.as_int().unwrap().cmp(&j.as_int().unwrap())),
    };
    Ok(match ord {
        None => op == Ne,
        Some(o) => match op {
            Lt => o.is_lt(),
            Le => o.is_le(),
            Eq => o.is_eq(),
            Ne => o.is_ne(),
            Ge => o.is_ge(),
            _ => o.is_gt(),
        },
    })
}

/// Equality of a complex with an integer is exact too (its float conversion is not).
fn exact_eq(a: &Py, b: &Py) -> bool {
    let real_eq = |i: &Py, c: Complex64| {
        c.im == 0.0 && int_float_cmp(&i.as_int().unwrap(), c.re) == Some(Ordering::Equal)
    };
    match (a, b) {
        (Py::Complex(c), i @ (Py::Int(_) | Py::Bool(_)))
        | (i @ (Py::Int(_) | Py::Bool(_)), Py::Complex(c)) => real_eq(i, *c),
        _ => true,
    }
}

/// The exact order of an integer and a float (`None` for NaN).
fn int_float_cmp(i: &BigInt, x: f64) -> Option<Ordering> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let fl = x.floor();
    let fi: BigInt = num_traits::FromPrimitive::from_f64(fl)?;
    Some(match i.cmp(&fi) {
        Ordering::Equal if fl != x => Ordering::Less,
        o => o,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> BigInt {
        s.parse().unwrap()
    }

    #[test]
    fn int_to_float_rounds_once_to_even() {
        // float(2**60 + 2**36 + 1) in Python: the exact value is above the midpoint.
        let x = (BigInt::one() << 60u32) + (BigInt::one() << 36u32) + 1;
        assert_eq!(int_to_f64(&x), Ok(1152921573326323712.0));
        let two = BigInt::one() << 1024u32;
        assert!(int_to_f64(&(two.clone() - 1)).is_err());
        assert!(int_to_f64(&(two.clone() - (BigInt::one() << 970u32))).is_err());
        assert_eq!(int_to_f64(&(two - (BigInt::one() << 971u32))), Ok(f64::MAX));
    }

    #[test]
    fn int_true_division_is_correctly_rounded() {
        let d = |a: BigInt, b: BigInt| int_true_div(&a, &b);
        // Python: 10**400 / 10**399 == 10.0, 1 / 10**400 == 0.0,
        // 1 / (3 * 2**1073) == 5e-324, (2**1100 + 1) / 2**1100 == 1.0, 0 / -5 == -0.0
        let p = |e: u32| num_traits::pow(BigInt::from(10), e as usize);
        assert_eq!(d(p(400), p(399)), Ok(10.0));
        assert_eq!(d(BigInt::one(), p(400)), Ok(0.0));
        assert_eq!(d(BigInt::one(), BigInt::from(3) << 1073u32), Ok(5e-324));
        let big = BigInt::one() << 1100u32;
        assert_eq!(d(big.clone() + 1, big.clone()), Ok(1.0));
        assert!(d(big, BigInt::from(3)).is_err());
        assert_eq!(
            d(int("0"), int("-5")).map(f64::to_bits),
            Ok((-0.0f64).to_bits())
        );
        assert_eq!(d(int("1"), int("3")), Ok(1.0 / 3.0));
    }

    #[test]
    fn python_arithmetic() {
        let i = |v: i64| Py::Int(BigInt::from(v));
        let b = |op, x: &Py, y: &Py| binary(op, x, y);
        assert_eq!(b(BinaryOp::Mod, &i(5), &i(-3)), Ok(i(-1)));
        assert_eq!(b(BinaryOp::FloorDiv, &i(-7), &i(2)), Ok(i(-4)));
        assert_eq!(b(BinaryOp::Pow, &i(2), &i(-1)), Ok(Py::Float(0.5)));
        assert_eq!(
            b(BinaryOp::Mul, &Py::Bool(true), &Py::Float(1.5)),
            Ok(Py::Float(1.5))
        );
        assert_eq!(b(BinaryOp::Add, &Py::Bool(true), &Py::Bool(true)), Ok(i(2)));
        assert_eq!(
            b(BinaryOp::And, &Py::Bool(true), &Py::Bool(false)),
            Ok(Py::Bool(false))
        );
        assert_eq!(unary(UnaryOp::Invert, &Py::Bool(true)), Ok(i(-2)));
        assert_eq!(b(BinaryOp::Shr, &i(-5), &i(100)), Ok(i(-1)));
        assert_eq!(b(BinaryOp::Shr, &i(-5), &i(1)), Ok(i(-3)));
        assert!(b(BinaryOp::Shl, &i(1), &i(-1)).is_err());
        assert!(b(BinaryOp::Div, &Py::Float(1.0), &i(0)).is_err());
        assert!(b(BinaryOp::Pow, &i(0), &i(-1)).is_err());
        assert!(b(BinaryOp::Pow, &Py::Float(2.0), &i(5000)).is_err());
        assert!(b(BinaryOp::Pow, &i(2), &i(1 << 20)).is_err());
        assert!(b(BinaryOp::Lt, &Py::Complex(Complex64::new(0.0, 1.0)), &i(2)).is_err());
        // (-8) ** (1/3) is complex in Python 3.
        let r = b(BinaryOp::Pow, &i(-8), &Py::Float(1.0 / 3.0)).unwrap();
        assert_eq!(
            r,
            Py::Complex(Complex64::new(1.0000000000000002, 1.7320508075688772))
        );
        // 2**53 + 1 > 2.0**53 exactly.
        let big = i((1 << 53) + 1);
        assert_eq!(
            b(BinaryOp::Gt, &big, &Py::Float(9007199254740992.0)),
            Ok(Py::Bool(true))
        );
        assert_eq!(
            b(BinaryOp::Eq, &big, &Py::Float(9007199254740992.0)),
            Ok(Py::Bool(false))
        );
    }
}
