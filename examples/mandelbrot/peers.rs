//! The peers: the same escape times computed by NumPy (masked arrays), numexpr (three
//! `evaluate` calls per iteration), a scalar C loop and hand-vectorized C, from the
//! reference implementations in `../shared/anchors` (`mandel_peers.py`, `mandel_c.c`,
//! `mandel_simd.c`), each run as a subprocess that reports its own time (the Python
//! interpreter's start-up and imports, and the C programs' process start, are not
//! timed) and the checksum of its escape array.
//!
//! What cannot run here is left out, and [`Peers::missing`] says so in one line: the
//! anchors folder, a Python with NumPy (and numexpr), a C compiler (and OpenMP for the
//! threaded hand-vectorized row).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Above this grid size the Python peers are left out of the sweep (seconds per run,
/// and nothing new about the trend), as the naive ndarray method is.
pub const PYTHON_MAX_N: usize = 800;

/// How a peer runs.
enum Kind {
    /// `python mandel_peers.py N MAXI impl…`: one line `impl seconds checksum` per run.
    Python {
        python: PathBuf,
        script: PathBuf,
        name: String,
    },
    /// `exe N MAXI`: one line `name seconds checksum`, with `OMP_NUM_THREADS`.
    Exe { path: PathBuf, threads: usize },
}

/// One peer method on one thread count.
pub struct Peer {
    pub method: &'static str,
    pub target: String,
    pub max_n: usize,
    /// Drawn in the sweep (rows of other thread counts are table-only).
    pub in_sweep: bool,
    kind: Kind,
}

/// The peers that can run here, and one line naming what is missing.
pub struct Peers {
    pub list: Vec<Peer>,
    pub missing: Option<String>,
    /// Holds the compiled C programs until the end of the run.
    _build: Option<tempfile::TempDir>,
}

/// Where to look for the peers.
pub struct PeerArgs<'a> {
    /// The anchors folder; `None`: `../shared/anchors` or `../../shared/anchors` from
    /// the crate root.
    pub anchors: Option<&'a Path>,
    /// The Python interpreter; `None`: `python3`.
    pub python: Option<&'a Path>,
    /// The C compiler; `None`: `$CC`, else `cc`.
    pub cc: Option<&'a Path>,
    pub max_threads: usize,
}

fn find_anchors(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("../shared/anchors"),
        root.join("../../shared/anchors"),
    ]
    .into_iter()
    .find(|p| p.join("mandel_peers.py").is_file())
}

fn thread_name(t: usize) -> String {
    if t == 1 {
        "1 thread".into()
    } else {
        format!("{t} threads")
    }
}

/// Whether `python` imports `module`; `Err` says why not.
fn python_has(python: &Path, module: &str) -> Result<(), String> {
    let out = Command::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map_err(|e| format!("{} does not run ({e})", python.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{} has no {module}", python.display()))
    }
}

/// Compiles `src` to `out` with `-O3 -march=native` and `extra` flags.
fn compile_c(cc: &Path, src: &Path, out: &Path, extra: &[&str]) -> Result<(), String> {
    let r = Command::new(cc)
        .args(["-O3", "-march=native"])
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(src)
        .output()
        .map_err(|e| format!("no C compiler ({}: {e})", cc.display()))?;
    if r.status.success() {
        Ok(())
    } else {
        let log = String::from_utf8_lossy(&r.stderr);
        Err(format!(
            "{} {} failed: {}",
            cc.display(),
            src.file_name().map_or("", |s| s.to_str().unwrap_or("")),
            log.lines().next().unwrap_or("")
        ))
    }
}

impl Peers {
    /// Finds the anchors, checks the interpreter, compiles the C programs.
    pub fn find(args: &PeerArgs) -> Peers {
        let mut missing: Vec<String> = vec![];
        let mut list = vec![];
        let Some(anchors) = find_anchors(args.anchors) else {
            return Peers {
                list,
                missing: Some(
                    "../shared/anchors (mandel_peers.py, mandel_c.c, mandel_simd.c) not found; \
                     pass --anchors"
                        .into(),
                ),
                _build: None,
            };
        };
        let threads: Vec<usize> = if args.max_threads > 1 {
            vec![1, args.max_threads]
        } else {
            vec![1]
        };

        let python = args
            .python
            .map_or_else(|| PathBuf::from("python3"), Path::to_path_buf);
        let script = anchors.join("mandel_peers.py");
        let py = |name: String| Kind::Python {
            python: python.clone(),
            script: script.clone(),
            name,
        };
        match python_has(&python, "numpy") {
            Ok(()) => {
                list.push(Peer {
                    method: "NumPy masked arrays",
                    target: "python".into(),
                    max_n: PYTHON_MAX_N,
                    in_sweep: true,
                    kind: py("numpy".into()),
                });
                match python_has(&python, "numexpr") {
                    // mandel_peers.py names the thread count with one digit.
                    Ok(()) => {
                        for &t in threads.iter().filter(|&&t| t <= 9) {
                            list.push(Peer {
                                method: "numexpr, 3 evaluate per iteration",
                                target: thread_name(t),
                                max_n: PYTHON_MAX_N,
                                in_sweep: t == 1,
                                kind: py(format!("numexpr{t}")),
                            });
                        }
                    }
                    Err(why) => missing.push(format!("numexpr ({why}; pass --peers-python)")),
                }
            }
            Err(why) => missing.push(format!("NumPy and numexpr ({why}; pass --peers-python)")),
        }

        let cc = args
            .cc
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("CC").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("cc"));
        let build = tempfile::Builder::new()
            .prefix("nexpr-mandel-peers")
            .tempdir()
            .ok();
        match &build {
            None => missing.push("C (no temporary folder to build in)".into()),
            Some(dir) => {
                let scalar = dir.path().join("mandel_c");
                match compile_c(&cc, &anchors.join("mandel_c.c"), &scalar, &[]) {
                    Ok(()) => list.push(Peer {
                        method: "C scalar",
                        target: thread_name(1),
                        max_n: usize::MAX,
                        in_sweep: true,
                        kind: Kind::Exe {
                            path: scalar,
                            threads: 1,
                        },
                    }),
                    Err(why) => missing.push(format!("C scalar ({why})")),
                }
                let simd = dir.path().join("mandel_simd");
                let src = anchors.join("mandel_simd.c");
                let (built, simd_threads) = match compile_c(&cc, &src, &simd, &["-fopenmp"]) {
                    Ok(()) => (Ok(()), threads.clone()),
                    Err(why) => {
                        if args.max_threads > 1 {
                            missing.push(format!("threaded hand-vectorized C ({why})"));
                        }
                        (compile_c(&cc, &src, &simd, &[]), vec![1])
                    }
                };
                match built {
                    Ok(()) => {
                        for t in simd_threads {
                            list.push(Peer {
                                method: "C hand-vectorized (8 doubles)",
                                target: thread_name(t),
                                max_n: usize::MAX,
                                in_sweep: t == 1,
                                kind: Kind::Exe {
                                    path: simd.clone(),
                                    threads: t,
                                },
                            });
                        }
                    }
                    Err(why) => missing.push(format!("hand-vectorized C ({why})")),
                }
            }
        }
        Peers {
            list,
            missing: (!missing.is_empty()).then(|| missing.join(", ")),
            _build: build,
        }
    }
}

