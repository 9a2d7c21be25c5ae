//! The `nexpr` command line: `eval`, `run` and `bench`, over the public API of the
//! `nexpr` library only. [`main`] is the `nexpr` binary; [`run`] takes the arguments
//! from the caller (the Python package's `nexpr` command).

mod out_file;
mod parse;
mod progress;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use nexpr::io::{self, Input, MemorySink, Sink};
use nexpr::{
    CancelToken, DynArray, Emit, Error, ErrorKind, Expr, Kernel, MathWidth, Options, Program,
    Result, Target, Vars,
};
use out_file::{OutFile, OutFormat};
use progress::ProgressSink;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

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
        /// Write the result to this file (atomically) instead of printing it: a .npz
        /// (one array, `result`) if its name ends in .npz, else a .npy.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a program (.nx file) for every element, e.g. `nexpr run kernels/mandelbrot.nx`.
    Run {
        /// The program file.
        program: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Write all outputs to this file (atomically) instead of printing them: a .npy
        /// if its name ends in .npy (for a program of one output), else a .npz.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Time an expression (or a program, with --program): compile time, then median and
    /// minimum evaluation time.
    Bench {
        /// The expression (omit it with --program).
        #[arg(allow_hyphen_values = true, required_unless_present = "program")]
        expr: Option<String>,
        /// Time this program (.nx file) instead of an expression.
        #[arg(long, conflicts_with = "expr")]
        program: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Number of timed evaluations (1 to 100000).
        #[arg(long, default_value_t = 20)]
        repeat: usize,
        /// Untimed evaluations after the first (which compiles) and before the timed
        /// ones. Right after loading large variables the first evaluations can be
        /// slower than the rest while the OS reclaims and compacts memory for fresh
        /// outputs (600-840 ms against 30-50 for the first timed `z*z+zc` at 1e7 on
        /// the dev VM).
        #[arg(long, default_value_t = 2)]
        warmup: usize,
        /// Print one JSON object instead of text (with every evaluation time, in order).
        #[arg(long)]
        json: bool,
        /// Evaluate into one output, allocated by the first evaluation and written by
        /// every later one (`Kernel::eval_into`), instead of a fresh output each time:
        /// the kernel's time without the first-touch page faults of a new output. One
        /// output only (an expression, or a program with one).
        #[arg(long)]
        into: bool,
    },
    /// Print a completion script for a shell, e.g. `nexpr completions bash >
    /// ~/.local/share/bash-completion/completions/nexpr`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
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
    /// Threads for the CPU target (default: NEXPR_NUM_THREADS, else all cores; more
    /// than the engine runs, four per core and at least 16, are clamped with a warning).
    #[arg(long)]
    threads: Option<usize>,
    /// CUDA device number.
    #[arg(long, default_value_t = 0)]
    device: usize,
    /// Fast math: on the CPU, glibc's libmvec transcendentals (within 4 ulp) instead
    /// of nexpr's own (within 1 ulp, bit for bit the interpreter's); on CUDA, NVRTC's
    /// `--use_fast_math` (approximate transcendentals and divisions, flushed
    /// denormals). Results then differ from NumPy's in the last bits or more.
    #[arg(long)]
    fast_math: bool,
    /// Accepted for old scripts and ignored: accurate math is the default.
    #[arg(long, hide = true)]
    exact_math: bool,
    /// CPU only: how wide transcendentals are evaluated (`auto`: the widest this CPU
    /// runs; 256 and 512 bits need AVX2 and AVX-512, else the widest there is).
    #[arg(long, value_enum, default_value_t = MathWidthArg::Auto)]
    math_width: MathWidthArg,
    /// CPU only: at 2 threads and more, let each thread take the page faults of the
    /// fresh output pages it writes first, instead of the calling thread making them
    /// present ahead of the others (the default; for comparing the two).
    #[arg(long)]
    no_fault_ahead: bool,
    /// Print the IR, Cranelift IR, CUDA C or disassembled machine code instead of evaluating.
    #[arg(long, value_enum)]
    emit: Option<EmitArg>,
    /// No progress bar (one is drawn on standard error, when it is a terminal, for
    /// evaluations that run longer than a second).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TargetArg {
    Interp,
    Cpu,
    Cuda,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MathWidthArg {
    Auto,
    #[value(name = "128")]
    Bits128,
    #[value(name = "256")]
    Bits256,
    #[value(name = "512")]
    Bits512,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EmitArg {
    Ir,
    Clif,
    Cuda,
    Asm,
}

impl Common {
    /// Clamps `--threads` to what the engine runs (1 to its `max_threads`), with a
    /// warning on standard error when that changes the count.
    fn clamp_threads(&mut self) {
        let Some(asked) = self.threads else { return };
        let max = nexpr::Engine::process_default().config().max_threads;
        let used = asked.clamp(1, max);
        if used != asked {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "nexpr: warning: --threads {asked}: using {used} threads (between 1 and {max} \
                 here)"
            );
            self.threads = Some(used);
        }
    }

    fn target(&self) -> Target {
        match self.target {
            TargetArg::Interp => Target::Interp,
            TargetArg::Cpu => match self.threads {
                Some(threads) => Target::Cpu { threads },
                None => Target::cpu(),
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
        // `--exact-math` is the default; it only has to parse.
        let _ = self.exact_math;
        o.cpu.fast_math = self.fast_math;
        o.cpu.math_width = match self.math_width {
            MathWidthArg::Auto => MathWidth::Auto,
            MathWidthArg::Bits128 => MathWidth::Bits128,
            MathWidthArg::Bits256 => MathWidth::Bits256,
            MathWidthArg::Bits512 => MathWidth::Bits512,
        };
        o.cpu.fault_ahead = !self.no_fault_ahead;
        o.cuda.fast_math = self.fast_math;
        o
    }

    /// The variables: files opened (mapped, not read), `--set` values in memory. A
    /// name given by two sources is an error naming both.
    fn open(&self) -> Result<BTreeMap<String, Input>> {
        let mut vars = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for p in &self.vars {
            let source = format!("--vars {}", p.display());
            // Mapped, used where they lie: the command handles the SIGBUS of a file
            // truncated under it (`exit_on_sigbus`).
            for (name, input) in io::open_mapped(p)? {
                given_once(&mut sources, &name, &source)?;
                vars.insert(name, input);
            }
        }
        for s in &self.set {
            let (name, value) = s.split_once('=').ok_or_else(|| {
                Error::new(
                    ErrorKind::Usage,
                    format!("--set wants NAME=VALUE, got `{s}`"),
                )
            })?;
            given_once(&mut sources, name.trim(), &format!("--set {s}"))?;
            vars.insert(
                name.trim().to_string(),
                Input::from_array(parse_scalar(name.trim(), value.trim())?),
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

/// Records that `source` gives the variable `name`: an error if another source did.
fn given_once(sources: &mut BTreeMap<String, String>, name: &str, source: &str) -> Result<()> {
    match sources.insert(name.to_string(), source.to_string()) {
        Some(first) => Err(Error::new(
            ErrorKind::Usage,
            format!("variable `{name}` is given twice: by {first} and by {source}"),
        )),
        None => Ok(()),
    }
}

/// A `--set` value: a constant expression, evaluated by nexpr itself.
fn parse_scalar(name: &str, text: &str) -> Result<DynArray> {
    let named = |mut e: Error| {
        e.message = format!("--set {name}: {}", e.message);
        e
    };
    let e = Expr::parse(text).map_err(named)?;
    e.compile(Target::Interp)?.eval(&Vars::new()).map_err(named)
}

/// Writes to standard output; a closed pipe or full disk is an error, not a panic.
fn say(args: std::fmt::Arguments) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|_| out.flush())
        .map_err(|e| Error::new(ErrorKind::Io, format!("standard output: {e}")))
}

fn emit_text(s: &str) -> Result<()> {
    say(format_args!("{s}"))
}

/// The exit code of a failed command: 2 for what the user typed, 130 for an evaluation
/// cancelled (by SIGINT or SIGTERM), 1 for data and evaluation.
pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Parse | ErrorKind::Type | ErrorKind::Name | ErrorKind::Usage => 2,
        ErrorKind::Cancelled => 130,
        _ => 1,
    }
}

/// Runs the command line of this process and returns its exit code.
pub fn main() -> i32 {
    // The hook is the process's: set by the binary, never by a library caller of `run`.
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "nexpr: internal error: {info}");
    }));
    // A mapped input truncated while it is read: a message and exit code 1, no file left.
    io::exit_on_sigbus();
    run(std::env::args_os())
}

