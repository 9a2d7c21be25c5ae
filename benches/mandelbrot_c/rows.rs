//! The rows of the side-by-side run: nexpr's loop kernels at 1 thread and the
//! repository's C Mandelbrot peers built for this run, each measured once per round
//! as (CPU seconds, checksum).

use crate::methods::{grid, linspace};
use crate::peer_build::{compile_c_with, Threading};
use crate::peers::Peer;
use ndarray::{ArrayD, IxDyn};
use nexpr::{DynArray, Kernel, Program, Target, Vars};
use num_complex::Complex64;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What a row computes, which says how the report treats it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RowId {
    /// `kernels/mandelbrot.nx`: the reference of every ratio.
    NexprMandelbrot,
    NexprJulia,
    NexprNewton,
    /// `mandel_vector.c` with `-DLANES=lanes -DCHAINS=chains`.
    CVector {
        lanes: u32,
        chains: u32,
    },
    /// `mandel_scalar.c`.
    CScalar,
}

impl RowId {
    pub fn label(self) -> String {
        match self {
            RowId::NexprMandelbrot => "nexpr kernels/mandelbrot.nx".into(),
            RowId::NexprJulia => "nexpr kernels/julia.nx".into(),
            RowId::NexprNewton => "nexpr kernels/newton.nx".into(),
            RowId::CVector { lanes, chains } => {
                let bits = 64 * lanes;
                format!("C {bits}-bit vectors, LANES={lanes} CHAINS={chains}")
            }
            RowId::CScalar => "C scalar".into(),
        }
    }

    /// Whether the row computes the Mandelbrot escape counts (so its time compares
    /// with nexpr's Mandelbrot and its checksum must equal nexpr's).
    pub fn is_mandelbrot(self) -> bool {
        !matches!(self, RowId::NexprJulia | RowId::NexprNewton)
    }
}

/// One measurement: CPU seconds of the timed run and the sum of its integer outputs.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub seconds: f64,
    pub checksum: i64,
}

/// A compiled nexpr kernel and the inputs it runs on.
struct NexprRun {
    kernel: Kernel,
    vars: Vars<'static>,
    /// Where the one output is written: allocated once and reused by every run (as the
    /// C peers reuse theirs); `None`: `Kernel::run` returns fresh outputs.
    escape: Option<ArrayD<i32>>,
}

/// How a row is run.
enum Work {
    Nexpr(Box<NexprRun>),
    C(Peer),
}

pub struct Row {
    pub id: RowId,
    work: Work,
    n: usize,
    maxi: i32,
}

/// CPU time of the calling thread in seconds: on a shared machine the time the thread
/// ran rather than the time it waited for a core (a 1-thread kernel runs on the
/// calling thread).
fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// The sum of an integer output, the checksum the C peers print.
fn checksum(a: &DynArray) -> Result<i64, String> {
    match a {
        DynArray::I32(a) => Ok(a.iter().map(|&v| i64::from(v)).sum()),
        DynArray::I64(a) => Ok(a.iter().sum()),
        other => Err(format!(
            "an output of dtype {} has no checksum",
            other.dtype()
        )),
    }
}

/// The n x n points of `[x.0, x.1] x [y.0, y.1]` (NumPy's `linspace` on each axis),
/// row r at `y` = the r-th value.
fn plane(n: usize, x: (f64, f64), y: (f64, f64)) -> ArrayD<Complex64> {
    let (xs, ys) = (linspace(x.0, x.1, n), linspace(y.0, y.1, n));
    ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| Complex64::new(xs[ix[1]], ys[ix[0]]))
}

/// The three loop kernels on the ranges of `examples/cpu_loops.rs`: Mandelbrot on
/// the grid of the C peers, Julia at c = -0.8+0.156i (both with `maxi`), Newton for
/// z**3 = 1 with 50 steps and tol = 1e-8.
fn kernel_inputs(id: RowId, n: usize, maxi: i32) -> (&'static str, BTreeMap<String, DynArray>) {
    let mut vars = BTreeMap::new();
    let mut put = |name: &str, a: DynArray| vars.insert(name.to_string(), a);
    let src = match id {
        RowId::NexprMandelbrot => {
            put("c", grid(n).into());
            put("maxi", DynArray::scalar(maxi));
            include_str!("../../kernels/mandelbrot.nx")
        }
        RowId::NexprJulia => {
            put("z", plane(n, (-1.5, 1.5), (-1.0, 1.0)).into());
            put("c", DynArray::scalar(Complex64::new(-0.8, 0.156)));
            put("maxi", DynArray::scalar(maxi));
            include_str!("../../kernels/julia.nx")
        }
        RowId::NexprNewton => {
            put("z", plane(n, (-2.0, 2.0), (-2.0, 2.0)).into());
            put("maxiter", DynArray::scalar(50i64));
            put("tol", DynArray::scalar(1e-8f64));
            include_str!("../../kernels/newton.nx")
        }
        RowId::CVector { .. } | RowId::CScalar => unreachable!("not a nexpr kernel"),
    };
    (src, vars)
}

