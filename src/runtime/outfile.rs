//! Writing results: atomically (a temporary file beside the destination, renamed over
//! it when complete), block by block, and with nothing left behind on an error or on
//! SIGINT, SIGTERM or SIGHUP (the temporary file is unlinked by the signal handler,
//! then the signal is raised again with its default action).
//!
//! `.npy` results stream straight into the temporary file. A `.npz` archive of several
//! results streams each into its own unnamed scratch file in the same directory, then
//! copies them as uncompressed members (NumPy's `np.savez` layout) into the archive.

use crate::array::DynArray;
use crate::dtype::DType;
use crate::error::{Error, Result};
use ndarray_npy::npy::header::{Header, Layout as NpyLayout};
use std::ffi::CString;
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

const SLOTS: usize = 32;
static PENDING: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

extern "C" fn on_signal(sig: libc::c_int) {
    for slot in &PENDING {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: `p` is a NUL-terminated path that is never freed; `unlink`,
            // `signal` and `raise` are async-signal-safe.
            unsafe { libc::unlink(p) };
        }
    }
    // SAFETY: as above.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn install_handlers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: installing a handler that only calls async-signal-safe functions.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as *const () as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                // Keep an ignored signal ignored (a `nohup` run).
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut old);
                if old.sa_sigaction != libc::SIG_IGN {
                    libc::sigaction(sig, &sa, std::ptr::null_mut());
                }
            }
        }
    });
}

/// A path the signal handler unlinks while registered.
struct Registered(Option<usize>);

impl Registered {
    fn new(path: &Path) -> Registered {
        install_handlers();
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return Registered(None);
        };
        // Never freed: the handler may be reading it on another thread.
        let p = c.into_raw();
        for (i, slot) in PENDING.iter().enumerate() {
            if slot
                .compare_exchange(std::ptr::null_mut(), p, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Registered(Some(i));
            }
        }
        Registered(None)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            PENDING[i].store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }
}

/// A file being written at a temporary path beside its destination.
///
/// The temporary path is registered with the signal handler *before* the file is
/// created, so there is no moment at which it exists unregistered.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    _reg: Registered,
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        use std::os::unix::fs::OpenOptionsExt;
        use std::sync::atomic::AtomicU64;
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = dir_of(path);
        let mut attempt = 0;
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let name = format!(
                ".nexpr-{}-{}-{nanos:08x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let tmp = dir.join(name);
            let reg = Registered::new(&tmp);
            // 0666 less the umask, as a file created by `open` would be.
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(&tmp)
            {
                Ok(file) => {
                    return Ok(AtomicFile {
                        path: path.to_path_buf(),
                        tmp,
                        file: Some(file),
                        _reg: reg,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(Error::io(path, e)),
            }
        }
    }

    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until committed")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the complete file over the destination.
    pub fn commit(mut self) -> Result<()> {
        let f = self.file.take().expect("open until committed");
        f.sync_data().ok();
        drop(f);
        if let Err(e) = std::fs::rename(&self.tmp, &self.path) {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The `.npy` header of a C-order array.
pub fn npy_header(dtype: DType, shape: &[usize]) -> Result<Vec<u8>> {
    let descr = match dtype {
        DType::Bool => "|b1",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::C64 => "<c8",
        DType::C128 => "<c16",
    };
    Header {
        type_descriptor: py_literal::Value::String(descr.into()),
        layout: NpyLayout::Standard,
        shape: shape.to_vec(),
    }
    .to_bytes()
    .map_err(|e| Error::new(crate::error::ErrorKind::Io, format!("npy header: {e}")))
}

/// The bytes of a C-contiguous array's elements, as `.npy` stores them (little-endian).
pub fn bytes_of(a: &DynArray) -> &[u8] {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    let s = x.as_slice().expect("C-contiguous");
                    // SAFETY: plain data (bool is one byte, 0 or 1), viewed as bytes.
                    unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, std::mem::size_of_val(s)) }
                })*
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// The bytes of a C-contiguous array's elements, to overwrite (bool: only 0 or 1).
pub(crate) fn bytes_of_mut(a: &mut DynArray) -> &mut [u8] {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) => {
                    let s = x.as_slice_mut().expect("C-contiguous");
                    // SAFETY: plain data viewed as bytes; callers copy in bytes of
                    // arrays of the same dtype (bool bytes are then 0 or 1).
                    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut u8, std::mem::size_of_val(s)) }
                })*
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// Where a streamed evaluation sends its results, block by block in C order.
pub trait Sink {
    /// Called once, before any block, with each output's dtype and shape.
    fn start(&mut self, outputs: &[(String, DType, Vec<usize>)]) -> Result<()>;
    /// The next `blocks[k].len()` elements of output `k` (all outputs advance together).
    fn block(&mut self, blocks: &[&DynArray]) -> Result<()>;
}

/// Writes one output as `.npy`, atomically, as it comes.
pub struct NpyFileSink {
    path: PathBuf,
    state: Option<(AtomicFile, BufWriter<File>, usize)>,
}

impl NpyFileSink {
    pub fn new(path: &Path) -> NpyFileSink {
        NpyFileSink {
            path: path.to_path_buf(),
            state: None,
        }
    }

