//! Where a Python literal meets NumPy (NEP 50): a literal is weak, takes the dtype of
//! the loop it meets, and is converted to it only then, with NumPy 2's rules. The
//! conversion is to the loop's *operand* dtype: `int32_array / 3000000000` runs the
//! float64 loop, so the literal is converted to float64 and nothing overflows, while
//! `int32_array + 3000000000` runs the int32 loop and raises OverflowError.

use super::python::{int_to_f64, Py, PyError, PyResult};
use crate::dtype::{DType, Ty};
use crate::value::Scalar;
use num_bigint::BigInt;
use num_complex::{Complex32, Complex64};
use num_traits::{FromPrimitive, ToPrimitive};

/// The NEP 50 type of a literal: weak, of its kind's default dtype.
pub fn weak_ty(py: &Py) -> Ty {
    Ty::weak(match py {
        Py::Bool(_) => DType::Bool,
        Py::Int(_) => DType::I64,
        Py::Float(_) => DType::F64,
        Py::Complex(_) => DType::C128,
    })
}

fn out_of_bounds<T>(x: &BigInt, to: DType) -> PyResult<T> {
    Err(PyError {
        class: "OverflowError",
        message: format!("Python integer {x} out of bounds for {to}"),
    })
}

/// NumPy 2's conversion of a literal operand to the dtype `to` its loop computes in.
pub fn to_dtype(py: &Py, to: DType) -> PyResult<Scalar> {
    match py {
        Py::Bool(b) => Ok(Scalar::Bool(*b).cast(to)),
        Py::Int(x) => int_to(x, to),
        Py::Float(f) => Ok(Scalar::F64(*f).cast(to)),
        Py::Complex(c) => Ok(Scalar::C128(*c).cast(to)),
    }
}

/// An integer to an integer dtype must fit; to a float or complex dtype it goes
/// through Python's `float()` (so `float32` rounds twice, as in NumPy, and beyond
/// 2**1024 it is an OverflowError).
fn int_to(x: &BigInt, to: DType) -> PyResult<Scalar> {
    Ok(match to {
        DType::Bool => Scalar::Bool(x.sign() != num_bigint::Sign::NoSign),
        DType::I32 => match x.to_i32() {
            Some(v) => Scalar::I32(v),
            None => return out_of_bounds(x, to),
        },
        DType::I64 => match x.to_i64() {
            Some(v) => Scalar::I64(v),
            None => return out_of_bounds(x, to),
        },
        DType::F32 => Scalar::F32(int_to_f64(x)? as f32),
        DType::F64 => Scalar::F64(int_to_f64(x)?),
        DType::C64 => Scalar::C64(Complex32::new(int_to_f64(x)? as f32, 0.0)),
        DType::C128 => Scalar::C128(Complex64::new(int_to_f64(x)?, 0.0)),
    })
}

/// `int32(x)`, `float64(x)`, ... of a literal: NumPy's scalar constructors, which
/// take Python's `int()` and `float()` of it (truncation, errors for NaN, infinity,
/// out-of-range values and complex numbers) rather than an array cast.
pub fn construct(py: &Py, to: DType) -> PyResult<Scalar> {
    let type_error = |what: &str| PyError {
        class: "TypeError",
        message: format!("{what}() argument must be a real number, not 'complex'"),
    };
    match (py, to) {
        (_, DType::Bool) => Ok(Scalar::Bool(py.truth())),
        (_, DType::C64 | DType::C128) => Ok(Scalar::C128(py.to_complex()?).cast(to)),
        (Py::Complex(_), DType::I32 | DType::I64) => Err(type_error("int")),
        (Py::Complex(_), _) => Err(type_error("float")),
        (Py::Float(f), DType::I32 | DType::I64) => {
            let class = if f.is_nan() {
                "ValueError"
            } else {
                "OverflowError"
            };
            let what = if f.is_nan() { "NaN" } else { "infinity" };
            match BigInt::from_f64(f.trunc()) {
                Some(i) => int_to(&i, to),
                None => Err(PyError {
                    class,
                    message: format!("cannot convert float {what} to integer"),
                }),
            }
        }
        _ => to_dtype(py, to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_follow_numpy() {
        let big = |e: u32| Py::Int(BigInt::from(2).pow(e));
        // np.ones(1, np.float32) + 2**200 -> inf; np.ones(1) + 2**1024 -> OverflowError
        assert_eq!(
            to_dtype(&big(200), DType::F32),
            Ok(Scalar::F32(f32::INFINITY))
        );
        assert!(to_dtype(&big(1024), DType::F64).is_err());
        assert!(to_dtype(&big(31), DType::I32).is_err());
        assert_eq!(to_dtype(&big(31), DType::I64), Ok(Scalar::I64(1 << 31)));
        // np.int32(1.5) -> 1, np.int32(1e20) -> OverflowError, np.int64(nan) -> ValueError
        assert_eq!(construct(&Py::Float(1.5), DType::I32), Ok(Scalar::I32(1)));
        assert!(construct(&Py::Float(1e20), DType::I32).is_err());
        let nan = construct(&Py::Float(f64::NAN), DType::I64).unwrap_err();
        assert_eq!(nan.class, "ValueError");
        assert!(construct(&Py::Complex(Complex64::new(1.0, 0.0)), DType::F32).is_err());
        // np.bool_(2**70) -> True
        assert_eq!(construct(&big(70), DType::Bool), Ok(Scalar::Bool(true)));
    }
}
