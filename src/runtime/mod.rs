//! What every backend shares at run time: binding variables to a function's inputs
//! (NumPy broadcasting), element addressing, and reductions. Files are `crate::io`'s.

pub mod bind;
pub mod reduce;

pub use bind::{bind, Bound, Layout};
