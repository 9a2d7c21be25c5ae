//! NVRTC, loaded at run time once per process (a loaded library, not a cache), and
//! the compilation of CUDA C to PTX; the PTX cache is an engine's (`caches`).
//!
//! NVRTC is opened here rather than through cudarc, because cudarc panics when the
//! library is missing and only searches a fixed list of sonames: nexpr must turn a
//! missing NVRTC into an error, and must find the one a Python wheel installs.
//!
//! Where NVRTC is looked for, in order:
//! 1. `NEXPR_NVRTC_LIB`: the library file (`.../libnvrtc.so.12`) or its folder;
//! 2. the dynamic loader's search path (`LD_LIBRARY_PATH`, the ld cache) under the
//!    sonames of CUDA 13, 12 and 11;
//! 3. `$CUDA_PATH/lib64`, `$CUDA_HOME/lib64` and `/usr/local/cuda/lib64`.

use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type Program = *mut std::ffi::c_void;
type Status = c_int;

/// The NVRTC entry points nexpr uses (stable across CUDA 11 to 13).
struct Api {
    _lib: libloading::Library,
    path: String,
    version: (i32, i32),
    create: unsafe extern "C" fn(
        *mut Program,
        *const c_char,
        *const c_char,
        c_int,
        *const *const c_char,
        *const *const c_char,
    ) -> Status,
    compile: unsafe extern "C" fn(Program, c_int, *const *const c_char) -> Status,
    ptx_size: unsafe extern "C" fn(Program, *mut usize) -> Status,
    ptx: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    log_size: unsafe extern "C" fn(Program, *mut usize) -> Status,
    log: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    destroy: unsafe extern "C" fn(*mut Program) -> Status,
    error_string: unsafe extern "C" fn(Status) -> *const c_char,
}

// SAFETY: the function pointers are plain C entry points, which NVRTC documents as
// thread-safe for distinct programs; the library handle is never closed.
unsafe impl Send for Api {}
unsafe impl Sync for Api {}

static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();

const SONAMES: [&str; 4] = [
    "libnvrtc.so.13",
    "libnvrtc.so.12",
    "libnvrtc.so.11.2",
    "libnvrtc.so",
];

/// Where to look: `explicit` (a library file or its folder) alone when given, else
/// `NEXPR_NVRTC_LIB` alone when set, else the loader's path and the usual folders.
fn candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let chosen = explicit.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("NEXPR_NVRTC_LIB")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    if let Some(p) = chosen {
        if p.is_dir() {
            out.extend(SONAMES.iter().map(|n| p.join(n)));
        } else {
            out.push(p);
        }
        // An explicit choice is not silently replaced by some other NVRTC.
        return out;
    }
    out.extend(SONAMES.iter().map(PathBuf::from));
    let mut dirs: Vec<PathBuf> = ["CUDA_PATH", "CUDA_HOME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|d| Path::new(&d).join("lib64"))
        .collect();
    dirs.push(PathBuf::from("/usr/local/cuda/lib64"));
    for d in dirs {
        out.extend(SONAMES.iter().map(|n| d.join(n)));
    }
    out
}

fn open(explicit: Option<&Path>) -> std::result::Result<Api, String> {
    let mut tried = Vec::new();
    for c in candidates(explicit) {
        // SAFETY: loading NVRTC runs only its (trusted) initializers.
        match unsafe { libloading::Library::new(&c) } {
            Ok(lib) => return bind(lib, c.display().to_string()),
            Err(_) => tried.push(c.display().to_string()),
        }
    }
    Err(format!(
        "libnvrtc not found (tried {}); set NEXPR_NVRTC_LIB to the library file or its folder, e.g. from `pip install nvidia-cuda-nvrtc-cu12`",
        tried.join(", ")
    ))
}

fn bind(lib: libloading::Library, path: String) -> std::result::Result<Api, String> {
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol has the signature of the field it is stored in (NVRTC's
            // C API); the library outlives it (it is stored alongside, never closed).
            *unsafe { lib.get($name) }.map_err(|e| {
                format!(
                    "{path} lacks {}: {e}",
                    String::from_utf8_lossy(&$name[..$name.len() - 1])
                )
            })?
        };
    }
    let version_fn: unsafe extern "C" fn(*mut c_int, *mut c_int) -> Status =
        sym!(b"nvrtcVersion\0");
    let (mut major, mut minor) = (0, 0);
    // SAFETY: two valid out-pointers.
    unsafe { version_fn(&mut major, &mut minor) };
    Ok(Api {
        create: sym!(b"nvrtcCreateProgram\0"),
        compile: sym!(b"nvrtcCompileProgram\0"),
        ptx_size: sym!(b"nvrtcGetPTXSize\0"),
        ptx: sym!(b"nvrtcGetPTX\0"),
        log_size: sym!(b"nvrtcGetProgramLogSize\0"),
        log: sym!(b"nvrtcGetProgramLog\0"),
        destroy: sym!(b"nvrtcDestroyProgram\0"),
        error_string: sym!(b"nvrtcGetErrorString\0"),
        version: (major, minor),
        path,
        _lib: lib,
    })
}

