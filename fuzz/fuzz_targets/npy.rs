//! `.npy` / `.npz` bytes, through every door nexpr reads files by: decoding from
//! memory, and the file readers (mapped `.npy`, mapped or inflated `.npz` members,
//! whole loads and block reads), then evaluated (an axis reduction and a program with
//! two outputs, over arrays of many dimensions or oversized zero-size shapes). Any
//! bytes must give a value or an error: never a panic, an abort, a hang or an
//! allocation beyond what the bytes justify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexpr::io;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let _ = io::decode_npy(data);
    let _ = io::decode_npz(data);

    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("temp dir");
    }
    DIR.with(|d| {
        let path = d.path().join("input.npy");
        let mut f = std::fs::File::create(&path).expect("create");
        f.write_all(data).expect("write");
        drop(f);
        if let Ok(mut vars) = io::open(&path) {
            for input in vars.values_mut() {
                let n = input.len();
                let _ = input.read_range(n.saturating_sub(7)..n);
                let _ = input.view();
                if let Ok(a) = input.load() {
                    evaluate(&a);
                }
            }
        }
    });
});

/// An axis reduction and a two-output program over `a`, where the result's size is
/// what the bytes say (at most a few times the array's).
fn evaluate(a: &nexpr::DynArray) {
    use nexpr::{Expr, Program, Target, Vars};
    if a.len() > 1 << 16 {
        return;
    }
    let vars = Vars::new().with("x", a.view());
    if let Ok(k) = Expr::parse("sum(x, axis=0)").and_then(|e| e.compile(Target::Interp)) {
        let _ = k.eval(&vars);
    }
    let p = Program::parse("output y, z\ny = x + x\nz = x * x\n");
    if let Ok(k) = p.and_then(|p| p.compile(Target::Interp)) {
        let _ = k.run(&vars);
    }
}
