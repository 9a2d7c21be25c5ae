//! Out-of-line helpers that compiled kernels call for the operations whose exact
//! semantics live in `crate::value` (transcendentals, float divmod, complex functions,
//! integer power). Calling the same Rust code the interpreter runs keeps the scalar
//! path bit-identical to the reference; only the vectorized math in `math.rs` has an
//! error budget.
//!
//! Operations and dtypes travel as small integer codes (indices into the tables
//! below) so that one helper per shape of signature covers every operation.

use crate::dtype::DType;
use crate::ir::{BinOp, UnOp};
use crate::value::{self, libm, Scalar};
use num_complex::{Complex32, Complex64};

pub const UNOPS: [UnOp; 34] = {
    use UnOp::*;
    [
        Neg, Not, Abs, Sqrt, Sin, Cos, Tan, Arcsin, Arccos, Arctan, Sinh, Cosh, Tanh, Arcsinh,
        Arccosh, Arctanh, Log, Log1p, Log10, Log2, Exp, Expm1, Conj, Real, Imag, Ceil, Floor,
        Trunc, Round, Sign, IsNan, IsFinite, IsInf, SignBit,
    ]
};

pub const BINOPS: [BinOp; 26] = {
    use BinOp::*;
    [
        Add, Sub, Mul, Div, FloorDiv, Mod, Pow, BitAnd, BitOr, BitXor, Shl, Shr, Arctan2, Hypot,
        NextAfter, CopySign, Maximum, Minimum, Fmod, Complex, Lt, Le, Eq, Ne, Ge, Gt,
    ]
};

pub fn unop_code(op: UnOp) -> i64 {
    UNOPS.iter().position(|&o| o == op).unwrap_or(0) as i64
}

pub fn binop_code(op: BinOp) -> i64 {
    BINOPS.iter().position(|&o| o == op).unwrap_or(0) as i64
}

pub fn dtype_code(d: DType) -> i64 {
    DType::ALL.iter().position(|&t| t == d).unwrap_or(0) as i64
}

fn dtype_of(code: u32) -> DType {
    DType::ALL[(code as usize).min(DType::ALL.len() - 1)]
}

fn unop_of(code: u32) -> UnOp {
    UNOPS[(code as usize).min(UNOPS.len() - 1)]
}

fn binop_of(code: u32) -> BinOp {
    BINOPS[(code as usize).min(BINOPS.len() - 1)]
}

fn float_scalar(ty: DType, x: f64) -> Scalar {
    match ty {
        DType::F32 => Scalar::F32(x as f32),
        _ => Scalar::F64(x),
    }
}

fn complex_scalar(ty: DType, re: f64, im: f64) -> Scalar {
    match ty {
        DType::C64 => Scalar::C64(Complex32::new(re as f32, im as f32)),
        _ => Scalar::C128(Complex64::new(re, im)),
    }
}

fn as_f64(s: Scalar) -> f64 {
    match s {
        Scalar::F32(x) => x as f64,
        Scalar::F64(x) => x,
        other => other.to_c128().re,
    }
}

/// A unary float operation; `ty` is f32 or f64 (f32 values travel exactly in an f64).
pub extern "C" fn nx_funary(op: u32, ty: u32, x: f64) -> f64 {
    let ty = dtype_of(ty);
    as_f64(value::unary(unop_of(op), float_scalar(ty, x), ty))
}

/// A binary float operation with a float result.
pub extern "C" fn nx_fbinary(op: u32, ty: u32, a: f64, b: f64) -> f64 {
    let ty = dtype_of(ty);
    let r = value::binary(binop_of(op), float_scalar(ty, a), float_scalar(ty, b), ty);
    r.map_or(f64::NAN, as_f64)
}

/// Wrapping integer power for a non-negative exponent (the kernel checks the sign).
pub extern "C" fn nx_ipow(ty: u32, a: i64, b: i64) -> i64 {
    let (a, b) = match dtype_of(ty) {
        DType::I32 => (Scalar::I32(a as i32), Scalar::I32(b as i32)),
        _ => (Scalar::I64(a), Scalar::I64(b)),
    };
    match value::binary(BinOp::Pow, a, b, a.dtype()) {
        Ok(Scalar::I32(x)) => x as i64,
        Ok(Scalar::I64(x)) => x,
        _ => 0,
    }
}

/// A unary operation on a complex operand, any result dtype; the result is written
/// as (re, im) in f64 to `out`, which is exact for every result it can have.
///
/// # Safety
/// `out` points to two writable f64.
pub unsafe extern "C" fn nx_cunary(op: u32, ty: u32, out_ty: u32, re: f64, im: f64, out: *mut f64) {
    let r = value::unary(
        unop_of(op),
        complex_scalar(dtype_of(ty), re, im),
        dtype_of(out_ty),
    );
    let c = r.to_c128();
    *out = c.re;
    *out.add(1) = c.im;
}

