//! The batch entry points the CPU backend's staged kernels call
//! (`backend/cpu/lower/staged.rs`): `(source, destination, count)` over a buffer of
//! f64 or f32 (the two may be the same), one per function, type and width, each the
//! scalar function of this module compiled with `#[target_feature]` for AVX2 + FMA or
//! AVX-512 so that LLVM vectorizes it. [`resolve`] picks the width this CPU runs.
//!
//! Elements go through a stack chunk: the loop over a whole chunk vectorizes without
//! alias checks (source and destination may overlap), and the lanes a function does
//! not reduce itself (sin, cos and tan beyond 2^20, inf, NaN) are patched from the copy of
//! the arguments with the scalar function, which gives them libm's value; so are
//! log1p's special values and tiny arguments, which its vectorized core leaves out.

// The entry points are AVX2 and AVX-512 code: on other architectures there are none,
// and kernels call the scalar functions per lane (`backend::cpu::target` keeps their
// width at 128 bits there), so the helpers below exist on x86-64 only.
#[cfg(target_arch = "x86_64")]
use super::{asin, atan, exp, float32, hyperbolic, inverse_hyperbolic, log, pow, tan, trig};
use crate::ir::{BinOp, UnOp};
use crate::options::MathWidth;
#[cfg(target_arch = "x86_64")]
use crate::value::own_complex::{self, Part};
#[cfg(target_arch = "x86_64")]
use num_complex::Complex;
use std::sync::OnceLock;

/// Elements per stack chunk.
#[cfg(target_arch = "x86_64")]
const CHUNK: usize = 64;

/// Applies `f` to the `n` elements at `src`, writing `dst`; lanes where `patched` is
/// true get `exact` instead.
///
/// # Safety
/// `src` and `dst` hold `n` elements of `T` (they may be the same buffer).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn map<T: Copy + Default>(
    src: *const T,
    dst: *mut T,
    n: usize,
    f: impl Fn(T) -> T,
    patched: impl Fn(T) -> bool,
    exact: impl Fn(T) -> T,
) {
    let mut args = [T::default(); CHUNK];
    let mut out = [T::default(); CHUNK];
    let mut k = 0;
    while k < n {
        let m = (n - k).min(CHUNK);
        // SAFETY: elements k..k + m are inside both buffers; `copy` allows overlap.
        unsafe { std::ptr::copy(src.add(k), args.as_mut_ptr(), m) };
        // The whole chunk (a tail computes stale arguments, never stored): no
        // remainder loop.
        for (o, &x) in out.iter_mut().zip(&args) {
            *o = f(x);
        }
        let mut any = false;
        for &x in &args[..m] {
            any |= patched(x);
        }
        if any {
            for (o, &x) in out[..m].iter_mut().zip(&args[..m]) {
                if patched(x) {
                    *o = exact(x);
                }
            }
        }
        // SAFETY: as above.
        unsafe { std::ptr::copy(out.as_ptr(), dst.add(k), m) };
        k += m;
    }
}

/// Copies elements `k..k + m` of `a` and of `b` to the front of `xs` and `ys` (the
/// sources may overlap a destination buffer of the caller's: `copy` allows it).
///
/// # Safety
/// `a` and `b` hold at least `k + m` elements, and `m ≤ CHUNK`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn load_pair<T: Copy>(
    (a, b): (*const T, *const T),
    k: usize,
    m: usize,
    (xs, ys): (&mut [T; CHUNK], &mut [T; CHUNK]),
) {
    // SAFETY: the caller's contract.
    unsafe {
        std::ptr::copy(a.add(k), xs.as_mut_ptr(), m);
        std::ptr::copy(b.add(k), ys.as_mut_ptr(), m);
    }
}

