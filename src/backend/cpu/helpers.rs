//! Out-of-line helpers that compiled kernels call for the operations whose exact
//! semantics live in `crate::value` (transcendentals, float divmod, complex functions,
//! integer power). Calling the same Rust code the interpreter runs keeps the scalar
//! path bit-identical to the reference; only the vectorized math in `math.rs` has an
//! error budget.
//!
//! This file is the one table of them: every [`Helper`] names its symbol, its
//! Cranelift signature and the function behind it, so the lowering declares exactly
//! what the JIT linker resolves ([`lookup`]). Operations and dtypes travel as codes
//! ([`unop_code`], [`binop_code`], [`dtype_code`]: the enum discriminants) so that one
//! helper per shape of signature covers every operation; decoding is the inverse
//! through `UnOp::ALL`, `BinOp::ALL` and `DType::ALL`, and a code that names nothing
//! aborts the process with a message rather than running another operation.

use crate::dtype::DType;
use crate::hypot::CorrectHypot;
use crate::ir::{BinOp, UnOp};
use crate::math::Accurate;
use crate::value::{self, Scalar};
use cranelift_codegen::ir::types::{Type, F32, F64, I32, I64};
use num_complex::{Complex32, Complex64};

/// An out-of-line function a kernel calls: the symbol it imports, its signature
/// (the platform's C calling convention), and the function the symbol resolves to.
pub struct Helper {
    pub name: &'static str,
    pub params: &'static [Type],
    pub returns: &'static [Type],
    address: *const u8,
}

/// [`nx_funary`]: `(op, dtype, x) -> result`.
pub const FUNARY: Helper = Helper {
    name: "nx_funary",
    params: &[I32, I32, F64],
    returns: &[F64],
    address: nx_funary as *const u8,
};

/// [`nx_fbinary`]: `(op, dtype, x, y) -> result`.
pub const FBINARY: Helper = Helper {
    name: "nx_fbinary",
    params: &[I32, I32, F64, F64],
    returns: &[F64],
    address: nx_fbinary as *const u8,
};

/// [`nx_ipow`]: `(dtype, base, exponent) -> power`.
pub const IPOW: Helper = Helper {
    name: "nx_ipow",
    params: &[I32, I64, I64],
    returns: &[I64],
    address: nx_ipow as *const u8,
};

/// [`nx_cunary`]: `(op, dtype, result dtype, re, im, out)`.
pub const CUNARY: Helper = Helper {
    name: "nx_cunary",
    params: &[I32, I32, I32, F64, F64, I64],
    returns: &[],
    address: nx_cunary as *const u8,
};

/// [`nx_cbinary`]: `(op, dtype, result dtype, x.re, x.im, y.re, y.im, out)`.
pub const CBINARY: Helper = Helper {
    name: "nx_cbinary",
    params: &[I32, I32, I32, F64, F64, F64, F64, I64],
    returns: &[],
    address: nx_cbinary as *const u8,
};

/// |z| of a complex128, as `value` computes it (called per element, so direct).
pub const HYPOT_F64: Helper = Helper {
    name: "nx_hypot_f64",
    params: &[F64, F64],
    returns: &[F64],
    address: hypot_f64 as *const u8,
};

/// |z| of a complex64.
pub const HYPOT_F32: Helper = Helper {
    name: "nx_hypot_f32",
    params: &[F32, F32],
    returns: &[F32],
    address: hypot_f32 as *const u8,
};

/// [`nx_abs_cmp`]: `(p, code, k)`, see [`AbsCmpCode`].
pub const ABS_CMP: Helper = Helper {
    name: "nx_abs_cmp",
    params: &[I64, I32, F64],
    returns: &[],
    address: nx_abs_cmp as *const u8,
};

const HELPERS: [&Helper; 8] = [
    &FUNARY, &FBINARY, &IPOW, &CUNARY, &CBINARY, &HYPOT_F64, &HYPOT_F32, &ABS_CMP,
];

