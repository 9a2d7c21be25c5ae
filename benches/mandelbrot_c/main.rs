//! nexpr's fused Mandelbrot against the repository's hand-written C, side by side in
//! one run, 1 thread: `cargo bench --bench mandelbrot_c` (n = 1200, maxi = 512,
//! 7 rounds; `-- --n N --maxi M --rounds R --cc PATH` to change them).
//!
//! Rows: `kernels/mandelbrot.nx` on the CPU target with default options, written into
//! a preallocated array; the C peers of `examples/mandelbrot/peers/` compiled into a
//! temporary folder with `cc -O3 -march=native -ffp-contract=off` (IEEE operations
//! one at a time, as nexpr does them, so the escape counts are the same):
//! `mandel_vector.c` at LANES=2 CHAINS=4 (128-bit vectors, four interleaved chains),
//! LANES=4 CHAINS=1 and LANES=4 CHAINS=2 (AVX2), LANES=8 CHAINS=1 (AVX-512, only
//! where the CPU has AVX-512F), and `mandel_scalar.c`; and `kernels/julia.nx` and
//! `kernels/newton.nx` (no C exists for them), so that their times sit in the same run.
//!
//! The rows take turns: every round runs each row once (an untimed run, then a timed
//! one), starting one row further on each round, so that a noisy moment of the shared
//! machine hits every row alike. Times are CPU time (nexpr: of its thread; C: of its
//! process, `-DMANDEL_CPU_TIME`), median and minimum over the rounds. Every C row's
//! checksum (the sum of the escape array) must equal nexpr's, or the run fails.
//!
//! Without `--bench` (`cargo test` runs this binary so) it is a check, not a
//! measurement: n = 48, maxi = 64, one round, and nexpr's outputs compared with the
//! interpreter's.

use args::Mode;
use nexpr::Target;
use report::Timed;
use rows::{Row, RowId};
use std::path::PathBuf;
use std::process::ExitCode;

mod args;
mod report;
mod rows;

// The grid and the C peers are the Mandelbrot example's, so the two compute and
// build the same things.
#[path = "../../examples/mandelbrot/methods.rs"]
#[allow(dead_code)]
mod methods;
#[path = "../../examples/mandelbrot/peer_build.rs"]
#[allow(dead_code)]
mod peer_build;
#[path = "../../examples/mandelbrot/peers.rs"]
#[allow(dead_code)]
mod peers;

const NEXPR_ROWS: [RowId; 3] = [
    RowId::NexprMandelbrot,
    RowId::NexprJulia,
    RowId::NexprNewton,
];

fn has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The CPU's model name as Linux gives it, so that a pasted table says where it ran.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

/// The C rows that build here, and (row, reason) for each that does not; a missing
/// compiler is one line for all of them.
fn c_rows(args: &args::Args, dir: &std::path::Path) -> (Vec<Row>, Vec<(RowId, String)>) {
    let cc = args
        .cc
        .clone()
        .or_else(|| std::env::var_os("CC").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cc"));
    let vector = |lanes, chains| RowId::CVector { lanes, chains };
    let mut wanted = vec![
        vector(2, 4),
        vector(4, 1),
        vector(4, 2),
        vector(8, 1),
        RowId::CScalar,
    ];
    let mut left_out = vec![];
    if !has_avx512f() {
        wanted.retain(|&id| id != vector(8, 1));
        let why = "this CPU has no AVX-512F".to_string();
        println!("left out: {}: {why}", vector(8, 1).label());
        left_out.push((vector(8, 1), why));
    }
    let mut rows = vec![];
    for (k, &id) in wanted.iter().enumerate() {
        match Row::c(id, &cc, dir, args.n, args.maxi) {
            Ok(row) => rows.push(row),
            Err(why) if why.starts_with("no C compiler") => {
                println!("left out: the C rows: {why}");
                left_out.extend(wanted[k..].iter().map(|&id| (id, why.clone())));
                break;
            }
            Err(why) => {
                println!("left out: {}: {why}", id.label());
                left_out.push((id, why));
            }
        }
    }
    (rows, left_out)
}

/// The check mode's test of the kernels themselves: each nexpr row's outputs are the
/// interpreter's.
fn check_against_interpreter(args: &args::Args) -> Result<(), String> {
    for id in NEXPR_ROWS {
        let cpu = Row::nexpr(id, args.n, args.maxi, Target::Cpu { threads: 1 })?.outputs()?;
        let interp = Row::nexpr(id, args.n, args.maxi, Target::Interp)?.outputs()?;
        if cpu != interp {
            return Err(format!(
                "{}: the CPU target's outputs are not the interpreter's",
                id.label()
            ));
        }
    }
    Ok(())
}

/// Every row once per round, in turn; fails on a Mandelbrot checksum (C's, or a later
/// one of nexpr's) that is not nexpr's first. Returns the times and that checksum.
fn rounds(rows: &mut [Row], rounds: usize) -> Result<(Vec<Timed>, i64), String> {
    let want = rows
        .iter_mut()
        .find(|r| r.id == RowId::NexprMandelbrot)
        .ok_or("no nexpr Mandelbrot row")?
        .measure()?
        .checksum;
    let mut timed: Vec<Timed> = rows
        .iter()
        .map(|r| Timed {
            id: r.id,
            seconds: vec![],
        })
        .collect();
    for round in 0..rounds {
        for k in 0..rows.len() {
            let i = (round + k) % rows.len();
            let sample = rows[i].measure()?;
            if rows[i].id.is_mandelbrot() && sample.checksum != want {
                return Err(format!(
                    "{}: checksum {} is not nexpr's first, {want}",
                    rows[i].id.label(),
                    sample.checksum
                ));
            }
            timed[i].seconds.push(sample.seconds);
        }
    }
    Ok((timed, want))
}

fn run(args: &args::Args) -> Result<(), String> {
    let (n, maxi) = (args.n, args.maxi);
    println!(
        "Mandelbrot n = {n}, maxi = {maxi}, 1 thread, {} round(s), CPU time{}",
        args.rounds,
        if args.mode == Mode::Check {
            " (check run: sizes too small to judge)"
        } else {
            ""
        }
    );
    let avx512 = if has_avx512f() { "with" } else { "no" };
    let model = cpu_model().unwrap_or_else(|| "model unknown".into());
    println!("CPU: {model}, {avx512} AVX-512F");
    if args.mode == Mode::Check {
        check_against_interpreter(args)?;
    }
    let mut rows = vec![];
    for id in NEXPR_ROWS {
        rows.push(Row::nexpr(id, n, maxi, Target::Cpu { threads: 1 })?);
    }
    let build = tempfile::Builder::new()
        .prefix("nexpr-mandelbrot-c")
        .tempdir()
        .map_err(|e| format!("no temporary folder for the C builds: {e}"))?;
    let (c, left_out) = c_rows(args, build.path());
    rows.extend(c);
    let (timed, checksum) = rounds(&mut rows, args.rounds)?;
    println!("every Mandelbrot row's checksum: {checksum}");
    report::print_table(&timed);
    if args.mode == Mode::Measure {
        report::print_targets(&timed, &left_out);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mandelbrot_c: {e}");
            return ExitCode::from(2);
        }
    };
    if args.mode == Mode::Skip {
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mandelbrot_c: {e}");
            ExitCode::FAILURE
        }
    }
}
