//! The public `nexpr::io` module: its readers and writers agree with each other and
//! with `ndarray-npy`, ranges of inputs read in any storage, sinks refuse calls out of
//! order, and streamed reductions reach the sink.

use nexpr::io::{self, Input, MemorySink, NpySink, NpzSink, OutputSpec, Sink};
use nexpr::{DType, DynArray, ErrorKind, Expr, Target};
use std::collections::BTreeMap;

fn ramp(n: usize) -> ndarray::Array1<f64> {
    ndarray::Array1::from_iter((0..n).map(|i| i as f64 * 0.5 - 3.0))
}

fn slice(a: &DynArray) -> &[f64] {
    a.as_array::<f64>().unwrap().as_slice().unwrap()
}

#[test]
fn read_range_agrees_in_every_storage() {
    let d = tempfile::tempdir().unwrap();
    let n = 50_000;
    let a = ramp(n);
    io::write_npy(d.path().join("a.npy"), &a).unwrap();
    io::write_npz(d.path().join("s.npz"), [("a", &a)]).unwrap();
    let mut w = ndarray_npy::NpzWriter::new_compressed(
        std::fs::File::create(d.path().join("z.npz")).unwrap(),
    );
    w.add_array("a", &a).unwrap();
    w.finish().unwrap();
    let mut inputs = vec![
        io::open_npy(d.path().join("a.npy")).unwrap(),
        io::open_npz(d.path().join("s.npz"))
            .unwrap()
            .remove("a")
            .unwrap(),
        io::open(d.path().join("z.npz"))
            .unwrap()
            .remove("a")
            .unwrap(),
        Input::from_array(a.clone().into_dyn()),
    ];
    let want = a.as_slice().unwrap();
    for input in &mut inputs {
        assert_eq!((input.dtype(), input.shape()), (DType::F64, &[n][..]));
        // Forwards, backwards (a deflated member starts over), empty, the end.
        for r in [10_000..20_000, 0..5, 49_990..50_000, 7..7, 30_000..30_001] {
            let got = input.read_range(r.clone()).unwrap();
            assert_eq!(got.shape(), &[r.len()]);
            assert_eq!(slice(&got), &want[r.clone()], "{input:?} {r:?}");
        }
        let e = input.read_range(49_999..50_001).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
        assert_eq!(input.load().unwrap(), DynArray::from(a.clone().into_dyn()));
    }
}

#[test]
fn read_range_of_fortran_order() {
    let d = tempfile::tempdir().unwrap();
    let a = ndarray::Array2::from_shape_fn((30, 20), |(i, j)| (i * 20 + j) as i64);
    let f = a.t().as_standard_layout().t().to_owned();
    assert!(!f.is_standard_layout());
    let p = d.path().join("f.npy");
    ndarray_npy::WriteNpyExt::write_npy(&f, std::fs::File::create(&p).unwrap()).unwrap();
    let mut file = io::open_npy(&p).unwrap();
    assert_eq!(
        file.read_range(0..3).unwrap_err().kind,
        ErrorKind::Usage,
        "a Fortran-order file is refused"
    );
    assert_eq!(file.load().unwrap(), DynArray::from(a.clone().into_dyn()));
    // In memory, any layout reads in C order.
    let mut mem = Input::from_array(f.into_dyn());
    let got = mem.read_range(19..22).unwrap();
    assert_eq!(
        got.as_array::<i64>().unwrap().as_slice().unwrap(),
        &[19, 20, 21]
    );
}