/// Runs the command line `args` (the program name first, as in `std::env::args_os`)
/// and returns its exit code: 0 on success, [`exit_code`] of the error otherwise, 2
/// for arguments clap refuses, 70 for an internal error.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = args.into_iter().map(Into::into).collect();
    let cli = match parse::parse::<Cli>(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    // A panic would be a bug: it still ends in an exit code (and, from `main`, in one line).
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(cli))) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "nexpr: {e}");
            exit_code(e.kind)
        }
        Err(_) => 70,
    }
}

/// The longest program file read (a program is text, not data).
pub const MAX_PROGRAM_BYTES: u64 = 1 << 20;

/// Most timed evaluations `bench` runs.
pub const MAX_REPEAT: usize = 100_000;

fn read_program(path: &std::path::Path) -> Result<Program> {
    Program::parse(&io::read_text(path, MAX_PROGRAM_BYTES)?)
}

/// Views of every variable for the in-memory API: mapped where they lie, the rest
/// loaded.
fn views(vars: &mut BTreeMap<String, Input>) -> Result<Vars<'_>> {
    for v in vars.values_mut() {
        if v.view().is_none() {
            *v = Input::from_array(v.load()?);
        }
    }
    let mut out = Vars::new();
    for (name, v) in vars.iter() {
        out.insert(name, v.view().expect("loaded above"));
    }
    Ok(out)
}

