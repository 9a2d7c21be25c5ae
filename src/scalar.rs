//! `Scalar`, one value of any dtype, with NumPy's casts between dtypes: what the IR's
//! constants hold and what `value`'s operations compute with. Apart from `value` so
//! that the IR (which holds constants) and `value` (which knows the IR's operations)
//! do not depend on each other.

use crate::dtype::DType;
use num_complex::{Complex32, Complex64};
use std::fmt;

/// One value of any dtype: what the interpreter computes with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// A `bool`.
    Bool(bool),
    /// An `int32`.
    I32(i32),
    /// An `int64`.
    I64(i64),
    /// A `float32`.
    F32(f32),
    /// A `float64`.
    F64(f64),
    /// A `complex64`.
    C64(Complex32),
    /// A `complex128`.
    C128(Complex64),
}

impl Scalar {
    /// The value's dtype.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
            Scalar::C64(_) => DType::C64,
            Scalar::C128(_) => DType::C128,
        }
    }

    /// Zero of dtype `d`.
    pub fn zero(d: DType) -> Scalar {
        Scalar::I64(0).cast(d)
    }

    /// One of dtype `d`.
    pub fn one(d: DType) -> Scalar {
        Scalar::I64(1).cast(d)
    }

    /// Truthiness, as `bool(x)`.
    pub fn is_true(self) -> bool {
        match self.cast(DType::Bool) {
            Scalar::Bool(b) => b,
            _ => unreachable!(),
        }
    }

    /// The value as (re, im) in f64, for printing and comparisons in tests.
    pub fn to_c128(self) -> Complex64 {
        match self.cast(DType::C128) {
            Scalar::C128(c) => c,
            _ => unreachable!(),
        }
    }

    /// Exact bit identity (distinguishes -0.0 from 0.0 and compares NaNs by bits): the
    /// equality that hash-consing of constants needs.
    pub fn bits_eq(self, other: Scalar) -> bool {
        self.key() == other.key()
    }

    /// A hashable identity of the value.
    pub fn key(self) -> (DType, u64, u64) {
        let d = self.dtype();
        match self {
            Scalar::Bool(b) => (d, b as u64, 0),
            Scalar::I32(x) => (d, x as u32 as u64, 0),
            Scalar::I64(x) => (d, x as u64, 0),
            Scalar::F32(x) => (d, x.to_bits() as u64, 0),
            Scalar::F64(x) => (d, x.to_bits(), 0),
            Scalar::C64(c) => (d, c.re.to_bits() as u64, c.im.to_bits() as u64),
            Scalar::C128(c) => (d, c.re.to_bits(), c.im.to_bits()),
        }
    }

    /// NumPy's `astype` (unsafe casting). Float to integer follows x86-64 (what NumPy
    /// gives there): NaN and out-of-range values become the integer minimum.
    pub fn cast(self, to: DType) -> Scalar {
        use Scalar::*;
        // Go through the widest value of the source kind.
        enum W {
            B(bool),
            I(i64),
            F(f64),
            C(Complex64),
        }
        let w = match self {
            Bool(b) => W::B(b),
            I32(x) => W::I(x as i64),
            I64(x) => W::I(x),
            F32(x) => W::F(x as f64),
            F64(x) => W::F(x),
            C64(c) => W::C(Complex64::new(c.re as f64, c.im as f64)),
            C128(c) => W::C(c),
        };
        match to {
            DType::Bool => Bool(match w {
                W::B(b) => b,
                W::I(i) => i != 0,
                W::F(f) => f != 0.0,
                W::C(c) => c.re != 0.0 || c.im != 0.0,
            }),
            DType::I32 => I32(match w {
                W::B(b) => b as i32,
                W::I(i) => i as i32,
                W::F(f) => f64_to_i32(f),
                W::C(c) => f64_to_i32(c.re),
            }),
            DType::I64 => I64(match w {
                W::B(b) => b as i64,
                W::I(i) => i,
                W::F(f) => f64_to_i64(f),
                W::C(c) => f64_to_i64(c.re),
            }),
            DType::F32 => F32(match w {
                W::B(b) => b as u8 as f32,
                W::I(i) => i as f32,
                W::F(f) => f as f32,
                W::C(c) => c.re as f32,
            }),
            DType::F64 => F64(match w {
                W::B(b) => b as u8 as f64,
                W::I(i) => i as f64,
                W::F(f) => f,
                W::C(c) => c.re,
            }),
            DType::C64 => C64(match w {
                W::B(b) => Complex32::new(b as u8 as f32, 0.0),
                W::I(i) => Complex32::new(i as f32, 0.0),
                W::F(f) => Complex32::new(f as f32, 0.0),
                W::C(c) => Complex32::new(c.re as f32, c.im as f32),
            }),
            DType::C128 => C128(match w {
                W::B(b) => Complex64::new(b as u8 as f64, 0.0),
                W::I(i) => Complex64::new(i as f64, 0.0),
                W::F(f) => Complex64::new(f, 0.0),
                W::C(c) => c,
            }),
        }
    }
}

/// `cvttsd2si` semantics: NaN or out of range gives i32::MIN.
pub fn f64_to_i32(f: f64) -> i32 {
    if f.is_nan() || f <= -2147483649.0 || f >= 2147483648.0 {
        i32::MIN
    } else {
        f as i32
    }
}

/// `cvttsd2si` (64-bit) semantics: NaN or out of range gives i64::MIN.
pub fn f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223372036854776e18..9.223372036854776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scalar::Bool(b) => write!(f, "{}", if b { "True" } else { "False" }),
            Scalar::I32(x) => write!(f, "{x}"),
            Scalar::I64(x) => write!(f, "{x}"),
            Scalar::F32(x) => write!(f, "{}", fmt_float(x as f64, Some(x))),
            Scalar::F64(x) => write!(f, "{}", fmt_float(x, None)),
            Scalar::C64(c) => write!(
                f,
                "({}{}{}j)",
                fmt_float(c.re as f64, Some(c.re)),
                if c.im.is_sign_negative() { "" } else { "+" },
                fmt_float(c.im as f64, Some(c.im))
            ),
            Scalar::C128(c) => write!(
                f,
                "({}{}{}j)",
                fmt_float(c.re, None),
                if c.im.is_sign_negative() { "" } else { "+" },
                fmt_float(c.im, None)
            ),
        }
    }
}

/// Shortest round-tripping decimal (Rust's `{:?}` gives that), spelled the NumPy way.
pub fn fmt_float(x: f64, as_f32: Option<f32>) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = match as_f32 {
        Some(v) => format!("{v:?}"),
        None => format!("{x:?}"),
    };
    s
}
