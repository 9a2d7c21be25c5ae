//! Making the peers in `peers/` runnable: the Python ways' venv (set up once by
//! `prepare.py`), which ways an interpreter can run (`mandel_ways.py --check`), and
//! the C programs, compiled for this run. Every failure is one line saying why.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The folder of the peers' sources.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mandelbrot/peers")
}

/// The Python of the peers' venv, made (or found made) by `prepare.py` run with
/// `python`; its progress goes to the terminal, its reason for failing comes back.
pub fn prepare_venv(python: &Path) -> Result<PathBuf, String> {
    let dir = peers_dir();
    let out = Command::new(python)
        .arg(dir.join("prepare.py"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            format!(
                "{} does not run ({e}; pass --peers-python)",
                python.display()
            )
        })?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stdout);
        return Err(said
            .lines()
            .last()
            .unwrap_or("prepare.py failed")
            .to_string());
    }
    let venv = dir.join(".venv");
    Ok(if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    })
}

/// For each of `ways`, whether `python` can run it: `Err` says why not.
pub fn check_ways(python: &Path, ways: &[&str]) -> HashMap<String, Result<(), String>> {
    let script = peers_dir().join("mandel_ways.py");
    let out = Command::new(python)
        .arg(&script)
        .arg("--check")
        .args(ways)
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let why = format!(
                "{} --check failed: {}",
                script.display(),
                err.lines().last().unwrap_or("")
            );
            return all_missing(ways, &why);
        }
        Err(e) => return all_missing(ways, &format!("{} does not run ({e})", python.display())),
    };
    let said = String::from_utf8_lossy(&out.stdout);
    let mut found: HashMap<String, Result<(), String>> = said
        .lines()
        .filter_map(|line| match line.split_once(' ') {
            Some((way, "ok")) => Some((way.to_string(), Ok(()))),
            Some((way, why)) => Some((way.trim_end_matches(':').to_string(), Err(why.into()))),
            None => None,
        })
        .collect();
    for way in ways {
        found
            .entry((*way).to_string())
            .or_insert_with(|| Err("mandel_ways.py --check said nothing about it".into()));
    }
    found
}

fn all_missing(ways: &[&str], why: &str) -> HashMap<String, Result<(), String>> {
    ways.iter()
        .map(|w| ((*w).to_string(), Err(why.to_string())))
        .collect()
}

/// A C peer: `peers/mandel_main.c` with the escape loop of `peers/{loop_file}`,
/// compiled into `out` with `-O3 -march=native -ffp-contract=off` (IEEE operations one
/// at a time, as nexpr does them, so the escape counts agree bit for bit), with
/// `-fopenmp` where the compiler has it. Returns whether the program is threaded.
pub fn compile_c(cc: &Path, loop_file: &str, out: &Path) -> Result<bool, String> {
    compile_c_with(cc, loop_file, &[], Threading::OpenMpIfAvailable, out)
}

/// Whether a C peer is built with OpenMP.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    /// `-fopenmp` where the compiler has it, else one thread.
    OpenMpIfAvailable,
    /// One thread, no OpenMP runtime in the program.
    // Only the side-by-side benchmark (`benches/mandelbrot_c/`) builds its C so.
    #[allow(dead_code)]
    Single,
}

/// [`compile_c`] with `flags` after the standard ones (`-DLANES=2`, `-DCHAINS=4`,
/// `-DMANDEL_CPU_TIME`, …) and OpenMP as `threading` says. Returns whether the
/// program is threaded.
pub fn compile_c_with(
    cc: &Path,
    loop_file: &str,
    flags: &[String],
    threading: Threading,
    out: &Path,
) -> Result<bool, String> {
    let dir = peers_dir();
    let build = |openmp: bool| {
        let mut cmd = Command::new(cc);
        cmd.args(["-O3", "-march=native", "-ffp-contract=off"]);
        cmd.args(flags);
        if openmp {
            cmd.arg("-fopenmp");
        }
        cmd.arg("-o")
            .arg(out)
            .arg(dir.join("mandel_main.c"))
            .arg(dir.join(loop_file));
        cmd.output()
    };
    let no_compiler = |e: std::io::Error| format!("no C compiler ({}: {e})", cc.display());
    if threading == Threading::OpenMpIfAvailable {
        let threaded = build(true).map_err(no_compiler)?;
        if threaded.status.success() {
            return Ok(true);
        }
    }
    let single = build(false).map_err(no_compiler)?;
    if single.status.success() {
        return Ok(false);
    }
    let log = String::from_utf8_lossy(&single.stderr);
    Err(format!(
        "{} {loop_file} failed: {}",
        cc.display(),
        log.lines().next().unwrap_or("")
    ))
}
