//! Vectorized transcendental functions: glibc's libmvec, found at run time.
//!
//! libmvec's SSE4 variants (`_ZGVbN2v_sin` for two f64 lanes, `_ZGVbN4v_sinf` for four
//! f32 lanes) take and return one 128-bit vector, which is exactly a Cranelift
//! `F64X2`/`F32X4` value under the System V ABI. Where libmvec is missing (or lacks a
//! function), the kernel falls back to scalar calls per lane, so results never depend
//! on its presence beyond the error budget below.
//!
//! Measured maximum error against the scalar result the interpreter gives (Rust's
//! `f64::sin` etc., i.e. glibc libm), `tests/cpu_ulp.rs`: 2^18 evenly spaced inputs
//! per function plus specials, sin/cos on [-100, 100], exp on [-700, 700], log on
//! [1e-300, 1e6]; glibc libmvec on x86-64:
//!
//! | function | f64 (`_ZGVbN2v_*`) | f32 (`_ZGVbN4v_*f`) |
//! |----------|--------------------|---------------------|
//! | sin      | 3 ulp              | 2 ulp               |
//! | cos      | 3 ulp              | 2 ulp               |
//! | exp      | 3 ulp              | 3 ulp               |
//! | log      | 1 ulp              | 1 ulp               |
//!
//! The budget the tests enforce is 4 ulp.

use crate::ir::UnOp;
use std::sync::OnceLock;

/// The libmvec functions the vectorizer uses: (op, f32?, symbol).
const TABLE: [(UnOp, bool, &str); 8] = [
    (UnOp::Sin, false, "_ZGVbN2v_sin"),
    (UnOp::Cos, false, "_ZGVbN2v_cos"),
    (UnOp::Exp, false, "_ZGVbN2v_exp"),
    (UnOp::Log, false, "_ZGVbN2v_log"),
    (UnOp::Sin, true, "_ZGVbN4v_sinf"),
    (UnOp::Cos, true, "_ZGVbN4v_cosf"),
    (UnOp::Exp, true, "_ZGVbN4v_expf"),
    (UnOp::Log, true, "_ZGVbN4v_logf"),
];

struct Mvec {
    ptrs: [usize; 8],
}

fn mvec() -> &'static Mvec {
    static M: OnceLock<Mvec> = OnceLock::new();
    M.get_or_init(|| {
        let mut ptrs = [0usize; 8];
        if std::env::var_os("NEXPR_NO_LIBMVEC").is_some() {
            return Mvec { ptrs };
        }
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
