//! NumPy arrays and Python scalars in, NumPy arrays out.
//!
//! An input is read in place (no copy) when NumPy's buffer already is one of the
//! core's element types: native byte order, aligned, and every stride a multiple of
//! the item size (strides are read in bytes, so a field of a packed record is caught).
//! Anything else (narrower integers, float16, swapped bytes, unaligned or odd strides)
//! is converted by NumPy's `astype` into a fresh aligned array first.

use crate::errors;
use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, ShapeBuilder};
use nexpr::{DType, DynArray, DynView, DynViewMut, Element};
use num_complex::{Complex32, Complex64};
use numpy::{PyArray, PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt};
use smallvec::SmallVec;

/// Axis lengths and strides: inline up to 4 axes, so the per-call path allocates less.
pub type Dims = SmallVec<[usize; 4]>;
pub type Strides = SmallVec<[isize; 4]>;

/// NumPy's `NPY_ARRAY_WRITEABLE` flag.
const WRITEABLE: i32 = 0x0400;

/// A raw strided block of one of the core's dtypes (strides in elements).
#[derive(Clone, Debug)]
pub struct Raw {
    pub dtype: DType,
    pub ptr: *mut u8,
    pub shape: Dims,
    pub strides: Strides,
    /// A Python bool, int, float or complex (one element): weak under NEP 50.
    pub python_scalar: bool,
}

// SAFETY: a `Raw` is only dereferenced while the Python object (or owned array) that
// holds its memory is alive; the binding keeps it so for the whole evaluation.
unsafe impl Send for Raw {}
unsafe impl Sync for Raw {}

/// The alignment NumPy gives an element of `d`: a complex number's is its parts'.
fn align(d: DType) -> usize {
    match d {
        DType::C64 | DType::C128 => d.size() / 2,
        d => d.size(),
    }
}

impl Raw {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// The byte range `[lo, hi)` the block touches (empty for an empty block).
    pub fn bytes(&self) -> (usize, usize) {
        if self.len() == 0 {
            return (self.ptr as usize, self.ptr as usize);
        }
        let size = self.dtype.size() as isize;
        let (mut lo, mut hi) = (0isize, 0isize);
        for (&n, &s) in self.shape.iter().zip(&self.strides) {
            let span = (n as isize - 1) * s * size;
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        let base = self.ptr as isize;
        ((base + lo) as usize, (base + hi + size) as usize)
    }

    pub fn overlaps(&self, other: &Raw) -> bool {
        let (a0, a1) = self.bytes();
        let (b0, b1) = other.bytes();
        a0 < b1 && b0 < a1
    }

    pub fn same_as(&self, other: &Raw) -> bool {
        self.dtype == other.dtype
            && self.ptr == other.ptr
            && self.shape == other.shape
            && self.strides == other.strides
    }

    pub fn is_c_contiguous(&self) -> bool {
        let mut expect = 1isize;
        for (&n, &s) in self.shape.iter().zip(&self.strides).rev() {
            if n != 1 && s != expect {
                return false;
            }
            expect *= n as isize;
        }
        true
    }

    pub fn is_f_contiguous(&self) -> bool {
        let mut expect = 1isize;
        for (&n, &s) in self.shape.iter().zip(&self.strides) {
            if n != 1 && s != expect {
                return false;
            }
            expect *= n as isize;
        }
        true
    }

    /// The same elements with the axes in reverse order (a Fortran-order block becomes
    /// a C-order one).
    pub fn reversed(&self) -> Raw {
        let mut r = self.clone();
        r.shape.reverse();
        r.strides.reverse();
        r
    }

    /// Padded with leading length-1 axes to `ndim` axes.
    pub fn padded(&self, ndim: usize) -> Raw {
        let mut r = self.clone();
        let pad = ndim.saturating_sub(r.shape.len());
        r.shape.insert_many(0, std::iter::repeat_n(1, pad));
        r.strides.insert_many(0, std::iter::repeat_n(0, pad));
        r
    }

    /// Rows `[a, b)` of axis 0, or the whole block where axis 0 is broadcast (length 1).
    pub fn rows(&self, a: usize, b: usize) -> Raw {
        let mut r = self.clone();
        if r.shape[0] != 1 {
            // SAFETY: a < shape[0], inside the block.
            r.ptr = unsafe {
                r.ptr
                    .offset(a as isize * r.strides[0] * r.dtype.size() as isize)
            };
            r.shape[0] = b - a;
        }
        r
    }

    /// Row `i` of axis 0 without that axis (the only row where axis 0 is broadcast).
    pub fn row(&self, i: usize) -> Raw {
        let mut r = self.rows(if self.shape[0] == 1 { 0 } else { i }, i + 1);
        r.shape.remove(0);
        r.strides.remove(0);
        r
    }

    /// A read-only view for the core.
    ///
    /// # Safety
    /// The memory must stay alive and unmoved while the view is used.
    pub unsafe fn view(&self) -> DynView<'static> {
        unsafe {
            match self.dtype {
                DType::Bool => mk_view::<bool>(self),
                DType::I32 => mk_view::<i32>(self),
                DType::I64 => mk_view::<i64>(self),
                DType::F32 => mk_view::<f32>(self),
                DType::F64 => mk_view::<f64>(self),
                DType::C64 => mk_view::<Complex32>(self),
                DType::C128 => mk_view::<Complex64>(self),
            }
        }
    }

