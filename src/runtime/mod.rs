//! What every backend shares at run time: binding variables to a function's inputs
//! (NumPy broadcasting), element addressing, reductions, and npy/npz files (read by
//! `npy`, written by `outfile`'s atomic files and sinks, `sink` for the `Sink` trait
//! and results kept in memory; `crate::io` is their public face).

pub mod bind;
pub(crate) mod npy;
pub(crate) mod outfile;
pub mod reduce;
pub(crate) mod sink;

pub use bind::{bind, Bound, Layout};
