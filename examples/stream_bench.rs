//! Streamed vs in-memory evaluation of `a*b+c` over three float64 `.npy` files that are
//! in the page cache, alternating, medians; and the load time of `.npz` files.
//!
//! ```sh
//! cargo run --release --example stream_bench -- eval DIR N [REPS] [THREADS]
//! cargo run --release --example stream_bench -- load FILE.npz [REPS]
//! ```
//! `eval` writes DIR/{a,b,c}.npy of N elements (if absent) and DIR/r_*.npy, and prints
//! the median times of: in memory (read the three files into memory, evaluate, write
//! the result) and streamed (map the files, evaluate block by block into the result
//! file), as `nexpr eval "a*b+c" --vars ... --out` did before and does now.
//! `load` prints the median time to read every array of an `.npz` into memory.

use nexpr::io::{self, NpySink, OutputSpec, Sink};
use nexpr::{Expr, Target, Vars};
use std::path::Path;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn generate(path: &Path, n: usize, seed: u64) {
    if path.exists() {
        return;
    }
    let mut sink = NpySink::new(path);
    sink.start(&[OutputSpec::new("x", nexpr::DType::F64, &[n])])
        .unwrap();
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut block = Vec::with_capacity(1 << 20);
    for i in 0..n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        block.push((s >> 11) as f64 / (1u64 << 53) as f64);
        if block.len() == 1 << 20 || i + 1 == n {
            let a = ndarray::Array1::from(std::mem::take(&mut block));
            sink.block(&[(&a).into()]).unwrap();
            block.reserve(1 << 20);
        }
    }
    sink.finish().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("eval") => eval(&args[1..]),
        Some("load") => load(&args[1..]),
        _ => eprintln!("usage: stream_bench eval DIR N [REPS] [THREADS] | load FILE.npz [REPS]"),
    }
}

fn eval(args: &[String]) {
    let dir = Path::new(&args[0]);
    let n: usize = args[1].parse().unwrap();
    let reps: usize = args.get(2).map_or(5, |s| s.parse().unwrap());
    let threads: usize = args.get(3).map_or(2, |s| s.parse().unwrap());
    let names = ["a", "b", "c"];
    for (k, name) in names.iter().enumerate() {
        generate(&dir.join(format!("{name}.npy")), n, k as u64 + 1);
    }
    let files: Vec<_> = names.iter().map(|n| dir.join(format!("{n}.npy"))).collect();
    let kernel = Expr::parse("a*b+c")
        .unwrap()
        .compile(Target::Cpu { threads })
        .unwrap();
    let (mut mem, mut streamed) = (Vec::new(), Vec::new());
    let out_m = dir.join("r_mem.npy");
    let out_s = dir.join("r_stream.npy");
    for rep in 0..=reps {
        let t = Instant::now();
        let loaded: Vec<_> = files.iter().map(|f| io::read_npy(f).unwrap()).collect();
        let mut vars = Vars::new();
        for (name, a) in names.iter().zip(&loaded) {
            vars.insert(name, a);
        }
        let r = kernel.eval(&vars).unwrap();
        io::write_npy(&out_m, &r).unwrap();
        drop(r);
        drop(vars);
        drop(loaded);
        let tm = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let mut vars = std::collections::BTreeMap::new();
        for (name, f) in names.iter().zip(&files) {
            // Mapped, as the command reads its `--vars` (what the numbers measure).
            let input = io::open_mapped(f).unwrap().into_values().next().unwrap();
            vars.insert(name.to_string(), input);
        }
        let mut sink = NpySink::new(&out_s);
        kernel.eval_streamed(&mut vars, &mut sink).unwrap();
        sink.finish().unwrap();
        let ts = t.elapsed().as_secs_f64();
        if rep > 0 {
            mem.push(tm);
            streamed.push(ts);
        }
        println!(
            "rep {rep}: in memory {:.1} ms, streamed {:.1} ms",
            tm * 1e3,
            ts * 1e3
        );
    }
    let same = std::fs::read(&out_m).unwrap() == std::fs::read(&out_s).unwrap();
    let (m, s) = (median(mem), median(streamed));
    println!(
        "a*b+c, {n} float64 elements, {threads} threads: in memory {:.1} ms, streamed {:.1} ms (median of {reps}), ratio {:.2}, identical files: {same}",
        m * 1e3,
        s * 1e3,
        s / m
    );
}

fn load(args: &[String]) {
    let path = Path::new(&args[0]);
    let reps: usize = args.get(1).map_or(11, |s| s.parse().unwrap());
    let mut t = Vec::new();
    for _ in 0..reps {
        let s = Instant::now();
        let m = io::read(path).unwrap();
        t.push(s.elapsed().as_secs_f64());
        drop(m);
    }
    println!(
        "{}: read into memory in {:.2} ms (median of {reps})",
        path.display(),
        median(t) * 1e3
    );
}
