//! The literals leaves may be, per kind: Python literals, weak where they meet a typed
//! value (NEP 50), written so that they read the same inside any operator.

use crate::Kind;

const TAME_BOOL: &[&str] = &["True", "False"];
const TAME_INT: &[&str] = &["0", "1", "2", "3", "7", "(-1)"];
const TAME_FLOAT: &[&str] = &["0.5", "2.5", "3.0", "(-0.0)", "(-1.25)"];
const TAME_COMPLEX: &[&str] = &["1j", "0j", "(0.5-2j)"];

const EDGE_INT: &[&str] = &["64", "3000000000", "(2**63)", "(-2**31)"];
const EDGE_FLOAT: &[&str] = &["1e300", "1e400", "1e-310"];
const EDGE_COMPLEX: &[&str] = &["(1e300+1e300j)"];

/// The literals of kind `k`: the tame ones, and the edges.
pub fn of_kind(k: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match k {
        Kind::Bool => (TAME_BOOL, &[]),
        Kind::Int => (TAME_INT, EDGE_INT),
        Kind::Float => (TAME_FLOAT, EDGE_FLOAT),
        Kind::Complex => (TAME_COMPLEX, EDGE_COMPLEX),
    }
}
