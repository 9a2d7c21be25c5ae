//! Dynamically typed n-d arrays: what goes into and comes out of a kernel.

use crate::cancel::CancelToken;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use num_complex::{Complex32, Complex64};
use std::collections::{BTreeMap, BTreeSet};
use std::mem::MaybeUninit;

/// Arrays from this size on are placed for transparent huge pages (and the CPU
/// backend advises huge pages for outputs from this size on, and makes fresh ones
/// present ahead of its threads).
pub(crate) const HUGE_MIN: usize = 4 << 20;
/// A transparent huge page on x86-64.
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// A C-contiguous array of `shape` whose elements are not initialized. From 4 MiB
/// on, its data starts at a 2 MiB boundary of a slightly larger allocation (up to
/// 4 MiB more, never touched, so never backed by memory): every page of it can then
/// be a transparent huge page. Otherwise the (page-aligned, not 2 MiB-aligned) head
/// and tail of a fresh large allocation fault in 4 KiB pages, 200 to 1000 faults per
/// output, a measurable part of an evaluation (`docs/performance-log.md`).
fn uninit_array<T: Element>(shape: &[usize]) -> Result<ArrayD<MaybeUninit<T>>> {
    let n = crate::alloc::elements(shape, T::DTYPE)?;
    let size = std::mem::size_of::<T>().max(1);
    let huge = n * size >= HUGE_MIN && HUGE_PAGE.is_multiple_of(size);
    let pad = if huge { HUGE_PAGE / size } else { 0 };
    let mut v: Vec<MaybeUninit<T>> = n
        .checked_add(2 * pad)
        .and_then(crate::alloc::try_vec)
        .ok_or_else(|| crate::alloc::failed(n, T::DTYPE, shape))?;
    // SAFETY: MaybeUninit needs no initialization; the capacity is there.
    unsafe { v.set_len(n + 2 * pad) };
    let off = if huge {
        v.as_ptr().align_offset(HUGE_PAGE).min(pad)
    } else {
        0
    };
    if huge {
        advise_huge_pages(v.as_mut_ptr().wrapping_add(off).cast(), n * size);
    }
    Ok(ndarray::Array1::from_vec(v)
        .slice_move(ndarray::s![off..off + n])
        .into_shape_with_order(IxDyn(shape))
        .expect("a contiguous slice of n elements takes any shape of n elements"))
}

