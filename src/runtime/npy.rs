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
//! uncompressed `.npz` member mapped in place (`memmap2`), or a compressed member
//! inflated on demand; native-order aligned data is used where it lies, everything else
//! is converted block by block ([`Input::read_block`]).

use crate::array::{DynArray, DynView};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use memmap2::Mmap;
use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder};
use ndarray_npy::npy::header::Header;
use num_complex::{Complex32, Complex64};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The longest `.npy` header dictionary accepted (NumPy refuses more than 10000 bytes
/// unless told otherwise).
pub const MAX_HEADER: usize = 1 << 16;
/// The deepest bracket nesting accepted in a header (a shape is one tuple in a dict).
const MAX_NESTING: usize = 16;
/// Deflate cannot expand data by more than about 1032:1.
const MAX_INFLATE_RATIO: u64 = 1100;

/// The element type of a file, before widening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    B1,
    I1,
    I2,
    I4,
    I8,
    U1,
    U2,
    U4,
    F2,
    F4,
    F8,
    C8,
    C16,
}

impl Code {
    /// Bytes per element in the file.
    pub fn size(self) -> usize {
        match self {
            Code::B1 | Code::I1 | Code::U1 => 1,
            Code::I2 | Code::U2 | Code::F2 => 2,
            Code::I4 | Code::U4 | Code::F4 => 4,
            Code::I8 | Code::F8 | Code::C8 => 8,
            Code::C16 => 16,
        }
    }

    /// The nexpr dtype the elements become.
    pub fn dtype(self) -> DType {
        match self {
            Code::B1 => DType::Bool,
            Code::I1 | Code::I2 | Code::I4 | Code::U1 | Code::U2 => DType::I32,
            Code::I8 | Code::U4 => DType::I64,
            Code::F2 | Code::F4 => DType::F32,
            Code::F8 => DType::F64,
            Code::C8 => DType::C64,
            Code::C16 => DType::C128,
        }
    }

    /// Whether the file's bytes are the dtype's bytes when in native (little-endian)
    /// order: every bit pattern of these is a valid value (not so for bool).
    fn is_native(self) -> bool {
        matches!(
            self,
            Code::I4 | Code::I8 | Code::F4 | Code::F8 | Code::C8 | Code::C16
        )
    }

    /// The code and byte order (`true`: big-endian) of a `descr` string such as `<f8`.
    fn parse(descr: &str) -> std::result::Result<(Code, bool), String> {
        let (order, code) = match descr.as_bytes().first() {
            Some(b'<' | b'|' | b'=') => (false, &descr[1..]),
            Some(b'>') => (true, &descr[1..]),
            _ => (false, descr),
        };
        let big = order && cfg!(target_endian = "little") || !order && cfg!(target_endian = "big");
        let c = match code {
            "b1" | "?" => Code::B1,
            "i1" => Code::I1,
            "i2" => Code::I2,
            "i4" => Code::I4,
            "i8" => Code::I8,
            "u1" => Code::U1,
            "u2" => Code::U2,
            "u4" => Code::U4,
            "f2" => Code::F2,
            "f4" => Code::F4,
            "f8" => Code::F8,
            "c8" => Code::C8,
            "c16" => Code::C16,
            "u8" => {
                return Err("dtype uint64 is not supported (no lossless conversion; cast it to int64 or float64)".into())
            }
            _ => {
                return Err(format!(
                    "dtype '{}' is not supported (nexpr carries bool, int32, int64, float32, float64, complex64, complex128)",
                    descr.escape_default()
                ))
            }
        };
        Ok((c, big && c.size() > 1))
    }
}

/// A validated `.npy` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyHeader {
    pub code: Code,
    /// The data is in the other byte order than this machine's.
    pub swapped: bool,
    pub shape: Vec<usize>,
    pub fortran: bool,
    /// Where the data starts, from the start of the `.npy` bytes.
    pub data_offset: usize,
    /// Number of elements.
    pub len: usize,
}

impl NpyHeader {
    pub fn dtype(&self) -> DType {
        self.code.dtype()
    }

    /// Bytes of data in the file.
    pub fn data_bytes(&self) -> usize {
        self.len * self.code.size()
    }