/// A binary operation on complex operands, any result dtype, written as in
/// [`nx_cunary`].
///
/// # Safety
/// `out` points to two writable f64.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn nx_cbinary(
    op: u32,
    ty: u32,
    out_ty: u32,
    are: f64,
    aim: f64,
    bre: f64,
    bim: f64,
    out: *mut f64,
) {
    let ty = dtype_of(ty);
    let r = value::binary(
        binop_of(op),
        complex_scalar(ty, are, aim),
        complex_scalar(ty, bre, bim),
        dtype_of(out_ty),
    );
    let c = r.map_or(Complex64::new(f64::NAN, f64::NAN), |s| s.to_c128());
    *out = c.re;
    *out.add(1) = c.im;
}

/// Direct scalar transcendentals, one symbol per function and width: the same Rust
/// methods `value::unary` uses, without its dispatch (they run per element).
macro_rules! direct {
    ($($op:literal => $m:ident),*) => {
        fn direct_lookup(name: &str) -> Option<*const u8> {
            $(
                {
                    extern "C" fn f64_(x: f64) -> f64 { x.$m() }
                    extern "C" fn f32_(x: f32) -> f32 { x.$m() }
                    if name == concat!("nx_", $op, "_f64") { return Some(f64_ as *const u8); }
                    if name == concat!("nx_", $op, "_f32") { return Some(f32_ as *const u8); }
                }
            )*
            None
        }
    };
}
direct!("sin" => sin, "cos" => cos, "tan" => tan, "arcsin" => asin, "arccos" => acos, "arctan" => atan, "sinh" => sinh, "cosh" => cosh, "tanh" => tanh, "log" => ln, "log1p" => ln_1p, "log10" => log10, "log2" => log2, "exp" => exp, "expm1" => exp_m1);

// The inverse hyperbolics and hypot come from libm, as in `value` (Rust's own inverse
// hyperbolics differ in the last bits and overflow near the top of the range).
extern "C" fn asinh_f64(x: f64) -> f64 {
    libm::asinh(x)
}
extern "C" fn asinh_f32(x: f32) -> f32 {
    libm::asinh(x)
}
extern "C" fn acosh_f64(x: f64) -> f64 {
    libm::acosh(x)
}
extern "C" fn acosh_f32(x: f32) -> f32 {
    libm::acosh(x)
}
extern "C" fn atanh_f64(x: f64) -> f64 {
    libm::atanh(x)
}
extern "C" fn atanh_f32(x: f32) -> f32 {
    libm::atanh(x)
}
/// |z| of a complex number, as `value` computes it (called per element, so direct).
extern "C" fn hypot_f64(x: f64, y: f64) -> f64 {
    x.hypot(y)
}
extern "C" fn hypot_f32(x: f32, y: f32) -> f32 {
    x.hypot(y)
}

/// The exact lanes of `abs(z) op k` (see `Lowerer::vabs_compare`): `p` holds the
/// real parts (one 16-byte vector: 2 f64 or 4 f32) at 0 and the imaginary parts at 16;
/// the result, one 0/1 byte per lane, goes to `p + 32`. `code` is the lane count, 0x100
/// for complex64, and the comparison's `binop_code` shifted left by 16.
///
/// # Safety
/// `p` must address 36 writable bytes laid out as above.
unsafe extern "C" fn nx_abs_cmp(p: *mut u8, code: i32, k: f64) {
    let lanes = (code & 0xff) as usize;
    let c64 = code & 0x100 != 0;
    let op = binop_of((code >> 16) as u32);
    for j in 0..lanes.min(4) {
        // SAFETY: the caller passes the layout documented above.
        let a = unsafe {
            if c64 {
                let re = (p as *const f32).add(j).read_unaligned();
                let im = (p.add(16) as *const f32).add(j).read_unaligned();
                hypot_f32(re, im) as f64
            } else {
                let re = (p as *const f64).add(j).read_unaligned();
                let im = (p.add(16) as *const f64).add(j).read_unaligned();
                hypot_f64(re, im)
            }
        };
        // complex64 magnitudes and `k` are both exact f32 values: comparing them as
        // f64 is comparing them as f32.
        let r = match op {
            BinOp::Gt => a > k,
            BinOp::Ge => a >= k,
            BinOp::Lt => a < k,
            _ => a <= k,
        };
        // SAFETY: as above.
        unsafe { p.add(32 + j).write(r as u8) };
    }
}

/// Resolves the helper symbols for the JIT linker.
pub fn lookup(name: &str) -> Option<*const u8> {
    Some(match name {
        "nx_funary" => nx_funary as *const u8,
        "nx_fbinary" => nx_fbinary as *const u8,
        "nx_ipow" => nx_ipow as *const u8,
        "nx_cunary" => nx_cunary as *const u8,
        "nx_cbinary" => nx_cbinary as *const u8,
        "nx_arcsinh_f64" => asinh_f64 as *const u8,
        "nx_arcsinh_f32" => asinh_f32 as *const u8,
        "nx_arccosh_f64" => acosh_f64 as *const u8,
        "nx_arccosh_f32" => acosh_f32 as *const u8,
        "nx_arctanh_f64" => atanh_f64 as *const u8,
        "nx_arctanh_f32" => atanh_f32 as *const u8,
        "nx_hypot_f64" => hypot_f64 as *const u8,
        "nx_hypot_f32" => hypot_f32 as *const u8,
        "nx_abs_cmp" => nx_abs_cmp as *const u8,
        _ => return direct_lookup(name).or_else(|| super::math::lookup(name)),
    })
}
