//! Element types and NumPy 2 type promotion (NEP 50).

use std::fmt;

/// The element types nexpr carries natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I32,
    I64,
    F32,
    F64,
    C64,
    C128,
}

/// NumPy's dtype "kind", ordered the way NEP 50 compares a weak scalar with an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    pub const ALL: [DType; 7] = [
        DType::Bool,
        DType::I32,
        DType::I64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// NumPy's name for the dtype.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
        }
    }

    /// The short name used in the IR text form.
    pub fn short(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::C64 => "c64",
            DType::C128 => "c128",
        }
    }

    pub fn from_name(s: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == s || d.short() == s)
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::I32 | DType::I64 => Kind::Int,
            DType::F32 | DType::F64 => Kind::Float,
            DType::C64 | DType::C128 => Kind::Complex,
        }
    }

    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// The real type of a complex type's parts; other types map to themselves.
    pub fn real_part(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }

    /// The complex type whose parts are `self` (after making `self` a float).
    pub fn to_complex(self) -> DType {
        match self.to_float() {
            DType::F32 | DType::C64 => DType::C64,
            _ => DType::C128,
        }
    }

    /// The float type NumPy's float-only ufuncs (sin, sqrt, /, ...) compute in.
    /// NumPy gives float16 for bool inputs; nexpr has no float16 and uses float32.
    pub fn to_float(self) -> DType {
        match self {
            DType::Bool => DType::F32,
            DType::I32 | DType::I64 => DType::F64,
            d => d,
        }
    }

    /// Promotion of two arrays (both "strong"), as `np.result_type`.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        match (lo, hi) {
            (Bool, x) => x,
            (I32, I64) => I64,
            (I32 | I64, F32 | F64) => F64,
            (I32 | I64, C64 | C128) => C128,
            (F32, F64) => F64,
            (F32, C64) => C64,
            (F32, C128) => C128,
            (F64, C64 | C128) => C128,
            (C64, C128) => C128,
            _ => unreachable!("promote({lo:?}, {hi:?})"),
        }
    }

    /// Whether NumPy's `can_cast(self, to, 'safe')` holds.
    pub fn can_cast_safely(self, to: DType) -> bool {
        DType::promote(self, to) == to
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A type during type checking: a dtype plus NEP 50 "weakness" (Python literals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ty {
    pub dtype: DType,
    pub weak: bool,
}

impl Ty {
    pub fn strong(dtype: DType) -> Ty {
        Ty { dtype, weak: false }
    }
    pub fn weak(dtype: DType) -> Ty {
        Ty { dtype, weak: true }
    }

    /// NEP 50 promotion: a weak (Python) scalar takes the array's dtype when its
    /// kind is not higher; otherwise the default dtype of its kind, sized by the array.
    pub fn join(a: Ty, b: Ty) -> Ty {
        match (a.weak, b.weak) {
            (false, false) => Ty::strong(DType::promote(a.dtype, b.dtype)),
            (true, true) => Ty::weak(if a.dtype.kind() >= b.dtype.kind() {
                a.dtype
            } else {
                b.dtype
            }),
            (true, false) => Ty::strong(weak_with(a.dtype, b.dtype)),
            (false, true) => Ty::strong(weak_with(b.dtype, a.dtype)),
        }
    }

    /// The dtype a weak value finally takes when nothing stronger is around.
    pub fn concrete(self) -> DType {
        self.dtype
    }
}

fn weak_with(weak: DType, strong: DType) -> DType {
    use DType::*;
    if weak.kind() <= strong.kind() {
        return strong;
    }
    match (weak.kind(), strong) {
        (Kind::Int, Bool) => I64,
        (Kind::Float, Bool | I32 | I64) => F64,
        (Kind::Complex, Bool | I32 | I64) => C128,
        (Kind::Complex, F32) => C64,
        (Kind::Complex, F64) => C128,
        _ => DType::promote(weak, strong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_matches_numpy() {
        use DType::*;
        assert_eq!(DType::promote(I32, F32), F64);
        assert_eq!(DType::promote(F32, C64), C64);
        assert_eq!(DType::promote(F64, C64), C128);
        assert_eq!(DType::promote(Bool, F32), F32);
        assert_eq!(DType::promote(I64, I32), I64);
    }

    #[test]
    fn weak_scalars_follow_nep50() {
        use DType::*;
        let w = Ty::weak;
        let s = Ty::strong;
        assert_eq!(Ty::join(s(F32), w(F64)), s(F32));
        assert_eq!(Ty::join(s(I32), w(I64)), s(I32));
        assert_eq!(Ty::join(s(I32), w(F64)), s(F64));
        assert_eq!(Ty::join(s(Bool), w(I64)), s(I64));
        assert_eq!(Ty::join(s(F32), w(C128)), s(C64));
        assert_eq!(Ty::join(w(I64), w(F64)), w(F64));
    }
}
