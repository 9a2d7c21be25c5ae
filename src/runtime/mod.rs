//! What every backend shares at run time: binding variables to a function's inputs
//! (NumPy broadcasting), element addressing, reductions, and npy/npz files.

pub mod bind;
pub mod npy;
pub mod outfile;
pub mod reduce;

pub use bind::{bind, Bound, BoundInput, Layout};