    /// A writable view for the core (no two indices may address one element).
    ///
    /// # Safety
    /// As for [`Raw::view`], and nothing else may write the memory meanwhile.
    pub unsafe fn view_mut(&self) -> DynViewMut<'static> {
        unsafe {
            match self.dtype {
                DType::Bool => mk_view_mut::<bool>(self),
                DType::I32 => mk_view_mut::<i32>(self),
                DType::I64 => mk_view_mut::<i64>(self),
                DType::F32 => mk_view_mut::<f32>(self),
                DType::F64 => mk_view_mut::<f64>(self),
                DType::C64 => mk_view_mut::<Complex32>(self),
                DType::C128 => mk_view_mut::<Complex64>(self),
            }
        }
    }
}

/// Pointer to the lowest-addressed element, absolute strides, and the axes to flip back.
fn normalized(r: &Raw) -> (*mut u8, Dims, Dims) {
    let size = r.dtype.size() as isize;
    let mut ptr = r.ptr;
    let mut strides = Dims::new();
    let mut flip = Dims::new();
    let empty = r.len() == 0;
    if empty {
        // Nothing is ever read or written: C strides, which ndarray accepts for any
        // shape (NumPy's may repeat an address along a non-empty axis, e.g. (3, 0)
        // with strides (0, 8), which ndarray's view constructors refuse).
        let mut stride = 1;
        for &n in r.shape.iter().rev() {
            strides.push(stride);
            stride *= n.max(1);
        }
        strides.reverse();
        return (ptr, strides, flip);
    }
    for (ax, (&n, &s)) in r.shape.iter().zip(&r.strides).enumerate() {
        if s < 0 && n > 1 {
            // SAFETY: the last element along this axis is inside the block.
            ptr = unsafe { ptr.offset((n as isize - 1) * s * size) };
            flip.push(ax);
            strides.push((-s) as usize);
        } else if n <= 1 {
            strides.push(0);
        } else {
            strides.push(s.max(0) as usize);
        }
    }
    (ptr, strides, flip)
}

unsafe fn mk_view<T: Element>(r: &Raw) -> DynView<'static> {
    let (ptr, strides, flip) = normalized(r);
    let shape = IxDyn(&r.shape).strides(IxDyn(&strides));
    // SAFETY: the caller keeps the memory alive; the block addresses only its elements.
    let mut v = unsafe { ArrayViewD::<T>::from_shape_ptr(shape, ptr as *const T) };
    for ax in flip {
        v.invert_axis(Axis(ax));
    }
    T::wrap_view(v)
}

