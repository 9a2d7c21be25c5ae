//! Where the generator's choices come from: a seeded [`Rng`] in the tests (a failure
//! reproduces from its seed), the fuzzer's bytes in the fuzz targets.

use crate::Rng;
use arbitrary::Unstructured;

/// A source of choices. `below(n)` is in `0..n`; a source that runs dry answers 0,
/// and choice 0 is always the one that ends generation soonest (a leaf, one
/// statement), so that generation terminates on any source.
pub trait Entropy {
    /// A choice in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize;

    /// True `num` times in `den`.
    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// One of `xs` (not empty).
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

impl Entropy for Rng {
    fn below(&mut self, n: usize) -> usize {
        Rng::below(self, n)
    }
}

impl Entropy for Unstructured<'_> {
    fn below(&mut self, n: usize) -> usize {
        // `choose_index` fails only for `n == 0`, and answers 0 once the bytes are used up.
        self.choose_index(n).unwrap_or(0)
    }
}

/// A borrowed source, so that one source can feed several generations in turn.
impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn below(&mut self, n: usize) -> usize {
        (**self).below(n)
    }
}
