//! Turning file bytes into arrays: allocation that fails instead of aborting, the
//! conversion of every file element type into its (widened) dtype, and whole-array
//! decoding of `.npy` bytes held in memory or streamed from a reader.

use super::header::{parse_header, read_full, read_header, Code};
use crate::array::{DynArray, DynView};
use crate::dtype::DType;
use crate::error::Result;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use num_complex::{Complex32, Complex64};
use std::io::Read;

/// Decodes a whole `.npy` held in memory.
pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<DynArray, String> {
    let h = parse_header(bytes, bytes.len() as u64)?;
    let data = &bytes[h.data_offset..h.data_offset + h.data_bytes()];
    let mut out = alloc(h.dtype(), h.len)?;
    convert(h.code, h.swapped, data, &mut out);
    shape_array(out, &h.shape, h.fortran)
}

/// Decodes the `.npy` bytes of a reader (a compressed member) holding `total` bytes,
/// reading no more than that.
pub(crate) fn decode_stream(
    r: &mut impl Read,
    total: u64,
) -> std::result::Result<DynArray, String> {
    let (h, _) = read_header(r, total)?;
    let mut out = alloc(h.dtype(), h.len)?;
    let mut dst = DynSliceMut::of(&mut out);
    if !read_converted(r, h.code, h.swapped, &mut dst, 0, h.len)? {
        return Err("truncated data".into());
    }
    shape_array(out, &h.shape, h.fortran)
}

/// Reads `n` file elements of `code` from `r` into elements `at..at + n` of `dst`,
/// converting them 64 K elements at a time; `false` if `r` ends first.
pub(crate) fn read_converted(
    r: &mut impl Read,
    code: Code,
    swapped: bool,
    dst: &mut DynSliceMut,
    at: usize,
    n: usize,
) -> std::result::Result<bool, String> {
    let size = code.size();
    let mut buf = vec![0u8; (1 << 16).min(n.max(1)) * size];
    let per = buf.len() / size;
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let bytes = &mut buf[..k * size];
        if read_full(r, bytes)? != bytes.len() {
            return Ok(false);
        }
        dst.convert_at(at + done, code, swapped, bytes);
        done += k;
    }
    Ok(true)
}

/// A C-order array of `len` elements whose every element the caller writes, allocated
/// without aborting when memory is short.
pub(crate) fn alloc(dtype: DType, len: usize) -> std::result::Result<DynArray, String> {
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

/// A 1-d array of `len` elements as an array of `shape`, C or Fortran order.
pub(crate) fn shape_array(
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

pub(crate) fn is_standard(a: &DynArray) -> bool {
    macro_rules! go {
        ($($var:ident),*) => { match a { $(DynArray::$var(x) => x.is_standard_layout(),)* } };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// Copies elements `[lo, lo + dst.len())` in C order of `src` into `dst`.
pub(crate) fn copy_range(src: &DynView, lo: usize, dst: &mut DynArray) {
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

/// The bytes of a C-contiguous array's elements, to overwrite (bool: only 0 or 1).
pub(crate) fn bytes_of_mut(a: &mut DynArray) -> &mut [u8] {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    let s = x.as_slice_mut().expect("C-contiguous");
                    // SAFETY: plain data viewed as bytes; callers copy in bytes of
                    // arrays of the same dtype (bool bytes are then 0 or 1).
                    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut u8, std::mem::size_of_val(s)) }
                })*
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// The bytes of a view's elements in C order, as `.npy` stores them (native order,
/// little-endian here): borrowed when the view is C-contiguous, else one copy,
/// allocated fallibly (an `ErrorKind::Memory` error).
pub(crate) fn view_bytes<'a>(v: &'a DynView<'_>) -> Result<std::borrow::Cow<'a, [u8]>> {
    use std::borrow::Cow;
    fn bytes<T>(s: &[T]) -> &[u8] {
        // SAFETY: the seven element types are plain data without padding (bool is
        // one byte, 0 or 1), so their memory may be read as bytes.
        unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, std::mem::size_of_val(s)) }
    }
    let size = v.dtype().size();
    let n: usize = v.shape().iter().product();
    macro_rules! go {
        ($($var:ident),*) => {
            match v {
                $(DynView::$var(a) => match a.as_slice() {
                    Some(s) => Cow::Borrowed(bytes(s)),
                    None => {
                        let mut out = crate::alloc::try_vec::<u8>(n * size)
                            .ok_or_else(|| crate::alloc::failed(n, v.dtype(), v.shape()))?;
                        for x in a.iter() {
                            out.extend_from_slice(bytes(std::slice::from_ref(x)));
                        }
                        Cow::Owned(out)
                    }
                },)*
            }
        };
    }
    Ok(go!(Bool, I32, I64, F32, F64, C64, C128))
}
