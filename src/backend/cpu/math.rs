//! Vectorized transcendental functions under `CpuOptions::fast_math`: glibc's libmvec,
//! found at run time (the default is `crate::math`).
//!
//! libmvec's SSE4 variants (`_ZGVbN2v_sin` for two f64 lanes, `_ZGVbN4v_sinf` for four
//! f32 lanes) take and return one 128-bit vector, which is exactly a Cranelift
//! `F64X2`/`F32X4` value under the System V ABI: kernels call them per vector.
//!
//! The AVX2 (`_ZGVdN4v_sin`, `_ZGVdN8v_sinf`) and AVX-512 (`_ZGVeN8v_sin`,
//! `_ZGVeN16v_sinf`) variants take ymm/zmm registers, which Cranelift cannot pass.
//! Straight-line kernels therefore evaluate a block of elements in stages (see
//! `lower/staged.rs`): the arguments of each transcendental go to a stack buffer, and
//! one call of a batch helper here (`nx_mvec_f64x8`, …: Rust compiled for the wider
//! instructions) applies the libmvec function to the whole buffer through a function
//! pointer of the vector type. [`resolve`] picks the variant for a
//! [`MathWidth`] from what the CPU has (`is_x86_feature_detected!`); where libmvec is
//! missing (or lacks a function), the kernel falls back to scalar calls per lane, so
//! results never depend on its presence beyond the error budget below.
//!
//! The wider variants are 2 to 6 times faster per element than the 128-bit ones
//! (`docs/performance-log.md`, "Tuning the CPU defaults").
//!
//! Measured maximum error against the scalar result the interpreter gave when this
//! table was taken (glibc's libm; today it gives `crate::math`'s, within 1 ulp of the
//! correctly rounded result), `tests/it/cpu_ulp.rs`: 2^16 evenly spaced inputs per
//! function over its natural range plus specials (NaN, ±inf, ±0, subnormal); glibc 2.36
//! libmvec on x86-64 (the 512-bit f32 column is `_ZGVeN16v_*f`):
//!
//! | function | f64 128 | f64 256 | f64 512 | f32 128 | f32 256 | f32 512 |
//! |---|---:|---:|---:|---:|---:|---:|
//! | sin | 3 | 3 | 3 | 2 | 2 | 2 |
//! | cos | 3 | 3 | 3 | 2 | 2 | 2 |
//! | tan | 3 | 3 | 3 | 3 | 3 | 3 |
//! | arcsin | 3 | 2 | 2 | 3 | 2 | 3 |
//! | arccos | 2 | 2 | 2 | 2 | 2 | 2 |
//! | arctan | 1 | 1 | 1 | 1 | 1 | 1 |
//! | sinh | 2 | 2 | 2 | 2 | 1 | 1 |
//! | cosh | 2 | 2 | 2 | 1 | 1 | 2 |
//! | tanh | 3 | 3 | 2 | 2 | 2 | 3 |
//! | arcsinh | 1 | 1 | 1 | 2 | 1 | 1 |
//! | arccosh | 1 | 1 | 1 | 1 | 1 | 1 |
//! | log | 1 | 1 | 1 | 1 | 1 | 1 |
//! | log1p | 1 | 1 | 1 | 1 | 1 | 1 |
//! | log10 | 1 | 1 | 1 | 1 | 1 | 2 |
//! | log2 | 1 | 1 | 1 | 1 | 1 | 1 |
//! | exp | 3 | 3 | 3 | 3 | 2 | 2 |
//! | expm1 | 1 | 1 | 1 | 1 | 1 | 1 |
//!
//! `arctanh` stays scalar under fast math too (nexpr's own function per element, as
//! the interpreter): it is rare enough in array expressions that its vector variant
//! was not worth another ulp budget.
//! The budget the tests enforce is 4 ulp.

use crate::ir::builtins::{FuncOp, BUILTINS};
use crate::ir::UnOp;
use crate::options::MathWidth;
use std::sync::OnceLock;

/// The functions the vectorizer takes from libmvec, by their libm names: the rows
/// of the builtins table marked `libmvec`.
fn funcs() -> impl Iterator<Item = (UnOp, &'static str)> {
    BUILTINS
        .iter()
        .filter(|b| b.libmvec)
        .filter_map(|b| match (b.op, b.c_name) {
            (FuncOp::Unary(op), Some(c)) => Some((op, c)),
            _ => None,
        })
}

