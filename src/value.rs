//! Scalar values and the meaning of every operation on them: NumPy 2's semantics,
//! written once. The interpreter evaluates with these functions and constant folding
//! folds with them, so a folded expression means exactly what it means at run time.
//! The compiled backends are tested against them.

use crate::dtype::DType;
use crate::hypot::CorrectHypot;
use crate::ir::ops::{BinOp, UnOp};
use crate::math::Accurate;
use num_complex::{Complex, Complex32, Complex64};

/// The C library's functions where NumPy calls them: complex functions come from the
/// platform's C99 `<complex.h>` (whose Annex G special values NumPy inherits).
pub mod libm {
    use super::{Complex32, Complex64};

    // `double _Complex` and `float _Complex` are passed like `#[repr(C)]` pairs of
    // their parts, which is what num-complex's types are.
    mod sys {
        use super::{Complex32, Complex64};
        macro_rules! decl {
            ($($name:ident $namef:ident),*) => {
                #[link(name = "m")]
                unsafe extern "C" {
                    $(pub safe fn $name(z: Complex64) -> Complex64;
                      pub safe fn $namef(z: Complex32) -> Complex32;)*
                    pub safe fn cpow(a: Complex64, b: Complex64) -> Complex64;
                    pub safe fn cpowf(a: Complex32, b: Complex32) -> Complex32;
                }
            };
        }
        decl!(csqrt csqrtf, csin csinf, ccos ccosf, ctan ctanf, casin casinf, cacos cacosf,
            catan catanf, csinh csinhf, ccosh ccoshf, ctanh ctanhf, casinh casinhf,
            cacosh cacoshf, catanh catanhf, clog clogf, cexp cexpf);
    }

    macro_rules! complex_fns {
        ($($name:ident $namef:ident),*) => {
            pub trait Cplx: Copy {
                $(fn $name(self) -> Self;)*
                fn cpow(self, b: Self) -> Self;
            }
            impl Cplx for Complex64 {
                $(fn $name(self) -> Self { sys::$name(self) })*
                fn cpow(self, b: Self) -> Self { sys::cpow(self, b) }
            }
            impl Cplx for Complex32 {
                $(fn $name(self) -> Self { sys::$namef(self) })*
                fn cpow(self, b: Self) -> Self { sys::cpowf(self, b) }
            }
            $(pub fn $name<T: Cplx>(z: T) -> T { Cplx::$name(z) })*
        };
    }
    complex_fns!(csqrt csqrtf, csin csinf, ccos ccosf, ctan ctanf, casin casinf, cacos cacosf,
        catan catanf, csinh csinhf, ccosh ccoshf, ctanh ctanhf, casinh casinhf,
        cacosh cacoshf, catanh catanhf, clog clogf, cexp cexpf);
    pub fn cpow<T: Cplx>(a: T, b: T) -> T {
        Cplx::cpow(a, b)
    }
}
pub use crate::scalar::Scalar;

pub mod own_complex;

/// Why an evaluation failed (only integer powers with negative exponents can).
pub const NEG_INT_POW: &str = "Integers to negative integer powers are not allowed.";

// ---------------------------------------------------------------------------------
// Unary operations

/// Evaluates a unary op. `x` has the op's operand type, the result has `out`.
pub fn unary(op: UnOp, x: Scalar, out: DType) -> Scalar {
    use Scalar::*;
    let r = match x {
        Bool(b) => unary_bool(op, b),
        I32(v) => unary_int(op, v as i64, 32),
        I64(v) => unary_int(op, v, 64),
        F32(v) => unary_f32(op, v),
        F64(v) => unary_f64(op, v),
        C64(c) => unary_c32(op, c),
        C128(c) => unary_c64(op, c),
    };
    debug_assert!(
        r.dtype() == out || matches!(op, UnOp::Real | UnOp::Imag | UnOp::Abs),
        "{op:?} on {:?} gave {:?}, IR says {out:?}",
        x.dtype(),
        r.dtype()
    );
    r.cast(out)
}

