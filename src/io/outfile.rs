//! Output files: written to an unnamed file (`O_TMPFILE`) in the destination's
//! directory and linked in over it when complete, so that nothing is left behind on an
//! error or any signal, SIGKILL included. Where the filesystem has no unnamed files, to
//! a hidden temporary file beside the destination, unlinked on an error and on SIGINT,
//! SIGTERM or SIGHUP by the signal handler (which then raises the signal again with its
//! default action). Symbolic links are followed, an existing file's permission bits
//! kept, and FIFOs and devices written directly (see [`AtomicFile`]). A process that
//! registered a token with [`cancel_on_signals`] (the CLI) is not ended by the first
//! signal: it cancels the token, the evaluation stops with an error, and the files are
//! removed as on any error; a second signal ends it as above.
//!
//! The file sinks write through them: [`NpySink`] streams a `.npy` result straight
//! into its temporary file; [`NpzSink`] streams each of several results into its own
//! unnamed scratch file in the same directory, then copies them as uncompressed members
//! (NumPy's `np.savez` layout) into the archive. `write_npy` and `write_npz` write
//! whole arrays through them.

use super::npy::view_bytes;
use super::sink::{not_started, started, usage, Expected, OutputSpec, Sink};
use crate::array::DynView;
use crate::cancel::CancelToken;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use ndarray_npy::npy::header::{Header, Layout as NpyLayout};
use std::ffi::CString;
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Once, OnceLock};

const SLOTS: usize = 32;
static PENDING: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

/// Set by the signal handler before it reads `PENDING`. A path taken out of its slot is
/// freed only while this is unset: with both sides `SeqCst`, either the handler sees
/// the slot empty, or the owner sees the flag and leaves the path allocated (the process
/// is about to end anyway).
static HANDLING: AtomicBool = AtomicBool::new(false);

/// What the first signal cancels instead of ending the process.
static CANCEL_ON_SIGNAL: OnceLock<CancelToken> = OnceLock::new();

/// From now on, the first SIGINT, SIGTERM or SIGHUP cancels `token` (and so the
/// evaluations it is attached to) instead of ending the process; the next one ends it,
/// removing the files being written. Only the first token registered counts.
pub fn cancel_on_signals(token: &CancelToken) {
    let _ = CANCEL_ON_SIGNAL.set(token.clone());
    install_handlers();
}

extern "C" fn on_signal(sig: libc::c_int) {
    // `OnceLock::get` and `cancel` are atomic loads and stores: async-signal-safe.
    if let Some(token) = CANCEL_ON_SIGNAL.get() {
        if !token.is_cancelled() {
            token.cancel();
            return;
        }
    }
    HANDLING.store(true, Ordering::SeqCst);
    for slot in &PENDING {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: `p` is a NUL-terminated path that stays allocated once `HANDLING`
            // is set; `unlink`, `signal` and `raise` are async-signal-safe.
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

/// What the command line prints when a mapped input file shrinks under it.
const SIGBUS_MESSAGE: &[u8] =
    b"nexpr: an input file was truncated while it was read (SIGBUS); no output was written\n";

extern "C" fn on_sigbus(_: libc::c_int) {
    HANDLING.store(true, Ordering::SeqCst);
    for slot in &PENDING {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: as in `on_signal`.
            unsafe { libc::unlink(p) };
        }
    }
    // SAFETY: `write` and `_exit` are async-signal-safe; the message is static.
    unsafe {
        libc::write(2, SIGBUS_MESSAGE.as_ptr().cast(), SIGBUS_MESSAGE.len());
        libc::_exit(1);
    }
}

/// Makes SIGBUS end the process with a message and exit code 1, after removing any
/// named temporary output (unnamed ones vanish with the process anyway). The command
/// line's inputs are memory-mapped (`io::open_mapped`): a file truncated by another
/// process while it is read faults with SIGBUS on the next page past its new end,
/// which no Rust code can recover from. The command line installs this; the library
/// installs no handler, and its `io::open` reads with `pread`, which sees a truncation
/// as an error.
pub fn exit_on_sigbus() {
    install_handlers();
    // SAFETY: installing a handler that only calls async-signal-safe functions.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigbus as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
    }
}

