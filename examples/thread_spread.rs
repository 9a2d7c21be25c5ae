//! How steady repeated evaluations are, at 1 and 2 threads, with fresh outputs (as
//! `eval` allocates them; at 2 threads with their pages faulted in ahead by one thread,
//! the default, and by whichever thread writes them first) and with a preallocated one
//! (`eval_into`): per mode, the distribution of wall times, and per evaluation the CPU
//! time (user + system) and minor page faults of the process, from `getrusage`. The
//! modes take turns evaluation by evaluation, so that they see the same load from
//! other processes.
//!
//! `cargo run --release --example thread_spread -- VARS.npz EXPR [ROUNDS] [REPEAT]`
//! (e.g. the `.npz` of `benches/make_vars.py` and `'z*z+zc'`); the findings are in
//! `docs/performance-log.md` ("Steady times at 2 threads").

use nexpr::{CpuOptions, Expr, Options, Target, Vars};
use std::collections::BTreeMap;
use std::time::Instant;

/// CPU seconds (user + system), minor faults and involuntary context switches so far.
fn usage() -> (f64, i64, i64) {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |x: libc::timeval| x.tv_sec as f64 + x.tv_usec as f64 * 1e-6;
    (t(u.ru_utime) + t(u.ru_stime), u.ru_minflt, u.ru_nivcsw)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: thread_spread VARS.npz EXPR [ROUNDS] [REPEAT]");
        std::process::exit(2);
    }
    let rounds: usize = args.get(3).map_or(Ok(4), |s| s.parse())?;
    let repeat: usize = args.get(4).map_or(Ok(7), |s| s.parse())?;
    let vars = Vars::from(nexpr::io::read(&args[1])?);
    let e = Expr::parse(&args[2])?;
    let k1 = e.compile(Target::Cpu { threads: 1 })?;
    let k2 = e.compile(Target::Cpu { threads: 2 })?;
    let inline = Options {
        cpu: CpuOptions {
            fault_ahead: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let k2_inline = e.compile_with(Target::Cpu { threads: 2 }, &inline)?;
    let mut out = k1.eval(&vars)?;
    // (wall s, CPU s, minor faults, involuntary switches) per evaluation, per mode.
    let mut res: BTreeMap<&str, Vec<(f64, f64, i64, i64)>> = BTreeMap::new();
    for _ in 0..rounds {
        let modes = [
            ("1 thread, fresh", &k1, true),
            ("2 threads, fresh", &k2, true),
            ("2 threads, fresh, inline faults", &k2_inline, true),
            ("1 thread, into", &k1, false),
            ("2 threads, into", &k2, false),
        ];
        for _ in 0..repeat {
            for (name, k, fresh) in modes {
                let u0 = usage();
                let t = Instant::now();
                let r = if fresh {
                    Some(k.eval(&vars)?)
                } else {
                    k.eval_into(&vars, &mut out)?;
                    None
                };
                let wall = t.elapsed().as_secs_f64();
                let u1 = usage();
                drop(r);
                res.entry(name)
                    .or_default()
                    .push((wall, u1.0 - u0.0, u1.1 - u0.1, u1.2 - u0.2));
            }
        }
    }
    println!("{} ({rounds} rounds of {repeat}), ms:", args[2]);
    for (name, v) in &res {
        let mut w: Vec<f64> = v.iter().map(|x| x.0 * 1e3).collect();
        w.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let cpu = v.iter().map(|x| x.1).sum::<f64>() / n as f64 * 1e3;
        let faults = v.iter().map(|x| x.2).sum::<i64>() / n as i64;
        let switches = v.iter().map(|x| x.3).sum::<i64>() as f64 / n as f64;
        println!(
            "{name:31} min {:6.2}  median {:6.2}  max {:7.2}  median/min {:.2} | CPU {:6.2} per evaluation, {faults} minor faults, {switches:.1} involuntary switches",
            w[0],
            w[n / 2],
            w[n - 1],
            w[n / 2] / w[0],
            cpu
        );
    }
    Ok(())
}