impl Row {
    /// A nexpr kernel compiled for `target` with default options.
    pub fn nexpr(id: RowId, n: usize, maxi: i32, target: Target) -> Result<Row, String> {
        let (src, vars) = kernel_inputs(id, n, maxi);
        let kernel = Program::parse(src)
            .and_then(|p| p.compile(target))
            .map_err(|e| format!("{}: {e}", id.label()))?;
        let escape = (id == RowId::NexprMandelbrot).then(|| ArrayD::zeros(IxDyn(&[n, n])));
        let work = Work::Nexpr(Box::new(NexprRun {
            kernel,
            vars: Vars::from(vars),
            escape,
        }));
        Ok(Row { id, work, n, maxi })
    }

    /// A C peer compiled into `dir` by `cc`, single-threaded and timing itself in CPU
    /// time of its process (`-DMANDEL_CPU_TIME`).
    pub fn c(id: RowId, cc: &Path, dir: &Path, n: usize, maxi: i32) -> Result<Row, String> {
        let mut flags = vec!["-DMANDEL_CPU_TIME".to_string()];
        let (source, exe) = match id {
            RowId::CVector { lanes, chains } => {
                flags.push(format!("-DLANES={lanes}"));
                flags.push(format!("-DCHAINS={chains}"));
                (
                    "mandel_vector.c",
                    format!("mandel_vector_w{lanes}_k{chains}"),
                )
            }
            RowId::CScalar => ("mandel_scalar.c", "mandel_scalar".to_string()),
            _ => unreachable!("not a C peer"),
        };
        let exe = dir.join(exe);
        compile_c_with(cc, source, &flags, Threading::Single, &exe)?;
        let work = Work::C(Peer::one_thread_c("C", exe));
        Ok(Row { id, work, n, maxi })
    }

    /// One untimed run (caches and branch predictors warm, as for the C peers, whose
    /// process runs twice and reports the second), then one timed run.
    pub fn measure(&mut self) -> Result<Sample, String> {
        match &mut self.work {
            Work::Nexpr(run) => {
                let label = self.id.label();
                run.once(&label)?;
                run.once(&label)
            }
            Work::C(peer) => {
                // No run is cut short: `slow` is beyond any run's time.
                let slow = Duration::from_secs(24 * 3600);
                let (t, checksum) = peer.measure(self.n, self.maxi, 1, slow)?;
                Ok(Sample {
                    seconds: t.as_secs_f64(),
                    checksum,
                })
            }
        }
    }

    /// Every output of the kernel, from `Kernel::run` (the check mode compares them
    /// with the interpreter's).
    pub fn outputs(&self) -> Result<BTreeMap<String, DynArray>, String> {
        match &self.work {
            Work::Nexpr(run) => run.kernel.run(&run.vars).map_err(|e| e.to_string()),
            Work::C(_) => Err(format!("{} is not a nexpr kernel", self.id.label())),
        }
    }
}

impl NexprRun {
    /// One run, timed in CPU time of the thread; `label` names the row in errors.
    fn once(&mut self, label: &str) -> Result<Sample, String> {
        let failed = |e: nexpr::Error| format!("{label}: {e}");
        let (seconds, sum) = match &mut self.escape {
            Some(escape) => {
                let start = thread_cpu_seconds();
                self.kernel
                    .eval_into(&self.vars, &mut *escape)
                    .map_err(failed)?;
                let seconds = thread_cpu_seconds() - start;
                (seconds, escape.iter().map(|&v| i64::from(v)).sum())
            }
            None => {
                let start = thread_cpu_seconds();
                let outputs = self.kernel.run(&self.vars).map_err(failed)?;
                let seconds = thread_cpu_seconds() - start;
                let mut sum = 0;
                for a in outputs.values() {
                    sum += checksum(a)?;
                }
                (seconds, sum)
            }
        };
        Ok(Sample {
            seconds,
            checksum: sum,
        })
    }
}
