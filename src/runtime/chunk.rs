//! The chunk: the unit of elements in which evaluations are shared out and reductions
//! are summed. The CPU driver computes a chunk at a time, a fused whole-array reduction
//! gives one partial per chunk (pairwise inside it, NumPy's order), and the callers that
//! evaluate a span at a time (`Kernel::steps`, streamed evaluation) cut their spans at
//! chunk boundaries so that their partials, combined, are `run`'s result bit for bit.

/// Elements per chunk.
pub const CHUNK: usize = 8192;

/// The most output elements (consecutive columns of one slab) that a CPU reduction
/// along an axis computes together, over all their rows; `Steps` advance such a
/// reduction by whole groups of them, so that no step leaves it narrower pieces.
pub const AXIS_TILE: usize = 1024;
