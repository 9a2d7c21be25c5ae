//! [`Input`]: one array of a streamed evaluation, mapped in place, inflated on demand
//! or in memory, read whole or a range of elements (C order) at a time.

use super::convert::{
    alloc, bytes_of_mut, convert, copy_range, is_standard, read_converted, shape_array, DynSliceMut,
};
use super::file::ReadAt;
use super::header::{Code, NpyHeader};
use super::npz::inflater;
use crate::array::{DynArray, DynView};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use memmap2::Mmap;
use ndarray::{ArrayViewD, IxDyn, ShapeBuilder};
use num_complex::{Complex32, Complex64};
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// One named array of a streamed evaluation ([`Kernel::eval_streamed`]): a `.npy` file
/// or an uncompressed `.npz` member mapped where it lies, a compressed `.npz` member
/// inflated when read, or an array in memory.
///
/// Opening reads only the header ([`io::open`]); the data is read when it is used
/// (with `pread`: a file truncated meanwhile is an error), or, for inputs opened with
/// [`io::open_mapped`], native-order aligned data is not copied at all
/// ([`Input::view`]). Narrow file
/// dtypes are widened as they are read (int8/int16/uint8/uint16 -> int32, uint32 ->
/// int64, float16 -> float32), so [`Input::dtype`] is the dtype the kernel sees.
///
/// ```
/// use nexpr::{io, DType};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.npy");
/// io::write_npy(&path, &ndarray::arr2(&[[1.0f64, 2.0], [3.0, 4.0]]))?;
///
/// let mut a = io::open_npy(&path)?;
/// assert_eq!((a.dtype(), a.shape(), a.len()), (DType::F64, &[2, 2][..], 4));
/// assert!(a.view().is_none()); // read from the file when used
/// assert!(io::open_mapped(&path)?["a"].view().is_some()); // mapped: used where it lies
/// let tail = a.read_range(1..4)?; // elements 1, 2, 3 in C order, as a 1-d array
/// assert_eq!(tail.as_array::<f64>().unwrap().as_slice().unwrap(), &[2.0, 3.0, 4.0]);
///
/// let b = io::Input::from_array(nexpr::DynArray::scalar(2i64)); // in memory
/// assert_eq!(b.shape(), &[] as &[usize]);
/// # Ok::<(), nexpr::Error>(())
/// ```
///
/// [`Kernel::eval_streamed`]: crate::Kernel::eval_streamed
/// [`io::open`]: crate::io::open
/// [`io::open_mapped`]: crate::io::open_mapped
pub struct Input {
    header: NpyHeader,
    storage: Storage,
}

/// Where an [`Input`]'s elements are.
pub(crate) enum Storage {
    /// In a file, read with `pread`; the `.npy` starts at byte `base` (0 for a file,
    /// the member's data for an uncompressed `.npz` member).
    File {
        file: Arc<File>,
        base: u64,
        path: PathBuf,
    },
    /// Mapped bytes; the `.npy` starts at `base` (0 for a file, the member's data for
    /// an uncompressed `.npz` member).
    Mapped {
        map: Arc<Mmap>,
        base: usize,
        file: Arc<File>,
    },
    /// A deflated `.npz` member, inflated from the start every time it is read from an
    /// earlier place than the last read ended.
    Deflated {
        path: PathBuf,
        start: u64,
        compressed: u64,
        size: u64,
        /// The inflating reader and how many bytes of the `.npy` it has yielded.
        stream: Option<(Box<dyn Read + Send>, usize)>,
    },
    /// Already in memory.
    Memory(DynArray),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.storage {
            Storage::File { .. } => "file",
            Storage::Mapped { .. } => "mapped",
            Storage::Deflated { .. } => "deflated",
            Storage::Memory(_) => "memory",
        };
        f.debug_struct("Input")
            .field("header", &self.header)
            .field("storage", &kind)
            .finish()
    }
}

impl From<DynArray> for Input {
    /// [`Input::from_array`].
    fn from(a: DynArray) -> Input {
        Input::from_array(a)
    }
}

impl Input {
    /// An input with a checked header and the storage it describes.
    pub(crate) fn new(header: NpyHeader, storage: Storage) -> Input {
        Input { header, storage }
    }

