//! Mandelbrot escape times computed several ways, timed side by side.
//!
//! `cargo run --release --example mandelbrot` computes the n x n grid (x in [-2, 1],
//! y in [-1, 1], default n = 400, maxi = 512) with
//!
//! 1. naive masked arrays: ndarray code written the way NumPy code is, one temporary
//!    per operator and gathered `z[mask]` temporaries;
//! 2. an expression sequence: the numexpr algorithm, three compiled nexpr expressions
//!    per iteration, evaluated into preallocated arrays;
//! 3. the fused program `kernels/mandelbrot.nx`: one compiled loop, early exit per point;
//! 4. CUDA, for the program and the expression sequence, where a device is present,
//!
//! checks that they agree, prints a table of warmed-up median times, sweeps the grid
//! size, and draws `mandelbrot.png` (the set) and `timings.png` (runtime vs. size).

use clap::Parser;
use ndarray::ArrayD;
use nexpr::{ErrorKind, Kernel, Program, Target};
use num_complex::Complex64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
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

use methods::{fused_alloc, fused_into, grid, naive, ExprSeq};

enum Impl {
    Naive,
    Seq(Box<ExprSeq>, bool),
    Fused(Kernel, bool),
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
    fn label(&self) -> String {
        format!("{}, {}", self.method, self.target)
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

fn variants(max_threads: usize) -> Vec<Variant> {
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
            .map(|k| Impl::Fused(k, alloc))
    };
    let sweep_threads = |t: usize| t == max_threads;

    let mut v = vec![Variant {
        method: "naive masked arrays",
        target: "ndarray".into(),
        max_n: NAIVE_MAX_N,
        in_sweep: true,
        imp: Ok(Impl::Naive),
    }];
    v.push(mk(
        "expression sequence",
        Target::Interp,
        INTERP_MAX_N,
        true,
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
        true,
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
    let cuda = Target::Cuda { device: 0 };
    v.push(mk(
        "fused program",
        cuda,
        usize::MAX,
        true,
        fused(cuda, true),
    ));
    v.push(mk(
        "expression sequence",
        cuda,
        usize::MAX,
        true,
        seq(cuda, true),
    ));
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

fn run(args: &Args) -> Result<bool, String> {
    let max_threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (n, maxi) = (args.n, args.maxi);
    let mut vs = variants(max_threads);
    let mut ok = true;

    println!(
        "Mandelbrot: n = {n} ({} points), maxi = {maxi}, up to {max_threads} thread(s), median of {} run(s)\n",
        n * n,
        args.repeat
    );
    let c = grid(n);
    let mut rows: Vec<(String, String, Option<f64>, String)> = Vec::new();
    let mut reference: Option<(ArrayD<i32>, f64)> = None;
    for v in &mut vs {
        if v.imp.is_ok() && n > v.max_n {
            rows.push(skip_row(
                v,
                format!("n = {n} is above {} for this method", v.max_n),
            ));
            continue;
        }
        match measure(v, &c, maxi, args.repeat) {
            Ok((t, escape)) => {
                let note = match &reference {
                    None => {
                        let note = format!("checksum {}", checksum(&escape));
                        reference = Some((escape, ms(t)));
                        note
                    }
                    Some((r, _)) if *r == escape => "same escape array".into(),
                    Some((r, _)) => {
                        ok = false;
                        format!(
                            "MISMATCH: checksum {} vs {}, {} points differ",
                            checksum(&escape),
                            checksum(r),
                            r.iter().zip(&escape).filter(|(a, b)| a != b).count()
                        )
                    }
                };
                rows.push((v.method.into(), v.target.clone(), Some(ms(t)), note));
            }
            Err(e) => {
                if e.kind == ErrorKind::Backend {
                    rows.push(skip_row(v, one_line(&e)));
                } else {
                    ok = false;
                    rows.push(fail_row(v, &e));
                }
                // Either way it is left out of the sweep.
                v.imp = Err(e);
            }
        }
    }
    let naive_ms = reference.as_ref().map(|r| r.1);
    print_table(&rows, naive_ms);
    if let Some((escape, _)) = &reference {
        println!("\nchecksum (sum of escape): {}", checksum(escape));
        if n == 400 && maxi == 512 {
            let expect = 21_463_747;
            let verdict = if checksum(escape) == expect {
                "matches"
            } else {
                ok = false;
                "DOES NOT match"
            };
            println!("{verdict} NumPy's checksum for n = 400, maxi = 512 ({expect})");
        }
    }

    let font = load_font(args.font.as_deref());
    if let Err(why) = &font {
        println!("\n{why}: the plot is drawn without text");
    }
    if let Some((escape, _)) = &reference {
        match draw_set(&args.png, escape, maxi) {
            Ok(()) => println!("\nwrote {}", args.png.display()),
            Err(e) => {
                ok = false;
                eprintln!("could not write {}: {e}", args.png.display());
            }
        }
    }

    let sizes: Vec<usize> = args.sizes.iter().copied().filter(|&s| s > 0).collect();
    if !sizes.is_empty() {
        let (lines, sweep_ok) = sweep(&vs, &sizes, maxi, args.repeat);
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

fn skip_row(v: &Variant, reason: String) -> (String, String, Option<f64>, String) {
    (
        v.method.into(),
        v.target.clone(),
        None,
        format!("skipped: {reason}"),
    )
}

fn fail_row(v: &Variant, e: &nexpr::Error) -> (String, String, Option<f64>, String) {
    (
        v.method.into(),
        v.target.clone(),
        None,
        format!("FAILED: {}", one_line(e)),
    )
}

fn print_table(rows: &[(String, String, Option<f64>, String)], naive_ms: Option<f64>) {
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(6);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(14);
    println!(
        "{:<w0$}  {:<w1$}  {:>10}  {:>8}",
        "method", "target/threads", "time (ms)", "speedup"
    );
    println!("{}", "-".repeat(w0 + w1 + 24));
    for (method, target, t, note) in rows {
        match t {
            Some(t) => {
                let speedup = naive_ms.map_or(String::new(), |b| format!("{:.1}x", b / t));
                println!("{method:<w0$}  {target:<w1$}  {t:>10.2}  {speedup:>8}  {note}");
            }
            None => println!("{method:<w0$}  {target:<w1$}  {note}"),
        }
    }
}

/// One line of the timing plot: (elements, milliseconds) per size.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
}

fn sweep(vs: &[Variant], sizes: &[usize], maxi: i32, repeat: usize) -> (Vec<Line>, bool) {
    let mut ok = true;
    let active: Vec<&Variant> = vs.iter().filter(|v| v.in_sweep).collect();
    println!("\ntiming sweep, maxi = {maxi} (ms; \"-\" = not run)");
    for v in &active {
        if let Err(e) = &v.imp {
            println!("  {}: not run: {}", v.label(), one_line(e));
        }
    }
    let runnable: Vec<&Variant> = active.into_iter().filter(|v| v.imp.is_ok()).collect();
    let mut lines: Vec<Line> = runnable
        .iter()
        .map(|v| Line {
            label: v.label(),
            points: vec![],
        })
        .collect();
    let wl = runnable.iter().map(|v| v.label().len()).max().unwrap_or(0);
    print!("  {:<wl$}", "n");
    for s in sizes {
        print!("  {s:>9}");
    }
    println!();
    let mut cells = vec![vec![String::from("-"); sizes.len()]; runnable.len()];
    for (k, &n) in sizes.iter().enumerate() {
        let c = grid(n);
        let mut reference: Option<ArrayD<i32>> = None;
        for (j, v) in runnable.iter().enumerate() {
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
    }
    for (v, row) in runnable.iter().zip(&cells) {
        print!("  {:<wl$}", v.label());
        for cell in row {
            print!("  {cell:>9}");
        }
        println!();
    }
    for v in &runnable {
        if sizes.iter().any(|&s| s > v.max_n) {
            println!("  ({} is not run above n = {})", v.label(), v.max_n);
        }
    }
    lines.retain(|l| !l.points.is_empty());
    (lines, ok)
}

// ---------------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------------

/// Registers a TrueType font with plotters: `--font`, else the first of the usual
/// system fonts. `Err` says why there is none.
fn load_font(choice: Option<&Path>) -> Result<(), String> {
    const CANDIDATES: &[&str] = &[
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/noto/NotoSans-Regular.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];
    let register = |p: &Path| -> Result<(), String> {
        let bytes =
            std::fs::read(p).map_err(|e| format!("cannot read font {}: {e}", p.display()))?;
        // plotters keeps fonts for the life of the process and wants them 'static.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| format!("{} is not a TrueType/OpenType font", p.display()))
    };
    match choice {
        Some(p) => register(p),
        None => CANDIDATES
            .iter()
            .find_map(|p| register(Path::new(p)).ok())
            .ok_or_else(|| {
                "no TrueType font found (looked for DejaVu Sans, Liberation Sans, Noto Sans, \
                 Arial; pass one with --font)"
                    .to_string()
            }),
    }
}

/// Colour stops of the palette, from the fast-escaping background to the boundary.
const PALETTE: &[(f64, (u8, u8, u8))] = &[
    (0.0, (0, 7, 100)),
    (0.16, (32, 107, 203)),
    (0.42, (237, 255, 255)),
    (0.6425, (255, 170, 0)),
    (0.8575, (120, 30, 0)),
    (1.0, (40, 0, 10)),
];

fn palette(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    for w in PALETTE.windows(2) {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        if t <= t1 {
            let f = (t - t0) / (t1 - t0);
            let mix =
                |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
            return RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
        }
    }
    let (_, c) = PALETTE[PALETTE.len() - 1];
    RGBColor(c.0, c.1, c.2)
}

/// The set, with +imag at the top and the 3:2 aspect of the plane; points that never
/// escape are black. Escape counts are log-scaled so the slow-escaping boundary gets
/// most of the palette.
fn draw_set(
    path: &Path,
    escape: &ArrayD<i32>,
    maxi: i32,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = escape.shape()[0];
    let h = n.clamp(200, 2000);
    let w = h * 3 / 2;
    let root = BitMapBackend::new(path, (w as u32, h as u32)).into_drawing_area();
    let scale = (f64::from(maxi)).ln().max(1e-9);
    for py in 0..h {
        let j = (h - 1 - py) * n / h;
        for px in 0..w {
            let i = px * n / w;
            let e = escape[[j, i]];
            let color = if e >= maxi {
                BLACK
            } else {
                palette(f64::from(e.max(1)).ln() / scale)
            };
            root.draw_pixel((px as i32, py as i32), &color)?;
        }
    }
    root.present()?;
    Ok(())
}

const LINE_COLORS: &[RGBColor] = &[
    RGBColor(90, 90, 90),
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn fmt_count(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn fmt_ms(v: f64) -> String {
    if v >= 1.0 {
        trim(v)
    } else {
        format!("{v}")
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Runtime against the number of elements, log-log, each line labelled at its end.
fn draw_timings(
    path: &Path,
    lines: &[Line],
    maxi: i32,
    text: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let (w, h) = (1100u32, 680u32);
    let root = BitMapBackend::new(path, (w, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let pts = lines.iter().flat_map(|l| l.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        // Nothing ran: keep the axes sensible rather than fail.
        (x0, x1, y0, y1) = (1e4, 1e6, 1.0, 1e3);
    }
    // Half a decade of room around the data, so no point sits on a frame edge.
    let (x0, x1) = (x0 / 1.6, x1 * 1.6);
    let (y0, y1) = (y0.max(1e-3) / 2.0, y1 * 2.0);

    let mut builder = ChartBuilder::on(&root);
    builder.margin_top(16).margin_left(16).margin_bottom(12);
    // Labels sit to the right of the plot area, at each line's end.
    builder.margin_right(if text { 290 } else { 40 });
    if text {
        builder
            .caption(
                format!("Mandelbrot, maxi = {maxi}: runtime vs. grid size"),
                ("sans-serif", 24),
            )
            .x_label_area_size(50)
            .y_label_area_size(70);
    }
    let mut chart = builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(200, 200, 200));
    if text {
        mesh.x_desc("elements (n × n)")
            .y_desc("time (ms)")
            .x_label_formatter(&|v| fmt_count(*v))
            .y_label_formatter(&|v| fmt_ms(*v))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18));
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;

    let mut ends = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let color = LINE_COLORS[k % LINE_COLORS.len()];
        let style = ShapeStyle::from(&color).stroke_width(3);
        chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        chart.draw_series(
            line.points
                .iter()
                .map(|&p| Circle::new(p, 4, ShapeStyle::from(&color).filled())),
        )?;
        if let Some(&last) = line.points.last() {
            ends.push((chart.backend_coord(&last), color, line.label.as_str()));
        }
    }
    if text {
        // Lines ending at the same size would stack their labels on top of each other:
        // spread those apart, keeping their order top to bottom.
        ends.sort_by_key(|e| (e.0 .0, e.0 .1));
        let gap = 20;
        let mut prev = (i32::MIN, 0);
        for e in &mut ends {
            if e.0 .0 == prev.0 {
                e.0 .1 = e.0 .1.max(prev.1 + gap);
            }
            prev = e.0;
        }
        let style =
            TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for ((x, y), color, label) in ends {
            root.draw(&Text::new(
                label.to_string(),
                (x + 10, y),
                style.color(&color),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
