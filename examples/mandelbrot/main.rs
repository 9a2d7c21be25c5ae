//! Mandelbrot escape times computed several ways, timed side by side.
//!
//! `cargo run --release --features plot --example mandelbrot` computes the n x n grid (x in [-2, 1],
//! y in [-1, 1], default n = 400, maxi = 512) with
//!
//! 1. naive masked arrays: ndarray code written the way NumPy code is, one temporary
//!    per operator and gathered `z[mask]` temporaries;
//! 2. an expression sequence: the numexpr algorithm, three compiled nexpr expressions
//!    per iteration, evaluated into preallocated arrays;
//! 3. the fused program `kernels/mandelbrot.nx`: one compiled loop, early exit per point;
//! 4. CUDA, for the program and the expression sequence, where a device is present,
//!
//! and, where they can run, the peers in `peers/` as subprocesses (`peers.rs`): the
//! classic "Mandelbrot six ways" (pure Python under CPython and PyPy, NumPy masked
//! arrays, numexpr, Cython, numba, CuPy) and scalar and vectorized C. The first run
//! sets up the peers' Python environment (`peers/prepare.py`: a venv with pinned
//! packages, the Cython module), once. It checks that every escape array agrees with
//! nexpr's (the peers' by checksum), prints a table of warmed-up median times
//! (`--markdown`: as the table of `docs/performance-log.md`), sweeps the grid size, and draws
//! `mandelbrot.png` (the set) and `timings.png` (runtime vs. size, the peers dashed).

use clap::Parser;
use ndarray::ArrayD;
use nexpr::{ErrorKind, Kernel, Program, Target};
use num_complex::Complex64;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const PROGRAM: &str = include_str!("../../kernels/mandelbrot.nx");

/// Above these sizes a method is left out of the sweep: the answer would be minutes
/// away and says nothing new about the trend.
const NAIVE_MAX_N: usize = 800;
const INTERP_MAX_N: usize = 200;

/// One timed call is enough once a single run takes this long.
const SLOW_RUN: Duration = Duration::from_secs(2);

