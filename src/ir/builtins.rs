//! The builtin functions of the language, one row each: what every layer knows about a
//! function (its name, the IR operation it becomes, its typing rule, how the backends
//! compute it, what it costs) is read from [`BUILTINS`], so adding a function is one
//! row here plus its implementations (see ARCHITECTURE.md, "Adding a function").
//!
//! What is not a row: operators (`-x`, `~x`, `a + b`, comparisons), casts (`int32(x)`,
//! one per dtype), `where`, `copy`, `ones_like` and the reductions; `sema::calls`
//! handles those itself.

use crate::dtype::{DType, Kind};
use crate::ir::{BinOp, UnOp};

/// One builtin function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// The name as written in an expression.
    pub name: &'static str,
    /// The IR operation a call becomes; its arity is the function's.
    pub op: FuncOp,
    /// Which operand dtypes it accepts and the dtypes it computes and returns in.
    pub typing: Typing,
    /// How compiled CPU code computes it on f32/f64 (complex operands always go
    /// through the `value` helpers).
    pub cpu: CpuLowering,
    /// The C math library's name where it is one (`asin` for `arcsin`): the CUDA
    /// spelling (libm, and the prelude's `nx_c<name>` for complex), the libmvec base.
    pub c_name: Option<&'static str>,
    /// Vectorized through glibc's libmvec (`_ZGVbN2v_<c_name>`, …) on f32/f64.
    pub libmvec: bool,
    /// Relative work per element, for the CPU's parallel threshold.
    pub cost: Cost,
}

/// The IR operation of a builtin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuncOp {
    /// A function of one operand.
    Unary(UnOp),
    /// A function of two operands.
    Binary(BinOp),
}

/// The typing rules of the builtins (NumPy's loops), as `sema::calls` applies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typing {
    /// Defined on floats and complex only (`sqrt`, `sin`, …): integer and bool operands
    /// are cast to a float first, as NumPy's loops do. The transcendental functions.
    Float,
    /// `abs`, `real`, `imag`: complex → its real type, other dtypes kept.
    RealPart,
    /// The dtype is kept; NumPy has no bool loop, so bool computes in `bool_loop`.
    Same {
        /// The dtype a bool operand computes and results in.
        bool_loop: DType,
    },
    /// The dtype is kept; complex is refused (`ceil`, …).
    SameNotComplex,
    /// The dtype is kept; bool is refused (`sign`).
    SameNotBool,
    /// Any dtype → bool (`isnan`, …).
    Predicate,
    /// Any dtype but complex → bool (`signbit`).
    PredicateNotComplex,
    /// Two operands in their common dtype, which is the result's (`maximum`).
    Common,
    /// As [`Typing::Common`], complex refused, bool computed in `bool_loop` (`fmod`).
    CommonNotComplex {
        /// The dtype bool operands compute and result in.
        bool_loop: DType,
    },
    /// Two operands in the float of their common dtype; complex refused (`arctan2`).
    FloatNotComplex,
    /// `complex(re, im)`: the dtype of `re + 1j*im`. The op sees two real operands;
    /// with a complex one (or of Python values) type checking spells the call as
    /// `re + 1j*im` itself, so every dtype is accepted.
    MakeComplex,
}

/// How compiled CPU code computes a builtin on f32/f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuLowering {
    /// Cranelift instructions (`fsqrt`, `fcopysign`, selects, …).
    Inline,
    /// A per-width scalar helper `nx_<name>_f64`/`_f32` (`helpers::direct`).
    Direct,
    /// The generic helper through `value` with an operation code (`nx_fbinary`).
    Helper,
}

/// Relative work per element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// A few instructions.
    Cheap,
    /// A call of a math function.
    Call,
}

/// A transcendental function of one operand, `name` in C's math library `c`.
const fn transcendental(
    name: &'static str,
    op: UnOp,
    c: &'static str,
    cpu: CpuLowering,
) -> Builtin {
    Builtin {
        name,
        op: FuncOp::Unary(op),
        typing: Typing::Float,
        cpu,
        c_name: Some(c),
        libmvec: matches!(cpu, CpuLowering::Direct),
        cost: Cost::Call,
    }
}

/// A function of one operand that compiles to instructions.
const fn cheap_unary(name: &'static str, op: UnOp, typing: Typing) -> Builtin {
    Builtin {
        name,
        op: FuncOp::Unary(op),
        typing,
        cpu: CpuLowering::Inline,
        c_name: None,
        libmvec: false,
        cost: Cost::Cheap,
    }
}

/// A function of two operands.
const fn binary(
    name: &'static str,
    op: BinOp,
    typing: Typing,
    cpu: CpuLowering,
    c_name: Option<&'static str>,
) -> Builtin {
    Builtin {
        name,
        op: FuncOp::Binary(op),
        typing,
        cpu,
        c_name,
        libmvec: false,
        cost: match cpu {
            CpuLowering::Inline => Cost::Cheap,
            CpuLowering::Direct | CpuLowering::Helper => Cost::Call,
        },
    }
}

