//! The command stops a long program on SIGINT and on SIGTERM within a second, with exit
//! code 130 and no file left behind.

use crate::common::{cpu_ticks, exe};
use std::process::Command;
use std::time::{Duration, Instant};

/// 10^12 iterations per element: only cancellation ends it.
const FOREVER: &str = "output y\ny = a\nfor i in range(10**12):\n    y = y + 1.0\n";

#[test]
fn the_cli_stops_on_sigint_and_sigterm_with_exit_code_130() {
    let d = tempfile::tempdir().unwrap();
    let prog = d.path().join("forever.nx");
    std::fs::write(&prog, FOREVER).unwrap();
    nexpr::io::write_npy(d.path().join("a.npy"), &ndarray::Array1::<f64>::zeros(4)).unwrap();
    let out = d.path().join("r.npz");
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let child = Command::new(exe())
            .arg("run")
            .arg(&prog)
            .arg("--vars")
            .arg(d.path().join("a.npy"))
            .arg("--out")
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until the evaluation has started: 300 ms of CPU time spent, most in the loop
        // (`.npz` members are written to unnamed files: nothing to see in the folder).
        let started = Instant::now();
        while cpu_ticks(child.id()) < 30 && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let t = Instant::now();
        unsafe { libc::kill(child.id() as i32, sig) };
        let result = child.wait_with_output().unwrap();
        let took = t.elapsed();
        assert_eq!(result.status.code(), Some(130), "signal {sig}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains("evaluation cancelled"), "{stderr}");
        assert!(took < Duration::from_secs(1), "signal {sig}: {took:?}");
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "forever.nx" && n != "a.npy")
            .collect();
        assert!(names.is_empty(), "left behind: {names:?}");
    }
}
