//! Allocation that fails with an error instead of aborting the process: every buffer
//! whose size an input decides (results, reduction outputs and partials) is reserved
//! through here, so that a result too large for memory is `ErrorKind::Memory` (Python's
//! `MemoryError`, the CLI's exit code 1) rather than Rust's "memory allocation of N
//! bytes failed" and SIGABRT.

use crate::dtype::DType;
use crate::error::{Error, Result};

/// The number of elements of `shape`, or an error if it does not fit in memory at all
/// (more bytes of `dtype` than the address space holds: NumPy's "array is too big").
pub(crate) fn elements(shape: &[usize], dtype: DType) -> Result<usize> {
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|n| {
            n.checked_mul(dtype.size())
                .is_some_and(|b| b <= isize::MAX as usize)
        });
    n.ok_or_else(|| {
        Error::memory(format!(
            "an array of shape {shape:?} and dtype {dtype} is too big: its size in bytes does not fit in the address space"
        ))
    })
}

/// The error of a failed allocation of `n` elements of `dtype` for an array of `shape`,
/// worded as NumPy's.
pub(crate) fn failed(n: usize, dtype: DType, shape: &[usize]) -> Error {
    Error::memory(format!(
        "unable to allocate {} for an array with shape {shape:?} and data type {dtype}",
        human_bytes(n.saturating_mul(dtype.size()))
    ))
}

/// A vector with room for exactly `n` elements (its length is 0), or `None` if the
/// allocator refuses.
pub(crate) fn try_vec<T>(n: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    Some(v)
}

/// `n` zero elements in a zeroed allocation (large ones get lazily zeroed pages from
/// the OS, first touched by whoever writes them), or `None` if the allocator refuses.
/// Zero bytes are a valid zero of every `Element` (false, 0, 0.0, 0 + 0i).
pub(crate) fn try_zeroed<T: crate::array::Element>(n: usize) -> Option<Vec<T>> {
    let layout = std::alloc::Layout::array::<T>(n).ok()?;
    if layout.size() == 0 {
        return Some(Vec::new());
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `n`
    // elements of `T`, all of them initialized (zero bytes are a valid `T`).
    Some(unsafe { Vec::from_raw_parts(ptr, n, n) })
}

/// The items of `it` in a vector allocated fallibly (what `what` says it is, for the
/// error): for counts an input decides, such as one partial result per chunk.
pub(crate) fn try_collect<T>(it: impl ExactSizeIterator<Item = T>, what: &str) -> Result<Vec<T>> {
    let n = it.len();
    let mut v = try_vec(n).ok_or_else(|| {
        Error::memory(format!(
            "unable to allocate {} for {n} {what}",
            human_bytes(n.saturating_mul(std::mem::size_of::<T>()))
        ))
    })?;
    v.extend(it);
    Ok(v)
}

/// `bytes` as NumPy prints it: in the largest binary unit that keeps the number at 1
/// or more, with two decimals (`8.00 TiB`).
fn human_bytes(bytes: usize) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = bytes as f64;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ => format!("{x:.2} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_that_overflow_are_errors() {
        assert_eq!(elements(&[3, 4], DType::F64).unwrap(), 12);
        assert_eq!(elements(&[], DType::F64).unwrap(), 1);
        assert_eq!(elements(&[0, usize::MAX], DType::F64).unwrap(), 0);
        let e = elements(&[1 << 40, 1 << 40], DType::F64).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Memory);
        // Fits in usize as elements, not as bytes.
        assert!(elements(&[1 << 61], DType::C128).is_err());
    }

    #[test]
    fn refused_allocations_are_none() {
        assert!(try_vec::<u64>(usize::MAX / 8).is_none());
        assert_eq!(try_vec::<u8>(10).unwrap().capacity(), 10);
    }

    #[test]
    fn zeroed_vectors_are_zero_or_refused() {
        assert!(try_zeroed::<f64>(usize::MAX / 8).is_none());
        assert!(try_zeroed::<num_complex::Complex64>(1 << 58).is_none());
        let v = try_zeroed::<num_complex::Complex32>(1000).unwrap();
        assert!(v.len() == 1000 && v.iter().all(|c| c.re == 0.0 && c.im == 0.0));
        assert!(try_zeroed::<bool>(0).unwrap().is_empty());
    }

    #[test]
    fn bytes_are_worded_as_numpy() {
        assert_eq!(human_bytes(100), "100 bytes");
        assert_eq!(human_bytes(8 << 40), "8.00 TiB");
        assert_eq!(human_bytes(1536), "1.50 KiB");
    }
}