unsafe fn mk_view_mut<T: Element>(r: &Raw) -> DynViewMut<'static> {
    let (ptr, strides, flip) = normalized(r);
    let shape = IxDyn(&r.shape).strides(IxDyn(&strides));
    // SAFETY: as in `mk_view`; the caller excludes repeated elements (zero strides).
    let mut v = unsafe { ArrayViewMutD::<T>::from_shape_ptr(shape, ptr as *mut T) };
    for ax in flip {
        v.invert_axis(Axis(ax));
    }
    T::wrap_view_mut(v)
}

/// What keeps an input's memory alive (held, never read).
#[allow(dead_code)]
pub enum Holder<'py> {
    Py(Bound<'py, PyAny>),
    Owned(DynArray),
}

/// One converted input.
pub struct Input<'py> {
    pub raw: Raw,
    #[allow(dead_code)]
    pub holder: Holder<'py>,
}

static ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn asarray<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let f = ASARRAY.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("numpy")?.getattr("asarray")?.unbind())
    })?;
    f.bind(py).call1((obj,))
}

fn scalar<T: Element>(x: T) -> Input<'static> {
    let a = DynArray::scalar(x);
    // The element lives on the heap: moving `a` into the holder keeps it in place.
    let ptr = a.as_array::<T>().expect("a scalar of T").as_ptr() as *mut u8;
    Input {
        raw: Raw {
            dtype: T::DTYPE,
            ptr,
            shape: Dims::new(),
            strides: Strides::new(),
            python_scalar: false,
        },
        holder: Holder::Owned(a),
    }
}

/// The core dtype of a NumPy dtype: `Ok(Some(d))` when the buffer can be read as is
/// (given native byte order), `Ok(None)`-like widening via the returned target.
/// Returns (target dtype, whether the element bytes are already of that type).
fn classify(py: Python<'_>, descr: &Bound<'_, PyArrayDescr>) -> PyResult<(DType, bool)> {
    let kind = descr.kind();
    let size = descr.itemsize();
    let r = match (kind, size) {
        (b'b', 1) => (DType::Bool, true),
        (b'i', 4) => (DType::I32, true),
        (b'i', 8) => (DType::I64, true),
        (b'i', 1 | 2) | (b'u', 1 | 2) => (DType::I32, false),
        (b'u', 4) => (DType::I64, false),
        (b'f', 2) => (DType::F32, false),
        (b'f', 4) => (DType::F32, true),
        (b'f', 8) => (DType::F64, true),
        (b'c', 8) => (DType::C64, true),
        (b'c', 16) => (DType::C128, true),
        _ => {
            let name = descr.str().map(|s| s.to_string()).unwrap_or_default();
            let why = match kind {
                b'u' => " (uint64 has no lossless nexpr dtype)",
                b'U' | b'S' => " (strings are not supported)",
                b'O' => " (object arrays are not supported)",
                b'V' => " (records are not supported; pass a field)",
                _ => "",
            };
            return Err(errors::dtype(
                py,
                format!("arrays of dtype {name} are not supported{why}"),
            ));
        }
    };
    Ok(r)
}

