//! The peers: the same escape counts computed the classic ways outside nexpr, from the
//! sources in `peers/`: pure Python under CPython and PyPy, NumPy masked arrays,
//! numexpr, Cython, numba (`@njit`, `@njit(parallel=True)`), a CuPy `ElementwiseKernel`
//! (`mandel_ways.py`, `mandel_cy.pyx`), scalar and vectorized C (`mandel_*.c`). Each
//! runs as a subprocess that times its own runs (not the interpreter's start, imports,
//! the grid or JIT compilation) and prints `way seconds checksum` per run.
//!
//! What cannot run here is left out with one line each saying why ([`Peers::missing`]):
//! no pypy3, no network for the venv's packages, no C compiler (or OpenMP for the
//! threaded rows), no GPU or CuPy.

use crate::peer_build::{check_ways, compile_c, peers_dir, prepare_venv};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Above this grid size NumPy and numexpr are left out of the sweep (seconds per run,
/// and nothing new about the trend), as the naive ndarray method is.
pub const PYTHON_MAX_N: usize = 800;
/// Pure Python, one point at a time: CPython takes seconds at n = 400.
const CPYTHON_MAX_N: usize = 400;
const PYPY_MAX_N: usize = 800;

/// How a peer runs: a command that takes `N MAXI RUNS SLOW` and prints one line
/// `way seconds checksum` per run, stopping after a run longer than SLOW seconds.
enum Kind {
    /// `python mandel_ways.py WAY … --threads T`.
    Python {
        python: PathBuf,
        way: &'static str,
        threads: usize,
    },
    /// A compiled C peer, on `OMP_NUM_THREADS` threads.
    Exe { path: PathBuf, threads: usize },
}

/// One peer method on one target.
pub struct Peer {
    pub method: &'static str,
    pub target: String,
    pub max_n: usize,
    /// Drawn in the sweep (rows of other thread counts are table-only).
    pub in_sweep: bool,
    kind: Kind,
}

/// The peers that can run here, and one line for each that cannot.
pub struct Peers {
    pub list: Vec<Peer>,
    pub missing: Vec<String>,
    /// Holds the compiled C programs until the end of the run.
    _build: Option<tempfile::TempDir>,
}

/// What runs the peers.
pub struct PeerArgs<'a> {
    /// The Python that runs the pure-Python way and makes the venv; `None`: `python3`.
    pub python: Option<&'a Path>,
    /// PyPy; `None`: `pypy3`.
    pub pypy: Option<&'a Path>,
    /// The C compiler; `None`: `$CC`, else `cc`.
    pub cc: Option<&'a Path>,
    pub max_threads: usize,
}

fn thread_name(t: usize) -> String {
    if t == 1 {
        "1 thread".into()
    } else {
        format!("{t} threads")
    }
}

/// On which threads a way's rows run.
#[derive(Clone, Copy)]
enum Threads {
    One,
    /// 1 (in the sweep) and the maximum (table only).
    OneAndMax,
    /// The maximum only.
    Max,
    Gpu,
}

/// A way of `mandel_ways.py` that needs the venv's packages.
struct VenvWay {
    way: &'static str,
    method: &'static str,
    max_n: usize,
    threads: Threads,
}

const VENV_WAYS: &[VenvWay] = &[
    VenvWay {
        way: "numpy",
        method: "NumPy masked arrays",
        max_n: PYTHON_MAX_N,
        threads: Threads::One,
    },
    VenvWay {
        way: "numexpr",
        method: "numexpr, 3 evaluate per iteration",
        max_n: PYTHON_MAX_N,
        threads: Threads::OneAndMax,
    },
    VenvWay {
        way: "cython",
        method: "Cython",
        max_n: usize::MAX,
        threads: Threads::One,
    },
    VenvWay {
        way: "numba",
        method: "numba @njit",
        max_n: usize::MAX,
        threads: Threads::One,
    },
    VenvWay {
        way: "numba_par",
        method: "numba @njit(parallel=True)",
        max_n: usize::MAX,
        threads: Threads::Max,
    },
    VenvWay {
        way: "cupy",
        method: "CuPy ElementwiseKernel",
        max_n: usize::MAX,
        threads: Threads::Gpu,
    },
];