#[test]
fn writers_take_views_of_any_layout_and_read_back_with_ndarray_npy() {
    let d = tempfile::tempdir().unwrap();
    let a = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i as f32) - (j as f32) * 0.25);
    let strided = a.slice(ndarray::s![.., ..;2]);
    let p = d.path().join("t.npy");
    io::write_npy(&p, a.t()).unwrap();
    let back: ndarray::Array2<f32> =
        ndarray_npy::ReadNpyExt::read_npy(std::fs::File::open(&p).unwrap()).unwrap();
    assert_eq!(back, a.t());
    let z = d.path().join("v.npz");
    io::write_npz(&z, [("s", strided), ("t", a.t())]).unwrap();
    let m = io::read_npz(&z).unwrap();
    assert_eq!(m["s"], DynArray::from(strided.to_owned().into_dyn()));
    let mut r = ndarray_npy::NpzReader::new(std::fs::File::open(&z).unwrap()).unwrap();
    let s: ndarray::Array2<f32> = r.by_name("s").unwrap();
    assert_eq!(s, strided);
    // decode_npz names arrays as read_npz does.
    let bytes = std::fs::read(&z).unwrap();
    assert_eq!(io::decode_npz(&bytes).unwrap(), m);
    // The whole map of a program's outputs, and a duplicate name refused.
    let e = io::write_npz(d.path().join("dup.npz"), [("x", a.view()), ("x", a.view())]);
    assert_eq!(e.unwrap_err().kind, ErrorKind::Usage);
    assert!(!d.path().join("dup.npz").exists());
}

#[test]
fn reading_errors_are_io_errors_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("junk.npy");
    std::fs::write(&p, b"\x93NUMPY\x01\x00garbage").unwrap();
    for e in [
        io::read_npy(&p).unwrap_err(),
        io::read(&p).unwrap_err(),
        io::open(&p).unwrap_err(),
        io::read_npz(&p).unwrap_err(),
        io::read(d.path()).unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::Io, "{e}");
        assert!(e.to_string().contains(d.path().to_str().unwrap()), "{e}");
    }
    assert_eq!(io::decode_npy(b"").unwrap_err().kind, ErrorKind::Io);
    assert_eq!(io::decode_npz(b"PK").unwrap_err().kind, ErrorKind::Io);
}