impl Peer {
    pub fn label(&self) -> String {
        format!("{}, {}", self.method, self.target)
    }

    /// `runs` runs at size `n`: (seconds, checksum) of each, as the peer reports them.
    fn run(&self, n: usize, maxi: i32, runs: usize) -> Result<Vec<(f64, i64)>, String> {
        let mut lines = vec![];
        match &self.kind {
            Kind::Python {
                python,
                script,
                name,
            } => {
                let dir = script.parent().unwrap_or(Path::new("."));
                let out = Command::new(python)
                    .arg(script)
                    .args([n.to_string(), maxi.to_string()])
                    .args(std::iter::repeat_n(name, runs))
                    .current_dir(dir)
                    .output()
                    .map_err(|e| format!("{}: {e}", python.display()))?;
                if !out.status.success() {
                    let err = String::from_utf8_lossy(&out.stderr);
                    return Err(err.lines().last().unwrap_or("failed").to_string());
                }
                lines.extend(
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .map(String::from),
                );
            }
            Kind::Exe { path, threads } => {
                for _ in 0..runs {
                    let out = Command::new(path)
                        .args([n.to_string(), maxi.to_string()])
                        .env("OMP_NUM_THREADS", threads.to_string())
                        .output()
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    if !out.status.success() {
                        return Err(format!("{} failed", path.display()));
                    }
                    lines.extend(
                        String::from_utf8_lossy(&out.stdout)
                            .lines()
                            .map(String::from),
                    );
                }
            }
        }
        let parsed: Vec<(f64, i64)> = lines
            .iter()
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                Some((w.get(1)?.parse().ok()?, w.get(2)?.parse().ok()?))
            })
            .collect();
        if parsed.len() != runs {
            return Err(format!(
                "expected {runs} timing lines, got {}",
                parsed.len()
            ));
        }
        Ok(parsed)
    }

    /// As the example times its own methods: one warm-up run, then the median of
    /// `repeat` runs, or the warm-up alone when it took longer than `slow`. Returns the
    /// time and the checksum of the escape array.
    pub fn measure(
        &self,
        n: usize,
        maxi: i32,
        repeat: usize,
        slow: Duration,
    ) -> Result<(Duration, i64), String> {
        let first = self.run(n, maxi, 1)?[0];
        if first.0 > slow.as_secs_f64() {
            return Ok((Duration::from_secs_f64(first.0), first.1));
        }
        // A Python process warms up again (imports, numexpr's threads, first
        // allocations): its first run is dropped. Each C run is a process of its own.
        let warm = usize::from(matches!(self.kind, Kind::Python { .. }));
        let mut runs = self.run(n, maxi, repeat + warm)?;
        runs.drain(..warm);
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (t, sum) = runs[runs.len() / 2];
        Ok((Duration::from_secs_f64(t), sum))
    }
}