    /// Whether the data can be used where it lies (given an aligned base address).
    fn zero_copy(&self) -> bool {
        self.code.is_native()
            && !self.swapped
            && self.data_offset.is_multiple_of(self.code.dtype().size())
    }

    /// The data can be read in C order block by block.
    pub fn c_order(&self) -> bool {
        !self.fortran || self.shape.iter().filter(|&&n| n > 1).count() <= 1
    }
}

/// Parses and validates the header at the start of `bytes`, the first bytes of `.npy`
/// data that holds `total` bytes in all. `bytes` may stop anywhere after the header.
pub fn parse_header(bytes: &[u8], total: u64) -> std::result::Result<NpyHeader, String> {
    let end = header_len(bytes)?;
    if end as u64 > total || end > bytes.len() {
        return Err("truncated .npy header".into());
    }
    let start = if bytes[6] == 1 { 10 } else { 12 };
    // The library's parser recurses on brackets: refuse absurd nesting first.
    let mut depth = 0usize;
    for &b in &bytes[start..end] {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err("malformed .npy header (nested too deeply)".into());
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let h = Header::from_reader(&mut &bytes[..end])
        .map_err(|e| format!("malformed .npy header ({e})"))?;
    let descr = match &h.type_descriptor {
        py_literal::Value::String(s) => s.as_str(),
        py_literal::Value::List(_) => {
            return Err("record (structured) dtypes are not supported".into())
        }
        v => return Err(format!("malformed .npy header (descr {v})")),
    };
    let (code, swapped) = Code::parse(descr)?;
    let len_el = h
        .shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(|&n| {
            n.checked_mul(code.size())
                .is_some_and(|b| b <= isize::MAX as usize)
        })
        .ok_or_else(|| format!("shape {:?} is too large", h.shape))?;
    let header = NpyHeader {
        code,
        swapped,
        fortran: h.layout.is_fortran(),
        shape: h.shape,
        data_offset: end,
        len: len_el,
    };
    let need = end as u64 + header.data_bytes() as u64;
    if need > total {
        return Err(format!(
            "truncated data: shape {:?} of {descr} needs {} bytes, {} are there",
            header.shape,
            header.data_bytes(),
            total.saturating_sub(end as u64)
        ));
    }
    Ok(header)
}

/// Decodes a whole `.npy` held in memory.
pub fn decode(bytes: &[u8]) -> std::result::Result<DynArray, String> {
    let h = parse_header(bytes, bytes.len() as u64)?;
    let data = &bytes[h.data_offset..h.data_offset + h.data_bytes()];
    let mut out = alloc(h.dtype(), h.len)?;
    convert(h.code, h.swapped, data, &mut out);
    shape_array(out, &h.shape, h.fortran)
}

/// Decodes the `.npy` bytes of a reader (a compressed member) holding `total` bytes,
/// reading no more than that.
fn decode_stream(r: &mut impl Read, total: u64) -> std::result::Result<DynArray, String> {
    let mut prefix = vec![0u8; 12];
    let n = read_full(r, &mut prefix)?;
    prefix.truncate(n);
    let hlen = header_len(&prefix)?;
    if hlen as u64 > total {
        return Err("truncated .npy header".into());
    }
    if hlen > prefix.len() {
        let have = prefix.len();
        prefix.resize(hlen, 0);
        if read_full(r, &mut prefix[have..])? != hlen - have {
            return Err("truncated .npy header".into());
        }
    }
    prefix.truncate(hlen);
    let h = parse_header(&prefix, total)?;
    let mut out = alloc(h.dtype(), h.len)?;
    let mut buf = vec![0u8; (1 << 16) * h.code.size()];
    let per = 1 << 16;
    let mut done = 0;
    let mut dst = DynSliceMut::of(&mut out);
    while done < h.len {
        let k = per.min(h.len - done);
        let bytes = &mut buf[..k * h.code.size()];
        if read_full(r, bytes)? != bytes.len() {
            return Err("truncated data".into());
        }
        dst.convert_at(done, h.code, h.swapped, bytes);
        done += k;
    }
    shape_array(out, &h.shape, h.fortran)
}

/// The length of the header (magic to the end of the dictionary) that `prefix` (at
/// least its first 12 bytes, where there are so many) announces.
fn header_len(prefix: &[u8]) -> std::result::Result<usize, String> {
    if prefix.len() < 10 || &prefix[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic number)".into());
    }
    let (len, start) = match (prefix[6], prefix[7]) {
        (1, 0) => (u16::from_le_bytes([prefix[8], prefix[9]]) as usize, 10),
        (2 | 3, 0) if prefix.len() >= 12 => (
            u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]) as usize,
            12,
        ),
        (2 | 3, 0) => return Err("truncated .npy header".into()),
        (a, b) => return Err(format!("unsupported .npy format version {a}.{b}")),
    };
    if len > MAX_HEADER {
        return Err(format!(
            ".npy header of {len} bytes (at most {MAX_HEADER} are accepted)"
        ));
    }
    Ok(start + len)
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::result::Result<usize, String> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(n)
}