/// Asks for transparent huge pages on the whole 4 KiB pages of `[data, data + bytes)`:
/// with THP in `madvise` mode untouched pages are otherwise backed by 4 KiB ones, each a
/// page fault at its first write. `uninit_array` advises a large array where it is
/// made, not only the CPU driver over the elements it is about to write (which it also
/// does for a caller's buffer): an evaluation in steps (`Kernel::steps`, how the Python
/// package evaluates large results) writes a first span too short for the driver's
/// advice, and the first 2 MiB of the array then faulted in 4 KiB pages, about 500 more
/// faults per evaluation (`docs/performance-log.md`). NumPy advises its large arrays
/// the same way.
pub(crate) fn advise_huge_pages(data: *mut u8, bytes: usize) {
    // Transparent huge pages are Linux's; elsewhere the pages stay as they come.
    // SAFETY: MADV_HUGEPAGE only changes how the kernel backs the pages, never their
    // contents; a range that is not the caller's mapping is refused. Failure is harmless.
    #[cfg(target_os = "linux")]
    if let Some((start, len)) = whole_pages(data, bytes) {
        unsafe { libc::madvise(start, len, libc::MADV_HUGEPAGE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = whole_pages(data, bytes);
}

const PAGE: usize = 4096;

/// The whole 4 KiB pages inside `[ptr, ptr + bytes)`, if any.
pub(crate) fn whole_pages(ptr: *mut u8, bytes: usize) -> Option<(*mut libc::c_void, usize)> {
    let start = (ptr as usize).div_ceil(PAGE) * PAGE;
    let end = (ptr as usize + bytes) / PAGE * PAGE;
    (end > start).then_some((start as *mut libc::c_void, end - start))
}

mod sealed {
    /// Only the seven element types of [`super::DType`] are elements.
    pub trait Sealed {}
}

/// The Rust element types of the seven dtypes: `bool`, `i32`, `i64`, `f32`, `f64`,
/// `Complex32` and `Complex64` (from `num_complex`). Implemented for those only.
///
/// ```
/// use nexpr::{DType, Element};
/// assert_eq!(<f32 as Element>::DTYPE, DType::F32);
/// assert_eq!(<num_complex::Complex64 as Element>::DTYPE, DType::C128);
/// ```
pub trait Element:
    sealed::Sealed + Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static
{
    /// The dtype of this element type.
    const DTYPE: DType;
    #[doc(hidden)]
    fn wrap(a: ArrayD<Self>) -> DynArray;
    #[doc(hidden)]
    fn wrap_view(a: ArrayViewD<'_, Self>) -> DynView<'_>;
    #[doc(hidden)]
    fn wrap_view_mut(a: ArrayViewMutD<'_, Self>) -> DynViewMut<'_>;
    #[doc(hidden)]
    fn unwrap(a: &DynArray) -> Option<&ArrayD<Self>>;
    #[doc(hidden)]
    fn unwrap_owned(a: DynArray) -> std::result::Result<ArrayD<Self>, DynArray>;
}

macro_rules! dyn_enums {
    ($($var:ident $t:ty),*) => {
        /// An owned n-d array of any of the seven dtypes: a result of a kernel, or an
        /// input it owns. Match on it, or get the `ndarray` array with
        /// [`DynArray::as_array`] or [`DynArray::into_array`].
        ///
        /// ```
        /// use nexpr::{DType, DynArray};
        /// let a = DynArray::from(ndarray::arr1(&[1i64, 2, 3]).into_dyn());
        /// assert_eq!((a.dtype(), a.shape(), a.len()), (DType::I64, &[3][..], 3));
        /// assert_eq!(a.as_array::<i64>().unwrap()[[2]], 3);
        /// assert!(a.as_array::<f64>().is_none());
        /// let z = DynArray::zeros(DType::Bool, &[2, 2]);
        /// assert!(matches!(z, DynArray::Bool(_)));
        /// let maxi = DynArray::scalar(512i64); // 0-d
        /// assert_eq!(maxi.shape(), &[] as &[usize]);
        /// ```
        #[derive(Clone, Debug, PartialEq)]
        pub enum DynArray { $(#[doc = concat!("An array of `", stringify!($t), "`.")] $var(ArrayD<$t>)),* }

        /// A borrowed n-d array of any dtype and any layout (strided, broadcast,
        /// Fortran order): what [`Vars`] binds a name to.
        ///
        /// ```
        /// use nexpr::{DType, DynView};
        /// let a = ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
        /// let v = DynView::from(a.t());
        /// assert_eq!((v.dtype(), v.shape()), (DType::F32, &[2, 2][..]));
        /// ```
        #[derive(Clone, Debug)]
        pub enum DynView<'a> { $(#[doc = concat!("A view of `", stringify!($t), "`.")] $var(ArrayViewD<'a, $t>)),* }

        /// A mutable borrowed n-d array of any dtype: the destination of
        /// [`crate::Kernel::eval_into`] and [`crate::Kernel::eval_in_place`].
        ///
        /// ```
        /// use nexpr::{DynArray, DynViewMut, ErrorKind};
        /// let mut a = ndarray::Array1::<f64>::zeros(3);
        /// let mut v = DynViewMut::from(&mut a);
        /// v.assign(&DynArray::from(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn()))?;
        /// let short = DynArray::from(ndarray::arr1(&[1.0f64]).into_dyn());
        /// assert_eq!(v.assign(&short).unwrap_err().kind, ErrorKind::Shape);
        /// let ints = DynArray::from(ndarray::arr1(&[1i32, 2, 3]).into_dyn());
        /// assert_eq!(v.assign(&ints).unwrap_err().kind, ErrorKind::DType);
        /// assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0]);
        /// # Ok::<(), nexpr::Error>(())
        /// ```
        #[derive(Debug)]
        pub enum DynViewMut<'a> { $(#[doc = concat!("A mutable view of `", stringify!($t), "`.")] $var(ArrayViewMutD<'a, $t>)),* }

        /// An output array before a kernel has written it.
        pub(crate) enum UninitArray { $($var(ArrayD<MaybeUninit<$t>>)),* }

        $(impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$var;
            fn wrap(a: ArrayD<Self>) -> DynArray { DynArray::$var(a) }
            fn wrap_view(a: ArrayViewD<'_, Self>) -> DynView<'_> { DynView::$var(a) }
            fn wrap_view_mut(a: ArrayViewMutD<'_, Self>) -> DynViewMut<'_> { DynViewMut::$var(a) }
            fn unwrap(a: &DynArray) -> Option<&ArrayD<Self>> {
                match a { DynArray::$var(x) => Some(x), _ => None }
            }
            fn unwrap_owned(a: DynArray) -> std::result::Result<ArrayD<Self>, DynArray> {
                match a { DynArray::$var(x) => Ok(x), other => Err(other) }
            }
        }

        /// The `ndarray` array, or a [`ErrorKind::DType`] error naming both dtypes.
        impl TryFrom<DynArray> for ArrayD<$t> {
            type Error = Error;
            fn try_from(a: DynArray) -> Result<Self> {
                a.into_array()
            }
        })*

        impl DynArray {
            /// The dtype of the elements.
            pub fn dtype(&self) -> DType { match self { $(DynArray::$var(_) => DType::$var),* } }
            /// The shape (empty for a 0-d array).
            pub fn shape(&self) -> &[usize] { match self { $(DynArray::$var(a) => a.shape()),* } }
            /// A borrowed view of the whole array.
            pub fn view(&self) -> DynView<'_> { match self { $(DynArray::$var(a) => DynView::$var(a.view())),* } }
            /// A mutable view of the whole array.
            pub fn view_mut(&mut self) -> DynViewMut<'_> { match self { $(DynArray::$var(a) => DynViewMut::$var(a.view_mut())),* } }
            /// A C-contiguous array of zeros (`false` for bool).
            ///
            /// # Panics
            /// If it does not fit in memory; [`DynArray::try_zeros`] returns an error
            /// instead.
            pub fn zeros(dtype: DType, shape: &[usize]) -> DynArray {
                DynArray::try_zeros(dtype, shape).unwrap_or_else(|e| panic!("{e}"))
            }
            /// A C-contiguous array of zeros (`false` for bool), or an
            /// [`crate::ErrorKind::Memory`] error if it does not fit in memory. Large ones
            /// get lazily zeroed pages from the OS, first touched by whoever writes them.
            ///
            /// ```
            /// use nexpr::{DType, DynArray, ErrorKind};
            /// assert_eq!(DynArray::try_zeros(DType::F32, &[2, 3])?.len(), 6);
            /// let e = DynArray::try_zeros(DType::F64, &[1 << 40, 1 << 40]).unwrap_err();
            /// assert_eq!(e.kind, ErrorKind::Memory);
            /// # Ok::<(), nexpr::Error>(())
            /// ```
            pub fn try_zeros(dtype: DType, shape: &[usize]) -> Result<DynArray> {
                let n = crate::alloc::elements(shape, dtype)?;
                Ok(match dtype { $(DType::$var => {
                    let v = crate::alloc::try_zeroed::<$t>(n)
                        .ok_or_else(|| crate::alloc::failed(n, dtype, shape))?;
                    DynArray::$var(ArrayD::from_shape_vec(IxDyn(shape), v).expect("shape matches"))
                })*})
            }
        }

        impl UninitArray {
            /// A C-contiguous array of `dtype` and `shape` whose elements are not
            /// initialized yet (no pass over memory: outputs are first touched by the
            /// kernel's threads).
            /// An [`crate::ErrorKind::Memory`] error if it cannot be allocated.
            pub(crate) fn new(dtype: DType, shape: &[usize]) -> Result<UninitArray> {
                Ok(match dtype { $(DType::$var => UninitArray::$var(uninit_array::<$t>(shape)?),)* })
            }
            pub(crate) fn dtype(&self) -> DType { match self { $(UninitArray::$var(_) => DType::$var),* } }
            pub(crate) fn len(&self) -> usize { match self { $(UninitArray::$var(a) => a.len()),* } }
            /// The first element's address; the array is C-contiguous.
            pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
                match self { $(UninitArray::$var(a) => a.as_mut_ptr() as *mut u8),* }
            }
            /// The initialized array.
            ///
            /// # Safety
            /// Every element has been written (an executable's `run` that returned `Ok`
            /// with this array's `OutBuf` has written all of them).
            pub(crate) unsafe fn assume_init(self) -> DynArray {
                // SAFETY: the caller guarantees every element is initialized.
                match self { $(UninitArray::$var(a) => DynArray::$var(unsafe { a.assume_init() }),)* }
            }
        }

        impl<'a> DynView<'a> {
            /// The dtype of the elements.
            pub fn dtype(&self) -> DType { match self { $(DynView::$var(_) => DType::$var),* } }
            /// The shape (empty for a 0-d array).
            pub fn shape(&self) -> &[usize] { match self { $(DynView::$var(a) => a.shape()),* } }
            /// Strides in elements (may be zero or negative).
            pub(crate) fn strides(&self) -> &[isize] { match self { $(DynView::$var(a) => a.strides()),* } }
            /// Pointer to the element at index (0, 0, ...).
            pub(crate) fn as_ptr(&self) -> *const u8 { match self { $(DynView::$var(a) => a.as_ptr() as *const u8),* } }
            /// A copy of the elements as an owned array.
            pub fn to_owned(&self) -> DynArray { match self { $(DynView::$var(a) => DynArray::$var(a.to_owned())),* } }
            pub(crate) fn reborrow(&self) -> DynView<'_> { match self { $(DynView::$var(a) => DynView::$var(a.view())),* } }
        }

        impl<'a> DynViewMut<'a> {
            /// The dtype of the elements.
            pub fn dtype(&self) -> DType { match self { $(DynViewMut::$var(_) => DType::$var),* } }
            /// The shape (empty for a 0-d array).
            pub fn shape(&self) -> &[usize] { match self { $(DynViewMut::$var(a) => a.shape()),* } }
            /// Copies `src` into this array. `src` must have this array's dtype and
            /// shape: otherwise an [`ErrorKind::DType`] or [`ErrorKind::Shape`] error,
            /// and nothing is written (example at [`DynViewMut`]).
            pub fn assign(&mut self, src: &DynArray) -> Result<()> {
                if self.dtype() != src.dtype() {
                    return Err(Error::new(
                        ErrorKind::DType,
                        format!("cannot assign an array of dtype {} to one of dtype {}", src.dtype(), self.dtype()),
                    ));
                }
                if self.shape() != src.shape() {
                    return Err(Error::new(
                        ErrorKind::Shape,
                        format!("cannot assign an array of shape {:?} to one of shape {:?}", src.shape(), self.shape()),
                    ));
                }
                match (self, src) {
                    $((DynViewMut::$var(d), DynArray::$var(s)) => d.assign(s),)*
                    _ => unreachable!("dtypes checked above"),
                }
                Ok(())
            }
            /// The first element's address when the array is in standard (C) layout.
            pub(crate) fn as_mut_ptr_c(&mut self) -> Option<*mut u8> {
                match self { $(DynViewMut::$var(a) => a.as_slice_mut().map(|s| s.as_mut_ptr() as *mut u8)),* }
            }
            /// A shared view of the same elements when this array is in standard (C)
            /// layout.
            ///
            /// # Safety
            /// The view aliases `self` with an unbounded lifetime: it must be dropped
            /// before `self`'s borrow ends, and only read where nothing writes the
            /// same element at the same time.
            pub(crate) unsafe fn alias_c<'x>(&mut self) -> Option<DynView<'x>> {
                match self { $(DynViewMut::$var(a) => {
                    let shape = IxDyn(a.shape());
                    let ptr = a.as_slice_mut()?.as_ptr();
                    // SAFETY: `ptr` addresses a C-contiguous block of `shape`; the
                    // caller upholds the aliasing contract.
                    Some(DynView::$var(unsafe { ndarray::ArrayViewD::from_shape_ptr(shape, ptr) }))
                })* }
            }
            /// A shared view of the same elements.
            pub fn view(&self) -> DynView<'_> { match self { $(DynViewMut::$var(a) => DynView::$var(a.view())),* } }
        }

        $(impl From<ArrayD<$t>> for DynArray { fn from(a: ArrayD<$t>) -> Self { DynArray::$var(a) } })*
    };
}

dyn_enums!(Bool bool, I32 i32, I64 i64, F32 f32, F64 f64, C64 Complex32, C128 Complex64);

impl DynArray {
    /// Borrows the array as `ArrayD<T>` if it has that element type.
    pub fn as_array<T: Element>(&self) -> Option<&ArrayD<T>> {
        T::unwrap(self)
    }

    /// The array as `ArrayD<T>`, or an [`ErrorKind::DType`] error naming both dtypes
    /// (also as `ArrayD::<T>::try_from(array)`).
    ///
    /// ```
    /// use nexpr::{DynArray, ErrorKind};
    /// let a = DynArray::from(ndarray::arr1(&[1i32, 2]).into_dyn());
    /// let e = a.clone().into_array::<f64>().unwrap_err();
    /// assert_eq!(e.kind, ErrorKind::DType);
    /// assert_eq!(e.message, "the array has dtype int32, not float64");
    /// let ints: ndarray::ArrayD<i32> = a.try_into()?;
    /// assert_eq!(ints.len(), 2);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn into_array<T: Element>(self) -> Result<ArrayD<T>> {
        T::unwrap_owned(self).map_err(|a| {
            Error::new(
                ErrorKind::DType,
                format!("the array has dtype {}, not {}", a.dtype(), T::DTYPE),
            )
        })
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A 0-d array holding one value.
    pub fn scalar<T: Element>(x: T) -> DynArray {
        T::wrap(ArrayD::from_elem(IxDyn(&[]), x))
    }
}

impl<'a, T: Element, D: ndarray::Dimension> From<ndarray::ArrayView<'a, T, D>> for DynView<'a> {
    fn from(a: ndarray::ArrayView<'a, T, D>) -> Self {
        T::wrap_view(a.into_dyn())
    }
}