/// Applies a two-argument function to the `n` pairs at `a` and `b`, writing `dst`
/// (which may be either source): its value is `fixup(x, y, core(x, y))`, in two loops
/// per chunk, so that a `core` without control flow vectorizes whatever `fixup` does.
///
/// # Safety
/// `a`, `b` and `dst` hold `n` elements of `T`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn map2<T: Copy + Default>(
    a: *const T,
    b: *const T,
    dst: *mut T,
    n: usize,
    (core, fixup): (impl Fn(T, T) -> T, impl Fn(T, T, T) -> T),
) {
    let mut xs = [T::default(); CHUNK];
    let mut ys = [T::default(); CHUNK];
    let mut k = 0;
    while k < n {
        let m = (n - k).min(CHUNK);
        // SAFETY: elements k..k + m are inside every buffer.
        unsafe { load_pair((a, b), k, m, (&mut xs, &mut ys)) };
        // The whole chunk, as in `map` (results past `m` are never stored).
        let mut cores = [T::default(); CHUNK];
        for ((c, &x), &y) in cores.iter_mut().zip(&xs).zip(&ys) {
            *c = core(x, y);
        }
        for ((x, &y), &c) in xs.iter_mut().zip(&ys).zip(&cores) {
            *x = fixup(*x, y, c);
        }
        // SAFETY: as above.
        unsafe { std::ptr::copy(xs.as_ptr(), dst.add(k), m) };
        k += m;
    }
}

/// Applies a complex function in place to the `n` elements whose parts are at `re`
/// and `im`: `own(z)` where `inside` holds (the vectorized core), `exact(z)` (the
/// C library's function) for the other lanes, after the vector loop.
///
/// # Safety
/// `re` and `im` hold `n` elements of `T` each.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn map_complex<T: Part + Default>(
    re: *mut T,
    im: *mut T,
    n: usize,
    own: impl Fn(Complex<T>) -> Complex<T>,
    inside: impl Fn(f64, f64) -> bool,
    exact: impl Fn(Complex<T>) -> Complex<T>,
) {
    let mut xs = [T::default(); CHUNK];
    let mut ys = [T::default(); CHUNK];
    let mut k = 0;
    while k < n {
        let m = (n - k).min(CHUNK);
        // SAFETY: elements k..k + m are inside both buffers.
        unsafe { load_pair((re, im), k, m, (&mut xs, &mut ys)) };
        // The whole chunk, as in `map` (results past `m` are never stored).
        let mut zs = [Complex::<T>::default(); CHUNK];
        for ((z, &x), &y) in zs.iter_mut().zip(&xs).zip(&ys) {
            *z = own(Complex::new(x, y));
        }
        for ((z, &x), &y) in zs[..m].iter_mut().zip(&xs[..m]).zip(&ys[..m]) {
            if !inside(x.into(), y.into()) {
                *z = exact(Complex::new(x, y));
            }
        }
        for ((x, y), z) in xs.iter_mut().zip(ys.iter_mut()).zip(&zs) {
            (*x, *y) = (z.re, z.im);
        }
        // SAFETY: as above.
        unsafe {
            std::ptr::copy(xs.as_ptr(), re.add(k), m);
            std::ptr::copy(ys.as_ptr(), im.add(k), m);
        }
        k += m;
    }
}

#[cfg(target_arch = "x86_64")]
fn never<T>(_: T) -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
fn outside_f64(x: f64) -> bool {
    !trig::reduced(x)
}

#[cfg(target_arch = "x86_64")]
fn log1p_outside(x: f64) -> bool {
    !log::log1p_core_covers(x)
}

#[cfg(target_arch = "x86_64")]
fn outside_f32(x: f32) -> bool {
    !trig::reduced(x as f64)
}

type BatchFn = unsafe extern "C" fn(*const u8, *mut u8, i64);

/// A complex batch function: `(real parts, imaginary parts, count)`, in place.
type BatchFnC = unsafe extern "C" fn(*mut u8, *mut u8, i64);

/// A two-argument batch function: `(a, b, destination, count)`.
type BatchFn2 = unsafe extern "C" fn(*const u8, *const u8, *mut u8, i64);

/// The f32 bodies of the entry points that `float32.rs` does not have: each f64
/// function rounded to f32 (overflow and underflow at f32's thresholds come with the
/// rounding). Inlined, so that they are
/// compiled with their entry point's target features.
#[cfg(target_arch = "x86_64")]
mod f32s {
    use super::*;

    macro_rules! via_f64 {
        ($($name:ident = $f:path;)*) => {$(
            #[inline(always)]
            pub(super) fn $name(x: f32) -> f32 {
                $f(x as f64) as f32
            }
        )*};
    }

    via_f64! {
        expm1 = exp::expm1;
        log1p = log::log1p;
        log2 = log::log2;
        log10 = log::log10;
        tan_reduced = tan::tan_reduced;
        tan = tan::tan;
        arcsin = asin::arcsin;
        arccos = asin::arccos;
        arctan = atan::arctan;
        sinh = hyperbolic::sinh;
        cosh = hyperbolic::cosh;
        arcsinh = inverse_hyperbolic::arcsinh;
        arccosh = inverse_hyperbolic::arccosh;
        arctanh = inverse_hyperbolic::arctanh;
    }
}

