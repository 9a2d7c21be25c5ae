//! IR-to-IR passes, one per file. Each is a rebuild of the function through a rewrite
//! (see `ir::builder::rebuild`), so every pass also compacts the arena and keeps it in
//! topological order. None of them changes a result: they are tested against the
//! interpreter running the unoptimized IR (`tests.rs`).

pub mod const_fold;
pub mod cse;
pub mod pow_expand;
pub mod simplify;

use crate::ir::Func;

/// The standard pipeline. Backends see only its output, so they may rely on
/// `simplify` having removed the trivial operations.
pub fn optimize(f: &Func) -> Func {
    let f = simplify::run(f);
    let f = const_fold::run(&f);
    let f = pow_expand::run(&f);
    let f = const_fold::run(&f);
    cse::run(&f)
}

#[cfg(test)]
mod tests;
