//! NumPy's `.npy` and `.npz` files: reading them into memory, writing them atomically,
//! and evaluating over arrays larger than memory.
//!
//! * **Into memory**: [`read`] (a `.npy` or every array of a `.npz`, by name),
//!   [`read_npy`], [`read_npz`]; from bytes: [`decode_npy`], [`decode_npz`].
//! * **To files**: [`write_npy`], [`write_npz`] (uncompressed, as `np.savez`). Files
//!   are written to a temporary file beside the destination and renamed over it when
//!   complete: an error, Ctrl-C, SIGTERM or SIGHUP leaves nothing behind.
//! * **Streamed**: [`open`] gives each array as an [`Input`] without reading it (a
//!   `.npy` or an uncompressed member is read with `pread` when used, a compressed
//!   member inflated; [`open_mapped`] maps them instead, for use in place); [`Kernel::eval_streamed`] evaluates over inputs a block at a time and
//!   sends each block of the results to a [`Sink`]: [`NpySink`], [`NpzSink`],
//!   [`MemorySink`], or your own. Memory then holds blocks, not arrays.
//!
//! All dtypes nexpr carries are read, in either byte order and C or Fortran order, 0-d
//! arrays included; narrower ones are widened losslessly (int8/int16/uint8/uint16 ->
//! int32, uint32 -> int64, float16 -> float32); uint64, strings, objects and records
//! are refused by name. Nothing in a file is trusted: headers are checked against the
//! file before anything is allocated, only regular files are opened (not devices or
//! FIFOs), compressed members inflate to at most their declared size. Every failure to
//! read or write is an [`Error`] of kind [`ErrorKind::Io`] naming the file; calls out
//! of order (a sink's blocks before its start, a range past the end) are
//! [`ErrorKind::Usage`] errors.
//!
//! ```
//! use nexpr::{io, Expr, Target};
//! let dir = tempfile::tempdir().unwrap();
//! let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
//! io::write_npy(&a, &ndarray::Array1::linspace(0.0f64, 1.0, 100_000))?;
//! io::write_npy(&b, &ndarray::Array1::from_elem(100_000, 2.0f64))?;
//!
//! // Files as large as the disk: mapped, evaluated a block at a time, written as computed.
//! let mut inputs = io::open(&a)?;
//! inputs.extend(io::open(&b)?);
//! let kernel = Expr::parse("a*b + 1")?.compile(Target::cpu())?;
//! let mut sink = io::NpySink::new(dir.path().join("r.npy"));
//! kernel.eval_streamed(&mut inputs, &mut sink)?;
//! sink.finish()?;
//!
//! let r = io::read_npy(dir.path().join("r.npy"))?;
//! assert_eq!(r.as_array::<f64>().unwrap()[[99_999]], 3.0);
//! # Ok::<(), nexpr::Error>(())
//! ```
//!
//! [`Kernel::eval_streamed`]: crate::Kernel::eval_streamed

use crate::array::{DynArray, DynView};
use crate::error::{Error, ErrorKind, Result};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) mod npy;
pub(crate) mod outfile;
pub(crate) mod sink;

pub use npy::Input;
pub use outfile::{cancel_on_signals, exit_on_sigbus, NpySink, NpzSink};
pub use sink::{MemorySink, OutputSpec, Sink};

/// Reads a `.npy` file (one array, named after the file: `a` for `data/a.npy`) or every
/// array of a `.npz` archive (named as `np.savez` named them), into memory. The kind of
/// file is told by its contents, not its name.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("grid.npy");
/// io::write_npy(&path, &ndarray::arr2(&[[1i64, 2], [3, 4]]))?;
/// let vars = io::read(&path)?;
/// assert_eq!(vars["grid"].shape(), &[2, 2]);
/// // Ready for evaluation:
/// let r = nexpr::Expr::parse("sum(grid)")?.compile(nexpr::Target::Interp)?.eval(&vars.into())?;
/// assert_eq!(r.as_array::<i64>().unwrap().first(), Some(&10));
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn read(path: impl AsRef<Path>) -> Result<BTreeMap<String, DynArray>> {
    npy::read_vars(path.as_ref())
}