    /// Completes the file and renames it into place.
    pub fn finish(mut self) -> Result<()> {
        let (af, w, left) = self
            .state
            .take()
            .ok_or_else(|| Error::io(&self.path, "no result was written"))?;
        if left != 0 {
            return Err(Error::io(&self.path, "incomplete result"));
        }
        w.into_inner()
            .map_err(|e| Error::io(&self.path, e.error()))?;
        af.commit()
    }
}

impl Sink for NpyFileSink {
    fn start(&mut self, outputs: &[(String, DType, Vec<usize>)]) -> Result<()> {
        let (_, dtype, shape) = outputs
            .first()
            .ok_or_else(|| Error::io(&self.path, "nothing to write"))?;
        let mut af = AtomicFile::create(&self.path)?;
        let f = af
            .file()
            .try_clone()
            .map_err(|e| Error::io(&self.path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        w.write_all(&npy_header(*dtype, shape)?)
            .map_err(|e| Error::io(&self.path, e))?;
        self.state = Some((af, w, shape.iter().product()));
        Ok(())
    }

    fn block(&mut self, blocks: &[&DynArray]) -> Result<()> {
        let (_, w, left) = self.state.as_mut().expect("started");
        let b = blocks[0];
        *left = left.saturating_sub(b.len());
        w.write_all(bytes_of(b))
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// Writes every output as an uncompressed member of one `.npz`, atomically.
pub struct NpzFileSink {
    path: PathBuf,
    names: Vec<String>,
    /// One scratch file per output (unnamed: nothing to clean up), and elements left.
    spills: Vec<(BufWriter<File>, usize)>,
}

impl NpzFileSink {
    pub fn new(path: &Path) -> NpzFileSink {
        NpzFileSink {
            path: path.to_path_buf(),
            names: Vec::new(),
            spills: Vec::new(),
        }
    }

    /// Copies the scratch files into the archive and renames it into place.
    pub fn finish(self) -> Result<()> {
        let p = &self.path;
        let mut af = AtomicFile::create(p)?;
        let f = af.file().try_clone().map_err(|e| Error::io(p, e))?;
        let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, f));
        for (name, (w, left)) in self.names.iter().zip(self.spills) {
            if left != 0 {
                return Err(Error::io(p, "incomplete result"));
            }
            let mut f = w.into_inner().map_err(|e| Error::io(p, e.error()))?;
            let len = f.stream_position().map_err(|e| Error::io(p, e))?;
            f.rewind().map_err(|e| Error::io(p, e))?;
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(len >= u32::MAX as u64);
            zip.start_file(format!("{name}.npy"), opts)
                .map_err(|e| Error::io(p, e))?;
            std::io::copy(&mut f, &mut zip).map_err(|e| Error::io(p, e))?;
        }
        let w = zip.finish().map_err(|e| Error::io(p, e))?;
        w.into_inner().map_err(|e| Error::io(p, e.error()))?;
        af.commit()
    }
}

impl Sink for NpzFileSink {
    fn start(&mut self, outputs: &[(String, DType, Vec<usize>)]) -> Result<()> {
        for (name, dtype, shape) in outputs {
            let f =
                tempfile::tempfile_in(dir_of(&self.path)).map_err(|e| Error::io(&self.path, e))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            w.write_all(&npy_header(*dtype, shape)?)
                .map_err(|e| Error::io(&self.path, e))?;
            self.names.push(name.clone());
            self.spills.push((w, shape.iter().product()));
        }
        Ok(())
    }

    fn block(&mut self, blocks: &[&DynArray]) -> Result<()> {
        for ((w, left), b) in self.spills.iter_mut().zip(blocks) {
            *left = left.saturating_sub(b.len());
            w.write_all(bytes_of(b))
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }
}

/// Writes `path` atomically: into a temporary file beside it, then renamed over it.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::result::Result<(), String>,
) -> Result<()> {
    let mut af = AtomicFile::create(path)?;
    write(af.file()).map_err(|e| Error::io(path, e))?;
    af.file().flush().map_err(|e| Error::io(path, e))?;
    af.commit()
}

/// A C-contiguous copy of `a` (or `a` itself when it already is).
fn standard(a: &DynArray) -> std::borrow::Cow<'_, DynArray> {
    macro_rules! go {
        ($($var:ident),*) => {
            match a {
                $(DynArray::$var(x) if !x.is_standard_layout() => {
                    std::borrow::Cow::Owned(DynArray::$var(x.as_standard_layout().into_owned()))
                })*
                _ => std::borrow::Cow::Borrowed(a),
            }
        };
    }
    go!(Bool, I32, I64, F32, F64, C64, C128)
}

/// Writes one array as `.npy`, atomically.
pub fn write_npy(path: &Path, a: &DynArray) -> Result<()> {
    let a = standard(a);
    let mut s = NpyFileSink::new(path);
    s.start(&[(String::new(), a.dtype(), a.shape().to_vec())])?;
    s.block(&[&a])?;
    s.finish()
}

/// Writes named arrays as an uncompressed `.npz`, atomically.
pub fn write_npz(path: &Path, arrays: &std::collections::BTreeMap<String, DynArray>) -> Result<()> {
    let specs: Vec<_> = arrays
        .iter()
        .map(|(n, a)| (n.clone(), a.dtype(), a.shape().to_vec()))
        .collect();
    let owned: Vec<_> = arrays.values().map(standard).collect();
    let refs: Vec<&DynArray> = owned.iter().map(|c| c.as_ref()).collect();
    let mut s = NpzFileSink::new(path);
    s.start(&specs)?;
    s.block(&refs)?;
    s.finish()
}
