//! The command line around files: `bench --program`, bounded `--repeat`, reductions
//! and programs written to files, errors that are messages with exit codes.

use crate::common::{nexpr, text};
use ndarray_npy::WriteNpyExt;
use std::path::Path;

fn grid(path: &Path) {
    let n = 16;
    let c = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        num_complex::Complex64::new(
            -2.0 + 2.5 * j as f64 / n as f64,
            -1.25 + 2.5 * i as f64 / n as f64,
        )
    });
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(path).unwrap());
    w.add_array("c", &c).unwrap();
    w.finish().unwrap();
}

/// `--no-fault-ahead` (each thread faults its own pages of a fresh output) times the
/// same evaluation; both ways the output is large enough for huge pages.
#[test]
fn bench_with_and_without_fault_ahead() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.npy");
    ndarray::Array1::from_iter((0..1_000_003).map(|i| i as f64))
        .write_npy(std::fs::File::create(&a).unwrap())
        .unwrap();
    for extra in [&[][..], &["--no-fault-ahead"][..]] {
        let mut args = vec![
            "bench",
            "2*a + 1",
            "--vars",
            a.to_str().unwrap(),
            "--repeat",
            "3",
            "--json",
        ];
        args.extend(extra);
        let o = nexpr(&args);
        let (so, se) = text(&o);
        assert!(o.status.success(), "{extra:?}: {se}");
        let v: serde_json::Value = serde_json::from_str(so.trim()).unwrap();
        assert_eq!(v["elements"].as_u64(), Some(1_000_003), "{extra:?}");
        assert_eq!(v["threads"].as_u64(), Some(2), "{extra:?}");
    }
}

/// `--into` times evaluations into one output reused by each, at 1 and 2 threads; a
/// program of two outputs has no one output to reuse and is refused as a usage error.
#[test]
fn bench_into_one_output() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.npy");
    ndarray::Array1::from_iter((0..1_000_003).map(|i| i as f64))
        .write_npy(std::fs::File::create(&a).unwrap())
        .unwrap();
    let a = a.to_str().unwrap();
    for threads in ["1", "2"] {
        let args = [
            "bench", "2*a + 1", "--vars", a, "--repeat", "3", "--json", "--into",
        ];
        let o = nexpr(&[&args[..], &["--threads", threads]].concat());
        let (so, se) = text(&o);
        assert!(o.status.success(), "{threads}: {se}");
        let v: serde_json::Value = serde_json::from_str(so.trim()).unwrap();
        assert_eq!(v["into"].as_bool(), Some(true));
        assert_eq!(v["elements"].as_u64(), Some(1_000_003));
        assert_eq!(v["times_s"].as_array().map(Vec::len), Some(3));
    }
    let o = nexpr(&["bench", "sum(a)", "--vars", a, "--repeat", "2", "--into"]);
    let (so, se) = text(&o);
    assert!(o.status.success() && so.contains("into one output"), "{se}");
    let two = d.path().join("two.nx");
    std::fs::write(&two, "output lo, hi\nlo = a - 1\nhi = a + 1\n").unwrap();
    let o = nexpr(&[
        "bench",
        "--program",
        two.to_str().unwrap(),
        "--vars",
        a,
        "--into",
    ]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(
        se.contains("writes one output") && !se.contains("panicked"),
        "{se}"
    );
}