fn unary_bool(op: UnOp, b: bool) -> Scalar {
    use UnOp::*;
    match op {
        Not => Scalar::Bool(!b),
        Abs | Conj | Real | Ceil | Floor | Trunc | Round => Scalar::Bool(b),
        Imag => Scalar::Bool(false),
        IsNan | IsInf => Scalar::Bool(false),
        IsFinite => Scalar::Bool(true),
        SignBit => Scalar::Bool(false),
        _ => unreachable!("{op:?} on bool is rejected by type checking"),
    }
}

fn unary_int(op: UnOp, v: i64, bits: u32) -> Scalar {
    use UnOp::*;
    let wrap = |x: i64| {
        if bits == 32 {
            Scalar::I32(x as i32)
        } else {
            Scalar::I64(x)
        }
    };
    match op {
        Neg => wrap(if bits == 32 {
            (v as i32).wrapping_neg() as i64
        } else {
            v.wrapping_neg()
        }),
        Not => wrap(!v),
        Abs => wrap(if bits == 32 {
            (v as i32).wrapping_abs() as i64
        } else {
            v.wrapping_abs()
        }),
        Conj | Real | Ceil | Floor | Trunc | Round => wrap(v),
        Imag => wrap(0),
        Sign => wrap(v.signum()),
        IsNan | IsInf => Scalar::Bool(false),
        IsFinite => Scalar::Bool(true),
        SignBit => Scalar::Bool(v < 0),
        _ => unreachable!("{op:?} on integers is cast to float by type checking"),
    }
}

macro_rules! float_unary {
    ($name:ident, $t:ty, $wrap:ident) => {
        fn $name(op: UnOp, v: $t) -> Scalar {
            use UnOp::*;
            let b = |x: bool| Scalar::Bool(x);
            Scalar::$wrap(match op {
                Neg => -v,
                Abs => v.abs(),
                Sqrt => v.sqrt(),
                Sin => Accurate::sin(v),
                Cos => Accurate::cos(v),
                Tan => Accurate::tan(v),
                Arcsin => Accurate::arcsin(v),
                Arccos => Accurate::arccos(v),
                Arctan => Accurate::arctan(v),
                Sinh => Accurate::sinh(v),
                Cosh => Accurate::cosh(v),
                Tanh => Accurate::tanh(v),
                Arcsinh => Accurate::arcsinh(v),
                Arccosh => Accurate::arccosh(v),
                Arctanh => Accurate::arctanh(v),
                Log => Accurate::log(v),
                Log1p => Accurate::log1p(v),
                Log10 => Accurate::log10(v),
                Log2 => Accurate::log2(v),
                Exp => Accurate::exp(v),
                Expm1 => Accurate::expm1(v),
                Conj | Real => v,
                Imag => 0.0,
                Ceil => v.ceil(),
                Floor => v.floor(),
                Trunc => v.trunc(),
                Round => v.round_ties_even(),
                Sign => {
                    if v > 0.0 {
                        1.0
                    } else if v < 0.0 {
                        -1.0
                    } else if v == 0.0 {
                        0.0
                    } else {
                        v
                    }
                }
                IsNan => return b(v.is_nan()),
                IsFinite => return b(v.is_finite()),
                IsInf => return b(v.is_infinite()),
                SignBit => return b(v.is_sign_negative()),
                Not => unreachable!("~ on floats is rejected by type checking"),
            })
        }
    };
}
float_unary!(unary_f32, f32, F32);
float_unary!(unary_f64, f64, F64);