/// Reads a whole regular file of at most `limit` bytes as UTF-8 text: a program, for
/// instance. Devices, FIFOs, directories, longer files and bytes that are not UTF-8 are
/// refused with an [`ErrorKind::Io`] error before more than `limit` bytes are read.
///
/// ```
/// use nexpr::{io, ErrorKind};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("p.nx");
/// std::fs::write(&path, "r = a + 1\n").unwrap();
/// assert_eq!(io::read_text(&path, 1024)?, "r = a + 1\n");
/// assert_eq!(io::read_text(&path, 4).unwrap_err().kind, ErrorKind::Io);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn read_text(path: impl AsRef<Path>, limit: u64) -> Result<String> {
    let path = path.as_ref();
    let bytes = npy::read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|_| Error::io(path, "is not UTF-8 text"))
}

/// Reads a `.npy` file into memory.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("z.npy");
/// io::write_npy(&path, &ndarray::arr1(&[num_complex::Complex64::new(1.0, -1.0)]))?;
/// assert_eq!(io::read_npy(&path)?.dtype(), nexpr::DType::C128);
/// assert!(io::read_npy(dir.path().join("missing.npy")).is_err());
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn read_npy(path: impl AsRef<Path>) -> Result<DynArray> {
    npy::read_npy(path.as_ref())
}

/// Reads every array of a `.npz` archive (stored or deflated members) into memory, by
/// name (the member's name less `.npy`).
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("ab.npz");
/// io::write_npz(&path, [("a", &ndarray::arr1(&[1.0f32])), ("b", &ndarray::arr1(&[2.0f32]))])?;
/// let m = io::read_npz(&path)?;
/// assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn read_npz(path: impl AsRef<Path>) -> Result<BTreeMap<String, DynArray>> {
    npy::read_npz(path.as_ref())
}

/// Decodes the bytes of a whole `.npy` file held in memory.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.npy");
/// io::write_npy(&path, &ndarray::arr1(&[true, false]))?;
/// let bytes = std::fs::read(&path).unwrap();
/// assert_eq!(io::decode_npy(&bytes)?, io::read_npy(&path)?);
/// assert_eq!(io::decode_npy(b"not numpy").unwrap_err().kind, nexpr::ErrorKind::Io);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn decode_npy(bytes: &[u8]) -> Result<DynArray> {
    npy::decode(bytes).map_err(|m| Error::new(ErrorKind::Io, format!(".npy data: {m}")))
}

/// Decodes the bytes of a whole `.npz` archive held in memory: every array by name, as
/// [`read_npz`] reads them.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.npz");
/// io::write_npz(&path, [("a", &ndarray::arr1(&[1i32, 2]))])?;
/// let m = io::decode_npz(&std::fs::read(&path).unwrap())?;
/// assert_eq!(m["a"].len(), 2);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn decode_npz(bytes: &[u8]) -> Result<BTreeMap<String, DynArray>> {
    npy::decode_npz(bytes).map_err(|m| Error::new(ErrorKind::Io, format!(".npz data: {m}")))
}

/// Writes an array (owned or a view, any layout) as a `.npy` file, atomically. The
/// elements are written in C order, little-endian, as NumPy writes them.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("t.npy");
/// let a = ndarray::arr2(&[[1.0f64, 2.0], [3.0, 4.0]]);
/// io::write_npy(&path, a.t())?; // a transposed view
/// let back = io::read_npy(&path)?.into_array::<f64>()?;
/// assert_eq!(back, a.t().into_dyn());
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn write_npy<'a>(path: impl AsRef<Path>, array: impl Into<DynView<'a>>) -> Result<()> {
    outfile::write_npy(path.as_ref(), array.into())
}