/// One entry point per (function, type) and width: `$name` in modules `avx2` and
/// `avx512`, and the table [`ENTRIES`] of all of them.
macro_rules! entries {
    ($($op:ident $name:ident: $t:ty = $is32:literal, $f:expr, $patched:expr, $exact:expr;)*) => {
        #[cfg(target_arch = "x86_64")]
        mod avx2 {
            use super::*;
            $(
                /// # Safety
                /// `src` and `dst` hold `n` elements; the CPU has AVX2 and FMA.
                #[target_feature(enable = "avx2,fma")]
                pub unsafe extern "C" fn $name(src: *const u8, dst: *mut u8, n: i64) {
                    // SAFETY: the caller's contract.
                    unsafe {
                        map::<$t>(src.cast(), dst.cast(), n.max(0) as usize, $f, $patched, $exact)
                    }
                }
            )*
        }
        #[cfg(target_arch = "x86_64")]
        mod avx512 {
            use super::*;
            $(
                /// # Safety
                /// `src` and `dst` hold `n` elements; the CPU has AVX-512F.
                #[target_feature(enable = "avx512f,avx2,fma")]
                pub unsafe extern "C" fn $name(src: *const u8, dst: *mut u8, n: i64) {
                    // SAFETY: the caller's contract.
                    unsafe {
                        map::<$t>(src.cast(), dst.cast(), n.max(0) as usize, $f, $patched, $exact)
                    }
                }
            )*
        }
        #[cfg(target_arch = "x86_64")]
        const ENTRIES: &[(UnOp, bool, MathWidth, &str, BatchFn)] = &[
            $(
                (UnOp::$op, $is32, MathWidth::Bits256, concat!("nx_", stringify!($name), "_avx2"), avx2::$name),
                (UnOp::$op, $is32, MathWidth::Bits512, concat!("nx_", stringify!($name), "_avx512"), avx512::$name),
            )*
        ];
    };
}

entries! {
    Exp exp_f64: f64 = false, exp::exp, never, exp::exp;
    Expm1 expm1_f64: f64 = false, exp::expm1, never, exp::expm1;
    Log log_f64: f64 = false, log::log, never, log::log;
    Log1p log1p_f64: f64 = false, log::log1p_core, log1p_outside, log::log1p;
    Log2 log2_f64: f64 = false, log::log2, never, log::log2;
    Log10 log10_f64: f64 = false, log::log10, never, log::log10;
    Sin sin_f64: f64 = false, trig::sin_reduced, outside_f64, f64::sin;
    Cos cos_f64: f64 = false, trig::cos_reduced, outside_f64, f64::cos;
    Tan tan_f64: f64 = false, tan::tan_reduced, outside_f64, f64::tan;
    Arcsin arcsin_f64: f64 = false, asin::arcsin, never, asin::arcsin;
    Arccos arccos_f64: f64 = false, asin::arccos, never, asin::arccos;
    Arctan arctan_f64: f64 = false, atan::arctan, never, atan::arctan;
    Sinh sinh_f64: f64 = false, hyperbolic::sinh, never, hyperbolic::sinh;
    Cosh cosh_f64: f64 = false, hyperbolic::cosh, never, hyperbolic::cosh;
    Tanh tanh_f64: f64 = false, hyperbolic::tanh, never, hyperbolic::tanh;
    Arcsinh arcsinh_f64: f64 = false, inverse_hyperbolic::arcsinh, never, inverse_hyperbolic::arcsinh;
    Arccosh arccosh_f64: f64 = false, inverse_hyperbolic::arccosh, never, inverse_hyperbolic::arccosh;
    Arctanh arctanh_f64: f64 = false, inverse_hyperbolic::arctanh, never, inverse_hyperbolic::arctanh;
    Exp exp_f32: f32 = true, float32::exp, never, float32::exp;
    Expm1 expm1_f32: f32 = true, f32s::expm1, never, f32s::expm1;
    Log log_f32: f32 = true, float32::log, never, float32::log;
    Log1p log1p_f32: f32 = true, f32s::log1p, never, f32s::log1p;
    Log2 log2_f32: f32 = true, f32s::log2, never, f32s::log2;
    Log10 log10_f32: f32 = true, f32s::log10, never, f32s::log10;
    Sin sin_f32: f32 = true, float32::sin_reduced, outside_f32, float32::sin;
    Cos cos_f32: f32 = true, float32::cos_reduced, outside_f32, float32::cos;
    Tan tan_f32: f32 = true, f32s::tan_reduced, outside_f32, f32s::tan;
    Arcsin arcsin_f32: f32 = true, f32s::arcsin, never, f32s::arcsin;
    Arccos arccos_f32: f32 = true, f32s::arccos, never, f32s::arccos;
    Arctan arctan_f32: f32 = true, f32s::arctan, never, f32s::arctan;
    Sinh sinh_f32: f32 = true, f32s::sinh, never, f32s::sinh;
    Cosh cosh_f32: f32 = true, f32s::cosh, never, f32s::cosh;
    Tanh tanh_f32: f32 = true, float32::tanh, never, float32::tanh;
    Arcsinh arcsinh_f32: f32 = true, f32s::arcsinh, never, f32s::arcsinh;
    Arccosh arccosh_f32: f32 = true, f32s::arccosh, never, f32s::arccosh;
    Arctanh arctanh_f32: f32 = true, f32s::arctanh, never, f32s::arctanh;
}

