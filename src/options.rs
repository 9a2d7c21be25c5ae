//! Typed compile options: everything that changes how a kernel is compiled or run,
//! passed in by the caller (as Cranelift's `settings::Flags` or wasmtime's `Config`
//! are), never read from hidden globals. Options that change the generated code are
//! part of every compile-cache key.
//!
//! The environment supplies two documented defaults only: `NEXPR_NUM_THREADS` (the
//! thread count of [`crate::Target::cpu`]) and `NEXPR_NVRTC_LIB` (where NVRTC is).

use crate::error::{Error, ErrorKind, Result};

/// Options of every backend; each target reads its own part.
///
/// ```
/// use nexpr::{CpuOptions, Expr, Options, Target};
/// let options = Options { cpu: CpuOptions { fast_math: true, ..Default::default() }, ..Default::default() };
/// let kernel = Expr::parse("sin(a)")?.compile_with(Target::Cpu { threads: 1 }, &options)?;
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// What `Target::Cpu` reads.
    pub cpu: CpuOptions,
    /// What `Target::Cuda` reads.
    pub cuda: CudaOptions,
}

/// How far the CPU backend vectorizes its main loop.
///
/// ```
/// use nexpr::{CpuOptions, Simd};
/// let scalar = CpuOptions { simd: Simd::Off, ..Default::default() };
/// assert_eq!(CpuOptions::default().simd, Simd::All);
/// # let _ = scalar;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Simd {
    /// Scalar loops only.
    Off,
    /// 128-bit vectors for straight-line programs; programs with loops and `if` get
    /// the scalar loop, which leaves each element as soon as it is done.
    StraightLine,
    /// Also programs with control flow, predicated over interleaved vector groups.
    #[default]
    All,
}

/// How wide transcendentals of float vectors are evaluated: nexpr's own functions
/// (compiled for AVX2 or AVX-512) by default, glibc's libmvec variants under
/// `CpuOptions::fast_math`.
///
/// Cranelift's x86-64 backend stops at 128-bit vectors, but the math functions need
/// not: with a wider variant, straight-line kernels evaluate a block of elements in
/// stages, collecting the arguments of each transcendental in a buffer and calling
/// the 256- or 512-bit function over the whole buffer (see `backend::cpu::math` and
/// `math`). Programs with loops, and CPUs without the instructions, keep 128 bits:
/// libmvec's per-vector calls under fast math, else the scalar functions per lane.
///
/// The width changes the speed, never the value: the default functions give the same
/// bits at every width.
///
/// ```
/// use nexpr::{CpuOptions, Expr, MathWidth, Options, Target, Vars};
/// let a = ndarray::Array1::linspace(0.0, 10.0, 1000);
/// let vars = Vars::new().with("a", &a);
/// let e = Expr::parse("exp(-a) * sin(a)")?;
/// let narrow = Options { cpu: CpuOptions { math_width: MathWidth::Bits128, ..Default::default() }, ..Default::default() };
/// let x = e.compile_with(Target::cpu(), &narrow)?.eval(&vars)?;
/// let y = e.compile(Target::cpu())?.eval(&vars)?;                  // MathWidth::Auto
/// assert_eq!(x, y);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MathWidth {
    /// The widest variant this CPU runs (checked at run time): 512 bits with
    /// AVX-512F and AVX-512DQ, 256 with AVX2 and FMA, else 128.
    #[default]
    Auto,
    /// Per vector inside the loop: libmvec's `_ZGVbN2v_*` (SSE4) under fast math,
    /// else the scalar functions per lane.
    Bits128,
    /// AVX2 over buffers (libmvec's `_ZGVdN4v_*` under fast math); 128 bits where
    /// the CPU lacks AVX2.
    Bits256,
    /// AVX-512 over buffers (libmvec's `_ZGVeN8v_*` under fast math); the widest the
    /// CPU has where it lacks AVX-512.
    Bits512,
}

/// Cranelift's optimization level.
///
/// ```
/// use nexpr::{CpuOptions, OptLevel};
/// let quick_compile = CpuOptions { opt_level: OptLevel::None, ..Default::default() };
/// assert!(quick_compile.validate().is_ok());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OptLevel {
    /// No optimization: the fastest compile.
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and code size.
    SpeedAndSize,
}

/// Options of the Cranelift CPU backend (the thread count is the target's).
///
/// ```
/// let fast = nexpr::CpuOptions { fast_math: true, ..Default::default() };
/// assert!(fast.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CpuOptions {
    /// Transcendentals through glibc's vectorized libmvec (at most 4 ulp from the
    /// correctly rounded result, and so from NumPy's in the last bits) instead of the
    /// default: nexpr's own vectorized functions (`src/math/`, within 1 ulp, NumPy's
    /// accuracy class), which the interpreter calls too, so the default is bit for bit
    /// the interpreter's. See `docs/math.md` and `docs/accuracy.md`.
    pub fast_math: bool,
    /// The vector width of transcendentals: libmvec's variant under `fast_math`, else
    /// the width nexpr's own vector functions are compiled for.
    pub math_width: MathWidth,
    /// Which programs get a SIMD main loop.
    pub simd: Simd,
    /// Vectors per main-loop iteration of straight-line programs (1 to 8).
    pub straight_groups: u8,
    /// Interleaved vector groups of programs with loops (1 to 8).
    pub loop_groups: u8,
    /// Cranelift's optimization level.
    pub opt_level: OptLevel,
    /// Work (elements times a cost per element) from which an evaluation is split over
    /// threads; below it the calling thread does it all.
    pub parallel_min: usize,
    /// How the pages of a fresh output (allocated by the evaluation) are faulted in
    /// when the evaluation is split over threads: `true`, by one thread ahead of the
    /// others, which then never wait in a page fault; `false`, by whichever thread
    /// writes each page first.
    pub fault_ahead: bool,
}

/// Measured defaults: why each is what it is is in `backend::cpu`, the measurements
/// in `docs/performance-log.md`.
impl Default for CpuOptions {
    fn default() -> Self {
        CpuOptions {
            fast_math: false,
            math_width: MathWidth::Auto,
            simd: Simd::All,
            straight_groups: 2,
            loop_groups: 2,
            opt_level: OptLevel::Speed,
            parallel_min: 131072,
            fault_ahead: true,
        }
    }
}

impl CpuOptions {
    /// Ok when every field is in range; the error names the field and its range.
    pub fn validate(&self) -> Result<()> {
        for (name, g) in [
            ("straight_groups", self.straight_groups),
            ("loop_groups", self.loop_groups),
        ] {
            if !(1..=8).contains(&g) {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("CpuOptions::{name} must be 1 to 8, got {g}"),
                ));
            }
        }
        Ok(())
    }
}

/// Options of the CUDA backend (the device is the target's).
///
/// ```
/// let fast = nexpr::CudaOptions { fast_math: true, ..Default::default() };
/// assert!(fast.fast_math);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CudaOptions {
    /// NVRTC's `--use_fast_math`: approximate transcendentals and divisions, flushed
    /// denormals; results then differ from NumPy's in the last bits or more.
    pub fast_math: bool,
    /// Resident blocks per multiprocessor of reduction and grid-stride launches
    /// (`None`: the measured default).
    pub blocks_per_sm: Option<u32>,
}