    /// An array in memory, of any layout, as an input.
    ///
    /// ```
    /// use nexpr::{io::Input, DType};
    /// let a = Input::from_array(ndarray::arr1(&[1i32, 2, 3]).into_dyn());
    /// assert_eq!((a.dtype(), a.len()), (DType::I32, 3));
    /// ```
    pub fn from_array(a: impl Into<DynArray>) -> Input {
        let a = a.into();
        let header = NpyHeader {
            code: match a.dtype() {
                DType::Bool => Code::B1,
                DType::I32 => Code::I4,
                DType::I64 => Code::I8,
                DType::F32 => Code::F4,
                DType::F64 => Code::F8,
                DType::C64 => Code::C8,
                DType::C128 => Code::C16,
            },
            swapped: false,
            shape: a.shape().to_vec(),
            fortran: false,
            data_offset: 0,
            len: a.len(),
        };
        Input {
            header,
            storage: Storage::Memory(a),
        }
    }

    /// The dtype of the elements as they are read (after widening).
    ///
    /// ```
    /// use nexpr::{io::Input, DType};
    /// assert_eq!(Input::from_array(nexpr::DynArray::scalar(true)).dtype(), DType::Bool);
    /// ```
    pub fn dtype(&self) -> DType {
        self.header.dtype()
    }

    /// The shape (empty for a 0-d array).
    ///
    /// ```
    /// use nexpr::{io::Input, DType, DynArray};
    /// assert_eq!(Input::from_array(DynArray::zeros(DType::F32, &[2, 5])).shape(), &[2, 5]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    /// The number of elements.
    ///
    /// ```
    /// use nexpr::{io::Input, DType, DynArray};
    /// assert_eq!(Input::from_array(DynArray::zeros(DType::F32, &[2, 5])).len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.header.len
    }

    /// Whether it has no elements.
    ///
    /// ```
    /// use nexpr::{io::Input, DType, DynArray};
    /// assert!(Input::from_array(DynArray::zeros(DType::F32, &[0, 5])).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.header.len == 0
    }

    /// Whether the elements can be read block by block in C order
    /// ([`Input::read_block`]); Fortran-order files cannot.
    pub(crate) fn c_order(&self) -> bool {
        match &self.storage {
            Storage::Memory(a) => is_standard(a),
            _ => self.header.c_order(),
        }
    }

    /// The `.npy` data bytes of a mapped input.
    fn mapped_data(&self) -> Option<&[u8]> {
        match &self.storage {
            Storage::Mapped { map, base, .. } => {
                let s = base + self.header.data_offset;
                Some(&map[s..s + self.header.data_bytes()])
            }
            _ => None,
        }
    }

    /// The whole array where it lies, without a copy: an array in memory, or mapped
    /// data ([`crate::io::open_mapped`]) in native byte order, aligned, of a dtype
    /// nexpr carries as stored (`None` for files read with `pread`, compressed
    /// members, big-endian files, narrow dtypes, bool files, unaligned members: those
    /// are converted when read).
    ///
    /// A mapped view reads the file's pages: as with any memory map, the file must not
    /// be changed by another process while the view is in use.
    ///
    /// ```
    /// use nexpr::io;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.npy");
    /// io::write_npy(&path, &ndarray::arr1(&[1.5f32, 2.5]))?;
    /// let a = &io::open_mapped(&path)?["a"];
    /// let v = a.view().expect("native-order float32 is mapped in place");
    /// assert!(io::open_npy(&path)?.view().is_none()); // read with `pread` when used
    /// assert_eq!(v.shape(), &[2]);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn view(&self) -> Option<DynView<'_>> {
        match &self.storage {
            Storage::Memory(a) => Some(a.view()),
            Storage::Mapped { .. } => self.mapped_view(),
            Storage::File { .. } | Storage::Deflated { .. } => None,
        }
    }
}

/// Converts the file elements of `code` from byte `at` of `file` on into `dst`, read
/// with `pread`: native data straight into `dst`, other data through a bounded buffer.
/// A file shorter than that (truncated since it was opened) is an `Io` error.
fn read_file(
    file: &File,
    at: u64,
    path: &std::path::Path,
    code: Code,
    swapped: bool,
    dst: &mut DynArray,
) -> Result<()> {
    let truncated = || {
        Error::io(
            path,
            "is shorter than its header says (truncated while it was read?)",
        )
    };
    if code.is_native() && !swapped {
        use std::os::unix::fs::FileExt;
        return file
            .read_exact_at(bytes_of_mut(dst), at)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => truncated(),
                _ => Error::io(path, e),
            });
    }
    let n = dst.len();
    let mut r = ReadAt { file, pos: at };
    match read_converted(&mut r, code, swapped, &mut DynSliceMut::of(dst), 0, n) {
        Ok(true) => Ok(()),
        Ok(false) => Err(truncated()),
        Err(m) => Err(Error::io(path, m)),
    }
}

