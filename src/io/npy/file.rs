//! Files: only regular files are opened, read with `pread` (a file that shrinks while
//! it is read is a short read, an error) or mapped where the caller asks for it
//! (`Access::Map`), and the readers that open a `.npy` or `.npz` by path, lazily
//! ([`open_vars`]) or into memory.

use super::header::{parse_header, read_full, read_header, NpyHeader};
use super::input::{Input, Storage};
use super::npz::open_npz;
use crate::array::DynArray;
use crate::error::{Error, Result};
use memmap2::Mmap;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Opens `path` for reading if it is a regular file (never blocks on a FIFO, never
/// reads a device), with its length.
pub(crate) fn open_regular(path: &Path) -> Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let m = f.metadata().map_err(|e| Error::io(path, e))?;
    if !m.is_file() {
        let what = if m.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(Error::io(
            path,
            format!("is {what}; only regular files are read"),
        ));
    }
    Ok((f, m.len()))
}

/// Reads a whole regular file of at most `limit` bytes (a program, for instance).
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let (f, len) = open_regular(path)?;
    if len > limit {
        return Err(Error::io(
            path,
            format!("is {len} bytes long; at most {limit} are accepted"),
        ));
    }
    let mut v = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut v)
        .map_err(|e| Error::io(path, e))?;
    if v.len() as u64 > limit {
        return Err(Error::io(path, format!("is longer than {limit} bytes")));
    }
    Ok(v)
}

/// How an opened file's data is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// With `pread` into the reader's buffers: a file truncated by another process
    /// while it is read is an `Io` error.
    Read,
    /// Mapped, used where it lies without a copy: a file truncated while mapped makes
    /// the next read of a page past its end raise SIGBUS.
    Map,
}

/// A reader of `file` from byte `pos` on, with `pread` (no shared file position).
pub(crate) struct ReadAt<'f> {
    pub(crate) file: &'f File,
    pub(crate) pos: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// The header of the `.npy` bytes at `base` of `file` (`total` bytes long), read with
/// `pread`.
pub(super) fn header_at(
    file: &File,
    base: u64,
    total: u64,
) -> std::result::Result<NpyHeader, String> {
    let mut r = ReadAt { file, pos: base };
    Ok(read_header(&mut r, total)?.0)
}

/// Maps a whole file, read-only.
pub(super) fn map(f: &File, path: &Path) -> Result<Arc<Mmap>> {
    // SAFETY: the map is read-only and private; a file truncated by another process
    // while it is mapped is outside what nexpr can defend against.
    let m = unsafe { Mmap::map(f) }.map_err(|e| Error::io(path, format!("cannot map: {e}")))?;
    Ok(Arc::new(m))
}

/// Opens a `.npy` file: its header is checked, its data read or mapped as `access`
/// says.
pub(crate) fn open_npy(path: &Path, access: Access) -> Result<Input> {
    let (f, len) = open_regular(path)?;
    if len < 10 {
        return Err(Error::io(path, "not a .npy file (too short)"));
    }
    if access == Access::Read {
        let header = header_at(&f, 0, len).map_err(|m| Error::io(path, m))?;
        return Ok(Input::new(
            header,
            Storage::File {
                file: Arc::new(f),
                base: 0,
                path: path.to_path_buf(),
            },
        ));
    }
    let map = map(&f, path)?;
    let header = parse_header(&map, len).map_err(|m| Error::io(path, m))?;
    Ok(Input::new(
        header,
        Storage::Mapped {
            map,
            base: 0,
            file: Arc::new(f),
        },
    ))
}

/// Opens `.npz` (all arrays) or `.npy` (one array, named after the file stem).
pub(crate) fn open_vars(path: &Path, access: Access) -> Result<BTreeMap<String, Input>> {
    let (mut f, _) = open_regular(path)?;
    let mut magic = [0u8; 6];
    let n = read_full(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    if n == 6 && &magic == b"\x93NUMPY" {
        let name = path
            .file_stem()
            .map_or("x".into(), |s| s.to_string_lossy().into_owned());
        return Ok(BTreeMap::from([(name, open_npy(path, access)?)]));
    }
    open_npz(path, access)
}

/// Reads a `.npy` file into memory.
pub(crate) fn read_npy(path: &Path) -> Result<DynArray> {
    open_npy(path, Access::Read)?.load()
}

/// Reads every array of a `.npz` file into memory, by name.
pub(crate) fn read_npz(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    load_all(path, open_npz(path, Access::Read)?)
}

/// Reads `.npz` (all arrays) or `.npy` (one array, named after the file stem) into
/// memory.
pub(crate) fn read_vars(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    load_all(path, open_vars(path, Access::Read)?)
}

fn load_all(path: &Path, m: BTreeMap<String, Input>) -> Result<BTreeMap<String, DynArray>> {
    m.into_iter()
        .map(|(k, mut v)| {
            let a = v.load().map_err(|e| Error {
                message: format!("{}: variable `{k}`: {}", path.display(), e.message),
                ..e
            })?;
            Ok((k, a))
        })
        .collect()
}