/// A direct scalar transcendental: the same function at both float widths.
pub struct Direct {
    pub op: UnOp,
    pub f64: Helper,
    pub f32: Helper,
}

/// Direct scalar transcendentals, one symbol per function and width: the functions
/// `value::unary` uses, without its dispatch (they run per element). One row for each
/// builtin whose `cpu` is `CpuLowering::Direct`, `nx_<name>_f64` and `_f32` (tested).
macro_rules! direct {
    ($($op:ident $name:literal => |$x:ident| $body:expr,)*) => {
        const DIRECT: &[Direct] = &[$({
            extern "C" fn wide($x: f64) -> f64 {
                $body
            }
            extern "C" fn narrow($x: f32) -> f32 {
                $body
            }
            Direct {
                op: UnOp::$op,
                f64: Helper {
                    name: concat!("nx_", $name, "_f64"),
                    params: &[F64],
                    returns: &[F64],
                    address: wide as *const u8,
                },
                f32: Helper {
                    name: concat!("nx_", $name, "_f32"),
                    params: &[F32],
                    returns: &[F32],
                    address: narrow as *const u8,
                },
            }
        },)*];
    };
}

// nexpr's own functions (`crate::math`), as in `value`.
direct! {
    Sin "sin" => |x| Accurate::sin(x),
    Cos "cos" => |x| Accurate::cos(x),
    Tan "tan" => |x| Accurate::tan(x),
    Arcsin "arcsin" => |x| Accurate::arcsin(x),
    Arccos "arccos" => |x| Accurate::arccos(x),
    Arctan "arctan" => |x| Accurate::arctan(x),
    Sinh "sinh" => |x| Accurate::sinh(x),
    Cosh "cosh" => |x| Accurate::cosh(x),
    Tanh "tanh" => |x| Accurate::tanh(x),
    Arcsinh "arcsinh" => |x| Accurate::arcsinh(x),
    Arccosh "arccosh" => |x| Accurate::arccosh(x),
    Arctanh "arctanh" => |x| Accurate::arctanh(x),
    Log "log" => |x| Accurate::log(x),
    Log1p "log1p" => |x| Accurate::log1p(x),
    Log10 "log10" => |x| Accurate::log10(x),
    Log2 "log2" => |x| Accurate::log2(x),
    Exp "exp" => |x| Accurate::exp(x),
    Expm1 "expm1" => |x| Accurate::expm1(x),
}

/// The direct helper of a transcendental `op` on f32 or f64, if it has one.
pub fn direct(op: UnOp, ty: DType) -> Option<&'static Helper> {
    let d = DIRECT.iter().find(|d| d.op == op)?;
    Some(if ty == DType::F32 { &d.f32 } else { &d.f64 })
}

/// Resolves the helper symbols for the JIT linker.
pub fn lookup(name: &str) -> Option<*const u8> {
    let direct = DIRECT.iter().flat_map(|d| [&d.f64, &d.f32]);
    HELPERS
        .into_iter()
        .chain(direct)
        .find(|h| h.name == name)
        .map(|h| h.address)
        .or_else(|| super::math::lookup(name))
        .or_else(|| crate::math::lookup(name))
}

// ---------------------------------------------------------------------------------
// Codes

pub fn unop_code(op: UnOp) -> i64 {
    op as i64
}

pub fn binop_code(op: BinOp) -> i64 {
    op as i64
}

pub fn dtype_code(d: DType) -> i64 {
    d as i64
}

/// Decodes one of the codes above. Kernels only pass codes made by the encoders, so
/// an unknown one means the two sides disagree: abort loudly (helpers return to
/// machine code, which cannot take an error) rather than compute something else.
fn decode<T: Copy>(all: &[T], code: u32, what: &str) -> T {
    match all.get(code as usize) {
        Some(&x) => x,
        None => panic!("nexpr helper: unknown {what} code {code}"),
    }
}

fn dtype_of(code: u32) -> DType {
    decode(&DType::ALL, code, "dtype")
}

fn unop_of(code: u32) -> UnOp {
    decode(UnOp::ALL, code, "unary operation")
}