/// Complex functions: nexpr's own (`own_complex`, within 1 ulp), NumPy's formulas
/// where NumPy defines them itself (expm1, log10 and log2 on the own logarithm, sign),
/// and the C library's `<complex.h>` for the rest, as NumPy.
macro_rules! complex_unary {
    ($name:ident, $t:ty, $wrap:ident, $rwrap:ident) => {
        fn $name(op: UnOp, z: Complex<$t>) -> Scalar {
            use UnOp::*;
            let b = |x: bool| Scalar::Bool(x);
            let c = |re: $t, im: $t| Complex::<$t>::new(re, im);
            Scalar::$wrap(match op {
                Neg => -z,
                Abs => return Scalar::$rwrap(z.re.correct_hypot(z.im)),
                Real => return Scalar::$rwrap(z.re),
                Imag => return Scalar::$rwrap(z.im),
                Conj => z.conj(),
                Sqrt => own_complex::sqrt(z),
                Sin => own_complex::sin(z),
                Cos => own_complex::cos(z),
                Tan => own_complex::tan(z),
                Arcsin => own_complex::arcsin(z),
                Arccos => own_complex::arccos(z),
                Arctan => own_complex::arctan(z),
                Sinh => own_complex::sinh(z),
                Cosh => own_complex::cosh(z),
                Tanh => own_complex::tanh(z),
                Arcsinh => own_complex::arcsinh(z),
                Arccosh => own_complex::arccosh(z),
                Arctanh => own_complex::arctanh(z),
                Log => own_complex::log(z),
                Log1p => own_complex::log1p(z),
                Log10 => own_complex::log10(z),
                Log2 => own_complex::log2(z),
                Exp => own_complex::exp(z),
                Expm1 => {
                    let a = (z.im / 2.0).sin();
                    c(
                        z.re.exp_m1() * z.im.cos() - 2.0 * a * a,
                        z.re.exp() * z.im.sin(),
                    )
                }
                Round => c(z.re.round_ties_even(), z.im.round_ties_even()),
                // NumPy 2's csign: z/|z|, its special cases decided by |z| (hypot).
                Sign => {
                    let a = z.re.correct_hypot(z.im);
                    if a.is_nan() {
                        c(<$t>::NAN, <$t>::NAN)
                    } else if a.is_infinite() {
                        if z.re.is_infinite() {
                            if z.im.is_infinite() {
                                c(<$t>::NAN, <$t>::NAN)
                            } else {
                                c(if z.re > 0.0 { 1.0 } else { -1.0 }, 0.0)
                            }
                        } else {
                            c(0.0, if z.im > 0.0 { 1.0 } else { -1.0 })
                        }
                    } else if a == 0.0 {
                        c(0.0, 0.0)
                    } else {
                        c(z.re / a, z.im / a)
                    }
                }
                IsNan => return b(z.re.is_nan() || z.im.is_nan()),
                IsFinite => return b(z.re.is_finite() && z.im.is_finite()),
                IsInf => return b(z.re.is_infinite() || z.im.is_infinite()),
                Not | Ceil | Floor | Trunc | SignBit => {
                    unreachable!("{op:?} on complex is rejected by type checking")
                }
            })
        }
    };
}
complex_unary!(unary_c32, f32, C64, F32);
complex_unary!(unary_c64, f64, C128, F64);

// ---------------------------------------------------------------------------------
// Binary operations

fn binary_bool(op: BinOp, x: bool, y: bool) -> Scalar {
    use BinOp::*;
    Scalar::Bool(match op {
        Add | BitOr | Maximum => x | y,
        Mul | BitAnd | Minimum => x & y,
        BitXor | Ne => x ^ y,
        Eq => x == y,
        Lt => !x & y,
        Le => x <= y,
        Gt => x & !y,
        Ge => x >= y,
        _ => unreachable!("{op:?} on bool is rejected or cast by type checking"),
    })
}

