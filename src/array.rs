//! Dynamically typed n-d arrays: what goes into and comes out of a kernel.

use crate::dtype::DType;
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use num_complex::{Complex32, Complex64};
use std::collections::BTreeMap;

/// Arrays from this size on are placed for transparent huge pages.
const HUGE_MIN: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// A C-contiguous array of `shape` whose elements are not initialized. From 4 MiB
/// on, its data starts at a 2 MiB boundary of a slightly larger allocation (up to
/// 4 MiB more, never touched, so never backed by memory): every page of it can then
/// be a transparent huge page. Otherwise the (page-aligned, not 2 MiB-aligned) head
/// and tail of a fresh large allocation fault in 4 KiB pages, 200 to 1000 faults per
/// output, about 2 µs each on the development VM (1 to 2 ms of a 20 ms evaluation).
///
/// # Safety
/// Every element must be written before the array is read.
unsafe fn uninit_array<T: Copy>(shape: &[usize]) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    let size = std::mem::size_of::<T>().max(1);
    if n.saturating_mul(size) < HUGE_MIN || !HUGE_PAGE.is_multiple_of(size) {
        // SAFETY: the caller writes every element before reading it.
        return unsafe { ArrayD::<T>::uninit(IxDyn(shape)).assume_init() };
    }
    let pad = HUGE_PAGE / size;
    let mut v: Vec<std::mem::MaybeUninit<T>> = Vec::with_capacity(n + 2 * pad);
    // SAFETY: MaybeUninit needs no initialization; the capacity is there.
    unsafe { v.set_len(n + 2 * pad) };
    let off = v.as_ptr().align_offset(HUGE_PAGE).min(pad);
    let a = ndarray::Array1::from_vec(v).slice_move(ndarray::s![off..off + n]);
    let a = a
        .into_shape_with_order(IxDyn(shape))
        .expect("a contiguous slice of n elements takes any shape of n elements");
    // SAFETY: the caller writes every element before reading it.
    unsafe { a.assume_init() }
}

