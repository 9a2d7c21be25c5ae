//! The `.npy` header: element codes, the dictionary parsed by `ndarray-npy`'s parser,
//! and every check of the header against the bytes that follow it.

use crate::dtype::DType;
use ndarray_npy::npy::header::Header;
use std::io::Read;

/// The longest `.npy` header dictionary accepted (NumPy refuses more than 10000 bytes
/// unless told otherwise).
pub(crate) const MAX_HEADER: usize = 1 << 16;
/// The deepest bracket nesting accepted in a header (a shape is one tuple in a dict).
const MAX_NESTING: usize = 16;

/// The element type of a file, before widening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Code {
    B1,
    I1,
    I2,
    I4,
    I8,
    U1,
    U2,
    U4,
    F2,
    F4,
    F8,
    C8,
    C16,
}

impl Code {
    /// Bytes per element in the file.
    pub(crate) fn size(self) -> usize {
        match self {
            Code::B1 | Code::I1 | Code::U1 => 1,
            Code::I2 | Code::U2 | Code::F2 => 2,
            Code::I4 | Code::U4 | Code::F4 => 4,
            Code::I8 | Code::F8 | Code::C8 => 8,
            Code::C16 => 16,
        }
    }

    /// The nexpr dtype the elements become.
    pub(crate) fn dtype(self) -> DType {
        match self {
            Code::B1 => DType::Bool,
            Code::I1 | Code::I2 | Code::I4 | Code::U1 | Code::U2 => DType::I32,
            Code::I8 | Code::U4 => DType::I64,
            Code::F2 | Code::F4 => DType::F32,
            Code::F8 => DType::F64,
            Code::C8 => DType::C64,
            Code::C16 => DType::C128,
        }
    }

    /// Whether the file's bytes are the dtype's bytes when in native (little-endian)
    /// order: every bit pattern of these is a valid value (not so for bool).
    pub(crate) fn is_native(self) -> bool {
        matches!(
            self,
            Code::I4 | Code::I8 | Code::F4 | Code::F8 | Code::C8 | Code::C16
        )
    }

    /// The code and byte order (`true`: big-endian) of a `descr` string such as `<f8`.
    fn parse(descr: &str) -> std::result::Result<(Code, bool), String> {
        let (order, code) = match descr.as_bytes().first() {
            Some(b'<' | b'|' | b'=') => (false, &descr[1..]),
            Some(b'>') => (true, &descr[1..]),
            _ => (false, descr),
        };
        let big = order && cfg!(target_endian = "little") || !order && cfg!(target_endian = "big");
        let c = match code {
            "b1" | "?" => Code::B1,
            "i1" => Code::I1,
            "i2" => Code::I2,
            "i4" => Code::I4,
            "i8" => Code::I8,
            "u1" => Code::U1,
            "u2" => Code::U2,
            "u4" => Code::U4,
            "f2" => Code::F2,
            "f4" => Code::F4,
            "f8" => Code::F8,
            "c8" => Code::C8,
            "c16" => Code::C16,
            "u8" => {
                return Err("dtype uint64 is not supported (no lossless conversion; cast it to int64 or float64)".into())
            }
            _ => {
                return Err(format!(
                    "dtype '{}' is not supported (nexpr carries bool, int32, int64, float32, float64, complex64, complex128)",
                    descr.escape_default()
                ))
            }
        };
        Ok((c, big && c.size() > 1))
    }
}

/// A validated `.npy` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NpyHeader {
    pub(crate) code: Code,
    /// The data is in the other byte order than this machine's.
    pub(crate) swapped: bool,
    pub(crate) shape: Vec<usize>,
    pub(crate) fortran: bool,
    /// Where the data starts, from the start of the `.npy` bytes.
    pub(crate) data_offset: usize,
    /// Number of elements.
    pub(crate) len: usize,
}

impl NpyHeader {
    pub(crate) fn dtype(&self) -> DType {
        self.code.dtype()
    }

    /// Bytes of data in the file.
    pub(crate) fn data_bytes(&self) -> usize {
        self.len * self.code.size()
    }

    /// Whether the data can be used where it lies (given an aligned base address).
    pub(crate) fn zero_copy(&self) -> bool {
        self.code.is_native()
            && !self.swapped
            && self.data_offset.is_multiple_of(self.code.dtype().size())
    }