#[cfg(not(target_arch = "x86_64"))]
const ENTRIES: &[(UnOp, bool, MathWidth, &str, BatchFn)] = &[];

/// The two-argument entry points, as `entries!` makes the others: `(a, b, dst, n)`.
macro_rules! binary_entries {
    ($($op:ident $name:ident: $t:ty = $is32:literal, $f:expr;)*) => {
        #[cfg(target_arch = "x86_64")]
        mod avx2_binary {
            use super::*;
            $(
                /// # Safety
                /// `a`, `b` and `dst` hold `n` elements; the CPU has AVX2 and FMA.
                #[target_feature(enable = "avx2,fma")]
                pub unsafe extern "C" fn $name(a: *const u8, b: *const u8, dst: *mut u8, n: i64) {
                    // SAFETY: the caller's contract.
                    unsafe { map2::<$t>(a.cast(), b.cast(), dst.cast(), n.max(0) as usize, $f) }
                }
            )*
        }
        #[cfg(target_arch = "x86_64")]
        mod avx512_binary {
            use super::*;
            $(
                /// # Safety
                /// `a`, `b` and `dst` hold `n` elements; the CPU has AVX-512F.
                #[target_feature(enable = "avx512f,avx2,fma")]
                pub unsafe extern "C" fn $name(a: *const u8, b: *const u8, dst: *mut u8, n: i64) {
                    // SAFETY: the caller's contract.
                    unsafe { map2::<$t>(a.cast(), b.cast(), dst.cast(), n.max(0) as usize, $f) }
                }
            )*
        }
        #[cfg(target_arch = "x86_64")]
        const BINARY_ENTRIES: &[(BinOp, bool, MathWidth, &str, BatchFn2)] = &[
            $(
                (BinOp::$op, $is32, MathWidth::Bits256, concat!("nx_", stringify!($name), "_avx2"), avx2_binary::$name),
                (BinOp::$op, $is32, MathWidth::Bits512, concat!("nx_", stringify!($name), "_avx512"), avx512_binary::$name),
            )*
        ];
    };
}

/// The value as is, for functions with no special-value pass.
#[cfg(target_arch = "x86_64")]
fn as_is<T>(_: T, _: T, core: T) -> T {
    core
}

binary_entries! {
    Pow pow_f64: f64 = false, (pow::pow_core, pow::pow_special);
    Arctan2 arctan2_f64: f64 = false, (atan::arctan2, as_is);
    Pow pow_f32: f32 = true, (
        |x: f32, y: f32| float32::pow_core(x, y) as f32,
        // pow_special's other values are exact and rounding commutes with its sign:
        // this is float32::pow(x, y).
        |x: f32, y: f32, c: f32| pow::pow_special(x as f64, y as f64, c as f64) as f32
    );
    Arctan2 arctan2_f32: f32 = true, (
        |y: f32, x: f32| atan::arctan2(y as f64, x as f64) as f32,
        as_is
    );
}