#[test]
fn bench_times_programs_like_expressions() {
    let d = tempfile::tempdir().unwrap();
    let g = d.path().join("grid.npz");
    grid(&g);
    let prog = concat!(env!("CARGO_MANIFEST_DIR"), "/../kernels/mandelbrot.nx");
    // `nexpr bench --program mandelbrot.nx --vars grid --set maxi=M --repeat R extra…`:
    // its standard output, asserting success.
    let bench = |maxi: &str, repeat: &str, extra: &[&str]| {
        let set = format!("maxi={maxi}");
        let mut args = vec!["bench", "--program", prog, "--vars", g.to_str().unwrap()];
        args.extend(["--set", &set, "--repeat", repeat]);
        args.extend(extra);
        let o = nexpr(&args);
        let (so, se) = text(&o);
        assert!(o.status.success(), "{extra:?}: {se}");
        so
    };
    let v: serde_json::Value = serde_json::from_str(bench("32", "3", &["--json"]).trim()).unwrap();
    assert_eq!(v["program"].as_str().unwrap(), prog);
    assert_eq!(v["elements"].as_u64(), Some(256));
    assert_eq!(v["threads"].as_u64(), Some(2));
    assert_eq!(v["repeat"].as_u64(), Some(3));
    for k in ["compile_s", "median_s", "min_s"] {
        assert!(v[k].as_f64().unwrap() >= 0.0, "{k}");
    }
    let so = bench("8", "2", &["--target", "interp"]);
    assert!(so.contains("median") && so.contains("256 elements"), "{so}");
}

#[test]
fn repeat_is_bounded_and_errors_are_messages() {
    for r in ["0", "100001", "18446744073709551615"] {
        let o = nexpr(&["bench", "1+1", "--repeat", r]);
        let (_, se) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{se}");
        assert!(se.contains("--repeat"), "{se}");
        assert!(!se.contains("panicked"), "{se}");
    }
    let o = nexpr(&["bench", "1+1", "--repeat", "99999999999999999999999"]);
    assert_eq!(o.status.code(), Some(2));
    let o = nexpr(&["bench"]);
    assert_eq!(o.status.code(), Some(2));
    let o = nexpr(&["bench", "1+1", "--program", "x.nx"]);
    assert_eq!(o.status.code(), Some(2));
    let o = nexpr(&["run", "/nonexistent/p.nx"]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(se.starts_with("nexpr: I/O error"), "{se}");
    let o = nexpr(&["eval", "a", "--vars", "/nonexistent.npz"]);
    assert_eq!(o.status.code(), Some(1));
    let d = tempfile::tempdir().unwrap();
    let o = nexpr(&[
        "eval",
        "1+1",
        "--out",
        d.path().join("no/such/dir/r.npy").to_str().unwrap(),
    ]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{se}");
    assert!(!se.contains("panicked"), "{se}");
}

#[test]
fn reductions_and_programs_go_to_files() {
    let d = tempfile::tempdir().unwrap();
    let g = d.path().join("grid.npz");
    grid(&g);
    let r = d.path().join("s.npy");
    let o = nexpr(&[
        "eval",
        "sum(real(c))",
        "--vars",
        g.to_str().unwrap(),
        "--out",
        r.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let a = nexpr::io::read_npy(&r).unwrap();
    assert_eq!(a.shape(), &[] as &[usize]);
    let prog = d.path().join("p.nx");
    std::fs::write(&prog, "output re, big\nre = real(c)\nbig = abs(c) > 1\n").unwrap();
    let z = d.path().join("o.npz");
    let o = nexpr(&[
        "run",
        prog.to_str().unwrap(),
        "--vars",
        g.to_str().unwrap(),
        "--out",
        z.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let m = nexpr::io::read_npz(&z).unwrap();
    assert_eq!(m["re"].shape(), &[16, 16]);
    assert_eq!(m["big"].dtype(), nexpr::DType::Bool);
    // NumPy reads it (ndarray-npy's reader stands in here).
    let mut rd = ndarray_npy::NpzReader::new(std::fs::File::open(&z).unwrap()).unwrap();
    let re: ndarray::ArrayD<f64> = rd.by_name("re").unwrap();
    assert_eq!(re.shape(), &[16, 16]);
    let o = nexpr(&["run", prog.to_str().unwrap(), "--vars", g.to_str().unwrap()]);
    let (so, _) = text(&o);
    assert!(so.starts_with("re = array([[-2.     , -1.84375,"), "{so}");
    assert!(so.contains("big = array([[ True,  True,"), "{so}");
}
