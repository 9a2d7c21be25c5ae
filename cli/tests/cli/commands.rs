//! End-to-end tests of the `nexpr` binary: results, exit codes, messages, files.

use crate::common::{nexpr, npy_bytes, text};
use ndarray::{arr1, arr2, ArrayD};
use ndarray_npy::{NpzWriter, ReadNpyExt, WriteNpyExt};
use std::path::{Path, PathBuf};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write_npz(path: &Path) {
    let mut w = NpzWriter::new(std::fs::File::create(path).unwrap());
    w.add_array("a", &arr1(&[1.0f64, 2.0, 3.0])).unwrap();
    w.add_array("b", &arr1(&[0.5f64, 0.5, 4.0])).unwrap();
    w.add_array("i", &arr1(&[1i32, -2, 3])).unwrap();
    w.add_array("m", &arr2(&[[1.0f32, 2.0], [3.0, 4.0]]))
        .unwrap();
    w.add_array("x4", &arr1(&[1.0f64, 2.0, 3.0, 4.0])).unwrap();
    w.finish().unwrap();
}

/// `nexpr eval EXPR --vars FILE --target interp`: its printed result, and stderr on failure.
fn interp(expr: &str, file: &Path) -> String {
    let o = nexpr(&[
        "eval",
        expr,
        "--vars",
        file.to_str().unwrap(),
        "--target",
        "interp",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{expr}: {err}");
    out.trim().to_string()
}

/// A hand-made .npy file (for layouts and dtypes the writer does not produce).
fn raw_npy(path: &Path, descr: &str, shape: &str, fortran: bool, data: &[u8]) -> PathBuf {
    let fortran = if fortran { "True" } else { "False" };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    std::fs::write(path, npy_bytes(&dict, data)).unwrap();
    path.to_path_buf()
}

#[test]
fn eval_prints_like_numpy() {
    let d = tmp();
    let f = d.path().join("v.npz");
    write_npz(&f);
    let o = nexpr(&[
        "eval",
        "where(a > b, a, b) * 2",
        "--vars",
        f.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out.trim(), "array([2., 4., 8.])");
    let o = nexpr(&[
        "eval",
        "i * 2",
        "--vars",
        f.to_str().unwrap(),
        "--target",
        "interp",
    ]);
    assert_eq!(text(&o).0.trim(), "array([ 2, -4,  6], dtype=int32)");
}

#[test]
fn out_writes_npy_atomically() {
    let d = tmp();
    let f = d.path().join("v.npz");
    write_npz(&f);
    let out = d.path().join("r.npy");
    let o = nexpr(&[
        "eval",
        "m * 2 + 1",
        "--vars",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let r = ArrayD::<f32>::read_npy(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!(r, arr2(&[[3.0f32, 5.0], [7.0, 9.0]]).into_dyn());
    // A failing evaluation leaves no file behind, not even a temporary one.
    let bad = d.path().join("bad.npy");
    let o = nexpr(&[
        "eval",
        "a + x4",
        "--vars",
        f.to_str().unwrap(),
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!bad.exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn exit_codes_and_messages() {
    let d = tmp();
    let f = d.path().join("v.npz");
    write_npz(&f);
    let v = f.to_str().unwrap();
    // Parse error: exit 2, caret under the fault.
    let o = nexpr(&["eval", "a + * b", "--vars", v]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(err.contains("a + * b") && err.contains("    ^"), "{err}");
    // Unknown name: exit 2, names it.
    let o = nexpr(&["eval", "a + nope", "--vars", v]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("unknown variable `nope`"));
    // Type error: exit 2.
    let o = nexpr(&["eval", "a << 2", "--vars", v]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("float64"), "{}", text(&o).1);
    // Wrong arity: exit 2.
    let o = nexpr(&["eval", "where(a, b)", "--vars", v]);
    assert_eq!(o.status.code(), Some(2));
    // Shape mismatch: exit 1, names both variables.
    let o = nexpr(&["eval", "a + x4", "--vars", v]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(err.contains("`a`") && err.contains("`x4`"), "{err}");
    // Missing and corrupt files: exit 1, name the file.
    let o = nexpr(&["eval", "a", "--vars", "/nonexistent/v.npz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("/nonexistent/v.npz"));
    let junk = d.path().join("junk.npz");
    std::fs::write(&junk, b"PK\x03\x04 this is not a zip").unwrap();
    let o = nexpr(&["eval", "a", "--vars", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("junk.npz"), "{}", text(&o).1);
    // Usage error: exit 2.
    let o = nexpr(&["eval"]);
    assert_eq!(o.status.code(), Some(2));
    // Integer to a negative power: evaluation error, exit 1.
    let o = nexpr(&["eval", "i ** i", "--vars", v, "--target", "interp"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("negative integer powers"));
}

#[test]
fn unusual_npy_files() {
    let d = tmp();
    // Big-endian float64.
    let be: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let p = raw_npy(&d.path().join("be.npy"), ">f8", "(2,)", false, &be);
    assert_eq!(interp("be * 2", &p), "array([ 3., -4.])");
    // Fortran order: logical [[1, 2, 3], [4, 5, 6]] stored column-major.
    let fo: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = raw_npy(&d.path().join("fo.npy"), "<i4", "(2, 3)", true, &fo);
    let o = nexpr(&["eval", "fo[0]", "--vars", p.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "indexing is not part of the language"
    );
    assert_eq!(interp("sum(fo, axis=1)", &p), "array([ 6, 15])");
    // float16 is widened to float32; uint8 to int32.
    let h: Vec<u8> = [0x3c00u16, 0xc000]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = raw_npy(&d.path().join("h.npy"), "<f2", "(2,)", false, &h);
    assert_eq!(interp("h + 1", &p), "array([ 2., -1.], dtype=float32)");
    let p = raw_npy(&d.path().join("u.npy"), "|u1", "(3,)", false, &[1, 2, 255]);
    assert_eq!(interp("u + 1", &p), "array([  2,   3, 256], dtype=int32)");
    // uint64 is refused, naming the variable's file.
    let p = raw_npy(&d.path().join("big.npy"), "<u8", "(1,)", false, &[0; 8]);
    let o = nexpr(&["eval", "big", "--vars", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("uint64"), "{}", text(&o).1);
    // Truncated data.
    let p = raw_npy(&d.path().join("t.npy"), "<f8", "(4,)", false, &[0; 9]);
    let o = nexpr(&["eval", "t", "--vars", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    // 0-d complex, written by ndarray-npy.
    let z = d.path().join("z.npy");
    ndarray::arr0(num_complex::Complex64::new(1.0, -2.0))
        .write_npy(std::fs::File::create(&z).unwrap())
        .unwrap();
    assert_eq!(interp("z * 1j", &z), "array(2.+1.j)");
}

#[test]
fn emit_ir_and_set() {
    let o = nexpr(&["eval", "x*x + 1", "--set", "x=2.5", "--emit", "ir"]);
    let out = text(&o).0;
    assert!(out.starts_with("func(x: f64) -> (result: f64)"), "{out}");
    let o = nexpr(&["eval", "x*x + 1", "--set", "x=2.5", "--target", "interp"]);
    assert_eq!(text(&o).0.trim(), "array(7.25)");
    // Printing CUDA C or CLIF needs no GPU.
    let o = nexpr(&[
        "eval", "x*x + 1", "--set", "x=2.5", "--target", "cuda", "--emit", "cuda",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(text(&o).0.contains("__global__"), "{}", text(&o).0);
    let o = nexpr(&["eval", "x*x + 1", "--set", "x=2.5", "--emit", "clif"]);
    assert!(text(&o).0.contains("function"), "{}", text(&o).0);
    let o = nexpr(&["eval", "x", "--set", "x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_program_writes_npz() {
    let d = tmp();
    let prog = d.path().join("p.nx");
    std::fs::write(&prog, "output s, n\ns = 0.0\nn = 0\nfor k in range(m):\n    s += x\n    n += 1\n    if s > 5:\n        break\n").unwrap();
    let f = d.path().join("x.npy");
    arr1(&[1.0f64, 2.0, 10.0])
        .write_npy(std::fs::File::create(&f).unwrap())
        .unwrap();
    let out = d.path().join("o.npz");
    let o = nexpr(&[
        "run",
        prog.to_str().unwrap(),
        "--vars",
        f.to_str().unwrap(),
        "--set",
        "m=4",
        "--target",
        "interp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let mut r = ndarray_npy::NpzReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let s: ArrayD<f64> = r.by_name("s").unwrap();
    let n: ArrayD<i64> = r.by_name("n").unwrap();
    assert_eq!(s, arr1(&[4.0, 6.0, 10.0]).into_dyn());
    assert_eq!(n, arr1(&[4i64, 3, 1]).into_dyn());
    // A program with an indentation error: exit 2 with the line shown.
    std::fs::write(&prog, "output y\ny = 1\n  y = 2\n").unwrap();
    let o = nexpr(&["run", prog.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("unexpected indentation"),
        "{}",
        text(&o).1
    );
}