/// Rust element types that map one-to-one onto a nexpr dtype.
pub trait Element: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    const DTYPE: DType;
    fn wrap(a: ArrayD<Self>) -> DynArray;
    fn wrap_view(a: ArrayViewD<'_, Self>) -> DynView<'_>;
    fn wrap_view_mut(a: ArrayViewMutD<'_, Self>) -> DynViewMut<'_>;
    fn unwrap(a: &DynArray) -> Option<&ArrayD<Self>>;
    fn unwrap_mut<'a, 'b>(a: &'a mut DynViewMut<'b>) -> Option<&'a mut ArrayViewMutD<'b, Self>>;
}

macro_rules! dyn_enums {
    ($($var:ident $t:ty),*) => {
        /// An owned n-d array of any supported dtype.
        #[derive(Clone, Debug, PartialEq)]
        pub enum DynArray { $($var(ArrayD<$t>)),* }

        /// A borrowed n-d array (any layout: strided, broadcast, Fortran order).
        #[derive(Clone, Debug)]
        pub enum DynView<'a> { $($var(ArrayViewD<'a, $t>)),* }

        /// A mutable borrowed n-d array, the destination of `eval_into`.
        #[derive(Debug)]
        pub enum DynViewMut<'a> { $($var(ArrayViewMutD<'a, $t>)),* }

        $(impl Element for $t {
            const DTYPE: DType = DType::$var;
            fn wrap(a: ArrayD<Self>) -> DynArray { DynArray::$var(a) }
            fn wrap_view(a: ArrayViewD<'_, Self>) -> DynView<'_> { DynView::$var(a) }
            fn wrap_view_mut(a: ArrayViewMutD<'_, Self>) -> DynViewMut<'_> { DynViewMut::$var(a) }
            fn unwrap(a: &DynArray) -> Option<&ArrayD<Self>> {
                match a { DynArray::$var(x) => Some(x), _ => None }
            }
            fn unwrap_mut<'a, 'b>(a: &'a mut DynViewMut<'b>) -> Option<&'a mut ArrayViewMutD<'b, Self>> {
                match a { DynViewMut::$var(x) => Some(x), _ => None }
            }
        })*

        impl DynArray {
            pub fn dtype(&self) -> DType { match self { $(DynArray::$var(_) => DType::$var),* } }
            pub fn shape(&self) -> &[usize] { match self { $(DynArray::$var(a) => a.shape()),* } }
            pub fn view(&self) -> DynView<'_> { match self { $(DynArray::$var(a) => DynView::$var(a.view())),* } }
            pub fn view_mut(&mut self) -> DynViewMut<'_> { match self { $(DynArray::$var(a) => DynViewMut::$var(a.view_mut())),* } }
            /// A C-contiguous array whose every element the caller is about to overwrite.
            ///
            /// # Safety
            /// Every element must be written before the array is read (kernels write
            /// each output element exactly once); skipping the zero fill saves a pass
            /// over memory-bound outputs.
            pub unsafe fn uninit(dtype: DType, shape: &[usize]) -> DynArray {
                match dtype { $(DType::$var => DynArray::$var(unsafe { uninit_array::<$t>(shape) }),)* }
            }
            /// A C-contiguous array of zeros.
            pub fn zeros(dtype: DType, shape: &[usize]) -> DynArray {
                let n = shape.iter().product();
                match dtype {
                    DType::C64 => return DynArray::C64(ArrayD::from_shape_vec(IxDyn(shape), zeroed_complex::<f32>(n)).expect("shape matches")),
                    DType::C128 => return DynArray::C128(ArrayD::from_shape_vec(IxDyn(shape), zeroed_complex::<f64>(n)).expect("shape matches")),
                    _ => {}
                }
                match dtype { $(DType::$var => DynArray::$var(ArrayD::from_elem(IxDyn(shape), <$t as Zero>::zero())),)* }
            }
        }

        impl<'a> DynView<'a> {
            pub fn dtype(&self) -> DType { match self { $(DynView::$var(_) => DType::$var),* } }
            pub fn shape(&self) -> &[usize] { match self { $(DynView::$var(a) => a.shape()),* } }
            /// Strides in elements (may be zero or negative).
            pub fn strides(&self) -> &[isize] { match self { $(DynView::$var(a) => a.strides()),* } }
            /// Pointer to the element at index (0, 0, ...).
            pub fn as_ptr(&self) -> *const u8 { match self { $(DynView::$var(a) => a.as_ptr() as *const u8),* } }
            pub fn to_owned(&self) -> DynArray { match self { $(DynView::$var(a) => DynArray::$var(a.to_owned())),* } }
            pub fn reborrow(&self) -> DynView<'_> { match self { $(DynView::$var(a) => DynView::$var(a.view())),* } }
        }

        impl<'a> DynViewMut<'a> {
            pub fn dtype(&self) -> DType { match self { $(DynViewMut::$var(_) => DType::$var),* } }
            pub fn shape(&self) -> &[usize] { match self { $(DynViewMut::$var(a) => a.shape()),* } }
            /// Copies `src` (same dtype and shape) into this array.
            pub fn assign(&mut self, src: &DynArray) {
                match (self, src) {
                    $((DynViewMut::$var(d), DynArray::$var(s)) => d.assign(s),)*
                    _ => unreachable!("assign between different dtypes"),
                }
            }
            /// The contiguous slice when the destination is in standard (C) layout.
            pub fn as_bytes_mut(&mut self) -> Option<*mut u8> {
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
            pub fn view(&self) -> DynView<'_> { match self { $(DynViewMut::$var(a) => DynView::$var(a.view())),* } }
        }

        $(impl From<ArrayD<$t>> for DynArray { fn from(a: ArrayD<$t>) -> Self { DynArray::$var(a) } })*
    };
}

/// Zero of each element type (num-traits would do, but bool is not a number there).
pub trait Zero {
    fn zero() -> Self;
}
impl Zero for bool {
    fn zero() -> Self {
        false
    }
}
/// `n` zero complex numbers from a zeroed float allocation: large ones get lazily
/// zeroed pages from the OS, which `vec![Complex::new(0, 0); n]` (an explicit, serial
/// fill) does not; outputs are then first touched by the parallel kernel.
fn zeroed_complex<F: Copy + Default>(n: usize) -> Vec<num_complex::Complex<F>> {
    let mut v = std::mem::ManuallyDrop::new(vec![F::default(); 2 * n]);
    let cap = v.capacity() / 2;
    // SAFETY: `Complex<F>` is `repr(C) { re: F, im: F }`: the alignment of F and twice
    // its size, so 2n zero floats are n zero complex numbers and the allocation's
    // layout (2 * cap floats) is that of `cap` complex numbers.
    unsafe { Vec::from_raw_parts(v.as_mut_ptr() as *mut num_complex::Complex<F>, n, cap) }
}

macro_rules! zero_impl { ($($t:ty = $z:expr),*) => { $(impl Zero for $t { fn zero() -> Self { $z } })* } }
zero_impl!(
    i32 = 0,
    i64 = 0,
    f32 = 0.0,
    f64 = 0.0,
    Complex32 = Complex32::new(0.0, 0.0),
    Complex64 = Complex64::new(0.0, 0.0)
);

dyn_enums!(Bool bool, I32 i32, I64 i64, F32 f32, F64 f64, C64 Complex32, C128 Complex64);

impl DynArray {
    /// Borrows the array as `ArrayD<T>` if it has that element type.
    pub fn as_array<T: Element>(&self) -> Option<&ArrayD<T>> {
        T::unwrap(self)
    }

    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

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

/// The variables an expression or program reads: name -> array (owned or borrowed).
#[derive(Default, Debug)]
pub struct Vars<'a> {
    map: BTreeMap<String, VarArray<'a>>,
}

#[derive(Debug)]
enum VarArray<'a> {
    Owned(DynArray),
    Borrowed(DynView<'a>),
}

impl<'a> Vars<'a> {
    pub fn new() -> Self {
        Vars::default()
    }

    /// Binds `name` to a borrowed array (no copy).
    pub fn insert(&mut self, name: &str, array: impl Into<DynView<'a>>) -> &mut Self {
        self.map
            .insert(name.to_string(), VarArray::Borrowed(array.into()));
        self
    }

    /// Binds `name` to an owned array.
    pub fn insert_owned(&mut self, name: &str, array: impl Into<DynArray>) -> &mut Self {
        self.map
            .insert(name.to_string(), VarArray::Owned(array.into()));
        self
    }

    /// Builder form of [`Vars::insert`].
    pub fn with(mut self, name: &str, array: impl Into<DynView<'a>>) -> Self {
        self.insert(name, array);
        self
    }

    /// The same bindings, borrowed.
    pub fn views(&self) -> Vars<'_> {
        let mut v = Vars::new();
        for name in self.map.keys() {
            if let Some(a) = self.get(name) {
                v.insert(name, a);
            }
        }
        v
    }

    pub fn get(&self, name: &str) -> Option<DynView<'_>> {
        self.map.get(name).map(|v| match v {
            VarArray::Owned(a) => a.view(),
            VarArray::Borrowed(v) => v.reborrow(),
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.map.keys().map(|s| s.as_str())
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl From<BTreeMap<String, DynArray>> for Vars<'static> {
    fn from(m: BTreeMap<String, DynArray>) -> Self {
        Vars {
            map: m
                .into_iter()
                .map(|(k, v)| (k, VarArray::Owned(v)))
                .collect(),
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
            // SAFETY: written in full below before anything reads it.
            let mut a = unsafe { DynArray::uninit(dtype, &shape) };
            assert_eq!(a.shape(), &shape[..]);
            let ptr = a.view().as_ptr() as usize;
            assert_eq!(ptr % HUGE_PAGE, 0, "{dtype}");
            a.view_mut().assign(&DynArray::zeros(dtype, &shape));
            assert_eq!(a, DynArray::zeros(dtype, &shape));
        }
        // Small ones are plain allocations.
        // SAFETY: not read.
        let small = unsafe { DynArray::uninit(DType::F64, &[1000]) };
        assert_eq!(small.len(), 1000);
    }
}
