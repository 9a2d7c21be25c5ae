//! The vector plan: whether a program gets a SIMD main loop, with which lane width
//! and how many vectors per iteration.
//!
//! Vectors per main-loop iteration of a straight-line program default to
//! `CpuOptions::straight_groups` = 2: more gained little on arrays in cache and cost
//! compile time (measurements: `docs/performance-log.md`, "Tuning the CPU defaults").
//!
//! Vector groups of a predicated loop default to `CpuOptions::loop_groups` = 2.
//! Measured with `examples/cpu_loops.rs` (1200 x 1200 points, 1 thread, thread CPU
//! time; see docs/cpu-performance.md): with one scalar counter and the escape local
//! parked (`loop_counter.rs`, `parked.rs`), Mandelbrot runs alike at 2, 3 and 4
//! groups and Julia fastest at 2: a step iterates until its last lane is done, so
//! wider steps waste more iterations where neighbouring orbits escape at different
//! times, and two groups already hide the latency of `z*z + c`.

use crate::backend::cpu::math;
use crate::backend::cpu::target::{libmvec_abi, math_ceiling, narrower, vectors_ok};
use crate::dtype::DType;
use crate::ir::Func;
use crate::options::{CpuOptions, MathWidth, Simd};
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::isa::TargetIsa;

/// Programs with loops of more nodes than this run one vector group (see `for_func`).
const INTERLEAVE_MAX_NODES: usize = 2000;

/// Whether (and how wide) the main loop is vectorized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VectorPlan {
    pub lanes: u8,
    /// Vectors processed side by side in one main-loop iteration. Programs with loops
    /// interleave several independent vectors so that the loop-carried latency of one
    /// (e.g. `z = z*z + c`) hides behind the others' work.
    pub groups: u8,
    /// Transcendentals of whole vectors through libmvec (`CpuOptions::fast_math`, on
    /// x86-64 targets only); otherwise through nexpr's own batch functions
    /// (`crate::math`).
    pub fast_math: bool,
    /// The width of those transcendentals (never `Auto`): at most what the target
    /// ISA runs (`target::math_ceiling`) and what this process provides (the batch
    /// functions of an x86-64 build, libmvec). 256 and 512 bits evaluate
    /// straight-line kernels in stages over blocks (`staged.rs`); programs with loops
    /// keep `Bits128` (libmvec's per-vector calls under fast math, else the scalar
    /// functions per lane).
    pub math: MathWidth,
}

impl VectorPlan {
    /// Programs whose values all fit one lane width qualify: 64-bit lanes
    /// (f64/i64/complex128, with int32 held sign-extended) or 32-bit lanes
    /// (f32/i32/complex64). Complex values are (re, im) pairs of vectors.
    ///
    /// Programs with control flow run predicated at 64 bits (their loop counters are
    /// int64; see `predicated.rs`) over `loop_groups` interleaved vectors;
    /// `Simd::StraightLine` gives them the scalar loop instead, which leaves each
    /// element as soon as it is done.
    ///
    /// Everything ISA-specific is asked of `isa`, the ISA the kernel is compiled for
    /// (see `target.rs`): no plan where it has no vectors, libmvec only on x86-64,
    /// wide transcendentals only where its flags have the instructions.
    pub fn for_func(f: &Func, opts: &CpuOptions, isa: &dyn TargetIsa) -> Option<VectorPlan> {
        if opts.simd == Simd::Off || !vectors_ok(isa) {
            return None;
        }
        let lanes = lane_count(f)?;
        let fast_math = opts.fast_math && libmvec_abi(isa);
        if f.is_straight_line() {
            let groups = opts.straight_groups.clamp(1, 8);
            let provided = if fast_math {
                math::resolve(opts.math_width)
            } else {
                crate::math::resolve(opts.math_width)
            };
            let math = narrower(provided, math_ceiling(isa));
            return Some(VectorPlan {
                lanes,
                groups,
                fast_math,
                math,
            });
        }
        if lanes != 2 || opts.simd != Simd::All {
            return None;
        }
        // Interleaved groups multiply what is live across a loop body, and Cranelift's
        // register allocator then slows down faster than linearly (a loop of 10,000
        // statements took minutes at 3 groups, seconds at 1); a body that large has
        // parallelism of its own to hide latency.
        let groups = match f.nodes.len() {
            n if n > INTERLEAVE_MAX_NODES => 1,
            _ => opts.loop_groups.clamp(1, 8),
        };
        Some(VectorPlan {
            lanes,
            groups,
            fast_math,
            math: MathWidth::Bits128,
        })
    }

    /// Elements per main-loop iteration.
    pub fn step(self) -> usize {
        self.lanes as usize * self.groups as usize
    }

    /// int32 values live sign-extended in 64-bit lanes.
    pub(super) fn wide_i32(self) -> bool {
        self.lanes == 2
    }

    /// The integer lane type of masks (and the width of every value).
    pub(super) fn mask_ty(self) -> Type {
        if self.lanes == 2 {
            types::I64X2
        } else {
            types::I32X4
        }
    }

    /// The vector type of a value (of each half, for complex values).
    pub(super) fn vec_ty(self, d: DType) -> Type {
        match d {
            DType::F64 | DType::C128 => types::F64X2,
            DType::F32 | DType::C64 => types::F32X4,
            DType::I64 => types::I64X2,
            DType::I32 if self.wide_i32() => types::I64X2,
            DType::I32 => types::I32X4,
            DType::Bool => self.mask_ty(),
        }
    }
}

/// Lanes per 128-bit vector when all of `f`'s values fit one lane width.
fn lane_count(f: &Func) -> Option<u8> {
    let types = f
        .nodes
        .iter()
        .map(|n| n.ty)
        .chain(f.inputs.iter().map(|p| p.ty))
        .chain(f.vars.iter().map(|v| v.ty));
    let (mut w64, mut w32) = (false, false);
    for t in types {
        match t {
            DType::Bool | DType::I32 => {}
            DType::F64 | DType::I64 | DType::C128 => w64 = true,
            DType::F32 | DType::C64 => w32 = true,
        }
    }
    match (w64, w32) {
        (true, true) => None,
        (true, false) => Some(2),
        (false, true) => Some(4),
        // int32/bool only: loops need 64-bit lanes for their counters.
        (false, false) if f.is_straight_line() => Some(4),
        (false, false) => Some(2),
    }
}

/// How the element being lowered is computed: one element, or vectors of them.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mode {
    Scalar,
    Vector(VectorPlan),
}