/// A path the signal handler unlinks while registered.
#[derive(Debug)]
struct Registered(Option<usize>);

impl Registered {
    fn new(path: &Path) -> Registered {
        install_handlers();
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return Registered(None);
        };
        let p = c.into_raw();
        for (i, slot) in PENDING.iter().enumerate() {
            if slot
                .compare_exchange(std::ptr::null_mut(), p, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Registered(Some(i));
            }
        }
        // Every slot taken (more than `SLOTS` files being written at once): this one is
        // still removed on errors, just not by the signal handler.
        // SAFETY: `p` came from `into_raw` above and was never published.
        drop(unsafe { CString::from_raw(p) });
        Registered(None)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let Some(i) = self.0 else { return };
        let p = PENDING[i].swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !p.is_null() && !HANDLING.load(Ordering::SeqCst) {
            // SAFETY: `p` came from `CString::into_raw` in `new`; the handler has not
            // started (see `HANDLING`), so it never reads `p` after the swap.
            drop(unsafe { CString::from_raw(p) });
        }
    }
}

/// A file being written for a destination path, which it becomes only when complete.
///
/// The destination is the path with its symbolic links followed (as `np.save` writes
/// through a link). A regular file, or none, is replaced atomically: the data goes to
/// an unnamed file in the same directory (`O_TMPFILE`), named only at the commit, so
/// that even SIGKILL leaves nothing; where the filesystem has no unnamed files, to a
/// hidden temporary file, registered with the signal handler *before* it is created.
/// The new file keeps an existing file's permission bits (new files get the umask's).
/// Anything else (a FIFO, a device) is written directly: replacing it would destroy it.
#[derive(Debug)]
pub(crate) struct AtomicFile {
    path: PathBuf,
    how: How,
    file: Option<File>,
}

/// How an [`AtomicFile`] reaches its destination.
#[derive(Debug)]
enum How {
    /// An unnamed file, linked in at the commit.
    Unnamed,
    /// A hidden temporary file, renamed over the destination at the commit.
    Named(PathBuf, Registered),
    /// The destination itself, not a regular file.
    Direct,
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `path` with its symbolic links followed, as far as they lead (a dangling link
/// gives the path it points to, which is then created).
fn follow_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    // Linux's own limit on links in a path (ELOOP beyond).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(|e| Error::io(path, e))?;
                p = dir_of(&p).join(to);
            }
            _ => return Ok(p),
        }
    }
    Err(Error::io(path, "too many levels of symbolic links"))
}