#[derive(Parser, Debug)]
#[command(about = "Mandelbrot escape times: naive arrays vs. nexpr expressions vs. fused program")]
struct Args {
    /// Grid size: n x n points.
    #[arg(long, default_value_t = 400)]
    n: usize,
    /// Iteration limit (the escape value of points that stay bounded).
    #[arg(long, default_value_t = 512)]
    maxi: i32,
    /// Most threads for the CPU target; rows are timed for 1..=threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Grid sizes n of the timing sweep, comma-separated; `--sizes 0` skips the sweep.
    #[arg(long, value_delimiter = ',', default_value = "100,200,400,800,1600")]
    sizes: Vec<usize>,
    /// Where to write the picture of the set.
    #[arg(long, default_value = "mandelbrot.png")]
    png: PathBuf,
    /// Where to write the runtime plot of the sweep.
    #[arg(long, default_value = "timings.png")]
    plot: PathBuf,
    /// Timed runs per measurement (after one warm-up run); the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// TrueType font for the plot's text (default: the first of the usual system fonts).
    #[arg(long)]
    font: Option<PathBuf>,
    /// Python for the pure-Python peer, and to make the other Python peers' venv
    /// (examples/mandelbrot/peers/.venv) with (default: python3).
    #[arg(long)]
    peers_python: Option<PathBuf>,
    /// PyPy for the pure-Python peer under PyPy (default: pypy3).
    #[arg(long)]
    pypy: Option<PathBuf>,
    /// C compiler for the C peers (default: $CC, else cc).
    #[arg(long)]
    cc: Option<PathBuf>,
    /// Leave the peers out.
    #[arg(long)]
    no_peers: bool,
    /// Print the table as Markdown (the Mandelbrot table of `docs/performance-log.md`).
    #[arg(long)]
    markdown: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(msg) = validate(&args) {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn validate(args: &Args) -> Result<(), String> {
    if args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    if args.maxi < 1 {
        return Err("--maxi must be at least 1".into());
    }
    if args.repeat == 0 {
        return Err("--repeat must be at least 1".into());
    }
    if args.threads == Some(0) {
        return Err("--threads must be at least 1".into());
    }
    // The escape array holds at most n*n values of maxi; past this the i64 checksum
    // and the allocation are both out of reach anyway.
    if args.n > 20_000 || args.sizes.iter().any(|&s| s > 20_000) {
        return Err("grid sizes above 20000 are not supported".into());
    }
    Ok(())
}

mod methods;
mod peer_build;
mod peers;
mod plot;

use methods::{fused_alloc, fused_into, grid, naive, ExprSeq};
use peers::{PeerArgs, Peers};
use plot::{draw_set, draw_timings, load_font, Line};

enum Impl {
    Naive,
    Seq(Box<ExprSeq>, bool),
    Fused(Box<Kernel>, bool),
}

/// One row of the table: a method on a target.
struct Variant {
    method: &'static str,
    target: String,
    /// Largest n this variant is run at (the interpreter and the naive code are slow).
    max_n: usize,
    /// Drawn in the sweep (thread counts between 1 and the maximum are table-only).
    in_sweep: bool,
    /// What runs it, or why it cannot: a backend error is a skip, anything else a bug.
    imp: Result<Impl, nexpr::Error>,
}

impl Variant {
    /// The name in the sweep and on the plot, where the peers' lines are too.
    fn label(&self) -> String {
        match &self.imp {
            Ok(Impl::Naive) => format!("{}, {}", self.method, self.target),
            _ => format!("nexpr {}, {}", self.method, self.target),
        }
    }

    fn compute(&self, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
        match &self.imp {
            Ok(Impl::Naive) => Ok(naive(c, maxi)),
            Ok(Impl::Seq(s, false)) => s.run_into(c, maxi),
            Ok(Impl::Seq(s, true)) => s.run_alloc(c, maxi),
            Ok(Impl::Fused(k, false)) => fused_into(k, c, maxi),
            Ok(Impl::Fused(k, true)) => fused_alloc(k, c, maxi),
            Err(e) => Err(e.clone()),
        }
    }
}

fn target_name(t: Target) -> String {
    match t {
        Target::Interp => "interp".into(),
        Target::Cpu { threads: 1 } => "cpu, 1 thread".into(),
        Target::Cpu { threads } => format!("cpu, {threads} threads"),
        Target::Cuda { device } => format!("cuda:{device}"),
    }
}

/// The rows of the table; the CUDA ones only with `cuda` (a device is there).
fn variants(max_threads: usize, cuda: bool) -> Vec<Variant> {
    let program = Program::parse(PROGRAM);
    let mk = |method, target: Target, max_n, in_sweep, imp: nexpr::Result<Impl>| Variant {
        method,
        target: target_name(target),
        max_n,
        in_sweep,
        imp,
    };
    let seq = |t: Target, alloc| ExprSeq::new(t).map(|s| Impl::Seq(Box::new(s), alloc));
    let fused = |t: Target, alloc| {
        program
            .clone()
            .and_then(|p| p.compile(t))
            .map(|k| Impl::Fused(Box::new(k), alloc))
    };
    let sweep_threads = |t: usize| t == max_threads;

    let mut v = vec![Variant {
        method: "naive masked arrays",
        target: "ndarray".into(),
        max_n: NAIVE_MAX_N,
        in_sweep: true,
        imp: Ok(Impl::Naive),
    }];
    // The interpreter rows are table-only: the plot compares the ways to compute the
    // set, and the interpreter is the reference, not one of them.
    v.push(mk(
        "expression sequence",
        Target::Interp,
        INTERP_MAX_N,
        false,
        seq(Target::Interp, false),
    ));
    for t in 1..=max_threads {
        let target = Target::Cpu { threads: t };
        v.push(mk(
            "expression sequence",
            target,
            usize::MAX,
            sweep_threads(t),
            seq(target, false),
        ));
    }
    v.push(mk(
        "fused program",
        Target::Interp,
        INTERP_MAX_N,
        false,
        fused(Target::Interp, false),
    ));
    for t in 1..=max_threads {
        let target = Target::Cpu { threads: t };
        // Both ends of the thread range go in the sweep: the single-thread line is the
        // one comparable with scalar C.
        v.push(mk(
            "fused program",
            target,
            usize::MAX,
            t == 1 || sweep_threads(t),
            fused(target, false),
        ));
    }
    if cuda {
        let gpu = Target::Cuda { device: 0 };
        v.push(mk("fused program", gpu, usize::MAX, true, fused(gpu, true)));
        v.push(mk(
            "expression sequence",
            gpu,
            usize::MAX,
            true,
            seq(gpu, true),
        ));
    }
    v
}

/// The first line of an error: backend messages can carry a whole compiler log.
fn one_line(e: &nexpr::Error) -> String {
    e.message.lines().next().unwrap_or("").to_string()
}

// ---------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------

/// One warm-up run (JIT compilation, caches, page faults), then the median of up to
/// `repeat` timed runs; long runs are timed once so the sweep stays in minutes.
fn measure(
    v: &Variant,
    c: &ArrayD<Complex64>,
    maxi: i32,
    repeat: usize,
) -> nexpr::Result<(Duration, ArrayD<i32>)> {
    let t0 = Instant::now();
    let result = v.compute(c, maxi)?;
    let warm = t0.elapsed();
    let runs = if warm > SLOW_RUN { 1 } else { repeat };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(v.compute(c, maxi)?);
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], result))
}

