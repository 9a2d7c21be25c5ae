//! How IR values are held in CLIF: bool is an `i8` holding 0/1 (a lane mask of 0/-1
//! in vectors), integers and floats are one value, complex numbers a (re, im) pair of
//! values (of vectors); and the types, memory flags and constants they need.

use crate::dtype::DType;
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;

/// One IR value in CLIF.
#[derive(Clone, Copy, Debug)]
pub(super) enum Val {
    /// A bool, integer or float (or a vector of them).
    S(Value),
    /// A complex number as its (re, im) parts (or vectors of them).
    C(Value, Value),
}

impl Val {
    /// The value, or the real part of a complex one.
    pub(super) fn s(self) -> Value {
        match self {
            Val::S(v) | Val::C(v, _) => v,
        }
    }

    /// The (re, im) parts; a real value gets a zero imaginary part of type `zero_ty`.
    pub(super) fn c(self, b: &mut FunctionBuilder, zero_ty: Type) -> (Value, Value) {
        match self {
            Val::C(r, i) => (r, i),
            Val::S(r) => {
                let z = fconst(b, zero_ty, 0.0);
                (r, z)
            }
        }
    }
}

/// The CLIF type of a scalar of dtype `d` (of each part, for complex).
pub fn clif_type(d: DType) -> Type {
    match d {
        DType::Bool => types::I8,
        DType::I32 => types::I32,
        DType::I64 => types::I64,
        DType::F32 | DType::C64 => types::F32,
        DType::F64 | DType::C128 => types::F64,
    }
}

/// Bytes per element of dtype `d` in memory.
pub fn elem_size(d: DType) -> i64 {
    match d {
        DType::Bool => 1,
        DType::I32 | DType::F32 => 4,
        DType::I64 | DType::F64 | DType::C64 => 8,
        DType::C128 => 16,
    }
}

pub(super) fn is_complex(d: DType) -> bool {
    matches!(d, DType::C64 | DType::C128)
}

pub(super) fn is_int(d: DType) -> bool {
    matches!(d, DType::I32 | DType::I64)
}

/// The real type of a complex (or float) dtype.
pub(super) fn real_of(d: DType) -> DType {
    match d {
        DType::C64 | DType::F32 => DType::F32,
        _ => DType::F64,
    }
}

/// Flags of every load and store of array elements.
pub(super) fn mem() -> MemFlagsData {
    // Inputs are only element-aligned, so no `aligned` flag (it would allow
    // aligned-only vector loads).
    MemFlagsData::new().with_notrap()
}

/// Flags of bitcasts between vector types (which reinterpret lanes).
pub(super) fn lane_cast() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// A float constant of type `ty`, splatted when `ty` is a vector type.
pub(super) fn fconst(b: &mut FunctionBuilder, ty: Type, x: f64) -> Value {
    if ty.is_vector() {
        let s = fconst(b, ty.lane_type(), x);
        b.ins().splat(ty, s)
    } else if ty == types::F32 {
        b.ins().f32const(x as f32)
    } else {
        b.ins().f64const(x)
    }
}
