//! The one seeded random generator of the tests and of the language generator: small,
//! deterministic (a failure reproduces from its seed), any seed accepted.

use nexpr::internals::Scalar;
use nexpr::DType;
use num_complex::{Complex32, Complex64};

/// xorshift64* over a state scrambled from the seed (splitmix64), so that every seed,
/// zero and small ones included, starts a well-mixed sequence.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    // Named as the tests have always called it; an endless generator, not an iterator.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `n` values uniform in [-0.25, 0.75): both signs, no integers.
    pub fn f64s(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.unit() - 0.25).collect()
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// A small value of dtype `d`: integers in -20..=20, floats in [-10, 10] in steps
    /// of 0.01.
    pub fn value(&mut self, d: DType) -> Scalar {
        let f = (self.below(2001) as f64 - 1000.0) / 100.0;
        let g = (self.below(2001) as f64 - 1000.0) / 100.0;
        match d {
            DType::Bool => Scalar::Bool(self.below(2) == 1),
            DType::I32 => Scalar::I32(self.below(41) as i32 - 20),
            DType::I64 => Scalar::I64(self.below(41) as i64 - 20),
            DType::F32 => Scalar::F32(f as f32),
            DType::F64 => Scalar::F64(f),
            DType::C64 => Scalar::C64(Complex32::new(f as f32, g as f32)),
            DType::C128 => Scalar::C128(Complex64::new(f, g)),
        }
    }
}

#[test]
fn any_seed_gives_a_mixed_sequence() {
    for seed in [0, 1, 2, u64::MAX] {
        let mut r = Rng::new(seed);
        let xs: Vec<u64> = (0..64).map(|_| r.next()).collect();
        let ones: u32 = xs.iter().map(|x| x.count_ones()).sum();
        assert!((1600..2500).contains(&ones), "seed {seed}: {ones} bits set");
    }
}