impl<'a, T: Element, D: ndarray::Dimension> From<&'a ndarray::Array<T, D>> for DynView<'a> {
    fn from(a: &'a ndarray::Array<T, D>) -> Self {
        T::wrap_view(a.view().into_dyn())
    }
}

impl<'a> From<&'a DynArray> for DynView<'a> {
    fn from(a: &'a DynArray) -> Self {
        a.view()
    }
}

impl<'a, T: Element, D: ndarray::Dimension> From<&'a mut ndarray::Array<T, D>> for DynViewMut<'a> {
    fn from(a: &'a mut ndarray::Array<T, D>) -> Self {
        T::wrap_view_mut(a.view_mut().into_dyn())
    }
}

impl<'a, T: Element, D: ndarray::Dimension> From<ndarray::ArrayViewMut<'a, T, D>>
    for DynViewMut<'a>
{
    fn from(a: ndarray::ArrayViewMut<'a, T, D>) -> Self {
        T::wrap_view_mut(a.into_dyn())
    }
}

impl<'a> From<&'a mut DynArray> for DynViewMut<'a> {
    fn from(a: &'a mut DynArray) -> Self {
        a.view_mut()
    }
}

/// The variables an expression or program reads: name -> array, owned or borrowed
/// (any layout; nothing is copied).
///
/// ```
/// use nexpr::{DynArray, Vars};
/// let a = ndarray::arr1(&[1.0f64, 2.0]);
/// let mut vars = Vars::new().with("a", &a);
/// vars.insert_owned("n", DynArray::scalar(3i64));
/// assert_eq!(vars.names().collect::<Vec<_>>(), ["a", "n"]);
/// assert_eq!(vars.get("a").unwrap().shape(), &[2]);
/// ```
#[derive(Default, Debug)]
pub struct Vars<'a> {
    map: BTreeMap<String, VarArray<'a>>,
    /// The names bound by [`Vars::insert_python_scalar`].
    python_scalars: BTreeSet<String>,
    /// What stops the evaluations of these variables.
    cancel: Option<CancelToken>,
}