fn binop_of(code: u32) -> BinOp {
    decode(BinOp::ALL, code, "binary operation")
}

/// The code of the `abs(z) op k` slow path: its ABI, stated once here and used by
/// both the lowering (`lower/abs_compare.rs`, which also defines a register-preserving
/// trampoline with this signature) and [`nx_abs_cmp`].
///
/// `nx_abs_cmp(p, code, k)`, with `p` addressing [`AbsCmpCode::SLOT_SIZE`] bytes
/// (16-aligned):
/// * the real parts of the lanes at [`AbsCmpCode::RE`], one 16-byte vector (2 f64
///   or 4 f32), and the imaginary parts at [`AbsCmpCode::IM`];
/// * the result, one 0/1 byte per lane, written at [`AbsCmpCode::OUT`];
/// * `code` packs the lane count in bits 0..8, complex64 in bit 8, and the
///   comparison's [`binop_code`] from bit 16 on;
/// * `k` is the constant, exact in f64 (an f32 constant for complex64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbsCmpCode {
    pub lanes: u8,
    pub complex64: bool,
    /// `Lt`, `Le`, `Gt` or `Ge`: `abs(z) op k`.
    pub op: BinOp,
}

impl AbsCmpCode {
    pub const RE: i32 = 0;
    pub const IM: i32 = 16;
    pub const OUT: i32 = 32;
    pub const SLOT_SIZE: u32 = 48;

    pub fn encode(self) -> i64 {
        self.lanes as i64 | (self.complex64 as i64) << 8 | binop_code(self.op) << 16
    }

    pub fn decode(code: i32) -> AbsCmpCode {
        AbsCmpCode {
            lanes: (code & 0xff) as u8,
            complex64: code & 0x100 != 0,
            op: binop_of((code >> 16) as u32),
        }
    }
}

// ---------------------------------------------------------------------------------
// The helpers

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
extern "C" fn nx_funary(op: u32, ty: u32, x: f64) -> f64 {
    let ty = dtype_of(ty);
    as_f64(value::unary(unop_of(op), float_scalar(ty, x), ty))
}

/// A binary float operation with a float result.
extern "C" fn nx_fbinary(op: u32, ty: u32, a: f64, b: f64) -> f64 {
    let ty = dtype_of(ty);
    let r = value::binary(binop_of(op), float_scalar(ty, a), float_scalar(ty, b), ty);
    r.map_or(f64::NAN, as_f64)
}

/// Wrapping integer power for a non-negative exponent (the kernel checks the sign).
extern "C" fn nx_ipow(ty: u32, a: i64, b: i64) -> i64 {
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
unsafe extern "C" fn nx_cunary(op: u32, ty: u32, out_ty: u32, re: f64, im: f64, out: *mut f64) {
    let r = value::unary(
        unop_of(op),
        complex_scalar(dtype_of(ty), re, im),
        dtype_of(out_ty),
    );
    let c = r.to_c128();
    // SAFETY: the caller passes two writable f64.
    unsafe {
        *out = c.re;
        *out.add(1) = c.im;
    }
}

/// A binary operation on complex operands, any result dtype, written as in
/// [`nx_cunary`].
///
/// # Safety
/// `out` points to two writable f64.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn nx_cbinary(
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
    // SAFETY: the caller passes two writable f64.
    unsafe {
        *out = c.re;
        *out.add(1) = c.im;
    }
}

extern "C" fn hypot_f64(x: f64, y: f64) -> f64 {
    x.correct_hypot(y)
}

extern "C" fn hypot_f32(x: f32, y: f32) -> f32 {
    x.correct_hypot(y)
}

