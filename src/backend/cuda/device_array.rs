//! Arrays in device memory, made and read back by a `DeviceSession`.

use crate::dtype::DType;
use cudarc::driver::{CudaSlice, DevicePtr};

/// A C-contiguous array in device memory, made by a [`crate::DeviceSession`] (`upload`,
/// `zeros`) and read back with its `download`.
///
/// ```no_run
/// let s = nexpr::DeviceSession::new(0)?;
/// let d = s.zeros(nexpr::DType::F32, &[2, 3])?;
/// assert_eq!((d.dtype(), d.shape(), d.len()), (nexpr::DType::F32, &[2, 3][..], 6));
/// # Ok::<(), nexpr::Error>(())
/// ```
pub struct DeviceArray {
    pub(super) buf: CudaSlice<u8>,
    pub(super) dtype: DType,
    pub(super) shape: Vec<usize>,
    /// Ordinal of the device it lives on.
    pub(super) device: usize,
}

impl DeviceArray {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// The shape (empty for a 0-d array).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What a launch needs of it.
    pub(super) fn as_ref(&self) -> DevRef<'_> {
        DevRef {
            ptr: self.buf.device_ptr(self.buf.stream()).0,
            dtype: self.dtype,
            shape: &self.shape,
            device: self.device,
        }
    }
}

impl std::fmt::Debug for DeviceArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceArray")
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("device", &self.device)
            .finish()
    }
}

/// What a launch needs of a device array (so that one array can be both read and
/// written by an in-place evaluation).
#[derive(Clone, Copy)]
pub(super) struct DevRef<'a> {
    pub ptr: u64,
    pub dtype: DType,
    pub shape: &'a [usize],
    pub device: usize,
}

/// Element strides of a C-contiguous array of `shape` broadcast to `to`.
pub(super) fn broadcast_strides(shape: &[usize], to: &[usize]) -> Vec<isize> {
    let mut own = vec![0isize; shape.len()];
    let mut s = 1isize;
    for d in (0..shape.len()).rev() {
        own[d] = s;
        s *= shape[d] as isize;
    }
    crate::runtime::bind::broadcast_strides(shape, &own, to)
}

#[cfg(test)]
mod tests {
    use super::broadcast_strides;

    #[test]
    fn c_order_strides_broadcast_with_zeros() {
        assert_eq!(broadcast_strides(&[3, 4], &[3, 4]), vec![4, 1]);
        assert_eq!(broadcast_strides(&[4], &[3, 4]), vec![0, 1]);
        assert_eq!(broadcast_strides(&[3, 1], &[3, 4]), vec![1, 0]);
        assert_eq!(broadcast_strides(&[], &[3, 4]), vec![0, 0]);
    }
}