    /// The data can be read in C order block by block.
    pub(crate) fn c_order(&self) -> bool {
        !self.fortran || self.shape.iter().filter(|&&n| n > 1).count() <= 1
    }
}

/// Parses and validates the header at the start of `bytes`, the first bytes of `.npy`
/// data that holds `total` bytes in all. `bytes` may stop anywhere after the header.
pub(crate) fn parse_header(bytes: &[u8], total: u64) -> std::result::Result<NpyHeader, String> {
    let end = header_len(bytes)?;
    if end as u64 > total || end > bytes.len() {
        return Err("truncated .npy header".into());
    }
    let start = if bytes[6] == 1 { 10 } else { 12 };
    // The library's parser recurses on brackets: refuse absurd nesting first.
    let mut depth = 0usize;
    for &b in &bytes[start..end] {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err("malformed .npy header (nested too deeply)".into());
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let h = Header::from_reader(&mut &bytes[..end])
        .map_err(|e| format!("malformed .npy header ({e})"))?;
    let descr = match &h.type_descriptor {
        py_literal::Value::String(s) => s.as_str(),
        py_literal::Value::List(_) => {
            return Err("record (structured) dtypes are not supported".into())
        }
        v => return Err(format!("malformed .npy header (descr {v})")),
    };
    let (code, swapped) = Code::parse(descr)?;
    // As NumPy ("array is too big") and ndarray do, the product of the non-zero
    // lengths must fit in isize bytes: a zero-length axis does not make
    // (0, 2**62, 2**62) a valid shape, since strides are computed from the others.
    let fits = |n: &usize| {
        n.checked_mul(code.size())
            .is_some_and(|b| b <= isize::MAX as usize)
    };
    let nonzero = h
        .shape
        .iter()
        .filter(|&&n| n != 0)
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(fits);
    let len_el = nonzero
        .map(|n| if h.shape.contains(&0) { 0 } else { n })
        .ok_or_else(|| format!("shape {:?} is too large", h.shape))?;
    let header = NpyHeader {
        code,
        swapped,
        fortran: h.layout.is_fortran(),
        shape: h.shape,
        data_offset: end,
        len: len_el,
    };
    let need = end as u64 + header.data_bytes() as u64;
    if need > total {
        return Err(format!(
            "truncated data: shape {:?} of {descr} needs {} bytes, {} are there",
            header.shape,
            header.data_bytes(),
            total.saturating_sub(end as u64)
        ));
    }
    Ok(header)
}

/// The length of the header (magic to the end of the dictionary) that `prefix` (at
/// least its first 12 bytes, where there are so many) announces.
fn header_len(prefix: &[u8]) -> std::result::Result<usize, String> {
    if prefix.len() < 10 || &prefix[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic number)".into());
    }
    let (len, start) = match (prefix[6], prefix[7]) {
        (1, 0) => (u16::from_le_bytes([prefix[8], prefix[9]]) as usize, 10),
        (2 | 3, 0) if prefix.len() >= 12 => (
            u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]) as usize,
            12,
        ),
        (2 | 3, 0) => return Err("truncated .npy header".into()),
        (a, b) => return Err(format!("unsupported .npy format version {a}.{b}")),
    };
    if len > MAX_HEADER {
        return Err(format!(
            ".npy header of {len} bytes (at most {MAX_HEADER} are accepted)"
        ));
    }
    Ok(start + len)
}

/// Reads until `buf` is full or the reader ends; the bytes read.
pub(crate) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::result::Result<usize, String> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(n)
}

/// Reads and validates the header of the `.npy` bytes that `r` yields (a compressed
/// member holding `total` bytes), reading no further than the header's end, give or
/// take the 12 bytes of its fixed prefix. The header and the bytes consumed.
pub(crate) fn read_header(
    r: &mut impl Read,
    total: u64,
) -> std::result::Result<(NpyHeader, usize), String> {
    let mut prefix = vec![0u8; 12];
    let n = read_full(r, &mut prefix)?;
    prefix.truncate(n);
    let hlen = header_len(&prefix)?;
    if hlen as u64 > total {
        return Err("truncated .npy header".into());
    }
    if hlen > prefix.len() {
        let have = prefix.len();
        prefix.resize(hlen, 0);
        if read_full(r, &mut prefix[have..])? != hlen - have {
            return Err("truncated .npy header".into());
        }
    }
    let consumed = prefix.len();
    prefix.truncate(hlen);
    Ok((parse_header(&prefix, total)?, consumed))
}
