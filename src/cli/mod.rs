//! The `nexpr` command line: `eval`, `run` and `bench`.

pub mod format;

use crate::api::{default_threads, Emit, Expr, Kernel, Program, Target};
use crate::array::{DynArray, Vars};
use crate::error::{Error, ErrorKind, Result};
use crate::options::Options;
use crate::runtime::npy;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// The most timed evaluations `bench` takes: their times are kept to find the median.
const MAX_REPEAT: u64 = 1_000_000;

#[derive(Parser, Debug)]
#[command(
    name = "nexpr",
    version,
    about = "Array expressions and elementwise programs, compiled to one fused loop"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Evaluate one expression, e.g. `nexpr eval "where(a > b, a, b)" --vars ab.npz`.
    Eval {
        /// The expression.
        #[arg(allow_hyphen_values = true)]
        expr: String,
        #[command(flatten)]
        common: Common,
        /// Write the result to this .npy file (atomically) instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a program (.nx file) for every element, e.g. `nexpr run kernels/mandelbrot.nx`.
    Run {
        /// The program file.
        program: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Write all outputs to this .npz file (atomically) instead of printing them.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Time an expression: compile time, then median and minimum evaluation time.
    Bench {
        /// The expression.
        #[arg(allow_hyphen_values = true)]
        expr: String,
        #[command(flatten)]
        common: Common,
        /// Number of timed evaluations (1 to 1000000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=MAX_REPEAT))]
        repeat: u64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct Common {
    /// Variables: a .npz file (all its arrays) or a .npy file (named after the file). Repeatable.
    #[arg(long = "vars", value_name = "FILE")]
    vars: Vec<PathBuf>,
    /// Set a scalar variable, e.g. `--set maxi=512` or `--set c=0.3-0.5j`. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = TargetArg::Cpu)]
    target: TargetArg,
    /// Threads for the CPU target (default: NEXPR_NUM_THREADS, else all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// CUDA device number.
    #[arg(long, default_value_t = 0)]
    device: usize,
    /// CUDA only: compile with NVRTC's fast math (approximate transcendentals and
    /// divisions; results then differ from NumPy's in the last bits or more).
    #[arg(long)]
    fast_math: bool,
    /// CPU only: transcendentals through scalar libm, bit for bit the interpreter's,
    /// instead of vectorized libmvec (at most 4 ulp apart, faster).
    #[arg(long)]
    exact_math: bool,
    /// Print the IR, Cranelift IR, CUDA C or disassembled machine code instead of evaluating.
    #[arg(long, value_enum)]
    emit: Option<EmitArg>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TargetArg {
    Interp,
    Cpu,
    Cuda,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EmitArg {
    Ir,
    Clif,
    Cuda,
    Asm,
}

impl Common {
    fn target(&self) -> Target {
        match self.target {
            TargetArg::Interp => Target::Interp,
            TargetArg::Cpu => Target::Cpu {
                threads: self.threads.unwrap_or_else(default_threads),
            },
            TargetArg::Cuda => Target::Cuda {
                device: self.device,
            },
        }
    }

    /// What to compile for: printing code needs no device, so `--emit` (whose text does
    /// not depend on where it would run) never asks for one.
    fn compile_target(&self) -> Target {
        match self.emit {
            Some(_) => Target::Interp,
            None => self.target(),
        }
    }

    /// The compile options the flags ask for.
    fn options(&self) -> Options {
        let mut o = Options::default();
        o.cpu.exact_math = self.exact_math;
        o.cuda.fast_math = self.fast_math;
        o
    }

    fn load(&self) -> Result<BTreeMap<String, DynArray>> {
        let mut vars = BTreeMap::new();
        for p in &self.vars {
            vars.extend(npy::read_vars(p)?);
        }
        for s in &self.set {
            let (name, value) = s.split_once('=').ok_or_else(|| {
                Error::new(
                    ErrorKind::Usage,
                    format!("--set wants NAME=VALUE, got `{s}`"),
                )
            })?;
            vars.insert(
                name.trim().to_string(),
                parse_scalar(name.trim(), value.trim())?,
            );
        }
        Ok(vars)
    }

    fn emit(&self) -> Option<Emit> {
        self.emit.map(|e| match e {
            EmitArg::Ir => Emit::Ir,
            EmitArg::Clif => Emit::Clif,
            EmitArg::Cuda => Emit::Cuda,
            EmitArg::Asm => Emit::Asm,
        })
    }
}

/// A `--set` value: a constant expression, evaluated by nexpr itself.
fn parse_scalar(name: &str, text: &str) -> Result<DynArray> {
    let e = Expr::parse(text).map_err(|e| Error {
        message: format!("--set {name}: {}", e.message),
        ..e
    })?;
    e.compile(Target::Interp)?
        .eval(&Vars::new())
        .map_err(|e| Error {
            message: format!("--set {name}: {}", e.message),
            ..e
        })
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("nexpr: {e}");
            e.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Eval { expr, common, out } => {
            let e = Expr::parse(&expr)?;
            let kernel = e.compile_with(common.compile_target(), &common.options())?;
            let data = common.load()?;
            let vars = Vars::from(data);
            if let Some(what) = common.emit() {
                print!("{}", kernel.emit(&vars, what)?);
                return Ok(());
            }
            let r = kernel.eval(&vars)?;
            match out {
                Some(path) => npy::write_npy(&path, &r),
                None => {
                    println!("{}", format::repr(&r));
                    Ok(())
                }
            }
        }
        Cmd::Run {
            program,
            common,
            out,
        } => {
            let src = std::fs::read_to_string(&program).map_err(|e| Error::io(&program, e))?;
            let p = Program::parse(&src)?;
            let kernel = p.compile_with(common.compile_target(), &common.options())?;
            let vars = Vars::from(common.load()?);
            if let Some(what) = common.emit() {
                print!("{}", kernel.emit(&vars, what)?);
                return Ok(());
            }
            let outs = kernel.run(&vars)?;
            match out {
                Some(path) => npy::write_npz(&path, &outs),
                None => {
                    for (name, a) in &outs {
                        println!("{name} = {}", format::repr(a));
                    }
                    Ok(())
                }
            }
        }
        Cmd::Bench {
            expr,
            common,
            repeat,
            json,
        } => bench(&expr, &common, repeat as usize, json),
    }
}

fn bench(expr: &str, common: &Common, repeat: usize, json: bool) -> Result<()> {
    let vars = Vars::from(common.load()?);
    let target = common.target();
    let t0 = Instant::now();
    let kernel: Kernel = Expr::parse(expr)?.compile_with(target, &common.options())?;
    // The first evaluation specializes (type-checks, optimizes, compiles): that is
    // the compile time; its evaluation part is measured and subtracted below.
    let first = kernel.eval(&vars)?;
    let first_s = t0.elapsed().as_secs_f64();
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        let r = kernel.eval(&vars)?;
        times.push(t.elapsed().as_secs_f64());
        drop(r);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let min = times[0];
    let compile_s = (first_s - median).max(0.0);
    let elements: usize = first.len().max(
        kernel
            .input_names()
            .iter()
            .filter_map(|n| vars.get(n).map(|v| v.shape().iter().product::<usize>()))
            .max()
            .unwrap_or(0),
    );
    let threads = match target {
        Target::Cpu { threads } => threads,
        _ => 1,
    };
    let target_name = match target {
        Target::Interp => "interp",
        Target::Cpu { .. } => "cpu",
        Target::Cuda { .. } => "cuda",
    };
    if json {
        let v = serde_json::json!({
            "expr": expr, "target": target_name, "compile_s": compile_s, "median_s": median,
            "min_s": min, "elements": elements, "threads": threads, "repeat": repeat,
        });
        println!("{v}");
    } else {
        println!("{expr}  [{target_name}, {threads} thread(s), {elements} elements]");
        println!("  compile  {:>10.3} ms", compile_s * 1e3);
        println!(
            "  median   {:>10.3} ms   ({:.2} ns/element)",
            median * 1e3,
            median * 1e9 / elements.max(1) as f64
        );
        println!("  min      {:>10.3} ms", min * 1e3);
    }
    Ok(())
}
