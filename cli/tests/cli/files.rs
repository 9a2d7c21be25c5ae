//! File readers that trust nothing: malformed headers, shapes larger than the file,
//! devices, FIFOs, oversized programs, zip bombs. Every case ends in an error with a
//! message and an exit code, never a panic, an abort or a hang.

use nexpr::io;
use nexpr::DynArray;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{nexpr, npy_bytes, stderr};

/// A `.npy` with the given header dictionary (padded as NumPy pads it) and data.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn huge_shape_in_a_small_file_is_refused_before_allocating() {
    let d = tempfile::tempdir().unwrap();
    for (descr, shape) in [
        ("<f8", "(100000000000,)"),
        ("<f2", "(100000000000,)"),
        ("|b1", "(4294967296, 4294967296)"),
        ("<c16", "(18446744073709551615, 2)"),
        // No elements, but NumPy and ndarray refuse it: strides come from the others.
        ("<f8", "(0, 4611686018427387904, 4611686018427387904)"),
    ] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        let bytes = npy_bytes(&dict, &[0; 16]);
        assert!(bytes.len() <= 256);
        let e = io::decode_npy(&bytes).unwrap_err().message;
        assert!(e.contains("truncated") || e.contains("too large"), "{e}");
        let p = write(d.path(), "x.npy", &bytes);
        let o = nexpr(&["eval", "x * 2", "--vars", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("x.npy"), "{}", stderr(&o));
    }
}

#[test]
fn float16_goes_through_the_one_header_parser() {
    let data: Vec<u8> = [1.0f32, 2.5, -3.0, 0.5, 65504.0, -0.0]
        .iter()
        .flat_map(|&x| half::f16::from_f32(x).to_bits().to_le_bytes())
        .collect();
    // Well-formed: C and Fortran order, big-endian.
    let c = io::decode_npy(&npy_bytes(
        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
        &data,
    ))
    .unwrap();
    assert_eq!(c.shape(), &[2, 3]);
    let c = c.as_array::<f32>().unwrap();
    assert_eq!(c[[1, 1]], 65504.0);
    let f = io::decode_npy(&npy_bytes(
        "{'descr': '<f2', 'fortran_order': True, 'shape': (2, 3), }",
        &data,
    ))
    .unwrap();
    // Fortran order: element [0, 1] is the third stored value.
    assert_eq!(f.as_array::<f32>().unwrap()[[0, 1]], -3.0);
    let be: Vec<u8> = data.chunks(2).flat_map(|c| [c[1], c[0]]).collect();
    let b = io::decode_npy(&npy_bytes(
        "{'descr': '>f2', 'fortran_order': False, 'shape': (6,), }",
        &be,
    ))
    .unwrap();
    assert_eq!(b.as_array::<f32>().unwrap()[[2]], -3.0);
    // Malformed headers the old hand-written parser accepted, some with a wrong shape.
    for dict in [
        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), ",
        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }",
        "{'descr': '<f2', 'fortran_order': False, 'shapes': (6,), 'shape': (2,3)}",
        "{'descr': '<f2', 'fortran_order': Maybe, 'shape': (2, 3), }",
        "{'descr': '<f2', 'shape': (2, 3), }",
        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, -3), }",
        "{'descr': '<f2', 'fortran_order': False, 'shape': [2, 3], }",
        "{'descr': '<f2' 'fortran_order': False, 'shape': (2, 3), }",
        "['descr', '<f2']",
    ] {
        let r = io::decode_npy(&npy_bytes(dict, &data));
        assert!(r.is_err(), "{dict} was accepted: {r:?}");
    }
}

