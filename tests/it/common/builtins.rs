//! The language's operators and functions, as the random expression generators use
//! them: the operators are listed here, the functions come from the builtins table
//! (`nexpr::internals::BUILTINS`), so a new function is generated without a change here.

use nexpr::internals::BUILTINS;

/// Functions the random generators leave out: `signbit` reads the sign of NaNs, which
/// compiled code need not share with the interpreter (NaN payloads aside).
pub const NOT_GENERATED: [&str; 1] = ["signbit"];

/// The builtins of `arity` arguments, in table order, less [`NOT_GENERATED`].
fn functions(arity: usize) -> impl Iterator<Item = &'static str> {
    BUILTINS
        .iter()
        .filter(move |f| f.arity() == arity && !NOT_GENERATED.contains(&f.name))
        .map(|f| f.name)
}

/// Prefix operators and one-argument functions.
pub fn unary() -> Vec<&'static str> {
    ["-", "~"].into_iter().chain(functions(1)).collect()
}

/// Binary operators (comparisons included).
pub const BINARY: [&str; 18] = [
    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">=",
    ">",
];

/// Two-argument functions.
pub fn binary_funcs() -> Vec<&'static str> {
    functions(2).collect()
}

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