/// Writes named arrays as an uncompressed `.npz` archive (NumPy's `np.savez` layout,
/// one `<name>.npy` member each), atomically. Takes anything that iterates over
/// (name, array) pairs: a `BTreeMap<String, DynArray>`, or a list of names and
/// `ndarray` arrays.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.npz");
/// let outs = nexpr::Program::parse("output x, y\nx = a + 1\ny = a > 1\n")?
///     .compile(nexpr::Target::Interp)?
///     .run(&nexpr::Vars::new().with("a", &ndarray::arr1(&[1.0f64, 2.0])))?;
/// io::write_npz(&path, &outs)?;
/// assert_eq!(io::read_npz(&path)?, outs);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn write_npz<'a, K, V>(
    path: impl AsRef<Path>,
    arrays: impl IntoIterator<Item = (K, V)>,
) -> Result<()>
where
    K: AsRef<str>,
    V: Into<DynView<'a>>,
{
    let arrays: Vec<(String, DynView)> = arrays
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.into()))
        .collect();
    outfile::write_npz(path.as_ref(), &arrays)
}

/// Opens a `.npy` file (one input, named after the file) or a `.npz` archive (every
/// array by name) for streamed evaluation, reading only headers: the data of a `.npy`
/// file and of uncompressed members is read with `pread` when it is used, compressed
/// members are inflated when read. Combine several files with `extend`.
///
/// A file that another process truncates while it is read is an
/// [`ErrorKind::Io`] error when the missing bytes are asked for, never a signal.
/// [`open_mapped`] uses the data where it lies instead, without a copy, at the price
/// of that safety.
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// io::write_npz(dir.path().join("ab.npz"), [("a", &ndarray::arr1(&[1i64])), ("b", &ndarray::arr1(&[2i64]))])?;
/// io::write_npy(dir.path().join("c.npy"), &ndarray::arr1(&[3i64]))?;
/// let mut inputs = io::open(dir.path().join("ab.npz"))?;
/// inputs.extend(io::open(dir.path().join("c.npy"))?);
/// assert_eq!(inputs.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<BTreeMap<String, Input>> {
    npy::open_vars(path.as_ref(), npy::Access::Read)
}

/// Opens a `.npy` file for streamed evaluation: its header is checked, its data read
/// with `pread` when it is used (as [`open`] reads).
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.npy");
/// io::write_npy(&path, &ndarray::Array2::<f64>::zeros((3, 5)))?;
/// assert_eq!(io::open_npy(&path)?.shape(), &[3, 5]);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn open_npy(path: impl AsRef<Path>) -> Result<Input> {
    npy::open_npy(path.as_ref(), npy::Access::Read)
}

/// Opens every array of a `.npz` archive for streamed evaluation: stored members are
/// read in place with `pread`, compressed ones inflated when read (as [`open`] reads).
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.npz");
/// io::write_npz(&path, [("x", &ndarray::arr1(&[1.0f64, 2.0]))])?;
/// let mut inputs = io::open_npz(&path)?;
/// let x = inputs.get_mut("x").unwrap();
/// assert_eq!(x.len(), 2);
/// assert_eq!(x.load()?.as_array::<f64>().unwrap().as_slice().unwrap(), &[1.0, 2.0]);
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn open_npz(path: impl AsRef<Path>) -> Result<BTreeMap<String, Input>> {
    npy::open_npz(path.as_ref(), npy::Access::Read)
}

/// [`open`], but with `.npy` files and uncompressed `.npz` members memory-mapped:
/// native-order aligned data is used where it lies ([`Input::view`]), without a copy.
///
/// A mapped file must keep its size while it is in use: if another process truncates
/// it, reading a page past its new end raises SIGBUS, which ends the process unless
/// the application handles that signal (the `nexpr` command, which maps its inputs,
/// exits with code 1 and a message, leaving no output file). Where files may shrink
/// under the reader, use [`open`].
///
/// ```
/// use nexpr::io;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.npy");
/// io::write_npy(&path, &ndarray::arr1(&[1.5f64, 2.5]))?;
/// let a = &io::open_mapped(&path)?["a"];
/// assert!(a.view().is_some()); // used where it lies
/// assert!(io::open(&path)?["a"].view().is_none()); // read when used
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn open_mapped(path: impl AsRef<Path>) -> Result<BTreeMap<String, Input>> {
    npy::open_vars(path.as_ref(), npy::Access::Map)
}