/// A C-order array of `len` elements whose every element the caller writes, allocated
/// without aborting when memory is short.
fn alloc(dtype: DType, len: usize) -> std::result::Result<DynArray, String> {
    fn vec<T: Copy>(len: usize) -> std::result::Result<Vec<T>, String> {
        let mut v: Vec<T> = Vec::new();
        v.try_reserve_exact(len).map_err(|_| {
            format!(
                "cannot allocate {} bytes for the array",
                len.saturating_mul(std::mem::size_of::<T>())
            )
        })?;
        // SAFETY: the caller overwrites every element before reading it (`convert`
        // writes all `len`); the element types are plain data.
        unsafe { v.set_len(len) };
        advise_huge_pages(
            v.as_mut_ptr() as *mut u8,
            std::mem::size_of_val(v.as_slice()),
        );
        Ok(v)
    }
    let sh = IxDyn(&[len]);
    Ok(match dtype {
        DType::Bool => {
            let mut v: Vec<bool> = Vec::new();
            v.try_reserve_exact(len)
                .map_err(|_| format!("cannot allocate {len} bytes for the array"))?;
            v.resize(len, false);
            DynArray::Bool(ArrayD::from_shape_vec(sh, v).map_err(|e| e.to_string())?)
        }
        DType::I32 => {
            DynArray::I32(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
        DType::I64 => {
            DynArray::I64(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
        DType::F32 => {
            DynArray::F32(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
        DType::F64 => {
            DynArray::F64(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
        DType::C64 => {
            DynArray::C64(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
        DType::C128 => {
            DynArray::C128(ArrayD::from_shape_vec(sh, vec(len)?).map_err(|e| e.to_string())?)
        }
    })
}

/// Asks for transparent huge pages on a large fresh buffer, as NumPy does for its
/// arrays: first-touch faults of 4 KiB pages otherwise dominate reading a file into it.
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const PAGE: usize = 4096;
    if bytes < 4 << 20 {
        return;
    }
    let start = (ptr as usize).div_ceil(PAGE) * PAGE;
    let end = (ptr as usize + bytes) / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies inside the buffer; MADV_HUGEPAGE changes only how the
        // kernel backs it, never its contents. Failure is harmless.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

/// A C-order array of zeros, allocated without aborting when memory is short.
pub fn try_zeros(dtype: DType, shape: &[usize]) -> Result<DynArray> {
    let err = |m: String| Error::new(ErrorKind::Eval, m);
    let len = shape
        .iter()
        .try_fold(1usize, |a, &n| a.checked_mul(n))
        .filter(|n| {
            n.checked_mul(dtype.size())
                .is_some_and(|b| b <= isize::MAX as usize)
        })
        .ok_or_else(|| err(format!("an array of shape {shape:?} is too large")))?;
    let mut a = alloc(dtype, len).map_err(err)?;
    if dtype != DType::Bool {
        let b = crate::runtime::outfile::bytes_of_mut(&mut a);
        b.fill(0);
    }
    shape_array(a, shape, false).map_err(err)
}

/// A 1-d array of `len` elements as an array of `shape`, C or Fortran order.
fn shape_array(
    a: DynArray,
    shape: &[usize],
    fortran: bool,
) -> std::result::Result<DynArray, String> {
    macro_rules! go {
        ($($v:ident),*) => {
            match a {
                $(DynArray::$v(x) => {
                    let v = x.into_raw_vec_and_offset().0;
                    let r = if fortran {
                        ArrayD::from_shape_vec(IxDyn(shape).f(), v)
                    } else {
                        ArrayD::from_shape_vec(IxDyn(shape), v)
                    };
                    DynArray::$v(r.map_err(|e| e.to_string())?)
                })*
            }
        };
    }
    Ok(go!(Bool, I32, I64, F32, F64, C64, C128))
}

/// Mutable typed access to a C-contiguous array's elements.
pub(crate) enum DynSliceMut<'a> {
    Bool(&'a mut [bool]),
    I32(&'a mut [i32]),
    I64(&'a mut [i64]),
    F32(&'a mut [f32]),
    F64(&'a mut [f64]),
    C64(&'a mut [Complex32]),
    C128(&'a mut [Complex64]),
}

impl<'a> DynSliceMut<'a> {
    /// The elements of a C-contiguous array (the arrays this module allocates).
    pub(crate) fn of(a: &'a mut DynArray) -> DynSliceMut<'a> {
        const C: &str = "arrays allocated here are C-contiguous";
        match a {
            DynArray::Bool(x) => DynSliceMut::Bool(x.as_slice_mut().expect(C)),
            DynArray::I32(x) => DynSliceMut::I32(x.as_slice_mut().expect(C)),
            DynArray::I64(x) => DynSliceMut::I64(x.as_slice_mut().expect(C)),
            DynArray::F32(x) => DynSliceMut::F32(x.as_slice_mut().expect(C)),
            DynArray::F64(x) => DynSliceMut::F64(x.as_slice_mut().expect(C)),
            DynArray::C64(x) => DynSliceMut::C64(x.as_slice_mut().expect(C)),
            DynArray::C128(x) => DynSliceMut::C128(x.as_slice_mut().expect(C)),
        }
    }

    /// Converts the file elements in `src` into elements `at..` of this slice.
    fn convert_at(&mut self, at: usize, code: Code, swapped: bool, src: &[u8]) {
        let n = src.len() / code.size();
        macro_rules! each {
            ($dst:expr, $w:literal, $f:expr) => {{
                let dst = &mut $dst[at..at + n];
                for (d, c) in dst.iter_mut().zip(src.chunks_exact($w)) {
                    let mut b = [0u8; $w];
                    b.copy_from_slice(c);
                    if swapped {
                        b.reverse();
                    }
                    *d = $f(b);
                }
            }};
        }
        macro_rules! native {
            ($dst:expr, $t:ty) => {{
                let dst = &mut $dst[at..at + n];
                // SAFETY: `dst` holds n elements of $t, `src` n * size_of::<$t>() bytes;
                // every bit pattern is a valid $t.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        src.as_ptr(),
                        dst.as_mut_ptr() as *mut u8,
                        n * std::mem::size_of::<$t>(),
                    )
                }
            }};
        }
        macro_rules! cplx {
            ($dst:expr, $f:ty, $w:literal) => {{
                let dst = &mut $dst[at..at + n];
                for (d, c) in dst.iter_mut().zip(src.chunks_exact(2 * $w)) {
                    let mut re = [0u8; $w];
                    let mut im = [0u8; $w];
                    re.copy_from_slice(&c[..$w]);
                    im.copy_from_slice(&c[$w..]);
                    if swapped {
                        re.reverse();
                        im.reverse();
                    }
                    *d =
                        num_complex::Complex::new(<$f>::from_ne_bytes(re), <$f>::from_ne_bytes(im));
                }
            }};
        }
        match (self, code) {
            (DynSliceMut::Bool(d), Code::B1) => {
                for (d, &b) in d[at..at + n].iter_mut().zip(src) {
                    *d = b != 0;
                }
            }
            (DynSliceMut::I32(d), Code::I1) => each!(d, 1, |b: [u8; 1]| b[0] as i8 as i32),
            (DynSliceMut::I32(d), Code::U1) => each!(d, 1, |b: [u8; 1]| b[0] as i32),
            (DynSliceMut::I32(d), Code::I2) => each!(d, 2, |b| i16::from_ne_bytes(b) as i32),
            (DynSliceMut::I32(d), Code::U2) => each!(d, 2, |b| u16::from_ne_bytes(b) as i32),
            (DynSliceMut::I32(d), Code::I4) if !swapped => native!(d, i32),
            (DynSliceMut::I32(d), Code::I4) => each!(d, 4, i32::from_ne_bytes),
            (DynSliceMut::I64(d), Code::U4) => each!(d, 4, |b| u32::from_ne_bytes(b) as i64),
            (DynSliceMut::I64(d), Code::I8) if !swapped => native!(d, i64),
            (DynSliceMut::I64(d), Code::I8) => each!(d, 8, i64::from_ne_bytes),
            (DynSliceMut::F32(d), Code::F2) => {
                each!(d, 2, |b| half::f16::from_bits(u16::from_ne_bytes(b))
                    .to_f32())
            }
            (DynSliceMut::F32(d), Code::F4) if !swapped => native!(d, f32),
            (DynSliceMut::F32(d), Code::F4) => each!(d, 4, f32::from_ne_bytes),
            (DynSliceMut::F64(d), Code::F8) if !swapped => native!(d, f64),
            (DynSliceMut::F64(d), Code::F8) => each!(d, 8, f64::from_ne_bytes),
            (DynSliceMut::C64(d), Code::C8) if !swapped => native!(d, Complex32),
            (DynSliceMut::C64(d), Code::C8) => cplx!(d, f32, 4),
            (DynSliceMut::C128(d), Code::C16) if !swapped => native!(d, Complex64),
            (DynSliceMut::C128(d), Code::C16) => cplx!(d, f64, 8),
            _ => unreachable!("the destination has the code's dtype"),
        }
    }
}

/// Converts file elements `src` (whole elements of `code`) into `dst`, which holds
/// exactly as many elements of `code.dtype()`.
pub(crate) fn convert(code: Code, swapped: bool, src: &[u8], dst: &mut DynArray) {
    DynSliceMut::of(dst).convert_at(0, code, swapped, src);
}

/// Opens `path` for reading if it is a regular file (never blocks on a FIFO, never
/// reads a device), with its length.
pub fn open_regular(path: &Path) -> Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let m = f.metadata().map_err(|e| Error::io(path, e))?;
    if !m.is_file() {
        let what = if m.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(Error::io(
            path,
            format!("is {what}; only regular files are read"),
        ));
    }
    Ok((f, m.len()))
}

/// Reads a whole regular file of at most `limit` bytes (a program, for instance).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let (f, len) = open_regular(path)?;
    if len > limit {
        return Err(Error::io(
            path,
            format!("is {len} bytes long; at most {limit} are accepted"),
        ));
    }
    let mut v = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut v)
        .map_err(|e| Error::io(path, e))?;
    if v.len() as u64 > limit {
        return Err(Error::io(path, format!("is longer than {limit} bytes")));
    }
    Ok(v)
}

fn map(f: &File, path: &Path) -> Result<Arc<Mmap>> {
    // SAFETY: the map is read-only and private; a file truncated by another process
    // while it is mapped is outside what nexpr can defend against.
    let m = unsafe { Mmap::map(f) }.map_err(|e| Error::io(path, format!("cannot map: {e}")))?;
    Ok(Arc::new(m))
}

/// An array from a file: mapped, inflated on demand, or in memory.
pub struct Input {
    pub header: NpyHeader,
    storage: Storage,
}

enum Storage {
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
        stream: Option<(Box<dyn Read + Send>, usize)>,
    },
    /// Already in memory.
    Memory(DynArray),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.storage {
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

impl Input {
    /// An array already in memory.
    pub fn memory(a: DynArray) -> Input {
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

    pub fn dtype(&self) -> DType {
        self.header.dtype()
    }

    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    pub fn len(&self) -> usize {
        self.header.len
    }

    pub fn is_empty(&self) -> bool {
        self.header.len == 0
    }

    /// Whether the elements can be read block by block in C order
    /// ([`Input::read_block`]); Fortran-order files cannot.
    pub fn c_order(&self) -> bool {
        match &self.storage {
            Storage::Memory(a) => is_standard(a),
            _ => self.header.c_order(),
        }
    }

    fn mapped_data(&self) -> Option<&[u8]> {
        match &self.storage {
            Storage::Mapped { map, base, .. } => {
                let s = base + self.header.data_offset;
                Some(&map[s..s + self.header.data_bytes()])
            }
            _ => None,
        }
    }

    /// The whole array where it lies, without a copy: in memory, or mapped native-order
    /// aligned data.
    pub fn view(&self) -> Option<DynView<'_>> {
        match &self.storage {
            Storage::Memory(a) => Some(a.view()),
            Storage::Mapped { .. } => {
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
                        DynView::$var(unsafe {
                            ArrayViewD::from_shape_ptr(sh, data.as_ptr() as *const $t)
                        })
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
            Storage::Deflated { .. } => None,
        }
    }

    /// Elements `[lo, hi)` in C order, without a copy, where they lie so.
    pub fn window(&self, lo: usize, hi: usize) -> Option<DynView<'_>> {
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
    pub fn release(&self, lo: usize, hi: usize) {
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

    /// Converts elements `[lo, lo + dst.len())` (C order) into `dst`, a C-contiguous
    /// array of this input's dtype.
    pub fn read_block(&mut self, lo: usize, dst: &mut DynArray) -> Result<()> {
        let n = dst.len();
        if dst.dtype() != self.dtype() || lo.checked_add(n).is_none_or(|e| e > self.len()) {
            return Err(Error::new(ErrorKind::Io, "block outside the array"));
        }
        if !self.c_order() {
            return Err(Error::new(
                ErrorKind::Io,
                "a Fortran-order array cannot be read in blocks",
            ));
        }
        let (code, swapped) = (self.header.code, self.header.swapped);
        let size = code.size();
        if let Some(data) = self.mapped_data() {
            convert(code, swapped, &data[lo * size..(lo + n) * size], dst);
            return Ok(());
        }
        match &mut self.storage {
            Storage::Memory(a) => {
                let src = a.view();
                copy_range(&src, lo, dst);
                Ok(())
            }
            Storage::Deflated {
                path,
                start,
                compressed,
                size: total,
                stream,
            } => {
                let at = self.header.data_offset + lo * size;
                if stream.as_ref().is_none_or(|(_, pos)| *pos > at) {
                    *stream = Some((inflater(path, *start, *compressed, *total)?, 0));
                }
                let (r, pos) = stream.as_mut().expect("opened above");
                let p = path.clone();
                let err = |m: String| Error::io(&p, m);
                // Skip to `at`.
                let skip = (at - *pos) as u64;
                let skipped = std::io::copy(&mut r.by_ref().take(skip), &mut std::io::sink())
                    .map_err(|e| err(e.to_string()))?;
                if skipped != skip {
                    return Err(err("truncated compressed member".into()));
                }
                *pos = at;
                let mut buf = vec![0u8; (1 << 16).min(n.max(1)) * size];
                let per = buf.len() / size;
                let mut done = 0;
                let mut d = DynSliceMut::of(dst);
                while done < n {
                    let k = per.min(n - done);
                    let b = &mut buf[..k * size];
                    if read_full(r, b).map_err(err)? != b.len() {
                        return Err(err("truncated compressed member".into()));
                    }
                    d.convert_at(done, code, swapped, b);
                    done += k;
                    *pos += k * size;
                }
                Ok(())
            }
            Storage::Mapped { .. } => unreachable!("handled above"),
        }
    }

    /// The whole array in memory (a copy, converted), allocated without aborting.
    pub fn load(&mut self) -> Result<DynArray> {
        if let Storage::Memory(a) = &self.storage {
            return Ok(a.clone());
        }
        let mut out = alloc(self.dtype(), self.len()).map_err(|m| Error::new(ErrorKind::Io, m))?;
        let h = self.header.clone();
        if let Storage::Mapped { base, file, .. } = &self.storage {
            if h.code.is_native() && !h.swapped {
                // One read into the new array: cheaper than faulting in the map.
                use std::os::unix::fs::FileExt;
                let at = (base + h.data_offset) as u64;
                file.read_exact_at(crate::runtime::outfile::bytes_of_mut(&mut out), at)
                    .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
                return shape_array(out, &h.shape, h.fortran)
                    .map_err(|m| Error::new(ErrorKind::Io, m));
            }
        }
        if let Some(data) = self.mapped_data() {
            convert(h.code, h.swapped, data, &mut out);
        } else {
            // A Fortran-order member is stored in Fortran order: read it flat.
            let fortran = std::mem::replace(&mut self.header.fortran, false);
            let r = self.read_block(0, &mut out);
            self.header.fortran = fortran;
            r?;
        }
        shape_array(out, &h.shape, h.fortran).map_err(|m| Error::new(ErrorKind::Io, m))
    }

    /// Keeps the array in memory from now on (for arrays read many times over).
    pub fn into_memory(mut self) -> Result<Input> {
        let a = self.load()?;
        Ok(Input {
            header: NpyHeader {
                fortran: false,
                ..self.header
            },
            storage: Storage::Memory(a),
        })
    }
}

fn is_standard(a: &DynArray) -> bool {
    macro_rules! go {
        ($($var:ident),*) => { match a { $(DynArray::$var(x) => x.is_standard_layout(),)* } };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// Copies elements `[lo, lo + dst.len())` in C order of `src` into `dst`.
fn copy_range(src: &DynView, lo: usize, dst: &mut DynArray) {
    macro_rules! go {
        ($($var:ident),*) => {
            match (src, dst) {
                $((DynView::$var(s), DynArray::$var(d)) => {
                    let n = d.len();
                    let d = d.as_slice_mut().expect("C-contiguous block");
                    match s.as_slice() {
                        Some(s) => d.copy_from_slice(&s[lo..lo + n]),
                        None => {
                            for (d, s) in d.iter_mut().zip(s.iter().skip(lo)) {
                                *d = *s;
                            }
                        }
                    }
                })*
                _ => unreachable!("same dtype"),
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// The inflated bytes of a deflated member, never more than `size`.
fn inflater(path: &Path, start: u64, compressed: u64, size: u64) -> Result<Box<dyn Read + Send>> {
    let (mut f, _) = open_regular(path)?;
    f.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io(path, e))?;
    let raw = std::io::BufReader::with_capacity(1 << 16, f.take(compressed));
    Ok(Box::new(flate2::read::DeflateDecoder::new(raw).take(size)))
}

/// Opens a `.npy` file: its header is checked, its data mapped.
pub fn open_npy(path: &Path) -> Result<Input> {
    let (f, len) = open_regular(path)?;
    if len < 10 {
        return Err(Error::io(path, "not a .npy file (too short)"));
    }
    let map = map(&f, path)?;
    let header = parse_header(&map, len).map_err(|m| Error::io(path, m))?;
    Ok(Input {
        header,
        storage: Storage::Mapped {
            map,
            base: 0,
            file: Arc::new(f),
        },
    })
}

/// Opens every array of a `.npz` archive: uncompressed members are mapped in place,
/// compressed ones inflated when read.
pub fn open_npz(path: &Path) -> Result<BTreeMap<String, Input>> {
    let (f, len) = open_regular(path)?;
    let file_map = if len > 0 { Some(map(&f, path)?) } else { None };
    let shared = Arc::new(f.try_clone().map_err(|e| Error::io(path, e))?);
    let mut zip = zip::ZipArchive::new(f)
        .map_err(|e| Error::io(path, format!("not a valid .npz archive ({e})")))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| Error::io(path, format!("corrupt archive entry ({e})")))?;
        let full = entry.name().to_string();
        if entry.is_dir() {
            continue;
        }
        let name = full.strip_suffix(".npy").unwrap_or(&full).to_string();
        let verr = |m: &dyn std::fmt::Display| Error::io(path, format!("variable `{name}`: {m}"));
        let (start, csize, size) = (entry.data_start(), entry.compressed_size(), entry.size());
        if start.checked_add(csize).is_none_or(|e| e > len) {
            return Err(verr(&"member extends past the end of the archive"));
        }
        let input = match entry.compression() {
            zip::CompressionMethod::Stored => {
                if csize != size {
                    return Err(verr(&"stored member with two different sizes"));
                }
                drop(entry);
                let map = file_map.clone().expect("a non-empty archive is mapped");
                let base = start as usize;
                let header =
                    parse_header(&map[base..base + size as usize], size).map_err(|m| verr(&m))?;
                Input {
                    header,
                    storage: Storage::Mapped {
                        map,
                        base,
                        file: shared.clone(),
                    },
                }
            }
            zip::CompressionMethod::Deflated => {
                drop(entry);
                if size > csize.saturating_mul(MAX_INFLATE_RATIO).saturating_add(1024) {
                    return Err(verr(&format!(
                        "member claims {size} bytes from {csize} compressed bytes (corrupt or a zip bomb)"
                    )));
                }
                let mut r = inflater(path, start, csize, size)?;
                let mut prefix = vec![0u8; 12];
                let n = read_full(&mut r, &mut prefix).map_err(|m| verr(&m))?;
                prefix.truncate(n);
                let hlen = header_len(&prefix).map_err(|m| verr(&m))?;
                if hlen > prefix.len() {
                    let have = prefix.len();
                    prefix.resize(hlen, 0);
                    if read_full(&mut r, &mut prefix[have..]).map_err(|m| verr(&m))? != hlen - have
                    {
                        return Err(verr(&"truncated .npy header"));
                    }
                }
                let header = parse_header(&prefix, size).map_err(|m| verr(&m))?;
                Input {
                    header,
                    storage: Storage::Deflated {
                        path: path.to_path_buf(),
                        start,
                        compressed: csize,
                        size,
                        stream: Some((r, prefix.len())),
                    },
                }
            }
            m => return Err(verr(&format!("unsupported compression method {m}"))),
        };
        out.insert(name, input);
    }
    Ok(out)
}

/// Opens `.npz` (all arrays) or `.npy` (one array, named after the file stem).
pub fn open_vars(path: &Path) -> Result<BTreeMap<String, Input>> {
    let (mut f, _) = open_regular(path)?;
    let mut magic = [0u8; 6];
    let n = read_full(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    if n == 6 && &magic == b"\x93NUMPY" {
        let name = path
            .file_stem()
            .map_or("x".into(), |s| s.to_string_lossy().into_owned());
        return Ok(BTreeMap::from([(name, open_npy(path)?)]));
    }
    open_npz(path)
}

/// Reads a `.npy` file into memory.
pub fn read_npy(path: &Path) -> Result<DynArray> {
    open_npy(path)?.load()
}

/// Reads every array of a `.npz` file into memory, by name.
pub fn read_npz(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    load_all(path, open_npz(path)?)
}

/// Reads `.npz` (all arrays) or `.npy` (one array, named after the file stem) into
/// memory.
pub fn read_vars(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    load_all(path, open_vars(path)?)
}

fn load_all(path: &Path, m: BTreeMap<String, Input>) -> Result<BTreeMap<String, DynArray>> {
    m.into_iter()
        .map(|(k, mut v)| {
            let a = v.load().map_err(|e| Error {
                message: format!("{}: variable `{k}`: {}", path.display(), e.message),
                ..e
            })?;
            Ok((k, a))
        })
        .collect()
}

/// Decodes a `.npz` archive held in memory (the fuzz target's door: the same checks as
/// files, for every member).
pub fn decode_npz(bytes: &[u8]) -> std::result::Result<BTreeMap<String, DynArray>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a valid .npz archive ({e})"))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| format!("corrupt archive entry ({e})"))?;
        let (start, csize, size) = (entry.data_start(), entry.compressed_size(), entry.size());
        let name = entry.name().to_string();
        let method = entry.compression();
        drop(entry);
        if start
            .checked_add(csize)
            .is_none_or(|e| e > bytes.len() as u64)
        {
            return Err("member extends past the end of the archive".into());
        }
        let raw = &bytes[start as usize..(start + csize) as usize];
        let a = match method {
            zip::CompressionMethod::Stored if csize == size => decode(raw)?,
            zip::CompressionMethod::Stored => return Err("stored member with two sizes".into()),
            zip::CompressionMethod::Deflated => {
                if size > csize.saturating_mul(MAX_INFLATE_RATIO).saturating_add(1024) {
                    return Err("zip bomb".into());
                }
                let mut r = flate2::read::DeflateDecoder::new(raw).take(size);
                decode_stream(&mut r, size)?
            }
            m => return Err(format!("unsupported compression method {m}")),
        };
        out.insert(name, a);
    }
    Ok(out)
}
