//! What every backend shares at run time: binding variables to a function's inputs
//! (NumPy broadcasting), element addressing, reductions, and the chunk they are done in. Files are `crate::io`'s.

pub mod bind;
pub mod broadcast;
mod chunk;
pub mod reduce;

pub use bind::{bind, Bound, Layout};
pub use chunk::{AXIS_TILE, CHUNK};
