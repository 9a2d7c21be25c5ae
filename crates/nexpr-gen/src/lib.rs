//! The one random generator of the nexpr language, shared by the tests (`tests/it`),
//! the fuzz targets (`fuzz/`) and, through the `gen` command, the Python differential
//! tests: expressions and multi-statement programs that type-check by construction.
//!
//! Every expression is built for a wanted [`Kind`] (bool, integer, float, complex)
//! from productions whose operands' kinds are accepted: the builtins come from the
//! table (`nexpr::internals::BUILTINS`, with [`kind::builtin_result`] reading each
//! row's typing rule), the casts from `DType::ALL`, the operators from
//! [`operators`]. A function added to the table is generated without a change here;
//! `tests` checks that every row, operator and cast is generated, and that the
//! language's function names are the committed list, so that one dropped from `sema`
//! is noticed rather than silently untested.
//!
//! Choices come from an [`Entropy`]: a seeded [`Rng`] or the fuzzer's
//! `arbitrary::Unstructured` bytes.

mod config;
mod entropy;
mod expr;
pub mod kind;
mod literals;
mod node;
pub mod operators;
mod program;
mod rng;
#[cfg(test)]
mod tests;

pub use config::{Config, Literals};
pub use entropy::Entropy;
pub use expr::{Gen, REDUCTIONS};
pub use kind::Kind;
pub use node::Node;
pub use rng::Rng;

/// An expression of a kind drawn from `cfg.kinds`.
pub fn expression(cfg: &Config, src: impl Entropy) -> Node {
    let mut g = Gen::new(cfg, src);
    let k = g.kind();
    g.expr(k)
}

/// A reduction (`sum`, `prod`, `min`, `max`) of an expression.
pub fn reduction(cfg: &Config, src: impl Entropy) -> Node {
    Gen::new(cfg, src).reduction()
}

/// A program with `cfg.outputs`.
pub fn program(cfg: &Config, src: impl Entropy) -> String {
    Gen::new(cfg, src).program()
}
