//! The one random generator of the tests, the generator's (`nexpr_gen::Rng`): small,
//! deterministic (a failure reproduces from its seed), any seed accepted. The CLI's
//! tests include this file too.

pub use nexpr_gen::Rng;
