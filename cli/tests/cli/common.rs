//! Running the `nexpr` binary from tests.

use std::process::{Command, Output};

/// The `nexpr` binary of this build (Cargo builds it for this crate's tests).
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_nexpr")
}

/// Runs `nexpr args…` on two threads and waits for it.
pub fn nexpr(args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .env("NEXPR_NUM_THREADS", "2")
        .output()
        .expect("run nexpr")
}

/// Its standard output and standard error, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Its standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// User and system time of process `pid` so far, in clock ticks (1/100 s).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are 14 and 15.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |k: usize| {
        fields
            .get(k)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    tick(11) + tick(12)
}

/// The bytes of a version-1.0 `.npy` file with header dictionary `dict` and `data`
/// (for layouts, dtypes and hostile headers the writers do not produce).
pub fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}