fn checksum(a: &ArrayD<i32>) -> i64 {
    a.iter().map(|&e| i64::from(e)).sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------------
// Main flow
// ---------------------------------------------------------------------------------

/// One row of the table.
struct Row {
    /// Whose method it is: "peer", "nexpr", or "Rust" (the naive ndarray baseline).
    by: &'static str,
    method: String,
    target: String,
    /// Median time in milliseconds; `None` when the method did not run.
    ms: Option<f64>,
    /// The checksum, agreement with the first row, or why it did not run.
    note: String,
}

impl Row {
    fn new(v: &Variant, ms: Option<f64>, note: String) -> Row {
        Row {
            by: match v.imp {
                Ok(Impl::Naive) => "Rust",
                _ => "nexpr",
            },
            method: v.method.into(),
            target: v.target.clone(),
            ms,
            note,
        }
    }

    fn skipped(v: &Variant, reason: String) -> Row {
        Row::new(v, None, format!("skipped: {reason}"))
    }

    fn failed(v: &Variant, e: &nexpr::Error) -> Row {
        Row::new(v, None, format!("FAILED: {}", one_line(e)))
    }
}

/// The first variant's escape array, which every other must reproduce.
struct Reference {
    escape: ArrayD<i32>,
}

fn run(args: &Args) -> Result<bool, String> {
    let max_threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (n, maxi) = (args.n, args.maxi);
    println!(
        "Mandelbrot: n = {n} ({} points), maxi = {maxi}, up to {max_threads} thread(s), median of {} run(s)\n",
        n * n,
        args.repeat
    );
    // Asked once: without a device the CUDA rows are left out, with one line saying why.
    let cuda = nexpr::Expr::parse("c")
        .and_then(|e| e.compile(nexpr::Target::Cuda { device: 0 }))
        .map(drop);
    if let Err(e) = &cuda {
        println!("CUDA rows left out: {}\n", one_line(e));
    }
    let peers = if args.no_peers {
        None
    } else {
        let p = Peers::find(&PeerArgs {
            python: args.peers_python.as_deref(),
            pypy: args.pypy.as_deref(),
            cc: args.cc.as_deref(),
            max_threads,
        });
        for why in &p.missing {
            println!("peer left out: {why}");
        }
        if !p.missing.is_empty() {
            println!();
        }
        Some(p)
    };
    let peer_list = peers.as_ref().map_or(&[][..], |p| &p.list[..]);
    let mut vs = variants(max_threads, cuda.is_ok());
    let (rows, reference, mut ok) = table(&mut vs, n, maxi, args.repeat);
    let (mut all, peers_ok) = peer_rows(peer_list, reference.as_ref(), n, maxi, args.repeat);
    ok &= peers_ok;
    all.extend(rows);
    if args.markdown {
        print_markdown(&all, n, maxi, args.repeat);
    } else {
        print_table(&all);
    }
    if let Some(r) = &reference {
        ok &= report_checksum(&r.escape, n, maxi);
    }

    let font = load_font(args.font.as_deref());
    if let Err(why) = &font {
        println!("\n{why}: the plot is drawn without text");
    }
    if let Some(r) = &reference {
        match draw_set(&args.png, &r.escape, maxi) {
            Ok(()) => println!("\nwrote {}", args.png.display()),
            Err(e) => {
                ok = false;
                eprintln!("could not write {}: {e}", args.png.display());
            }
        }
    }

    let sizes: Vec<usize> = args.sizes.iter().copied().filter(|&s| s > 0).collect();
    if !sizes.is_empty() {
        let (lines, sweep_ok) = sweep(&vs, peer_list, &sizes, maxi, args.repeat);
        ok &= sweep_ok;
        match draw_timings(&args.plot, &lines, maxi, font.is_ok()) {
            Ok(()) => println!("wrote {}", args.plot.display()),
            Err(e) => {
                ok = false;
                eprintln!("could not write {}: {e}", args.plot.display());
            }
        }
    }
    Ok(ok)
}

/// Times every variant at size `n`; a variant that fails is marked so (its `imp`
/// becomes the error) and left out of the sweep. Returns the rows, the reference
/// result, and whether every result agreed.
fn table(
    vs: &mut [Variant],
    n: usize,
    maxi: i32,
    repeat: usize,
) -> (Vec<Row>, Option<Reference>, bool) {
    let c = grid(n);
    let mut ok = true;
    let mut rows = Vec::new();
    let mut reference: Option<Reference> = None;
    for v in vs {
        if v.imp.is_ok() && n > v.max_n {
            let why = format!("n = {n} is above {} for this method", v.max_n);
            rows.push(Row::skipped(v, why));
            continue;
        }
        match measure(v, &c, maxi, repeat) {
            Ok((t, escape)) => {
                let note = match &reference {
                    None => {
                        let note = format!("checksum {}", checksum(&escape));
                        reference = Some(Reference { escape });
                        note
                    }
                    Some(r) if r.escape == escape => "same escape array".into(),
                    Some(r) => {
                        ok = false;
                        format!(
                            "MISMATCH: checksum {} vs {}, {} points differ",
                            checksum(&escape),
                            checksum(&r.escape),
                            r.escape.iter().zip(&escape).filter(|(a, b)| a != b).count()
                        )
                    }
                };
                rows.push(Row::new(v, Some(ms(t)), note));
            }
            Err(e) => {
                if e.kind == ErrorKind::Backend {
                    rows.push(Row::skipped(v, one_line(&e)));
                } else {
                    ok = false;
                    rows.push(Row::failed(v, &e));
                }
                // Either way it is left out of the sweep.
                v.imp = Err(e);
            }
        }
    }
    (rows, reference, ok)
}

/// The peers' rows at size `n`: their time, and whether their checksum is the
/// reference's (peers return no escape array, only its sum). Returns the rows and
/// whether every peer ran and agreed.
fn peer_rows(
    peers: &[peers::Peer],
    reference: Option<&Reference>,
    n: usize,
    maxi: i32,
    repeat: usize,
) -> (Vec<Row>, bool) {
    let mut ok = true;
    let mut rows = vec![];
    for p in peers {
        let row = |ms, note| Row {
            by: "peer",
            method: p.method.into(),
            target: p.target.clone(),
            ms,
            note,
        };
        if n > p.max_n {
            let why = format!("skipped: n = {n} is above {} for this method", p.max_n);
            rows.push(row(None, why));
            continue;
        }
        rows.push(match p.measure(n, maxi, repeat, SLOW_RUN) {
            Ok((t, sum)) => {
                let note = match reference {
                    Some(r) if checksum(&r.escape) == sum => "same checksum".to_string(),
                    Some(r) => {
                        ok = false;
                        format!(
                            "MISMATCH: checksum {sum} vs nexpr's {}",
                            checksum(&r.escape)
                        )
                    }
                    None => format!("checksum {sum}"),
                };
                row(Some(ms(t)), note)
            }
            Err(e) => {
                ok = false;
                row(None, format!("FAILED: {e}"))
            }
        });
    }
    (rows, ok)
}

/// Prints the checksum and, at NumPy's reference size, whether it matches NumPy's.
fn report_checksum(escape: &ArrayD<i32>, n: usize, maxi: i32) -> bool {
    println!("\nchecksum (sum of escape): {}", checksum(escape));
    if n != 400 || maxi != 512 {
        return true;
    }
    let expect = 21_463_747;
    let matches = checksum(escape) == expect;
    let verdict = if matches { "matches" } else { "DOES NOT match" };
    println!("{verdict} NumPy's checksum for n = 400, maxi = 512 ({expect})");
    matches
}

/// The time of the fused program on 1 CPU thread, which the other rows are compared with.
fn fused_1t(rows: &[Row]) -> Option<f64> {
    rows.iter()
        .find(|r| r.method == "fused program" && r.target == "cpu, 1 thread")
        .and_then(|r| r.ms)
}

/// `t` against the fused program's time: "13× slower", "2.3× faster"; the fused
/// program's own row is the reference, and a ratio that rounds to 1.0 reads "same".
fn versus(t: f64, fused: Option<f64>) -> String {
    match fused {
        Some(f) if t == f => "reference".into(),
        Some(f) if (t / f).max(f / t) < 1.05 => "same".into(),
        Some(f) if t >= f => format!("{:.1}× slower", t / f),
        Some(f) => format!("{:.1}× faster", f / t),
        None => String::new(),
    }
}

fn print_table(rows: &[Row]) {
    let fused = fused_1t(rows);
    let w0 = rows
        .iter()
        .map(|r| r.method.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let w1 = rows
        .iter()
        .map(|r| r.target.len())
        .max()
        .unwrap_or(0)
        .max(14);
    println!(
        "{:<5}  {:<w0$}  {:<w1$}  {:>10}  {:>20}",
        "by", "method", "target/threads", "time (ms)", "vs fused, 1 thread"
    );
    println!("{}", "-".repeat(w0 + w1 + 43));
    for r in rows {
        let (by, method, target, note) = (r.by, &r.method, &r.target, &r.note);
        match r.ms {
            Some(t) => {
                let vs = versus(t, fused);
                println!("{by:<5}  {method:<w0$}  {target:<w1$}  {t:>10.2}  {vs:>20}  {note}");
            }
            None => println!("{by:<5}  {method:<w0$}  {target:<w1$}  {note}"),
        }
    }
}

/// The table as Markdown, as `docs/performance-log.md` shows it.
fn print_markdown(rows: &[Row], n: usize, maxi: i32, repeat: usize) {
    let fused = fused_1t(rows);
    println!("n = {n}, maxi = {maxi}, median of {repeat} runs after a warm-up:\n");
    println!("| by | method | target | time | vs nexpr fused, 1 thread |");
    println!("| --- | --- | --- | ---: | ---: |");
    for r in rows {
        let Some(t) = r.ms else { continue };
        let time = if t >= 100.0 {
            format!("{t:.0} ms")
        } else if t >= 1.0 {
            format!("{t:.1} ms")
        } else {
            format!("{t:.3} ms")
        };
        let method = if r.by == "nexpr" && r.method == "fused program" {
            format!("**{}**", r.method)
        } else {
            r.method.clone()
        };
        let vs = versus(t, fused);
        println!("| {} | {method} | {} | {time} | {vs} |", r.by, r.target);
    }
    println!();
}

fn sweep(
    vs: &[Variant],
    peers: &[peers::Peer],
    sizes: &[usize],
    maxi: i32,
    repeat: usize,
) -> (Vec<Line>, bool) {
    let mut ok = true;
    let active: Vec<&Variant> = vs.iter().filter(|v| v.in_sweep).collect();
    println!("\ntiming sweep, maxi = {maxi} (ms; \"-\" = not run)");
    for v in &active {
        if let Err(e) = &v.imp {
            println!("  {}: not run: {}", v.label(), one_line(e));
        }
    }
    let runnable: Vec<&Variant> = active.into_iter().filter(|v| v.imp.is_ok()).collect();
    let peers: Vec<&peers::Peer> = peers.iter().filter(|p| p.in_sweep).collect();
    // Peers first, then nexpr's methods: the order of the legend.
    let labels: Vec<String> = peers
        .iter()
        .map(|p| p.label())
        .chain(runnable.iter().map(|v| v.label()))
        .collect();
    let max_ns: Vec<usize> = peers
        .iter()
        .map(|p| p.max_n)
        .chain(runnable.iter().map(|v| v.max_n))
        .collect();
    let mut lines: Vec<Line> = labels
        .iter()
        .enumerate()
        .map(|(j, label)| Line {
            label: label.clone(),
            points: vec![],
            dashed: j < peers.len(),
        })
        .collect();
    let wl = labels.iter().map(String::len).max().unwrap_or(0);
    let mut cells = vec![vec![String::from("-"); sizes.len()]; labels.len()];
    for (k, &n) in sizes.iter().enumerate() {
        let c = grid(n);
        let mut reference: Option<ArrayD<i32>> = None;
        for (j, v) in runnable.iter().enumerate() {
            let j = j + peers.len();
            if n > v.max_n {
                continue;
            }
            match measure(v, &c, maxi, repeat) {
                Ok((t, escape)) => {
                    match &reference {
                        None => reference = Some(escape),
                        Some(r) if *r != escape => {
                            ok = false;
                            eprintln!("MISMATCH at n = {n}: {}", v.label());
                        }
                        Some(_) => {}
                    }
                    cells[j][k] = format!("{:.2}", ms(t));
                    lines[j].points.push(((n * n) as f64, ms(t)));
                }
                Err(e) => {
                    ok = false;
                    eprintln!("{} failed at n = {n}: {}", v.label(), one_line(&e));
                }
            }
        }
        let want = reference.as_ref().map(checksum);
        for (j, p) in peers.iter().enumerate() {
            if n > p.max_n {
                continue;
            }
            match p.measure(n, maxi, repeat, SLOW_RUN) {
                Ok((t, sum)) => {
                    if let Some(w) = want.filter(|&w| w != sum) {
                        ok = false;
                        eprintln!(
                            "MISMATCH at n = {n}: {}: checksum {sum}, nexpr's {w}",
                            p.label()
                        );
                    }
                    cells[j][k] = format!("{:.2}", ms(t));
                    lines[j].points.push(((n * n) as f64, ms(t)));
                }
                Err(e) => {
                    ok = false;
                    eprintln!("{} failed at n = {n}: {e}", p.label());
                }
            }
        }
    }
    print!("  {:<wl$}", "n");
    for s in sizes {
        print!("  {s:>9}");
    }
    println!();
    for (label, row) in labels.iter().zip(&cells) {
        print!("  {label:<wl$}");
        for cell in row {
            print!("  {cell:>9}");
        }
        println!();
    }
    for (label, &max_n) in labels.iter().zip(&max_ns) {
        if sizes.iter().any(|&s| s > max_n) {
            println!("  ({label} is not run above n = {max_n})");
        }
    }
    lines.retain(|l| !l.points.is_empty());
    (lines, ok)
}