impl Input {
    /// [`Input::view`] of mapped data.
    fn mapped_view(&self) -> Option<DynView<'_>> {
        let h = &self.header;
        let data = self.mapped_data()?;
        if !h.zero_copy() || !(data.as_ptr() as usize).is_multiple_of(h.dtype().size()) {
            return None;
        }
        let sh = if h.fortran {
            IxDyn(&h.shape).f()
        } else {
            IxDyn(&h.shape).into_shape_with_order()
        };
        macro_rules! v {
            ($t:ty, $var:ident) => {
                // SAFETY: `data` is aligned for $t, holds len elements of it
                // (checked by `parse_header` against the mapped length), and
                // every bit pattern is a valid $t; the map is read-only.
                DynView::$var(unsafe { ArrayViewD::from_shape_ptr(sh, data.as_ptr() as *const $t) })
            };
        }
        Some(match h.code {
            Code::I4 => v!(i32, I32),
            Code::I8 => v!(i64, I64),
            Code::F4 => v!(f32, F32),
            Code::F8 => v!(f64, F64),
            Code::C8 => v!(Complex32, C64),
            Code::C16 => v!(Complex64, C128),
            _ => return None,
        })
    }

    /// Elements `[lo, hi)` in C order, without a copy, where they lie so.
    pub(crate) fn window(&self, lo: usize, hi: usize) -> Option<DynView<'_>> {
        if !self.c_order() || hi > self.len() || lo > hi {
            return None;
        }
        let v = self.view()?;
        macro_rules! w {
            ($($var:ident),*) => {
                match v {
                    $(DynView::$var(a) => {
                        let s = a.to_slice()?;
                        DynView::$var(ndarray::ArrayView1::from(&s[lo..hi]).into_dyn())
                    })*
                }
            };
        }
        Some(w!(Bool, I32, I64, F32, F64, C64, C128))
    }

    /// Tells the system that mapped elements `[lo, hi)` will not be read again soon, so
    /// that their pages leave this process (they stay in the page cache).
    pub(crate) fn release(&self, lo: usize, hi: usize) {
        let Some(data) = self.mapped_data() else {
            return;
        };
        let size = self.header.code.size();
        let (lo, hi) = (lo.min(self.len()) * size, hi.min(self.len()) * size);
        const PAGE: usize = 4096;
        let start = (data.as_ptr() as usize + lo).div_ceil(PAGE) * PAGE;
        let end = (data.as_ptr() as usize + hi) / PAGE * PAGE;
        if end > start {
            // SAFETY: the range lies inside a read-only private file mapping this
            // process never writes: dropping its pages only means later reads fault
            // them in again from the file, with the same bytes.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
        }
    }

    /// Elements `range` of the array in C order, converted into a new 1-d array: a
    /// window of a file larger than memory. An array in memory may have any layout;
    /// a Fortran-order file (more than one axis longer than 1) cannot be read by range
    /// ([`ErrorKind::Usage`]): [`Input::load`] it.
    ///
    /// ```
    /// use nexpr::io;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("big.npz");
    /// let a = ndarray::Array1::from_iter(0..100i64);
    /// io::write_npz(&path, [("a", &a)])?;
    /// let mut inputs = io::open(&path)?;
    /// let part = inputs.get_mut("a").unwrap().read_range(90..93)?;
    /// assert_eq!(part.as_array::<i64>().unwrap().as_slice().unwrap(), &[90, 91, 92]);
    /// assert!(inputs.get_mut("a").unwrap().read_range(90..101).is_err());
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn read_range(&mut self, range: Range<usize>) -> Result<DynArray> {
        if range.start > range.end || range.end > self.len() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("elements {range:?} of an array of {} elements", self.len()),
            ));
        }
        let is_memory = matches!(self.storage, Storage::Memory(_));
        if !is_memory && !self.c_order() {
            return Err(Error::new(
                ErrorKind::Usage,
                "a Fortran-order file cannot be read by range in C order (load it)",
            ));
        }
        let mut out = alloc(self.dtype(), range.len()).map_err(|m| Error::new(ErrorKind::Io, m))?;
        self.read_flat(range.start, &mut out)?;
        Ok(out)
    }

    /// Converts elements `[lo, lo + dst.len())` (C order) into `dst`, a C-contiguous
    /// array of this input's dtype.
    pub(crate) fn read_block(&mut self, lo: usize, dst: &mut DynArray) -> Result<()> {
        if !self.c_order() {
            return Err(Error::new(
                ErrorKind::Io,
                "a Fortran-order array cannot be read in blocks",
            ));
        }
        self.read_flat(lo, dst)
    }

    /// Converts elements `[lo, lo + dst.len())` in the order they are stored (C order
    /// for arrays in memory) into `dst`, a C-contiguous array of this input's dtype.
    fn read_flat(&mut self, lo: usize, dst: &mut DynArray) -> Result<()> {
        let n = dst.len();
        if dst.dtype() != self.dtype() || lo.checked_add(n).is_none_or(|e| e > self.len()) {
            return Err(Error::new(ErrorKind::Io, "block outside the array"));
        }
        let (code, swapped) = (self.header.code, self.header.swapped);
        let size = code.size();
        if let Some(data) = self.mapped_data() {
            convert(code, swapped, &data[lo * size..(lo + n) * size], dst);
            return Ok(());
        }
        let at = self.header.data_offset + lo * size;
        match &mut self.storage {
            Storage::Memory(a) => {
                copy_range(&a.view(), lo, dst);
                Ok(())
            }
            Storage::File { file, base, path } => {
                read_file(file, *base + at as u64, path, code, swapped, dst)
            }
            Storage::Deflated { .. } => self.read_deflated(at, dst),
            Storage::Mapped { .. } => unreachable!("handled above"),
        }
    }

    /// Inflates a deflated member's `.npy` bytes from byte `at` on into `dst`: on from
    /// where the last read ended, or again from the start if `at` lies before it.
    fn read_deflated(&mut self, at: usize, dst: &mut DynArray) -> Result<()> {
        let (code, swapped) = (self.header.code, self.header.swapped);
        let Storage::Deflated {
            path,
            start,
            compressed,
            size: total,
            stream,
        } = &mut self.storage
        else {
            unreachable!("a deflated member")
        };
        if stream.as_ref().is_none_or(|(_, pos)| *pos > at) {
            *stream = Some((inflater(path, *start, *compressed, *total)?, 0));
        }
        let (r, pos) = stream.as_mut().expect("opened above");
        let err = |m: String| Error::io(path, m);
        let truncated = || Error::io(path, "truncated compressed member");
        let skip = (at - *pos) as u64;
        let skipped = std::io::copy(&mut r.by_ref().take(skip), &mut std::io::sink())
            .map_err(|e| err(e.to_string()))?;
        if skipped != skip {
            return Err(truncated());
        }
        *pos = at;
        let n = dst.len();
        let complete = read_converted(r, code, swapped, &mut DynSliceMut::of(dst), 0, n);
        // Where the reader stands is known only after a complete read: start over next.
        if complete.as_ref().is_ok_and(|&c| c) {
            *pos += n * code.size();
        } else {
            *stream = None;
        }
        match complete.map_err(err)? {
            true => Ok(()),
            false => Err(truncated()),
        }
    }

    /// The whole array in memory: a copy, converted and widened, allocated without
    /// aborting when memory is short (an [`ErrorKind::Io`] error).
    ///
    /// ```
    /// use nexpr::{io, DType};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m.npy");
    /// io::write_npy(&path, &ndarray::arr2(&[[1i32, 2], [3, 4]]))?;
    /// let a = io::open_npy(&path)?.load()?;
    /// assert_eq!((a.dtype(), a.shape()), (DType::I32, &[2, 2][..]));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn load(&mut self) -> Result<DynArray> {
        if let Storage::Memory(a) = &self.storage {
            // A copy allocated fallibly (an `ErrorKind::Memory` error), in C order.
            let mut copy = DynArray::try_zeros(a.dtype(), a.shape())?;
            copy.view_mut().assign(a)?;
            return Ok(copy);
        }
        let io_err = |m: String| Error::new(ErrorKind::Io, m);
        let mut out = alloc(self.dtype(), self.len()).map_err(io_err)?;
        let h = self.header.clone();
        if let Storage::Mapped { base, file, .. } = &self.storage {
            if h.code.is_native() && !h.swapped {
                // One read into the new array: cheaper than faulting in the map.
                use std::os::unix::fs::FileExt;
                let at = (base + h.data_offset) as u64;
                file.read_exact_at(bytes_of_mut(&mut out), at)
                    .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
                return shape_array(out, &h.shape, h.fortran).map_err(io_err);
            }
        }
        match self.mapped_data() {
            Some(data) => convert(h.code, h.swapped, data, &mut out),
            // A Fortran-order member is stored in Fortran order: read it flat.
            None => self.read_flat(0, &mut out)?,
        }
        shape_array(out, &h.shape, h.fortran).map_err(io_err)
    }
}