/// The exact lanes of `abs(z) op k`; the ABI is [`AbsCmpCode`]'s.
///
/// # Safety
/// `p` must address the bytes [`AbsCmpCode`] describes.
unsafe extern "C" fn nx_abs_cmp(p: *mut u8, code: i32, k: f64) {
    let AbsCmpCode {
        lanes,
        complex64,
        op,
    } = AbsCmpCode::decode(code);
    let (re, im, out) = (
        AbsCmpCode::RE as usize,
        AbsCmpCode::IM as usize,
        AbsCmpCode::OUT as usize,
    );
    for j in 0..(lanes as usize).min(4) {
        // SAFETY: the caller passes the layout documented at `AbsCmpCode`.
        let a = unsafe {
            if complex64 {
                let x = (p.add(re) as *const f32).add(j).read_unaligned();
                let y = (p.add(im) as *const f32).add(j).read_unaligned();
                hypot_f32(x, y) as f64
            } else {
                let x = (p.add(re) as *const f64).add(j).read_unaligned();
                let y = (p.add(im) as *const f64).add(j).read_unaligned();
                hypot_f64(x, y)
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
        unsafe { p.add(out + j).write(r as u8) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::builtins::{self, CpuLowering};

    #[test]
    fn every_operation_round_trips_through_its_code() {
        for &op in UnOp::ALL {
            assert_eq!(unop_of(unop_code(op) as u32), op);
        }
        for &op in BinOp::ALL {
            assert_eq!(binop_of(binop_code(op) as u32), op);
        }
        for d in DType::ALL {
            assert_eq!(dtype_of(dtype_code(d) as u32), d);
        }
        // `ALL` is generated from the enum's variant list, so it misses none.
        assert_eq!(UnOp::ALL.len(), UnOp::SignBit as usize + 1);
        assert_eq!(BinOp::ALL.len(), BinOp::Gt as usize + 1);
    }

    #[test]
    #[should_panic(expected = "unknown unary operation code")]
    fn an_unknown_code_is_loud() {
        unop_of(UnOp::ALL.len() as u32);
    }

    #[test]
    fn abs_compare_codes_round_trip() {
        for lanes in [2, 4] {
            for complex64 in [false, true] {
                for op in [BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge] {
                    let c = AbsCmpCode {
                        lanes,
                        complex64,
                        op,
                    };
                    assert_eq!(AbsCmpCode::decode(c.encode() as i32), c);
                }
            }
        }
    }

    #[test]
    fn every_helper_resolves() {
        let directs = DIRECT.iter().flat_map(|d| [&d.f64, &d.f32]);
        for h in HELPERS.into_iter().chain(directs) {
            assert_eq!(lookup(h.name), Some(h.address), "{}", h.name);
        }
        // One direct helper per row that says so, named after the function.
        for &op in UnOp::ALL {
            let row = builtins::of_unary(op).filter(|b| b.cpu == CpuLowering::Direct);
            let names = direct(op, DType::F64).zip(direct(op, DType::F32));
            let names = names.map(|(wide, narrow)| [wide.name.to_owned(), narrow.name.to_owned()]);
            let want = row.map(|b| [format!("nx_{}_f64", b.name), format!("nx_{}_f32", b.name)]);
            assert_eq!(names, want, "{op:?}");
        }
    }

    #[test]
    fn direct_helpers_compute_what_value_does() {
        for d in DIRECT {
            for x in [-0.75f64, 0.5, 1.5, 3.0] {
                // SAFETY: the addresses are of `extern "C" fn(f64) -> f64` and
                // `extern "C" fn(f32) -> f32` functions.
                let (wide, narrow) = unsafe {
                    (
                        std::mem::transmute::<*const u8, extern "C" fn(f64) -> f64>(d.f64.address),
                        std::mem::transmute::<*const u8, extern "C" fn(f32) -> f32>(d.f32.address),
                    )
                };
                let want = value::unary(d.op, Scalar::F64(x), DType::F64);
                assert!(Scalar::F64(wide(x)).bits_eq(want), "{:?}({x})", d.op);
                let want = value::unary(d.op, Scalar::F32(x as f32), DType::F32);
                assert!(
                    Scalar::F32(narrow(x as f32)).bits_eq(want),
                    "{:?}({x})",
                    d.op
                );
            }
        }
    }
}
