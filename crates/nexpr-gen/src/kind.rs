//! Kinds of values (bool, integer, float, complex) and what each builtin of the table
//! returns on each: the generator builds every expression for a wanted kind from the
//! functions and operators that give it, which is what makes its output well-typed.

use nexpr::internals::{Builtin, Typing};
use nexpr::DType;

/// The kind of a value: what decides which operations accept it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl Kind {
    /// Every kind, in promotion order.
    pub const ALL: [Kind; 4] = [Kind::Bool, Kind::Int, Kind::Float, Kind::Complex];

    /// The kind of values of dtype `d`.
    pub fn of(d: DType) -> Kind {
        match d {
            DType::Bool => Kind::Bool,
            DType::I32 | DType::I64 => Kind::Int,
            DType::F32 | DType::F64 => Kind::Float,
            DType::C64 | DType::C128 => Kind::Complex,
        }
    }

    /// A dtype of this kind (to ask the table whether it accepts the kind).
    pub fn dtype(self) -> DType {
        match self {
            Kind::Bool => DType::Bool,
            Kind::Int => DType::I64,
            Kind::Float => DType::F64,
            Kind::Complex => DType::C128,
        }
    }
}

/// The kind `f` returns for operands of kind `k` (both of kind `k` for two), or `None`
/// where its typing rule refuses them. A new typing rule fails to compile here until
/// the generator knows what it returns.
pub fn builtin_result(f: &Builtin, k: Kind) -> Option<Kind> {
    if !f.accepts(k.dtype()) {
        return None;
    }
    let real = |k: Kind| if k == Kind::Complex { Kind::Float } else { k };
    Some(match f.typing {
        Typing::Float => k.max(Kind::Float),
        Typing::RealPart => real(k),
        Typing::Same { bool_loop } | Typing::CommonNotComplex { bool_loop } if k == Kind::Bool => {
            Kind::of(bool_loop)
        }
        Typing::Same { .. }
        | Typing::CommonNotComplex { .. }
        | Typing::SameNotComplex
        | Typing::SameNotBool
        | Typing::Common => k,
        Typing::Predicate | Typing::PredicateNotComplex => Kind::Bool,
        Typing::FloatNotComplex => Kind::Float,
        Typing::MakeComplex => Kind::Complex,
    })
}
