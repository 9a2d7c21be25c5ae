//! nexpr's own scalar functions (`src/math/`, `src/hypot/`) as the C symbols the
//! aarch64 kernels import (`nx_exp_f64`, `nx_hypot_f32`, …), so that the kernels run
//! under qemu compute exactly what the interpreter computes on the host. The library's
//! source files are compiled here on their own (they use nothing else of the crate)
//! by `rustc --target aarch64-unknown-linux-gnu --crate-type staticlib`; see
//! `tests/it/cross_aarch64.rs`.

#[path = "../../../src/math/accurate.rs"]
mod accurate;
#[path = "../../../src/math/asin.rs"]
mod asin;
#[path = "../../../src/math/atan.rs"]
mod atan;
#[path = "../../../src/math/complex.rs"]
mod complex;
#[path = "../../../src/math/complex_pow.rs"]
mod complex_pow;
#[path = "../../../src/math/complex_pow_tables.rs"]
mod complex_pow_tables;
#[path = "../../../src/math/exp.rs"]
mod exp;
#[path = "../../../src/math/float.rs"]
mod float;
#[path = "../../../src/math/float32.rs"]
mod float32;
#[path = "../../../src/math/hyperbolic.rs"]
mod hyperbolic;
#[path = "../../../src/hypot/mod.rs"]
mod hypot;
#[path = "../../../src/math/inverse_hyperbolic.rs"]
mod inverse_hyperbolic;
#[path = "../../../src/math/log.rs"]
mod log;
#[path = "../../../src/math/pow.rs"]
mod pow;
#[path = "../../../src/math/scalar.rs"]
mod scalar;
#[path = "../../../src/math/tan.rs"]
mod tan;
#[path = "../../../src/math/trig.rs"]
mod trig;

use accurate::Accurate;

/// `nx_<name>_f64` and `nx_<name>_f32` calling `Accurate::<name>`, as
/// `src/backend/cpu/helpers.rs` defines them.
macro_rules! export {
    ($($f64:ident $f32:ident => $name:ident,)*) => {$(
        #[no_mangle]
        pub extern "C" fn $f64(x: f64) -> f64 {
            Accurate::$name(x)
        }
        #[no_mangle]
        pub extern "C" fn $f32(x: f32) -> f32 {
            Accurate::$name(x)
        }
    )*};
}

export! {
    nx_sin_f64 nx_sin_f32 => sin,
    nx_cos_f64 nx_cos_f32 => cos,
    nx_tan_f64 nx_tan_f32 => tan,
    nx_arcsin_f64 nx_arcsin_f32 => arcsin,
    nx_arccos_f64 nx_arccos_f32 => arccos,
    nx_arctan_f64 nx_arctan_f32 => arctan,
    nx_sinh_f64 nx_sinh_f32 => sinh,
    nx_cosh_f64 nx_cosh_f32 => cosh,
    nx_tanh_f64 nx_tanh_f32 => tanh,
    nx_arcsinh_f64 nx_arcsinh_f32 => arcsinh,
    nx_arccosh_f64 nx_arccosh_f32 => arccosh,
    nx_arctanh_f64 nx_arctanh_f32 => arctanh,
    nx_log_f64 nx_log_f32 => log,
    nx_log1p_f64 nx_log1p_f32 => log1p,
    nx_log10_f64 nx_log10_f32 => log10,
    nx_log2_f64 nx_log2_f32 => log2,
    nx_exp_f64 nx_exp_f32 => exp,
    nx_expm1_f64 nx_expm1_f32 => expm1,
}

#[no_mangle]
pub extern "C" fn nx_hypot_f64(x: f64, y: f64) -> f64 {
    hypot::hypot(x, y)
}

#[no_mangle]
pub extern "C" fn nx_hypot_f32(x: f32, y: f32) -> f32 {
    hypot::hypotf(x, y)
}