/// The variants, by width: the mangled prefix for f64 and for f32 lanes. These are
/// x86-64's vector ABIs; elsewhere (aarch64's libmvec has `_ZGVnN2v_*` names with
/// another ABI) none is looked up, and kernels call scalar libm per lane.
#[cfg(not(target_arch = "x86_64"))]
const VARIANTS: [(MathWidth, &str, &str); 0] = [];
#[cfg(target_arch = "x86_64")]
const VARIANTS: [(MathWidth, &str, &str); 3] = [
    (MathWidth::Bits128, "_ZGVbN2v_", "_ZGVbN4v_"),
    (MathWidth::Bits256, "_ZGVdN4v_", "_ZGVdN8v_"),
    (MathWidth::Bits512, "_ZGVeN8v_", "_ZGVeN16v_"),
];

struct Entry {
    op: UnOp,
    f32: bool,
    width: MathWidth,
    name: &'static str,
    ptr: usize,
}

fn mvec() -> &'static [Entry] {
    static M: OnceLock<Vec<Entry>> = OnceLock::new();
    M.get_or_init(|| {
        // SAFETY: dlopen with a NUL-terminated name; the handle is never closed, so the
        // function pointers stay valid for the life of the process.
        let h =
            unsafe { libc::dlopen(c"libmvec.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        let mut entries = Vec::with_capacity(funcs().count() * VARIANTS.len() * 2);
        for &(width, p64, p32) in &VARIANTS {
            for (op, base) in funcs() {
                for f32 in [false, true] {
                    let name = if f32 {
                        format!("{p32}{base}f")
                    } else {
                        format!("{p64}{base}")
                    };
                    let ptr = if h.is_null() {
                        0
                    } else {
                        let c = std::ffi::CString::new(name.as_str()).unwrap_or_default();
                        // SAFETY: a live handle and a NUL-terminated name.
                        unsafe { libc::dlsym(h, c.as_ptr()) as usize }
                    };
                    // Leaked once per process: the JIT linker wants 'static names.
                    let name: &'static str = Box::leak(name.into_boxed_str());
                    entries.push(Entry {
                        op,
                        f32,
                        width,
                        name,
                        ptr,
                    });
                }
            }
        }
        entries
    })
}

fn find(op: UnOp, f32: bool, width: MathWidth) -> Option<&'static Entry> {
    mvec()
        .iter()
        .find(|e| e.op == op && e.f32 == f32 && e.width == width && e.ptr != 0)
}

/// The libmvec symbol for `op` on a full 128-bit vector of f32 (4 lanes) or f64 (2
/// lanes), if the function is vectorized and libmvec is present.
pub fn vector_fn(op: UnOp, f32: bool) -> Option<&'static str> {
    find(op, f32, MathWidth::Bits128).map(|e| e.name)
}

/// The libmvec symbol of `op` at `width` (256 or 512 bits), for the batch helper
/// [`batch_helper`] to call over a buffer, if libmvec has it.
pub fn wide_fn(op: UnOp, f32: bool, width: MathWidth) -> Option<&'static str> {
    match width {
        MathWidth::Bits256 | MathWidth::Bits512 => find(op, f32, width).map(|e| e.name),
        MathWidth::Auto | MathWidth::Bits128 => None,
    }
}

/// The widest variant this CPU runs, detected once: AVX-512 needs F and DQ (glibc's
/// 512-bit functions otherwise run the 256-bit ones twice), AVX2 needs FMA; both
/// need libmvec.
fn cpu_width() -> MathWidth {
    static W: OnceLock<MathWidth> = OnceLock::new();
    *W.get_or_init(|| {
        if !mvec().iter().any(|e| e.ptr != 0) {
            return MathWidth::Bits128;
        }
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512dq") {
                return MathWidth::Bits512;
            }
            if has!("avx2") && has!("fma") {
                return MathWidth::Bits256;
            }
        }
        MathWidth::Bits128
    })
}

fn bits(w: MathWidth) -> u32 {
    match w {
        MathWidth::Bits128 => 128,
        MathWidth::Bits256 => 256,
        MathWidth::Bits512 | MathWidth::Auto => 512,
    }
}

/// The variant a kernel uses for `requested`: never `Auto`, never wider than the CPU
/// runs.
pub fn resolve(requested: MathWidth) -> MathWidth {
    let cpu = cpu_width();
    if bits(requested) <= bits(cpu) {
        match requested {
            MathWidth::Auto => cpu,
            w => w,
        }
    } else {
        cpu
    }
}