/// Every builtin function, one-operand ones first (the order of `function_names`).
pub const BUILTINS: &[Builtin] = {
    use CpuLowering::{Direct, Helper, Inline};
    use Typing::*;
    &[
        cheap_unary("abs", UnOp::Abs, RealPart),
        // `sqrt` is an instruction on the CPU, but as costly as a call.
        transcendental("sqrt", UnOp::Sqrt, "sqrt", Inline),
        transcendental("sin", UnOp::Sin, "sin", Direct),
        transcendental("cos", UnOp::Cos, "cos", Direct),
        transcendental("tan", UnOp::Tan, "tan", Direct),
        transcendental("arcsin", UnOp::Arcsin, "asin", Direct),
        transcendental("arccos", UnOp::Arccos, "acos", Direct),
        transcendental("arctan", UnOp::Arctan, "atan", Direct),
        transcendental("sinh", UnOp::Sinh, "sinh", Direct),
        transcendental("cosh", UnOp::Cosh, "cosh", Direct),
        transcendental("tanh", UnOp::Tanh, "tanh", Direct),
        transcendental("arcsinh", UnOp::Arcsinh, "asinh", Direct),
        transcendental("arccosh", UnOp::Arccosh, "acosh", Direct),
        // Not through libmvec: see `backend/cpu/math.rs`.
        Builtin {
            libmvec: false,
            ..transcendental("arctanh", UnOp::Arctanh, "atanh", Direct)
        },
        transcendental("log", UnOp::Log, "log", Direct),
        transcendental("log1p", UnOp::Log1p, "log1p", Direct),
        transcendental("log10", UnOp::Log10, "log10", Direct),
        transcendental("log2", UnOp::Log2, "log2", Direct),
        transcendental("exp", UnOp::Exp, "exp", Direct),
        transcendental("expm1", UnOp::Expm1, "expm1", Direct),
        cheap_unary(
            "conj",
            UnOp::Conj,
            Same {
                bool_loop: DType::I32,
            },
        ),
        cheap_unary("real", UnOp::Real, RealPart),
        cheap_unary("imag", UnOp::Imag, RealPart),
        cheap_unary("ceil", UnOp::Ceil, SameNotComplex),
        cheap_unary("floor", UnOp::Floor, SameNotComplex),
        cheap_unary("trunc", UnOp::Trunc, SameNotComplex),
        // Half to even, as `np.round`; NumPy's bool loop is float16's.
        cheap_unary(
            "round",
            UnOp::Round,
            Same {
                bool_loop: DType::F32,
            },
        ),
        cheap_unary("sign", UnOp::Sign, SameNotBool),
        cheap_unary("isnan", UnOp::IsNan, Predicate),
        cheap_unary("isfinite", UnOp::IsFinite, Predicate),
        cheap_unary("isinf", UnOp::IsInf, Predicate),
        cheap_unary("signbit", UnOp::SignBit, PredicateNotComplex),
        binary(
            "arctan2",
            BinOp::Arctan2,
            FloatNotComplex,
            Helper,
            Some("atan2"),
        ),
        binary(
            "hypot",
            BinOp::Hypot,
            FloatNotComplex,
            Helper,
            Some("hypot"),
        ),
        binary("nextafter", BinOp::NextAfter, FloatNotComplex, Helper, None),
        binary(
            "copysign",
            BinOp::CopySign,
            FloatNotComplex,
            Inline,
            Some("copysign"),
        ),
        binary("maximum", BinOp::Maximum, Common, Inline, None),
        binary("minimum", BinOp::Minimum, Common, Inline, None),
        binary(
            "fmod",
            BinOp::Fmod,
            CommonNotComplex {
                bool_loop: DType::I32,
            },
            Helper,
            Some("fmod"),
        ),
        binary("complex", BinOp::Complex, MakeComplex, Inline, None),
    ]
};

impl Builtin {
    /// How many arguments a call takes.
    pub fn arity(&self) -> usize {
        match self.op {
            FuncOp::Unary(_) => 1,
            FuncOp::Binary(_) => 2,
        }
    }

    /// Whether operands of dtype `d` (both of them, for two) type check.
    pub fn accepts(&self, d: DType) -> bool {
        use Typing::*;
        match self.typing {
            Float | RealPart | Same { .. } | Predicate | Common | MakeComplex => true,
            SameNotBool => d != DType::Bool,
            SameNotComplex | PredicateNotComplex | CommonNotComplex { .. } | FloatNotComplex => {
                d.kind() != Kind::Complex
            }
        }
    }
}

/// The builtin called `name`.
pub fn by_name(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The builtin whose operation is `op` (`None` for `-` and `~`).
pub fn of_unary(op: UnOp) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.op == FuncOp::Unary(op))
}

/// The builtin whose operation is `op` (`None` for operators).
pub fn of_binary(op: BinOp) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.op == FuncOp::Binary(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_operations_are_unique() {
        for (i, a) in BUILTINS.iter().enumerate() {
            for b in &BUILTINS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.op, b.op, "{} and {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn every_operation_but_the_operators_is_a_builtin() {
        let unary_operators = [UnOp::Neg, UnOp::Not];
        for &op in UnOp::ALL {
            assert_eq!(
                of_unary(op).is_none(),
                unary_operators.contains(&op),
                "{op:?}"
            );
        }
        use BinOp::*;
        let binary_operators = [
            Add, Sub, Mul, Div, FloorDiv, Mod, Pow, BitAnd, BitOr, BitXor, Shl, Shr, Lt, Le, Eq,
            Ne, Ge, Gt,
        ];
        for &op in BinOp::ALL {
            assert_eq!(
                of_binary(op).is_none(),
                binary_operators.contains(&op),
                "{op:?}"
            );
        }
    }

    #[test]
    fn rows_are_consistent() {
        for b in BUILTINS {
            if b.libmvec {
                assert!(
                    b.c_name.is_some() && b.typing == Typing::Float,
                    "{}",
                    b.name
                );
            }
            if b.typing == Typing::Float {
                assert_eq!(b.cost, Cost::Call, "{}", b.name);
                assert!(b.c_name.is_some(), "{}", b.name);
            }
            if b.cpu == CpuLowering::Direct {
                assert_eq!(b.typing, Typing::Float, "{}", b.name);
            }
        }
    }
}
