//! `.npy` / `.npz` files: every dtype nexpr carries, 0-d arrays, Fortran order,
//! big-endian data, compressed archives. Narrow dtypes are widened losslessly on entry
//! (int8/int16/uint8/uint16 -> int32, uint32 -> int64, float16 -> float32); others are
//! refused with their name. Writes are atomic: a temporary file renamed into place.

use crate::array::{DynArray, Element};
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndarray_npy::{NpzWriter, ReadNpyExt, WriteNpyExt};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// Reads a `.npy` file.
pub fn read_npy(path: &Path) -> Result<DynArray> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes).map_err(|m| Error::io(path, m))
}

/// Reads every array of a `.npz` file, by name.
pub fn read_npz(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| Error::io(path, format!("not a valid .npz archive ({e})")))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| Error::io(path, format!("corrupt archive entry ({e})")))?;
        let name = entry.name().to_string();
        let name = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, format!("variable `{name}`: {e}")))?;
        let a = decode(&bytes).map_err(|m| Error::io(path, format!("variable `{name}`: {m}")))?;
        out.insert(name, a);
    }
    Ok(out)
}

/// Reads `.npz` (all arrays) or `.npy` (one array, named after the file stem).
pub fn read_vars(path: &Path) -> Result<BTreeMap<String, DynArray>> {
    let mut magic = [0u8; 6];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = f.read(&mut magic).map_err(|e| Error::io(path, e))?;
    if n == 6 && &magic == b"\x93NUMPY" {
        let name = path
            .file_stem()
            .map_or("x".into(), |s| s.to_string_lossy().into_owned());
        return Ok(BTreeMap::from([(name, read_npy(path)?)]));
    }
    read_npz(path)
}

/// The `descr` of an npy header, e.g. `<f8`.
fn descr(bytes: &[u8]) -> std::result::Result<(String, Vec<usize>, bool, usize), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic number)".into());
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let header = bytes
        .get(start..start + len)
        .ok_or("truncated .npy header")?;
    let h = String::from_utf8_lossy(header);
    let field = |key: &str| -> Option<String> {
        let i = h.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = h[i..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest.to_string())
    };
    let d = field("descr").ok_or("no 'descr' in .npy header")?;
    let d = if let Some(r) = d.strip_prefix('\'') {
        r.split('\'').next().unwrap_or("").to_string()
    } else {
        d.split(',').next().unwrap_or("").to_string() // a record dtype: a list
    };
    let fortran = field("fortran_order").is_some_and(|v| v.starts_with("True"));
    let shape_txt = field("shape").ok_or("no 'shape' in .npy header")?;
    let inner = shape_txt
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("bad 'shape' in .npy header")?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| "bad 'shape' in .npy header".to_string())
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((d, shape, fortran, start + len))
}

fn decode(bytes: &[u8]) -> std::result::Result<DynArray, String> {
    let (d, shape, fortran, data_start) = descr(bytes)?;
    let code = d.trim_start_matches(['<', '>', '|', '=']);
    macro_rules! read {
        ($t:ty) => {
            ArrayD::<$t>::read_npy(bytes).map_err(|e| format!("cannot read {d} data: {e}"))
        };
    }
    let widen = |a: ArrayD<i64>, to32: bool| -> DynArray {
        if to32 {
            DynArray::I32(a.mapv(|x| x as i32))
        } else {
            DynArray::I64(a)
        }
    };
    Ok(match code {
        "b1" => DynArray::Bool(read!(bool)?),
        "i1" => widen(read!(i8)?.mapv(|x| x as i64), true),
        "i2" => widen(read!(i16)?.mapv(|x| x as i64), true),
        "u1" => widen(read!(u8)?.mapv(|x| x as i64), true),
        "u2" => widen(read!(u16)?.mapv(|x| x as i64), true),
        "i4" => DynArray::I32(read!(i32)?),
        "u4" => DynArray::I64(read!(u32)?.mapv(|x| x as i64)),
        "i8" => DynArray::I64(read!(i64)?),
        "f4" => DynArray::F32(read!(f32)?),
        "f8" => DynArray::F64(read!(f64)?),
        "c8" => DynArray::C64(read!(num_complex::Complex32)?),
        "c16" => DynArray::C128(read!(num_complex::Complex64)?),
        "f2" => DynArray::F32(read_f16(bytes, &d, shape, fortran, data_start)?),
        "u8" => return Err("dtype uint64 is not supported (no lossless conversion; cast it to int64 or float64)".into()),
        _ => return Err(format!("dtype '{d}' is not supported (nexpr carries bool, int32, int64, float32, float64, complex64, complex128)")),
    })
}

fn read_f16(
    bytes: &[u8],
    d: &str,
    shape: Vec<usize>,
    fortran: bool,
    start: usize,
) -> std::result::Result<ArrayD<f32>, String> {
    let n: usize = shape.iter().product();
    let data = bytes
        .get(start..start + 2 * n)
        .ok_or("truncated float16 data")?;
    let big = d.starts_with('>');
    let vals: Vec<f32> = data
        .chunks_exact(2)
        .map(|c| {
            let b = [c[0], c[1]];
            let bits = if big {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            };
            half::f16::from_bits(bits).to_f32()
        })
        .collect();
    let a = if fortran {
        ArrayD::from_shape_vec(IxDyn(&shape).f(), vals)
    } else {
        ArrayD::from_shape_vec(IxDyn(&shape), vals)
    };
    a.map_err(|e| e.to_string())
}

/// Writes `path` atomically: into a temporary file beside it, then renamed over it.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::result::Result<(), String>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".nexpr-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(path, e))?;
    write(tmp.as_file_mut()).map_err(|e| Error::io(path, e))?;
    tmp.as_file_mut().flush().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn write_npy_to<T: Element + ndarray_npy::WritableElement>(
    a: &ArrayD<T>,
    f: &mut std::fs::File,
) -> std::result::Result<(), String> {
    a.write_npy(std::io::BufWriter::new(f))
        .map_err(|e| e.to_string())
}

/// Writes one array as `.npy`, atomically.
pub fn write_npy(path: &Path, a: &DynArray) -> Result<()> {
    write_atomic(path, |f| match a {
        DynArray::Bool(x) => write_npy_to(x, f),
        DynArray::I32(x) => write_npy_to(x, f),
        DynArray::I64(x) => write_npy_to(x, f),
        DynArray::F32(x) => write_npy_to(x, f),
        DynArray::F64(x) => write_npy_to(x, f),
        DynArray::C64(x) => write_npy_to(x, f),
        DynArray::C128(x) => write_npy_to(x, f),
    })
}

/// Writes named arrays as a compressed `.npz`, atomically.
pub fn write_npz(path: &Path, arrays: &BTreeMap<String, DynArray>) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = NpzWriter::new_compressed(std::io::BufWriter::new(f));
        for (name, a) in arrays {
            let r = match a {
                DynArray::Bool(x) => w.add_array(name.as_str(), x),
                DynArray::I32(x) => w.add_array(name.as_str(), x),
                DynArray::I64(x) => w.add_array(name.as_str(), x),
                DynArray::F32(x) => w.add_array(name.as_str(), x),
                DynArray::F64(x) => w.add_array(name.as_str(), x),
                DynArray::C64(x) => w.add_array(name.as_str(), x),
                DynArray::C128(x) => w.add_array(name.as_str(), x),
            };
            r.map_err(|e| e.to_string())?;
        }
        w.finish().map_err(|e| e.to_string())?;
        Ok(())
    })
}
