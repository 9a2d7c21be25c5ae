//! The `nexpr` command streams (`eval --out`): bounded memory, results equal to the
//! inputs' block by block, and nothing left behind when interrupted.

use crate::rng::Rng;
use nexpr::io::{self, Input, NpySink, OutputSpec, Sink};
use nexpr::DynArray;
use std::path::Path;
use std::process::Command;

/// Runs `cmd` and returns whether it succeeded and its peak RSS in bytes, as the high
/// water mark of its address space (`VmHWM`) polled until it exits. Not `getrusage`:
/// Linux carries `ru_maxrss` across `exec`, so a child of this (large) test process
/// would report the test process's own RSS at the fork.
fn max_rss_of(cmd: &mut Command) -> (bool, u64) {
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        let hwm = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak = peak.max(hwm.unwrap_or(0) * 1024);
        if let Some(status) = child.try_wait().unwrap() {
            return (status.success(), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Writes a `.npy` of `n` float64 values without holding them in memory.
fn generate(path: &Path, n: usize, seed: u64) {
    let mut sink = NpySink::new(path);
    sink.start(&[OutputSpec::new("x", nexpr::DType::F64, &[n])])
        .unwrap();
    let per = 1 << 20;
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let block = ndarray::Array1::from(Rng::new(seed + done as u64).f64s(k));
        sink.block(&[(&block).into()]).unwrap();
        done += k;
    }
    sink.finish().unwrap();
}

/// The CLI streams: three 48 MB inputs and a 48 MB output in far less memory.
/// (`NEXPR_BIG_GB=2 cargo test --release --test it io_stream -- --ignored` runs the
/// same with 2 GB files.)
#[test]
fn cli_streams_in_bounded_memory() {
    rss_case(6 << 20, 100 << 20);
}

#[test]
#[ignore = "writes three large files; NEXPR_BIG_GB sets the size (default 2)"]
fn cli_streams_big_files_in_bounded_memory() {
    let gb: usize = std::env::var("NEXPR_BIG_GB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    rss_case(gb << 27, 300 << 20);
}

fn rss_case(n: usize, limit: u64) {
    let d = tempfile::tempdir_in(
        std::env::var("NEXPR_BIG_DIR").unwrap_or_else(|_| env!("CARGO_TARGET_TMPDIR").into()),
    )
    .unwrap();
    for (k, name) in ["a", "b", "c"].iter().enumerate() {
        generate(&d.path().join(format!("{name}.npy")), n, 10 + k as u64);
    }
    let arg = |n: &str| d.path().join(n).to_str().unwrap().to_string();
    let (status, rss) = max_rss_of(
        Command::new(crate::common::exe())
            .args([
                "eval",
                "a*b+c",
                "--vars",
                &arg("a.npy"),
                "--vars",
                &arg("b.npy"),
            ])
            .args(["--vars", &arg("c.npy"), "--out", &arg("r.npy")])
            .env("NEXPR_NUM_THREADS", "2"),
    );
    assert!(status, "nexpr eval failed");
    assert!(rss < limit, "peak RSS {} MB", rss >> 20);
    // The result, checked block by block against the inputs.
    let mut ins: Vec<Input> = ["a", "b", "c"]
        .iter()
        .map(|n| io::open_npy(d.path().join(format!("{n}.npy"))).unwrap())
        .collect();
    let mut r = io::open_npy(d.path().join("r.npy")).unwrap();
    assert_eq!(r.shape(), &[n]);
    let per = 1 << 20;
    let mut lo = 0;
    while lo < n {
        let hi = (lo + per).min(n);
        let w: Vec<_> = ins
            .iter_mut()
            .map(|i| i.read_range(lo..hi).unwrap())
            .collect();
        let out = r.read_range(lo..hi).unwrap();
        let (DynArray::F64(a), DynArray::F64(b), DynArray::F64(c), DynArray::F64(o)) =
            (&w[0], &w[1], &w[2], &out)
        else {
            panic!("float64")
        };
        for i in 0..hi - lo {
            assert_eq!(
                o[i].to_bits(),
                (a[i] * b[i] + c[i]).to_bits(),
                "element {}",
                lo + i
            );
        }
        lo = hi;
    }
}

/// `nexpr eval` of a slow interpreted expression over `dir/a.npy` into `out`, started.
fn interp_eval_into(dir: &Path, out: &Path, threads: usize) -> std::process::Child {
    Command::new(crate::common::exe())
        .args([
            "eval",
            "sin(a)**2 + exp(cos(a))",
            "--target",
            "interp",
            "--vars",
        ])
        .arg(dir.join("a.npy"))
        .arg("--out")
        .arg(out)
        .env("NEXPR_NUM_THREADS", threads.to_string())
        .spawn()
        .unwrap()
}

#[test]
fn interrupted_writes_leave_nothing_behind() {
    let d = tempfile::tempdir().unwrap();
    let n = 4 << 20;
    generate(&d.path().join("a.npy"), n, 7);
    let out = d.path().join("r.npy");
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut child = interp_eval_into(d.path(), &out, 1);
        // Wait until the evaluation runs (its output is an unnamed file where the
        // filesystem allows, so there may be nothing to see), then interrupt.
        let t = std::time::Instant::now();
        while crate::common::cpu_ticks(child.id()) < 20 && t.elapsed().as_secs() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        assert!(!status.success());
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["a.npy".to_string()], "signal {sig}");
    }
    // Signals at any moment, from the start on: nothing is ever left behind.
    for delay_ms in [0u64, 2, 5, 10, 20, 40, 80] {
        let mut child = interp_eval_into(d.path(), &out, 2);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        child.wait().unwrap();
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "r.npy")
            .collect();
        assert_eq!(names, vec!["a.npy".to_string()], "after {delay_ms} ms");
    }
}
