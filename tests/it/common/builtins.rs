//! The language's operators and functions, as the random expression generators use
//! them (README's list; `parser.rs` checks that each one parses).

/// Prefix operators and one-argument functions.
pub const UNARY: [&str; 33] = [
    "-", "~", "abs", "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "arcsinh", "arccosh", "arctanh", "log", "log1p", "log10", "log2", "exp", "expm1",
    "conj", "real", "imag", "ceil", "floor", "trunc", "round", "sign", "isnan", "isfinite",
    "isinf",
];

/// Binary operators (comparisons included).
pub const BINARY: [&str; 18] = [
    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">=",
    ">",
];

/// Two-argument functions.
pub const BINARY_FUNCS: [&str; 8] = [
    "arctan2",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
    "fmod",
    "complex",
];

/// Casts, one per dtype.
pub const CASTS: [&str; 7] = [
    "bool",
    "int32",
    "int64",
    "float32",
    "float64",
    "complex64",
    "complex128",
];
