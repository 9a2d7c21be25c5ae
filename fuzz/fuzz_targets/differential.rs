//! Fuzzer bytes -> a random (mostly well-typed) program or reduction and its inputs;
//! the CPU backend (exact math, 1 and 3 threads, contiguous and strided inputs) must
//! give the interpreter's results bit for bit, NaNs equal, and fail where it fails.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    if let Ok(case) = nexpr_fuzz::generate::case(&mut u) {
        nexpr_fuzz::differential(&case);
    }
});
