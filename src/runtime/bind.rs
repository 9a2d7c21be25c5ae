//! Binding: resolve each input name to an array, broadcast all inputs to one
//! iteration shape, and classify each input's layout for the backends.

use crate::array::{DynView, Vars};
use crate::cancel::CancelToken;
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::broadcast::broadcast_named;

/// How an input is laid out relative to the C-order iteration over the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// Element `i` of the iteration is element `i` of the buffer.
    Contiguous,
    /// One element, broadcast everywhere (all strides zero).
    Scalar,
    /// Anything else: addressed through strides (broadcast rows, Fortran order, slices).
    Strided,
}

pub struct BoundInput<'v> {
    pub name: String,
    pub view: DynView<'v>,
    /// Strides in elements over the iteration shape (0 where broadcast).
    pub strides: Vec<isize>,
    pub layout: Layout,
    /// The flat iteration index of the view's first element: a `Contiguous` input may
    /// hold only the elements of the block being evaluated (streamed evaluation).
    pub window: usize,
}

impl BoundInput<'_> {
    /// Element offset (in elements, from `view.as_ptr()`) of flat iteration index `i`.
    pub fn offset(&self, shape: &[usize], i: usize) -> isize {
        match self.layout {
            Layout::Contiguous => i as isize - self.window as isize,
            Layout::Scalar => 0,
            Layout::Strided => strided_offset(shape, &self.strides, i),
        }
    }
}

/// Offset of C-order flat index `i` in an array of `shape` with element `strides`.
pub fn strided_offset(shape: &[usize], strides: &[isize], mut i: usize) -> isize {
    let mut off = 0isize;
    for (d, &n) in shape.iter().enumerate().rev() {
        if n == 0 {
            return 0;
        }
        off += (i % n) as isize * strides[d];
        i /= n;
    }
    off
}

pub struct Bound<'v> {
    pub shape: Vec<usize>,
    pub inputs: Vec<BoundInput<'v>>,
    /// What stops this evaluation (`Vars::with_cancel`).
    pub cancel: Option<CancelToken>,
}

impl Bound<'_> {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// NumPy's broadcasting of all of `func`'s inputs.
pub fn bind<'v>(func_inputs: &[String], vars: &'v Vars) -> Result<Bound<'v>> {
    let mut views = Vec::new();
    for name in func_inputs {
        let v = vars
            .get(name)
            .ok_or_else(|| Error::new(ErrorKind::Name, format!("unknown variable `{name}`")))?;
        views.push((name.clone(), v));
    }
    let shape = broadcast_named(views.iter().map(|(n, v)| (n.as_str(), v.shape())))?;
    let inputs = views
        .into_iter()
        .map(|(name, view)| {
            let strides = broadcast_strides(view.shape(), view.strides(), &shape);
            let layout = classify(&shape, &strides);
            BoundInput {
                name,
                view,
                strides,
                layout,
                window: 0,
            }
        })
        .collect();
    Ok(Bound {
        shape,
        inputs,
        cancel: vars.cancel_token().cloned(),
    })
}

/// Element strides of a view broadcast to shape `to` (0 along broadcast dimensions).
pub fn broadcast_strides(shape: &[usize], strides: &[isize], to: &[usize]) -> Vec<isize> {
    let off = to.len() - shape.len();
    (0..to.len())
        .map(|d| {
            if d < off || shape[d - off] == 1 {
                0
            } else {
                strides[d - off]
            }
        })
        .collect()
}

/// The layout class of element `strides` over `shape`.
pub fn classify(shape: &[usize], strides: &[isize]) -> Layout {
    if strides.iter().zip(shape).all(|(&s, &n)| s == 0 || n <= 1) {
        return Layout::Scalar;
    }
    let mut expect = 1isize;
    for (&s, &n) in strides.iter().zip(shape).rev() {
        if n > 1 && s != expect {
            return Layout::Strided;
        }
        expect *= n as isize;
    }
    Layout::Contiguous
}

/// Reads element `off` (in elements, from `view.as_ptr()`) of a view as a scalar.
///
/// # Safety
/// `off` addresses an element of `view`: it is `BoundInput::offset` of a flat index
/// below the bound length, for the input whose view this is.
pub unsafe fn read_scalar(view: &DynView, off: isize) -> crate::value::Scalar {
    use crate::value::Scalar as S;
    // SAFETY: the caller guarantees `off` is inside the view's extent.
    unsafe {
        match view {
            DynView::Bool(a) => S::Bool(*a.as_ptr().offset(off)),
            DynView::I32(a) => S::I32(*a.as_ptr().offset(off)),
            DynView::I64(a) => S::I64(*a.as_ptr().offset(off)),
            DynView::F32(a) => S::F32(*a.as_ptr().offset(off)),
            DynView::F64(a) => S::F64(*a.as_ptr().offset(off)),
            DynView::C64(a) => S::C64(*a.as_ptr().offset(off)),
            DynView::C128(a) => S::C128(*a.as_ptr().offset(off)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(classify(&[3, 4], &[4, 1]), Layout::Contiguous);
        assert_eq!(classify(&[3, 4], &[0, 0]), Layout::Scalar);
        assert_eq!(classify(&[3, 4], &[1, 3]), Layout::Strided);
        assert_eq!(classify(&[3, 4], &[0, 1]), Layout::Strided);
        assert_eq!(strided_offset(&[3, 4], &[1, 3], 5), 1 + 3);
    }
}