#[cfg(not(target_arch = "x86_64"))]
const BINARY_ENTRIES: &[(BinOp, bool, MathWidth, &str, BatchFn2)] = &[];

/// One module of complex entry points compiled with `$features` (see
/// `complex_entries!`).
macro_rules! complex_module {
    ($module:ident, $features:literal, $($name:ident: $t:ty, $own:expr, $inside:expr, $exact:expr;)*) => {
        #[cfg(target_arch = "x86_64")]
        mod $module {
            use super::*;
            $(
                /// # Safety
                /// `re` and `im` hold `n` elements; the CPU has the module's features.
                #[target_feature(enable = $features)]
                pub unsafe extern "C" fn $name(re: *mut u8, im: *mut u8, n: i64) {
                    // SAFETY: the caller's contract.
                    unsafe {
                        // Closures, so that they inherit the target features.
                        map_complex::<$t>(
                            re.cast(),
                            im.cast(),
                            n.max(0) as usize,
                            |z| $own(z),
                            |x, y| $inside(x, y),
                            |z| $exact(z),
                        )
                    }
                }
            )*
        }
    };
}

/// The complex entry points, as `entries!` makes the others: `(re, im, n)` in place,
/// one per function and part type (`$c128` of complex128, `$c64` of complex64), each
/// `crate::value::own_complex::$f`: `complex_fns::$f`, its vectorizable core, on every
/// lane, and the whole function where `own_complex::covers::$covers` says the core
/// does not cover the argument.
macro_rules! complex_entries {
    ($($op:ident $c128:ident $c64:ident = $f:ident, $covers:ident;)*) => {
        complex_entries!(@modules $($c128: f64, $f, $covers; $c64: f32, $f, $covers;)*);
        #[cfg(target_arch = "x86_64")]
        const COMPLEX_ENTRIES: &[(UnOp, bool, MathWidth, &str, BatchFnC)] = &[
            $(
                (UnOp::$op, false, MathWidth::Bits256, concat!("nx_", stringify!($c128), "_avx2"), avx2_complex::$c128),
                (UnOp::$op, false, MathWidth::Bits512, concat!("nx_", stringify!($c128), "_avx512"), avx512_complex::$c128),
                (UnOp::$op, true, MathWidth::Bits256, concat!("nx_", stringify!($c64), "_avx2"), avx2_complex::$c64),
                (UnOp::$op, true, MathWidth::Bits512, concat!("nx_", stringify!($c64), "_avx512"), avx512_complex::$c64),
            )*
        ];
    };
    (@modules $($name:ident: $t:ty, $f:ident, $covers:ident;)*) => {
        complex_module!(avx2_complex, "avx2,fma", $(
            $name: $t, complex_fns::$f, own_complex::covers::$covers::<$t>, own_complex::$f;
        )*);
        complex_module!(avx512_complex, "avx512f,avx2,fma", $(
            $name: $t, complex_fns::$f, own_complex::covers::$covers::<$t>, own_complex::$f;
        )*);
    };
}

/// The complex functions' pieces for `complex_entries!`.
#[cfg(target_arch = "x86_64")]
mod complex_fns {
    use crate::math::complex as core;
    use crate::value::own_complex::{scaled, Part};
    use num_complex::Complex;

    macro_rules! cores {
        ($($name:ident = $core:path;)*) => {$(
            // A direct call (not through a function value), so that the core is
            // inlined into the entry point and compiled with its target features.
            #[inline(always)]
            pub(super) fn $name<T: Part>(z: Complex<T>) -> Complex<T> {
                let (re, im) = $core(z.re.into(), z.im.into());
                Complex::new(T::narrow(re), T::narrow(im))
            }
        )*};
    }
    cores! {
        exp = core::exp;
        log = core::log;
        sqrt = core::sqrt;
        sin = core::sin;
        cos = core::cos;
        sinh = core::sinh;
        cosh = core::cosh;
        tan = core::tan;
        tanh = core::tanh;
        arctan = core::arctan;
        arctanh = core::arctanh;
        arcsin = core::arcsin;
        arccos = core::arccos;
        arcsinh = core::arcsinh;
        arccosh = core::arccosh;
        log1p = core::log1p;
    }

    /// NumPy's log10 and log2: the logarithm times a constant, in the part type.
    #[inline(always)]
    pub(super) fn log10<T: Part>(z: Complex<T>) -> Complex<T> {
        scaled(log(z), std::f64::consts::LOG10_E)
    }
    #[inline(always)]
    pub(super) fn log2<T: Part>(z: Complex<T>) -> Complex<T> {
        scaled(log(z), std::f64::consts::LOG2_E)
    }
}

