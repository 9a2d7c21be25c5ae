//! Program text -> parse -> type check -> compile (interpreter, CPU) -> run on small
//! arrays (programs whose loops could run long are compiled, not run).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nexpr_fuzz::exercise_program(&String::from_utf8_lossy(data));
});
