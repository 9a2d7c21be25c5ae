//! Vectorized transcendental functions: glibc's libmvec, found at run time.
//!
//! libmvec's SSE4 variants (`_ZGVbN2v_sin` for two f64 lanes, `_ZGVbN4v_sinf` for four
//! f32 lanes) take and return one 128-bit vector, which is exactly a Cranelift
//! `F64X2`/`F32X4` value under the System V ABI. Where libmvec is missing (or lacks a
//! function), the kernel falls back to scalar calls per lane, so results never depend
//! on its presence beyond the error budget below.
//!
//! Measured maximum error against the scalar result the interpreter gives (Rust's
//! `f64::sin` etc.), `tests/cpu_ulp.rs`: 2^16 evenly spaced inputs per function over
//! its natural range plus specials (NaN, ±inf, ±0, subnormal); glibc 2.36 libmvec on
//! x86-64:
//!
//! | function | f64 (`_ZGVbN2v_*`) | f32 (`_ZGVbN4v_*f`) |
//! |----------|-----|-----|
//! | sin, cos, tan | 3 | 2, 2, 3 |
//! | arcsin, arccos, arctan | 3, 2, 1 | 3, 2, 1 |
//! | sinh, cosh, tanh | 2, 2, 3 | 2, 1, 2 |
//! | arcsinh, arccosh | 1 | 1 |
//! | log, log1p, log10, log2 | 1 | 1 |
//! | exp, expm1 | 3, 1 | 3, 1 |
//!
//! `arctanh` stays scalar (libm's `atanh`, as the interpreter): it is rare enough in
//! array expressions that its vector variant was not worth another ulp budget.
//! The budget the tests enforce is 4 ulp.

use crate::ir::UnOp;
use std::sync::OnceLock;

/// The libmvec functions the vectorizer uses: (op, f32?, symbol).
const TABLE: [(UnOp, bool, &str); 34] = [
    (UnOp::Sin, false, "_ZGVbN2v_sin"),
    (UnOp::Sin, true, "_ZGVbN4v_sinf"),
    (UnOp::Cos, false, "_ZGVbN2v_cos"),
    (UnOp::Cos, true, "_ZGVbN4v_cosf"),
    (UnOp::Tan, false, "_ZGVbN2v_tan"),
    (UnOp::Tan, true, "_ZGVbN4v_tanf"),
    (UnOp::Arcsin, false, "_ZGVbN2v_asin"),
    (UnOp::Arcsin, true, "_ZGVbN4v_asinf"),
    (UnOp::Arccos, false, "_ZGVbN2v_acos"),
    (UnOp::Arccos, true, "_ZGVbN4v_acosf"),
    (UnOp::Arctan, false, "_ZGVbN2v_atan"),
    (UnOp::Arctan, true, "_ZGVbN4v_atanf"),
    (UnOp::Sinh, false, "_ZGVbN2v_sinh"),
    (UnOp::Sinh, true, "_ZGVbN4v_sinhf"),
    (UnOp::Cosh, false, "_ZGVbN2v_cosh"),
    (UnOp::Cosh, true, "_ZGVbN4v_coshf"),
    (UnOp::Tanh, false, "_ZGVbN2v_tanh"),
    (UnOp::Tanh, true, "_ZGVbN4v_tanhf"),
    (UnOp::Arcsinh, false, "_ZGVbN2v_asinh"),
    (UnOp::Arcsinh, true, "_ZGVbN4v_asinhf"),
    (UnOp::Arccosh, false, "_ZGVbN2v_acosh"),
    (UnOp::Arccosh, true, "_ZGVbN4v_acoshf"),
    (UnOp::Log, false, "_ZGVbN2v_log"),
    (UnOp::Log, true, "_ZGVbN4v_logf"),
    (UnOp::Log1p, false, "_ZGVbN2v_log1p"),
    (UnOp::Log1p, true, "_ZGVbN4v_log1pf"),
    (UnOp::Log10, false, "_ZGVbN2v_log10"),
    (UnOp::Log10, true, "_ZGVbN4v_log10f"),
    (UnOp::Log2, false, "_ZGVbN2v_log2"),
    (UnOp::Log2, true, "_ZGVbN4v_log2f"),
    (UnOp::Exp, false, "_ZGVbN2v_exp"),
    (UnOp::Exp, true, "_ZGVbN4v_expf"),
    (UnOp::Expm1, false, "_ZGVbN2v_expm1"),
    (UnOp::Expm1, true, "_ZGVbN4v_expm1f"),
];

struct Mvec {
    ptrs: [usize; TABLE.len()],
}

fn mvec() -> &'static Mvec {
    static M: OnceLock<Mvec> = OnceLock::new();
    M.get_or_init(|| {
        let mut ptrs = [0usize; TABLE.len()];
        // SAFETY: dlopen/dlsym with NUL-terminated names; the handle is never closed,
        // so the function pointers stay valid for the life of the process.
        unsafe {
            let h = libc::dlopen(c"libmvec.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if !h.is_null() {
                for (k, &(_, _, name)) in TABLE.iter().enumerate() {
                    let c = std::ffi::CString::new(name).unwrap_or_default();
                    ptrs[k] = libc::dlsym(h, c.as_ptr()) as usize;
                }
            }
        }
        Mvec { ptrs }
    })
}

/// The libmvec symbol for `op` on a full 128-bit vector of f32 (4 lanes) or f64 (2
/// lanes), if the function is vectorized and libmvec is present.
pub fn vector_fn(op: UnOp, f32: bool) -> Option<&'static str> {
    let m = mvec();
    TABLE
        .iter()
        .enumerate()
        .find(|(k, &(o, s, _))| o == op && s == f32 && m.ptrs[*k] != 0)
        .map(|(_, &(_, _, name))| name)
}

pub fn lookup(name: &str) -> Option<*const u8> {
    let m = mvec();
    TABLE
        .iter()
        .position(|&(_, _, n)| n == name)
        .map(|k| m.ptrs[k] as *const u8)
        .filter(|p| !p.is_null())
}