complex_entries! {
    Exp exp_c128 exp_c64 = exp, exp;
    Log log_c128 log_c64 = log, log;
    Log10 log10_c128 log10_c64 = log10, log;
    Log2 log2_c128 log2_c64 = log2, log;
    Log1p log1p_c128 log1p_c64 = log1p, log1p;
    Sqrt sqrt_c128 sqrt_c64 = sqrt, sqrt;
    Sin sin_c128 sin_c64 = sin, sin;
    Cos cos_c128 cos_c64 = cos, cos;
    Tan tan_c128 tan_c64 = tan, tan;
    Sinh sinh_c128 sinh_c64 = sinh, sinh;
    Cosh cosh_c128 cosh_c64 = cosh, cosh;
    Tanh tanh_c128 tanh_c64 = tanh, tanh;
    Arctan arctan_c128 arctan_c64 = arctan, arctan;
    Arctanh arctanh_c128 arctanh_c64 = arctanh, arctanh;
    Arcsin arcsin_c128 arcsin_c64 = arcsin, arcsin;
    Arccos arccos_c128 arccos_c64 = arccos, arccos;
    Arcsinh arcsinh_c128 arcsinh_c64 = arcsinh, arcsinh;
    Arccosh arccosh_c128 arccosh_c64 = arccosh, arccosh;
}

#[cfg(not(target_arch = "x86_64"))]
const COMPLEX_ENTRIES: &[(UnOp, bool, MathWidth, &str, BatchFnC)] = &[];

/// The widest batch width this CPU runs, detected once.
fn cpu_width() -> MathWidth {
    static W: OnceLock<MathWidth> = OnceLock::new();
    *W.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx2") && has!("fma") {
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

/// The width a kernel's accurate transcendentals use for `requested`: never `Auto`,
/// never wider than the CPU runs. At 128 bits there are no batch functions: kernels
/// call the scalar functions per lane.
pub(crate) fn resolve(requested: MathWidth) -> MathWidth {
    let cpu = cpu_width();
    match requested {
        MathWidth::Auto => cpu,
        w if bits(w) <= bits(cpu) => w,
        _ => cpu,
    }
}

/// The batch entry point of `op` on f32 or f64 buffers at `width`, if there is one.
pub(crate) fn batch_fn(op: UnOp, f32: bool, width: MathWidth) -> Option<&'static str> {
    ENTRIES
        .iter()
        .find(|e| e.0 == op && e.1 == f32 && e.2 == width)
        .map(|e| e.3)
}

/// The two-argument batch entry point of `op` (`(a, b, destination, count)`) on f32 or
/// f64 buffers at `width`, if there is one.
pub(crate) fn binary_batch_fn(op: BinOp, f32: bool, width: MathWidth) -> Option<&'static str> {
    BINARY_ENTRIES
        .iter()
        .find(|e| e.0 == op && e.1 == f32 && e.2 == width)
        .map(|e| e.3)
}

/// The complex batch entry point of `op` (`(re, im, count)`, in place) on
/// complex64 (`f32`) or complex128 parts at `width`, if there is one.
pub(crate) fn complex_batch_fn(op: UnOp, f32: bool, width: MathWidth) -> Option<&'static str> {
    COMPLEX_ENTRIES
        .iter()
        .find(|e| e.0 == op && e.1 == f32 && e.2 == width)
        .map(|e| e.3)
}

/// The address behind a batch entry point's symbol, for the JIT linker.
pub(crate) fn lookup(name: &str) -> Option<*const u8> {
    ENTRIES
        .iter()
        .find(|e| e.3 == name)
        .map(|e| e.4 as *const u8)
        .or_else(|| {
            BINARY_ENTRIES
                .iter()
                .find(|e| e.3 == name)
                .map(|e| e.4 as *const u8)
        })
        .or_else(|| {
            COMPLEX_ENTRIES
                .iter()
                .find(|e| e.3 == name)
                .map(|e| e.4 as *const u8)
        })
        .or_else(|| {
            super::batch_complex_pow::POW_ENTRIES
                .iter()
                .find(|e| e.2 == name)
                .map(|e| e.3 as *const u8)
        })
}