/// `kernel` streamed over `data` into `sink`, stopped by SIGINT or SIGTERM: the first
/// one cancels the evaluation (exit code 130, files removed), a second ends the process.
/// A progress bar is drawn on standard error if it is a terminal, unless `--quiet`.
fn streamed(
    kernel: &Kernel,
    data: &mut BTreeMap<String, Input>,
    sink: &mut dyn Sink,
    common: &Common,
) -> Result<()> {
    let token = CancelToken::new();
    io::cancel_on_signals(&token);
    let visible = !common.quiet && std::io::stderr().is_terminal();
    let mut progress = ProgressSink::new(sink, visible);
    kernel.eval_streamed_with_cancel(data, &mut progress, &token)?;
    progress.finish();
    // A signal after the last block: the output is not finished either.
    match token.is_cancelled() {
        true => Err(Error::new(ErrorKind::Cancelled, "evaluation cancelled")),
        false => Ok(()),
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Eval {
            expr,
            mut common,
            out,
        } => {
            common.clamp_threads();
            let kernel =
                Expr::parse(&expr)?.compile_with(common.compile_target(), &common.options())?;
            evaluate(&kernel, Compiled::Expression, &common, out)
        }
        Cmd::Run {
            program,
            mut common,
            out,
        } => {
            common.clamp_threads();
            let p = read_program(&program)?;
            let kernel = p.compile_with(common.compile_target(), &common.options())?;
            evaluate(&kernel, Compiled::Program, &common, out)
        }
        Cmd::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "nexpr", &mut script);
            emit_text(&String::from_utf8_lossy(&script))
        }
        Cmd::Bench {
            expr,
            program,
            mut common,
            repeat,
            warmup,
            json,
            into,
        } => {
            if !(1..=MAX_REPEAT).contains(&repeat) {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("--repeat must be between 1 and {MAX_REPEAT}, got {repeat}"),
                ));
            }
            if warmup > MAX_REPEAT {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("--warmup must be at most {MAX_REPEAT}, got {warmup}"),
                ));
            }
            let (label, what) = match (&expr, &program) {
                (_, Some(path)) => (
                    path.display().to_string(),
                    Bench::Program(read_program(path)?),
                ),
                (Some(e), None) => (e.clone(), Bench::Expr(Expr::parse(e)?)),
                (None, None) => {
                    return Err(Error::new(
                        ErrorKind::Usage,
                        "bench wants an expression or --program FILE",
                    ))
                }
            };
            common.clamp_threads();
            let runs = Runs {
                repeat,
                warmup,
                json,
                into,
            };
            bench(&label, what, &common, &runs)
        }
    }
}

/// What `eval` and `run` compiled: it decides the format of an `--out` of neither
/// extension and how outputs are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compiled {
    /// One result: a .npy, printed bare.
    Expression,
    /// Named outputs: a .npz, printed `name = value`.
    Program,
}

