//! The operations of the IR. Operand types are uniform: type checking inserts casts so
//! that every binary op sees two operands of one dtype (its "operand type").

use super::builtins;
use std::fmt;

/// Declares an operation enum together with `ALL`, its variants in declaration order,
/// so that the list cannot miss one: `ALL[op as usize] == op` for every `op` (the
/// CPU backend's helpers decode operation codes with it).
macro_rules! op_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every operation, in declaration order: `ALL[op as usize] == op`.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
        }
    };
}

op_enum! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnOp {
    Neg,
    /// `~`: logical not on bool, bitwise not on integers.
    Not,
    Abs,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Arcsinh,
    Arccosh,
    Arctanh,
    Log,
    Log1p,
    Log10,
    Log2,
    Exp,
    Expm1,
    Conj,
    /// Real part: complex -> its real type.
    Real,
    /// Imaginary part: complex -> its real type.
    Imag,
    Ceil,
    Floor,
    Trunc,
    /// Round half to even, as `np.round`.
    Round,
    Sign,
    IsNan,
    IsFinite,
    IsInf,
    SignBit,
}
}

op_enum! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// True division (operands are already float or complex).
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Arctan2,
    Hypot,
    NextAfter,
    CopySign,
    Maximum,
    Minimum,
    Fmod,
    /// `complex(re, im)`: two floats -> one complex.
    Complex,
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}
}

impl UnOp {
    pub fn name(self) -> &'static str {
        match self {
            UnOp::Neg => "neg",
            UnOp::Not => "not",
            // Every other operation is a builtin (a test in `builtins` checks).
            _ => builtins::of_unary(self).map_or("?", |b| b.name),
        }
    }

    /// Functions that are only defined on floats and complex: integer and bool
    /// operands are cast to a float first (as NumPy's loops do).
    pub fn is_transcendental(self) -> bool {
        builtins::of_unary(self).is_some_and(|b| b.typing == builtins::Typing::Float)
    }
}

impl BinOp {
    pub fn name(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            FloorDiv => "floordiv",
            Mod => "mod",
            Pow => "pow",
            BitAnd => "and",
            BitOr => "or",
            BitXor => "xor",
            Shl => "shl",
            Shr => "shr",
            Lt => "lt",
            Le => "le",
            Eq => "eq",
            Ne => "ne",
            Ge => "ge",
            Gt => "gt",
            // The functions (a test in `builtins` checks each has a row).
            _ => builtins::of_binary(self).map_or("?", |b| b.name),
        }
    }

    pub fn is_comparison(self) -> bool {
        use BinOp::*;
        matches!(self, Lt | Le | Eq | Ne | Ge | Gt)
    }

    pub fn is_commutative(self) -> bool {
        use BinOp::*;
        matches!(self, Add | Mul | BitAnd | BitOr | BitXor | Eq | Ne)
    }
}

impl fmt::Display for UnOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reductions (numexpr allows them only as the outermost operation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Prod,
    Min,
    Max,
}

impl ReduceOp {
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
            ReduceOp::Min => "min",
            ReduceOp::Max => "max",
        }
    }
}