#[test]
fn sinks_refuse_calls_out_of_order() {
    let d = tempfile::tempdir().unwrap();
    let one = [OutputSpec::new("x", DType::F64, &[4])];
    let x = ndarray::arr1(&[1.0f64, 2.0]);
    let wrong = ndarray::arr1(&[1.0f32, 2.0]);
    let three = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
    let sinks: Vec<Box<dyn Sink>> = vec![
        Box::new(NpySink::new(d.path().join("a.npy"))),
        Box::new(NpzSink::new(d.path().join("a.npz"))),
        Box::new(MemorySink::new()),
    ];
    for mut s in sinks {
        let usage = |r: nexpr::Result<()>| assert_eq!(r.unwrap_err().kind, ErrorKind::Usage);
        usage(s.block(&[(&x).into()]));
        s.start(&one).unwrap();
        usage(s.start(&one));
        usage(s.block(&[(&wrong).into()]));
        usage(s.block(&[(&x).into(), (&x).into()]));
        s.block(&[(&x).into()]).unwrap();
        usage(s.block(&[(&three).into()]));
        s.block(&[(&x).into()]).unwrap();
    }
    let dup = [
        OutputSpec::new("x", DType::F64, &[4]),
        OutputSpec::new("x", DType::F64, &[4]),
    ];
    assert_eq!(
        MemorySink::new().start(&dup).unwrap_err().kind,
        ErrorKind::Usage
    );
    assert_eq!(
        NpySink::new(d.path().join("two.npy"))
            .start(&[one[0].clone(), OutputSpec::new("y", DType::F64, &[4])])
            .unwrap_err()
            .kind,
        ErrorKind::Usage
    );
    let huge = OutputSpec::new("h", DType::Bool, &[usize::MAX, 3]);
    assert_eq!(
        MemorySink::new().start(&[huge]).unwrap_err().kind,
        ErrorKind::Shape
    );
    // Unfinished or incomplete: nothing is left in the directory.
    let mut s = NpySink::new(d.path().join("b.npy"));
    s.start(&one).unwrap();
    s.block(&[(&x).into()]).unwrap();
    assert_eq!(s.finish().unwrap_err().kind, ErrorKind::Usage);
    let mut s = NpzSink::new(d.path().join("b.npz"));
    s.start(&one).unwrap();
    drop(s);
    let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn streamed_reductions_and_whole_results_reach_the_sink() {
    let d = tempfile::tempdir().unwrap();
    let n = 100_000;
    io::write_npy(d.path().join("a.npy"), &ramp(n)).unwrap();
    let in_memory = io::read(d.path().join("a.npy")).unwrap();
    for expr in ["sum(a)", "max(a*a)", "a*2"] {
        let k = Expr::parse(expr).unwrap().compile(Target::cpu()).unwrap();
        let want = k.eval(&in_memory.clone().into()).unwrap();
        let out = d.path().join("r.npy");
        let mut sink = NpySink::new(&out);
        let mut inputs = io::open(d.path().join("a.npy")).unwrap();
        k.eval_streamed(&mut inputs, &mut sink).unwrap();
        sink.finish().unwrap();
        assert_eq!(io::read_npy(&out).unwrap(), want, "{expr}");
    }
    // An axis reduction is computed whole, then sent with its shape.
    let m = ndarray::Array2::from_shape_fn((300, 7), |(i, j)| (i * j) as i32);
    let mut inputs = BTreeMap::from([("m".to_string(), Input::from_array(m.clone().into_dyn()))]);
    let k = Expr::parse("sum(m, axis=0)")
        .unwrap()
        .compile(Target::Interp)
        .unwrap();
    let mut sink = MemorySink::new();
    k.eval_streamed_with_block(&mut inputs, 1, &mut sink)
        .unwrap();
    let r = sink.finish().unwrap().remove("result").unwrap();
    assert_eq!(r.shape(), &[7]);
    assert_eq!(
        r.as_array::<i64>().unwrap()[[3]],
        (0..300i64).sum::<i64>() * 3
    );
}

/// A file truncated by another process between opening and reading is an `Io` error
/// from every reader of `io::open` (no mapping: no SIGBUS), whatever the storage:
/// native `.npy` data, big-endian data (converted), a stored `.npz` member.
#[test]
fn a_file_truncated_after_opening_is_an_io_error_not_a_signal() {
    let d = tempfile::tempdir().unwrap();
    let n = 1 << 20;
    let a = ramp(n);
    let native = d.path().join("a.npy");
    io::write_npy(&native, &a).unwrap();
    let stored = d.path().join("s.npz");
    io::write_npz(&stored, [("a", &a)]).unwrap();
    let big_endian = d.path().join("be.npy");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let mut h = format!("{{'descr': '>f8', 'fortran_order': False, 'shape': ({n},), }}");
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    bytes.extend((h.len() as u16).to_le_bytes());
    bytes.extend(h.as_bytes());
    bytes.extend(a.iter().flat_map(|x| x.to_be_bytes()));
    std::fs::write(&big_endian, bytes).unwrap();

    for path in [&native, &stored, &big_endian] {
        let open = || io::open(path).unwrap().into_values().next().unwrap();
        let (mut ranged, mut loaded, streamed) = (open(), open(), open());
        // Another process truncates the file to half its length.
        let len = std::fs::metadata(path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
        let early = ranged.read_range(0..1000).unwrap();
        assert_eq!(slice(&early), &a.as_slice().unwrap()[..1000]);
        let e = ranged.read_range(n - 1000..n).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io, "{path:?}: {e}");
        assert!(e.message.contains("shorter"), "{e}");
        assert_eq!(loaded.load().unwrap_err().kind, ErrorKind::Io);
        let k = Expr::parse("sum(a * 2)")
            .unwrap()
            .compile(Target::Cpu { threads: 2 })
            .unwrap();
        let mut inputs = BTreeMap::from([("a".to_string(), streamed)]);
        let mut sink = MemorySink::new();
        let e = k.eval_streamed(&mut inputs, &mut sink).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io, "{path:?}: {e}");
    }
}
