//! Expression text -> parse -> type check -> compile (interpreter, CPU) -> evaluate on
//! small arrays of every dtype. Nothing may panic or crash; errors must render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nexpr_fuzz::exercise_expr(&String::from_utf8_lossy(data));
});
