//! The complex power's batch entry points: `(z_re, z_im, w_re, w_im, count)`, the
//! result written over z's parts, for the CPU backend's staged kernels
//! (`backend/cpu/lower/staged.rs`), compiled for AVX2 + FMA and AVX-512 as the other
//! batch functions are (`batch.rs`).
//!
//! Each chunk runs `complex_pow::pow_core`, which has no branches, on every lane, so
//! that LLVM vectorizes it; then the lanes where `crate::value`'s complex power does
//! something else (NumPy's repeated multiplication for small real integer exponents,
//! its zero cases, the C library beyond the core) get that function itself. So every
//! lane has the interpreter's value bit for bit.

use crate::options::MathWidth;

/// A complex power batch function: `(z_re, z_im, w_re, w_im, count)`, into z's parts.
pub(super) type BatchFnPow = unsafe extern "C" fn(*mut u8, *mut u8, *const u8, *const u8, i64);

#[cfg(target_arch = "x86_64")]
mod entries {
    use super::super::complex_pow::{pow_core, rows};
    use super::super::complex_pow_tables::{ATAN_STEPS, LOG_STEPS};
    use crate::value::own_complex::Part;
    use crate::value::{pow_c32, pow_c64};
    use num_complex::Complex;

    /// Elements per stack chunk.
    const CHUNK: usize = 64;

    /// Whether `crate::value`'s power takes another path than the core for exponent
    /// c + id: a real integer below 100 in magnitude (repeated multiplication).
    #[inline(always)]
    fn small_integer(c: f64, d: f64) -> bool {
        d == 0.0 && c == c.trunc() && c.abs() < 100.0
    }

    /// z^w for the `n` elements at the four parts, into z's: the core on every lane,
    /// `whole` where the core does not hold or `crate::value` takes another path.
    ///
    /// # Safety
    /// Each pointer holds `n` elements of `T`.
    #[inline(always)]
    pub(super) unsafe fn map_pow<T: Part>(
        (re, im): (*mut T, *mut T),
        (w_re, w_im): (*const T, *const T),
        n: usize,
        whole: impl Fn(Complex<T>, Complex<T>) -> Complex<T>,
    ) {
        let mut parts = [[T::default(); CHUNK]; 4];
        let mut k = 0;
        while k < n {
            let m = (n - k).min(CHUNK);
            // SAFETY: elements k..k + m are inside every buffer; `copy` allows overlap.
            unsafe {
                for (part, src) in
                    parts
                        .iter_mut()
                        .zip([re.cast_const(), im.cast_const(), w_re, w_im])
                {
                    std::ptr::copy(src.add(k), part.as_mut_ptr(), m);
                }
            }
            let [xs, ys, cs, ds] = &parts;
            let wide = |j: usize| (xs[j].into(), ys[j].into(), cs[j].into(), ds[j].into());
            // Three loops over the whole chunk (a tail computes stale arguments, never
            // stored): the table rows (vectorized), their lookup, the core (vectorized).
            let mut indices = [(0usize, 0usize); CHUNK];
            for (j, index) in indices.iter_mut().enumerate() {
                let (x, y, c, d) = wide(j);
                *index = rows(x, y, c, d);
            }
            let mut steps = [((0.0, 0.0, 0.0), (0.0, 0.0)); CHUNK];
            for (step, &(i, k)) in steps.iter_mut().zip(&indices) {
                *step = (LOG_STEPS[i], ATAN_STEPS[k]);
            }
            let mut out = [[T::default(); CHUNK]; 2];
            let mut held = [false; CHUNK];
            for j in 0..CHUNK {
                let (x, y, c, d) = wide(j);
                let (r, i, ok) = pow_core(x, y, c, d, steps[j]);
                (out[0][j], out[1][j], held[j]) = (T::narrow(r), T::narrow(i), ok);
            }
            for j in 0..m {
                if !held[j] || small_integer(cs[j].into(), ds[j].into()) {
                    let z = whole(Complex::new(xs[j], ys[j]), Complex::new(cs[j], ds[j]));
                    (out[0][j], out[1][j]) = (z.re, z.im);
                }
            }
            // SAFETY: as above.
            unsafe {
                std::ptr::copy(out[0].as_ptr(), re.add(k), m);
                std::ptr::copy(out[1].as_ptr(), im.add(k), m);
            }
            k += m;
        }
    }

    macro_rules! module {
        ($module:ident, $features:literal, $($name:ident: $t:ty = $whole:ident;)*) => {
            pub(super) mod $module {
                use super::*;
                $(
                    /// # Safety
                    /// Each pointer holds `n` parts of the type; the CPU has the features.
                    #[target_feature(enable = $features)]
                    pub unsafe extern "C" fn $name(
                        re: *mut u8,
                        im: *mut u8,
                        w_re: *const u8,
                        w_im: *const u8,
                        n: i64,
                    ) {
                        // SAFETY: the caller's contract.
                        unsafe {
                            map_pow::<$t>(
                                (re.cast(), im.cast()),
                                (w_re.cast(), w_im.cast()),
                                n.max(0) as usize,
                                |z, w| $whole(z, w),
                            )
                        }
                    }
                )*
            }
        };
    }
    module!(avx2, "avx2,fma", c128: f64 = pow_c64; c64: f32 = pow_c32;);
    module!(avx512, "avx512f,avx2,fma", c128: f64 = pow_c64; c64: f32 = pow_c32;);
}

/// (complex64, width, symbol, entry point) of each complex power batch function.
#[cfg(target_arch = "x86_64")]
pub(super) const POW_ENTRIES: &[(bool, MathWidth, &str, BatchFnPow)] = &[
    (
        false,
        MathWidth::Bits256,
        "nx_pow_c128_avx2",
        entries::avx2::c128,
    ),
    (
        false,
        MathWidth::Bits512,
        "nx_pow_c128_avx512",
        entries::avx512::c128,
    ),
    (
        true,
        MathWidth::Bits256,
        "nx_pow_c64_avx2",
        entries::avx2::c64,
    ),
    (
        true,
        MathWidth::Bits512,
        "nx_pow_c64_avx512",
        entries::avx512::c64,
    ),
];
#[cfg(not(target_arch = "x86_64"))]
pub(super) const POW_ENTRIES: &[(bool, MathWidth, &str, BatchFnPow)] = &[];

/// The complex power's batch entry point on complex64 (`f32`) or complex128 parts at
/// `width`, if there is one.
pub(crate) fn complex_pow_batch_fn(f32: bool, width: MathWidth) -> Option<&'static str> {
    POW_ENTRIES
        .iter()
        .find(|e| e.0 == f32 && e.1 == width)
        .map(|e| e.2)
}