/// The rows of one peer: (target, threads, in the sweep) for each.
fn targets(threads: Threads, max_threads: usize) -> Vec<(String, usize, bool)> {
    let one = (thread_name(1), 1, true);
    let max = |sweep| (thread_name(max_threads), max_threads, sweep);
    match threads {
        Threads::One => vec![one],
        Threads::OneAndMax if max_threads > 1 => vec![one, max(false)],
        Threads::OneAndMax => vec![one],
        Threads::Max => vec![max(true)],
        Threads::Gpu => vec![("cuda:0".into(), 1, true)],
    }
}

impl Peers {
    /// Sets up what the peers need (the venv once, the C programs each run) and lists
    /// those that can run.
    pub fn find(args: &PeerArgs) -> Peers {
        let mut peers = Peers {
            list: vec![],
            missing: vec![],
            _build: None,
        };
        let python = args.python.unwrap_or(Path::new("python3"));
        let pypy = args.pypy.unwrap_or(Path::new("pypy3"));
        let cpython_hint = "pass --peers-python";
        peers.add_pure_python("pure Python (CPython)", python, CPYTHON_MAX_N, cpython_hint);
        let pypy_hint = "apt-get install pypy3, or pass --pypy";
        peers.add_pure_python("pure Python (PyPy)", pypy, PYPY_MAX_N, pypy_hint);
        match prepare_venv(python) {
            Ok(venv) => peers.add_venv_ways(&venv, args.max_threads),
            Err(why) => peers
                .missing
                .push(format!("NumPy, numexpr, Cython, numba, CuPy: {why}")),
        }
        peers.add_c(args);
        peers
    }

    /// The pure-Python way under `python`; `hint`: what to do where it does not run.
    fn add_pure_python(&mut self, method: &'static str, python: &Path, max_n: usize, hint: &str) {
        match check_ways(python, &["python"]).remove("python") {
            Some(Ok(())) => self.list.push(Peer {
                method,
                target: thread_name(1),
                max_n,
                in_sweep: true,
                kind: Kind::Python {
                    python: python.to_path_buf(),
                    way: "python",
                    threads: 1,
                },
            }),
            Some(Err(why)) => self.missing.push(format!("{method}: {why} ({hint})")),
            None => {}
        }
    }

    fn add_venv_ways(&mut self, venv: &Path, max_threads: usize) {
        let names: Vec<&str> = VENV_WAYS.iter().map(|w| w.way).collect();
        let mut found = check_ways(venv, &names);
        for w in VENV_WAYS {
            match found.remove(w.way) {
                Some(Ok(())) => {
                    for (target, threads, in_sweep) in targets(w.threads, max_threads) {
                        self.list.push(Peer {
                            method: w.method,
                            target,
                            max_n: w.max_n,
                            in_sweep,
                            kind: Kind::Python {
                                python: venv.to_path_buf(),
                                way: w.way,
                                threads,
                            },
                        });
                    }
                }
                Some(Err(why)) => self.missing.push(format!("{}: {why}", w.method)),
                None => {}
            }
        }
    }

