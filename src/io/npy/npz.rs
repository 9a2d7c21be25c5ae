//! `.npz` archives: members are checked against the archive before anything is read;
//! stored members are read (or mapped) in place, deflated ones inflated (never past the size
//! their entry declares, and that size must be one deflate can reach).

use super::convert::{decode, decode_stream};
use super::file::{header_at, map, open_regular, Access};
use super::header::{parse_header, read_header};
use super::input::{Input, Storage};
use crate::array::DynArray;
use crate::error::{Error, Result};
use memmap2::Mmap;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use zip::CompressionMethod;

/// Deflate cannot expand data by more than about 1032:1.
const MAX_INFLATE_RATIO: u64 = 1100;

/// Where an archive member's bytes lie and how they are stored.
struct Member {
    /// The entry's name in the archive (`x.npy`).
    entry: String,
    start: u64,
    compressed: u64,
    size: u64,
    method: CompressionMethod,
}

impl Member {
    /// Member `i` of `zip`, `None` for a directory.
    fn read<R: Read + Seek>(
        zip: &mut zip::ZipArchive<R>,
        i: usize,
    ) -> std::result::Result<Option<Member>, String> {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| format!("corrupt archive entry ({e})"))?;
        if entry.is_dir() {
            return Ok(None);
        }
        Ok(Some(Member {
            entry: entry.name().to_string(),
            start: entry.data_start(),
            compressed: entry.compressed_size(),
            size: entry.size(),
            method: entry.compression(),
        }))
    }

    /// The array's name: the entry's, less `.npy`.
    fn name(&self) -> String {
        let e = &self.entry;
        e.strip_suffix(".npy").unwrap_or(e).to_string()
    }

    /// Checks the member against an archive of `archive_len` bytes: it lies inside,
    /// stored members have one size, deflated ones claim no more than deflate can
    /// reach, and no other method is used.
    fn check(&self, archive_len: u64) -> std::result::Result<(), String> {
        let (csize, size) = (self.compressed, self.size);
        if self
            .start
            .checked_add(csize)
            .is_none_or(|e| e > archive_len)
        {
            return Err("member extends past the end of the archive".into());
        }
        match self.method {
            CompressionMethod::Stored if csize != size => {
                Err("stored member with two different sizes".into())
            }
            CompressionMethod::Stored => Ok(()),
            CompressionMethod::Deflated
                if size > csize.saturating_mul(MAX_INFLATE_RATIO).saturating_add(1024) =>
            {
                Err(format!(
                    "member claims {size} bytes from {csize} compressed bytes (corrupt or a zip bomb)"
                ))
            }
            CompressionMethod::Deflated => Ok(()),
            m => Err(format!("unsupported compression method {m}")),
        }
    }
}

/// The inflated bytes of a deflated member, never more than `size`.
pub(super) fn inflater(
    path: &Path,
    start: u64,
    compressed: u64,
    size: u64,
) -> Result<Box<dyn Read + Send>> {
    let (mut f, _) = open_regular(path)?;
    f.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io(path, e))?;
    let raw = std::io::BufReader::with_capacity(1 << 16, f.take(compressed));
    Ok(Box::new(flate2::read::DeflateDecoder::new(raw).take(size)))
}

/// Opens every array of a `.npz` archive: uncompressed members are read or mapped in
/// place as `access` says, compressed ones inflated when read.
pub(crate) fn open_npz(path: &Path, access: Access) -> Result<BTreeMap<String, Input>> {
    let (f, len) = open_regular(path)?;
    let file_map = match access {
        Access::Map if len > 0 => Some(map(&f, path)?),
        _ => None,
    };
    let shared = Arc::new(f.try_clone().map_err(|e| Error::io(path, e))?);
    let mut zip = zip::ZipArchive::new(f)
        .map_err(|e| Error::io(path, format!("not a valid .npz archive ({e})")))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let Some(m) = Member::read(&mut zip, i).map_err(|e| Error::io(path, e))? else {
            continue;
        };
        let name = m.name();
        let verr = |e: String| Error::io(path, format!("variable `{name}`: {e}"));
        m.check(len).map_err(verr)?;
        let input = match m.method {
            CompressionMethod::Stored => match &file_map {
                Some(map) => stored(map.clone(), shared.clone(), &m).map_err(verr)?,
                None => stored_read(path, shared.clone(), &m).map_err(verr)?,
            },
            _ => deflated(path, &m, verr)?,
        };
        out.insert(name, input);
    }
    Ok(out)
}

/// A stored member, mapped where it lies in the archive's map.
fn stored(map: Arc<Mmap>, file: Arc<File>, m: &Member) -> std::result::Result<Input, String> {
    let base = m.start as usize;
    let header = parse_header(&map[base..base + m.size as usize], m.size)?;
    Ok(Input::new(header, Storage::Mapped { map, base, file }))
}

/// A stored member, read where it lies in the archive with `pread`.
fn stored_read(path: &Path, file: Arc<File>, m: &Member) -> std::result::Result<Input, String> {
    let header = header_at(&file, m.start, m.size)?;
    let storage = Storage::File {
        file,
        base: m.start,
        path: path.to_path_buf(),
    };
    Ok(Input::new(header, storage))
}

/// A deflated member, its header read (and checked) now, its data when asked for.
fn deflated(path: &Path, m: &Member, verr: impl Fn(String) -> Error) -> Result<Input> {
    let mut r = inflater(path, m.start, m.compressed, m.size)?;
    let (header, consumed) = read_header(&mut r, m.size).map_err(verr)?;
    Ok(Input::new(
        header,
        Storage::Deflated {
            path: path.to_path_buf(),
            start: m.start,
            compressed: m.compressed,
            size: m.size,
            stream: Some((r, consumed)),
        },
    ))
}

/// Decodes a `.npz` archive held in memory, with the same checks as files, for every
/// member; arrays are named as [`open_npz`] names them.
pub(crate) fn decode_npz(bytes: &[u8]) -> std::result::Result<BTreeMap<String, DynArray>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a valid .npz archive ({e})"))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let Some(m) = Member::read(&mut zip, i)? else {
            continue;
        };
        let name = m.name();
        m.check(bytes.len() as u64)
            .map_err(|e| format!("variable `{name}`: {e}"))?;
        let raw = &bytes[m.start as usize..(m.start + m.compressed) as usize];
        let a = match m.method {
            CompressionMethod::Stored => decode(raw),
            _ => decode_stream(
                &mut flate2::read::DeflateDecoder::new(raw).take(m.size),
                m.size,
            ),
        }
        .map_err(|e| format!("variable `{name}`: {e}"))?;
        out.insert(name, a);
    }
    Ok(out)
}
