//! `.npy` / `.npz` files: every dtype nexpr carries, 0-d arrays, Fortran order,
//! big-endian data, compressed archives. Narrow dtypes are widened losslessly on entry
//! (int8/int16/uint8/uint16 -> int32, uint32 -> int64, float16 -> float32); others are
//! refused with their name.
//!
//! Nothing in a file is trusted. The header dictionary is parsed by `ndarray-npy`'s
//! parser (one parser for every dtype, float16 included) after its length has been
//! checked against the file; its shape is checked against the bytes that follow before
//! anything is allocated; only regular files are opened (not devices, FIFOs or
//! directories); a compressed `.npz` member is inflated to at most the size its entry
//! declares, and that size must be one deflate can reach from the compressed size.
//!
//! Arrays are not read into memory unless asked to: an [`Input`] is a `.npy` file or an
//! uncompressed `.npz` member read in place with `pread` (or, where the caller asks,
//! mapped with `memmap2`), or a compressed member inflated on demand; mapped
//! native-order aligned data is used where it lies, everything else is converted block
//! by block ([`Input::read_block`]). Reads with `pread` see a file that another process
//! truncates as a short read (an error); only a mapping turns it into SIGBUS.
//!
//! `header.rs` parses and checks headers, `convert.rs` turns file bytes into arrays,
//! `file.rs` opens and maps regular files, `npz.rs` reads archives, `input.rs` is
//! [`Input`]. The public doors are in `crate::io`.

mod convert;
mod file;
mod header;
mod input;
mod npz;

pub(crate) use convert::{bytes_of_mut, decode, view_bytes};
pub(crate) use file::{open_npy, open_vars, read_limited, read_npy, read_npz, read_vars, Access};
pub use input::Input;
pub(crate) use npz::{decode_npz, open_npz};