/// The batch helper that applies a libmvec function of `width` to `count` elements:
/// `(function address, source, destination, count)` (the two may be the same).
pub fn batch_helper(width: MathWidth, f32: bool) -> Option<&'static str> {
    BATCH
        .iter()
        .find(|b| b.0 == width && b.1 == f32)
        .map(|b| b.2)
}

type BatchFn = unsafe extern "C" fn(usize, *const u8, *mut u8, i64);

#[cfg(target_arch = "x86_64")]
const BATCH: [(MathWidth, bool, &str, BatchFn); 4] = [
    (MathWidth::Bits256, false, "nx_mvec_f64x4", batch::f64x4),
    (MathWidth::Bits256, true, "nx_mvec_f32x8", batch::f32x8),
    (MathWidth::Bits512, false, "nx_mvec_f64x8", batch::f64x8),
    (MathWidth::Bits512, true, "nx_mvec_f32x16", batch::f32x16),
];

#[cfg(not(target_arch = "x86_64"))]
const BATCH: [(MathWidth, bool, &str, BatchFn); 0] = [];

/// The batch helpers: a loop over whole vectors of the buffer, then the last partial
/// vector through a zeroed copy (so no lane reads memory outside the buffer, and the
/// padding lanes compute from zeros). They are only called by kernels compiled for a
/// width [`resolve`] allowed, so the CPU has the instructions.
#[cfg(target_arch = "x86_64")]
mod batch {
    use std::arch::x86_64::*;

    macro_rules! batch {
        ($name:ident, $feature:literal, $vec:ty, $elem:ty, $lanes:expr, $load:ident, $store:ident) => {
            /// Applies the libmvec function at `f` to the `n` elements at `src`,
            /// writing the results to `dst` (which may be `src`).
            ///
            /// # Safety
            /// `f` is a libmvec function of this vector type, `src` and `dst` hold `n`
            /// elements, and the CPU has the target feature.
            #[target_feature(enable = $feature)]
            pub unsafe extern "C" fn $name(f: usize, src: *const u8, dst: *mut u8, n: i64) {
                // SAFETY: the caller passes a function of this signature.
                let f: unsafe extern "C" fn($vec) -> $vec = unsafe { std::mem::transmute(f) };
                let (src, dst) = (src as *const $elem, dst as *mut $elem);
                let n = n.max(0) as usize;
                let mut k = 0;
                while k + $lanes <= n {
                    // SAFETY: elements k..k + lanes are inside both buffers.
                    unsafe {
                        let v = $load(src.add(k));
                        $store(dst.add(k), f(v));
                    }
                    k += $lanes;
                }
                if k < n {
                    let mut tail = [0.0 as $elem; $lanes];
                    // SAFETY: n - k < lanes elements from k are inside both buffers;
                    // `copy` allows them to be the same.
                    unsafe {
                        std::ptr::copy(src.add(k), tail.as_mut_ptr(), n - k);
                        let v = $load(tail.as_ptr());
                        $store(tail.as_mut_ptr(), f(v));
                        std::ptr::copy(tail.as_ptr(), dst.add(k), n - k);
                    }
                }
            }
        };
    }

    batch!(
        f64x4,
        "avx2",
        __m256d,
        f64,
        4,
        _mm256_loadu_pd,
        _mm256_storeu_pd
    );
    batch!(
        f32x8,
        "avx2",
        __m256,
        f32,
        8,
        _mm256_loadu_ps,
        _mm256_storeu_ps
    );
    batch!(
        f64x8,
        "avx512f",
        __m512d,
        f64,
        8,
        _mm512_loadu_pd,
        _mm512_storeu_pd
    );
    batch!(
        f32x16,
        "avx512f",
        __m512,
        f32,
        16,
        _mm512_loadu_ps,
        _mm512_storeu_ps
    );
}

/// The address behind a libmvec symbol or a batch helper, for the JIT linker.
pub fn lookup(name: &str) -> Option<*const u8> {
    if let Some(b) = BATCH.iter().find(|b| b.2 == name) {
        return Some(b.3 as *const u8);
    }
    mvec()
        .iter()
        .find(|e| e.name == name && e.ptr != 0)
        .map(|e| e.ptr as *const u8)
}