/// NumPy's integer loops: wrapping arithmetic, division by zero gives 0, shifts past
/// the width give 0 (or -1 for a negative number shifted right).
macro_rules! binary_int {
    ($op:expr, $x:expr, $y:expr, $t:ty, $wrap:ident) => {{
        use BinOp::*;
        let (x, y): ($t, $t) = ($x, $y);
        let bits = <$t>::BITS as $t;
        let b = |v: bool| Scalar::Bool(v);
        Ok::<Scalar, &'static str>(match $op {
            Add => Scalar::$wrap(x.wrapping_add(y)),
            Sub => Scalar::$wrap(x.wrapping_sub(y)),
            Mul => Scalar::$wrap(x.wrapping_mul(y)),
            FloorDiv => Scalar::$wrap(if y == 0 {
                0
            } else {
                let q = x.wrapping_div(y);
                if x.wrapping_rem(y) != 0 && ((x < 0) != (y < 0)) {
                    q - 1
                } else {
                    q
                }
            }),
            Mod => Scalar::$wrap(if y == 0 {
                0
            } else {
                let r = x.wrapping_rem(y);
                if r != 0 && ((r < 0) != (y < 0)) {
                    r + y
                } else {
                    r
                }
            }),
            Fmod => Scalar::$wrap(if y == 0 { 0 } else { x.wrapping_rem(y) }),
            Pow => {
                if y < 0 {
                    return Err(NEG_INT_POW);
                }
                Scalar::$wrap(ipow!(x, y, $t))
            }
            BitAnd => Scalar::$wrap(x & y),
            BitOr => Scalar::$wrap(x | y),
            BitXor => Scalar::$wrap(x ^ y),
            Shl => Scalar::$wrap(if y >= 0 && y < bits { x << y } else { 0 }),
            Shr => Scalar::$wrap(if y >= 0 && y < bits {
                x >> y
            } else if x < 0 {
                -1
            } else {
                0
            }),
            Maximum => Scalar::$wrap(x.max(y)),
            Minimum => Scalar::$wrap(x.min(y)),
            Lt => b(x < y),
            Le => b(x <= y),
            Eq => b(x == y),
            Ne => b(x != y),
            Ge => b(x >= y),
            Gt => b(x > y),
            Div | Arctan2 | Hypot | NextAfter | CopySign | Complex => {
                unreachable!("{:?} on integers is cast to float by type checking", $op)
            }
        })
    }};
}

/// Wrapping integer power by repeated squaring (`y >= 0`).
macro_rules! ipow {
    ($x:expr, $y:expr, $t:ty) => {{
        let (mut base, mut e, mut acc): ($t, $t, $t) = ($x, $y, 1);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            e >>= 1;
            if e > 0 {
                base = base.wrapping_mul(base);
            }
        }
        acc
    }};
}

macro_rules! float_binary {
    ($name:ident, $divmod:ident, $nextafter:ident, $t:ty, $bits:ty, $wrap:ident) => {
        /// NumPy's `npy_divmod`: floor division and a remainder with the divisor's sign.
        pub fn $divmod(a: $t, b: $t) -> ($t, $t) {
            let m = a % b;
            if b == 0.0 {
                return (a / b, m);
            }
            let mut div = (a - m) / b;
            let mut m = m;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let fdiv = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (fdiv, m)
        }

        pub fn $nextafter(x: $t, y: $t) -> $t {
            if x.is_nan() || y.is_nan() {
                return <$t>::NAN;
            }
            if x == y {
                return y;
            }
            if x == 0.0 {
                return <$t>::from_bits(1).copysign(y);
            }
            let bits = x.to_bits();
            let up = (y > x) == (x > 0.0);
            <$t>::from_bits(if up { bits + 1 } else { bits - 1 as $bits })
        }

        fn $name(op: BinOp, x: $t, y: $t) -> Scalar {
            use BinOp::*;
            let b = |v: bool| Scalar::Bool(v);
            Scalar::$wrap(match op {
                Add => x + y,
                Sub => x - y,
                Mul => x * y,
                Div => x / y,
                FloorDiv => $divmod(x, y).0,
                Mod => {
                    if y == 0.0 {
                        x % y
                    } else {
                        $divmod(x, y).1
                    }
                }
                Fmod => x % y,
                Pow => Accurate::pow(x, y),
                Arctan2 => Accurate::arctan2(x, y),
                Hypot => x.correct_hypot(y),
                NextAfter => $nextafter(x, y),
                CopySign => x.copysign(y),
                // NumPy keeps the second operand of equal ones (`maximum(-0.0, 0.0)`
                // is 0.0), and a NaN from either side.
                Maximum => {
                    if x > y || x.is_nan() {
                        x
                    } else {
                        y
                    }
                }
                Minimum => {
                    if x < y || x.is_nan() {
                        x
                    } else {
                        y
                    }
                }
                Complex => {
                    return match Scalar::$wrap(0.0).dtype() {
                        DType::F32 => Scalar::C64(Complex32::new(x as f32, y as f32)),
                        _ => Scalar::C128(Complex64::new(x as f64, y as f64)),
                    }
                }
                Lt => return b(x < y),
                Le => return b(x <= y),
                Eq => return b(x == y),
                Ne => return b(x != y),
                Ge => return b(x >= y),
                Gt => return b(x > y),
                BitAnd | BitOr | BitXor | Shl | Shr => {
                    unreachable!("{op:?} on floats is rejected by type checking")
                }
            })
        }
    };
}
float_binary!(binary_f32, divmod_f32, nextafter_f32, f32, u32, F32);
float_binary!(binary_f64, divmod_f64, nextafter_f64, f64, u64, F64);