    fn add_c(&mut self, args: &PeerArgs) {
        let cc = args
            .cc
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("CC").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("cc"));
        let Ok(dir) = tempfile::Builder::new()
            .prefix("nexpr-mandel-peers")
            .tempdir()
        else {
            self.missing
                .push("C: no temporary folder to build in".into());
            return;
        };
        let ways = [
            ("C scalar", "mandel_scalar.c", Threads::One),
            (
                "C vectorized (GCC vectors)",
                "mandel_vector.c",
                Threads::OneAndMax,
            ),
        ];
        for (method, source, threads) in ways {
            let exe = dir.path().join(source.trim_end_matches(".c"));
            match compile_c(&cc, source, &exe) {
                Ok(openmp) => {
                    if !openmp && args.max_threads > 1 && matches!(threads, Threads::OneAndMax) {
                        self.missing.push(format!(
                            "{method}, threaded: {} has no OpenMP",
                            cc.display()
                        ));
                    }
                    let threads = if openmp { threads } else { Threads::One };
                    for (target, threads, in_sweep) in targets(threads, args.max_threads) {
                        self.list.push(Peer {
                            method,
                            target,
                            max_n: usize::MAX,
                            in_sweep,
                            kind: Kind::Exe {
                                path: exe.clone(),
                                threads,
                            },
                        });
                    }
                }
                Err(why) => self.missing.push(format!("{method}: {why}")),
            }
        }
        self._build = Some(dir);
    }
}

impl Peer {
    /// A C program built by [`crate::peer_build::compile_c_with`], run on one thread:
    /// a row of the side-by-side benchmark (`benches/mandelbrot_c/`), which builds its
    /// own variants of the C peers rather than the example's list.
    // The example itself lists its C peers with `Peers::find`.
    #[allow(dead_code)]
    pub fn one_thread_c(method: &'static str, path: PathBuf) -> Peer {
        Peer {
            method,
            target: thread_name(1),
            max_n: usize::MAX,
            in_sweep: false,
            kind: Kind::Exe { path, threads: 1 },
        }
    }

    pub fn label(&self) -> String {
        format!("{}, {}", self.method, self.target)
    }

    /// Up to `runs` runs at size `n`, fewer after one longer than `slow`: (seconds,
    /// checksum) of each, as the peer reports them.
    fn run(
        &self,
        n: usize,
        maxi: i32,
        runs: usize,
        slow: Duration,
    ) -> Result<Vec<(f64, i64)>, String> {
        let counts = [
            n.to_string(),
            maxi.to_string(),
            runs.to_string(),
            slow.as_secs_f64().to_string(),
        ];
        let (mut cmd, program) = match &self.kind {
            Kind::Python {
                python,
                way,
                threads,
            } => {
                let mut cmd = Command::new(python);
                cmd.arg(peers_dir().join("mandel_ways.py"))
                    .arg(way)
                    .args(&counts)
                    .arg(format!("--threads={threads}"));
                (cmd, python)
            }
            Kind::Exe { path, threads } => {
                let mut cmd = Command::new(path);
                cmd.args(&counts)
                    .env("OMP_NUM_THREADS", threads.to_string());
                (cmd, path)
            }
        };
        let out = cmd
            .output()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(err.lines().last().unwrap_or("failed").to_string());
        }
        let parsed: Vec<(f64, i64)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                Some((w.get(1)?.parse().ok()?, w.get(2)?.parse().ok()?))
            })
            .collect();
        let stopped_early = parsed.last().is_some_and(|&(t, _)| t > slow.as_secs_f64());
        if parsed.is_empty() || (parsed.len() != runs && !stopped_early) {
            return Err(format!(
                "expected {runs} timing lines, got {}",
                parsed.len()
            ));
        }
        Ok(parsed)
    }

    /// As the example times its own methods, in one process: one warm-up run
    /// (dropped), then the median of `repeat` runs, or the warm-up alone when it took
    /// longer than `slow`. Returns the time and the checksum of the escape array.
    pub fn measure(
        &self,
        n: usize,
        maxi: i32,
        repeat: usize,
        slow: Duration,
    ) -> Result<(Duration, i64), String> {
        let mut runs = self.run(n, maxi, repeat + 1, slow)?;
        if runs.len() > 1 {
            runs.remove(0);
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (t, sum) = runs[runs.len() / 2];
        Ok((Duration::from_secs_f64(t), sum))
    }
}