/// A hidden name for a temporary file in `dir`, unused so far as this process knows.
fn temp_name(dir: &Path) -> PathBuf {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    dir.join(format!(
        ".nexpr-{}-{}-{nanos:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Retries `attempt` with fresh temporary names in `dir` while the name is taken.
fn with_temp_name<T>(
    dir: &Path,
    mut attempt: impl FnMut(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut tries = 0;
    loop {
        match attempt(&temp_name(dir)) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            r => return r,
        }
    }
}

impl AtomicFile {
    /// Opens what the data for `path` is written to until the commit.
    pub(crate) fn create(path: &Path) -> Result<AtomicFile> {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let dest = follow_links(path)?;
        let existing = std::fs::metadata(&dest).ok();
        if let Some(m) = &existing {
            let t = m.file_type();
            if t.is_fifo() || t.is_char_device() || t.is_block_device() || t.is_socket() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .map_err(|e| Error::io(path, e))?;
                return Ok(AtomicFile {
                    path: dest,
                    how: How::Direct,
                    file: Some(file),
                });
            }
        }
        let af = match Self::unnamed(&dest) {
            Some(af) => af,
            None => Self::named(&dest).map_err(|e| Error::io(path, e))?,
        };
        if let Some(m) = existing.filter(|m| m.is_file()) {
            let mode = std::fs::Permissions::from_mode(m.permissions().mode() & 0o7777);
            let f = af.file.as_ref().expect("open");
            f.set_permissions(mode).map_err(|e| Error::io(path, e))?;
        }
        Ok(af)
    }

    /// An unnamed file in the destination's directory, where the filesystem has them
    /// and `/proc/self/fd` can name it at the commit.
    fn unnamed(dest: &Path) -> Option<AtomicFile> {
        use std::os::unix::fs::OpenOptionsExt;
        if !Path::new("/proc/self/fd").is_dir() {
            return None;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .mode(0o666)
            .custom_flags(libc::O_TMPFILE)
            .open(dir_of(dest))
            .ok()?;
        Some(AtomicFile {
            path: dest.to_path_buf(),
            how: How::Unnamed,
            file: Some(file),
        })
    }

    /// A hidden temporary file beside the destination, registered before it exists.
    fn named(dest: &Path) -> std::io::Result<AtomicFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let (tmp, reg, file) = with_temp_name(dir_of(dest), |tmp| {
            let reg = Registered::new(tmp);
            // 0666 less the umask, as a file created by `open` would be.
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(tmp)?;
            Ok((tmp.to_path_buf(), reg, f))
        })?;
        Ok(AtomicFile {
            path: dest.to_path_buf(),
            how: How::Named(tmp, reg),
            file: Some(file),
        })
    }

    /// The open file.
    pub(crate) fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until committed")
    }

    /// Puts the complete file in place of the destination.
    pub(crate) fn commit(mut self) -> Result<()> {
        let f = self.file.take().expect("open until committed");
        match std::mem::replace(&mut self.how, How::Direct) {
            How::Direct => Ok(()),
            How::Named(tmp, _reg) => {
                f.sync_data().ok();
                drop(f);
                rename_into_place(&tmp, &self.path)
            }
            How::Unnamed => {
                f.sync_data().ok();
                let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
                let proc = CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
                let named = with_temp_name(dir_of(&self.path), |tmp| {
                    let reg = Registered::new(tmp);
                    let c = CString::new(std::os::unix::ffi::OsStrExt::as_bytes(tmp.as_os_str()))
                        .map_err(std::io::Error::other)?;
                    // SAFETY: two NUL-terminated paths; `linkat` gives the open unnamed
                    // file a name (it fails if the name exists).
                    let r = unsafe {
                        libc::linkat(
                            libc::AT_FDCWD,
                            proc.as_ptr(),
                            libc::AT_FDCWD,
                            c.as_ptr(),
                            libc::AT_SYMLINK_FOLLOW,
                        )
                    };
                    match r {
                        0 => Ok((tmp.to_path_buf(), reg)),
                        _ => Err(std::io::Error::last_os_error()),
                    }
                });
                drop(f);
                let (tmp, _reg) = named.map_err(|e| Error::io(&self.path, e))?;
                rename_into_place(&tmp, &self.path)
            }
        }
    }
}

/// Renames `tmp` over `dest`, removing `tmp` if that fails.
fn rename_into_place(tmp: &Path, dest: &Path) -> Result<()> {
    if let Err(e) = std::fs::rename(tmp, dest) {
        let _ = std::fs::remove_file(tmp);
        return Err(Error::io(dest, e));
    }
    Ok(())
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // An unnamed file goes with its descriptor; a direct one stays what it was.
        if let (Some(_), How::Named(tmp, _)) = (self.file.take(), &self.how) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The `.npy` header of a C-order array.
fn npy_header(dtype: DType, shape: &[usize]) -> Result<Vec<u8>> {
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
    .map_err(|e| Error::new(ErrorKind::Io, format!("npy header: {e}")))
}

/// Writes the one output of a streamed evaluation as a `.npy` file, as it comes, and
/// atomically: into a temporary file beside `path`, renamed over `path` by
/// [`NpySink::finish`]. Dropped unfinished, or interrupted by SIGINT, SIGTERM or
/// SIGHUP, it leaves nothing behind.
///
/// ```
/// use nexpr::io::{self, Input, NpySink};
/// use nexpr::{Expr, Target};
/// use std::collections::BTreeMap;
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("r.npy");
/// let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]).into_dyn();
/// let mut inputs = BTreeMap::from([("a".to_string(), Input::from_array(a))]);
/// let mut sink = NpySink::new(&out);
/// Expr::parse("a * 10")?.compile(Target::cpu())?.eval_streamed(&mut inputs, &mut sink)?;
/// sink.finish()?;
/// let r = io::read_npy(&out)?;
/// assert_eq!(r.as_array::<f64>().unwrap().as_slice().unwrap(), &[10.0, 20.0, 30.0]);
/// # Ok::<(), nexpr::Error>(())
/// ```
///
/// It also writes a `.npy` larger than memory from blocks of any source:
///
/// ```
/// use nexpr::io::{self, NpySink, OutputSpec, Sink};
/// use nexpr::DType;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("ramp.npy");
/// let mut sink = NpySink::new(&path);
/// sink.start(&[OutputSpec::new("ramp", DType::I64, &[4, 1000])])?;
/// for row in 0..4i64 {
///     let block = ndarray::Array1::from_iter(row * 1000..(row + 1) * 1000);
///     sink.block(&[(&block).into()])?;
/// }
/// sink.finish()?;
/// assert_eq!(io::read_npy(&path)?.shape(), &[4, 1000]);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Debug)]
pub struct NpySink {
    path: PathBuf,
    /// Once started: what is expected, the temporary file and its writer.
    state: Option<(Expected, AtomicFile, BufWriter<File>)>,
}

impl NpySink {
    /// A sink that writes `path` (nothing is created before [`Sink::start`]).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let sink = nexpr::io::NpySink::new(dir.path().join("r.npy"));
    /// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    /// ```
    pub fn new(path: impl AsRef<Path>) -> NpySink {
        NpySink {
            path: path.as_ref().to_path_buf(),
            state: None,
        }
    }

    /// Completes the file and renames it into place: an error, and no file, if it
    /// did not get every element.
    ///
    /// ```
    /// use nexpr::io::{NpySink, OutputSpec, Sink};
    /// let dir = tempfile::tempdir().unwrap();
    /// let mut sink = NpySink::new(dir.path().join("r.npy"));
    /// sink.start(&[OutputSpec::new("r", nexpr::DType::F32, &[10])])?;
    /// assert!(sink.finish().is_err()); // no element came
    /// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<()> {
        let (expected, _, w) = started(&mut self.state)?;
        expected.finish()?;
        w.flush().map_err(|e| Error::io(&self.path, e))?;
        let (_, af, _) = self.state.take().expect("started");
        af.commit()
    }
}

impl Sink for NpySink {
    fn start(&mut self, outputs: &[OutputSpec]) -> Result<()> {
        not_started(&self.state)?;
        let [o] = outputs else {
            return Err(usage(format!(
                "a .npy file holds one array, not {} (write several to a .npz)",
                outputs.len()
            )));
        };
        let expected = Expected::new(outputs)?;
        let mut af = AtomicFile::create(&self.path)?;
        let f = af
            .file()
            .try_clone()
            .map_err(|e| Error::io(&self.path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        w.write_all(&npy_header(o.dtype, &o.shape)?)
            .map_err(|e| Error::io(&self.path, e))?;
        self.state = Some((expected, af, w));
        Ok(())
    }

    fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()> {
        let (expected, _, w) = started(&mut self.state)?;
        expected.block(blocks)?;
        w.write_all(&view_bytes(&blocks[0])?)
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// Writes every output of a streamed evaluation as an uncompressed member
/// (`<name>.npy`) of one `.npz` archive, atomically: each output streams into a scratch
/// file in the directory of `path` (unnamed: nothing to clean up), and
/// [`NpzSink::finish`] copies them into the archive and renames it into place.
///
/// ```
/// use nexpr::io::{self, Input, NpzSink};
/// use nexpr::{Program, Target};
/// use std::collections::BTreeMap;
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("o.npz");
/// let a = ndarray::arr1(&[1.0f64, -2.0]).into_dyn();
/// let mut inputs = BTreeMap::from([("a".to_string(), Input::from_array(a))]);
/// let prog = Program::parse("output sq, neg\nsq = a*a\nneg = a < 0\n")?;
/// let mut sink = NpzSink::new(&out);
/// prog.compile(Target::cpu())?.eval_streamed(&mut inputs, &mut sink)?;
/// sink.finish()?;
/// let r = io::read_npz(&out)?;
/// assert_eq!(r.keys().collect::<Vec<_>>(), ["neg", "sq"]);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Debug)]
pub struct NpzSink {
    path: PathBuf,
    /// Once started: what is expected, and each output's name and scratch file.
    state: Option<(Expected, Vec<Spill>)>,
}

/// An output of an [`NpzSink`]: its name and the scratch file its `.npy` goes to.
type Spill = (String, BufWriter<File>);

impl NpzSink {
    /// A sink that writes `path` (nothing is created before [`Sink::start`]).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let sink = nexpr::io::NpzSink::new(dir.path().join("o.npz"));
    /// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    /// ```
    pub fn new(path: impl AsRef<Path>) -> NpzSink {
        NpzSink {
            path: path.as_ref().to_path_buf(),
            state: None,
        }
    }

    /// Copies the outputs into the archive and renames it into place: an error, and no
    /// file, if they did not get every element.
    ///
    /// ```
    /// use nexpr::io::{self, NpzSink, OutputSpec, Sink};
    /// use nexpr::DType;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("pair.npz");
    /// let mut sink = NpzSink::new(&path);
    /// sink.start(&[OutputSpec::new("x", DType::F64, &[2]), OutputSpec::new("n", DType::I32, &[2])])?;
    /// let (x, n) = (ndarray::arr1(&[0.5f64, 1.5]), ndarray::arr1(&[7i32, 8]));
    /// sink.block(&[(&x).into(), (&n).into()])?;
    /// sink.finish()?;
    /// assert_eq!(io::read_npz(&path)?.len(), 2);
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<()> {
        started(&mut self.state)?.0.finish()?;
        let (_, spills) = self.state.take().expect("started");
        let p = &self.path;
        let mut af = AtomicFile::create(p)?;
        let f = af.file().try_clone().map_err(|e| Error::io(p, e))?;
        let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, f));
        for (name, w) in spills {
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

impl Sink for NpzSink {
    fn start(&mut self, outputs: &[OutputSpec]) -> Result<()> {
        not_started(&self.state)?;
        let expected = Expected::new(outputs)?;
        let mut spills = Vec::with_capacity(outputs.len());
        for o in outputs {
            let f =
                tempfile::tempfile_in(dir_of(&self.path)).map_err(|e| Error::io(&self.path, e))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            w.write_all(&npy_header(o.dtype, &o.shape)?)
                .map_err(|e| Error::io(&self.path, e))?;
            spills.push((o.name.clone(), w));
        }
        self.state = Some((expected, spills));
        Ok(())
    }

    fn block(&mut self, blocks: &[DynView<'_>]) -> Result<()> {
        let (expected, spills) = started(&mut self.state)?;
        expected.block(blocks)?;
        for ((_, w), b) in spills.iter_mut().zip(blocks) {
            w.write_all(&view_bytes(b)?)
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }
}

/// Writes one array as `.npy`, atomically.
pub(crate) fn write_npy(path: &Path, a: DynView<'_>) -> Result<()> {
    let mut s = NpySink::new(path);
    s.start(&[OutputSpec::new("", a.dtype(), a.shape())])?;
    s.block(&[a])?;
    s.finish()
}

/// Writes named arrays as an uncompressed `.npz`, atomically.
pub(crate) fn write_npz(path: &Path, arrays: &[(String, DynView<'_>)]) -> Result<()> {
    let specs: Vec<OutputSpec> = arrays
        .iter()
        .map(|(n, a)| OutputSpec::new(n.as_str(), a.dtype(), a.shape()))
        .collect();
    let views: Vec<DynView> = arrays.iter().map(|(_, a)| a.reborrow()).collect();
    let mut s = NpzSink::new(path);
    s.start(&specs)?;
    s.block(&views)?;
    s.finish()
}