fn numpy_dtype(py: Python<'_>, d: DType) -> Bound<'_, PyArrayDescr> {
    match d {
        DType::Bool => numpy::dtype::<bool>(py),
        DType::I32 => numpy::dtype::<i32>(py),
        DType::I64 => numpy::dtype::<i64>(py),
        DType::F32 => numpy::dtype::<f32>(py),
        DType::F64 => numpy::dtype::<f64>(py),
        DType::C64 => numpy::dtype::<Complex32>(py),
        DType::C128 => numpy::dtype::<Complex64>(py),
    }
}

/// Shape, byte strides, data pointer and flags of a NumPy array.
pub fn array_parts(arr: &Bound<'_, PyUntypedArray>) -> (Dims, Strides, *mut u8, i32) {
    let shape = Dims::from_slice(arr.shape());
    let strides = Strides::from_slice(arr.strides());
    // SAFETY: `arr` is a live ndarray object.
    let (ptr, flags) = unsafe {
        let o = arr.as_array_ptr();
        ((*o).fields.data as *mut u8, (*o).fields.flags)
    };
    (shape, strides, ptr, flags)
}

/// The core's view of a NumPy array when its buffer can be read in place.
pub fn direct_raw(arr: &Bound<'_, PyUntypedArray>, d: DType) -> Option<Raw> {
    let (shape, bstrides, ptr, _) = array_parts(arr);
    let size = d.size() as isize;
    if !(ptr as usize).is_multiple_of(align(d)) {
        return None;
    }
    let mut strides = Strides::new();
    for (&n, &s) in shape.iter().zip(&bstrides) {
        if n <= 1 {
            strides.push(0);
        } else if s % size == 0 {
            strides.push(s / size);
        } else {
            return None;
        }
    }
    Some(Raw {
        dtype: d,
        ptr,
        shape,
        strides,
        python_scalar: false,
    })
}

/// Converts a NumPy array, a NumPy scalar, a Python scalar or anything `numpy.asarray`
/// takes into an input of one of the core's dtypes.
pub fn to_input<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Input<'py>> {
    if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        return array_input(py, arr);
    }
    if let Some(input) = python_scalar(obj)? {
        return Ok(input);
    }
    let a = asarray(py, obj)?;
    let arr = a.cast::<PyUntypedArray>()?;
    array_input(py, arr)
}

/// A Python bool, int (within int64), float or complex (not a subclass, such as NumPy's
/// `float64`, which is strong) as a 0-d array of its kind's default dtype, marked weak.
pub fn python_scalar(obj: &Bound<'_, PyAny>) -> PyResult<Option<Input<'static>>> {
    let mut input = if obj.is_exact_instance_of::<PyBool>() {
        Some(scalar(obj.extract::<bool>()?))
    } else if obj.is_exact_instance_of::<PyInt>() {
        obj.extract::<i64>().ok().map(scalar)
    } else if obj.is_exact_instance_of::<PyFloat>() {
        Some(scalar(obj.extract::<f64>()?))
    } else if obj.is_exact_instance_of::<PyComplex>() {
        let c = obj.cast::<PyComplex>()?;
        Some(scalar(Complex64::new(c.real(), c.imag())))
    } else {
        None
    };
    if let Some(i) = &mut input {
        i.raw.python_scalar = true;
    }
    Ok(input)
}

/// The dtype an input would have, from a dtype-like (a NumPy dtype, a type such as
/// `np.float32` or `float`, a string such as `'f4'`) or from an example: an array or
/// scalar, or any object with a NumPy `dtype` attribute (a Dask array, say), whose data
/// is never read. Narrower dtypes give the dtype they are widened to.
pub fn dtype_of<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<DType> {
    if let Ok(descr) = obj.cast::<PyArrayDescr>() {
        return Ok(classify(py, descr)?.0);
    }
    if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        return Ok(classify(py, &arr.dtype())?.0);
    }
    if obj.is_instance_of::<PyBool>()
        || obj.is_exact_instance_of::<PyInt>()
        || obj.is_exact_instance_of::<PyFloat>()
        || obj.is_exact_instance_of::<PyComplex>()
    {
        return Ok(to_input(py, obj)?.raw.dtype);
    }
    if obj.is_instance_of::<pyo3::types::PyType>() || obj.is_instance_of::<pyo3::types::PyString>()
    {
        let d = py.import("numpy")?.getattr("dtype")?.call1((obj,))?;
        return Ok(classify(py, d.cast::<PyArrayDescr>()?)?.0);
    }
    if let Ok(d) = obj.getattr("dtype") {
        if let Ok(descr) = d.cast::<PyArrayDescr>() {
            return Ok(classify(py, descr)?.0);
        }
    }
    Ok(to_input(py, obj)?.raw.dtype)
}