/// `eval` and `run`: the code (`--emit`), else the outputs written to `out` (in the
/// format its extension names) or printed.
fn evaluate(
    kernel: &Kernel,
    compiled: Compiled,
    common: &Common,
    out: Option<PathBuf>,
) -> Result<()> {
    let mut data = common.open()?;
    if let Some(what) = common.emit() {
        return emit_text(&kernel.emit(&views(&mut data)?, what)?);
    }
    if let Some(path) = out {
        let default = match compiled {
            Compiled::Expression => OutFormat::Npy,
            Compiled::Program => OutFormat::Npz,
        };
        let mut file = OutFile::new(&path, default, &kernel.output_names())?;
        streamed(kernel, &mut data, file.sink(), common)?;
        return file.finish();
    }
    let mut sink = MemorySink::new();
    streamed(kernel, &mut data, &mut sink, common)?;
    let outputs = sink.finish()?;
    for name in kernel.output_names() {
        if let Some(a) = outputs.get(&name) {
            match compiled {
                Compiled::Expression => say(format_args!("{}\n", nexpr::repr(a)))?,
                Compiled::Program => say(format_args!("{name} = {}\n", nexpr::repr(a)))?,
            }
        }
    }
    Ok(())
}

enum Bench {
    Expr(Expr),
    Program(Program),
}

/// How `bench` times: evaluations and what it prints.
struct Runs {
    repeat: usize,
    warmup: usize,
    json: bool,
    /// Into one reused output instead of a fresh one per evaluation.
    into: bool,
}

fn bench(label: &str, what: Bench, common: &Common, runs: &Runs) -> Result<()> {
    let Runs {
        repeat,
        warmup,
        json,
        into,
    } = *runs;
    let mut data = common.open()?;
    let vars = views(&mut data)?;
    let target = common.target();
    let t0 = Instant::now();
    let kernel: Kernel = match &what {
        Bench::Expr(e) => e.compile_with(target, &common.options())?,
        Bench::Program(p) => p.compile_with(target, &common.options())?,
    };
    // The first evaluation specializes (type-checks, optimizes, compiles): that is
    // the compile time; its evaluation part is measured and subtracted below.
    let first = kernel.run(&vars)?;
    let first_s = t0.elapsed().as_secs_f64();
    let first_len = first.values().map(|a| a.len()).max().unwrap_or(0);
    // With --into, every later evaluation writes over the first one's output itself
    // (laid out as any fresh output is: on huge pages where it is large).
    let mut out = if into {
        first.into_values().next()
    } else {
        drop(first);
        None
    };
    // A fresh output is returned, to be freed after the clock stops.
    let mut evaluate = || -> Result<Option<BTreeMap<String, DynArray>>> {
        match &mut out {
            Some(o) => kernel.eval_into(&vars, o).map(|()| None),
            None => kernel.run(&vars).map(Some),
        }
    };
    for _ in 0..warmup {
        drop(evaluate()?);
    }
    let mut times = Vec::new();
    times
        .try_reserve_exact(repeat)
        .map_err(|_| Error::new(ErrorKind::Usage, "--repeat is too large"))?;
    for _ in 0..repeat {
        let t = Instant::now();
        let r = evaluate()?;
        times.push(t.elapsed().as_secs_f64());
        drop(r);
    }
    let in_order = times.clone();
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let min = times[0];
    let compile_s = (first_s - median).max(0.0);
    let elements: usize = first_len.max(
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
        let key = match what {
            Bench::Expr(_) => "expr",
            Bench::Program(_) => "program",
        };
        let v = serde_json::json!({
            key: label, "target": target_name, "compile_s": compile_s, "median_s": median,
            "min_s": min, "elements": elements, "threads": threads, "repeat": repeat,
            "warmup": warmup, "into": into, "times_s": in_order,
        });
        say(format_args!("{v}\n"))?;
    } else {
        let output = if into { ", into one output" } else { "" };
        say(format_args!(
            "{label}  [{target_name}, {threads} thread(s), {elements} elements{output}]\n"
        ))?;
        say(format_args!("  compile  {:>10.3} ms\n", compile_s * 1e3))?;
        say(format_args!(
            "  median   {:>10.3} ms   ({:.2} ns/element)\n",
            median * 1e3,
            median * 1e9 / elements.max(1) as f64
        ))?;
        say(format_args!("  min      {:>10.3} ms\n", min * 1e3))?;
    }
    Ok(())
}