/// a^b by nexpr's core, each part rounded once to `T`, or `None` where the core
/// leaves it to the C library.
fn own_pow<T: own_complex::Part>(a: Complex<T>, b: Complex<T>) -> Option<Complex<T>> {
    let (re, im) =
        crate::math::scalar::complex_pow(a.re.into(), a.im.into(), b.re.into(), b.im.into())?;
    Some(Complex::new(T::narrow(re), T::narrow(im)))
}

macro_rules! complex_binary {
    ($name:ident, $quot:ident, $pow:ident, $t:ty, $wrap:ident) => {
        /// NumPy's complex division (Smith's method, with its handling of a zero divisor).
        pub fn $quot(a: Complex<$t>, b: Complex<$t>) -> Complex<$t> {
            let (br_abs, bi_abs) = (b.re.abs(), b.im.abs());
            if br_abs >= bi_abs {
                if br_abs == 0.0 && bi_abs == 0.0 {
                    Complex::new(a.re / br_abs, a.im / br_abs)
                } else {
                    let rat = b.im / b.re;
                    let scl = 1.0 / (b.re + b.im * rat);
                    Complex::new((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl)
                }
            } else {
                let rat = b.re / b.im;
                let scl = 1.0 / (b.im + b.re * rat);
                Complex::new((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl)
            }
        }

        /// NumPy's complex power: exact repeated multiplication for small integer
        /// exponents, else nexpr's core (`math::complex_pow`, within 1 ulp) where it
        /// computes and the C library's cpow where it does not.
        pub fn $pow(a: Complex<$t>, b: Complex<$t>) -> Complex<$t> {
            let one = Complex::<$t>::new(1.0, 0.0);
            if b.re == 0.0 && b.im == 0.0 {
                return one;
            }
            if a.re == 0.0 && a.im == 0.0 {
                return if b.re > 0.0 {
                    Complex::new(0.0, 0.0)
                } else {
                    Complex::new(<$t>::NAN, <$t>::NAN)
                };
            }
            if b.im == 0.0 && b.re == b.re.trunc() && b.re.abs() < 100.0 {
                let n = b.re as i64;
                match n {
                    1 => return a,
                    2 => return a * a,
                    3 => return (a * a) * a,
                    _ => {}
                }
                let n = n.abs();
                let mut aa = one;
                let mut p = a;
                let mut mask = 1i64;
                loop {
                    if n & mask != 0 {
                        aa *= p;
                    }
                    mask <<= 1;
                    if n < mask {
                        break;
                    }
                    p = p * p;
                }
                return if b.re < 0.0 { $quot(one, aa) } else { aa };
            }
            own_pow(a, b).unwrap_or_else(|| libm::cpow(a, b))
        }

        fn $name(op: BinOp, x: Complex<$t>, y: Complex<$t>) -> Scalar {
            use BinOp::*;
            let b = |v: bool| Scalar::Bool(v);
            let nan_free = !x.im.is_nan() && !y.im.is_nan();
            let lt = (x.re < y.re && nan_free) || (x.re == y.re && x.im < y.im);
            let le = (x.re < y.re && nan_free) || (x.re == y.re && x.im <= y.im);
            let gt = (x.re > y.re && nan_free) || (x.re == y.re && x.im > y.im);
            let ge = (x.re > y.re && nan_free) || (x.re == y.re && x.im >= y.im);
            let x_nan = x.re.is_nan() || x.im.is_nan();
            Scalar::$wrap(match op {
                Add => x + y,
                Sub => x - y,
                Mul => {
                    num_complex::Complex::new(x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re)
                }
                Div => $quot(x, y),
                Pow => $pow(x, y),
                Maximum => {
                    if ge || x_nan {
                        x
                    } else {
                        y
                    }
                }
                Minimum => {
                    if le || x_nan {
                        x
                    } else {
                        y
                    }
                }
                Lt => return b(lt),
                Le => return b(le),
                Gt => return b(gt),
                Ge => return b(ge),
                Eq => return b(x.re == y.re && x.im == y.im),
                Ne => return b(x.re != y.re || x.im != y.im),
                _ => unreachable!("{op:?} on complex is rejected by type checking"),
            })
        }
    };
}
complex_binary!(binary_c32, quot_c32, pow_c32, f32, C64);
complex_binary!(binary_c64, quot_c64, pow_c64, f64, C128);

/// Evaluates a binary op on two operands of the same dtype; the result has `out`.
pub fn binary(op: BinOp, a: Scalar, b: Scalar, out: DType) -> Result<Scalar, &'static str> {
    use Scalar::*;
    debug_assert_eq!(a.dtype(), b.dtype(), "{op:?}");
    let r = match (a, b) {
        (Bool(x), Bool(y)) => binary_bool(op, x, y),
        (I32(x), I32(y)) => binary_int!(op, x, y, i32, I32)?,
        (I64(x), I64(y)) => binary_int!(op, x, y, i64, I64)?,
        (F32(x), F32(y)) => binary_f32(op, x, y),
        (F64(x), F64(y)) => binary_f64(op, x, y),
        (C64(x), C64(y)) => binary_c32(op, x, y),
        (C128(x), C128(y)) => binary_c64(op, x, y),
        _ => unreachable!("mixed operand types reach {op:?}: {a:?}, {b:?}"),
    };
    Ok(r.cast(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_follows_numpy() {
        let fd = |a: i32, b: i32| {
            binary(BinOp::FloorDiv, Scalar::I32(a), Scalar::I32(b), DType::I32).unwrap()
        };
        assert_eq!(fd(7, 2), Scalar::I32(3));
        assert_eq!(fd(-7, 2), Scalar::I32(-4));
        assert_eq!(fd(7, 0), Scalar::I32(0));
        assert_eq!(fd(i32::MIN, -1), Scalar::I32(i32::MIN));
        let md = |a: i32, b: i32| {
            binary(BinOp::Mod, Scalar::I32(a), Scalar::I32(b), DType::I32).unwrap()
        };
        assert_eq!(md(-7, 2), Scalar::I32(1));
        assert_eq!(md(7, -2), Scalar::I32(-1));
        assert_eq!(md(i32::MIN, -1), Scalar::I32(0));
    }

    #[test]
    fn float_divmod_follows_numpy() {
        assert_eq!(divmod_f64(7.0, -2.0), (-4.0, -1.0));
        assert_eq!(divmod_f64(-0.0, 1.0).1.to_bits(), 0.0f64.to_bits());
        assert!(divmod_f64(1.0, 0.0).0.is_infinite());
    }

    #[test]
    fn negative_integer_power_is_an_error() {
        let r = binary(BinOp::Pow, Scalar::I64(2), Scalar::I64(-1), DType::I64);
        assert_eq!(r, Err(NEG_INT_POW));
        let r = binary(BinOp::Pow, Scalar::I32(3), Scalar::I32(4), DType::I32);
        assert_eq!(r, Ok(Scalar::I32(81)));
    }

    #[test]
    fn casts_follow_x86() {
        assert_eq!(
            Scalar::F64(f64::NAN).cast(DType::I32),
            Scalar::I32(i32::MIN)
        );
        assert_eq!(Scalar::F64(3e9).cast(DType::I32), Scalar::I32(i32::MIN));
        assert_eq!(Scalar::F64(-2.7).cast(DType::I64), Scalar::I64(-2));
        assert_eq!(Scalar::I64(1 << 33).cast(DType::I32), Scalar::I32(0));
    }
}
