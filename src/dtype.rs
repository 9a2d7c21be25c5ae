//! Element types and NumPy 2 type promotion (NEP 50).

use std::fmt;

/// The element types nexpr carries, named as NumPy names them (`Display` gives the
/// name). Narrower NumPy integers and float16 are widened on entry (see `docs/language.md`).
///
/// ```
/// use nexpr::DType;
/// assert_eq!(DType::from_name("complex64"), Some(DType::C64));
/// assert_eq!(DType::C64.to_string(), "complex64");
/// assert_eq!(DType::C64.size(), 8);
/// assert!(DType::C64.is_complex() && !DType::C64.is_float());
/// assert_eq!(DType::ALL.len(), 7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`: one byte, 0 or 1.
    Bool,
    /// `int32`.
    I32,
    /// `int64`.
    I64,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
    /// `complex64`: two float32.
    C64,
    /// `complex128`: two float64.
    C128,
}

/// NumPy's dtype "kind", ordered the way NEP 50 compares a weak scalar with an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    /// Every dtype, narrowest kind first.
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
    pub(crate) fn short(self) -> &'static str {
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

    /// The dtype of a NumPy name (`"float64"`), or of the IR's short name (`"f64"`).
    pub fn from_name(s: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == s || d.short() == s)
    }

    pub(crate) fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::I32 | DType::I64 => Kind::Int,
            DType::F32 | DType::F64 => Kind::Float,
            DType::C64 | DType::C128 => Kind::Complex,
        }
    }

    /// Whether it is `int32` or `int64`.
    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }
    /// Whether it is `float32` or `float64`.
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }
    /// Whether it is `complex64` or `complex128`.
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
    pub(crate) fn real_part(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }

    /// The complex type whose parts are `self` (after making `self` a float).
    pub(crate) fn to_complex(self) -> DType {
        match self.to_float() {
            DType::F32 | DType::C64 => DType::C64,
            _ => DType::C128,
        }
    }

    /// The float type NumPy's float-only ufuncs (sin, sqrt, /, ...) compute in.
    /// NumPy gives float16 for bool inputs; nexpr has no float16 and uses float32.
    pub(crate) fn to_float(self) -> DType {
        match self {
            DType::Bool => DType::F32,
            DType::I32 | DType::I64 => DType::F64,
            d => d,
        }
    }

    /// Promotion of two arrays (both "strong"), as `np.result_type`.
    pub(crate) fn promote(a: DType, b: DType) -> DType {
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
