//! Common-subexpression elimination. The builder hash-conses nodes within a statement,
//! so rebuilding is the whole pass: identical (op, operands, dtype) become one node,
//! including those that only became identical after folding.
//! Nodes are never merged across statements, where a `var` read may see another value.

use crate::ir::builder::{keep, rebuild};
use crate::ir::Func;

pub fn run(f: &Func) -> Func {
    rebuild(f, keep)
}