#[derive(Debug)]
enum VarArray<'a> {
    Owned(DynArray),
    Borrowed(DynView<'a>),
}

impl<'a> Vars<'a> {
    /// No variables.
    pub fn new() -> Self {
        Vars::default()
    }

    /// Binds `name` to a borrowed array (no copy), replacing any earlier binding.
    pub fn insert(&mut self, name: &str, array: impl Into<DynView<'a>>) -> &mut Self {
        self.python_scalars.remove(name);
        self.map
            .insert(name.to_string(), VarArray::Borrowed(array.into()));
        self
    }

    /// Binds `name` to an owned array, replacing any earlier binding.
    pub fn insert_owned(&mut self, name: &str, array: impl Into<DynArray>) -> &mut Self {
        self.python_scalars.remove(name);
        self.map
            .insert(name.to_string(), VarArray::Owned(array.into()));
        self
    }

    /// Binds `name` to a Python scalar, replacing any earlier binding: a one-element
    /// array (0-d, or with axes of length 1 to broadcast as such) of bool, int64,
    /// float64 or complex128 (a Python bool, int, float or complex) that
    /// NumPy 2 treats as weak (NEP 50), as it treats a literal: `float32_array * x`
    /// stays float32, and `int32_array + x` is an OverflowError when `x` does not fit
    /// int32. Any other dtype or shape is a usage error.
    ///
    /// ```
    /// use nexpr::{DType, DynArray, Expr, Target, Vars};
    /// let a = ndarray::arr1(&[1.5f32, 2.0]);
    /// let two = DynArray::scalar(2i64);
    /// let mut vars = Vars::new().with("a", &a);
    /// vars.insert_python_scalar("x", &two)?;
    /// let k = Expr::parse("a * x")?.compile(Target::cpu())?;
    /// assert_eq!(k.eval(&vars)?.dtype(), DType::F32);
    /// vars.insert("x", &two);                       // a NumPy int64 scalar: strong
    /// assert_eq!(k.eval(&vars)?.dtype(), DType::F64);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn insert_python_scalar(
        &mut self,
        name: &str,
        value: impl Into<DynView<'a>>,
    ) -> Result<&mut Self> {
        let value = value.into();
        let d = value.dtype();
        if !value.shape().is_empty() || crate::sema::InputType::python_scalar(d, None).is_none() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "a Python scalar is one element of bool, int64, float64 or complex128, \
                     not an array of {d} with shape {:?}",
                    value.shape()
                ),
            ));
        }
        self.insert(name, value);
        self.python_scalars.insert(name.to_string());
        Ok(self)
    }

    /// How `name` enters type checking: an array, or a Python scalar (weak).
    pub(crate) fn input_type(&self, name: &str) -> Option<crate::sema::InputType> {
        use crate::sema::InputType;
        let v = self.get(name)?;
        if !self.python_scalars.contains(name) {
            return Some(InputType::Array(v.dtype()));
        }
        let int_value = match &v {
            DynView::I64(a) => a.iter().next().copied(),
            _ => None,
        };
        InputType::python_scalar(v.dtype(), int_value)
    }

    /// Builder form of [`Vars::insert`].
    pub fn with(mut self, name: &str, array: impl Into<DynView<'a>>) -> Self {
        self.insert(name, array);
        self
    }

    /// Evaluations of these variables (every `Kernel` call that takes them, and the
    /// [`crate::Steps`] made from them) stop with an [`crate::ErrorKind::Cancelled`]
    /// error soon after `token` is cancelled, from another thread or a signal handler:
    /// compiled loops check it every iteration, the drivers before every chunk. A
    /// cancelled evaluation returns no result, and `eval_into` leaves its output
    /// partly written.
    ///
    /// ```
    /// use nexpr::{CancelToken, ErrorKind, Expr, Target, Vars};
    /// let a = ndarray::arr1(&[1.0f64, 2.0]);
    /// let token = CancelToken::new();
    /// let vars = Vars::new().with("a", &a).with_cancel(&token);
    /// let k = Expr::parse("a + 1")?.compile(Target::cpu())?;
    /// assert!(k.eval(&vars).is_ok());
    /// token.cancel();
    /// assert_eq!(k.eval(&vars).unwrap_err().kind, ErrorKind::Cancelled);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn with_cancel(mut self, token: &CancelToken) -> Self {
        self.set_cancel(Some(token));
        self
    }

    /// Attaches `token` (or, with `None`, detaches any), as [`Vars::with_cancel`].
    pub fn set_cancel(&mut self, token: Option<&CancelToken>) -> &mut Self {
        self.cancel = token.cloned();
        self
    }

    /// The token attached by [`Vars::with_cancel`].
    pub fn cancel_token(&self) -> Option<&CancelToken> {
        self.cancel.as_ref()
    }

    /// The same bindings, borrowed, with the same token.
    pub(crate) fn views(&self) -> Vars<'_> {
        let mut v = Vars::new();
        for name in self.map.keys() {
            if let Some(a) = self.get(name) {
                v.insert(name, a);
            }
        }
        v.python_scalars = self.python_scalars.clone();
        v.cancel = self.cancel.clone();
        v
    }

    /// The array bound to `name`.
    pub fn get(&self, name: &str) -> Option<DynView<'_>> {
        self.map.get(name).map(|v| match v {
            VarArray::Owned(a) => a.view(),
            VarArray::Borrowed(v) => v.reborrow(),
        })
    }

    /// The bound names, in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.map.keys().map(|s| s.as_str())
    }

    /// The number of bound names.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no name is bound.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Owned arrays by name (what a program's [`crate::Kernel::run`] returns, or what
