//! What `--out` does to what is already at its path: a symbolic link is followed (its
//! target written, as `np.save` does), an existing file's permission bits are kept, a
//! FIFO is written into rather than replaced, and a killed run leaves no file behind.

use crate::common::{exe, nexpr, text};
use ndarray_npy::WriteNpyExt;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// `[0, 1, 2]` as `a.npy` in a directory of its own (beside nothing else).
fn input() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.npy");
    ndarray::arr1(&[0.0f64, 1.0, 2.0])
        .write_npy(std::fs::File::create(&a).unwrap())
        .unwrap();
    (d, a)
}

/// `nexpr eval "a*2" --out out`.
fn eval_out(out: &Path) {
    let (_keep, a) = input();
    let o = nexpr(&[
        "eval",
        "a*2",
        "--vars",
        a.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (_, se) = text(&o);
    assert!(o.status.success(), "{se}");
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_symlink_is_followed() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("real.npy");
    std::fs::write(&target, b"old").unwrap();
    let link = d.path().join("link.npy");
    std::os::unix::fs::symlink("real.npy", &link).unwrap();
    eval_out(&link);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let r = nexpr::io::read_npy(&target).unwrap();
    assert_eq!(
        r.as_array::<f64>().unwrap().as_slice().unwrap(),
        &[0.0, 2.0, 4.0]
    );
    assert_eq!(names(d.path()), ["link.npy", "real.npy"]);
}

#[test]
fn an_existing_files_mode_is_kept() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r.npy");
    std::fs::write(&out, b"old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    eval_out(&out);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
    assert!(nexpr::io::read_npy(&out).is_ok());
}

#[test]
fn a_fifo_is_written_into() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe.npy");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    eval_out(&fifo);
    let bytes = reader.join().unwrap();
    let r = nexpr::io::decode_npy(&bytes).unwrap();
    assert_eq!(
        r.as_array::<f64>().unwrap().as_slice().unwrap(),
        &[0.0, 2.0, 4.0]
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(d.path()), ["pipe.npy"]);
}

/// SIGKILL cannot be handled: the output is an unnamed file until the commit, so the
/// directory holds nothing after a kill in the middle of a long evaluation.
#[test]
fn sigkill_leaves_nothing() {
    let vars = tempfile::tempdir().unwrap();
    let v = vars.path().join("v.npz");
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&v).unwrap());
    w.add_array("col", &ndarray::Array2::<f64>::zeros((20_000, 1)))
        .unwrap();
    w.add_array("row", &ndarray::Array2::<f64>::zeros((1, 20_000)))
        .unwrap();
    w.finish().unwrap();
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r.npy");
    // 4e8 doubles (3.2 GB) to write: seconds, far longer than the wait below.
    let mut child = std::process::Command::new(exe())
        .args(["eval", "sin(col + row)", "--vars", v.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap(), "--threads", "1"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(names(d.path()), Vec::<String>::new());
}

/// An input truncated while a long evaluation reads it (a page past its new end is a
/// SIGBUS): exit code 1 with a message, and no output file.
#[test]
fn a_truncated_input_is_an_error_and_leaves_nothing() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.npy");
    // 4 Mi doubles, each run through 3000 iterations: seconds of work, read in blocks.
    ndarray::Array1::<f64>::zeros(1 << 22)
        .write_npy(std::fs::File::create(&a).unwrap())
        .unwrap();
    let prog = d.path().join("slow.nx");
    std::fs::write(
        &prog,
        "output r\nr = a\nfor i in range(3000):\n    r = r * 0.5 + 1.0\n",
    )
    .unwrap();
    let out = d.path().join("r.npz");
    let child = std::process::Command::new(exe())
        .args(["run", prog.to_str().unwrap(), "--vars", a.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap(), "--threads", "1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&a)
        .unwrap()
        .set_len(128)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{se}");
    assert!(se.contains("truncated"), "{se}");
    assert_eq!(names(d.path()), ["a.npy", "slow.nx"]);
}
