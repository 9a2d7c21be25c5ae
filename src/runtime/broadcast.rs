//! NumPy's broadcasting of shapes: the one rule behind binding variables, streamed
//! evaluation, device sessions and the Python package's checks of `out=`.

use crate::error::{Error, ErrorKind, Result};

/// NumPy's broadcast shape of `shapes`: shapes are aligned at their last axis, and
/// along each axis every length is the result's or 1.
///
/// A shape error in NumPy's words where two lengths disagree; a memory error where the
/// result has more elements than the address space holds.
///
/// ```
/// use nexpr::{broadcast_shape, ErrorKind};
/// assert_eq!(broadcast_shape(&[&[3, 1], &[4]])?, vec![3, 4]);
/// assert_eq!(broadcast_shape(&[])?, Vec::<usize>::new());
/// let e = broadcast_shape(&[&[3], &[4]]).unwrap_err();
/// assert_eq!(e.kind, ErrorKind::Shape);
/// assert_eq!(e.message, "operands could not be broadcast together with shapes (3,) (4,)");
/// # Ok::<(), nexpr::Error>(())
/// ```
pub fn broadcast_shape(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    match fold(shapes.iter().copied()) {
        Ok(out) => addressable(out),
        Err(_) => {
            let all: Vec<String> = shapes.iter().map(|s| numpy_shape(s)).collect();
            Err(Error::new(
                ErrorKind::Shape,
                format!(
                    "operands could not be broadcast together with shapes {}",
                    all.join(" ")
                ),
            ))
        }
    }
}

/// The broadcast shape of named shapes, or an error naming the two that disagree.
pub(crate) fn broadcast_named<'a>(
    shapes: impl Iterator<Item = (&'a str, &'a [usize])> + Clone,
) -> Result<Vec<usize>> {
    let m = match fold(shapes.clone().map(|(_, s)| s)) {
        Ok(out) => return addressable(out),
        Err(m) => m,
    };
    let (name, s) = shapes
        .clone()
        .nth(m.culprit)
        .expect("the culprit is one of them");
    // The first shape whose length along the dimension is the one that disagrees.
    let owner = shapes
        .take(m.culprit)
        .find(|(_, t)| along(t, m.ndim, m.dim) == Some(m.size))
        .map_or("", |(n, _)| n);
    let n = along(s, m.ndim, m.dim).unwrap_or(1);
    Err(Error::new(
        ErrorKind::Shape,
        format!(
            "operands could not be broadcast together: `{owner}` has size {} and `{name}` has size {n} in dimension {} (shape {s:?})",
            m.size, m.dim
        ),
    ))
}

/// Where shapes disagree: shape number `culprit` differs from `size`, the length so
/// far of dimension `dim` of the `ndim` dimensions broadcast so far.
struct Mismatch {
    culprit: usize,
    dim: usize,
    ndim: usize,
    size: usize,
}

/// Broadcasts shape after shape; the first disagreement.
fn fold<'a>(
    shapes: impl Iterator<Item = &'a [usize]>,
) -> std::result::Result<Vec<usize>, Mismatch> {
    let mut out: Vec<usize> = Vec::new();
    for (culprit, s) in shapes.enumerate() {
        if s.len() > out.len() {
            out.splice(0..0, std::iter::repeat_n(1, s.len() - out.len()));
        }
        let off = out.len() - s.len();
        for (k, &n) in s.iter().enumerate() {
            let d = &mut out[off + k];
            if *d == n || n == 1 {
                continue;
            }
            if *d == 1 {
                *d = n;
                continue;
            }
            let size = *d;
            return Err(Mismatch {
                culprit,
                dim: off + k,
                ndim: out.len(),
                size,
            });
        }
    }
    Ok(out)
}

/// The length of `shape` along dimension `dim` of `ndim` right-aligned dimensions.
fn along(shape: &[usize], ndim: usize, dim: usize) -> Option<usize> {
    (dim + shape.len()).checked_sub(ndim).map(|k| shape[k])
}

/// `shape`, unless its element count (which every later count multiplies out)
/// overflows the address space.
fn addressable(shape: Vec<usize>) -> Result<Vec<usize>> {
    if shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(Error::new(
            ErrorKind::Memory,
            format!("the broadcast shape {shape:?} has more elements than the address space holds"),
        ));
    }
    Ok(shape)
}

/// A shape as NumPy prints it: `(3,)`, `(2,3)`, `()`.
fn numpy_shape(s: &[usize]) -> String {
    match s {
        [n] => format!("({n},)"),
        _ => {
            let dims: Vec<String> = s.iter().map(|n| n.to_string()).collect();
            format!("({})", dims.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_errors_name_both_sides() {
        let named = |v: &[(&'static str, &'static [usize])]| broadcast_named(v.iter().copied());
        assert_eq!(named(&[("a", &[3, 1]), ("b", &[4])]).unwrap(), vec![3, 4]);
        let e = named(&[("a", &[3]), ("b", &[4])]).unwrap_err();
        assert!(
            e.message
                .contains("`a` has size 3 and `b` has size 4 in dimension 0"),
            "{}",
            e.message
        );
        // The owner of a dimension is the first shape that gave it its length.
        let e = named(&[("a", &[1, 1]), ("b", &[2, 5]), ("c", &[7, 5])]).unwrap_err();
        assert!(
            e.message
                .contains("`b` has size 2 and `c` has size 7 in dimension 0"),
            "{}",
            e.message
        );
        let e = named(&[("a", &[5]), ("b", &[2, 1]), ("c", &[2, 4])]).unwrap_err();
        assert!(
            e.message
                .contains("`a` has size 5 and `c` has size 4 in dimension 1"),
            "{}",
            e.message
        );
        assert_eq!(named(&[]).unwrap(), Vec::<usize>::new());
    }

    #[test]
    fn too_many_elements_is_a_memory_error() {
        let e = broadcast_shape(&[&[usize::MAX / 2], &[4, 1]]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Memory);
        assert_eq!(broadcast_shape(&[&[0, 5], &[1]]).unwrap(), vec![0, 5]);
    }
}
