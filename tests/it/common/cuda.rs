//! How the CUDA tests find NVRTC and a device.
//!
//! NVRTC comes from `NEXPR_NVRTC_LIB` when it is set (as `.ci/run` does), else from the
//! wheel in the repo's `.venv` (`python3 -m venv .venv && .venv/bin/pip install
//! nvidia-cuda-nvrtc-cu12`), else from the loader's path. The `.venv` path is handed to
//! nexpr explicitly: the tests never set environment variables (another test thread
//! may be reading the environment). Every test that uses CUDA asks here first, so that
//! choice is made before any other use of NVRTC in the process.

use super::skip;
use nexpr::{Expr, Target};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The NVRTC folder of a `nvidia-cuda-nvrtc-cu12` wheel in the repo's `.venv`.
fn venv_nvrtc() -> Option<PathBuf> {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/lib");
    std::fs::read_dir(venv)
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages/nvidia/cuda_nvrtc/lib"))
        .find(|d| d.is_dir())
}

/// Loads NVRTC once for the whole test run: its path and version, or why not.
fn nvrtc() -> &'static Result<String, String> {
    static NVRTC: OnceLock<Result<String, String>> = OnceLock::new();
    NVRTC.get_or_init(|| {
        let explicit = match std::env::var_os("NEXPR_NVRTC_LIB") {
            Some(p) if !p.is_empty() => None,
            _ => venv_nvrtc(),
        };
        nexpr::internals::nvrtc_probe_from(explicit.as_deref())
            .map(|(path, (major, minor))| format!("{path} (NVRTC {major}.{minor})"))
            .map_err(|e| e.message)
    })
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether NVRTC loads. Without it, says that `what` was skipped and returns false,
/// except under `CI=true`, where NVRTC is installed and its absence is a failure.
pub fn nvrtc_available(what: &str) -> bool {
    match nvrtc() {
        Ok(_) => true,
        Err(e) => {
            assert!(!ci(), "CI is set and NVRTC is missing: {e}");
            skip(what, e);
            false
        }
    }
}

/// Whether CUDA device 0 can run kernels (NVRTC, the driver and a device). Without
/// one, says that `what` was skipped and returns false.
pub fn gpu_available(what: &str) -> bool {
    static GPU: OnceLock<Result<(), String>> = OnceLock::new();
    let gpu = GPU.get_or_init(|| {
        nvrtc().as_ref().map_err(|e| e.clone())?;
        Expr::parse("a")
            .and_then(|e| e.compile(Target::Cuda { device: 0 }))
            .map(drop)
            .map_err(|e| e.message)
    });
    match gpu {
        Ok(()) => true,
        Err(e) => {
            skip(what, e);
            false
        }
    }
}
