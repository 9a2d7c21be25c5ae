//! Streamed evaluation (`Kernel::eval_streamed`): the same results as the in-memory
//! path, block by block, over mapped and converted inputs, with broadcasting. The
//! `nexpr` command's bounded memory and interrupted writes: `cli/tests/cli/stream.rs`.

use crate::common::Rng;
use nexpr::io::{self, Input, MemorySink, NpySink, NpzSink};
use nexpr::{DynArray, Expr, Program, Target, Vars};
use std::collections::BTreeMap;
use std::path::Path;

const CHUNK: usize = nexpr::internals::CHUNK;

fn f64_array(shape: &[usize], seed: u64) -> DynArray {
    let n = shape.iter().product();
    DynArray::from(ndarray::ArrayD::from_shape_vec(shape.to_vec(), Rng::new(seed).f64s(n)).unwrap())
}

fn in_memory(vars: &BTreeMap<String, Input>) -> Vars<'_> {
    let mut v = Vars::new();
    for (k, i) in vars {
        v.insert(k, i.view().expect("in memory or mapped"));
    }
    v
}

/// Files with the inputs in every storage: `.npy` (read with `pread`), big-endian
/// `.npy` (converted), stored (read, or mapped) and deflated `.npz` members.
fn files(dir: &Path) -> Vec<BTreeMap<String, Input>> {
    let a = f64_array(&[37, 1000], 1);
    let b = f64_array(&[37, 1000], 2);
    let c = f64_array(&[1000], 3);
    io::write_npy(dir.join("a.npy"), &a).unwrap();
    io::write_npy(dir.join("b.npy"), &b).unwrap();
    io::write_npy(dir.join("c.npy"), &c).unwrap();
    let m: BTreeMap<String, DynArray> = [("a", &a), ("b", &b), ("c", &c)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    io::write_npz(dir.join("abc.npz"), &m).unwrap();
    // A deflated archive and a big-endian file, written as NumPy would.
    let mut w =
        ndarray_npy::NpzWriter::new_compressed(std::fs::File::create(dir.join("z.npz")).unwrap());
    for (k, v) in &m {
        w.add_array(k.as_str(), v.as_array::<f64>().unwrap())
            .unwrap();
    }
    w.finish().unwrap();
    let be: Vec<u8> = {
        let mut h = String::from("{'descr': '>f8', 'fortran_order': False, 'shape': (37, 1000), }");
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((h.len() as u16).to_le_bytes());
        bytes.extend(h.as_bytes());
        for x in b.as_array::<f64>().unwrap().iter() {
            bytes.extend(x.to_be_bytes());
        }
        bytes
    };
    std::fs::write(dir.join("b.npy.be"), be).unwrap();

    let npy_set = |bname: &str| {
        let mut v = BTreeMap::new();
        v.insert("a".to_string(), io::open_npy(dir.join("a.npy")).unwrap());
        v.insert("b".to_string(), io::open_npy(dir.join(bname)).unwrap());
        v.insert("c".to_string(), io::open_npy(dir.join("c.npy")).unwrap());
        v
    };
    vec![
        npy_set("b.npy"),
        npy_set("b.npy.be"),
        io::open(dir.join("abc.npz")).unwrap(),
        io::open_mapped(dir.join("abc.npz")).unwrap(),
        io::open(dir.join("z.npz")).unwrap(),
        m.into_iter()
            .map(|(k, v)| (k, Input::from_array(v)))
            .collect(),
    ]
}

#[test]
fn chunked_equals_in_memory_for_expressions_reductions_and_programs() {
    let d = tempfile::tempdir().unwrap();
    let reference: BTreeMap<String, Input> = {
        let mut f = files(d.path());
        f.pop()
            .unwrap()
            .into_iter()
            .collect::<BTreeMap<String, Input>>()
    };
    let prog = Program::parse(
        "output p, q\np = a*b + c\nq = 0\nfor i in range(3):\n    q += where(p > 0, p, -p)\n",
    )
    .unwrap();
    for target in [Target::Cpu { threads: 2 }, Target::Interp] {
        for mut vars in files(d.path()) {
            for expr in [
                "a*b+c",
                "where(a > b, a, c)",
                "sum(a*b)",
                "max(a - c)",
                "sum(a > c)",
                "prod(1 + a*1e-3)",
                "sum(a, axis=1)",
            ] {
                let k = Expr::parse(expr).unwrap().compile(target).unwrap();
                let want = k.eval(&in_memory(&reference)).unwrap();
                for block in [1, 3 * CHUNK, 1 << 22] {
                    let mut sink = MemorySink::new();
                    k.eval_streamed_with_block(&mut vars, block, &mut sink)
                        .unwrap();
                    let got = sink.finish().unwrap().into_values().next().unwrap();
                    if target == Target::Interp && expr.starts_with("sum(a*b)") {
                        // The interpreter's in-memory sum is one pairwise sum over all
                        // elements; streamed, one per chunk, then over the chunks.
                        let (g, w) = (
                            got.as_array::<f64>().unwrap(),
                            want.as_array::<f64>().unwrap(),
                        );
                        let (g, w) = (g.first().unwrap(), w.first().unwrap());
                        assert!((g - w).abs() <= 1e-12 * w.abs(), "{expr}: {g} vs {w}");
                    } else {
                        assert_eq!(got, want, "{expr} {target:?} block {block}");
                    }
                }
            }
            let k = prog.compile(target).unwrap();
            let want = k.run(&in_memory(&reference)).unwrap();
            let mut sink = MemorySink::new();
            k.eval_streamed_with_block(&mut vars, 2 * CHUNK, &mut sink)
                .unwrap();
            assert_eq!(sink.finish().unwrap(), want);
        }
    }
}

#[test]
fn streamed_files_equal_in_memory_results() {
    let d = tempfile::tempdir().unwrap();
    let mut sets = files(d.path());
    let reference = sets.pop().unwrap();
    let k = Expr::parse("a*b+c")
        .unwrap()
        .compile(Target::Cpu { threads: 2 })
        .unwrap();
    let want = k.eval(&in_memory(&reference)).unwrap();
    for mut vars in sets {
        let out = d.path().join("r.npy");
        let mut sink = NpySink::new(&out);
        k.eval_streamed_with_block(&mut vars, CHUNK, &mut sink)
            .unwrap();
        sink.finish().unwrap();
        assert_eq!(io::read_npy(&out).unwrap(), want);
    }
    let prog = Program::parse("output x, y\nx = a*b\ny = x > c\n").unwrap();
    let k = prog.compile(Target::Cpu { threads: 2 }).unwrap();
    let want = k.run(&in_memory(&reference)).unwrap();
    let mut vars = io::open(d.path().join("z.npz")).unwrap();
    let out = d.path().join("o.npz");
    let mut sink = NpzSink::new(&out);
    k.eval_streamed_with_block(&mut vars, CHUNK, &mut sink)
        .unwrap();
    sink.finish().unwrap();
    assert_eq!(io::read_npz(&out).unwrap(), want);
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.starts_with(".nexpr").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn fortran_order_and_broadcast_inputs_are_bound_whole() {
    let d = tempfile::tempdir().unwrap();
    let a = f64_array(&[300, 70], 4);
    let f = {
        let x = a.as_array::<f64>().unwrap();
        DynArray::from(x.t().as_standard_layout().t().to_owned())
    };
    let p = d.path().join("f.npy");
    ndarray_npy::WriteNpyExt::write_npy(
        f.as_array::<f64>().unwrap(),
        std::fs::File::create(&p).unwrap(),
    )
    .unwrap();
    let row = f64_array(&[70], 5);
    let mut vars: BTreeMap<String, Input> = BTreeMap::new();
    vars.insert("f".into(), io::open_npy(&p).unwrap());
    vars.insert("r".into(), Input::from_array(row.clone()));
    vars.insert("s".into(), Input::from_array(DynArray::scalar(2.0f64)));
    let k = Expr::parse("f*s + r")
        .unwrap()
        .compile(Target::Cpu { threads: 2 })
        .unwrap();
    let two = DynArray::scalar(2.0f64);
    let v = Vars::new().with("f", &a).with("r", &row).with("s", &two);
    let want = k.eval(&v).unwrap();
    let mut sink = MemorySink::new();
    k.eval_streamed_with_block(&mut vars, CHUNK, &mut sink)
        .unwrap();
    assert_eq!(sink.finish().unwrap().into_values().next().unwrap(), want);
}
