//! The language's operators, with the kinds they accept and return (NumPy's rules):
//! what the builtins table does not hold, because operators are syntax, not rows.

use crate::Kind;

/// A prefix or infix operator: its symbol and the kind it returns for operands of one
/// kind (`None`: refused).
#[derive(Clone, Copy, Debug)]
pub struct Operator {
    pub symbol: &'static str,
    pub result: fn(Kind) -> Option<Kind>,
}

fn numeric(k: Kind) -> Option<Kind> {
    (k != Kind::Bool).then_some(k)
}

/// `+` and `*`: bool stays bool (or, and).
fn additive(k: Kind) -> Option<Kind> {
    Some(k)
}

/// `/`: true division, a float of integers and bools.
fn divide(k: Kind) -> Option<Kind> {
    Some(k.max(Kind::Float))
}

/// `//` and `%`: NumPy has no complex loop, and bool's would be int8.
fn floor_divide(k: Kind) -> Option<Kind> {
    matches!(k, Kind::Int | Kind::Float).then_some(k)
}

fn bitwise(k: Kind) -> Option<Kind> {
    matches!(k, Kind::Bool | Kind::Int).then_some(k)
}

fn shift(k: Kind) -> Option<Kind> {
    (k == Kind::Int).then_some(k)
}

fn ordering(k: Kind) -> Option<Kind> {
    (k != Kind::Complex).then_some(Kind::Bool)
}

fn equality(_: Kind) -> Option<Kind> {
    Some(Kind::Bool)
}

const fn op(symbol: &'static str, result: fn(Kind) -> Option<Kind>) -> Operator {
    Operator { symbol, result }
}

/// Prefix operators.
pub const UNARY: [Operator; 2] = [op("-", numeric), op("~", bitwise)];

/// Infix operators, comparisons included.
pub const BINARY: [Operator; 18] = [
    op("+", additive),
    op("-", numeric),
    op("*", additive),
    op("/", divide),
    op("//", floor_divide),
    op("%", floor_divide),
    op("**", numeric),
    op("&", bitwise),
    op("|", bitwise),
    op("^", bitwise),
    op("<<", shift),
    op(">>", shift),
    op("<", ordering),
    op("<=", ordering),
    op("==", equality),
    op("!=", equality),
    op(">=", ordering),
    op(">", ordering),
];

/// Whether an operand of a lower kind may stand on either side (`int + float`):
/// arithmetic operators whose result is a float or a complex.
pub fn mixes_kinds(symbol: &str) -> bool {
    matches!(symbol, "+" | "-" | "*" | "/" | "**")
}