#[test]
fn header_length_and_nesting_are_bounded() {
    // A header length past the end of the file.
    let mut b = b"\x93NUMPY\x02\x00".to_vec();
    b.extend(u32::MAX.to_le_bytes());
    b.extend(b"{'descr'");
    let e = io::decode_npy(&b).unwrap_err().message;
    assert!(e.contains("header"), "{e}");
    // Deep nesting does not overflow the parser's stack.
    let deep = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': {}{}, }}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let mut b = b"\x93NUMPY\x02\x00".to_vec();
    b.extend((deep.len() as u32 + 1).to_le_bytes());
    b.extend(deep.as_bytes());
    b.push(b'\n');
    assert!(io::decode_npy(&b).is_err());
    // Record dtypes and uint64 are refused by name.
    let e = io::decode_npy(&npy_bytes(
        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    ))
    .unwrap_err()
    .message;
    assert!(e.contains("record"), "{e}");
    let e = io::decode_npy(&npy_bytes(
        "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    ))
    .unwrap_err()
    .message;
    assert!(e.contains("uint64"), "{e}");
}

#[test]
fn devices_fifos_directories_and_big_programs_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let o = nexpr(&["run", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = nexpr(&["eval", "x", "--vars", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    let o = nexpr(&["eval", "x", "--vars", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("directory"), "{}", stderr(&o));

    let fifo = d.path().join("f.npy");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut child = Command::new(crate::common::exe())
        .args(["eval", "x", "--vars", fifo.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("nexpr hangs on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));

    let big = d.path().join("big.nx");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"output y\ny = 1\n").unwrap();
    f.write_all(&vec![b'#'; 2 << 20]).unwrap();
    drop(f);
    let o = nexpr(&["run", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("at most"), "{}", stderr(&o));
}

/// An archive with one deflated member `x.npy` of `n` zero float64 elements.
fn deflated_zeros(n: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({n},), }}");
    let npy = npy_bytes(&dict, &vec![0u8; n * 8]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("x.npy", opts).unwrap();
    w.write_all(&npy).unwrap();
    w.finish().unwrap().into_inner()
}

/// Sets the uncompressed size of every entry (local and central headers).
fn patch_sizes(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 4 <= zip.len() {
        match &zip[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes()),
            [0x50, 0x4b, 0x01, 0x02] => zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        i += 1;
    }
}

#[test]
fn compressed_members_inflate_to_at_most_their_declared_size() {
    let d = tempfile::tempdir().unwrap();
    let good = deflated_zeros(1 << 20);
    assert!(good.len() < 64 << 10, "{}", good.len());
    let m = io::decode_npz(&good).unwrap();
    assert_eq!(m["x"].len(), 1 << 20);
    let p = write(d.path(), "good.npz", &good);
    let mut v = io::open(&p).unwrap();
    let a = v.get_mut("x").unwrap().load().unwrap();
    assert_eq!(a.len(), 1 << 20);

    // Declares less than the member inflates to: reading stops at the declared size.
    let mut small = good.clone();
    patch_sizes(&mut small, 4096);
    assert!(io::decode_npz(&small).is_err());
    let p = write(d.path(), "small.npz", &small);
    let o = nexpr(&["eval", "sum(x)", "--vars", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));

    // Declares more than deflate can reach from the compressed size.
    let mut bomb = good.clone();
    patch_sizes(&mut bomb, u32::MAX - 1);
    assert!(io::decode_npz(&bomb).is_err());
    let p = write(d.path(), "bomb.npz", &bomb);
    let o = nexpr(&["eval", "sum(x)", "--vars", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("zip bomb"), "{}", stderr(&o));
}

#[test]
fn every_dtype_round_trips_through_files() {
    let d = tempfile::tempdir().unwrap();
    let arrays: Vec<(&str, DynArray)> = vec![
        (
            "b",
            DynArray::from(ndarray::arr1(&[true, false, true]).into_dyn()),
        ),
        (
            "i",
            DynArray::from(ndarray::arr1(&[1i32, -2, 3]).into_dyn()),
        ),
        (
            "l",
            DynArray::from(ndarray::arr1(&[1i64 << 40, -2]).into_dyn()),
        ),
        (
            "f",
            DynArray::from(ndarray::arr1(&[1.5f32, -0.0]).into_dyn()),
        ),
        (
            "g",
            DynArray::from(ndarray::arr2(&[[1.5f64, 2.0], [3.0, 4.0]]).into_dyn()),
        ),
        (
            "z",
            DynArray::from(ndarray::arr1(&[num_complex::Complex64::new(1.0, -2.0)]).into_dyn()),
        ),
        (
            "w",
            DynArray::from(ndarray::arr1(&[num_complex::Complex32::new(1.0, -2.0)]).into_dyn()),
        ),
    ];
    let map: std::collections::BTreeMap<String, DynArray> = arrays
        .iter()
        .map(|(n, a)| (n.to_string(), a.clone()))
        .collect();
    let p = d.path().join("all.npz");
    io::write_npz(&p, &map).unwrap();
    assert_eq!(io::read_npz(&p).unwrap(), map);
    for (n, a) in &arrays {
        let p = d.path().join(format!("{n}.npy"));
        io::write_npy(&p, a).unwrap();
        assert_eq!(&io::read_npy(&p).unwrap(), a);
    }
    // Nothing but the files written is left in the directory.
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".nexpr")), "{names:?}");
}

/// The fuzz target's seeds (written by NumPy) read the same through both doors; the
/// hostile ones (shapes too large, too many dimensions) are refused by both.
#[test]
fn fuzz_seeds_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/npy");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        let from_file = match io::read(&p) {
            Ok(v) => v,
            Err(e) => {
                let npy = p.extension().is_some_and(|x| x == "npy");
                let decoded = match npy {
                    true => io::decode_npy(&bytes).map(|_| ()),
                    false => io::decode_npz(&bytes).map(|_| ()),
                };
                assert!(
                    decoded.is_err(),
                    "{}: refused from the file only: {e}",
                    p.display()
                );
                continue;
            }
        };
        if p.extension().is_some_and(|x| x == "npy") {
            let a = io::decode_npy(&bytes).unwrap();
            assert_eq!(from_file.values().next().unwrap(), &a, "{}", p.display());
        } else {
            let m = io::decode_npz(&bytes).unwrap();
            assert_eq!(m.len(), from_file.len());
        }
        n += 1;
    }
    assert!(n >= 10);
}
