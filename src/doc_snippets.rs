//! The user documentation's Rust code blocks, compiled and run as doctests (`cargo test
//! --doc`), so that no snippet in the Markdown files can drift from the API. Each file's
//! text becomes the doc comment of one item: rustdoc tests its ```` ```rust ```` blocks
//! and its unlabelled ones, and skips those in another language (`sh`, `python`,
//! `text`). A block that needs a GPU is `no_run` (compiled, not run), with the reason
//! in a comment. The Python blocks are run by `python/tests/test_docs.py`, the shell
//! blocks by the command's `cli/tests/cli/docs.rs`, which also checks that every
//! document is listed here.

#[doc = include_str!("../README.md")]
pub struct Readme;

#[doc = include_str!("../python/README.md")]
pub struct PythonReadme;

#[doc = include_str!("../docs/accuracy.md")]
pub struct Accuracy;

#[doc = include_str!("../docs/cli.md")]
pub struct Cli;

#[doc = include_str!("../docs/cpu-performance.md")]
pub struct CpuPerformance;

#[cfg(feature = "cuda")]
#[doc = include_str!("../docs/cuda.md")]
pub struct Cuda;

#[doc = include_str!("../docs/dask.md")]
pub struct Dask;

#[doc = include_str!("../docs/fuzzing.md")]
pub struct Fuzzing;

#[doc = include_str!("../docs/installing.md")]
pub struct Installing;

#[doc = include_str!("../docs/language.md")]
pub struct Language;

#[doc = include_str!("../docs/math.md")]
pub struct Math;

#[doc = include_str!("../docs/performance-log.md")]
pub struct PerformanceLog;

#[doc = include_str!("../docs/python-tests.md")]
pub struct PythonTests;

#[doc = include_str!("../docs/rust-api.md")]
pub struct RustApi;

#[doc = include_str!("../docs/streaming.md")]
pub struct Streaming;