fn api() -> Result<&'static Api> {
    API.get_or_init(|| open(None))
        .as_ref()
        .map_err(|e| Error::backend(format!("CUDA target unavailable: {e}")))
}

/// Whether NVRTC can be loaded, and from where with which version, or why not.
pub fn probe() -> Result<(String, (i32, i32))> {
    api().map(|a| (a.path.clone(), a.version))
}

/// [`probe`], loading NVRTC from `lib` (the library file or its folder) in place of
/// `NEXPR_NVRTC_LIB` when this is the first use of NVRTC in the process; after that,
/// whatever was loaded first.
pub fn probe_from(lib: Option<&Path>) -> Result<(String, (i32, i32))> {
    API.get_or_init(|| open(lib));
    probe()
}

/// Compiler options that change the generated code (part of the cache key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// Compute capability, e.g. (9, 0) for `compute_90`.
    pub arch: (u32, u32),
    pub fast_math: bool,
}

impl Options {
    fn flags(&self) -> Vec<String> {
        let mut v = vec![
            format!("--gpu-architecture=compute_{}{}", self.arch.0, self.arch.1),
            "--std=c++17".to_string(),
        ];
        if self.fast_math {
            v.push("--use_fast_math".into());
        } else {
            // No fused multiply-add contraction: results must round as NumPy's do.
            v.push("--fmad=false".into());
        }
        v
    }
}

/// PTX for `source` (which may `#include "nexpr_prelude.cuh"`), compiled now.
pub fn compile_ptx(source: &str, opts: &Options) -> Result<String> {
    let api = api()?;
    let cstr =
        |s: &str| CString::new(s).map_err(|_| Error::backend("CUDA source contains a NUL byte"));
    let src = cstr(source)?;
    let name = cstr("nexpr_kernel.cu")?;
    let header = cstr(super::PRELUDE)?;
    let header_name = cstr(super::PRELUDE_NAME)?;
    let flags: Vec<CString> = opts
        .flags()
        .iter()
        .map(|f| cstr(f))
        .collect::<Result<_>>()?;
    let flag_ptrs: Vec<*const c_char> = flags.iter().map(|f| f.as_ptr()).collect();
    let err = |what: &str, st: Status| {
        // SAFETY: nvrtcGetErrorString returns a static string for any status.
        let msg = unsafe { CStr::from_ptr((api.error_string)(st)) };
        Error::backend(format!("NVRTC {what} failed: {}", msg.to_string_lossy()))
    };
    let mut prog: Program = std::ptr::null_mut();
    // SAFETY: all strings are NUL-terminated and live across the call; one header.
    let st = unsafe {
        (api.create)(
            &mut prog,
            src.as_ptr(),
            name.as_ptr(),
            1,
            &header.as_ptr(),
            &header_name.as_ptr(),
        )
    };
    if st != 0 {
        return Err(err("nvrtcCreateProgram", st));
    }
    struct Guard<'a>(&'a Api, Program);
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            // SAFETY: the program was created above and is destroyed once.
            unsafe { (self.0.destroy)(&mut self.1) };
        }
    }
    let guard = Guard(api, prog);
    // SAFETY: `prog` is live; the option strings outlive the call.
    let st = unsafe { (api.compile)(guard.1, flag_ptrs.len() as c_int, flag_ptrs.as_ptr()) };
    if st != 0 {
        let log = read_log(api, guard.1);
        return Err(Error::backend(format!(
            "NVRTC could not compile the generated CUDA C:\n{log}\n--- source ---\n{source}"
        )));
    }
    let mut size = 0usize;
    // SAFETY: `prog` compiled successfully; `size` is a valid out-pointer.
    let st = unsafe { (api.ptx_size)(guard.1, &mut size) };
    if st != 0 {
        return Err(err("nvrtcGetPTXSize", st));
    }
    let mut buf = vec![0u8; size.max(1)];
    // SAFETY: `buf` holds `size` bytes, as NVRTC asked for.
    let st = unsafe { (api.ptx)(guard.1, buf.as_mut_ptr() as *mut c_char) };
    if st != 0 {
        return Err(err("nvrtcGetPTX", st));
    }
    while buf.last() == Some(&0) {
        buf.pop();
    }
    String::from_utf8(buf).map_err(|_| Error::backend("NVRTC returned non-UTF-8 PTX"))
}

fn read_log(api: &Api, prog: Program) -> String {
    let mut size = 0usize;
    // SAFETY: `prog` is live; out-pointer valid.
    if unsafe { (api.log_size)(prog, &mut size) } != 0 || size == 0 {
        return String::new();
    }
    let mut buf = vec![0u8; size];
    // SAFETY: `buf` holds `size` bytes.
    if unsafe { (api.log)(prog, buf.as_mut_ptr() as *mut c_char) } != 0 {
        return String::new();
    }
    while buf.last() == Some(&0) {
        buf.pop();
    }
    String::from_utf8_lossy(&buf).into_owned()
}