/// the CLI reads from an `.npz` file).
impl From<BTreeMap<String, DynArray>> for Vars<'static> {
    fn from(m: BTreeMap<String, DynArray>) -> Self {
        Vars {
            map: m
                .into_iter()
                .map(|(k, v)| (k, VarArray::Owned(v)))
                .collect(),
            python_scalars: BTreeSet::new(),
            cancel: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_outputs_start_on_a_huge_page() {
        for (dtype, shape) in [
            (DType::F64, vec![1_000_003]),
            (DType::C128, vec![1000, 999]),
            (DType::Bool, vec![5 << 20]),
            (DType::F32, vec![3, 7, 100_001]),
        ] {
            let mut a = UninitArray::new(dtype, &shape).unwrap();
            assert_eq!(a.len(), shape.iter().product::<usize>());
            assert_eq!(a.as_mut_ptr() as usize % HUGE_PAGE, 0, "{dtype}");
        }
        // Small ones are plain allocations.
        let small = UninitArray::new(DType::F64, &[1000]).unwrap();
        assert_eq!(small.len(), 1000);
    }

    #[test]
    fn outputs_too_large_for_memory_are_errors() {
        // 2^40 x 2^20 doubles: more bytes than the address space.
        let Err(e) = UninitArray::new(DType::F64, &[1 << 40, 1 << 20]) else {
            panic!("an allocation of 8 EiB succeeded")
        };
        assert_eq!(e.kind, ErrorKind::Memory);
        // 2^44 doubles fit the address space but no allocator gives 128 TiB.
        let Err(e) = UninitArray::new(DType::F64, &[1 << 22, 1 << 22]) else {
            panic!("an allocation of 128 TiB succeeded")
        };
        assert_eq!(e.kind, ErrorKind::Memory);
        assert!(e.message.contains("128.00 TiB"), "{e}");
    }
}
