//! Streamed evaluation (`Kernel::eval_streamed`, `nexpr eval/run --out`): the same
//! results as the in-memory path, block by block, over mapped and converted inputs,
//! with broadcasting; bounded memory; nothing left behind when interrupted.

use nexpr::io::{self, Input, MemorySink, NpySink, NpzSink, OutputSpec, Sink};
use nexpr::{DynArray, Expr, Program, Target, Vars};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const CHUNK: usize = nexpr::internals::CHUNK;

fn random(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.25
        })
        .collect()
}

fn f64_array(shape: &[usize], seed: u64) -> DynArray {
    let n = shape.iter().product();
    DynArray::from(ndarray::ArrayD::from_shape_vec(shape.to_vec(), random(n, seed)).unwrap())
}

fn in_memory(vars: &BTreeMap<String, Input>) -> Vars<'_> {
    let mut v = Vars::new();
    for (k, i) in vars {
        v.insert(k, i.view().expect("in memory or mapped"));
    }
    v
}

/// Files with the inputs in every storage: `.npy` (mapped), big-endian `.npy`
/// (converted), stored and deflated `.npz` members.
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

/// Runs `cmd` and returns whether it succeeded and its peak RSS in bytes, as the high
/// water mark of its address space (`VmHWM`) polled until it exits. Not `getrusage`:
/// Linux carries `ru_maxrss` across `exec`, so a child of this (large) test process
/// would report the test process's own RSS at the fork.
fn max_rss_of(cmd: &mut Command) -> (bool, u64) {
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        let hwm = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak = peak.max(hwm.unwrap_or(0) * 1024);
        if let Some(status) = child.try_wait().unwrap() {
            return (status.success(), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Writes a `.npy` of `n` float64 values without holding them in memory.
fn generate(path: &Path, n: usize, seed: u64) {
    let mut sink = NpySink::new(path);
    sink.start(&[OutputSpec::new("x", nexpr::DType::F64, &[n])])
        .unwrap();
    let per = 1 << 20;
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let block = ndarray::Array1::from(random(k, seed + done as u64));
        sink.block(&[(&block).into()]).unwrap();
        done += k;
    }
    sink.finish().unwrap();
}

/// The CLI streams: three 48 MB inputs and a 48 MB output in far less memory.
/// (`NEXPR_BIG_GB=2 cargo test --release --test it io_stream -- --ignored` runs the
/// same with 2 GB files.)
#[test]
fn cli_streams_in_bounded_memory() {
    rss_case(6 << 20, 100 << 20);
}

#[test]
#[ignore = "writes three large files; NEXPR_BIG_GB sets the size (default 2)"]
fn cli_streams_big_files_in_bounded_memory() {
    let gb: usize = std::env::var("NEXPR_BIG_GB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    rss_case(gb << 27, 300 << 20);
}

fn rss_case(n: usize, limit: u64) {
    let d = tempfile::tempdir_in(
        std::env::var("NEXPR_BIG_DIR").unwrap_or_else(|_| env!("CARGO_TARGET_TMPDIR").into()),
    )
    .unwrap();
    for (k, name) in ["a", "b", "c"].iter().enumerate() {
        generate(&d.path().join(format!("{name}.npy")), n, 10 + k as u64);
    }
    let arg = |n: &str| d.path().join(n).to_str().unwrap().to_string();
    let (status, rss) = max_rss_of(
        Command::new(env!("CARGO_BIN_EXE_nexpr"))
            .args([
                "eval",
                "a*b+c",
                "--vars",
                &arg("a.npy"),
                "--vars",
                &arg("b.npy"),
            ])
            .args(["--vars", &arg("c.npy"), "--out", &arg("r.npy")])
            .env("NEXPR_NUM_THREADS", "2"),
    );
    assert!(status, "nexpr eval failed");
    assert!(rss < limit, "peak RSS {} MB", rss >> 20);
    // The result, checked block by block against the inputs.
    let mut ins: Vec<Input> = ["a", "b", "c"]
        .iter()
        .map(|n| io::open_npy(d.path().join(format!("{n}.npy"))).unwrap())
        .collect();
    let mut r = io::open_npy(d.path().join("r.npy")).unwrap();
    assert_eq!(r.shape(), &[n]);
    let per = 1 << 20;
    let mut lo = 0;
    while lo < n {
        let hi = (lo + per).min(n);
        let w: Vec<_> = ins
            .iter_mut()
            .map(|i| i.read_range(lo..hi).unwrap())
            .collect();
        let out = r.read_range(lo..hi).unwrap();
        let (DynArray::F64(a), DynArray::F64(b), DynArray::F64(c), DynArray::F64(o)) =
            (&w[0], &w[1], &w[2], &out)
        else {
            panic!("float64")
        };
        for i in 0..hi - lo {
            assert_eq!(
                o[i].to_bits(),
                (a[i] * b[i] + c[i]).to_bits(),
                "element {}",
                lo + i
            );
        }
        lo = hi;
    }
}

#[test]
fn interrupted_writes_leave_nothing_behind() {
    let d = tempfile::tempdir().unwrap();
    let n = 4 << 20;
    generate(&d.path().join("a.npy"), n, 7);
    let out = d.path().join("r.npy");
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nexpr"))
            .args([
                "eval",
                "sin(a)**2 + exp(cos(a))",
                "--target",
                "interp",
                "--vars",
            ])
            .arg(d.path().join("a.npy"))
            .arg("--out")
            .arg(&out)
            .env("NEXPR_NUM_THREADS", "1")
            .spawn()
            .unwrap();
        // Wait until the temporary file exists, then interrupt.
        let t = std::time::Instant::now();
        loop {
            let tmp = std::fs::read_dir(d.path()).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".nexpr")
            });
            if tmp || t.elapsed().as_secs() > 60 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        assert!(!status.success());
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["a.npy".to_string()], "signal {sig}");
    }
    // Signals at any moment, from the start on: nothing is ever left behind.
    for delay_ms in [0u64, 2, 5, 10, 20, 40, 80] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nexpr"))
            .args([
                "eval",
                "sin(a)**2 + exp(cos(a))",
                "--target",
                "interp",
                "--vars",
            ])
            .arg(d.path().join("a.npy"))
            .arg("--out")
            .arg(&out)
            .env("NEXPR_NUM_THREADS", "2")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        child.wait().unwrap();
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "r.npy")
            .collect();
        assert_eq!(names, vec!["a.npy".to_string()], "after {delay_ms} ms");
    }
}
