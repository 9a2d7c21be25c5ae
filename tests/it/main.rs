//! The integration tests, one binary: `cargo test` builds and links it once.
//! `cargo test --test it <filter>` runs a part, e.g. `cpu_differential` or `golden`.
//!
//! Tests that need NVRTC or a CUDA device and cannot find them pass after writing
//! `skipped: <what> (<why>)` to stderr (see `common::cuda`).

// Without the `cuda` feature the CUDA tests are left out, and with them some uses of
// the shared helpers.
#![cfg_attr(not(feature = "cuda"), allow(dead_code))]

mod common;

mod api;
mod axis_reduce;
mod builtins_table;
mod cancel;
mod cpu_cache;
mod cpu_complex_math;
mod cpu_differential;
mod cpu_fault_ahead;
mod cpu_hypot;
mod cpu_staged;
mod cpu_ulp;
#[cfg(feature = "cross-isa")]
mod cross_aarch64;
#[cfg(feature = "cross-isa")]
mod cross_isa;
#[cfg(feature = "cuda")]
mod cuda_differential;
#[cfg(feature = "cuda")]
mod cuda_nvrtc;
mod cuda_prelude_host;
mod golden;
mod hostile_compile_time;
mod hostile_depth;
mod hostile_literals;
mod hostile_memory;
mod hostile_prod;
mod hostile_threads;
mod hostile_unicode;
mod io_api;
mod io_repr;
mod io_stream;
mod kernels;
mod numpy_fixtures;
mod parser;
mod programs;
mod python_scalars;
mod raising_kept;
mod signed_zeros;
mod weak_literals;