/// A 0-d input of dtype `d` (its value is zero): enough for type checking.
pub fn typed_zero(d: DType) -> Input<'static> {
    match d {
        DType::Bool => scalar(false),
        DType::I32 => scalar(0i32),
        DType::I64 => scalar(0i64),
        DType::F32 => scalar(0f32),
        DType::F64 => scalar(0f64),
        DType::C64 => scalar(Complex32::new(0.0, 0.0)),
        DType::C128 => scalar(Complex64::new(0.0, 0.0)),
    }
}

/// The NumPy dtype object of `d`.
pub fn np_dtype(py: Python<'_>, d: DType) -> Bound<'_, PyArrayDescr> {
    numpy_dtype(py, d)
}

fn array_input<'py>(py: Python<'py>, arr: &Bound<'py, PyUntypedArray>) -> PyResult<Input<'py>> {
    let descr = arr.dtype();
    let (d, same) = classify(py, &descr)?;
    if same && descr.is_native_byteorder() != Some(false) {
        if let Some(raw) = direct_raw(arr, d) {
            if d == DType::Bool && !canonical_bools(arr, &raw)? {
                // Bytes other than 0 and 1 (a `.view(bool)` of other data): NumPy reads
                // any nonzero byte as True; hand the core 0s and 1s.
                let fixed = arr
                    .call_method1("view", ("u1",))?
                    .call_method1("__ne__", (0,))?;
                let f = fixed.cast::<PyUntypedArray>()?;
                let raw = direct_raw(f, d).expect("a new bool array");
                return Ok(Input {
                    raw,
                    holder: Holder::Py(fixed.clone()),
                });
            }
            return Ok(Input {
                raw,
                holder: Holder::Py(arr.clone().into_any()),
            });
        }
    }
    // Widen, swap bytes, or gather into an aligned buffer: NumPy's astype copies.
    let conv = arr.call_method1("astype", (numpy_dtype(py, d),))?;
    let carr = conv.cast::<PyUntypedArray>()?;
    let raw = direct_raw(carr, d)
        .ok_or_else(|| errors::dtype(py, "could not convert the array to an aligned buffer"))?;
    Ok(Input {
        raw,
        holder: Holder::Py(conv.clone()),
    })
}

/// Whether every byte of a bool array is 0 or 1, as NumPy's own operations leave them.
fn canonical_bools(arr: &Bound<'_, PyUntypedArray>, raw: &Raw) -> PyResult<bool> {
    if raw.len() == 0 {
        return Ok(true);
    }
    if raw.is_c_contiguous() {
        // SAFETY: a live, C-contiguous block of `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(raw.ptr as *const u8, raw.len()) };
        return Ok(bytes.iter().fold(0u8, |m, &b| m | b) <= 1);
    }
    let any_big = arr
        .call_method1("view", ("u1",))?
        .call_method1("__gt__", (1,))?
        .call_method0("any")?
        .is_truthy()?;
    Ok(!any_big)
}

/// The writable block of an `out=` array, when the core can write it in place.
pub fn out_raw(arr: &Bound<'_, PyUntypedArray>) -> PyResult<Option<Raw>> {
    let py = arr.py();
    let (_, _, _, flags) = array_parts(arr);
    if flags & WRITEABLE == 0 {
        return Err(errors::usage(py, "the output array is read-only"));
    }
    let descr = arr.dtype();
    let Ok((d, true)) = classify(py, &descr) else {
        return Ok(None);
    };
    if descr.is_native_byteorder() == Some(false) {
        return Ok(None);
    }
    Ok(direct_raw(arr, d).filter(|r| {
        // No element may be reachable twice.
        r.shape
            .iter()
            .zip(&r.strides)
            .all(|(&n, &s)| n <= 1 || s != 0)
    }))
}

/// A new, uninitialized NumPy array of `shape` (Fortran order if `fortran`) and the
/// block the core writes: C order over the reversed axes for a Fortran array. NumPy's
/// own error (a `MemoryError` for a result too large, a `ValueError` for too many
/// dimensions) where it cannot make the array.
///
/// # Safety
/// Every element must be written before the array is handed to Python.
pub unsafe fn empty<'py>(
    py: Python<'py>,
    dtype: DType,
    shape: &[usize],
    fortran: bool,
) -> PyResult<(Bound<'py, PyAny>, Raw)> {
    use numpy::npyffi::{self, npy_intp, PY_ARRAY_API};
    let mut dims: Vec<npy_intp> = shape.iter().map(|&n| n as npy_intp).collect();
    if shape.iter().any(|&n| n > npy_intp::MAX as usize) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "array is too big: an axis is longer than NumPy's index type holds",
        ));
    }
    let descr = numpy_dtype(py, dtype);
    // SAFETY: `PyArray_NewFromDescr` steals the reference to `descr` (handed over
    // with `into_ptr`), reads `dims` (ndim of them) and allocates the data itself
    // (null data, null strides); it returns a new reference or null with an exception
    // set, which `from_owned_ptr_or_err` turns into the error.
    let arr = unsafe {
        let ptr = PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            npyffi::get_type_object(py, npyffi::NpyTypes::PyArray_Type),
            descr.into_ptr() as *mut npyffi::PyArray_Descr,
            dims.len() as std::ffi::c_int,
            dims.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ffi::c_int::from(fortran),
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)?
    };
    let u = arr.cast::<PyUntypedArray>()?;
    let raw =
        direct_raw(u, dtype).ok_or_else(|| errors::dtype(py, "NumPy made an unaligned array"))?;
    // A Fortran-order array is a C-order block over the reversed axes.
    Ok((arr, if fortran { raw.reversed() } else { raw }))
}

