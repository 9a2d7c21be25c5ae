//! What every backend shares at run time: binding variables to a function's inputs
//! (NumPy broadcasting), element addressing, reductions, and npy/npz files.

pub mod bind;
// Reachable from `internals` (not API) for the tests and fuzz targets of the readers
// and writers; their docs are for this crate's readers, not a public surface.
#[allow(missing_docs)]
pub mod npy;
#[allow(missing_docs)]
pub mod outfile;
pub mod reduce;

pub use bind::{bind, Bound, Layout};
