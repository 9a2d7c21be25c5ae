//! How a bound variable enters type checking. An array (or a NumPy scalar) is strong;
//! a Python scalar is weak under NEP 50 (`float32_array * 2` stays float32), exactly
//! like a literal, and is read from its 0-d array at run time so that a new value
//! reuses the compiled kernel. A Python int beyond int32 is the exception: whether it
//! fits the loop it meets (an OverflowError in an int32 loop) and how an integer array
//! compares with it depend on its value, so it is typed as the literal it equals and
//! its value is part of the signature.

use crate::dtype::{DType, Ty};

/// The type of one input in a kernel's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputType {
    /// An array or a NumPy scalar: strong.
    Array(DType),
    /// A Python bool, int within int32, float or complex, bound as a 0-d array of its
    /// kind's default dtype (bool, int64, float64, complex128): weak.
    PyScalar(DType),
    /// A Python int beyond int32 (within int64): the literal it equals.
    PyInt(i64),
}

impl InputType {
    /// The dtype of the bound array.
    pub fn dtype(self) -> DType {
        match self {
            InputType::Array(d) | InputType::PyScalar(d) => d,
            InputType::PyInt(_) => DType::I64,
        }
    }

    /// The NEP 50 type of a read of the input.
    pub(super) fn ty(self) -> Ty {
        match self {
            InputType::Array(d) => Ty::strong(d),
            InputType::PyScalar(d) => Ty::weak(d),
            InputType::PyInt(_) => Ty::weak(DType::I64),
        }
    }

    /// The type of a Python scalar bound as a 0-d array of dtype `d` holding `int_value`
    /// (for int64): `None` when `d` is not the default dtype of a Python scalar's kind.
    pub fn python_scalar(d: DType, int_value: Option<i64>) -> Option<InputType> {
        match d {
            DType::Bool | DType::F64 | DType::C128 => Some(InputType::PyScalar(d)),
            DType::I64 => match int_value {
                Some(v) if i32::try_from(v).is_err() => Some(InputType::PyInt(v)),
                _ => Some(InputType::PyScalar(d)),
            },
            DType::I32 | DType::F32 | DType::C64 => None,
        }
    }
}