/// The most dimensions of an array the `numpy` crate hands over without a copy
/// (NumPy 2 itself allows 64).
const OWNED_MAX_NDIM: usize = 32;

/// A NumPy array owning the core's result, without copying it; `reverse` flips its
/// axes back (the result was computed over reversed axes for a Fortran-order layout).
/// A result of more than 32 dimensions is copied into an array NumPy allocates.
pub fn to_numpy(py: Python<'_>, a: DynArray, reverse: bool) -> PyResult<Bound<'_, PyAny>> {
    fn conv<T: numpy::Element + Element>(
        py: Python<'_>,
        a: ndarray::ArrayD<T>,
        reverse: bool,
    ) -> PyResult<Bound<'_, PyAny>> {
        let a = if reverse { a.reversed_axes() } else { a };
        if a.ndim() <= OWNED_MAX_NDIM {
            return Ok(PyArray::from_owned_array(py, a).into_any());
        }
        let a = a.as_standard_layout();
        // SAFETY: every element is written by the copy below, before the array is
        // returned; the new array is C-contiguous with `a`'s shape and element type.
        let (arr, raw) = unsafe { empty(py, T::DTYPE, a.shape(), false)? };
        let src = a.as_slice().expect("standard layout");
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), raw.ptr as *mut T, src.len()) };
        Ok(arr)
    }
    match a {
        DynArray::Bool(a) => conv(py, a, reverse),
        DynArray::I32(a) => conv(py, a, reverse),
        DynArray::I64(a) => conv(py, a, reverse),
        DynArray::F32(a) => conv(py, a, reverse),
        DynArray::F64(a) => conv(py, a, reverse),
        DynArray::C64(a) => conv(py, a, reverse),
        DynArray::C128(a) => conv(py, a, reverse),
    }
}

/// NumPy's broadcast shape of `shapes` (the core's rule and NumPy's message).
pub fn broadcast<'a>(
    py: Python<'_>,
    shapes: impl Iterator<Item = &'a [usize]>,
) -> PyResult<Vec<usize>> {
    let shapes: SmallVec<[&[usize]; 8]> = shapes.collect();
    nexpr::broadcast_shape(&shapes).map_err(|e| errors::to_py(py, &e, ""))
}
